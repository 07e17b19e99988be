"""Bead scores where a sentence encoder covers both languages: Bertalign's sum of bead scores.

A bead scores the evidence it has, added up: the encoder's cosine of the two spans as joined text
less its neighbours' margin (always there), the translation's character n-gram cosine (where a
translation is), or the dictionary and learned lexicon's (where none is), each by its weight;
then times the length fit, log2(1 + shorter / longer) of the two spans' lengths at the document's
character ratio (Bertalign's penalty; its square root with a translation, whose cosine speaks for
the lengths too: AlignParams.length_power). The search maximises the sum over the path (its cost
is the negated score): one bead of a merge scores once, so a merge wins only where the joined spans
match better than the pieces would apart; an unaligned sentence costs its run's opening once and
its extension each (pipeline.align.dp), priced from the first pass's estimate of how common they
are. On MAC-Dev this beat the weighted mean of the same signals under align-8's relative costs
(0.76 with MT) by a wide margin (bench/RESULTS.md): a weighted mean lets a weak signal drown a
strong one, a sum lets each add what it knows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from pipeline.align.cosine import _corrected
from pipeline.align.scores import _Scores

if TYPE_CHECKING:
    from pipeline.align.features import _Features

Key = tuple[int, int]


def _summed_scores(features: _Features, i0: int, i1: int, j0: int, j1: int) -> _Scores:
    params, doc = features.params, features.doc
    f32 = np.float32
    n, m = i1 - i0, j1 - j0
    mt = [s.window(i0, i1, j0, j1) for s in features.mt]
    lexicon = features.lexicon.window(i0, i1, j0, j1) if features.lexicon is not None else None
    encoder = features.encoder.window(i0, i1, j0, j1) if features.encoder is not None else None
    src_len, tgt_len = features.src_len[i0:i1], features.tgt_len[j0:j1]
    ratio = f32(features.ratio)
    combined: dict[Key, np.ndarray] = {}
    lexical: dict[Key, np.ndarray] = {}
    translated: dict[Key, np.ndarray] = {}
    for a, b in features.types:
        rows, cols = n - a + 1, m - b + 1
        if rows <= 0 or cols <= 0:
            continue
        evidence = np.zeros((rows, cols), dtype=f32)
        own: np.ndarray | None = None
        if mt:
            translation = _corrected(mt[0].cosine(a, b), params.hubness)
            for other in mt[1:]:  # both directions: their mean
                translation = (translation + _corrected(other.cosine(a, b), params.hubness)) / 2
            evidence += f32(params.weight_mt) * translation
            own = translation
        elif lexicon is not None:
            own = _corrected(lexicon.cosine(a, b), params.hubness)
            evidence += f32(params.weight_lexicon) * own
        if encoder is not None:
            embedded = encoder.similarity(a, b, params.encoder_margin)
            evidence += f32(params.weight_encoder) * embedded
            own = embedded if own is None else own
        # length: log2(1 + shorter / longer), separators counted, at the document's ratio
        ls = (np.convolve(src_len, np.ones(a), "valid") + (a - 1)).astype(f32) * ratio
        lt = (np.convolve(tgt_len, np.ones(b), "valid") + (b - 1)).astype(f32)
        shorter = np.minimum(ls[:, None], lt[None, :])
        longer = np.maximum(np.maximum(ls[:, None], lt[None, :]), f32(1))
        fit = np.log2(f32(1) + shorter / longer)
        if params.length_power != 1:
            fit = fit ** f32(params.length_power)
        score = evidence * fit
        if params.merge_penalty:
            score -= f32(params.merge_penalty * (a + b - 2))
        if doc.src_paragraphs and a > 1:  # a bead does not join across paragraphs
            par = doc.src_paragraphs[i0:i1]
            score[np.array([par[i] != par[i + a - 1] for i in range(rows)]), :] = -1.0
        if doc.tgt_paragraphs and b > 1:
            par = doc.tgt_paragraphs[j0:j1]
            score[:, np.array([par[j] != par[j + b - 1] for j in range(cols)])] = -1.0
        combined[(a, b)] = score
        if own is not None:
            lexical[(a, b)] = own
        if mt:
            rows_ok = np.convolve(~features.src_translated[i0:i1], np.ones(a), "valid") == 0
            cols_ok = np.convolve(~features.tgt_translated[j0:j1], np.ones(b), "valid") == 0
            translated[(a, b)] = rows_ok[:, None] & cols_ok[None, :]
    return _Scores(combined, lexical, bool(mt), translated)
