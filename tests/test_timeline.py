"""Topics over time: dating documents (column, path, mail header), binning, shares, reports."""

import csv
import json

import numpy as np
import pandas as pd
import pytest

from topicnmf.cli import main
from topicnmf.dates import Dates, TimeOptions, parse_dates
from topicnmf.errors import ParameterError
from topicnmf.timeline import periods_of, topics_over_time

from conftest import BUNDLED


def _day(text):
    return np.datetime64(text, "s")


def test_dates_are_read_from_iso_unix_mail_and_written_forms():
    values, notes = parse_dates(["1790", "2005-03-04", "2005-03-04T10:00:00+02:00",
                                 "Tue, 1 Nov 2005 10:00:00 +0000", "March 5, 2004",
                                 "1104537600", "1104537600000", None, "no date at all"])
    assert list(values[:7]) == [_day("1790-01-01"), _day("2005-03-04"), _day("2005-03-04T08:00"),
                                _day("2005-11-01T10:00"), _day("2004-03-05"),
                                _day("2005-01-01"), _day("2005-01-01")]
    assert np.isnat(values[7]) and np.isnat(values[8]) and notes == ()


def test_numeric_day_month_order_is_decided_by_the_values_and_an_ambiguous_one_is_said():
    values, notes = parse_dates(["03/04/2005", "13/04/2005"])
    assert list(values) == [_day("2005-04-03"), _day("2005-04-13")] and notes == ()
    values, notes = parse_dates(["03/04/2005", "05/06/2005"])
    assert values[0] == _day("2005-03-04") and "month/day" in notes[0]


def test_auto_bins_aim_for_ten_to_forty_periods():
    years = np.array([f"{y}-06-01" for y in range(1790, 2019)], dtype="datetime64[s]")
    periods = periods_of(years)
    assert periods.bins == "10 years" and periods.labels[0] == "1790-1799"
    assert 10 <= len(periods.labels) <= 40
    months = np.array(["2004-01-15", "2004-12-20"], dtype="datetime64[s]")
    assert periods_of(months).labels == tuple(f"2004-{m:02d}" for m in range(1, 13))
    weeks = periods_of(np.array(["2005-01-03", "2005-01-09", "2005-01-10"], dtype="datetime64[s]"),
                       "week")
    assert weeks.labels == ("2005-W01", "2005-W02") and list(weeks.index) == [0, 0, 1]
    assert periods_of(months, "quarter").labels == ("2004Q1", "2004Q2", "2004Q3", "2004Q4")


def test_shares_sum_to_one_per_period_and_count_dominated_documents():
    weights = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0], [0.2, 0.8]])
    dates = Dates(values=np.array(["2004-01-01", "2004-01-31", "2004-03-01", "NaT"],
                                  dtype="datetime64[s]"), sources=("date column",), n_missing=1)
    timeline = topics_over_time(weights, pd.array([1, 1, 2, 2], dtype="Int64"), dates, "month")
    table = timeline.topics_over_time()
    assert list(table.period.unique()) == ["2004-01", "2004-03"]  # February has no documents
    assert table.share.tolist() == [0.75, 0.25, 0.0, 1.0]
    assert table.n_documents.tolist() == [2, 0, 0, 1]
    assert timeline.period_documents().n_documents.tolist() == [2, 0, 1]
    assert timeline.changes()[1]["rise"] == ("2004-03", 0.75)


