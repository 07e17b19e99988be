"""Sentence alignment with divergence flags (Bleualign / Vecalign / Bertalign family).

The package, each module readable alone:
  params    the version, AlignParams and the parameter sets, Document, Alignment
  words     what is read in words: character n-grams, numbers, anchors, names, lexicon forms
  cosine    span cosines over sparse counts (n-grams, lexicon links, anchors): box sums
  lexicon   word lists and the lexicon learned from confident beads (Hunalign)
  embedding the sentence encoder's span cosines and their neighbours' margin (Bertalign)
  features  every bead type's scores in a window, from the signals there are (align-8's mean)
  summed    the same where the encoder covers the pair: the sum of bead scores (align-9)
  scores    what a window's scores are
  dp        the dynamic programme: beads and runs of unaligned sentences
  search    bead costs, windows cut at confident anchors, the first pass's estimate of nulls
  flags     omitted / added / doubtful and the other flags, the word-level diff
  rescore   a translation model re-decides bead boundaries
  corpus    align, align_corpus: documents in two passes, boilerplate set apart, records
  job       align-files' run: what it will do said first, translation only when asked, progress
"""

from __future__ import annotations

from pipeline.align.corpus import Progress, align, align_corpus, document_of, pair_alignment
from pipeline.align.flags import _flags, word_diff
from pipeline.align.job import AlignmentJob, Translator, plan_job, run_job
from pipeline.align.lexicon import Lexicon, learn_lexicon
from pipeline.align.params import (
    ALIGNER_VERSION,
    BEAD_TYPES,
    ENCODER_LITERAL_PARAMS,
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
    "ENCODER_LITERAL_PARAMS",
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
