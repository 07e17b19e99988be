"""The review report, in a real browser: headless Debian Chromium driven by Selenium opens the
report of the sample-site corpus from file://, filters, navigates and checks the escaping."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from selenium.webdriver.common.keys import Keys

from pipeline.align import align, document_of, pair_alignment
from tests.conftest import REPO, Site, run_crawl, store_of
from tests.test_exports import text_of
from tests.test_store_warc import paired, version

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="SKIPPED LOUDLY: Debian's chromium and chromium-driver are not installed "
    "(`make test` installs them)",
)
INJECTED = "<script>window.__injected = 1</script>"


def hostile_pair():  # type: ignore[no-untyped-def]
    ar_paragraphs = ["قال المسؤول إن عدد الضحايا بلغ ١٢ شخصا.", "وهذه جملة ثانية."]
    en_paragraphs = [f"The official said 21 people died. {INJECTED}", "This is a second one."]
    en = version("en", "hostile", "|".join(en_paragraphs))
    en.title = f"Injected {INJECTED} title"
    ar = version("ar", "ar-hostile", "|".join(ar_paragraphs))
    en.text = text_of(en_paragraphs, "en", en.content_sha256)
    ar.text = text_of(ar_paragraphs, "ar", ar.content_sha256)
    pair = paired(en, ar)
    doc = document_of(ar.text, en.text)
    doc.src_mt = ["The official said the number of victims reached 12.", "This is a second."]
    pair.alignment = pair_alignment(pair, doc, align(doc))
    return pair


@pytest.fixture(scope="module")
def report(sample_site: Site, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("report-corpus")
    run_crawl(sample_site, data)
    store = store_of(data)
    store.save_pair(hostile_pair())
    store.close()
    out = data / "report"
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "report", "--data-dir", str(data), "-o", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "(41 articles," in " ".join(result.stdout.split())  # rich wraps at 80 columns
    return out


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from selenium import webdriver

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not try to download a driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1400,1000", "--allow-file-access-from-files"):  # fmt: skip
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(CHROMEDRIVER))
    yield driver
    driver.quit()


def visible_rows(driver, selector: str) -> list:  # type: ignore[no-untyped-def]
    return [r for r in driver.find_elements("css selector", selector) if r.is_displayed()]


def test_index_lists_articles_and_filters_to_divergences(report: Path, browser) -> None:
    browser.get((report / "index.html").as_uri())
    rows = visible_rows(browser, "#articles tbody tr")
    assert len(rows) == 41
    divergent = [r for r in rows if r.get_attribute("data-flags")]
    browser.find_element("id", "only-divergences").click()
    shown = visible_rows(browser, "#articles tbody tr")
    assert len(shown) == len(divergent) and 0 < len(shown) < 41
    assert all(r.get_attribute("data-flags") for r in shown)
    # sort by beads (numeric), descending on the second click
    header = browser.find_element("xpath", "//th[text()='Beads']")
    header.click()
    header.click()
    counts = [
        int(r.find_elements("tag name", "td")[3].text)
        for r in visible_rows(browser, "#articles tbody tr")
    ]
    assert counts == sorted(counts, reverse=True)


def test_index_shows_its_charts(report: Path, browser) -> None:
    """The index's charts (issue 28) are drawn by the browser itself: inline SVG, each a
    visible box with its bars, the crawl's among them; the shot is what docs/ shows."""
    browser.get((report / "index.html").as_uri())
    charts = browser.find_elements("css selector", "section.charts svg.chart")
    assert [c.get_attribute("id") for c in charts] == [
        "chart-scores", "chart-flags", "chart-review", "chart-crawls",
    ]  # fmt: skip
    for chart in charts:
        assert chart.is_displayed() and chart.size["width"] > 100 and chart.size["height"] > 50
    bars = browser.find_elements("css selector", "#chart-scores rect.bar")
    assert len(bars) == 10 and any(float(b.get_attribute("height")) > 0 for b in bars)
    shot = os.environ.get("BITEXT_REPORT_SCREENSHOT")  # docs/report-index.png is made so
    if shot:
        browser.save_screenshot(shot)  # the top of the page: the summary and the charts


