"""What a window's scores are: per bead type, matrices over (source span start, target span
start)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np


@dataclass
class _Scores:
    """Per bead type (a, b), matrices over (source span start, target span start) in a window."""

    combined: dict[tuple[int, int], np.ndarray]
    lexical: dict[tuple[int, int], np.ndarray]  # translation or lexicon similarity, if any
    translation: bool  # whether `lexical` is the translation similarity
    # per bead type, where every sentence has a (non-empty) translation line
    translated: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)
    # per merged bead type: how far the concatenation beats its best sub-bead (0 .. 1)
    gains: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)
    # per merged bead type: what the combined score gains with the weakest-part cap lifted
    lifts: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)

    @cached_property
    def typical_match(self) -> float | None:
        """The best 1-1 translation or lexicon similarity, median over the source sentences:
        how well right beads match here (None without such a similarity)."""
        one = self.lexical.get((1, 1))
        return float(np.median(one.max(axis=1))) if one is not None and one.size else None
