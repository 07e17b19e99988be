"""Aligning the stored corpus: the CLI's adapter over `pipeline.stages` (the alignment rule and
the aligner are there; this reads the store and writes the results back)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pipeline.align import Document
from pipeline.corpus import CorpusStore
from pipeline.dictionary import bundled_dictionary
from pipeline.models import ArticlePair, PairAlignment
from pipeline.stages import (
    AlignmentState,
    align_pair,
    align_pairs,
    alignable,
    alignment_state,
    directions,
    document,
    mode_of,
    original,
    sentences_of,
    translate_texts,
    translation,
    with_texts,
)
from pipeline.translate import Engine, EngineSettings, engine_or_none


def align_stored(
    corpus: CorpusStore,
    *,
    redo: bool = False,
    translate: bool = True,
    settings: EngineSettings | None = None,
    progress: Callable[[int], None] | None = None,
    pairs: Iterable[ArticlePair] | None = None,
) -> Counter[str]:
    """Align every paired article whose clean texts are both there and whose alignment is not
    `current` (pipeline.stages.alignment_state), or every one with `redo`. Translations come
    from the store's cache, decoded where missing if `translate` and a package serves the
    direction. Articles with no translation are aligned together, so they share the lexicon
    learned over all of them."""
    counts: Counter[str] = Counter()
    engines: dict[tuple[str, str], Engine | None] = {}
    existing = corpus.alignment_keys()
    todo: list[tuple[ArticlePair, Document]] = []
    chosen = corpus.iter_pairs() if pairs is None else pairs  # pairs: a worker's batch
    paired = (p for p in chosen if p.status == "paired" and original(p) is not None)
    for pair, original_text, translation_text in with_texts(paired, corpus.texts_of):
        if not alignable(original_text, translation_text):
            counts["skipped: no clean text on both sides"] += 1
            continue
        assert original_text is not None and translation_text is not None
        texts = {
            side.language: text
            for side, text in (
                (original(pair), original_text),
                (translation(pair), translation_text),
            )
            if side is not None
        }
        mt: dict[str, list[str] | None] = {}
        for direction in directions(pair):
            if direction not in engines:
                engines[direction] = engine_or_none(*direction, settings=settings)
            engine = engines[direction]
            source = direction[0]
            mt[source] = (
                None
                if engine is None
                else translate_texts(
                    engine,
                    sentences_of(texts[source]),
                    lookup=corpus.cached_translations,
                    save=corpus.save_translations if translate else None,
                )
            )
        doc = document(pair, original_text, translation_text, mt)
        stored = existing.get((pair.site, translation(pair).site_article_id))
        state = alignment_state(stored, pair, mode_now=mode_of(doc))
        if not redo and state == AlignmentState.current:
            counts["unchanged"] += 1
            continue
        todo.append((pair, doc))
    with_mt = [(p, d) for p, d in todo if mode_of(d) == "translation"]
    without = [(p, d) for p, d in todo if mode_of(d) == "none"]
    for pair, doc in with_mt:  # each on its own: a translation is evidence enough
        corpus.save_alignment(align_pair(pair, doc))
        counts["aligned: translation"] += 1
        if progress:
            progress(1)
    if without:
        for record in align_pairs(without, dictionary=bundled_dictionary):
            corpus.save_alignment(record)
            counts["aligned: none"] += 1
            if progress:
                progress(1)
    return counts


@dataclass
class AlignmentSummary:
    modes: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)
    beads: int = 0


def summarize(alignments: Iterable[PairAlignment]) -> AlignmentSummary:
    """Stored alignments by mode, and their beads by flag."""
    summary = AlignmentSummary()
    for alignment in alignments:
        summary.modes[alignment.mode] += 1
        summary.beads += len(alignment.beads)
        for bead in alignment.beads:
            summary.flags.update(bead.flags)
    return summary