def _dated_csv(path, dates_of):
    """The field guides as a CSV, each document dated by ``dates_of(section, number)``."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "text", "label", "date"])
        for file in sorted(BUNDLED.rglob("*.txt")):
            section = file.parent.name
            writer.writerow([f"{section}/{file.stem}", file.read_text(encoding="utf-8"), section,
                             dates_of(section, int(file.stem[:2]))])
    return path


def test_a_section_planted_late_is_the_topic_that_rises(tmp_path):
    sections = sorted({p.parent.name for p in BUNDLED.rglob("*.txt")})
    late = sections[0]

    def dates_of(section, number):  # the late section only from July; the others all year
        month = 7 + number % 6 if section == late else 1 + number % 12
        return f"2004-{month:02d}-{1 + number % 28:02d}"

    source = _dated_csv(tmp_path / "dated.csv", dates_of)
    out = tmp_path / "out"
    assert main(["run", str(source), "--topics", str(len(sections)), "--out", str(out), "-q"]) == 0
    table = pd.read_csv(out / "topics_over_time.csv")
    assert list(table.columns) == ["period", "topic", "share", "n_documents"]
    assert np.allclose(table.groupby("period").share.sum(), 1.0)
    periods = pd.read_csv(out / "period_documents.csv")
    assert periods.period.tolist() == [f"2004-{m:02d}" for m in range(1, 13)]
    assert periods.n_documents.sum() == len(list(BUNDLED.rglob("*.txt")))
    doc_topics = pd.read_csv(out / "doc_topics.csv")
    topic = doc_topics[doc_topics.label == late].dominant_topic.mode()[0]
    mine = table[table.topic == topic].set_index("period").share
    assert mine[[f"2004-{m:02d}" for m in range(1, 7)]].max() < 0.1
    assert mine[[f"2004-{m:02d}" for m in range(7, 13)]].min() > 0.2
    data = json.loads((out / "topics.json").read_text(encoding="utf-8"))["timeline"]
    assert data["bins"] == "month" and data["dates"]["n_dated"] == periods.n_documents.sum()
    rise = next(c for c in data["changes"] if c["topic"] == topic)["rise"]
    assert rise["period"] == "2004-07"
    assert "## Topics over time" in (out / "report.md").read_text(encoding="utf-8")
    drift = pd.read_csv(out / "topic_terms_over_time.csv")
    assert list(drift.columns) == ["period", "topic", "rank", "term", "weight"]
    late = {f"2004-{m:02d}" for m in range(7, 13)}
    assert late <= set(drift[drift.topic == topic].period)  # terms wherever it is present
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="time"' in html and 'class="spark"' in html and "Sharpest rise" in html


def test_unparseable_dates_are_counted_and_named_not_guessed(tmp_path):
    source = _dated_csv(tmp_path / "dated.csv",
                        lambda s, n: "sometime in spring" if n == 1 else f"2004-{1 + n % 12:02d}-01")
    out = tmp_path / "out"
    assert main(["run", str(source), "--topics", "4", "--out", str(out), "-q"]) == 0
    dates = json.loads((out / "topics.json").read_text(encoding="utf-8"))["timeline"]["dates"]
    n_sections = len({p.parent.name for p in BUNDLED.rglob("*.txt")})
    assert dates["n_unparseable"] == n_sections
    assert {u["value"] for u in dates["unparseable"]} == {"sometime in spring"}
    assert "could not be read" in (out / "report.md").read_text(encoding="utf-8")


def test_an_undated_corpus_writes_no_timeline(tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(BUNDLED), "--topics", "3", "--out", str(out), "-q",
                 "--formats", "csv,json"]) == 0
    assert not (out / "topics_over_time.csv").exists()
    assert "timeline" not in json.loads((out / "topics.json").read_text(encoding="utf-8"))


def test_a_folder_is_dated_by_its_paths_or_by_mail_headers(tmp_path):
    folder = tmp_path / "docs"
    files = sorted(BUNDLED.rglob("*.txt"))[:40]
    for i, file in enumerate(files):
        target = folder / f"{2001 + i % 4}" / f"{1 + i % 12:02d}" / file.name
        target.parent.mkdir(parents=True, exist_ok=True)
        text = file.read_text(encoding="utf-8")
        if i < 20:  # the first half also as e-mails with a Date: header
            text = (f"From: a@example.org\nSubject: guide\nDate: Mon, {1 + i} Mar 2010 "
                    f"10:00:00 +0000\n\n{text}")
        target.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(folder), "--topics", "3", "--out", str(out), "-q", "--formats", "csv",
                 "--date-from-path", r"(?P<year>\d{4})/(?P<month>\d{2})/", "--time-bins", "year"]) == 0
    assert pd.read_csv(out / "period_documents.csv").period.tolist() == [2001, 2002, 2003, 2004]
    assert main(["run", str(folder), "--topics", "3", "--out", str(out), "-q", "--formats", "csv",
                 "--time-bins", "day"]) == 0
    periods = pd.read_csv(out / "period_documents.csv")
    assert periods.period.iloc[0] == "2010-03-01" and periods.n_documents.sum() == 20
    # each document's date in doc_topics: from its Date: header, none for the undated half
    table = pd.read_csv(out / "doc_topics.csv", keep_default_na=False).set_index("doc_id")
    assert table.loc["2001/01/" + files[0].name, "date"] == "2010-03-01T10:00:00"
    assert table.loc["2001/09/" + files[20].name, "date"] == ""


def test_transform_and_update_date_mail_as_run_does(tmp_path):
    """run's doc_topics.csv carries each mail's Date: header; transform's and update's had
    no date column for the same mail (scoring a new month's mail lost its dates)."""
    folder = tmp_path / "mail"
    files = sorted(BUNDLED.rglob("*.txt"))[:30]
    for i, file in enumerate(files):
        text = file.read_text(encoding="utf-8")
        if i % 3:  # two in three are mail with a Date: header, the rest undated notes
            text = f"From: a@example.org\nSubject: guide\nDate: Mon, {1 + i} Mar 2010 10:00:00 +0000\n\n{text}"
        (folder / file.parent.name).mkdir(parents=True, exist_ok=True)
        (folder / file.parent.name / file.name).write_text(text, encoding="utf-8")
    out = tmp_path / "run"
    assert main(["run", str(folder), "--topics", "3", "--out", str(out), "-q", "--formats", "csv"]) == 0
    dates = pd.read_csv(out / "doc_topics.csv", keep_default_na=False).set_index("doc_id")["date"]
    assert (dates != "").sum() == 20 and dates.loc[f"{files[1].parent.name}/{files[1].name}"] == "2010-03-02T10:00:00"
    for argv in (["transform", str(out), str(folder)], ["transform", str(out), str(folder), "--max-memory", "1KB"],
                 ["update", str(out), str(folder)]):
        scored = tmp_path / "_".join(argv[:1] + argv[3:])
        assert main([*argv, "--out", str(scored), "-q"]) == 0
        table = pd.read_csv(scored / "doc_topics.csv", keep_default_na=False).set_index("doc_id")
        pd.testing.assert_series_equal(table["date"], dates, obj=argv[0])


def test_path_dates_are_in_doc_topics_in_memory_and_out_of_core(tmp_path):
    folder = tmp_path / "docs"
    for i, file in enumerate(sorted(BUNDLED.rglob("*.txt"))[:30]):
        target = folder / f"{2001 + i % 3}-0{1 + i % 9}" / file.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    tables = []
    for budget in ("1GB", "1KB"):  # 1KB: read in passes, no topics over time, dates kept
        out = tmp_path / budget
        assert main(["run", str(folder), "--topics", "3", "--out", str(out), "-q", "--formats", "csv",
                     "--date-from-path", r"(?P<year>\d{4})-(?P<month>\d{2})", "--max-memory", budget]) == 0
        tables.append(pd.read_csv(out / "doc_topics.csv").set_index("doc_id")["date"])
    assert tables[0].loc["2001-01/" + sorted(BUNDLED.rglob("*.txt"))[0].name] == "2001-01-01"
    pd.testing.assert_series_equal(tables[0], tables[1])


def test_dynamic_on_an_undated_corpus_says_it_makes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(BUNDLED), "--topics", "3", "--out", str(out), "--dynamic",
                 "--formats", "csv"]) == 0
    assert "--dynamic: no document is dated, so no dynamic topics are made" in capsys.readouterr().err
    assert not (out / "dynamic_topics.json").exists()


