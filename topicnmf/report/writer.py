"""Writing the reports: every file is written (the large tables and the reports rendered as
they are written, the tables beside the rest), then all are switched into place.

Nothing half-written ever appears in the output folder: files are written into a staging
folder inside it and switched in as a whole only after all of them rendered and were
written without error (see :mod:`.folder`).

A folder describes exactly one run: ``manifest.json`` lists what the run wrote, and the
next run into the same folder removes what the previous one wrote and it does not write
again (an ``auto`` run's sweep files, the HTML of a run now asked for CSV only). Files
topicnmf never writes are left alone, and the report of a ``run`` (with its model) is
never replaced by another command's output.
"""

import functools
import logging
import shutil
from concurrent.futures import ThreadPoolExecutor

from ..errors import TopicNMFError
from ..junk import stop_word_file
from ..model import save_model
from ..topics import DocTopicTable
from . import folder, parquet, streamed
from .html import html_report
from .json_report import report_data, topics_json
from .markdown import markdown_report
from .tables import doc_topics_csv, topics_csv
from .compare_report import matches_csv
from .timeline_report import timeline_files

log = logging.getLogger("topicnmf")
FORMATS = ("csv", "json", "md", "html")  # the default reports
ALL_FORMATS = (*FORMATS, "parquet")  # parquet: doc_topics.parquet
# the files each format always gives (some runs add more: timeline, alignment, stop words)
FORMAT_FILES = {"csv": ("topics.csv", "doc_topics.csv"), "json": ("topics.json",), "md": ("report.md",),
                "html": ("report.html",), "parquet": ("doc_topics.parquet",)}


def render(result, formats=FORMATS):
    """{file name: text (bytes for Parquet; a :class:`~.streamed.StreamedFile` for the
    large tables and the reports, made as they are written)} for the chosen formats. A corpus of
    ``LARGE_CORPUS`` documents or more also gets doc_topics.parquet with its CSV files
    (when pyarrow is installed)."""
    files = {}
    if "csv" in formats:
        files["topics.csv"] = topics_csv(result)
        files["doc_topics.csv"] = doc_topics_csv(result.topics.doc_topics)
        if getattr(result, "timeline", None) is not None:
            files |= timeline_files(result.timeline)
        if getattr(result, "alignment", None) is not None:
            files["alignment.csv"] = matches_csv(result.alignment)
    large = "csv" in formats and len(result.topics.doc_topics) >= parquet.LARGE_CORPUS and parquet.available()
    if "parquet" in formats or large:
        doc_topics = result.topics.doc_topics
        files["doc_topics.parquet"] = (streamed.doc_topics_parquet_file(doc_topics)
                                       if isinstance(doc_topics, DocTopicTable)
                                       else parquet.doc_topics_parquet(doc_topics))
    # the reports made as write_files writes them, beside the large files (at 794k documents
    # 1.4 s of rendering, then 2.3 s of writing, now 2.7 s for both), from data made once
    data = functools.cache(lambda: report_data(result))
    if "json" in formats:
        files["topics.json"] = streamed.text_file(lambda: topics_json(result, data()))
    if "md" in formats:
        files["report.md"] = streamed.text_file(lambda: markdown_report(result, data()))
    if "html" in formats:
        files["report.html"] = streamed.text_file(lambda: html_report(result, data=data()))
    junk_terms = [w for q in result.quality for w in q.junk_terms + q.suggested_stop_words]
    if junk_terms:  # a stop-word list written for the user, for --stop-words
        flags = [f for f in ("metadata", "codes", "few_authors", "common_words")
                 if any(f in q.flags for q in result.quality if q.junk_terms or q.suggested_stop_words)]
        files["suggested_stop_words.txt"] = stop_word_file(junk_terms, flags)
    return files


def write_files(files, out_dir, model=None, *, command="run"):
    """Write {name: text} (and a model folder) into ``out_dir`` all-or-nothing, with a
    manifest of what ``command`` wrote; what a previous run wrote there and this one does
    not write is removed (and said so).

    Returns the list of paths written.
    """
    out = folder.prepare(out_dir, command)
    with folder.locked(out):
        folder.check_target(out, command)  # again, held: another run may have written it since
        earlier, present = folder.previous(out)
        names = sorted(files) + (["model"] if model is not None else [])
        folder.check_ours(out, names)
        files = {**files, folder.MANIFEST: folder.manifest_text(command, names)}
        stale = [n for n in present if n not in files and n not in names]
        staging = folder.staging_folder(out)
        try:
            try:
                with ThreadPoolExecutor(2) as pool:  # the large files beside the rest (their
                    # formatting and compression leave the GIL: both cores at 794k documents)
                    large = [pool.submit(text.write_to, staging / name) for name, text in files.items()
                             if isinstance(text, streamed.StreamedFile) and text.beside]  # block by block
                    for name, text in files.items():
                        if isinstance(text, streamed.StreamedFile):
                            if not text.beside:  # (the reports: rendered here meanwhile)
                                text.write_to(staging / name)
                        elif isinstance(text, bytes):
                            (staging / name).write_bytes(text)
                        else:
                            (staging / name).write_text(text, encoding="utf-8", newline="")
                    if model is not None:
                        save_model(model, staging / "model")
                    for done in large:
                        done.result()
            except OSError as exc:
                raise TopicNMFError(f"{out}: cannot write the reports ({exc.strerror or exc}).") from None
            folder.switch(out, staging, names + [folder.MANIFEST], stale)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    if stale:
        log.info("removed from %s what the previous run wrote and this one does not: %s",
                 out, ", ".join(stale))
    return [out / n for n in names + [folder.MANIFEST]]
