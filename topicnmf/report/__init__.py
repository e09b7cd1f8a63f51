"""Reports: each output format is a function of the result; ``writer`` puts them on disk."""

from .html import html_report
from .json_report import report_data, topics_json
from .markdown import markdown_report, md_escape
from .tables import doc_topics_csv, topics_csv
from .writer import FORMATS, render, write_files

__all__ = [
    "FORMATS", "doc_topics_csv", "html_report", "markdown_report", "md_escape",
    "render", "report_data", "topics_csv", "topics_json", "write_files",
]
