"""The gold sentence alignment of the sample site's article pairs, from how build.py makes them.

Each of the 40 paired articles is NTREX-128 document `i` (its Arabic id is 700100 + i): line 0
is the title, lines 1.. the body, three lines a paragraph on each side, and every fifth article's
English drops its last paragraph (those Arabic lines have no counterpart). NTREX is aligned line
by line, so the gold is: the stored sentences that hold line k on each side form one bead. The
pipeline's segmenter may cut a line in two (or join two): sentences are placed on the lines by
their text, and the beads are the groups of sentences linked through the lines they overlap.

    gold_beads(article_id, src_sentences, tgt_sentences) -> [(src indices, tgt indices), ...]
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

SOURCES = Path(__file__).resolve().parent / "sources"
FIRST_AR_ID = 700100  # build.py's first Arabic id
Bead = tuple[list[int], list[int]]


@lru_cache(maxsize=1)
def ntrex_documents() -> list[tuple[list[str], list[str]]]:
    """(English lines, Arabic lines) of each document, in build.py's order."""
    ids = (SOURCES / "docs.ids").read_text(encoding="utf-8").splitlines()
    en = (SOURCES / "docs.en").read_text(encoding="utf-8").splitlines()
    ar = (SOURCES / "docs.ar").read_text(encoding="utf-8").splitlines()
    docs: dict[str, tuple[list[str], list[str]]] = {}
    for doc_id, en_line, ar_line in zip(ids, en, ar, strict=True):
        docs.setdefault(doc_id, ([], []))
        docs[doc_id][0].append(en_line.strip())
        docs[doc_id][1].append(ar_line.strip())
    return list(docs.values())


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _line_of_each_sentence(sentences: list[str], lines: list[str]) -> list[set[int]]:
    """For each sentence, the body lines (numbered from 1) it overlaps, found by its text
    (spaces ignored: extraction may tidy them) in the lines laid end to end."""
    flat = ""
    owner: list[int] = []
    for number, line in enumerate(lines[1:], start=1):
        squeezed = _squeezed(line)
        flat += squeezed
        owner += [number] * len(squeezed)
    found: list[set[int]] = []
    at = 0
    for sentence in sentences:
        squeezed = _squeezed(sentence)
        where = flat.find(squeezed, at) if squeezed else -1
        if where < 0:
            raise ValueError(f"sentence not in the NTREX lines: {sentence[:60]!r}")
        found.append(set(owner[where : where + len(squeezed)]))
        at = where + len(squeezed)
    return found


def gold_beads(article_id: int | str, src: list[str], tgt: list[str]) -> list[Bead]:
    """The gold beads over the stored sentences of one sample pair: `src` the Arabic original,
    `tgt` the English translation; `article_id` the Arabic article's id."""
    english, arabic = ntrex_documents()[int(article_id) - FIRST_AR_ID]
    src_lines = _line_of_each_sentence(src, arabic)
    tgt_lines = _line_of_each_sentence(tgt, english)
    beads: list[Bead] = []
    i = j = 0
    while i < len(src) or j < len(tgt):
        bead: Bead = ([], [])
        lines: set[int] = set()
        # grow the bead while a sentence on either side shares a line with it
        if i < len(src) and (j >= len(tgt) or min(src_lines[i]) <= min(tgt_lines[j])):
            bead[0].append(i)
            lines |= src_lines[i]
            i += 1
        else:
            bead[1].append(j)
            lines |= tgt_lines[j]
            j += 1
        grew = True
        while grew:
            grew = False
            if i < len(src) and src_lines[i] & lines:
                bead[0].append(i)
                lines |= src_lines[i]
                i += 1
                grew = True
            if j < len(tgt) and tgt_lines[j] & lines:
                bead[1].append(j)
                lines |= tgt_lines[j]
                j += 1
                grew = True
        beads.append(bead)
    return beads
