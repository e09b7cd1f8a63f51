import gzip
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "corpora" / "field-guides"
SHARED = ROOT.parent / "shared" / "corpora"


def shared_corpus(name):
    """Path of a corpus in ../shared/corpora, or skip the test when it is absent."""
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared corpora live beside the repository)")
    return path


def read_jsonl(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="session")
def bundled():
    return BUNDLED
