"""The shared corpora the benchmarks read, from ../shared/corpora beside the repository."""

import gzip
import json
import sys
from pathlib import Path

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
FILES = {"bbc": "bbc-news.jsonl.gz", "debian": "debian-packages.jsonl.gz"}


def load(name):
    """(texts, labels) of a shared corpus; exits with a message when it is absent."""
    path = CORPORA / FILES[name]
    if not path.exists():
        sys.exit(f"{path} is absent: the benchmark needs ../shared/corpora beside the repository.")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    return [r["text"] for r in rows], [r.get("label") for r in rows]
