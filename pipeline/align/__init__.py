"""Sentence alignment with divergence flags (Bleualign / Vecalign / Bertalign family)."""

from __future__ import annotations

from pipeline.align.corpus import Progress, align, align_corpus, document_of, pair_alignment
from pipeline.align.flags import _flags, word_diff
from pipeline.align.job import AlignmentJob, Translator, plan_job, run_job
from pipeline.align.lexicon import Lexicon, learn_lexicon
from pipeline.align.params import (
    ALIGNER_VERSION,
    BEAD_TYPES,
    ENCODER_PARAMS,
    ENCODER_TRANSLATION_PARAMS,
    NO_TRANSLATION_PARAMS,
    TRANSLATION_PARAMS,
    Alignment,
    AlignParams,
    Document,
    default_params,
)
from pipeline.align.rescore import Scorer
from pipeline.align.words import char_ngrams, lexicon_words, numbers_of

__all__ = [
    "ALIGNER_VERSION",
    "BEAD_TYPES",
    "ENCODER_PARAMS",
    "ENCODER_TRANSLATION_PARAMS",
    "NO_TRANSLATION_PARAMS",
    "TRANSLATION_PARAMS",
    "AlignParams",
    "Alignment",
    "AlignmentJob",
    "Document",
    "Lexicon",
    "Progress",
    "Scorer",
    "Translator",
    "_flags",
    "align",
    "align_corpus",
    "char_ngrams",
    "default_params",
    "document_of",
    "learn_lexicon",
    "lexicon_words",
    "numbers_of",
    "pair_alignment",
    "plan_job",
    "run_job",
    "word_diff",
]
