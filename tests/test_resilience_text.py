"""Hostile text: one control character or non-character in one paragraph costs that character,
never the paragraph or the page (issue 14, case 4); `extract` fuzzed with hypothesis."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from pipeline.extract import extract_article
from pipeline.profiles.enab import ARABIC, ENGLISH
from pipeline.text import UNPRINTABLE_REASON, clean_text, strip_unprintable

GOLD = Path(__file__).parent / "gold" / "pages"
# The characters, raw and as references, and their kin.
HOSTILE = ["\x01", "\x08", "\x1b", "&#1;", "\ufffe", "\uffff", "\x00", "&#xFFFE;", "\x7f", "&#0;"]
NOTED = {
    "\x01": "U+0001 x1",
    "\x08": "U+0008 x1",
    "\x1b": "U+001B x1",
    "&#1;": "U+0001 x1",
    "\ufffe": "U+FFFE x1",
    "\uffff": "U+FFFF x1",
    "\x00": "U+0000 x1",
    "&#xFFFE;": "U+FFFE x1",
    "\x7f": "U+007F x1",
    "&#0;": "U+0000 x1",
}
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _expected(name: str) -> list[str]:
    text = (GOLD / f"{name}.expected.txt").read_text(encoding="utf-8")
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def _inside_a_word(page: str, paragraph: str, char: str) -> str:
    """`char` in the middle of the third word of `paragraph`, where the page has it."""
    word = paragraph.split(" ")[2]
    start = page.index(" ".join(paragraph.split(" ")[:3]))
    at = page.index(word, start) + len(word) // 2
    return page[:at] + char + page[at:]


@pytest.mark.parametrize("char", HOSTILE, ids=[repr(c) for c in HOSTILE])
@pytest.mark.parametrize(
    ("name", "side", "language"),
    [("en-seed-001", ENGLISH, "en"), ("ar-enab-pair-10", ARABIC, "ar")],
    ids=["en", "ar"],
)
def test_one_control_character_costs_the_character_not_the_body(
    name: str, side: object, language: str, char: str
) -> None:
    expected = _expected(name)
    page = (GOLD / f"{name}.html").read_text(encoding="utf-8")
    hostile = _inside_a_word(page, expected[1], char)
    assert hostile != page

    result = extract_article(hostile, language=language, side=side)  # type: ignore[arg-type]

    assert result.status == "ok"
    assert result.paragraphs == expected  # the exact body: the character gone, nothing else
    assert result.language_ok
    notes = [r.text for r in result.removed if r.reason == UNPRINTABLE_REASON]
    assert notes == [NOTED[char]]


def test_every_control_and_noncharacter_reference_is_removed_before_parsing() -> None:
    """What libxml2 would turn into a character lxml then refuses, raw or as a reference in any
    spelling; HTML's &#128;..&#159; are Windows-1252 letters and stay."""
    codes = [*range(0x20), 0x7F, 0x81, 0x8D, 0x8F, 0x90, 0x9D, 0xFDD0, 0xFDEF, 0xD800, 0x110000]
    codes += [(plane << 16) | low for plane in range(17) for low in (0xFFFE, 0xFFFF)]
    for code in codes:
        for form in (f"&#{code};", f"&#x{code:x};", f"&#X{code:X};", f"&#{code}", f"&#00{code};"):
            cleaned, notes = strip_unprintable(f"<p>a{form}b</p>")
            text = lxml_html.fromstring(cleaned).text_content()
            if code in (0x09, 0x0A, 0x0D):
                assert notes == [], form
                continue
            assert text == ("a b" if code in (0x0B, 0x0C) else "ab"), (form, text)
            assert len(notes) == 1, form
    for code in range(0x80, 0xA0):  # Windows-1252 by the HTML rules: "&#150;" is an en dash
        if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D):
            assert strip_unprintable(f"&#{code};") == (f"&#{code};", [])
    assert strip_unprintable("&amp;#1; &#x41; plain") == ("&amp;#1; &#x41; plain", [])
    assert strip_unprintable("a\x0cb\x01\x01c") == ("a bc", ["U+0001 x2, U+000C x1"])


