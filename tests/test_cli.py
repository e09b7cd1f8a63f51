"""End to end: the command line on real text, its outputs, exit codes and error messages."""

import csv
import json
import subprocess
import sys

import pandas as pd
import pytest
from sklearn.metrics import normalized_mutual_info_score

from topicnmf.cli import main

from conftest import BUNDLED

EXPECTED_FILES = {"topics.csv", "doc_topics.csv", "topics.json", "report.md", "report.html", "model",
                  "config.toml", "manifest.json"}


@pytest.fixture(scope="module")
def bundled_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "report"
    assert main(["run", str(BUNDLED), "--topics", "6", "--out", str(out), "--quiet"]) == 0
    return out


def test_bundled_corpus_topics_match_its_subjects(bundled_run):
    doc_topics = pd.read_csv(bundled_run / "doc_topics.csv")
    subject = doc_topics.doc_id.str.split("/").str[0]
    assert len(doc_topics) == 126
    assert normalized_mutual_info_score(subject, doc_topics.dominant_topic) > 0.8
    # each subject is dominated by its own topic for most of its documents
    majority = pd.crosstab(subject, doc_topics.dominant_topic).max(axis=1) / 21
    assert (majority >= 0.8).all(), majority
    assert doc_topics.dominant_topic.nunique() == 6


