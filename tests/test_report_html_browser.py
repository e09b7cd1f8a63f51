"""report.html and sweep.html in a real headless browser (Debian's chromium and chromedriver,
driven by selenium): the pages render without console errors, request nothing from the
network, the interactions work, hostile document text and file names stay inert, and
nothing overflows a 400 px wide screen.

Skipped, saying why, when chromium, chromedriver or selenium is absent (`.ci/run` installs
them)."""

import json
import shutil
import tempfile
from pathlib import Path

import pytest

from topicnmf.cli import main

from conftest import BUNDLED

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage")
HOSTILE_NAME = "<img src=x onerror=alert(1)>.txt"
HOSTILE_TEXT = "<script>alert(2)</script> Saturn telescope stars orbit planet night sky\n" * 3


def _missing():
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            return f"{path} is absent (apt-get install chromium chromium-driver; .ci/run does)"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=str(_missing()))


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """A report of the bundled corpus plus one hostile document, and a sweep."""
    root = tmp_path_factory.mktemp("pages")
    corpus = root / "corpus"
    shutil.copytree(BUNDLED, corpus)
    (corpus / "astronomy" / HOSTILE_NAME).write_text(HOSTILE_TEXT, encoding="utf-8")
    assert main(["run", str(corpus), "--topics", "6", "--folder-labels", "--out",
                 str(root / "run"), "-q"]) == 0
    assert main(["sweep", str(BUNDLED), "--topics", "3:6", "--runs", "2", "--out",
                 str(root / "sweep"), "-q"]) == 0
    return {"report": root / "run" / "report.html", "sweep": root / "sweep" / "sweep.html"}


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="topicnmf-chromium-")
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(1280, 1000)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _open(driver, path, width=1280):
    driver.set_window_size(width, 1000)
    driver.get_log("browser"), driver.get_log("performance")  # drop earlier entries
    driver.get(path.as_uri())


def _requests(driver):
    """URLs the page asked for (Chrome DevTools Network events)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _severe(driver):
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _visible_terms(driver, topic):
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#topic-' + arguments[0] + ' table.terms tbody tr'))"
        ".filter(r => !r.hidden).map(r => r.cells[0].textContent)", topic)


def _rows(driver):
    return driver.execute_script("return document.querySelectorAll('#doc-table tbody tr').length")


def test_report_renders_without_errors_or_network(browser, pages):
    _open(browser, pages["report"])
    assert browser.execute_script("return document.readyState") == "complete"
    assert _severe(browser) == []
    assert [u for u in _requests(browser) if u != pages["report"].as_uri()] == []
    # the script ran under the page's Content-Security-Policy: it filled the document table
    assert _rows(browser) > 0
    assert browser.find_elements("css selector", "#map a circle")
    assert browser.find_elements("css selector", "#similarity rect")
    assert browser.find_elements("css selector", "#labels table")
    assert len(browser.find_elements("css selector", "#run svg .tick")) >= 4  # loss chart axes


def test_slider_reorders_terms(browser, pages):
    _open(browser, pages["report"])
    before = _visible_terms(browser, 1)
    assert len(before) == 10
    browser.execute_script("const s = document.getElementById('lambda'); s.value = '0';"
                           "s.dispatchEvent(new Event('input'));")
    after = _visible_terms(browser, 1)
    assert len(after) == 10 and after != before
    assert browser.find_element("id", "lambda-value").text == "0.0"
    browser.execute_script("const s = document.getElementById('lambda'); s.value = '1';"
                           "s.dispatchEvent(new Event('input'));")
    assert _visible_terms(browser, 1) == before


def test_search_and_topic_filter(browser, pages):
    _open(browser, pages["report"])
    total = _rows(browser)
    search = browser.find_element("id", "doc-search")
    search.send_keys("choux")
    ids = browser.execute_script(
        "return Array.from(document.querySelectorAll('#doc-table tbody td.docid')).map(t => t.textContent)")
    assert ids and all("choux" in i for i in ids) and len(ids) < total
    search.clear()
    browser.execute_script("document.getElementById('doc-search').dispatchEvent(new Event('input'))")
    browser.execute_script("const s = document.getElementById('doc-topic'); s.value = '2';"
                           "s.dispatchEvent(new Event('change'));")
    topics = browser.execute_script(
        "return Array.from(document.querySelectorAll('#doc-table tbody tr')).map(r => r.cells[1].textContent)")
    assert topics and set(topics) == {"2"}


def test_map_circle_opens_its_card(browser, pages):
    _open(browser, pages["report"])
    browser.find_element("css selector", "#map a[data-topic='3'] circle").click()
    assert browser.execute_script("return location.hash") == "#topic-3"
    top = browser.execute_script("return document.getElementById('topic-3').getBoundingClientRect().top")
    assert 0 <= top < 400


def test_hostile_text_and_names_stay_inert(browser, pages):
    _open(browser, pages["report"])
    browser.find_element("id", "doc-search").send_keys("alert")
    assert not browser.find_elements("css selector", "img")
    assert len(browser.find_elements("css selector", "script")) == 2  # the page's own two
    shown = browser.execute_script(
        "return Array.from(document.querySelectorAll('#doc-table tbody tr')).map(r => r.textContent).join(' ')")
    assert HOSTILE_NAME in shown and "<script>alert(2)</script>" in shown  # as text
    from selenium.common.exceptions import NoAlertPresentException
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018
    assert _severe(browser) == []


def test_nothing_overflows_at_400_px(browser, pages):
    for page in ("report", "sweep"):
        _open(browser, pages[page], width=400)
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 400, page


def test_sweep_page_has_axes_and_no_errors(browser, pages):
    _open(browser, pages["sweep"])
    assert _severe(browser) == []
    assert [u for u in _requests(browser) if u != pages["sweep"].as_uri()] == []
    charts = browser.find_elements("css selector", "figure.chart svg")
    assert len(charts) == 2
    for chart in charts:
        assert len(chart.find_elements("css selector", ".axis line")) >= 2
        assert len(chart.find_elements("css selector", "text.tick")) >= 4
    labels = [t.text for t in charts[0].find_elements("css selector", "text.tick")]
    assert "0.00" in labels and "1.00" in labels  # scores on one shared 0-1 scale
