"""The planted check of topics over time: BBC news dated so that each section's monthly share
follows a chosen curve; the matching topics' recovered shares must follow the curves."""

import importlib.util

import pytest

from conftest import ROOT, shared_corpus


def _bench():
    spec = importlib.util.spec_from_file_location("bench_time", ROOT / "benchmarks" / "bench_time.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_recovered_shares_follow_the_planted_curves():
    path = shared_corpus("bbc-news.jsonl.gz")
    ours, _, planted = _bench().planted_check(path, peer=False)
    assert len(planted) == 12 and sorted(ours.section) == sorted(planted.columns)
    assert ours.topic.nunique() == 5  # one topic per section
    assert (ours["corr"] >= 0.9).all(), ours
    assert (ours["mae"] <= 0.05).all(), ours
