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
    engines = {d: engine_or_none(*d, settings=settings) for d in (("ar", "en"), ("en", "ar"))}
    existing = corpus.alignment_keys()
    todo: list[tuple[ArticlePair, Document]] = []
    for pair in corpus.iter_pairs() if pairs is None else pairs:  # pairs: a worker's batch
        if pair.status != "paired" or pair.ar is None:
            continue
        ar_text: ArticleText | None = corpus.text_of(pair.ar)
        en_text: ArticleText | None = corpus.text_of(pair.en)
        if ar_text is None or en_text is None or ar_text.status != "ok" or en_text.status != "ok":
            counts["skipped: no clean text on both sides"] += 1
            continue
        mt: dict[str, list[str] | None] = {}
        for (source, _target), engine in engines.items():
            text = ar_text if source == "ar" else en_text
            sentences = [s.text for s in text.sentences]
            if engine is None:
                mt[source] = None
            elif translate:
                mt[source] = translate_cached(
                    engine,
                    sentences,
                    lookup=corpus.cached_translations,
                    save=corpus.save_translations,
                )
            else:
                mt[source] = cached_only(engine.key, sentences, lookup=corpus.cached_translations)
        doc = document_of(ar_text, en_text, ar_mt=mt["ar"], en_mt=mt["en"])
        mode = "translation" if doc.src_mt or doc.tgt_mt else "none"
        key = (pair.ar.content_sha256, pair.en.content_sha256, ALIGNER_VERSION)
        stored = existing.get((pair.site, pair.en.site_article_id))
        # Alignments without translation are always redone: the shared lexicon grows with
        # the corpus.
        if not redo and stored is not None and stored == (*key, "translation") == (*key, mode):
            counts["unchanged"] += 1
            continue
        todo.append((pair, doc))
    with_mt = [(p, d) for p, d in todo if d.src_mt or d.tgt_mt]
    without = [(p, d) for p, d in todo if not (d.src_mt or d.tgt_mt)]
    for pair, doc in with_mt:
        corpus.save_alignment(make_record(pair, doc, align(doc)))
        counts["aligned: translation"] += 1
        if progress:
            progress(1)
    if without:
        for (pair, doc), alignment in zip(
            without,
            align_corpus([d for _, d in without], dictionary=bundled_dictionary("ar", "en")),
            strict=True,
        ):
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
