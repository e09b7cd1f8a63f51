"""Options from their whole domain, and what reaches a terminal: a one-line error or a right
result, never a traceback, a hang, or escape codes acted on."""

import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from topicnmf.cli import main, printable
from topicnmf.config import RunConfig, parse_range
from topicnmf.errors import ParameterError, TopicNMFError

from conftest import BUNDLED


@pytest.mark.parametrize("args", [["--min-df", "nan"], ["--min-df", "inf"], ["--max-df", "nan"],
                                  ["--max-df", "-inf"], ["--seed", "-1"], ["--tol", "nan"],
                                  ["--alpha-W", "inf"], ["--topics", "1e3"]])
def test_non_finite_and_negative_numbers_are_usage_errors(args, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(BUNDLED), "--out", str(tmp_path / "out"), "-q", *args])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert args[0] in err and "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("topicnmf run: error:")  # no usage block


def test_a_sweep_range_of_a_trillion_counts_costs_nothing(tmp_path, capsys):
    assert len(parse_range("3:1000000000000")) == 999_999_999_998  # a range, not a list
    assert list(parse_range("3:1000000000000", upper=5)) == [3, 4, 5]
    out = tmp_path / "sweep"
    assert main(["sweep", str(BUNDLED / "baking"), "--topics", "3:1000000000000", "--runs", "1",
                 "--out", str(out), "-q"]) == 0
    assert [row["k"] for row in json.loads((out / "sweep.json").read_text())["scores"]][0] == 3


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=30))
def test_any_topic_range_text_is_a_range_or_a_parameter_error(text):
    try:
        config = RunConfig(topic_range=text)
    except ParameterError as exc:
        assert "topic_range must look like 5:40" in str(exc)
    else:
        assert parse_range(config.topic_range, upper=50).start >= 2


def test_auto_never_recommends_a_count_that_leaves_topics_empty(tmp_path, capsys):
    folder = tmp_path / "same"
    folder.mkdir()
    text = (BUNDLED / "baking" / "01-a-simple-sourdough-loaf.txt").read_text(encoding="utf-8")
    other = (BUNDLED / "sailing" / "01-reading-the-wind.txt").read_text(encoding="utf-8") \
        if (BUNDLED / "sailing" / "01-reading-the-wind.txt").exists() else \
        sorted((BUNDLED / "sailing").iterdir())[0].read_text(encoding="utf-8")
    for i in range(20):
        (folder / f"{i:02d}.txt").write_text(text if i % 2 else other, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(folder), "--topics", "auto", "--topic-range", "2:6", "--out", str(out), "-q",
                 "--drop-repeated-lines", "0"]) == 0
    data = json.loads((out / "topics.json").read_text(encoding="utf-8"))
    assert data["corpus"]["empty_topics"] == []
    sweep = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert sweep["recommended"] == 2 and "Not considered: k=3 (1 empty)" in sweep["reason"]

    # with the default too: copies of two documents are not each other's boilerplate (each
    # line was in half the documents, so every text was dropped and the run stopped)
    assert main(["run", str(folder), "--topics", "2", "--out", str(tmp_path / "x"), "-q"]) == 0
    report = json.loads((tmp_path / "x" / "topics.json").read_text(encoding="utf-8"))
    assert not report["corpus"].get("boilerplate_lines") and report["corpus"]["empty_topics"] == []


def test_escape_codes_in_names_and_terms_never_reach_the_terminal_raw(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    for i, path in enumerate(sorted((BUNDLED / "baking").iterdir())[:8]):
        (folder / f"\x1b[31mred{i}\x1b[0m.txt").write_bytes(path.read_bytes())
    (folder / "\x1b]0;pwned\x07.txt").write_bytes(b"\x00\x01\x02 binary")
    out = tmp_path / "out"
    assert main(["run", str(folder), "--topics", "2", "--out", str(out)]) == 0
    assert main(["show", str(out)]) == 0
    captured = capsys.readouterr()
    assert "\x1b" not in captured.err and "\x1b" not in captured.out and "\x07" not in captured.err
    assert printable("\x1b[31m\u202e") == "\\x1b[31m\\u202e"


VALUE_OPTIONS = [o for o in __import__("topicnmf.options", fromlist=["options_of"]).options_of("run")
                 if o.kind == "value"]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(VALUE_OPTIONS),
       st.one_of(st.text(max_size=12), st.floats(allow_nan=True, allow_infinity=True).map(repr),
                 st.integers(-10**30, 10**30).map(str)))
def test_every_option_value_is_a_setting_or_a_one_line_refusal(option, text):
    """Any text after any option: argparse's usage error (exit 2), a ParameterError naming the
    setting, or a valid RunConfig; never another exception."""
    from topicnmf.cli import build_parser, configure

    parser = build_parser()
    try:
        args = parser.parse_args(["run", "in", option.flags[-1], text])
    except SystemExit as exit_:
        assert exit_.code == 2
        return
    try:
        config = configure(args)
    except TopicNMFError as exc:  # a ParameterError, or the stop-word file that is not there
        assert "\n" not in str(exc)
        return
    assert isinstance(config, RunConfig)


def test_show_into_a_closed_pipe_ends_quietly(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "out"
    assert main(["run", str(BUNDLED), "--topics", "6", "--out", str(out), "-q", "--formats", "json"]) == 0
    proc = subprocess.Popen([sys.executable, "-m", "topicnmf", "show", str(out), "--top-terms", "50"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    proc.stdout.close()  # the reader is gone before anything is written: `| head -0`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) in (0, 141) and "Traceback" not in err and "Error" not in err


def test_links_out_of_the_input_folder_are_read_only_when_asked(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for path in sorted((BUNDLED / "baking").iterdir())[:6]:
        (folder / path.name).write_bytes(path.read_bytes())
    secret = tmp_path / "secret.txt"
    secret.write_text("zanzibar quokka " * 20, encoding="utf-8")
    (folder / "secret.txt").symlink_to(secret)
    for extra, expected in (([], False), (["--follow-links-outside"], True)):
        out = tmp_path / f"out{len(extra)}"
        assert main(["run", str(folder), "-k", "2", "--min-df", "1", "--out", str(out), "-q",
                     "--formats", "csv", *extra]) == 0
        ids = set(pd.read_csv(out / "doc_topics.csv").doc_id)
        assert ("secret.txt" in ids) == expected


@pytest.mark.parametrize("flag, value, ok", [("--min-df", "1.0", True), ("--min-df", "2.5", False),
                                              ("--max-df", "3.5", False), ("--max-df", "1.0", True)])
def test_a_float_document_count_is_whole_or_refused(flag, value, ok, tmp_path, capsys):
    """--min-df 1.0 is one document (not a fraction of 100%); 2.5 documents is refused in one
    line naming the flag, not a scikit-learn traceback."""
    code = main(["run", str(BUNDLED), "--topics", "3", "--out", str(tmp_path / "out"), "-q", flag, value])
    err = capsys.readouterr().err
    assert (code == 0) == ok and "Traceback" not in err
    if not ok:
        assert err.count("\n") == 1 and flag in err and "whole number" in err


def test_a_missing_coherence_reference_is_named_before_reading(tmp_path, capsys, monkeypatch):
    from topicnmf import pipeline
    from topicnmf.cli import main

    from conftest import BUNDLED

    read = []
    monkeypatch.setattr(pipeline, "read", lambda *a, **k: read.append(1))
    assert main(["run", str(BUNDLED), "--coherence-reference", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("topicnmf: error: --coherence-reference: ") and "no such file or folder" in err
    assert not read
