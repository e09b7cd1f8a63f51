"""Topic groups: a tree of the topics by their terms, cut into a few groups, in the reports."""

import json

import numpy as np
import pytest

from topicnmf.cli import main
from topicnmf.config import RunConfig
from topicnmf.errors import ParameterError
from topicnmf.hierarchy import n_groups, topic_groups

from conftest import BUNDLED


def test_how_many_groups():
    assert n_groups(50) == 8 and n_groups(12) == 4 and n_groups(11) == 0
    assert n_groups(6, asked=3) == 3 and n_groups(6, asked=0) == 0 and n_groups(4, asked=9) == 4


def test_topics_sharing_terms_share_a_group():
    rng = np.random.default_rng(0)
    base = np.zeros((3, 30))
    base[0, :10] = base[1, 10:20] = base[2, 20:] = 1.0
    H = np.vstack([base[i % 3] + 0.05 * rng.random(30) for i in range(12)])  # 3 families of 4
    shares = np.full(12, 1 / 12)
    groups = topic_groups(H, shares, [f"w{j}" for j in range(30)], asked=3)
    assert sorted(t for g in groups for t in g.topics) == list(range(1, 13))
    assert sorted(g.topics for g in groups) == [(1, 4, 7, 10), (2, 5, 8, 11), (3, 6, 9, 12)]
    assert all(g.share == pytest.approx(1 / 3) for g in groups)
    assert groups[0].label.startswith("w")


def test_groups_in_the_reports(tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(BUNDLED), "--topics", "6", "--groups", "3", "--out", str(out), "-q"]) == 0
    data = json.loads((out / "topics.json").read_text())
    assert len(data["groups"]) == 3
    assert sorted(t for g in data["groups"] for t in g["topics"]) == [1, 2, 3, 4, 5, 6]
    assert "## Topic groups" in (out / "report.md").read_text()
    assert 'id="groups"' in (out / "report.html").read_text(encoding="utf-8")
    plain = tmp_path / "plain"
    assert main(["run", str(BUNDLED), "--topics", "6", "--out", str(plain), "-q", "--formats", "json"]) == 0
    assert "groups" not in json.loads((plain / "topics.json").read_text())  # 6 topics: none


def test_bad_groups_setting():
    with pytest.raises(ParameterError, match="groups must be an integer >= 0; got -2"):
        RunConfig(groups=-2)
