"""Bead costs from scores, and the search over a document: whole, or by windows kept up to
confident anchors; the share of unaligned sentences estimated by a first pass."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.align.dp import _dp, _null_costs, _NullEstimate
from pipeline.align.features import _Features
from pipeline.align.params import AlignParams
from pipeline.align.scores import _Scores


def _typical(scores: _Scores) -> float:
    """The score of a sentence's best 1-1 match, median over the source sentences: what a
    right bead scores in this document (costs are measured against it)."""
    table = scores.combined.get((1, 1))
    if table is None or not table.size:
        return 1.0
    return max(float(np.median(table.max(axis=1))), 0.05)


def _null_weights(
    scores: _Scores, params: AlignParams
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Each sentence's price for being left out, relative: a sentence whose best 1-1 match
    (translation or lexicon) is far below the document's typical one costs less to leave out,
    down to `null_discount` of the price; one that matches well costs the full price."""
    table = scores.lexical.get((1, 1))
    if table is None or not table.size or params.null_discount >= 1:
        return None, None
    out = []
    for best in (table.max(axis=1), table.max(axis=0)):
        typical = max(float(np.median(best)), 1e-6)
        share = np.clip(best / typical, 0.0, 1.0)
        out.append(params.null_discount + (1 - params.null_discount) * share)
    return out[0], out[1]


def _ramp(value: float, bounds: tuple[float, float]) -> float:
    """0 up to bounds[0], 1 from bounds[1], linear between (1 where the bounds are unset)."""
    low, high = bounds
    if high <= low:
        return 1.0
    return min(max((value - low) / (high - low), 0.0), 1.0)


def _unsupported_share(
    scores: _Scores, params: AlignParams, rate: _NullEstimate | float | None
) -> float:
    """How much of the unsupported-bead penalty the window pays: by how well right beads match
    the translation here, and, once a first pass has estimated it, by how common omissions are."""
    share = _ramp(scores.typical_match or 0.0, params.unsupported_match)
    if rate is not None:
        estimated = rate.rate if isinstance(rate, _NullEstimate) else rate
        share *= _ramp(estimated, params.unsupported_rate)
    return share


def _steps(
    scores: _Scores,
    params: AlignParams,
    rate: _NullEstimate | float | None = None,
    lift_at: _NullEstimate | float | None = None,
) -> dict[tuple[int, int], np.ndarray]:
    """A bead's cost: half a unit per sentence at score 0, nothing at the document's typical
    right score, less above it; plus the size penalty. `rate`: the estimated share of unaligned
    sentences the unsupported-bead penalty goes by (None: not known); `lift_at`: the share the
    weakest-part cap's lift goes by (None: not lifted)."""
    if params.summed:  # the sum of bead scores: a bead's cost is its score negated
        return {key: -score for key, score in scores.combined.items()}
    typical = np.float32(_typical(scores))
    steps = {}
    lifted = 0.0
    if lift_at is not None and scores.lifts:
        share = lift_at.rate if isinstance(lift_at, _NullEstimate) else lift_at
        lifted = 1.0 - _ramp(share, params.cap_lift_rate)
        if isinstance(lift_at, _NullEstimate):
            lifted *= _ramp(lift_at.run, params.cap_lift_run)
    for (a, b), score in scores.combined.items():
        if lifted and (a, b) in scores.lifts:
            score = score + np.float32(lifted) * scores.lifts[(a, b)]
        surprise = 1 - score / typical
        size = np.float32((a + b) / 2)
        # above the typical score a bead's gain grows with its size only as size ** reward_power
        reward_size: np.ndarray | np.floating = np.float32(size**params.reward_power)
        if (a, b) in scores.gains:  # the rest of the size's reward only as far as merging gains
            reward_size = reward_size + (size - reward_size) * scores.gains[(a, b)]
        gain = np.minimum(surprise, 0) * reward_size
        steps[(a, b)] = (
            np.maximum(surprise, 0) * size
            + gain
            + np.float32(
                params.merge_penalty * (max(a, b) - 1 + params.cross_factor * (min(a, b) - 1))
            )
        )
    if params.unsupported_penalty and scores.translation:
        # a bead one of whose sentences shares nothing with the other side in translation
        # (lengths and position may still speak for it) is unaligned sentences, not a bead
        penalty = np.float32(params.unsupported_penalty * _unsupported_share(scores, params, rate))
        for key, similarity in scores.lexical.items():
            nil = (similarity <= 0) & scores.translated[key]  # an empty line is no evidence
            steps[key] = steps[key] + penalty * nil
    return steps


@dataclass(frozen=True)
class _Placed:
    """A bead on the path with what the window knew about it: its scores, or for an unaligned
    sentence the best 1-1 scores it has with the other side's sentences near its place."""

    i: int
    a: int
    j: int
    b: int
    score: float
    lexical: float | None
    typical: float = 1.0  # the window's typical best 1-1 lexical score


