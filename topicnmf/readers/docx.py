"""DOCX -> its text through python-docx (the ``documents`` extra): the paragraphs and the
tables' cells of the body in document order, one paragraph a line."""

import io
import zipfile

from .errors import DocumentSkipped, needs_extra


def docx_text(data, max_bytes=None):
    """(text, None) of the Word document in ``data`` (bytes); a package that unzips to more
    than ``max_bytes`` (None: no limit) is skipped before anything is unzipped."""
    try:
        unzipped = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise DocumentSkipped("damaged DOCX") from None
    if max_bytes is not None and unzipped > max_bytes:
        raise DocumentSkipped(f"larger than max_file_mb ({max_bytes / 2**20:.3g} MB) once unzipped")
    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
        from lxml.etree import XMLSyntaxError  # python-docx is built on lxml
    except ImportError:
        raise needs_extra("python-docx", "documents") from None
    try:
        document = docx.Document(io.BytesIO(data))
        lines = list(_lines(document))
    except (PackageNotFoundError, zipfile.BadZipFile, XMLSyntaxError, KeyError, ValueError):
        raise DocumentSkipped("damaged DOCX") from None
    return "\n".join(line for line in lines if line.strip()), None


def _lines(container):
    """Paragraph texts of a document or table cell, tables row by row, in order."""
    for block in container.iter_inner_content():
        if hasattr(block, "rows"):  # a table
            for row in block.rows:
                seen = set()  # a merged cell is listed once per grid column it spans
                for cell in row.cells:
                    if id(cell._tc) not in seen:
                        seen.add(id(cell._tc))
                        yield from _lines(cell)
        else:
            yield block.text
