"""What the aligner reads in a sentence's words: character n-grams, numbers, Latin-script
anchors, names, the learned lexicon's word forms."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from pipeline.text import comparison_form

NUMBER = re.compile(r"\d+(?:\.\d+)?")
LATIN = re.compile(r"[a-z][a-z\-']{2,}")
WORD = re.compile(r"\w+")
UNSEGMENTED = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo"})  # written without spaces
# Capitalised words not at a sentence start: candidate names in Latin-script text.
NAME = re.compile(r"(?<=[^.!?:\"“\s]\s)[A-Z][\w\-']+(?:\s+[A-Z][\w\-']+)*")
_NAME_STOPWORDS = (
    "The A An In On At Of For And But Or To From By With As It He She They We I This That "
    "These Those His Her Their Our Its Mr Mrs Ms Dr Monday Tuesday Wednesday Thursday "
    "Friday Saturday Sunday January February March April May June July August September "
    "October November December"
)
NAME_STOPWORDS = frozenset(_NAME_STOPWORDS.split(" "))

# Arabic clitics stripped for the learned lexicon: conjunctions, prepositions, the article.
_AR_PREFIX = re.compile(r"^(?:و|ف)?(?:ب|ل|ك)?(?:ال|لل)?")

# ---------------------------------------------------------------- features


def char_ngrams(text: str, orders: Sequence[int] = (1, 2, 3, 4)) -> list[str]:
    """Character n-grams (with repeats) of the comparison form, runs of spaces as one: chrF's
    items."""
    form = " ".join(comparison_form(text).split())
    return [form[i : i + n] for n in orders for i in range(len(form) - n + 1)]


def _anchors(text: str) -> list[str]:
    form = comparison_form(text)
    return NUMBER.findall(form) + LATIN.findall(form)


def numbers_of(text: str) -> Counter[str]:
    """Numbers on the unified-digit form; "1.0" and "1" compare equal."""
    found: Counter[str] = Counter()
    for n in NUMBER.findall(comparison_form(text)):
        found[n.rstrip("0").rstrip(".") if "." in n else n.lstrip("0") or "0"] += 1
    return found


def lexicon_words(text: str, language: str) -> set[str]:
    """Words as the learned lexicon sees them: lower case, Arabic clitics stripped, truncated to
    five letters (a crude stem that merges inflections, enough for co-occurrence counts)."""
    words: set[str] = set()
    form = comparison_form(text)
    if language in UNSEGMENTED:  # no spaces between words: character bigrams stand in
        for run in WORD.findall(form):
            words.update(run[i : i + 2] for i in range(len(run) - 1) if not run[i].isascii())
    for w in WORD.findall(form):
        if w.isdigit():
            continue
        if language == "ar":
            w = _AR_PREFIX.sub("", w) if len(w) > 4 else w
        if len(w) > 2 and (language not in UNSEGMENTED or w.isascii()):
            words.add(w[:5])
    return words


def _names(text: str) -> set[str]:
    return {
        name.lower()
        for match in NAME.findall(text)
        for name in [" ".join(w for w in match.split() if w not in NAME_STOPWORDS)]
        if name
    }


@lru_cache(maxsize=64)
def _words_of(text: str) -> frozenset[str]:
    """The lower-case words of a text (a bead's names are each looked up in the same text)."""
    return frozenset(WORD.findall(text.lower()))


def _name_found(name: str, other: str) -> bool:
    """A name counts as present when each of its words is found, allowing for spelling
    variants of transliterated names (similarity >= 0.75 with some word of the other text)."""
    words = _words_of(other)
    for part in WORD.findall(name):  # "i've" is "i" and "ve" on both sides
        if part in words:
            continue
        # difflib's cheap upper bounds first (length, then shared letters): same answer, and
        # the full ratio only for the few words that could reach 0.75
        letters = set(part)
        for w in words:
            if 2 * min(len(w), len(part)) < 0.75 * (len(w) + len(part)):
                continue
            # difflib's quick_ratio (letters in common, with repeats) without a matcher
            shared = sum(min(part.count(c), w.count(c)) for c in letters)
            if 2.0 * shared / (len(part) + len(w)) < 0.75:
                continue
            if difflib.SequenceMatcher(None, part, w).ratio() >= 0.75:
                break
        else:
            return False
    return True


# A sentence ending in one of these goes on in the next (a clause, not a sentence, was cut off).
CONTINUED = re.compile(r"[,;:،؛，；：、]\s*$")