def test_bad_time_options_are_one_line_errors(tmp_path, capsys):
    assert main(["run", str(BUNDLED), "--out", str(tmp_path / "o"), "-q",
                 "--date-from-path", r"(\d{4})"]) == 1
    assert "needs a named group 'year'" in capsys.readouterr().err
    assert main(["run", str(BUNDLED), "--out", str(tmp_path / "o"), "-q",
                 "--date-from-path", r"(?P<year>\d{4})/"]) == 1
    assert "matched no document id" in capsys.readouterr().err
    with pytest.raises(ParameterError, match="time_bins must be one of"):
        TimeOptions(time_bins="decade")


def test_period_terms_are_refitted_from_the_period_documents_alone():
    from scipy import sparse

    from topicnmf.drift import period_terms

    # topic 1 speaks of a and b in the first period, of c and d in the second; topic 2 of e
    X = sparse.csr_matrix(np.array([[2, 1, 0, 0, 0], [1, 2, 0, 0, 1], [0, 0, 2, 1, 0],
                                    [0, 0, 1, 2, 0], [0, 0, 0, 0, 3]], dtype=float))
    W = np.array([[1, 0], [1, 0.02], [1, 0], [1, 0], [0, 1.0]])
    H = np.array([[1, 1, 1, 1, 0], [0, 0, 0, 0, 1.0]]) / 2
    table = period_terms(X, W, H, np.array([0, 0, 1, 1, 1]), ["p1", "p2"], list("abcde"),
                         top_terms=2)
    top = {(p, t): set(g.term) for (p, t), g in table.groupby(["period", "topic"])}
    assert top[("p1", 1)] == {"a", "b"} and top[("p2", 1)] == {"c", "d"}
    assert ("p1", 2) not in top  # topic 2 has under 2% of the first period's weight
    assert top[("p2", 2)] == {"e"}