def test_every_output_file_is_written_and_parseable(bundled_run):
    assert {p.name for p in bundled_run.iterdir()} == EXPECTED_FILES
    topics = pd.read_csv(bundled_run / "topics.csv")
    assert list(topics.columns) == ["topic", "rank", "term", "weight"]
    assert len(topics) == 60 and set(topics.topic) == set(range(1, 7))
    doc_topics = pd.read_csv(bundled_run / "doc_topics.csv")
    assert list(doc_topics.columns) == ["doc_id", "dominant_topic"] + [f"topic_{i}" for i in range(1, 7)]
    assert doc_topics.filter(like="topic_").sum(axis=1).round(4).eq(1).all()
    data = json.loads((bundled_run / "topics.json").read_text(encoding="utf-8"))
    assert data["schema"] == "topicnmf.topics/1"
    assert data["corpus"]["n_documents"] == 126
    assert len(data["topics"]) == 6 and data["parameters"]["n_topics"] == 6
    assert len(data["fit"]["loss_history"]) == data["fit"]["n_iter"] + 1
    assert all(len(t["representative_documents"]) == 5 for t in data["topics"])
    md = (bundled_run / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# Topics") and md.count("\n## Topic ") == 6
    html = (bundled_run / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "http://" not in html and "https://" not in html
    assert html.count("<script") == 2  # the page's own hashed script and its JSON data
    assert html.count('class="card" id="topic-') == 6


def test_show_and_transform_with_the_saved_model(bundled_run, tmp_path, capsys):
    assert main(["show", str(bundled_run)]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert len(shown) == 6 and shown[0].startswith("Topic 1: ")
    new = tmp_path / "new"
    new.mkdir()
    (new / "sky.txt").write_text("The telescope showed the rings of Saturn and a bright star.", encoding="utf-8")
    (new / "bread.txt").write_text("Knead the dough, let the yeast rise, and bake the bread in a hot oven.", encoding="utf-8")
    out = tmp_path / "scores"
    assert main(["transform", str(bundled_run), str(new), "--out", str(out), "-q"]) == 0
    scores = pd.read_csv(out / "doc_topics.csv").set_index("doc_id")
    report = pd.read_csv(bundled_run / "topics.csv")
    top_of = {t: set(g.term) for t, g in report.groupby("topic")}
    assert {"telescope", "star", "stars"} & top_of[scores.loc["sky.txt", "dominant_topic"]]
    assert {"dough", "bread", "oven"} & top_of[scores.loc["bread.txt", "dominant_topic"]]


def run_cli(*args, cwd=None):
    """The installed entry point in a subprocess: exit status and stderr as a user sees them."""
    proc = subprocess.run([sys.executable, "-m", "topicnmf.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout, proc.stderr


def test_help_explains_options_with_defaults():
    code, out, _ = run_cli("run", "--help")
    assert code == 0
    for option in ("--topics", "--solver", "--init", "--seed", "--max-iter", "--tol", "--top-terms",
                   "--stem", "--ngrams", "--min-df", "--max-df", "--stop-words", "--formats",
                   "--text-column", "--quiet"):
        assert option in out
    assert "(default: 10)" in out and "default: cd" in out and "(default: 1e-09)" in out


@pytest.mark.parametrize(
    "make, args, code, message",
    [
        (None, ["missing-folder"], 1, "missing-folder: no such file or folder"),
        ("empty", [], 1, "no text files found"),
        ("binary", [], 1, r"no readable text in 2 file(s) (binary)"),
        ("stopwords", [], 1, "no terms left after preprocessing"),
        ("few", ["--topics", "50"], 1, "--topics=50 is more than the corpus supports"),
        ("few", ["--solver", "magic"], 2, "argument --solver: invalid choice: 'magic'"),
        ("few", ["--formats", "pdf"], 2, "unknown format(s) pdf"),
        ("few", ["--topics", "0"], 2, "expected a positive integer, got '0'"),
        ("few", ["--min-df", "50"], 1, "every term was filtered out by --min-df=50"),
    ],
)
def test_bad_input_gives_one_line_and_writes_nothing(tmp_path, make, args, code, message):
    folder = tmp_path / "in"
    if make:
        folder.mkdir()
    if make == "binary":
        (folder / "a.txt").write_bytes(b"\x00\x01\x02")
        (folder / "b.txt").write_bytes(b"PK\x03\x04\x00\x00")
    elif make == "stopwords":
        for i in range(3):
            (folder / f"{i}.txt").write_text("the and of it is was 2004 a", encoding="utf-8")
    elif make == "few":
        for i, text in enumerate(["apples and pears grow", "pears and plums grow", "boats with sails",
                                  "sails on boats", "apples in boats"]):
            (folder / f"{i}.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    status, stdout, stderr = run_cli("run", folder if make else args.pop(0), "--out", out, "-q", *args)
    assert status == code
    assert message in stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 or code == 2
    assert not out.exists() or not any(out.iterdir())


def test_failed_run_leaves_previous_report_untouched(bundled_run, tmp_path):
    before = {p.name: p.read_bytes() for p in bundled_run.iterdir() if p.is_file()}
    status, _, _ = run_cli("run", tmp_path / "missing", "--out", bundled_run, "-q")
    assert status == 1
    assert {p.name: p.read_bytes() for p in bundled_run.iterdir() if p.is_file()} == before


def test_csv_input_with_text_column(tmp_path):
    rows = [{"ref": f"r{i}", "body": t, "label": lab} for i, (t, lab) in enumerate(
        [(p.read_text(encoding="utf-8"), p.parent.name) for p in sorted(BUNDLED.rglob("*.txt"))])]
    path = tmp_path / "docs.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["ref", "body", "label"])
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "out"
    assert main(["run", str(path), "--text-column", "body", "--id-column", "ref", "-k", "6",
                 "--formats", "csv,json", "--stem", "--ngrams", "2", "--out", str(out), "-q"]) == 0
    assert {p.name for p in out.iterdir()} == {"topics.csv", "doc_topics.csv", "topics.json", "model",
                                              "config.toml", "manifest.json"}
    doc_topics = pd.read_csv(out / "doc_topics.csv")
    assert doc_topics.doc_id.tolist() == [r["ref"] for r in rows]
    terms = pd.read_csv(out / "topics.csv").term
    assert not any(t.endswith(("i", "ed ")) for t in terms)  # stems are shown as words


def test_untrusted_text_is_escaped_in_html_and_markdown(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    evil = '<script>alert(1)</script> [click](http://evil.example) <img src=x onerror=alert(2)>'
    for i in range(8):
        (folder / f"doc{i}.txt").write_text(f"{evil} apples pears plums boats sails number {i}", encoding="utf-8")
    (folder / "<b>name<i>.txt").write_text(f"{evil} apples pears", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(folder), "-k", "2", "--min-df", "1", "--out", str(out), "-q"]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("<script>") == 1 and "<img" not in html and "<b>name" not in html  # its own only
    assert "&lt;script&gt;" in html
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "<script>" not in md and "[click](http" not in md and "<b>" not in md  # link escaped


def test_same_seed_gives_identical_csv_and_json(tmp_path):
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        assert main(["run", str(BUNDLED), "-k", "6", "--out", str(out), "-q", "--formats", "csv,json"]) == 0
        outs.append({f: (out / f).read_bytes() for f in ("topics.csv", "doc_topics.csv", "topics.json")})
    assert outs[0] == outs[1]


def test_kullback_leibler_loss_end_to_end(tmp_path):
    out = tmp_path / "kl"
    assert main(["run", str(BUNDLED), "-k", "6", "--loss", "kullback-leibler", "--out", str(out),
                 "-q", "--formats", "csv,json"]) == 0
    data = json.loads((out / "topics.json").read_text(encoding="utf-8"))
    assert data["parameters"]["nmf"]["solver"] == "mu" and data["parameters"]["nmf"]["init"] == "nndsvda"
    doc_topics = pd.read_csv(out / "doc_topics.csv")
    subject = doc_topics.doc_id.str.split("/").str[0]
    assert normalized_mutual_info_score(subject, doc_topics.dominant_topic) > 0.7
    scores = tmp_path / "scores"
    assert main(["transform", str(out), str(BUNDLED), "--out", str(scores), "-q"]) == 0
    rescored = pd.read_csv(scores / "doc_topics.csv")
    assert (rescored.dominant_topic == doc_topics.dominant_topic).mean() > 0.9


def test_folder_labels_score_topics_against_the_subfolders(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(BUNDLED), "--topics", "6", "--out", str(out), "-q", "--folder-labels"]) == 0
    docs = pd.read_csv(out / "doc_topics.csv")
    assert set(docs.label) == {"astronomy", "baking", "finance", "gardening", "programming", "sailing"}
    labels = json.loads((out / "topics.json").read_text(encoding="utf-8"))["evaluation"]["labels"]
    assert labels["nmi"] > 0.8 and labels["n_documents"] == 126
    assert "agreement with labels NMI" in (out / "report.md").read_text(encoding="utf-8")

    table = tmp_path / "docs.csv"
    table.write_text("text\nsome text here\nmore text there\n", encoding="utf-8")
    assert main(["run", str(table), "--out", str(tmp_path / "t"), "-q", "--folder-labels"]) == 1
    assert "--folder-labels needs a folder as input" in capsys.readouterr().err


def test_main_leaves_logging_as_it_found_it(tmp_path):
    """main() called from a notebook must not leave the library's log messages going to a
    handler of its own (a closed stream, once the command is over) instead of the caller's."""
    import logging

    log = logging.getLogger("topicnmf")
    before = log.handlers[:], log.level, log.propagate
    assert main(["show", str(tmp_path / "missing.json")]) == 1
    assert (log.handlers[:], log.level, log.propagate) == before


def test_a_rerun_into_the_same_folder_leaves_exactly_one_run(tmp_path, capsys):
    """An auto run then a fixed k, then CSV only: nothing of the earlier runs stays beside the
    new files, files topicnmf does not write stay, and the manifest lists what is there."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["run", str(BUNDLED), "--topics", "auto", "--topic-range", "3:4", "--out", str(out), "-q"]) == 0
    assert {"sweep.csv", "sweep.json", "sweep.html"} <= {p.name for p in out.iterdir()}

    assert main(["run", str(BUNDLED), "--topics", "4", "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == EXPECTED_FILES | {"notes.txt"}
    err = capsys.readouterr().err
    assert "what the previous run wrote and this one does not: sweep.csv, sweep.html, sweep.json" in err

    assert main(["run", str(BUNDLED), "--topics", "5", "--formats", "csv", "--out", str(out), "-q"]) == 0
    names = {p.name for p in out.iterdir()}
    assert names == {"topics.csv", "doc_topics.csv", "config.toml", "model", "manifest.json", "notes.txt"}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["command"] == "run"
    assert manifest["files"] == ["config.toml", "doc_topics.csv", "topics.csv", "model/", "manifest.json"]
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert pd.read_csv(out / "doc_topics.csv").shape[1] == 2 + 5


def test_transform_names_no_topic_for_a_weak_match(bundled_run, tmp_path, capsys):
    """One common word shared with the vocabulary is not a topic: coverage and fit say how
    well each new document is matched, and a weak match gets no dominant topic."""
    new = tmp_path / "new"
    new.mkdir()
    texts = {"bread.txt": "Knead the dough, let the yeast rise, and bake the bread in a hot oven.",
             "weather.txt": "The weather was nice today and people went out.",
             "unknown.txt": "Banana spaceship violin quantum."}
    for name, text in texts.items():
        (new / name).write_text(text, encoding="utf-8")
    out = tmp_path / "scores"
    assert main(["transform", str(bundled_run), str(new), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    scores = pd.read_csv(out / "doc_topics.csv").set_index("doc_id")
    assert list(scores.columns[-2:]) == ["coverage", "fit"]
    assert scores.loc["bread.txt", "coverage"] > 0.8 and scores.loc["bread.txt", "fit"] > 0.3
    assert pd.notna(scores.loc["bread.txt", "dominant_topic"])
    # measured: coverage 0.4, fit 0.07 against the floor 0.1 (1st percentile of the fitted 0.105)
    assert pd.isna(scores.loc["weather.txt", "dominant_topic"])
    assert scores.loc["weather.txt"].filter(like="topic_").max() > 0.5  # leans, but is not about it
    assert scores.loc["unknown.txt", "coverage"] == 0 and pd.isna(scores.loc["unknown.txt", "dominant_topic"])
    assert "1 document(s) have no term of the model's vocabulary" in err
    assert "1 document(s) match the topics too weakly to name one" in err
    floor = json.loads((bundled_run / "model" / "model.json").read_text(encoding="utf-8"))["match_floor"]
    assert 0 < floor["fit"] <= 0.1 and 0 < floor["coverage"] <= 0.5


def test_a_tiny_corpus_keeps_terms_of_one_document_and_errors_name_the_filter(tmp_path, capsys):
    folder = tmp_path / "three"
    folder.mkdir()
    for name, text in {"a.txt": "Sourdough bread needs flour, water, salt and a lively starter.",
                       "b.txt": "Tomatoes need sun, water and rich compost in the garden.",
                       "c.txt": "Saturn's rings show in a small telescope on a clear night."}.items():
        (folder / name).write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(folder), "--topics", "2", "--out", str(out), "--formats", "json"]) == 0
    err = capsys.readouterr().err
    assert "--min-df=1: with 3 documents (under 10) a term of one document is kept" in err
    data = json.loads((out / "topics.json").read_text(encoding="utf-8"))
    assert data["parameters"]["vectorize"]["min_df"] == 1 and data["corpus"]["n_terms"] > 10

    assert main(["run", str(folder), "--topics", "2", "--min-df", "2", "--out", str(tmp_path / "x"), "-q"]) == 1
    err = capsys.readouterr().err
    assert "--topics=2 is more than the corpus supports: it has 3 documents and 1 terms" in err
    assert "(--min-df=2 and --max-df=0.95 kept 1 of " in err and "or lower --min-df" in err


def test_library_messages_name_the_command_lines_flags():
    from topicnmf.options import in_flags
    assert in_flags("drop `ensemble`, or raise max_memory.", "run") == "drop --ensemble, or raise --max-memory."
    assert in_flags("seed must be an integer >= 0; got -1.", "run") == "--seed must be an integer >= 0; got -1."
    # a one-word setting in ordinary prose stays a word
    assert in_flags("the ensemble of fits", "run") == "the ensemble of fits"


def test_options_that_do_nothing_together_are_said(tmp_path, capsys):
    out = str(tmp_path / "o")
    assert main(["run", str(BUNDLED), "--topics", "3", "--topic-range", "3:6", "--out", out, "-q",
                 "--formats", "csv"]) == 0
    assert "--topic-range 3:6 is swept only when --topics is 'auto'; 3 topics are fitted" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(BUNDLED), "--topic-range", "12:3", "--out", out])
    assert exit_.value.code == 2 and "argument --topic-range: expected FROM:TO" in capsys.readouterr().err


def test_tol_0_runs_every_iteration_without_a_convergence_warning(tmp_path, capsys):
    """README: --tol 0 runs all --max-iter iterations; it was warned as 'stopped before
    converging ... raise --max-iter' though that is what was asked."""
    assert main(["run", str(BUNDLED), "--topics", "3", "--tol", "0", "--max-iter", "30",
                 "--out", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert "NMF: 30 iterations" in err and "before converging" not in err
    assert main(["run", str(BUNDLED), "--topics", "3", "--tol", "1e-12", "--max-iter", "5",
                 "--out", str(tmp_path / "p")]) == 0
    assert "before converging" in capsys.readouterr().err
