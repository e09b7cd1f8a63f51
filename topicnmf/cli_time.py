"""The commands of topics across runs: ``topicnmf compare A B`` and ``topicnmf update MODEL
INPUT`` (and their registration).

Kept apart from ``cli.py`` so that it only registers them: :func:`add_commands` adds the
parsers, :data:`COMMANDS` maps each name to its function (argparse namespace -> exit status).
"""

import json
import logging
from pathlib import Path

from .align import MIN_SIMILARITY, compare, load_topics
from .config import RunConfig
from .corpus import read_corpus
from .errors import ParameterError
from .model import load_model
from .options import add_options, given
from .report import write_files
from .report.compare_page import compare_files
from .report.update_report import update_files
from .update import update_model

log = logging.getLogger("topicnmf")
MODEL_HELP = "folder written by 'topicnmf run' (or its model/)"


def add_commands(sub):
    """Add this module's commands to an argparse subparsers object."""
    p = sub.add_parser(
        "compare", help="compare two saved models' topics",
        description="Match the topics of model B to those of model A (Hungarian algorithm on the "
                    "cosine similarity of their term weights over both vocabularies) and write "
                    "similarity.csv, matches.csv, compare.json and compare.html into --out.")
    p.add_argument("old", metavar="A", help=MODEL_HELP)
    p.add_argument("new", metavar="B", help=MODEL_HELP)
    p.add_argument("-o", "--out", default="topicnmf-compare", metavar="DIR",
                   help="output folder (default: %(default)s)")
    p.add_argument("--min-similarity", type=float, default=MIN_SIMILARITY, metavar="X",
                   help="least cosine similarity of a match, 0 to 1 (default: %(default)s)")
    p.add_argument("--top-terms", type=int, default=10, metavar="N",
                   help="top terms compared for terms in and out (default: %(default)s)")
    p.add_argument("-q", "--quiet", action="store_true", help="no log on stderr")

    p = sub.add_parser(
        "update", help="fold new documents into a saved model, topic numbers kept",
        description="Refit MODEL's topics on the documents of INPUT, the old corpus summarized "
                    "by its topics (the vocabulary grows by INPUT's new terms); write the "
                    "updated model, update.csv/json/md (how far each topic moved), topics.csv "
                    "and doc_topics.csv into --out.")
    p.add_argument("model", metavar="MODEL", help=MODEL_HELP)
    p.add_argument("input", metavar="INPUT", help="folder of text files, or .csv/.tsv/.jsonl(.gz) file")
    p.add_argument("-o", "--out", default="topicnmf-update", metavar="DIR",
                   help="output folder (default: %(default)s)")
    p.add_argument("--old-weight", type=float, default=None, metavar="N",
                   help="how many documents the old model counts as (default: the documents "
                        "it stands for, from the run's topics.json or a previous update's "
                        "update.json, else as many as INPUT)")
    add_options(p, "update")
    p.add_argument("-q", "--quiet", action="store_true", help="no log on stderr")


def _fitted_documents(model_path):
    """The documents a model stands for: a run folder's (its topics.json), or an update
    folder's (update.json: the old weight plus the documents folded in); else None."""
    folder = Path(model_path)
    for base in (folder, folder.parent):
        try:
            data = json.loads((base / "topics.json").read_text(encoding="utf-8"))
            return int(data["corpus"]["n_documents"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        try:
            data = json.loads((base / "update.json").read_text(encoding="utf-8"))
            return float(data["old_weight"]) + int(data["n_documents"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return None


def cmd_update(args):
    if args.old_weight is not None and not 0 <= args.old_weight < float("inf"):
        raise ParameterError(f"--old-weight must be a number >= 0; got {args.old_weight}.")
    model = load_model(args.model)
    corpus = read_corpus(args.input, RunConfig.from_settings(given(args, "update")).read)
    log.info("%s", corpus.summary())
    weight = args.old_weight
    if weight is None and "n_documents" not in model.parameters:  # a model saved before it kept the count
        weight = _fitted_documents(args.model)
    done = update_model(model, corpus, old_weight=weight)
    written = write_files(update_files(done, args.model, args.input), args.out,
                          model=done.model, command="update")
    args.written = True
    log.info("wrote %s", ", ".join(str(p) for p in written))
    for m in done.moved:
        print(f"topic {m['topic']}: {m['label']} (was {m['old_label']}): similarity {m['similarity']:.3f} "
              "to before" + (f"; in: {', '.join(m['entered'])}" if m["entered"] else "")
              + (f"; out: {', '.join(m['left'])}" if m["left"] else ""))
    return 0


def cmd_compare(args):
    if args.top_terms < 1:
        raise ParameterError(f"--top-terms must be a positive integer; got {args.top_terms}.")
    if not 0 <= args.min_similarity <= 1:
        raise ParameterError(f"--min-similarity must be from 0 to 1; got {args.min_similarity}.")
    comparison = compare(load_topics(args.old), load_topics(args.new),
                         min_similarity=args.min_similarity, top_terms=args.top_terms)
    written = write_files(compare_files(comparison, args.old, args.new), args.out,
                          command="compare")
    args.written = True
    log.info("wrote %s", ", ".join(str(p) for p in written))
    for m in comparison.matches:
        if m.status == "kept":
            print(f"A {m.old} -> B {m.new}: kept, similarity {m.similarity:.2f} ({m.new_label})")
        elif m.status == "new":
            print(f"B {m.new}: new ({m.new_label})")
        else:
            print(f"A {m.old}: gone ({m.old_label})")
    return 0


COMMANDS = {"compare": cmd_compare, "update": cmd_update}
