"""The alignment stage: a pair's original (source) and translation (target) aligned sentence by
sentence, with the machine translations there are.

The rule: a pair's stored alignment is `current` when it was made on these versions by this
aligner with a translation; `weaker` when an older aligner made it or it was made without
translation (redone: the shared lexicon grows with the corpus, or a translation is there now);
`outdated` when a version changed since (not exported); `missing`.

One entry point, `align_with_texts`, for the crawl (AlignmentPipeline: one pair, translations
from the crawl's cache, the alignment attached to the item), the CLI and the stage workers
(`align_stored`, `align_worker`: the store's pairs, saved to the store). `align_documents` is
the same aligner over a user's own files (`bitext align-files`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from pipeline.align import (
    ALIGNER_VERSION,
    Alignment,
    Document,
    Lexicon,
    align,
    align_corpus,
    document_of,
)
from pipeline.align import pair_alignment as alignment_record
from pipeline.models import ArticlePair, ArticleText, Bead, PairAlignment
from pipeline.stages.sides import directions, original, paired, translation, with_texts
from pipeline.stages.translate import TranslationCache, sentences_of, translate_texts
from pipeline.store.interface import AlignmentKey, CorpusStore
from pipeline.translate import Engine, EngineSettings
from pipeline.workers import Claim, WorkerReport, drain

Dictionary = Callable[[str, str], Lexicon | None]


class AlignmentState(StrEnum):
    missing = "missing"
    outdated = "outdated"  # a version changed since: it describes other texts
    weaker = "weaker"  # these texts, but an older aligner or no translation: to be redone
    current = "current"


def alignment_state(
    stored: AlignmentKey | None, pair: ArticlePair, *, mode_now: str
) -> AlignmentState:
    """The one alignment rule. `mode_now`: the mode an alignment made now would have
    ("translation" where translations are there, "none" otherwise)."""
    source = original(pair)
    if stored is None or source is None:
        return AlignmentState.missing
    if (stored.src_sha256, stored.tgt_sha256) != (
        source.content_sha256,
        translation(pair).content_sha256,
    ):
        return AlignmentState.outdated
    if stored.aligner != ALIGNER_VERSION or (stored.mode, mode_now) != ("translation",) * 2:
        return AlignmentState.weaker
    return AlignmentState.current


def alignment_usable(state: AlignmentState) -> bool:
    """May a stored alignment be exported and reviewed? When it describes these versions."""
    return state in (AlignmentState.weaker, AlignmentState.current)


def alignable(original_text: ArticleText | None, translation_text: ArticleText | None) -> bool:
    """Both sides have a clean text."""
    return (
        original_text is not None
        and translation_text is not None
        and original_text.status == "ok"
        and translation_text.status == "ok"
    )


def document(
    pair: ArticlePair,
    original_text: ArticleText,
    translation_text: ArticleText,
    mt: dict[str, list[str] | None],
) -> Document:
    """The document to align: the original as source, its translation as target, with the
    machine translations there are (by the language they were translated from)."""
    source = original(pair)
    assert source is not None, "only a pair with its original is aligned"
    return document_of(
        original_text,
        translation_text,
        original_mt=mt.get(source.language),
        translation_mt=mt.get(translation(pair).language),
    )


def mode_of(doc: Document) -> str:
    return "translation" if doc.src_mt or doc.tgt_mt else "none"


def align_pair(
    pair: ArticlePair, doc: Document, *, lexicon: Lexicon | None = None
) -> PairAlignment:
    """Align one pair on its own (the crawl: one pair at a time)."""
    source = original(pair)
    target = translation(pair)
    assert source is not None, "only a pair with its original is aligned"
    result: Alignment = align(
        doc,
        src_language=source.language,
        tgt_language=target.language,
        lexicon=lexicon,
    )
    return alignment_record(pair, doc, result)


def align_pairs(
    todo: Sequence[tuple[ArticlePair, Document]], *, dictionary: Dictionary | None = None
) -> Iterator[PairAlignment]:
    """Align pairs together (those without translation share the lexicon learned over all of
    them), one corpus per language pair; `dictionary`: the word list of a language pair."""
    groups: dict[tuple[str, str], list[tuple[ArticlePair, Document]]] = {}
    for pair, doc in todo:
        source = original(pair)
        assert source is not None, "only a pair with its original is aligned"
        groups.setdefault((source.language, translation(pair).language), []).append((pair, doc))
    for (src, tgt), group in groups.items():
        results = align_corpus(
            [d for _, d in group],
            src_language=src,
            tgt_language=tgt,
            dictionary=dictionary(src, tgt) if dictionary else None,
        )
        for (pair, doc), result in zip(group, results, strict=True):
            yield alignment_record(pair, doc, result)


class EngineTranslations:
    """The machine translations alignment uses, by direction: through `cache`, decoded where
    missing when `decode` and an installed package serves the direction (no model loads
    otherwise: an engine's key names its packages)."""

    def __init__(
        self, cache: TranslationCache, *, settings: EngineSettings | None, decode: bool
    ) -> None:
        self.cache, self.settings, self.decode = cache, settings, decode
        self.engines: dict[tuple[str, str], Engine | None] = {}

    def engine(self, source: str, target: str) -> Engine | None:
        from pipeline.translate import engine_or_none

        if (source, target) not in self.engines:
            self.engines[source, target] = engine_or_none(source, target, settings=self.settings)
        return self.engines[source, target]

    def __call__(self, source: str, target: str, sentences: list[str]) -> list[str] | None:
        engine = self.engine(source, target)
        if engine is None:
            return None
        return translate_texts(engine, sentences, self.cache, decode=self.decode)


Translations = Callable[[str, str, list[str]], list[str] | None]


def align_with_texts(
    items: Iterable[tuple[ArticlePair, ArticleText | None, ArticleText | None]],
    *,
    stored: Callable[[ArticlePair], AlignmentKey | None],
    translations: Translations,
    save: Callable[[PairAlignment], None],
    dictionary: Dictionary,
    redo: bool = False,
    together: bool = True,
    progress: Callable[[int], None] | None = None,
) -> Counter[str]:
    """Align every pair (with its original's and its translation's clean texts) whose stored
    alignment (`stored`) is not `current`, or every one with `redo`; each alignment made goes to
    `save`. Pairs with a translation are aligned each on its own (a translation is evidence
    enough); those without are aligned `together`, sharing the lexicon learned over all of them
    and the `dictionary` of their language pair, or each with that dictionary alone."""
    counts: Counter[str] = Counter()
    todo: list[tuple[ArticlePair, Document]] = []
    for pair, original_text, translation_text in items:
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
        mt = {
            source: translations(source, target, sentences_of(texts[source]))
            for source, target in directions(pair)
        }
        doc = document(pair, original_text, translation_text, mt)
        state = alignment_state(stored(pair), pair, mode_now=mode_of(doc))
        if not redo and state == AlignmentState.current:
            counts["unchanged"] += 1
            continue
        todo.append((pair, doc))
    with_mt = [(p, d) for p, d in todo if mode_of(d) == "translation"]
    without = [(p, d) for p, d in todo if mode_of(d) == "none"]
    for pair, doc in with_mt:
        save(align_pair(pair, doc))
        counts["aligned: translation"] += 1
        if progress:
            progress(1)
    if together:
        made: Iterable[PairAlignment] = align_pairs(without, dictionary=dictionary)
    else:
        made = (align_pair(p, d, lexicon=dictionary(*directions(p)[0])) for p, d in without)
    for record in made:
        save(record)
        counts["aligned: none"] += 1
        if progress:
            progress(1)
    return counts


# -- a whole store ------------------------------------------------------------------------------


def align_stored(
    corpus: CorpusStore,
    *,
    redo: bool = False,
    translate: bool = True,
    settings: EngineSettings | None = None,
    progress: Callable[[int], None] | None = None,
    pairs: Iterable[ArticlePair] | None = None,
) -> Counter[str]:
    """Align every stored paired article (or `pairs`: a worker's batch) whose clean texts are
    both there and whose alignment is not `current`. Translations come from the store's cache,
    decoded where missing if `translate` and a package serves the direction. Articles with no
    translation are aligned together, so they share the lexicon learned over all of them."""
    from pipeline.dictionary import bundled_dictionary

    existing = corpus.alignment_keys()
    chosen = corpus.iter_pairs() if pairs is None else pairs
    return align_with_texts(
        with_texts(paired(chosen), corpus.texts_of),
        stored=lambda p: existing.get((p.site, translation(p).site_article_id)),
        translations=EngineTranslations(corpus, settings=settings, decode=translate),
        save=corpus.save_alignment,
        dictionary=bundled_dictionary,
        redo=redo,
        progress=progress,
    )


def align_worker(
    corpus: CorpusStore,
    *,
    translate: bool,
    settings: EngineSettings | None,
    worker: str,
    batch: int = 50,
    lease_s: float,
    redo: bool = False,
) -> WorkerReport:
    """One worker of the align stage: units are paired articles at their current versions (a
    changed version: a new unit); claim batches of them and align each batch with
    `align_stored` (the same rules as one process: stale or weaker alignments redone). Pairs
    aligned without translation share a learned lexicon within a batch, not over the whole
    corpus as in one process: larger batches come closer."""
    queue = corpus.claims("align", ALIGNER_VERSION, worker=worker, lease_s=lease_s)
    items: dict[str, str | None] = {}
    for pair_id, pair in corpus.pairs_with_ids(paired_only=True):
        source, target = original(pair), translation(pair)
        if source is not None:
            items[f"{pair_id}:{source.content_sha256[:16]}:{target.content_sha256[:16]}"] = None
    queue.enqueue(items)
    counts: Counter[str] = Counter()

    def work(claims: list[Claim]) -> None:
        ids = [int(c.item.split(":", 1)[0]) for c in claims]
        batch_pairs = [pair for _, pair in corpus.pairs_with_ids(ids)]
        counts.update(
            align_stored(
                corpus, redo=redo, translate=translate, settings=settings, pairs=batch_pairs
            )
        )

    report = drain(queue, batch, work)
    report.counts = counts
    return report


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


def bead_text(alignment: PairAlignment, bead: Bead) -> tuple[str, str]:
    """A bead's source and target sentences, each side joined by a space."""
    return (
        " ".join(alignment.src_sentences[i] for i in bead.src),
        " ".join(alignment.tgt_sentences[j] for j in bead.tgt),
    )


# -- a user's own files -------------------------------------------------------------------------


@dataclass
class FileAlignment:
    """What `align_documents` made, and how: `dictionary_words` is None where no word list
    stood in (a translation was there, or no dictionary for the pair); `without_translation`
    says the alignment rests on no translation at all; `rescored` that the package's model
    rescored boundaries next to unaligned sentences."""

    alignments: list[Alignment]
    without_translation: bool = False
    dictionary_words: int | None = None
    rescored: bool = False


def align_documents(
    src_docs: list[list[str]],
    tgt_docs: list[list[str]],
    *,
    src_language: str,
    tgt_language: str,
    src_mt: list[list[str]] | None = None,
    tgt_mt: list[list[str]] | None = None,
    diff: bool = False,
    dictionary: Callable[[], Lexicon | None] | None = None,
    announce: Callable[[FileAlignment], None] | None = None,
) -> FileAlignment:
    """Align a user's documents (each a list of sentences), with the translations they supplied,
    else the installed package's (decoded here), else a word list (`dictionary` loads the
    user's, only then; by default the bundled one for the language pair) and the lexicon
    learned over the documents. `announce` is told how, before the alignment starts."""
    from pipeline.dictionary import bundled_dictionary
    from pipeline.translate import engine_or_none

    supplied = src_mt is not None or tgt_mt is not None
    engine = None if supplied else engine_or_none(src_language, tgt_language)
    if engine is not None:
        flat = engine.translate([s for d in src_docs for s in d])
        src_mt, k = [], 0
        for d in src_docs:
            src_mt.append(flat[k : k + len(d)])
            k += len(d)
    outcome = FileAlignment(alignments=[])
    word_list = None
    if engine is None and not supplied:
        word_list = (
            dictionary()
            if dictionary is not None
            else bundled_dictionary(src_language, tgt_language)
        )
        outcome.without_translation = True
        outcome.dictionary_words = len(word_list) if word_list is not None else None
    docs = [
        Document(s, t, src_mt=src_mt[k] if src_mt else None, tgt_mt=tgt_mt[k] if tgt_mt else None)
        for k, (s, t) in enumerate(zip(src_docs, tgt_docs, strict=True))
    ]
    # an installed package for the direction also rescores boundaries next to unaligned
    # sentences (pipeline.align._rescored), with supplied translations too
    scoring = engine if engine is not None else engine_or_none(src_language, tgt_language)
    scorer = scoring.scorer() if scoring is not None and (src_mt or tgt_mt) else None
    outcome.rescored = scorer is not None
    if announce:
        announce(outcome)
    outcome.alignments = align_corpus(
        docs,
        src_language=src_language,
        tgt_language=tgt_language,
        supplied=supplied,
        diff=diff,
        dictionary=word_list,
        scorer=scorer,
    )
    return outcome
