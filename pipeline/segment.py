"""Sentence segmentation with offsets into the clean text.

English goes through pysbd (abbreviations, initials, decimals, quotes), with ".." masked first:
news titles use it as a phrase break. Arabic gets the rules below, written here because pysbd's
Arabic rules split on «،» and ":" and on "..", which are all phrase breaks in Arabic news.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pysbd

from pipeline.models import Sentence

PARAGRAPH_SEPARATOR = "\n\n"
_MASK = "\ue000"
_DOUBLE_DOT = re.compile(r"(?<!\.)\.\.(?!\.)")
# A terminator run, closing quotes/brackets, then whitespace: a candidate boundary.
_CANDIDATE = re.compile(r"([.!?؟…]+)([\"”’'»)\]]*)(\s+)")
_LATIN_INITIALS = re.compile(r"(?:\b[A-Za-z]\.)+$")
_ARABIC_ABBREVIATIONS = ("د", "أ", "م.م", "ص.ب")  # د. = Dr., أ. = Prof./Mr.
_ENUMERATOR = re.compile(r"^\s*(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})$")


@lru_cache(maxsize=4)
def _pysbd(language: str) -> pysbd.Segmenter:
    return pysbd.Segmenter(language=language, clean=False, char_span=True)


def _spans_latin(line: str, language: str) -> list[tuple[int, int]]:
    masked = _DOUBLE_DOT.sub(_MASK * 2, line)
    try:
        segmenter = _pysbd(language)
    except ValueError:  # a language pysbd does not know: English rules are the closest
        segmenter = _pysbd("en")
    return [(s.start, s.end) for s in segmenter.segment(masked)]


def _spans_rules(line: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _CANDIDATE.finditer(line):
        terminators, end = match.group(1), match.end(2)
        if terminators in ("..", "…", "...") or match.end() >= len(line):
            continue
        before = line[start : match.start(1)]
        last_word = before.rsplit(maxsplit=1)[-1] if before.strip() else ""
        if terminators == "." and (
            _LATIN_INITIALS.search(before + ".")
            or last_word in _ARABIC_ABBREVIATIONS
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
        raw = _spans_rules(line) if language == "ar" else _spans_latin(line, language)
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
