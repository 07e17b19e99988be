"""Sentence alignment (Bleualign / Gale-Church family) — WORK IN PROGRESS (issue #5).

NOT DONE: below its targets (bench/RESULTS.md: strict F1 0.46 without translation against 0.90;
800 sentences take ~20 s against 1 s); divergence flags, the word-level diff, `bitext align` and
`bitext align-files` are not built. Nothing in the crawl or the CLI uses this module yet.

A banded dynamic programme over beads 1-1, 1-2, 2-1, 2-2, 1-0 and 0-1. Each candidate bead is
scored from the signals that are there:
  - similarity of the machine translation to the other side (character n-gram F-score, as
    chrF), in either direction where translations exist;
  - length ratio, Gale-Church style, against the document's own ratio;
  - anchors that survive translation: numbers (digits unified), Latin-script tokens, quoted names;
  - position (closeness to the diagonal).
Three modes, named in the output: "translation" (our engine), "supplied" (the user's
translations), "none" (no translation: lengths, anchors and position only).

Written here rather than taken from Bleualign or Vecalign: Bleualign is not packaged for
Python 3, Vecalign needs sentence embeddings that cannot be had offline; the DP itself is short.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.text import comparison_form

BEAD_TYPES = ((1, 1), (1, 0), (0, 1), (1, 2), (2, 1), (2, 2))
SKIP_COST = 0.42  # per unaligned sentence: a 1-1 bead must score above ~0.16 to beat skipping
MERGE_PENALTY = 0.08  # a many-sentence bead must earn its place against 1-1 beads
DOUBTFUL_BELOW = 0.35
NUMBER = re.compile(r"\d+(?:\.\d+)?")
LATIN = re.compile(r"[A-Za-z][A-Za-z\-']{1,}")
QUOTED = re.compile(r"[\"“”«»](.{2,60}?)[\"“”«»]")


@dataclass(frozen=True)
class Features:
    length: int
    grams: Counter[str]
    numbers: frozenset[str]
    latin: frozenset[str]


@dataclass
class Bead:
    src: list[int]
    tgt: list[int]
    score: float
    flags: list[str] = field(default_factory=list)
    doubtful: bool = False


@lru_cache(maxsize=65536)
def features(text: str) -> Features:
    form = comparison_form(text)
    padded = f" {form} "
    grams = Counter(padded[i : i + 3] for i in range(max(len(padded) - 2, 0)))
    return Features(
        length=len(form),
        grams=grams,
        numbers=frozenset(NUMBER.findall(form)),
        latin=frozenset(w.lower() for w in LATIN.findall(form) if len(w) > 2),
    )


def _join(parts: list[Features]) -> Features:
    if len(parts) == 1:
        return parts[0]
    grams: Counter[str] = Counter()
    for p in parts:
        grams.update(p.grams)
    return Features(
        length=sum(p.length for p in parts) + len(parts) - 1,
        grams=grams,
        numbers=frozenset().union(*(p.numbers for p in parts)),
        latin=frozenset().union(*(p.latin for p in parts)),
    )


def char_f(a: Counter[str], b: Counter[str]) -> float:
    """Character 3-gram F-score (chrF's core, one n-gram order, beta 1): fast enough for the DP."""
    if not a or not b:
        return 0.0
    overlap = sum((a & b).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(a.values()), overlap / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def length_score(src_len: int, tgt_len: int, ratio: float) -> float:
    """Gale-Church's length statistic, mapped to [0, 1]; deliberately wide, because edited
    translations stray from the ratio (the exact two-sided probability scored worse here)."""
    if src_len == 0 or tgt_len == 0:
        return 0.0
    variance = 6.8  # Gale and Church's estimate, per character
    delta = (tgt_len - src_len * ratio) / math.sqrt((src_len + tgt_len / ratio) / 2 * variance)
    return math.exp(-(delta**2) / 8)


def anchor_score(a: Features, b: Features) -> float | None:
    """Agreement of numbers and Latin-script tokens; None when neither side has any."""
    a_set, b_set = a.numbers | a.latin, b.numbers | b.latin
    if not a_set and not b_set:
        return None
    return len(a_set & b_set) / len(a_set | b_set)


class Aligner:
    def __init__(
        self,
        src: list[str],
        tgt: list[str],
        *,
        src_mt: list[str] | None = None,  # src translated into tgt's language, line by line
        tgt_mt: list[str] | None = None,  # tgt translated into src's language
        band: int | None = None,
    ) -> None:
        self.src, self.tgt = src, tgt
        self.src_f = [features(s) for s in src]
        self.tgt_f = [features(t) for t in tgt]
        self.src_mt_f = [features(s) for s in src_mt] if src_mt else None
        self.tgt_mt_f = [features(t) for t in tgt_mt] if tgt_mt else None
        src_chars = sum(f.length for f in self.src_f) or 1
        self.ratio = (sum(f.length for f in self.tgt_f) or 1) / src_chars
        n, m = len(src), len(tgt)
        self.band = band if band is not None else max(12, abs(n - m) + 8, int(0.06 * max(n, m)))

    def bead_score(self, i: int, a: int, j: int, b: int) -> float:
        src = _join(self.src_f[i : i + a])
        tgt = _join(self.tgt_f[j : j + b])
        signals: list[tuple[float, float]] = []  # (weight, value)
        if self.src_mt_f is not None:
            signals.append((3.0, char_f(_join(self.src_mt_f[i : i + a]).grams, tgt.grams)))
        if self.tgt_mt_f is not None:
            signals.append((3.0, char_f(_join(self.tgt_mt_f[j : j + b]).grams, src.grams)))
        signals.append((1.0, length_score(src.length, tgt.length, self.ratio)))
        anchors = anchor_score(src, tgt)
        if anchors is not None:
            signals.append((1.5, anchors))
        n, m = max(len(self.src), 1), max(len(self.tgt), 1)
        drift = abs((i + a / 2) / n - (j + b / 2) / m)
        signals.append((0.5, max(0.0, 1 - 4 * drift)))
        total = sum(w for w, _ in signals)
        return sum(w * v for w, v in signals) / total

    def align(self) -> list[Bead]:
        n, m = len(self.src), len(self.tgt)
        inf = float("inf")
        cost: dict[tuple[int, int], float] = {(0, 0): 0.0}
        back: dict[tuple[int, int], tuple[int, int, float]] = {}
        for i in range(n + 1):
            centre = i * m / n if n else 0
            low, high = max(0, int(centre) - self.band), min(m, int(centre) + self.band + 1)
            for j in range(low, high + 1):
                if (i, j) == (0, 0):
                    continue
                best, choice = inf, None
                for a, b in BEAD_TYPES:
                    pi, pj = i - a, j - b
                    if pi < 0 or pj < 0 or (pi, pj) not in cost:
                        continue
                    if a and b:
                        score = self.bead_score(pi, a, pj, b)
                        step = (1 - score) * (a + b) / 2 + MERGE_PENALTY * (a + b - 2)
                    else:
                        score, step = 0.0, SKIP_COST
                    value = cost[(pi, pj)] + step
                    if value < best:
                        best, choice = value, (a, b, score)
                if choice is not None:
                    cost[(i, j)] = best
                    back[(i, j)] = choice
        if (n, m) not in cost:
            raise RuntimeError("alignment band too narrow for these documents")
        beads: list[Bead] = []
        i, j = n, m
        while (i, j) != (0, 0):
            a, b, score = back[(i, j)]
            beads.append(
                Bead(src=list(range(i - a, i)), tgt=list(range(j - b, j)), score=round(score, 4))
            )
            i, j = i - a, j - b
        beads.reverse()
        for bead in beads:
            bead.doubtful = bool(bead.src and bead.tgt and bead.score < DOUBTFUL_BELOW)
        return beads


def mode_of(src_mt: list[str] | None, tgt_mt: list[str] | None, supplied: bool) -> str:
    if not src_mt and not tgt_mt:
        return "none"
    return "supplied" if supplied else "translation"