def test_dynamic_topics_appear_when_their_section_does(tmp_path):
    sections = sorted({p.parent.name for p in BUNDLED.rglob("*.txt")})
    late = sections[0]
    source = _dated_csv(tmp_path / "dated.csv", lambda s, n: f"2004-{7 + n % 6 if s == late else 1 + n % 12:02d}-01")
    out = tmp_path / "out"
    assert main(["run", str(source), "--topics", "6", "--out", str(out), "-q", "--dynamic",
                 "--time-bins", "quarter", "--formats", "csv,md"]) == 0
    dynamic = json.loads((out / "dynamic_topics.json").read_text(encoding="utf-8"))
    assert "Greene & Cross" in dynamic["method"]
    assert all(w["period"] in {"2004Q1", "2004Q2", "2004Q3", "2004Q4"} for w in dynamic["window_topics"])
    late_words = set(pd.read_csv(out / "topics.csv").groupby("topic").term.apply(list)[
        pd.read_csv(out / "doc_topics.csv").query("label == @late").dominant_topic.mode()[0]][:5])
    appearing = [d for d in dynamic["dynamic_topics"] if set(d["terms"][:10]) & late_words]
    assert appearing and all(set(d["periods"]) <= {"2004Q3", "2004Q4"} for d in appearing)
    assert sum(set(d["periods"]) == {"2004Q1", "2004Q2", "2004Q3", "2004Q4"}
               for d in dynamic["dynamic_topics"]) >= 3  # most other sections run throughout
    assert "### Dynamic topics" in (out / "report.md").read_text(encoding="utf-8")


def test_a_date_without_its_year_is_refused_not_dated_today():
    values, _ = parse_dates(["12:30", "today", "now", "5 March", "2005-02-30", "2004 March"])
    assert np.isnat(values[:5]).all() and values[5] == _day("2004-03-01")


def test_too_many_periods_for_dynamic_topics_is_a_one_line_error(tmp_path, capsys):
    source = _dated_csv(tmp_path / "dated.csv", lambda s, n: f"{1400 + 5 * n + len(s)}-01-01")
    assert main(["run", str(source), "--topics", "3", "-q", "--out", str(tmp_path / "o"),
                 "--dynamic", "--time-bins", "month"]) == 1
    assert "choose coarser --time-bins" in capsys.readouterr().err


def test_a_date_column_without_one_readable_date_leaves_the_run_undated(tmp_path, capsys):
    source = _dated_csv(tmp_path / "dated.csv", lambda s, n: "n/a")
    out = tmp_path / "out"
    assert main(["run", str(source), "--topics", "3", "--out", str(out), "--formats", "csv"]) == 0
    assert not (out / "topics_over_time.csv").exists()
    assert "so there are no topics over time" in capsys.readouterr().err


def test_path_dates_with_one_digit_months_are_read(tmp_path):
    from topicnmf.corpus import Document
    from topicnmf.dates import document_dates

    docs = [Document(id=f"{y}/{m}/a.txt", text="x") for y, m in ((2004, 3), (2005, 11))]
    dates = document_dates(docs, TimeOptions(date_from_path=r"(?P<year>\d{4})/(?P<month>\d{1,2})/"))
    assert list(dates.values) == [_day("2004-03-01"), _day("2005-11-01")]
