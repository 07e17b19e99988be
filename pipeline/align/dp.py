"""The bead search's dynamic programme: the cheapest path through beads and runs of unaligned
sentences."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pipeline.align.params import AlignParams

# ---------------------------------------------------------------- the search


@dataclass(frozen=True)
class _NullCosts:
    src_open: float
    src_extend: float
    tgt_open: float
    tgt_extend: float


@dataclass(frozen=True)
class _NullEstimate:
    """What a first pass found: the share of sentences unaligned, and the mean length of their
    runs (a real translation leaves out passages; a damaged one scattered sentences)."""

    rate: float
    run: float


def _null_costs(params: AlignParams, estimate: _NullEstimate | float | None) -> _NullCosts:
    """Unaligned sentences cost their surprise: the rarer they are in this document (as the first
    pass estimated), the more evidence a run of them needs; and the shorter their runs were
    found, the less opening a run costs (scattered omissions are expected there, not passages)."""
    scale = opening = 1.0
    if isinstance(estimate, float | int):
        estimate = _NullEstimate(float(estimate), params.null_run_prior)
    if estimate is not None:
        scale = math.log(1 / min(max(estimate.rate, 1e-3), 0.5)) / math.log(1 / params.null_prior)
        opening = min(max(estimate.run / params.null_run_prior, 0.25), 4.0) ** params.null_run_power
    return _NullCosts(
        params.null_open * scale * opening,
        params.null_extend * scale,
        params.null_open * scale * opening,
        params.null_extend * scale,
    )


_V, _NONE = 100, -1  # choices besides bead types: a source sentence left out; the start


def _dp(
    n: int,
    m: int,
    steps: dict[tuple[int, int], np.ndarray],
    nulls: _NullCosts,
    src_weight: np.ndarray | None = None,
    tgt_weight: np.ndarray | None = None,
) -> list[tuple[int, int, int, int]]:
    """Cheapest path through beads and runs of unaligned sentences (a run pays its opening
    once, each sentence its extension times its weight); returns beads as (i, a, j, b) starts
    and sizes, unaligned sentences one a bead."""
    src_extend = nulls.src_extend * (src_weight if src_weight is not None else np.ones(n))
    tgt_extend = nulls.tgt_extend * (tgt_weight if tgt_weight is not None else np.ones(m))
    # cost of leaving out target sentences 0..j-1, so a run k..j-1 is a difference
    tgt_cumulative = np.concatenate([[0.0], np.cumsum(tgt_extend, dtype=np.float64)])
    types = list(steps)
    inf = np.inf
    pad = max((max(t) for t in types), default=0)
    # cost with `pad` rows and columns of inf before it: every bead type's predecessor cell,
    # for all target ends at once, is a row of a strided view of it (no index arrays)
    padded = np.full((n + 1 + pad, m + 1 + pad), inf)
    cost = padded[pad:, pad:]
    width = m + 1 + pad
    # preceding[i, a - 1, b - 1, j] is cost[i - a, j - b]: a view, one step back a row or column
    item = padded.itemsize
    preceding = np.lib.stride_tricks.as_strided(
        padded[pad - 1 :, pad - 1 :] if pad else padded,
        shape=(n + 1, pad, pad, m + 1),
        strides=(width * item, -width * item, -item, item),
        writeable=False,
    )
    type_a = np.array([a - 1 for a, _ in types], dtype=np.intp)
    type_b = np.array([b - 1 for _, b in types], dtype=np.intp)
    # each type's step cost by the bead's end (i, j); inf where no bead of the type ends there;
    # made `chunk` rows at a time in one small buffer (a whole window's would be tens of MB)
    chunk = 64
    stacked = np.empty((min(chunk, n + 1), len(types), m + 1), dtype=np.float32)

    def fill(start: int) -> None:
        stacked.fill(inf)
        stop = start + stacked.shape[0]
        for k, (a, b) in enumerate(types):
            table = steps[(a, b)]
            lo, hi = max(start, a), min(stop, a + table.shape[0])
            if lo < hi:
                stacked[lo - start : hi - start, k, b : b + table.shape[1]] = table[lo - a : hi - a]

    candidates = np.empty((len(types), m + 1))
    run_src = np.full((n + 1, m + 1), inf)  # ending in a run of left-out source sentences
    # the best cost ending in a bead or a run of left-out sources, before any 0-1 run; which
    # choice made a cell's cost is asked again on the way back only for the path's cells
    bases = np.full((n + 1, m + 1), inf)
    bases[0, 0] = 0.0
    run_tgt = np.full(m + 1, inf)
    filled = -len(stacked)  # the first row in the buffer
    for i in range(n + 1):
        base = bases[i]
        if i:
            opened = cost[i - 1] + nulls.src_open + src_extend[i - 1]
            extended = run_src[i - 1] + src_extend[i - 1]
            here = np.minimum(opened, extended, out=run_src[i])
            if types:
                if i - filled >= len(stacked):
                    filled = i
                    fill(filled)
                np.add(preceding[i][type_a, type_b], stacked[i - filled], out=candidates)
                np.minimum(candidates.min(axis=0), here, out=base)
            else:
                base[:] = here
        # a run of target sentences left out: from base[k] to j, open + their extensions
        running = np.minimum.accumulate(base - tgt_cumulative)
        run_tgt[1:] = running[:-1] + nulls.tgt_open + tgt_cumulative[1:]
        np.minimum(run_tgt, base, out=cost[i])

    def bead_type(i: int, j: int) -> int:
        """The bead type whose bead ends the cheapest path to (i, j) before any 0-1 run (the
        first type at the minimum, as in order), _V for a run of left-out sources (which wins
        ties), or _NONE: the forward pass's choice, made again from the same numbers."""
        if i == 0:
            return _NONE
        nonlocal filled
        here = run_src[i, j]
        if types:
            if not filled <= i < filled + len(stacked):  # going back: the rows up to i
                filled = max(i - len(stacked) + 1, 0)
                fill(filled)
            found = preceding[i, type_a, type_b, j] + stacked[i - filled, :, j]
            k = int(found.argmin())
            if found[k] < here:
                return k
        return _V if here < inf else _NONE

    def run_start(i: int, j: int) -> int:
        """Where the run of left-out targets ending at (i, j) starts, or -1 if none does."""
        if j == 0:
            return -1
        shifted = bases[i, :j] - tgt_cumulative[:j]
        running = np.minimum.accumulate(shifted)
        if not running[j - 1] + nulls.tgt_open + tgt_cumulative[j] < bases[i, j]:
            return -1
        starts = np.flatnonzero(shifted <= running)
        return int(starts[-1]) if len(starts) else 0

    beads: list[tuple[int, int, int, int]] = []
    i, j, state = n, m, "any"
    while (i, j) != (0, 0):
        if state == "any" and (start := run_start(i, j)) >= 0:
            beads.extend((i, 0, k, 1) for k in range(j - 1, start - 1, -1))
            j, state = start, "base"
            continue
        chosen = bead_type(i, j) if state != "run_src" else _V
        if chosen == _V:
            beads.append((i - 1, 1, j, 0))
            opened = cost[i - 1, j] + nulls.src_open + src_extend[i - 1]
            extended = run_src[i - 1, j] + src_extend[i - 1]
            state = "run_src" if extended < opened else "any"
            i -= 1
            continue
        a, b = types[chosen]
        beads.append((i - a, a, j - b, b))
        i, j, state = i - a, j - b, "any"
    beads.reverse()
    return beads
