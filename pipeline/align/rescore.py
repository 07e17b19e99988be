"""A translation model re-decides the boundaries between beads and unaligned sentences."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Protocol

from pipeline.align.features import _Features
from pipeline.align.flags import _span_cosine
from pipeline.align.search import _Placed
from pipeline.align.words import UNSEGMENTED


class Scorer(Protocol):
    """The model's score of target texts given source texts, one a pair: the mean log-probability
    of the target's tokens (length-normalised), or with `total` their sum; e.g. CTranslate2's
    score_batch on an Argos package (pipeline.translate.PackageTranslator.score)."""

    def __call__(
        self, sources: Sequence[str], targets: Sequence[str], *, total: bool = False
    ) -> list[float]: ...


def _joined(texts: Iterable[str], language: str) -> str:
    return ("" if language in UNSEGMENTED else " ").join(t.strip() for t in texts)


def _rescored(path: list[_Placed], features: _Features, scorer: Scorer) -> list[_Placed]:
    """Where a bead meets an unaligned sentence, the translation model itself re-decides the
    boundary: the sentence joins the bead if the model scores the joined bead's target better
    per token than the bead's by `rescore_join` (a piece of a split or merge reads as part of
    the translation; an added or left-out sentence lowers it). The model reads what a character
    similarity cannot, at one model call per candidate: bench/align.py says what it costs.
    Leaving a merged bead's edge sentence out by the same test was tried and lost (a source
    sentence that says nothing new costs the model nothing)."""
    doc, params = features.doc, features.params
    src_language, tgt_language = features.languages

    def texts(i: int, a: int, j: int, b: int) -> tuple[str, str]:
        return (
            _joined(doc.src[i : i + a], src_language),
            _joined(doc.tgt[j : j + b], tgt_language),
        )

    joins: list[tuple[int, int, tuple[int, int, int, int]]] = []  # (bead, neighbour, joined)
    for k, x in enumerate(path):
        if not x.a or not x.b:
            continue
        for q in (k - 1, k + 1):
            if not 0 <= q < len(path) or (path[q].a and path[q].b):
                continue
            i, a, j, b = x.i, x.a, x.j, x.b
            if path[q].a:
                i, a = min(i, path[q].i), a + 1
            else:
                j, b = min(j, path[q].j), b + 1
            if max(a, b) <= params.max_side:
                joins.append((k, q, (i, a, j, b)))
    if not joins:
        return path
    beads = sorted({k for k, _, _ in joins})
    pairs = [texts(path[k].i, path[k].a, path[k].j, path[k].b) for k in beads]
    pairs += [texts(*joined) for _, _, joined in joins]
    scores = scorer([p[0] for p in pairs], [p[1] for p in pairs])
    current = dict(zip(beads, scores, strict=False))
    best: dict[int, tuple[float, int, tuple[int, int, int, int]]] = {}
    for (k, q, joined), score in zip(joins, scores[len(beads) :], strict=True):
        better = score - current[k] - params.rescore_join
        if better >= 0 and (k not in best or better > best[k][0]):
            best[k] = (better, q, joined)
    out: list[_Placed] = []
    taken: set[int] = set()
    for k, x in enumerate(path):
        if k in taken:
            continue
        if k not in best or best[k][1] in taken:
            out.append(x)
            continue
        _, q, (i, a, j, b) = best[k]
        if q < k:  # the unaligned neighbour before is the last one placed, unless joined already
            if not out or out[-1] is not path[q]:
                out.append(x)
                continue
            out.pop()
        taken.update((k, q))
        lexical = _span_cosine(features, range(i, i + a), range(j, j + b))
        out.append(_Placed(i, a, j, b, x.score, lexical if x.lexical is not None else None))
    return out


Span = tuple[int, int, int, int]  # a bead as (i, a, j, b)


def _pair_candidates(left: Span, right: Span, types: set[tuple[int, int]]) -> list[list[Span]]:
    """Other cuts of two neighbouring beads: an edge sentence moved across the boundary, on
    either side, either way. Each covers the same sentences. (Merging the two was tried and
    lost badly: the model reads every target better with more source before it, so the merged
    bead's total always wins; MAC-Dev 0.891 -> 0.50 at no margin, 0.882 at the best one.)"""
    i, a, j, b = left
    i2, a2, j2, b2 = right
    cuts: list[list[Span]] = []
    if b > 1:
        cuts.append([(i, a, j, b - 1), (i2, a2, j2 - 1, b2 + 1)])
    if b2 > 1:
        cuts.append([(i, a, j, b + 1), (i2, a2, j2 + 1, b2 - 1)])
    if a > 1:
        cuts.append([(i, a - 1, j, b), (i2 - 1, a2 + 1, j2, b2)])
    if a2 > 1:
        cuts.append([(i, a + 1, j, b), (i2 + 1, a2 - 1, j2, b2)])
    return [c for c in cuts if all((x[1], x[3]) in types for x in c)]


def _rescored_pairs(
    path: list[_Placed],
    features: _Features,
    scorer: Scorer,
    margin: float,
    rounds: int = 3,
    close: float = math.inf,
) -> list[_Placed]:
    """Between two neighbouring aligned beads the translation model re-decides the boundary:
    the cut whose targets the model finds likeliest in all (the SUM of the target tokens'
    log-probabilities: every cut covers the same target tokens; a mean per token would not
    compare) replaces the chosen one if it gains `margin` at least. The searched signals do not
    tell a boundary one sentence off from the gold's (docs/alignment-errors.md); the model,
    reading the source, does. Each boundary is decided once, left to right; the pairs a change
    left unscored are scored together in the next of at most `rounds` model calls. Of the other
    cuts only those are scored whose two span cosines (translation or lexicon vectors) sum to
    within `close` of the chosen cut's: the model is the cost, and a cut the translation's words
    plainly refute seldom wins (MAC-Dev: 0.1 scores 61% of the pairs for 0.924 against 0.925,
    bench/align_rescore_gate.py)."""
    doc = features.doc
    src_language, tgt_language = features.languages
    types = set(features.params.bead_types())
    out = list(path)
    cache: dict[Span, float] = {}
    visited: set[tuple[int, int]] = set()

    def span(x: _Placed) -> Span:
        return (x.i, x.a, x.j, x.b)

    cosines: dict[Span, float] = {}

    def cosine(s: Span) -> float:
        if s not in cosines:
            i, a, j, b = s
            cosines[s] = _span_cosine(features, range(i, i + a), range(j, j + b))
        return cosines[s]

    def pair(k: int) -> tuple[Span, Span, list[list[Span]]] | None:
        x, y = out[k], out[k + 1]
        if not (x.a and x.b and y.a and y.b) or (x.i, x.j) in visited:
            return None
        if x.i + x.a != y.i or x.j + x.b != y.j:
            return None
        cuts = _pair_candidates(span(x), span(y), types)
        if cuts and close < math.inf:
            here = cosine(span(x)) + cosine(span(y))
            cuts = [c for c in cuts if sum(cosine(s) for s in c) >= here - close]
        return (span(x), span(y), cuts) if cuts else None

    for _ in range(rounds):
        needed: dict[Span, None] = {}
        for k in range(len(out) - 1):
            found = pair(k)
            if found is not None:
                needed.update(
                    dict.fromkeys([found[0], found[1], *(s for c in found[2] for s in c)])
                )
        todo = [s for s in needed if s not in cache]
        if todo:
            sources = [_joined(doc.src[i : i + a], src_language) for i, a, _, _ in todo]
            targets = [_joined(doc.tgt[j : j + b], tgt_language) for _, _, j, b in todo]
            cache.update(zip(todo, scorer(sources, targets, total=True), strict=True))
        deferred = False
        for k in range(len(out) - 1):
            found = pair(k)
            if found is None:
                continue
            left, right, cuts = found
            if any(s not in cache for s in (left, right, *(s for c in cuts for s in c))):
                deferred = True  # a change before it moved this boundary: the next round
                continue
            visited.add((left[0], left[2]))
            current = cache[left] + cache[right]
            gain, cut = max(
                ((sum(cache[s] for s in c) - current, c) for c in cuts), key=lambda g: g[0]
            )
            if gain <= margin:
                continue
            x, y = out[k], out[k + 1]
            placed = []
            for bead, (i, a, j, b) in zip((x, y), cut, strict=True):
                lexical = _span_cosine(features, range(i, i + a), range(j, j + b))
                placed.append(
                    _Placed(
                        i,
                        a,
                        j,
                        b,
                        bead.score,
                        lexical if bead.lexical is not None else None,
                        bead.typical,
                    )
                )
            out[k : k + 2] = placed
        if not deferred:
            break
    return out