def test_injected_script_is_text_not_code(report: Path, browser, tmp_path: Path) -> None:
    page = next((report / "articles").glob("enab-hostile*.html"))
    browser.get(page.as_uri())
    assert browser.execute_script("return window.__injected === undefined") is True
    assert INJECTED in browser.title
    english = [c.text for c in browser.find_elements("css selector", "table.beads td.en")]
    assert any(INJECTED in cell for cell in english), english
    first = browser.find_element("css selector", "table.beads tbody tr")
    assert "number_mismatch" in first.get_attribute("data-flags")
    assert "Numbers differ" in first.find_element("css selector", "td.en").text
    # this pair has a translation: its column sits right after the English it is compared with
    headers = [h.text for h in browser.find_elements("css selector", "table.beads th")]
    assert headers[:3] == ["#", "Original (ar)", "Translation (en)"]
    assert headers[3].startswith("Machine translation") and headers[4] == "Review"
    # a row the review script builds (two beads merged) shows the script as text, too
    browser.execute_script("localStorage.clear()")
    browser.refresh()
    body = browser.find_element("tag name", "body")
    body.send_keys("j")
    body.send_keys("m")
    merged = browser.find_element("css selector", "table.beads tbody tr")
    assert "edited" in merged.get_attribute("class")
    assert INJECTED in merged.find_element("css selector", "td.en").text
    assert browser.execute_script("return window.__injected === undefined") is True
    browser.execute_script("localStorage.clear()")
    browser.save_screenshot(str(tmp_path / "hostile.png"))


def test_article_page_columns_direction_toggle_and_keys(
    report: Path, browser, tmp_path: Path
) -> None:
    browser.get((report / "index.html").as_uri())
    link = browser.find_element("css selector", "#articles tbody tr[data-flags*='omitted'] a")
    link.click()
    headers = [h.text for h in browser.find_elements("css selector", "table.beads th")]
    # no translation in the sample corpus: no translation column
    assert headers == ["#", "Original (ar)", "Translation (en)", "Review"]
    number, score = browser.find_element("css selector", "table.beads td.num").text.split()
    assert number == "1" and 0 <= float(score) <= 1
    arabic_cells = browser.find_elements("css selector", "table.beads td[lang='ar']")
    assert arabic_cells
    assert {
        browser.execute_script("return getComputedStyle(arguments[0]).direction", c)
        for c in arabic_cells
    } == {"rtl"}
    font = browser.execute_script(
        "return getComputedStyle(arguments[0]).fontFamily", arabic_cells[0]
    )
    assert "Noto Naskh Arabic" in font
    all_rows = visible_rows(browser, "table.beads tbody tr")
    browser.find_element("id", "only-divergences").click()
    shown = visible_rows(browser, "table.beads tbody tr")
    assert 0 < len(shown) < len(all_rows)
    assert all("flagged" in r.get_attribute("class") for r in shown)
    body = browser.find_element("tag name", "body")
    body.send_keys("n")
    current = browser.find_elements("css selector", "tr.current")
    assert len(current) == 1 and current[0] == shown[0]
    body.send_keys("n")
    if len(shown) > 1:
        assert browser.find_element("css selector", "tr.current") == shown[1]
    body.send_keys("p")
    assert browser.find_element("css selector", "tr.current") == shown[0]
    live = [a.get_attribute("href") for a in browser.find_elements("css selector", "p.meta a.live")]
    assert len(live) == 2 and all(h.startswith("http://127.0.0.1:") for h in live)
    archived = [
        a.get_attribute("href") for a in browser.find_elements("css selector", "p.meta a.archived")
    ]
    assert len(archived) == 2 and all(h.startswith("file://") for h in archived)
    browser.save_screenshot(str(tmp_path / "article.png"))
    assert (tmp_path / "article.png").stat().st_size > 10_000


def test_archived_capture_is_shown_sandboxed_from_the_warc(report: Path, browser) -> None:
    browser.get((report / "index.html").as_uri())
    browser.find_element("css selector", "#articles tbody tr a").click()
    title = browser.find_element("tag name", "h1").text
    browser.find_element("css selector", "p.meta a.archived").click()
    assert "Archived capture" in browser.title
    header = browser.find_element("tag name", "header").text
    assert "WARC record <urn:uuid:" in header and "HTTP 200" in header
    frame = browser.find_element("id", "capture")
    assert frame.get_attribute("sandbox") == ""  # no scripts, no same origin, no top navigation
    csp = browser.find_element("css selector", "meta[http-equiv='Content-Security-Policy']")
    assert "default-src 'none'" in csp.get_attribute("content")
    browser.switch_to.frame(frame)
    assert title.split()[0] in browser.find_element("tag name", "body").text
    browser.switch_to.default_content()