def _place(
    local: list[tuple[int, int, int, int]], scores: _Scores, i0: int, j0: int, reach: int = 3
) -> list[_Placed]:
    placed = []
    one = scores.combined.get((1, 1))
    one_lexical = scores.lexical.get((1, 1))
    typical = 1.0 if scores.typical_match is None else max(scores.typical_match, 1e-3)
    for i, a, j, b in local:
        if a and b:
            lexical = scores.lexical.get((a, b))
            placed.append(
                _Placed(
                    i + i0, a, j + j0, b,
                    float(scores.combined[(a, b)][i, j]),
                    float(lexical[i, j]) if lexical is not None else None,
                )
            )  # fmt: skip
            continue
        if one is None or not one.size:
            placed.append(_Placed(i + i0, a, j + j0, b, 0.0, 0.0 if one_lexical else None))
            continue
        near = (
            (one, one_lexical) if a else (one.T, one_lexical.T if one_lexical is not None else None)
        )
        k, at = (i, j) if a else (j, i)
        lo, hi = max(at - reach, 0), min(at + reach, near[0].shape[1])
        best = float(near[0][k, lo:hi].max()) if hi > lo else 0.0
        lexical_best = float(near[1][k, lo:hi].max()) if near[1] is not None and hi > lo else None
        placed.append(_Placed(i + i0, a, j + j0, b, best, lexical_best, typical))
    return placed


def _search(
    features: _Features, rate: _NullEstimate | float | None, *, evidence: bool = True
) -> list[_Placed]:
    """The cheapest path. The whole document at once where it fits in `params.window`
    sentences a side; longer documents in windows of `params.step` sentences, each window's
    path kept up to a confident 1-1 anchor (a 1-1 bead between two 1-1 beads, all scoring above
    the typical right bead) in its first two thirds, the next window starting there: time and
    memory grow linearly with the document. `rate`: the share of unaligned sentences to price
    them from; None estimates it in each window with a first pass (the scores are reused).
    `evidence`: whether that rate says how common omissions are in this document (not when it
    is only the prior a corpus's first pass prices with)."""
    params = features.params
    n, m = len(features.doc.src), len(features.doc.tgt)
    whole = n <= params.window and m <= params.window
    size = max(n, m, 1) if whole else params.step
    ratio = m / max(n, 1)
    placed: list[_Placed] = []
    i0 = j0 = 0
    while True:
        i1 = min(n, i0 + size)
        j1 = min(m, j0 + int(size * ratio) + size // 4)  # room for the target side to drift
        if whole or (n - i0) * ratio < size // 2:
            i1, j1 = n, m  # what is left goes in one window, to the end
        scores = features.scores(i0, i1, j0, j1)
        # priced by the rate given, or by the prior until a first pass has estimated it
        lift_first: _NullEstimate | float | None = params.null_prior if rate is None else rate
        if not params.cap_lift_first and (rate is None or not evidence):
            lift_first = None
        steps = _steps(scores, params, rate if evidence else None, lift_first)
        weights = _null_weights(scores, params)
        window_rate = rate
        if window_rate is None:  # first passes: how much is unaligned at the current prices
            for _ in range(params.null_passes):
                first = _dp(i1 - i0, j1 - j0, steps, _null_costs(params, window_rate), *weights)
                window_rate = _estimate(
                    _null_count(first), _null_runs(first), i1 - i0 + j1 - j0, params
                )
            if params.unsupported_rate[1] > 0 or scores.lifts:  # priced again by the estimate
                steps = _steps(scores, params, window_rate, window_rate)
        local = _dp(i1 - i0, j1 - j0, steps, _null_costs(params, window_rate), *weights)
        if (i1, j1) == (n, m):
            return placed + _place(local, scores, i0, j0)
        cut = None
        good = scores.combined[(1, 1)]
        typical = _typical(scores)
        for k in range(len(local) - 2, 0, -1):  # the last anchor inside the first 2/3
            i, _, j, _ = local[k]
            if i > (i1 - i0) * 2 // 3 or j > (j1 - j0) * 2 // 3:
                continue
            if all(
                local[q][1] == 1 and local[q][3] == 1 and good[local[q][0], local[q][2]] > typical
                for q in (k - 1, k, k + 1)
            ):
                cut = k + 1
                break
        if cut is None:  # nothing confident: keep the first half and go on from there
            cut = max(1, next((k for k, x in enumerate(local) if x[0] >= (i1 - i0) // 2), 1))
        placed += _place(local[:cut], scores, i0, j0)
        last = local[cut - 1]
        i0, j0 = i0 + last[0] + last[1], j0 + last[2] + last[3]


def _null_count(beads: Sequence[tuple[int, int, int, int]] | Sequence[_Placed]) -> int:
    sides = ((x.a, x.b) if isinstance(x, _Placed) else (x[1], x[3]) for x in beads)
    return sum(1 for a, b in sides if not a or not b)


def _null_runs(beads: Sequence[tuple[int, int, int, int]] | Sequence[_Placed]) -> int:
    """How many runs of unaligned sentences a path has."""
    runs, inside = 0, False
    for x in beads:
        a, b = (x.a, x.b) if isinstance(x, _Placed) else (x[1], x[3])
        null = not a or not b
        runs += null and not inside
        inside = null
    return runs


def _posterior_rate(nulls: int, sentences: int, params: AlignParams) -> float:
    weight = params.null_prior_weight
    return (nulls + params.null_prior * weight) / (sentences + weight)


def _estimate(nulls: int, runs: int, sentences: int, params: AlignParams) -> _NullEstimate:
    """The first pass's counts, each pulled towards its prior."""
    weight = params.null_run_weight
    run = (nulls + params.null_run_prior * weight) / (runs + weight)
    return _NullEstimate(_posterior_rate(nulls, sentences, params), run)
