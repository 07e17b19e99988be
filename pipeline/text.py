"""Text normalisation: a stored form that reads the same, and a comparison form for matching."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Invisible characters that change nothing a reader sees: zero-width and bidi controls, BOM.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")
_TATWEEL = "\u0640"
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# 4,400,000 / 4٬400٬000 / 4 400 000 (thin or no-break space) -> 4400000; decimals -> "."
_THOUSANDS = re.compile(r"(?<=\d)[,\u066c\u2009\u202f\u00a0](?=\d{3}(?!\d))")
_DECIMAL = re.compile(r"(?<=\d)\u066b(?=\d)")


def clean_text(text: str) -> str:
    """NFC, invisible controls and tatweel removed, spaces tidied; diacritics kept."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text).replace(_TATWEEL, "")
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


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
