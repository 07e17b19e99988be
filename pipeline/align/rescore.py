"""A translation model re-decides the boundaries between beads and unaligned sentences."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from pipeline.align.features import _Features
from pipeline.align.flags import _span_cosine
from pipeline.align.search import _Placed
from pipeline.align.words import UNSEGMENTED

# The model's score of target texts given source texts, one a pair: the mean log-probability of
# the target's tokens (length-normalised), e.g. CTranslate2's score_batch on an Argos package.
Scorer = Callable[[Sequence[str], Sequence[str]], list[float]]


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
