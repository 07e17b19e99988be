"""The review grid in a real browser (Debian's headless Chromium, Selenium), at 1024x768: rows a
screen, the keys (approve and reject go on to the next pending row, approve-all above a score,
next article, search), undo and redo of every action, split / move / join / edit, re-aligning
between two fixed rows of a real misaligned article, the evidence and the words for each flag,
right-to-left Arabic in every cell. One browser for the module; the corpus is made in-process
(real NTREX articles, aligned by the aligner), not crawled."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from pipeline.dictionary import bundled_dictionary
from pipeline.stages.align import align_pairs
from pipeline.store import open_store
from tests.test_exports import text_of
from tests.test_report import _wait, _wait_for
from tests.test_review_realign import DEV, misaligned_dev_pair
from tests.test_store_warc import paired, version

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / "data" / "sample_site" / "sources"
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="SKIPPED LOUDLY: Debian's chromium and chromium-driver are not installed "
    "(`make test` installs them)",
)


def ntrex_pairs(numbers: list[int]):  # type: ignore[no-untyped-def]
    """NTREX documents as the sample site makes them (three lines a paragraph; every fifth
    English drops its last paragraph)."""
    ids = (SOURCES / "docs.ids").read_text(encoding="utf-8").splitlines()
    en = (SOURCES / "docs.en").read_text(encoding="utf-8").splitlines()
    ar = (SOURCES / "docs.ar").read_text(encoding="utf-8").splitlines()
    docs: dict[str, tuple[list[str], list[str]]] = {}
    for doc_id, e, a in zip(ids, en, ar, strict=True):
        docs.setdefault(doc_id, ([], []))[0].append(e.strip())
        docs[doc_id][1].append(a.strip())
    found = []
    for n in numbers:
        en_lines, ar_lines = list(docs.values())[n]
        en_paras = [" ".join(en_lines[1:][i : i + 3]) for i in range(0, len(en_lines) - 1, 3)]
        ar_paras = [" ".join(ar_lines[1:][i : i + 3]) for i in range(0, len(ar_lines) - 1, 3)]
        if n % 5 == 4:
            en_paras = en_paras[:-1]
        e_version = version("en", f"ntrex-{n}", "|".join(en_paras))
        a_version = version("ar", f"ntrex-{n}-ar", "|".join(ar_paras))
        e_version.title, a_version.title = en_lines[0], ar_lines[0]
        e_version.text = text_of(en_paras, "en", e_version.content_sha256)
        a_version.text = text_of(ar_paras, "ar", a_version.content_sha256)
        found.append(paired(e_version, a_version))
    return found


def evidence_pair():  # type: ignore[no-untyped-def]
    """A number that differs (220 2/3 against 220, in Arabic digits) and a sentence of the
    original with nothing like it in the translation."""
    ar = ["سجل اللاعب ٢٢٠ و٢/٣ رمية في الموسم.", "وقال المدرب إن الفريق سيعود أقوى.",
          "وتقع المدينة على ضفاف النهر منذ قرون طويلة."]  # fmt: skip
    en = [
        "The player pitched 220 innings in the season.",
        "The coach said the team would return stronger.",
    ]
    e_version, a_version = (
        version("en", "evidence", "|".join(en)),
        version("ar", "evidence-ar", "|".join(ar)),
    )
    e_version.title = "Evidence"
    e_version.text = text_of(en, "en", e_version.content_sha256)
    a_version.text = text_of(ar, "ar", a_version.content_sha256)
    return paired(e_version, a_version)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("review-grid")
    store = open_store(data / "corpus.sqlite")
    pairs = [*ntrex_pairs([13, 4, 10]), evidence_pair()]
    todo = []
    for pair in pairs:
        doc_src = [s.text for s in pair.original.text.sentences]
        doc_tgt = [s.text for s in pair.translation.text.sentences]
        from pipeline.align import Document

        todo.append((pair, Document(doc_src, doc_tgt)))
    for pair, record in zip(pairs, align_pairs(todo, dictionary=bundled_dictionary), strict=True):
        pair.alignment = record
        store.save_pair(pair)
    if DEV.exists():
        store.save_pair(misaligned_dev_pair()[0])
    store.close()
    out = data / "report"
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "report", "--data-dir", str(data), "-o", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from selenium import webdriver

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not try to download a driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1024,768", "--allow-file-access-from-files"):  # fmt: skip
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(CHROMEDRIVER))
    driver.set_window_size(1024, 768)
    downloads = tmp_path_factory.mktemp("downloads")
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    driver.downloads = downloads
    yield driver
    driver.quit()


def page_of(report: Path, key: str) -> Path:
    return next((report / "articles").glob(f"enab-{key}-*.html"))


def open_fresh(browser, page: Path) -> None:  # type: ignore[no-untyped-def]
    browser.get(page.as_uri())
    browser.execute_script("localStorage.clear()")
    browser.refresh()


def keys(browser, *sequence: str) -> None:  # type: ignore[no-untyped-def]
    for key in sequence:
        ActionChains(browser).send_keys(key).perform()


def ctrl(browser, key: str, shift: bool = False) -> None:  # type: ignore[no-untyped-def]
    chain = ActionChains(browser).key_down(Keys.CONTROL)
    if shift:
        chain = chain.key_down(Keys.SHIFT)
    chain = chain.send_keys(key)
    if shift:
        chain = chain.key_up(Keys.SHIFT)
    chain.key_up(Keys.CONTROL).perform()


def state(browser) -> dict:  # type: ignore[no-untyped-def]
    return browser.execute_script("return window.bitextReview.state()")


def statuses(browser) -> list[str]:  # type: ignore[no-untyped-def]
    return [b["status"] for b in state(browser)["pair"]["beads"]]


def current(browser) -> int | None:  # type: ignore[no-untyped-def]
    rows = browser.find_elements("css selector", "table.beads tr.current")
    return int(rows[0].get_attribute("data-index")) if rows else None


def test_twelve_rows_and_more_on_a_1024x768_screen_and_arabic_right_to_left(
    report, browser
) -> None:
    open_fresh(browser, page_of(report, "ntrex-13"))
    assert browser.execute_script("return window.outerWidth") == 1024
    total = len(browser.find_elements("css selector", "table.beads tbody tr"))
    visible = browser.execute_script(
        "return Array.from(document.querySelectorAll('table.beads tbody tr')).filter(r => {"
        "const b = r.getBoundingClientRect(); return b.height > 0 && b.top >= 0 && "
        "b.bottom <= window.innerHeight}).length"
    )
    print(f"rows fully visible at 1024x768: {visible} of {total}")
    assert total >= 20 and visible >= 12
    keys(browser, "j")  # the current row unfolds: still twelve rows and more
    visible = browser.execute_script(
        "return Array.from(document.querySelectorAll('table.beads tbody tr')).filter(r => {"
        "const b = r.getBoundingClientRect(); return b.height > 0 && b.top >= 0 && "
        "b.bottom <= window.innerHeight}).length"
    )
    assert visible >= 12

    def directions(selector: str) -> set[str]:
        cells = browser.find_elements("css selector", selector)
        assert cells, selector
        return {
            browser.execute_script("return getComputedStyle(arguments[0]).direction", c)
            for c in cells
        }

    assert directions("table.beads td[lang='ar']") == {"rtl"}
    assert directions("table.beads td.side-src") == {"rtl"}
    assert directions("table.beads td.side-tgt") == {"ltr"}
    keys(browser, Keys.TAB, "s")  # the split editor on the original's side
    assert directions("tr.editor textarea") == {"rtl"}
    keys(browser, Keys.ESCAPE, "t")  # the text editor
    assert directions("tr.editor textarea[lang='ar']") == {"rtl"}
    keys(browser, Keys.ESCAPE)
    browser.get((report / "index.html").as_uri())
    assert directions("#articles span[lang='ar']") == {"rtl"}


def test_keys_advance_undo_redo_approve_all_search_and_next_article(report, browser) -> None:
    page = page_of(report, "ntrex-13")
    open_fresh(browser, page)
    pending = statuses(browser)
    assert set(pending) == {"pending"}
    keys(browser, "j")
    assert current(browser) == 0
    keys(browser, "a")  # approves and goes on to the next pending row
    assert statuses(browser)[0] == "approved" and current(browser) == 1
    ctrl(browser, "z")
    assert statuses(browser) == pending and current(browser) == 0
    ctrl(browser, "z", shift=True)
    assert statuses(browser)[0] == "approved" and current(browser) == 1
    keys(browser, "r")
    assert statuses(browser)[1] == "rejected" and current(browser) == 2
    # merge rows 3 and 4, reject the merged row, then detach its last English sentence: the
    # row stays rejected, and the page says so
    keys(browser, "m", "r", "k")
    assert current(browser) == 2 and statuses(browser)[2] == "rejected"
    before = state(browser)["pair"]["beads"]
    keys(browser, "e")
    after = state(browser)["pair"]["beads"]
    assert len(after) == len(before) + 1 and after[2]["status"] == "rejected"
    assert after[3]["status"] == "pending" and after[3]["src"] == []
    assert "stays rejected" in browser.find_element("id", "review-message").text
    for _ in range(4):  # the detach, the reject, the merge, the reject of row 2: all undone
        ctrl(browser, "z")
    assert statuses(browser)[:2] == ["approved", "pending"]
    assert state(browser)["pair"]["beads"] == state(browser)["pair"]["beads"]  # stable
    # A approves every pending row without a flag scoring at least the number set
    browser.execute_script(
        "const t = document.getElementById('approve-above'); t.value = '0.3';"
        "t.dispatchEvent(new Event('change'))"
    )
    keys(browser, "A")
    rows = browser.find_elements("css selector", "table.beads tbody tr")
    for row in rows:
        score = float(row.get_attribute("data-score") or 0)
        if row.get_attribute("data-status") == "pending":
            assert row.get_attribute("data-flags") or score < 0.3
        elif not row.get_attribute("data-flags") and row.get_attribute("id") != "bead-0":
            assert score >= 0.3
    approved = statuses(browser).count("approved")
    assert approved > 5
    ctrl(browser, "z")
    assert statuses(browser).count("approved") == 1
    # search: the row holding a word moves under the cursor
    word = browser.find_element("css selector", "#bead-6 td.side-tgt .text").text.split()[2]
    keys(browser, "/")
    assert browser.switch_to.active_element.get_attribute("id") == "row-search"
    browser.switch_to.active_element.send_keys(word)
    hits = browser.find_elements("css selector", "tr.match")
    assert "bead-6" in [h.get_attribute("id") for h in hits] and current(browser) is not None
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    # next and previous article without leaving the keyboard
    title = browser.title
    keys(browser, "N")
    _wait(lambda: browser.title != title)
    keys(browser, "P")
    _wait(lambda: browser.title == title)
    assert statuses(browser)[0] == "approved"  # the work was kept in the browser


def test_split_move_join_edit_approve_then_import_and_tmx(report, browser, tmp_path: Path) -> None:
    page = page_of(report, "ntrex-10")
    open_fresh(browser, page)
    name = browser.find_element("id", "reviewer-name")
    name.send_keys("Lina", Keys.TAB)
    keys(browser, Keys.ESCAPE, "j", "s")  # split a sentence of the translation at the cursor
    editor = browser.find_element("css selector", "tr.editor textarea")
    first = editor.get_attribute("value")
    cut = first.index(" ", len(first) // 2) + 1
    browser.execute_script(
        "arguments[0].setSelectionRange(arguments[1], arguments[1])", editor, cut
    )
    editor.send_keys(Keys.ENTER)
    pair = state(browser)["pair"]
    segments = pair["tgt_segments"]
    assert segments[0] == {"first": 0, "start": 0, "last": 0, "end": len(first[:cut]), "text": None}
    assert segments[1]["start"] == len(first[:cut]) and pair["beads"][0]["tgt"] == [0, 1]
    assert len(browser.find_elements("css selector", "#bead-0 td.side-tgt .seg")) == 2
    keys(browser, "J")  # the piece goes to the next row
    beads = state(browser)["pair"]["beads"]
    assert beads[0]["tgt"] == [0] and beads[1]["tgt"][0] == 1
    ctrl(browser, "z")
    keys(browser, "g")  # joined again: the stored sentence, no segments left
    assert state(browser)["pair"]["tgt_segments"] is None
    ctrl(browser, "z")
    assert state(browser)["pair"]["beads"][0]["tgt"] == [0, 1]
    keys(browser, "t")  # edit the text: one line a sentence, Enter saves
    editor = browser.find_element("css selector", "tr.editor textarea.text-editor")
    lines = editor.get_attribute("value").split("\n")
    assert len(lines) == 2
    edited = lines[1].replace(lines[1].split()[0], "EDITED", 1)
    browser.execute_script("arguments[0].value = arguments[1]", editor, f"{lines[0]}\n{edited}")
    editor.send_keys(Keys.END, Keys.ENTER)
    pair = state(browser)["pair"]
    assert pair["tgt_segments"][1]["text"].startswith("EDITED")
    keys(browser, "a")
    beads = state(browser)["pair"]["beads"]
    assert beads[0]["status"] == "approved" and beads[0]["reviewer"] == "Lina"
    assert beads[0]["origin"] == "translator" and beads[0]["reviewed_at"]
    who = browser.find_element("css selector", "#bead-0 td.review .who").get_attribute("title")
    assert who.startswith("by Lina at ")
    for old in browser.downloads.glob("*.json"):
        old.unlink()
    keys(browser, "w")
    saved = _wait_for(browser.downloads)
    review = json.loads(saved.read_text(encoding="utf-8"))
    assert review["format"] == "bitext-review/3" and review["reviewer"] == "Lina"
    data_dir = report.parent
    cli = [sys.executable, "-m", "pipeline.cli"]
    imported = subprocess.run([*cli, "review", "import", str(saved), "--data-dir", str(data_dir)],
                              cwd=REPO, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    tmx = tmp_path / "reviewed.tmx"
    done = subprocess.run([*cli, "export", "--format", "tmx", "--reviewed-only", "--languages",
                           "ar,en", "--data-dir",
                           str(data_dir), "-o", str(tmx)],
                          cwd=REPO, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = tmx.read_text(encoding="utf-8")
    assert first[:cut].strip() in text and "EDITED" in text
    assert re.search(r'<prop type="x-bitext-reviewer">Lina</prop>', text)
    store = open_store(data_dir / "corpus.sqlite")
    stored = store.latest_review("enab", "ntrex-10")
    text_now = store.text_of(store.pair_for("enab", "ntrex-10").translation)
    store.close()
    assert stored.tgt_segments[1].text.startswith("EDITED")
    assert text_now.sentences[0].text == first  # the stored text stays
    browser.execute_script("localStorage.clear()")


def test_realign_between_two_fixed_rows_in_the_page(report, browser) -> None:
    if not DEV.exists():
        pytest.skip("../shared absent: the real hand-aligned de-fr dev article")
    _, gold = misaligned_dev_pair()
    open_fresh(browser, page_of(report, "dev-1957"))
    before = [(b["src"], b["tgt"]) for b in state(browser)["pair"]["beads"]]
    assert before[1:-1] != [tuple(g) for g in gold[1:-1]]
    keys(browser, "j", "a", Keys.ESCAPE, "k", "a")  # the first and the last row approved
    assert statuses(browser)[0] == statuses(browser)[-1] == "approved"
    keys(browser, "R")
    beads = state(browser)["pair"]["beads"]
    assert [(b["src"], b["tgt"]) for b in beads] == [(list(s), list(t)) for s, t in gold]
    assert {b["origin"] for b in beads[1:-1]} == {"realigned"}
    assert "Re-aligned 12 row(s)" in browser.find_element("id", "review-message").text
    ctrl(browser, "z")
    assert [(b["src"], b["tgt"]) for b in state(browser)["pair"]["beads"]] == [
        tuple(x) for x in before
    ]
    browser.execute_script("localStorage.clear()")


def test_each_flag_says_why_and_numbers_are_marked_on_both_sides(report, browser) -> None:
    open_fresh(browser, page_of(report, "evidence"))
    keys(browser, "j")
    row = browser.find_element("id", "bead-0")
    assert "number_mismatch" in row.get_attribute("data-flags")
    marks = [m.text for m in row.find_elements("css selector", "td.side-src mark.only")]
    assert marks == ["٢/٣"], marks  # 220 is on both sides, in two scripts
    reason = row.find_element("css selector", "ul.reasons li[data-flag='number_mismatch']").text
    assert "numbers differ: ٢/٣ only in the original" in reason
    left_out = browser.find_element("id", "bead-2")  # the aligner is unsure: doubtful
    left_out.click()
    reason = left_out.find_element("css selector", "ul.reasons li").text
    assert "no counterpart: nothing in the English within 3 rows is similar" in reason, reason
    open_fresh(browser, page_of(report, "ntrex-4"))  # the English dropped its last paragraph
    # (three articles are too few for the aligner to call it omitted: it says doubtful)
    left_out = browser.find_elements("css selector", "tr[data-flags~='doubtful']")[-1]
    assert left_out.find_elements("css selector", "td.side-tgt .missing")
    left_out.click()
    reason = left_out.find_element("css selector", "ul.reasons li[data-flag='doubtful']").text
    # the words say what the page found near it: nothing similar, or the row that may match
    assert re.search(
        r"no counterpart: nothing in the English within 3 rows is similar|"
        r"no counterpart in this row, but row \d+ shares \d+% of its words with it",
        reason,
    ), reason
    chip = left_out.find_element("css selector", ".flag-doubtful")
    assert chip.get_attribute("title") in reason
