"""The shared corpora the benchmarks read (from ../shared/corpora beside the repository), and
the document-incidence matrix topicnmf's topics are scored against."""

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


def pypi_texts(path, limit):
    """The first ``limit`` nonempty summaries of a package list (a TSV with a ``summary``
    column, e.g. /work/.library/env/packages/pypi.tsv; never committed)."""
    import csv

    if not path or not Path(path).exists():
        sys.exit("the pypi case needs a package list: --pypi-tsv PATH or TOPICNMF_PYPI_TSV")
    csv.field_size_limit(2**30)
    texts = []
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row.get("summary"):
                texts.append(row["summary"])
                if len(texts) == limit:
                    break
    return texts


def topicnmf_reference(texts, stem=False):
    """(X, term -> column) of topicnmf's own tokens with nothing removed (no stop
    words, numbers kept, every term); NPMI reads only which documents hold each term."""
    from topicnmf.preprocess import Analyzer, PreprocessOptions, analyze
    from topicnmf.vectorize import VectorizeOptions, vectorize

    options = PreprocessOptions(stem=stem, stop_words=frozenset(), keep_numbers=True, min_token_length=1)
    dtm = vectorize(analyze(texts, Analyzer(options)), [str(i) for i in range(len(texts))],
                    VectorizeOptions(min_df=1, max_df=1.0))
    return dtm.X, {t: i for i, t in enumerate(dtm.terms)}
