"""Every bead type's score in a window of a document, from the signals there are."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from pipeline.align.cosine import _ngram_pair, _pair, _SpanCosine
from pipeline.align.embedding import _EncoderSpans
from pipeline.align.lexicon import Lexicon, _lexicon_pair
from pipeline.align.params import AlignParams, Document
from pipeline.align.scores import _Scores
from pipeline.align.summed import _summed_scores
from pipeline.align.words import _anchors, lexicon_words
from pipeline.encoder import Encoded
from pipeline.text import comparison_form

# ---------------------------------------------------------------- scoring


def _mode(doc: Document, supplied: bool, encoder: bool = False) -> str:
    """What the similarity rested on: "translation" (our engine), "supplied" (the user's
    translations) or "none", and "+encoder" where the sentence encoder took part ("encoder"
    alone without translation)."""
    if not doc.src_mt and not doc.tgt_mt:
        return "encoder" if encoder else "none"
    base = "supplied" if supplied else "translation"
    return f"{base}+encoder" if encoder else base


class _Features:
    """Everything about one document the scores are made of, computed once."""

    def __init__(
        self,
        doc: Document,
        params: AlignParams,
        lexicon: Lexicon | None,
        src_language: str,
        tgt_language: str,
        encoded: tuple[Encoded, Encoded] | None = None,
    ) -> None:
        self.doc, self.params = doc, params
        self.languages = (src_language, tgt_language)
        reach = params.max_side
        self.names: list[str] = []
        self.mt: list[_SpanCosine] = []
        orders = params.ngram_orders
        if doc.src_mt:
            x, y = _ngram_pair(doc.src_mt, doc.tgt, orders)
            self.mt.append(_SpanCosine(x, y, reach))
        if doc.tgt_mt:
            x, y = _ngram_pair(doc.src, doc.tgt_mt, orders)
            self.mt.append(_SpanCosine(x, y, reach))
        if self.mt:
            self.names.append("translation")
        self.lexicon: _SpanCosine | None = None
        if lexicon is not None and len(lexicon) and not self.mt:
            x, y = _lexicon_pair(
                [lexicon_words(s, src_language) for s in doc.src],
                [lexicon_words(t, tgt_language) for t in doc.tgt],
                lexicon,
            )
            self.lexicon = _SpanCosine(x, y, reach)
            self.names.append(lexicon.name)
        self.encoder: _EncoderSpans | None = None
        if encoded is not None and params.weight_encoder > 0:
            self.encoder = _EncoderSpans(*encoded, reach)
            self.names.append("encoder")
        x, y = _pair([_anchors(s) for s in doc.src], [_anchors(t) for t in doc.tgt])
        self.anchors = _SpanCosine(x, y, reach)
        self.names += ["length", "anchors", "position"]
        self.src_len = np.array([len(comparison_form(s)) for s in doc.src], dtype=np.float64)
        self.tgt_len = np.array([len(comparison_form(t)) for t in doc.tgt], dtype=np.float64)
        # the character ratio the length fit expects: the whole texts', until a first pass has
        # said which sentences are aligned (measure_ratio)
        self.ratio = float(self.tgt_len.sum() or 1) / float(self.src_len.sum() or 1)
        # which sentences have a translation line with something on it
        self.src_translated = np.array(
            [bool(t.strip()) for t in doc.src_mt] if doc.src_mt else [True] * len(doc.src)
        )
        self.tgt_translated = np.array(
            [bool(t.strip()) for t in doc.tgt_mt] if doc.tgt_mt else [True] * len(doc.tgt)
        )
        lexical = bool(self.mt) or self.lexicon is not None or self.encoder is not None
        self._scores: dict[tuple[int, int, int, int], _Scores] = {}
        self.types = params.bead_types() if lexical else params.length_only_types

    def measure_ratio(self, beads: Iterable[tuple[int, int, int, int]]) -> float:
        """The character ratio over the sentences a first pass aligned, as (i, a, j, b) beads,
        taken in place of the whole texts' where the two differ by more than
        `params.ratio_gap` (a log ratio): text one side leaves out (a passage, a caption,
        boilerplate) is no part of what the other side's length says of it, and in the whole
        texts' ratio it skews every bead's length fit. Returns the ratio used."""
        src = tgt = 0.0
        for i, a, j, b in beads:
            if a and b:
                src += float(self.src_len[i : i + a].sum())
                tgt += float(self.tgt_len[j : j + b].sum())
        if src > 0 and tgt > 0 and self.params.ratio_gap is not None:
            measured = tgt / src
            if abs(math.log(measured / self.ratio)) > self.params.ratio_gap:
                self.ratio = measured
                self._scores = {}
        return self.ratio

    def scores(self, i0: int, i1: int, j0: int, j1: int) -> _Scores:
        """Every bead type's scores in the window (computed once per window)."""
        key = (i0, i1, j0, j1)
        if key not in self._scores:
            self._scores = {key: self._window_scores(i0, i1, j0, j1)}  # the latest only
        return self._scores[key]

    def _window_scores(self, i0: int, i1: int, j0: int, j1: int) -> _Scores:
        if self.params.summed:
            return _summed_scores(self, i0, i1, j0, j1)
        params, doc = self.params, self.doc
        f32 = np.float32
        n, m = i1 - i0, j1 - j0
        mt = [s.window(i0, i1, j0, j1) for s in self.mt]
        lexicon = self.lexicon.window(i0, i1, j0, j1) if self.lexicon is not None else None
        anchors = self.anchors.window(i0, i1, j0, j1)
        encoder = self.encoder.window(i0, i1, j0, j1) if self.encoder is not None else None
        src_len, tgt_len, ratio = self.src_len[i0:i1], self.tgt_len[j0:j1], self.ratio
        combined: dict[tuple[int, int], np.ndarray] = {}
        lexical: dict[tuple[int, int], np.ndarray] = {}
        translated: dict[tuple[int, int], np.ndarray] = {}
        gains: dict[tuple[int, int], np.ndarray] = {}
        lifts: dict[tuple[int, int], np.ndarray] = {}
        fits: dict[tuple[int, int], np.ndarray] = {}
        weight_sim = params.weight_mt if mt else params.weight_lexicon if lexicon else 0.0
        weight_encoder = params.weight_encoder if encoder is not None else 0.0
        fixed = f32(weight_sim + weight_encoder + params.weight_length + params.weight_position)
        for a, b in self.types:  # in order: a bead's sub-beads' types come before it
            rows, cols = n - a + 1, m - b + 1
            if rows <= 0 or cols <= 0:
                continue
            # length (Gale-Church): spans' character lengths, separators counted
            ls = (np.convolve(src_len, np.ones(a), "valid") + (a - 1)).astype(f32)
            lt = (np.convolve(tgt_len, np.ones(b), "valid") + (b - 1)).astype(f32)
            # Gale-Church's variance grows with the length, both measured in target characters
            # (in source characters it was too narrow by the ratio's root: zh-en, ratio ~3)
            if params.length_in_target_units:
                both = ls[:, None] * f32(ratio) + lt[None, :]
            else:
                both = ls[:, None] + lt[None, :] / f32(ratio)
            spread = np.sqrt(np.maximum(both * f32(3.4), 1))
            delta = (lt[None, :] - ls[:, None] * f32(ratio)) / spread
            fits[(a, b)] = fit = np.exp(delta * delta * f32(-0.125))
            weighted = f32(params.weight_length) * fit
            lifted = None
            if mt or lexicon is not None:
                sources = mt or ([lexicon] if lexicon is not None else [])
                if (a > 1 or b > 1) and params.gain_share > 0:
                    shares = [x.gain_shares(a, b) for x in sources]
                    gain = sum(shares) / f32(len(shares))
                    gains[(a, b)] = np.clip(gain / f32(params.gain_share), 0.0, 1.0)
                lift = _length_lift(fits, a, b, params.cap_lift_fit)
                if lift is not None and params.cap_lift_piece[1] > params.cap_lift_piece[0]:
                    lift = lift * _small_edges(src_len, tgt_len, a, b, params.cap_lift_piece)
                sim, lifted = sources[0].similarity(a, b, params, gains.get((a, b)), lift)
                for other in sources[1:]:
                    more, more_lifted = other.similarity(a, b, params, gains.get((a, b)), lift)
                    sim = (sim + more) / f32(2)
                    if lifted is not None and more_lifted is not None:
                        lifted = (lifted + more_lifted) / f32(2)
                lexical[(a, b)] = sim
                weighted += f32(weight_sim) * sim
                if lifted is not None:
                    lifted = f32(weight_sim) * (lifted - sim)  # what lifting adds, weighted
            if encoder is not None:
                embedded = encoder.similarity(a, b, params.encoder_margin)
                weighted += f32(weight_encoder) * embedded
                if not mt and lexicon is None:  # the encoder is the lexical evidence then
                    lexical[(a, b)] = embedded
            present = (anchors.x_norm[a] > 0)[:, None] | (anchors.y_norm[b] > 0)[None, :]
            weighted += f32(params.weight_anchor) * anchors.cosine(a, b) * present
            i_centre = ((np.arange(rows) + a / 2) / max(n, 1)).astype(f32)
            j_centre = ((np.arange(cols) + b / 2) / max(m, 1)).astype(f32)
            drift = np.abs(i_centre[:, None] - j_centre[None, :])
            weighted += f32(params.weight_position) * np.clip(1 - 4 * drift, 0, 1)
            denominator = fixed + f32(params.weight_anchor) * present
            score = weighted / denominator
            if lifted is not None:
                lifted = lifted / denominator
            for table in (score, lifted) if lifted is not None else (score,):
                if doc.src_paragraphs and a > 1:  # a bead does not join across paragraphs
                    par = doc.src_paragraphs[i0:i1]
                    crosses = np.array([par[i] != par[i + a - 1] for i in range(rows)])
                    table[crosses, :] = 0.0
                if doc.tgt_paragraphs and b > 1:
                    par = doc.tgt_paragraphs[j0:j1]
                    crosses = np.array([par[j] != par[j + b - 1] for j in range(cols)])
                    table[:, crosses] = 0.0
            combined[(a, b)] = score
            if lifted is not None:
                lifts[(a, b)] = lifted
            if mt:
                rows_ok = np.convolve(~self.src_translated[i0:i1], np.ones(a), "valid") == 0
                cols_ok = np.convolve(~self.tgt_translated[j0:j1], np.ones(b), "valid") == 0
                translated[(a, b)] = rows_ok[:, None] & cols_ok[None, :]
        return _Scores(combined, lexical, bool(mt), translated, gains, lifts)


