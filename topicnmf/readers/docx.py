"""DOCX -> its text through python-docx (the ``documents`` extra): the body's paragraphs,
tables' cells, content controls and text boxes in document order, one paragraph a line.

The text is read from the WordprocessingML of the body as Word shows it with its changes
accepted: a tracked insertion (``w:ins``) or moved-in text (``w:moveTo``) is text, a tracked
deletion (``w:del``) or moved-away text (``w:moveFrom``) is not, and neither is hidden text
(``w:vanish``) nor a field's instruction (``w:instrText``). python-docx's ``Paragraph.text``
reads only a paragraph's own runs and hyperlinks: inserted text, content controls
(``w:sdt``, the body of many Word templates), smart tags, simple fields and text boxes were
lost from a document under review. A text box drawn twice (``mc:AlternateContent``: DrawingML,
and VML for old Word) is read once, from the first choice.
"""

import io
import zipfile

from .errors import DocumentSkipped, needs_extra

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_P, _R, _T, _TXBX = _W + "p", _W + "r", _W + "t", _W + "txbxContent"
_BREAKS = {_W + "br": "\n", _W + "cr": "\n", _W + "tab": "\t", _W + "noBreakHyphen": "-",
           _W + "softHyphen": ""}
# Not text as shown: deletions, moved-away text, properties (a paragraph's deleted mark, a
# content control's placeholder settings), field instructions, the fallback of a drawing.
_SKIP = {_W + "del", _W + "moveFrom", _W + "pPr", _W + "rPr", _W + "sdtPr", _W + "instrText",
         _W + "delInstrText", _MC + "Fallback"}


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
        lines = list(body_lines(document.element.body))
    except (PackageNotFoundError, zipfile.BadZipFile, XMLSyntaxError, KeyError, ValueError):
        raise DocumentSkipped("damaged DOCX") from None
    return "\n".join(line for line in lines if line.strip()), None


def body_lines(element):
    """The text of each paragraph under ``element`` (an lxml element of WordprocessingML), in
    document order: tables row by row and cell by cell, a text box's paragraphs after the
    paragraph that anchors it."""
    for child in element:
        if child.tag in _SKIP or not isinstance(child.tag, str):  # (comments have a function as tag)
            continue
        if child.tag == _P:
            yield from _paragraph(child)
        else:
            yield from body_lines(child)


def _paragraph(p):
    parts, boxes = [], []
    _runs(p, parts, boxes)
    yield "".join(parts)
    for box in boxes:
        yield from body_lines(box)


def _runs(element, parts, boxes):
    for child in element:
        tag = child.tag
        if tag in _SKIP or not isinstance(tag, str):
            continue
        if tag == _T:
            parts.append(child.text or "")
        elif tag in _BREAKS:
            parts.append(_BREAKS[tag])
        elif tag == _R and _hidden(child):
            continue
        elif tag == _TXBX or tag == _P:  # a text box's paragraphs: lines of their own
            boxes.append(child if tag == _TXBX else _wrapped(child))
        else:
            _runs(child, parts, boxes)


def _hidden(run):
    """Whether the run is formatted as hidden text (``w:vanish``, not switched off)."""
    props = run.find(_W + "rPr")
    vanish = props.find(_W + "vanish") if props is not None else None
    return vanish is not None and vanish.get(_W + "val", "true") not in ("0", "false", "off")


def _wrapped(p):
    """A stray paragraph inside another (malformed, but seen): read as a container of one."""
    return [p]
