"""Turning input files into text: decoding bytes (:mod:`.decode`), reading one text file and
streams within size limits (:mod:`.files`), and streaming the rows of a CSV/TSV/JSONL table
(:mod:`.tables`), and documents beyond plain text: HTML, PDF, DOCX and EML
(:mod:`.documents`), and Parquet files (:mod:`.parquet`); a table's text column of HTML (:mod:`.cells`). The format half of reading; :mod:`topicnmf.corpus` makes documents of it."""

from .cells import MODES as MARKUP_MODES, with_visible_text
from .decode import decode_bytes
from .documents import DOCUMENT_SUFFIXES, found_by_content, read_file
from .files import file_suffixes, link_problem, output_files, read_text_file
from .parquet import is_parquet, not_read_reason, other_files, parquet_records
from .tables import csv_rows, jsonl_rows, table_records

__all__ = ["DOCUMENT_SUFFIXES", "MARKUP_MODES", "with_visible_text", "csv_rows", "decode_bytes", "file_suffixes", "found_by_content", "is_parquet", "jsonl_rows", "link_problem", "not_read_reason", "other_files",
           "output_files", "parquet_records", "read_file", "read_text_file", "table_records"]
