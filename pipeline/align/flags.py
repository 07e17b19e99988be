"""Divergence flags: what a translator is sent to look at (omitted, added, doubtful, number and
name mismatches, low similarity), and the word-level diff."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence

import numpy as np

from pipeline.align.features import _Features
from pipeline.align.params import AlignParams, Document
from pipeline.align.search import _Placed
from pipeline.align.words import CONTINUED, _anchors, _name_found, _names, numbers_of
from pipeline.models import DiffOp


def _run_lengths(path: Sequence[_Placed]) -> list[int]:
    """For each bead, the length of the run of unaligned sentences it is part of (0: none)."""
    out = [0] * len(path)
    k = 0
    while k < len(path):
        end = k
        while end < len(path) and (not path[end].a or not path[end].b):
            end += 1
        for q in range(k, end):
            out[q] = end - k
        k = max(end, k + 1)
    return out


def _crossed_runs(path: Sequence[_Placed], runs: list[int], least: int) -> list[bool]:
    """For each bead: whether it is in a stretch of unaligned sentences (`runs`, from
    _run_lengths) with at least `least` of them on each side (0: never)."""
    out = [False] * len(path)
    k = 0
    while least > 0 and k < len(path):
        if runs[k]:
            stretch = path[k : k + runs[k]]
            if sum(1 for x in stretch if x.a) >= least and sum(1 for x in stretch if x.b) >= least:
                out[k : k + runs[k]] = [True] * runs[k]
            k += runs[k]
        else:
            k += 1
    return out


def _run_means(path: Sequence[_Placed], runs: list[int]) -> list[float]:
    """For each unaligned sentence, the mean of its run's best nearby lexical scores, each
    relative to its window's typical right one."""
    out = [0.0] * len(path)
    k = 0
    while k < len(path):
        if runs[k]:
            values = [(path[q].lexical or 0.0) / path[q].typical for q in range(k, k + runs[k])]
            out[k : k + runs[k]] = [sum(values) / len(values)] * runs[k]
            k += runs[k]
        else:
            k += 1
    return out


def word_diff(translation: str, target: str) -> list[DiffOp]:
    """Word-level diff from the machine translation of the source to the target sentence."""
    left, right = translation.split(), target.split()
    ops = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
        None, left, right, autojunk=False
    ).get_opcodes():
        ops.append(DiffOp(op=tag, mt=" ".join(left[i1:i2]), tgt=" ".join(right[j1:j2])))
    return ops


def _flags(
    doc: Document,
    src: list[int],
    tgt: list[int],
    score: float,
    mt_sim: float | None,
    params: AlignParams,
    strong: bool = True,
    lexical: bool = True,
) -> list[str]:
    """Flags for a bead; a sentence left out is flagged `omitted` / `added` only where the
    evidence is `strong` (it matches nothing near its place), else `doubtful`. Without a
    translation or a word list (`lexical` false), a bead on which no number or Latin-script
    token agrees rests on lengths and position alone: `doubtful`."""
    if not tgt:
        return ["omitted"] if strong else ["doubtful"]
    if not src:
        return ["added"] if strong else ["doubtful"]
    flags = []
    src_text = " ".join(doc.src[i] for i in src)
    tgt_text = " ".join(doc.tgt[j] for j in tgt)
    if numbers_of(src_text) != numbers_of(tgt_text):
        flags.append("number_mismatch")
    if doc.src_mt or doc.tgt_mt:
        # names are compared in the Latin-script language, whichever side that is
        pairs = []
        if doc.src_mt:
            pairs.append((" ".join(doc.src_mt[i] for i in src), tgt_text))
        if doc.tgt_mt:
            pairs.append((src_text, " ".join(doc.tgt_mt[j] for j in tgt)))
        for left, right in pairs:
            if any(not _name_found(x, left) for x in _names(right)) or any(
                not _name_found(x, right) for x in _names(left)
            ):
                flags.append("name_mismatch")
                break
        if mt_sim is not None and mt_sim < params.low_similarity_below:
            flags.append("low_similarity")
    if score < params.doubtful_below or (
        not lexical and not set(_anchors(src_text)) & set(_anchors(tgt_text))
    ):
        flags.append("doubtful")
    return flags


def _span_cosine(features: _Features, src: range, tgt: range) -> float:
    """Cosine of a source span with a target span (translation or lexicon vectors, the mean
    over the directions there are)."""
    sources = features.mt or ([features.lexicon] if features.lexicon is not None else [])
    values = []
    for cos in sources:
        x = np.asarray(cos.x[src.start : src.stop].sum(axis=0)).ravel()
        y = np.asarray(cos.y[tgt.start : tgt.stop].sum(axis=0)).ravel()
        norms = float(np.linalg.norm(x) * np.linalg.norm(y))
        values.append(float(x @ y) / norms if norms > 0 else 0.0)
    return sum(values) / len(values) if values else 0.0


def _joins_neighbour(
    features: _Features, path: Sequence[_Placed], k: int, params: AlignParams
) -> bool:
    """Whether the unaligned sentence path[k] reads as part of a neighbouring bead: joined to
    it, the bead's cosine falls by less than `join_tolerance` (an added or left-out sentence
    dilutes its neighbour; the piece of a split or merge does not). Such a sentence is not
    flagged omitted/added: a translator would be sent after a divergence that is not there."""
    x = path[k]
    for q in (k - 1, k + 1):
        if not 0 <= q < len(path) or not path[q].a or not path[q].b:
            continue
        y = path[q]
        src, tgt = range(y.i, y.i + y.a), range(y.j, y.j + y.b)
        base = _span_cosine(features, src, tgt)
        if base <= 0:
            continue
        if x.a:
            src = range(min(src.start, x.i), max(src.stop, x.i + 1))
        else:
            tgt = range(min(tgt.start, x.j), max(tgt.stop, x.j + 1))
        if _span_cosine(features, src, tgt) >= base * (1 - params.join_tolerance):
            return True
    return False


def _continues_bead(doc: Document, aligned: tuple[set[int], set[int]], x: _Placed) -> bool:
    """Whether the unaligned sentence x is part of a sentence that goes on into an aligned bead,
    or comes out of one: the pieces of a sentence split at commas, semicolons or colons ("where
    his father," / "Wayne,"), with the pieces before or after them aligned. A passage left out
    is whole sentences; such a piece is not flagged omitted/added."""
    side, at = (doc.src, x.i) if x.a else (doc.tgt, x.j)
    placed = aligned[0] if x.a else aligned[1]
    k = at  # forwards: while the sentence goes on, the next one
    while k < len(side) - 1 and CONTINUED.search(side[k]):
        k += 1
        if k in placed:
            return True
    k = at  # backwards: while the one before goes on into this one
    while k > 0 and CONTINUED.search(side[k - 1]):
        k -= 1
        if k in placed:
            return True
    return False


# The model's score of target texts given source texts, one a pair: the mean log-probability of
# the target's tokens (length-normalised), e.g. CTranslate2's score_batch on an Argos package.
Scorer = Callable[[Sequence[str], Sequence[str]], list[float]]
