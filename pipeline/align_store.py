"""Aligning the stored corpus: the I/O edge around `pipeline.align` (which stays pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pipeline.align import ALIGNER_VERSION, Document, align, align_corpus, document_of
from pipeline.align import pair_alignment as make_record
from pipeline.dictionary import bundled_dictionary
from pipeline.models import ArticlePair, ArticleText, PairAlignment
from pipeline.translate import EngineSettings, cached_only, engine_or_none, translate_cached


def align_stored(
    corpus: Any,
    *,
    redo: bool = False,
    translate: bool = True,
    settings: EngineSettings | None = None,
    progress: Callable[[int], None] | None = None,
    pairs: Iterable[ArticlePair] | None = None,
) -> Counter[str]:
    """Align every paired article whose clean texts are both there and whose alignment is
    missing, stale (a version changed, a newer aligner) or weaker than what can be done now
    (mode "none" when a translation is available). Translations come from the store's cache,
    decoded where missing if `translate` and a package serves the direction. Articles with no
    translation are aligned together, so they share the lexicon learned over all of them."""
    counts: Counter[str] = Counter()
    engines: dict[tuple[str, str], Any] = {}  # per direction, made on first use

    def engine(source: str, target: str) -> Any:
        if (source, target) not in engines:
            engines[(source, target)] = engine_or_none(source, target, settings=settings)
        return engines[(source, target)]

    existing = corpus.alignment_keys()
    todo: list[tuple[ArticlePair, Document]] = []
    for pair in corpus.iter_pairs() if pairs is None else pairs:  # pairs: a worker's batch
        if pair.status != "paired" or pair.original is None:
            continue
        src_text: ArticleText | None = corpus.text_of(pair.original)
        tgt_text: ArticleText | None = corpus.text_of(pair.translation)
        if src_text is None or tgt_text is None or {src_text.status, tgt_text.status} != {"ok"}:
            counts["skipped: no clean text on both sides"] += 1
            continue
        src, tgt = pair.original.language, pair.translation.language
        mt: list[list[str] | None] = []
        for source, target, text in ((src, tgt, src_text), (tgt, src, tgt_text)):
            sentences = [s.text for s in text.sentences]
            direction = engine(source, target)
            if direction is None:
                mt.append(None)
            elif translate:
                mt.append(
                    translate_cached(
                        direction,
                        sentences,
                        lookup=corpus.cached_translations,
                        save=corpus.save_translations,
                    )
                )
            else:
                mt.append(cached_only(direction.key, sentences, lookup=corpus.cached_translations))
        doc = document_of(src_text, tgt_text, original_mt=mt[0], translation_mt=mt[1])
        mode = "translation" if doc.src_mt or doc.tgt_mt else "none"
        key = (pair.original.content_sha256, pair.translation.content_sha256, ALIGNER_VERSION)
        stored = existing.get((pair.site, pair.translation.site_article_id))
        # Alignments without translation are always redone: the shared lexicon grows with
        # the corpus.
        if not redo and stored is not None and stored == (*key, "translation") == (*key, mode):
            counts["unchanged"] += 1
            continue
        todo.append((pair, doc))
    with_mt = [(p, d) for p, d in todo if d.src_mt or d.tgt_mt]
    without = [(p, d) for p, d in todo if not (d.src_mt or d.tgt_mt)]
    for pair, doc in with_mt:
        assert pair.original is not None
        languages = {
            "src_language": pair.original.language,
            "tgt_language": pair.translation.language,
        }
        corpus.save_alignment(make_record(pair, doc, align(doc, **languages)))
        counts["aligned: translation"] += 1
        if progress:
            progress(1)
    by_languages: dict[tuple[str, str], list[tuple[ArticlePair, Document]]] = {}
    for pair, doc in without:  # one shared lexicon per language pair
        assert pair.original is not None
        by_languages.setdefault((pair.original.language, pair.translation.language), []).append(
            (pair, doc)
        )
    for (src, tgt), group in by_languages.items():
        aligned = align_corpus(
            [d for _, d in group],
            src_language=src,
            tgt_language=tgt,
            dictionary=bundled_dictionary(src, tgt),
        )
        for (pair, doc), alignment in zip(group, aligned, strict=True):
            corpus.save_alignment(make_record(pair, doc, alignment))
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