def _length_lift(
    fits: dict[tuple[int, int], np.ndarray], a: int, b: int, scale: float
) -> np.ndarray | None:
    """For a merged bead type: how far each bead's length fit beats the best of its sub-beads'
    (one edge sentence fewer), over `scale`, 0 .. 1; None for 1-1 or where not asked."""
    if scale <= 0 or (a == 1 and b == 1):
        return None
    fit = fits[(a, b)]
    rows, cols = fit.shape
    best = np.zeros_like(fit)
    if a > 1:
        sub = fits[(a - 1, b)]
        np.maximum(best, np.maximum(sub[:rows, :cols], sub[1 : rows + 1, :cols]), out=best)
    if b > 1:
        sub = fits[(a, b - 1)]
        np.maximum(best, np.maximum(sub[:rows, :cols], sub[:rows, 1 : cols + 1]), out=best)
    return np.clip((fit - best) / np.float32(scale), 0.0, 1.0)


def _small_edges(
    src_len: np.ndarray, tgt_len: np.ndarray, a: int, b: int, bounds: tuple[float, float]
) -> np.ndarray:
    """For a merged bead type: 1 where each merged side's smaller edge sentence is at most
    bounds[0] of the side's length, 0 from bounds[1], linear between (the least over the
    sides); broadcast over (source span, target span)."""
    low, high = bounds
    out = np.ones((1, 1), dtype=np.float32)
    for lengths, k, axis in ((src_len, a, 1), (tgt_len, b, 0)):
        if k < 2:
            continue
        span = np.convolve(lengths, np.ones(k), "valid")
        edges = np.minimum(lengths[: len(span)], lengths[k - 1 : k - 1 + len(span)])
        share = edges / np.maximum(span, 1)
        small = np.clip((high - share) / (high - low), 0, 1).astype(np.float32)
        out = np.minimum(out, np.expand_dims(small, axis))
    return out
