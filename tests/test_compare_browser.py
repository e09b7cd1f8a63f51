"""compare.html and the report's time and alignment sections in the real headless Chromium
(as tests/test_report_html_browser.py): no console errors, nothing requested, the charts
drawn, nothing overflowing a 400 px wide screen. Skipped when chromium/selenium is absent."""

import csv

import pytest

from topicnmf.cli import main

from conftest import BUNDLED
from test_report_html_browser import _missing, _open, _requests, _severe, browser  # noqa: F401

pytestmark = pytest.mark.skipif(_missing() is not None, reason=str(_missing()))


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    root = tmp_path_factory.mktemp("compare")
    source = root / "dated.csv"
    with open(source, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "text", "label", "date"])
        for i, file in enumerate(sorted(BUNDLED.rglob("*.txt"))):
            writer.writerow([file.stem, file.read_text(encoding="utf-8"), file.parent.name,
                             f"2004-{1 + i % 12:02d}-15"])
    assert main(["run", str(BUNDLED), "--topics", "6", "-q", "--out", str(root / "a")]) == 0
    assert main(["run", str(source), "--topics", "5", "-q", "--out", str(root / "b"),
                 "--align-to", str(root / "a")]) == 0
    assert main(["compare", str(root / "a"), str(root / "b"), "--out",
                 str(root / "cmp")]) == 0
    return {"compare": root / "cmp" / "compare.html", "report": root / "b" / "report.html"}


def _fits(driver, width):
    return driver.execute_script("return document.documentElement.scrollWidth") <= width


def test_compare_page_renders_offline_with_its_matrix(browser, pages):  # noqa: F811
    _open(browser, pages["compare"])
    assert _severe(browser) == []
    assert [u for u in _requests(browser) if u != pages["compare"].as_uri()] == []
    assert len(browser.find_elements("css selector", "#similarity-matrix rect")) == 6 * 5
    assert len(browser.find_elements("css selector", "#similarity-matrix rect.kept")) == 5
    statuses = [e.text for e in browser.find_elements("css selector", "table.matches td:first-child")]
    assert statuses.count("kept") == 5 and statuses.count("gone") == 1
    _open(browser, pages["compare"], width=400)
    assert _fits(browser, 400)


def test_report_shows_time_chart_sparklines_and_alignment(browser, pages):  # noqa: F811
    _open(browser, pages["report"])
    assert _severe(browser) == []
    assert [u for u in _requests(browser) if u != pages["report"].as_uri()] == []
    assert len(browser.find_elements("css selector", "#time svg polyline.series")) == 5
    assert len(browser.find_elements("css selector", ".card svg.spark polyline")) == 5
    assert "Sharpest rise" in browser.find_element("id", "time").text
    assert "kept" in browser.find_element("id", "alignment").text
    _open(browser, pages["report"], width=400)
    assert _fits(browser, 400)
