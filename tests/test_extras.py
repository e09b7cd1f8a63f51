"""CI installs '.[test,all]' (.ci/run, README's test command): 'all' must name every optional
extra, or a new extra's tests would silently never run in CI."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_all_names_every_optional_extra():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    (spec,) = extras["all"]
    named = set(re.fullmatch(r"topicnmf\[([a-z0-9_,-]+)\]", spec).group(1).split(","))
    assert named == set(extras) - {"all", "test"}


def test_ci_installs_test_and_all():
    run = (ROOT / ".ci" / "run").read_text()
    assert "pip install -e '.[test,all]'" in run
    assert "pip install -e '.[test,all]' && python -m pytest -q" in (ROOT / "README.md").read_text()
