"""Text normalisation: a stored form that reads the same, and a comparison form for matching."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

# Invisible characters that change nothing a reader sees: zero-width and bidi controls, BOM.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")
_TATWEEL = "\u0640"
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_OTHER_SPACE = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000]")  # _SPACES' non-ASCII
_ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# 4,400,000 / 4٬400٬000 / 4 400 000 (thin or no-break space) -> 4400000; decimals -> "."
_THOUSANDS = re.compile(r"(?<=\d)[,\u066c\u2009\u202f\u00a0](?=\d{3}(?!\d))")
_DECIMAL = re.compile(r"(?<=\d)\u066b(?=\d)")

# Characters no text means to carry: C0/C1 controls (tab, newline, CR kept), lone surrogates and
# Unicode non-characters (U+FDD0..U+FDEF, U+xFFFE/U+xFFFF in every plane). libxml2 parses them
# into the tree, but lxml refuses them in any string set on an element, so trafilatura dropped
# the whole body of a page with one of them.
# One class with two astral ranges scans ~8x faster than one listing every plane's pair; the
# astral candidates (U+1FFFE and up) are checked one by one.
_CANDIDATES = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff\U0001fffe-\U0010ffff]"
)
_SPACE_LIKE = "\x0b\x0c"  # vertical tab and form feed separate words: they become a space
# Numeric character references (&#1; &#x1; &#1 ...), the other way these get into a page.
_CHARACTER_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")
_C1_UNMAPPED = frozenset((0x81, 0x8D, 0x8F, 0x90, 0x9D))  # no Windows-1252 character there
UNPRINTABLE_REASON = "control or non-characters removed from the text (paragraphs kept)"


def _is_unprintable(code: int) -> bool:
    if code > 0x10FFFF:
        return True
    return bool(_CANDIDATES.match(chr(code))) and (code < 0x1FFFE or code & 0xFFFE == 0xFFFE)


# The same characters as UTF-8 byte sequences (surrogates as "surrogatepass" writes them): on a
# page's bytes, a byte deletion and three searches led by a literal byte rule them out in a
# third of the time the character class takes to scan the text; a page where one may be (or
# any character above U+FFFF: an emoji) gets the scan.
_C0_AND_ASTRAL_LEADS = bytes(
    [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, *range(0xF0, 0xF5)]
)
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")
_SURROGATE_UTF8 = re.compile(rb"\xed[\xa0-\xbf]")
_NONCHARACTER_UTF8 = re.compile(rb"\xef(?:\xb7[\x90-\xaf]|\xbf[\xbe\xbf])")  # U+FDD0.., U+FFFE


def _may_hold_unprintable(page: str) -> bool:
    """False only when `page` has none of the characters strip_unprintable removes."""
    data = page.encode("utf-8", "surrogatepass")
    return (
        len(data.translate(None, _C0_AND_ASTRAL_LEADS)) != len(data)
        or _C1_UTF8.search(data) is not None
        or _SURROGATE_UTF8.search(data) is not None
        or _NONCHARACTER_UTF8.search(data) is not None
    )


def _unprintable_reference(hexadecimal: str, decimal: str) -> int | None:
    """The code point a numeric character reference (its digits) stands for when it is a
    character to remove, else None."""
    code = int(hexadecimal, 16) if hexadecimal else int(decimal)
    if 0x80 <= code <= 0x9F and code not in _C1_UNMAPPED:
        return None  # a Windows-1252 character by the HTML rules
    return code if _is_unprintable(code) else None


def strip_unprintable(page: str) -> tuple[str, list[str]]:
    """`page` without control characters and non-characters, raw or as numeric references
    (HTML's &#128;..&#159; are Windows-1252 letters, kept), and a note of what went, e.g.
    ["U+0001 x2, U+FFFE x1"]; [] when there was nothing to remove."""
    found: Counter[str] = Counter()

    def reference(match: re.Match[str]) -> str:
        code = _unprintable_reference(*match.groups())
        if code is None:
            return match.group()
        found[f"U+{code:04X}" if code <= 0x10FFFF else match.group()] += 1
        return " " if code in (0x0B, 0x0C) else ""

    def raw(match: re.Match[str]) -> str:
        char = match.group()
        if not _is_unprintable(ord(char)):
            return char  # an astral character that is not a non-character
        found[f"U+{ord(char):04X}"] += 1
        return " " if char in _SPACE_LIKE else ""

    if "&#" in page and any(
        _unprintable_reference(x, d) is not None for x, d in set(_CHARACTER_REFERENCE.findall(page))
    ):
        page = _CHARACTER_REFERENCE.sub(reference, page)
    if _may_hold_unprintable(page):
        page = _CANDIDATES.sub(raw, page)
    if not found:
        return page, []
    return page, [", ".join(f"{char} x{n}" for char, n in sorted(found.items()))]


def clean_text(text: str) -> str:
    """NFC, control characters, non-characters, invisible controls and tatweel removed, spaces
    tidied; diacritics kept."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\x0b", " ").replace("\x0c", " ")
    text = _CANDIDATES.sub(lambda m: "" if _is_unprintable(ord(m.group())) else m.group(), text)
    text = _INVISIBLE.sub("", text).replace(_TATWEEL, "")
    # a run of spaces never spans a line break; most texts have single spaces only, which the
    # substitution (a match per space) would only copy
    if "  " in text or "\t" in text or (not text.isascii() and _OTHER_SPACE.search(text)):
        text = _SPACES.sub(" ", text)
    return "\n".join(line for raw in text.splitlines() if (line := raw.strip()))


def unify_digits(text: str) -> str:
    """Arabic-Indic and Persian digits as Western ones, thousands separators dropped."""
    text = text.translate(_DIGITS)
    text = _DECIMAL.sub(".", text)
    previous = None
    while previous != text:  # 1,234,567: each pass removes non-overlapping separators
        previous, text = text, _THOUSANDS.sub("", text)
    return text


@lru_cache(maxsize=8192)
def comparison_form(text: str) -> str:
    """For matching only: digits unified, separators dropped, diacritics stripped, lower case."""
    text = unify_digits(clean_text(text))
    text = _ARABIC_DIACRITICS.sub("", text)
    decomposed = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch) or _is_arabic(ch))
    return unicodedata.normalize("NFC", text).casefold()


def _is_arabic(ch: str) -> bool:
    return "\u0600" <= ch <= "\u06ff"
