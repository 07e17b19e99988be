"""One-to-one assignment of scored document pairs: each document in at most one pair.

Two ways, measured against each other in bench/pair_dev.py (docs/pairing.md has the numbers):
- "optimal": the assignment of greatest total score (scipy.optimize.linear_sum_assignment, the
  Hungarian method's Jonker-Volgenant variant) over the pairs at or above the threshold;
- "greedy": best-first: the highest-scoring pair whose documents are both free is taken, then the
  next, as Bitextor and Buck & Koehn's competitive linking do.
Pairs below the threshold are never taken, whichever way.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy.optimize import linear_sum_assignment

Assignment = Literal["optimal", "greedy"]


def assign(
    score: np.ndarray, threshold: float, how: Assignment = "optimal"
) -> list[tuple[int, int]]:
    """(row, column) pairs of `score` (NaN: never a candidate), each row and column at most once,
    every score >= threshold."""
    if score.size == 0:
        return []
    usable = np.where(np.isnan(score), -1.0, score)
    eligible = usable >= threshold
    if not eligible.any():
        return []
    if how == "greedy":
        return _greedy(usable, eligible)
    rows = np.flatnonzero(eligible.any(axis=1))
    cols = np.flatnonzero(eligible.any(axis=0))
    sub = np.where(eligible[np.ix_(rows, cols)], usable[np.ix_(rows, cols)], 0.0)
    r, c = linear_sum_assignment(sub, maximize=True)
    return sorted(
        (int(rows[i]), int(cols[j]))
        for i, j in zip(r, c, strict=True)
        if eligible[rows[i], cols[j]]
    )


def _greedy(usable: np.ndarray, eligible: np.ndarray) -> list[tuple[int, int]]:
    rows, cols = np.nonzero(eligible)
    order = np.argsort(-usable[rows, cols], kind="stable")
    taken_rows: set[int] = set()
    taken_cols: set[int] = set()
    out = []
    for k in order:
        i, j = int(rows[k]), int(cols[k])
        if i in taken_rows or j in taken_cols:
            continue
        taken_rows.add(i)
        taken_cols.add(j)
        out.append((i, j))
    return sorted(out)
