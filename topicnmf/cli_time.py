"""The commands of topics across runs: ``topicnmf compare A B`` (and their registration).

Kept apart from ``cli.py`` so that it only registers them: :func:`add_commands` adds the
parsers, :data:`COMMANDS` maps each name to its function (argparse namespace -> exit status).
"""

import logging

from .align import MIN_SIMILARITY, compare, load_topics
from .errors import ParameterError
from .report import write_files
from .report.compare_page import compare_files

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


COMMANDS = {"compare": cmd_compare}
