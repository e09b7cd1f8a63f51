"""The files of ``topicnmf update``: how far each topic moved, as CSV, JSON and Markdown,
with the new documents' topics.csv and doc_topics.csv."""

import json

import pandas as pd

from .markdown import md_escape
from .tables import doc_topics_csv, to_csv


def update_data(update, model_source, input_source):
    moved = [{**m, "similarity": float(f"{m['similarity']:.6g}")} for m in update.moved]
    return {"model": str(model_source), "input": str(input_source),
            "n_documents": update.n_documents, "n_terms_added": update.n_terms_added,
            "n_terms": len(update.model.terms), "old_weight": update.old_weight,
            "topics": moved}


def update_markdown(data):
    lines = ["# Topics updated", "",
             f"{data['n_documents']} documents of {md_escape(data['input'])} folded into "
             f"{md_escape(data['model'])} (the old model counted as {data['old_weight']:g} "
             f"documents); {data['n_terms_added']} new terms, {data['n_terms']} in all.", "",
             "| topic | label | label before | similarity to its old self | terms in | terms out |",
             "| --- | --- | --- | --- | --- | --- |"]
    for t in data["topics"]:
        lines.append(f"| {t['topic']} | {md_escape(t['label'])} | {md_escape(t['old_label'])} | "
                     f"{t['similarity']:.3f} | "
                     f"{md_escape(', '.join(t['entered']))} | {md_escape(', '.join(t['left']))} |")
    return "\n".join(lines) + "\n"


def update_files(update, model_source, input_source):
    """{file name: text}: update.csv, update.json, update.md, topics.csv, doc_topics.csv."""
    data = update_data(update, model_source, input_source)
    table = pd.DataFrame([{**t, "entered": "; ".join(t["entered"]), "left": "; ".join(t["left"])}
                          for t in data["topics"]],
                         columns=["topic", "label", "old_label", "similarity", "entered", "left"])
    return {"update.csv": to_csv(table),
            "update.json": json.dumps(data, indent=2, ensure_ascii=False) + "\n",
            "update.md": update_markdown(data),
            "topics.csv": to_csv(update.topics.terms),
            "doc_topics.csv": doc_topics_csv(update.topics.doc_topics)}
