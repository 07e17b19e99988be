"""Sentence segmentation with offsets into the clean text.

Rules written here rather than pysbd: pysbd's Arabic rules split on «،», ":" and "..", which are
phrase breaks in Arabic news, and its English rules cost ~3 ms a paragraph, more than the whole
extraction (bench/extraction.py). The rules: a boundary is a run of . ! ? ؟ (with closing quotes
or brackets) followed by white space, except "..", "…", initials (U.S.), known abbreviations
(Dr., د.), list enumerators (1.), and, in Latin-script text, before a lower-case word.
"""

from __future__ import annotations

import re

from pipeline.models import Sentence

PARAGRAPH_SEPARATOR = "\n\n"
# A terminator run, closing quotes/brackets, then whitespace: a candidate boundary.
_CANDIDATE = re.compile(r"([.!?؟…]+)([\"”’'»)\]]*)(\s+)")
_LATIN_INITIALS = re.compile(r"(?:\b[A-Za-z]\.)+$")
ABBREVIATIONS = {
    "ar": frozenset({"د", "أ", "م.م", "ص.ب"}),  # د. = Dr., أ. = Prof./Mr.
    "en": frozenset(
        [
            "Mr",
            "Mrs",
            "Ms",
            "Dr",
            "Prof",
            "Sr",
            "Jr",
            "St",
            "Gen",
            "Col",
            "Lt",
            "Sgt",
            "Capt",
            "Maj",
            "Cmdr",
            "Adm",
            "Rep",
            "Sen",
            "Gov",
            "Pres",
            "Rev",
            "Hon",
            "Inc",
            "Ltd",
            "Co",
            "Corp",
            "Bros",
            "vs",
            "etc",
            "No",
            "Nos",
            "Vol",
            "Fig",
            "Jan",
            "Feb",
            "Mar",
            "Apr",
            "Jun",
            "Jul",
            "Aug",
            "Sep",
            "Sept",
            "Oct",
            "Nov",
            "Dec",
            "Mt",
            "Ft",
            "approx",
            "est",
            "dept",
            "govt",
        ]
    ),
}
_ENUMERATOR = re.compile(r"^\s*(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})$")


def _spans_rules(line: str, language: str) -> list[tuple[int, int]]:
    abbreviations = ABBREVIATIONS.get(language, ABBREVIATIONS["en"])
    spans, start = [], 0
    for match in _CANDIDATE.finditer(line):
        terminators, end = match.group(1), match.end(2)
        if terminators in ("..", "…", "...") or match.end() >= len(line):
            continue
        if terminators == ".":
            following = line[match.end()]
            if following.islower() or following.isdigit():  # "e.g. the", "3 p.m. yesterday"
                continue
            before = line[start : match.start(1)]
            words = before.rsplit(maxsplit=1)
            if (
                (words and words[-1].lstrip("(\"“'") in abbreviations)
                # initials end the text before the point: its last two characters tell
                or _LATIN_INITIALS.search(before[-2:] + ".")
                or _ENUMERATOR.match(before)
            ):
                continue
        spans.append((start, end))
        start = match.end()
    spans.append((start, len(line)))
    return spans


def split_sentences(text: str, language: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of one paragraph; line breaks always end a sentence."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        raw = _spans_rules(line, language)
        for s, e in raw:
            piece = line[s:e]
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece) - len(piece.rstrip())
            if piece.strip():
                spans.append((offset + s + lead, offset + e - trail))
        offset += len(line) + 1
    return spans


def segment(paragraphs: list[str], language: str) -> list[Sentence]:
    """Sentences of paragraphs joined by a blank line, with offsets into that joined text."""
    sentences: list[Sentence] = []
    base = 0
    for index, paragraph in enumerate(paragraphs):
        for start, end in split_sentences(paragraph, language):
            sentences.append(
                Sentence(
                    text=paragraph[start:end], paragraph=index, start=base + start, end=base + end
                )
            )
        base += len(paragraph) + len(PARAGRAPH_SEPARATOR)
    return sentences