def test_every_raw_control_and_noncharacter_is_removed_and_nothing_else() -> None:
    """Each of the 2,176 code points, raw in otherwise clean text (the check on the page's bytes
    that spares most pages the scan must see every one); its printable neighbours stay."""
    removed = {*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)}
    removed |= {*range(0xD800, 0xE000), *range(0xFDD0, 0xFDF0)}
    removed |= {(plane << 16) | low for plane in range(17) for low in (0xFFFE, 0xFFFF)}
    assert len(removed) == 2176
    for code in sorted(removed):
        cleaned, notes = strip_unprintable(f"<p>ع\u00e9{chr(code)}\U0001f600 b</p>")
        spaced = " " if code in (0x0B, 0x0C) else ""
        assert cleaned == f"<p>ع\u00e9{spaced}\U0001f600 b</p>", hex(code)
        assert notes == [f"U+{code:04X} x1"], hex(code)
    kept = "".join(chr(c) for c in (0x09, 0x0A, 0x0D, 0xA0, 0xFDCF, 0xFDF0, 0xFFFD, 0x1FFFD))
    assert strip_unprintable(kept + "\u0fff\u3fff") == (kept + "\u0fff\u3fff", [])


def test_clean_text_drops_controls_and_noncharacters_keeps_letters() -> None:
    assert clean_text("Da\x01mas\ufffecus\x0bcity\uffff") == "Damascus city"
    assert clean_text("دمش\x1bق \U0010ffff") == "دمشق"


def test_cli_extract_of_a_page_with_control_characters_keeps_its_body(tmp_path: Path) -> None:
    import subprocess
    import sys

    expected = _expected("en-seed-001")
    page = (GOLD / "en-seed-001.html").read_text(encoding="utf-8")
    for char in ("\x01", "&#1;", "\uffff"):
        page = _inside_a_word(page, expected[len(page) % 3], char)
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    command = [sys.executable, "-m", "pipeline.cli", "extract", str(tmp_path / "page.html")]
    done = subprocess.run(
        [*command, "--lang", "en", "--site", "enab"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["paragraphs"] == expected


# --- fuzzing: whatever the page, no crash, and every kept paragraph is text, not markup -------

_PLAIN = ["Damascus", "the", "council", "said", "دمشق", "قال", "المجلس", "<", ">", "&", "&amp;"]
_HOSTILE_BITS = ["&#1;", "&#xFFFE;", "\x01", "\x1b", "\ufffe", "\uffff", "\x00", "\u200f", "\t"]
_WORDS = st.sampled_from([*_PLAIN, *_HOSTILE_BITS, "\n", "  ", "'", '"'])
_TEXT = st.lists(_WORDS, min_size=1, max_size=60).map(" ".join)
_TAGS = st.sampled_from(["p", "div", "h2", "li", "blockquote", "span", "script", "b", "td"])


@st.composite
def _pages(draw: st.DrawFn) -> str:
    blocks = draw(st.lists(st.tuples(_TAGS, _TEXT, st.booleans()), min_size=0, max_size=25))
    body = "".join(
        f"<{tag}>{text}" + (f"</{tag}>" if closed else "") for tag, text, closed in blocks
    )
    wrapper = draw(st.sampled_from(["{}", '<div class="entry-content">{}</div>', "<article>{}"]))
    junk = draw(st.sampled_from(["", "<!--", "<![CDATA[", "</html>", "<p", "\ufeff", "\x00"]))
    return f"<html><head><title>T</title></head><body>{wrapper.format(body)}{junk}</body></html>"


@settings(
    max_examples=int(os.environ.get("BITEXT_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(page=st.one_of(_pages(), st.text(max_size=400)), english=st.booleans())
def test_fuzz_extract_never_crashes_and_keeps_only_text(page: str, english: bool) -> None:
    language, side = ("en", ENGLISH) if english else ("ar", ARABIC)
    result = extract_article(page, language=language, side=side)
    for paragraph in [*result.paragraphs, *(s.text for s in result.sentences)]:
        assert paragraph.strip() == paragraph and paragraph
        assert not XML_INVALID.search(paragraph), repr(paragraph)
        assert not re.search(r"</?(?:p|div|h2|li|span|script|td|html|body)\b[^<]*>", paragraph)
    if result.status == "ok":
        assert result.text == "\n\n".join(result.paragraphs)
        for sentence in result.sentences:
            assert result.text[sentence.start : sentence.end] == sentence.text
