"""Extraction on the gold set (exact bodies), language checks, normalisation."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from crawler.profiles import PROFILES
from crawler.profiles.enab import ARABIC, ENGLISH
from pipeline.extract import extract_article
from pipeline.language import detect_language
from pipeline.text import clean_text, comparison_form, unify_digits

GOLD = Path(__file__).parent / "gold" / "pages"
PAGES = sorted(GOLD.glob("*.html"))


def gold(page: Path) -> tuple[dict, list[str]]:
    meta = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    text = page.with_suffix(".expected.txt").read_text(encoding="utf-8")
    return meta, [p.strip() for p in text.split("\n\n") if p.strip()]


def side_for(meta: dict):  # type: ignore[no-untyped-def]
    if not meta["site"]:
        return None
    return PROFILES[meta["site"]].side(meta["language"])


def test_gold_set_is_big_and_varied_enough() -> None:
    metas = [gold(p)[0] for p in PAGES]
    assert len(PAGES) >= 30
    for language in ("en", "ar"):
        markups = {m["markup"] for m in metas if m["language"] == language}
        assert len(markups) >= 2, markups


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_gold_page_body_is_extracted_exactly(page: Path) -> None:
    meta, expected = gold(page)
    result = extract_article(
        page.read_text(encoding="utf-8"), language=meta["language"], side=side_for(meta)
    )
    assert result.paragraphs == expected
    assert (result.status == "no_body") == meta["no_body"]
    if not meta["no_body"]:
        assert result.language_ok and result.detected_language == meta["language"]
        assert result.text == "\n\n".join(expected)
        for s in result.sentences:
            assert result.text[s.start : s.end] == s.text


def test_english_page_what_is_dropped_and_why() -> None:
    page = (GOLD / "en-seed-001.html").read_text(encoding="utf-8")
    result = extract_article(page, language="en", side=ENGLISH)
    removed = {(r.reason, r.text) for r in result.removed}
    assert ("other language (ar)", "النسخة العربية من المقال") in removed
    body = result.text
    for boilerplate in (
        "A A A",
        "Related Articles",
        "Propaganda distorts",
        "Back to top",
        "Please enter your comment",
        "ADVERTISEMENT",
        "(Enab Baladi)",
        "Copyright",
    ):
        assert boilerplate not in body
    assert result.title == "US Officials: Rocket Attack From Iraq Targets US Base in Syria"
    assert not result.paragraphs[0].startswith(result.title)


def test_boilerplate_inside_the_body_container_is_dropped_with_reasons() -> None:
    """Seed 000's order, all inside .entry-content: body, Arabic-version line, "Related
    Articles" with a numbered link list, the donation plea one line a paragraph."""
    page = (GOLD / "en-seed-000.html").read_text(encoding="utf-8")
    _, expected = gold(GOLD / "en-seed-000.html")
    related = [
        "The 22nd attack on US interests in Iraq... Military response in Syria?",
        "Al-Tanf: A Base for Washington or a Damascus-Tehran Crossing?",
    ]
    plea = [
        "Propaganda distorts the truth and prolongs the war..",
        "Syria needs free media.. We need your support to stay independent..",
        "Support Enab Baladi..",
        "$1 a month makes a difference..",
    ]
    inside = (
        '<p>&nbsp;</p><p><a href="https://www.enabbaladi.net/700001/">'
        "النسخة العربية من المقال</a></p>"
        '<div class="related-inline"><h3>Related Articles</h3></div><ol>'
        + "".join(f'<li><a href="/archives/{n}/">{t}</a></li>' for n, t in enumerate(related))
        + "</ol><div>"
        + "".join(f"<p>{p}</p>" for p in plea)
        + '<p><a href="/support/">Click here to support</a></p></div>'
    )
    end_of_body = '</div>\n<div class="post-bottom-meta'
    assert page.count(end_of_body) == 1
    page = page.replace(end_of_body, inside + end_of_body)

    result = extract_article(page, language="en", side=ENGLISH)

    assert result.paragraphs == expected
    removed = [(r.reason, r.text) for r in result.removed]
    assert [t for why, t in removed if why == "related-articles list"] == related
    assert [t for why, t in removed if why == "donation plea"] == [*plea, "Click here to support"]
    assert ("related-articles heading", "Related Articles") in removed
    assert ("other language (ar)", "النسخة العربية من المقال") in removed


def test_arabic_sample_what_is_dropped_and_why() -> None:
    page = (GOLD / "ar-sample-2958.html").read_text(encoding="utf-8")
    result = extract_article(page, language="ar", side=ARABIC)
    reasons = {r.reason for r in result.removed}
    assert {"image caption", "related link (read also)"} <= reasons
    assert result.paragraphs[0].startswith("أعلن المدير العام لصندوق")
    assert all("عنب بلدي/" not in p and "اقرأ أيضًا" not in p for p in result.paragraphs)


def test_boilerplate_only_page_is_no_body() -> None:
    page = (GOLD / "ar-sample-2990.html").read_text(encoding="utf-8")
    result = extract_article(page, language="ar", side=ARABIC)
    assert result.status == "no_body" and result.paragraphs == [] and result.sentences == []
    assert result.status_detail.startswith("no body found")
    assert extract_article("", language="ar", side=ARABIC).status == "no_body"


def test_page_in_the_wrong_language_is_flagged() -> None:
    arabic = (GOLD / "ar-enab-pair-10.html").read_text(encoding="utf-8")
    result = extract_article(arabic, language="en", side=ENGLISH)
    assert not result.language_ok
    assert result.status == "no_body"  # every paragraph was Arabic, so none is an English body
    reasons = Counter(r.reason for r in result.removed)
    # the generic rules read Arabic boilerplate whatever language the page was asked in
    boilerplate = {"image caption", "related link (read also)", "correction or complaint prompt"}
    assert set(reasons) - boilerplate == {"other language (ar)"}
    assert reasons["other language (ar)"] >= 5


def test_english_credit_line_in_an_arabic_page_is_removed() -> None:
    page = (GOLD / "ar-enab-pair-10.html").read_text(encoding="utf-8")
    credit = "<p>Translated and edited by the Enab Baladi English desk.</p>"
    page = page.replace(
        '<div class="content-article">\n', f'<div class="content-article">\n{credit}'
    )
    result = extract_article(page, language="ar", side=ARABIC)
    assert ("other language (en)", "Translated and edited by the Enab Baladi English desk.") in {
        (r.reason, r.text) for r in result.removed
    }


def test_language_detection_is_deterministic() -> None:
    text = "Syria news agency said the pipeline between Homs and Hama works again today."
    assert len({detect_language(text) for _ in range(20)}) == 1


def test_normalisation_keeps_what_a_reader_sees() -> None:
    assert clean_text("دمشـق\u200f\u200b  الشام\u00a0شهريًا") == "دمشق الشام شهريًا"
    assert clean_text("e\u0301") == "\u00e9"  # NFC
    assert comparison_form("شهريًا ٤٬٤٠٠٬٠٠٠ و3٫5 Café") == "شهريا 4400000 و3.5 cafe"
    assert unify_digits("4,400,000 and 12,34 and 1,5") == "4400000 and 12,34 and 1,5"


def test_cli_extract_prints_clean_text_as_json() -> None:
    page = GOLD / "ar-sample-2994.html"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline.cli",
            "extract",
            str(page),
            "--lang",
            "ar",
            "--site",
            "enab",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(result.stdout)
    assert data["status"] == "ok" and data["language"] == "ar"
    assert data["paragraphs"][0].startswith("أعلنت شركة “محروقات حمص”")
    assert "\\u06" not in result.stdout
