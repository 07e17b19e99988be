"""Sentence alignment with divergence flags (Bleualign / Vecalign / Bertalign family)."""

from __future__ import annotations

from pipeline.align.corpus import align, align_corpus, document_of, pair_alignment
from pipeline.align.flags import _flags, word_diff
from pipeline.align.lexicon import Lexicon, learn_lexicon
from pipeline.align.params import (
    ALIGNER_VERSION,
    BEAD_TYPES,
    NO_TRANSLATION_PARAMS,
    TRANSLATION_PARAMS,
    Alignment,
    AlignParams,
    Document,
)
from pipeline.align.rescore import Scorer
from pipeline.align.words import char_ngrams, lexicon_words, numbers_of

__all__ = [
    "ALIGNER_VERSION",
    "BEAD_TYPES",
    "NO_TRANSLATION_PARAMS",
    "TRANSLATION_PARAMS",
    "AlignParams",
    "Alignment",
    "Document",
    "Lexicon",
    "Scorer",
    "_flags",
    "align",
    "align_corpus",
    "char_ngrams",
    "document_of",
    "learn_lexicon",
    "lexicon_words",
    "numbers_of",
    "pair_alignment",
    "word_diff",
]
