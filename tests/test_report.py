"""The review report, in a real browser: headless Debian Chromium driven by Selenium opens the
report of the sample-site corpus from file://, filters, navigates and checks the escaping."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_injected_script_is_text_not_code(report: Path, browser, tmp_path: Path) -> None:
    page = next((report / "articles").glob("enab-hostile*.html"))
    browser.get(page.as_uri())
    assert browser.execute_script("return window.__injected === undefined") is True
    assert INJECTED in browser.title
    english = [
        r.find_elements("tag name", "td")[0].text
        for r in browser.find_elements("css selector", "table.beads tbody tr")
    ]
    assert any(INJECTED in cell for cell in english), english
    first = browser.find_element("css selector", "table.beads tbody tr")
    assert "number_mismatch" in first.get_attribute("data-flags")
    browser.save_screenshot(str(tmp_path / "hostile.png"))


def test_article_page_columns_direction_toggle_and_keys(
    report: Path, browser, tmp_path: Path
) -> None:
    browser.get((report / "index.html").as_uri())
    link = browser.find_element("css selector", "#articles tbody tr[data-flags*='omitted'] a")
    link.click()
    headers = [h.text for h in browser.find_elements("css selector", "table.beads th")]
    assert headers[0] == "English version" and headers[1] == "Arabic original"
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
    links = [a.get_attribute("href") for a in browser.find_elements("css selector", "p.meta a")]
    assert all(h.startswith("http://127.0.0.1:") for h in links)
    browser.save_screenshot(str(tmp_path / "article.png"))
    assert (tmp_path / "article.png").stat().st_size > 10_000