def test_archived_page_never_runs_the_scraped_scripts(tmp_path: Path, browser) -> None:
    from pipeline.report import ArchivedPage, _environment, _write_archived

    body = (
        b"<html><body><p id=text>archived words</p>"
        b"<script>document.body.setAttribute('data-ran', '1'); parent.__ran = 1</script>"
        b'<img src="http://127.0.0.1:9/tracker.gif"></body></html>'
    )
    page = ArchivedPage(
        "https://x/a", "2025-01-01T00:00:00Z", "<urn:uuid:1>", "w.warc.gz", 200, body
    )
    en = version("en", "a", "x")
    relative = _write_archived(_environment(), tmp_path, "a.html", en, page)
    browser.get((tmp_path / relative).as_uri())
    assert browser.execute_script("return window.__ran === undefined") is True
    browser.switch_to.frame(browser.find_element("id", "capture"))
    assert browser.find_element("id", "text").text == "archived words"
    assert browser.find_element("tag name", "body").get_attribute("data-ran") is None
    browser.switch_to.default_content()


def _reviewable_page(report: Path) -> tuple[Path, dict]:
    """An article page whose first two beads both have sentences on both sides."""
    import json
    import re

    for page in sorted((report / "articles").glob("enab-*.html")):
        html = page.read_text(encoding="utf-8")
        page_data = json.loads(re.search(r'id="review-data">(.*?)</script>', html, re.S).group(1))
        data = page_data["review"]
        beads = data["beads"]
        if len(beads) > 2 and all(b["src"] and b["tgt"] for b in beads[:2]):
            return page, data
    raise AssertionError("no article with two full beads to merge")


