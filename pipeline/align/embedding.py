"""The sentence-encoder signal: cosine of a source span's embedding with a target span's, each
span embedded as the encoder sees the joined text (pipeline.encoder's spans), less the margin of
what the spans score against their neighbours (Bertalign's margin: a span that resembles the
sentences around it as much as its partner gains nothing; a piece of a split next to a 1-1 bead
makes that bead's margin high, and the bead that takes the piece in wins)."""

from __future__ import annotations

import numpy as np

from pipeline.encoder import Encoded


class _EncoderSpans:
    """Both sides of one document embedded (every run of up to `reach` sentences)."""

    def __init__(self, src: Encoded, tgt: Encoded, reach: int) -> None:
        self.src, self.tgt, self.reach = src, tgt, reach

    def window(self, i0: int, i1: int, j0: int, j1: int) -> _EncoderWindow:
        return _EncoderWindow(self, i0, i1, j0, j1)


class _EncoderWindow:
    def __init__(self, spans: _EncoderSpans, i0: int, i1: int, j0: int, j1: int) -> None:
        self.spans, self.i0, self.i1, self.j0, self.j1 = spans, i0, i1, j0, j1
        self._src: dict[int, np.ndarray] = {}
        self._tgt: dict[int, np.ndarray] = {}
        self._cosines: dict[tuple[int, int], np.ndarray] = {}

    def src(self, width: int) -> np.ndarray:
        """The window's source spans of `width` sentences (those inside the window)."""
        if width not in self._src:
            self._src[width] = self.spans.src.spans(width)[self.i0 : self.i1 - width + 1]
        return self._src[width]

    def tgt(self, width: int) -> np.ndarray:
        if width not in self._tgt:
            self._tgt[width] = self.spans.tgt.spans(width)[self.j0 : self.j1 - width + 1]
        return self._tgt[width]

    def cosine(self, a: int, b: int) -> np.ndarray:
        """Cosine of every source span of `a` sentences with every target span of `b`."""
        if (a, b) not in self._cosines:
            self._cosines[(a, b)] = self.src(a) @ self.tgt(b).T
        return self._cosines[(a, b)]

    def _neighbours(self, spans: np.ndarray, others: np.ndarray, width: int) -> np.ndarray:
        """For each span (rows) and each span of `width` on the other side starting at column
        k: the mean cosine of the span with the other side's sentences just before and just
        after that span (one where only one is there)."""
        sims = spans @ others.T  # (rows, sentences on the other side)
        count = others.shape[0] - width + 1
        total = np.zeros((spans.shape[0], max(count, 0)), dtype=np.float32)
        seen = np.zeros(max(count, 0), dtype=np.float32)
        if count > 1:  # the sentence before: k - 1
            total[:, 1:] += sims[:, : count - 1]
            seen[1:] += 1
        if count > 1:  # the sentence after: k + width
            total[:, : count - 1] += sims[:, width : width + count - 1]
            seen[: count - 1] += 1
        return total / np.maximum(seen, 1)

    def margin(self, a: int, b: int) -> np.ndarray:
        """What each bead's spans score against the sentences around their partners."""
        src_one, tgt_one = self.src(1), self.tgt(1)
        src_side = self._neighbours(self.src(a), tgt_one, b)  # (rows, cols)
        tgt_side = self._neighbours(self.tgt(b), src_one, a).T
        return (src_side + tgt_side) / np.float32(2)

    def similarity(self, a: int, b: int, margin: float) -> np.ndarray:
        """The cosine less `margin` times the neighbours' mean, not below 0."""
        sim = self.cosine(a, b)
        if margin:
            sim = sim - np.float32(margin) * self.margin(a, b)
        return np.clip(sim, 0.0, 1.0)