def test_review_in_the_browser_then_import_and_export(
    report: Path, browser, tmp_path: Path
) -> None:
    """The issue's loop: merge two beads, approve, comment, save the review file from the page;
    `bitext review import` it; the TMX and XLIFF carry the review and pass their schemas."""
    import json

    from lxml import etree

    from pipeline.exports import nmtoken

    page, data = _reviewable_page(report)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    browser.get(page.as_uri())
    browser.execute_script("localStorage.clear()")
    browser.refresh()
    body = browser.find_element("tag name", "body")
    for key in "jmc":  # first row, merge it with the next, comment
        body.send_keys(key)
    comment = browser.switch_to.active_element
    assert comment.get_attribute("class") == "comment"
    comment.send_keys("merged: one sentence in the English <b>")
    comment.send_keys(Keys.ESCAPE)
    body.send_keys("a")  # approve: the next pending row becomes the current one
    assert browser.find_element("css selector", "tr.current").get_attribute("id") == "bead-1"
    rows = browser.find_elements("css selector", "table.beads tbody tr")
    assert len(rows) == len(data["beads"]) - 1
    assert rows[0].get_attribute("data-status") == "approved"
    # kept in the browser: a reload carries on
    browser.refresh()
    rows = browser.find_elements("css selector", "table.beads tbody tr")
    assert rows[0].get_attribute("data-status") == "approved"
    assert "one sentence in the English <b>" in rows[0].find_element(
        "css selector", "td.review .comment-text"
    ).get_attribute("textContent")  # the comment is text, opened as a box on demand only
    browser.find_element("tag name", "body").send_keys("w")
    saved = _wait_for(downloads)
    review = json.loads(saved.read_text(encoding="utf-8"))
    assert review["format"] == "bitext-review/3"
    pair = next(p for p in review["pairs"] if p["pair_id"] == data["pair_id"])
    first, second = data["beads"][0], data["beads"][1]
    assert {k: pair["beads"][0][k] for k in ("src", "tgt", "status", "comment", "origin")} == {
        "src": first["src"] + second["src"],
        "tgt": first["tgt"] + second["tgt"],
        "status": "approved",
        "comment": "merged: one sentence in the English <b>",
        "origin": "translator",
    }
    assert pair["beads"][0]["reviewed_at"]  # when it was changed (no reviewer name set here)

    # the index marks the article as in progress in this browser
    browser.get((report / "index.html").as_uri())
    state = browser.find_element("css selector", f"td.review-state[data-pair='{data['pair_id']}']")
    assert "in this browser: 1/" in state.text
    browser.get(page.as_uri())
    # loading the file in a browser with nothing kept carries on from it
    browser.execute_script("localStorage.clear()")
    browser.refresh()
    rows = browser.find_elements("css selector", "table.beads tbody tr")
    assert rows[0].get_attribute("data-status") == "pending"
    browser.find_element("id", "review-load").send_keys(str(saved))
    _wait(lambda: browser.find_elements("css selector", "table.beads tbody tr")[0].get_attribute(
        "data-status") == "approved")  # fmt: skip
    # a file with a sentence in two beads is not loaded, and says so
    broken = json.loads(saved.read_text(encoding="utf-8"))
    broken_pair = next(p for p in broken["pairs"] if p["pair_id"] == data["pair_id"])
    broken_pair["beads"][1]["src"] = (
        broken_pair["beads"][0]["src"][-1:] + broken_pair["beads"][1]["src"]
    )
    broken_pair["beads"][0]["status"] = "rejected"
    bad = tmp_path / "bad-review.json"
    bad.write_text(json.dumps(broken))
    browser.find_element("id", "review-load").send_keys(str(bad))
    _wait(lambda: "not loaded" in browser.find_element("id", "review-message").text)
    assert "error" in browser.find_element("id", "review-message").get_attribute("class")
    rows = browser.find_elements("css selector", "table.beads tbody tr")
    assert rows[0].get_attribute("data-status") == "approved"
    browser.execute_script("localStorage.clear()")

    data_dir = report.parent
    cli = [sys.executable, "-m", "pipeline.cli"]
    imported = subprocess.run(
        [*cli, "review", "import", str(saved), "--data-dir", str(data_dir), "--reviewer", "test"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    for fmt in ("tmx", "xliff"):
        done = subprocess.run(
            [*cli, "export", "--format", fmt, "--data-dir", str(data_dir),
             "-o", str(tmp_path / f"c.{fmt}")],
            cwd=REPO, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    schemas = Path(__file__).parent / "schemas"
    tmx = etree.parse(str(tmp_path / "c.tmx"))
    assert etree.DTD(str(schemas / "tmx14.dtd")).validate(tmx)
    xliff = etree.parse(str(tmp_path / "c.xliff"))
    assert etree.XMLSchema(etree.parse(str(schemas / "xliff_core_2.0.xsd"))).validate(xliff)
    key = data["pair_id"].replace(":", "-", 1) + "-0"
    unit = next(u for u in tmx.iter("tu") if u.find("prop[@type='x-id']").text == key)
    props = {p.get("type"): p.text for p in unit.findall("prop")}
    assert props["x-bitext-status"] == "approved"
    src_sentences = [data["src_sentences"][i] for i in first["src"] + second["src"]]
    assert unit.findall("tuv")[0].find("seg").text == " ".join(src_sentences)
    assert unit.find("note").text == "merged: one sentence in the English <b>"
    ns = "{urn:oasis:names:tc:xliff:document:2.0}"
    segment = xliff.find(f".//{ns}unit[@id='{nmtoken(key)}']/{ns}segment")
    assert segment.get("state") == "reviewed"


def _wait(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    import time

    from selenium.common.exceptions import StaleElementReferenceException

    def holds() -> bool:
        try:
            return bool(condition())
        except StaleElementReferenceException:  # the rows were being rebuilt: look again
            return False

    deadline = time.monotonic() + timeout
    while not holds():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _wait_for(folder: Path) -> Path:
    _wait(lambda: [p for p in folder.glob("*.json")])
    return next(folder.glob("*.json"))


def test_page_names_are_unique_and_stable_for_any_article_id(tmp_path: Path) -> None:
    """#26: four ids sharing a long prefix, and `/en/a.b/` beside `/en/a_b/`, get a page each;
    a page keeps its name from one report to the next (no browser needed)."""
    from pipeline.models import ExportedPair
    from pipeline.report import write_report

    prefix = "/en/" + "a-very-long-slug-shared-by-several-articles-" * 3
    ids = [f"{prefix}{n}/" for n in range(4)] + ["/en/a.b/", "/en/a_b/"]
    base = hostile_pair()
    pairs = []
    for article_id in ids:
        translation = base.translation.model_copy(update={"site_article_id": article_id})
        alignment = base.alignment.model_copy(update={"translation_article_id": article_id})
        pairs.append(ExportedPair(site="enab", original=base.original, translation=translation,
                                  alignment=alignment))  # fmt: skip
    first = write_report(pairs, tmp_path / "one")
    pages = sorted(p.name for p in (tmp_path / "one" / "articles").iterdir())
    assert first.articles == 6 and len(pages) == 6
    assert all(len(name) < 100 and name.startswith("enab-_en_") for name in pages)
    write_report(pairs, tmp_path / "two")
    assert sorted(p.name for p in (tmp_path / "two" / "articles").iterdir()) == pages
    listing = (tmp_path / "one" / "articles.js").read_text(encoding="utf-8")
    assert all(f"articles/{name}" in listing for name in pages)
