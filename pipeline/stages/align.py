"""The alignment stage: a pair's original (source) and translation (target) aligned sentence by
sentence, with the machine translations there are and the sentence encoder where it covers both
languages (pipeline.modes names what an alignment rested on).

The rule: a pair's stored alignment is `current` when it was made on these versions by this
aligner with a translation, and with the encoder where the encoder could take part now; `weaker`
when an older aligner made it, it was made without translation (redone: the shared lexicon grows
with the corpus, or a translation is there now; the encoder's embeddings are cached, so this
costs no embedding) or without the encoder that is there now; `outdated` when a version changed
since (not exported); `missing`.

One entry point, `align_with_texts`, for the crawl (AlignmentPipeline: one pair, translations
and embeddings from the crawl's caches, the alignment attached to the item), the CLI and the
stage workers (`align_stored`, `align_worker`: the store's pairs, saved to the store; what is
to be translated and embedded said first, then done with progress shown). `align_documents` is
the same aligner over a user's own files (`bitext align-files`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from pipeline import modes
from pipeline.align import (
    ALIGNER_VERSION,
    Alignment,
    AlignmentJob,
    Document,
    Lexicon,
    align,
    align_corpus,
    document_of,
    plan_job,
    run_job,
)
from pipeline.align import pair_alignment as alignment_record
from pipeline.models import ArticlePair, ArticleText, Bead, PairAlignment
from pipeline.stages.embed import (
    CachedEncoder,
    cached_encoder,
    covers_pair,
    distinct,
    embed_texts,
    missing,
)
from pipeline.stages.sides import directions, original, paired, translation, with_texts
from pipeline.stages.translate import TranslationCache, sentences_of, translate_texts, untranslated
from pipeline.store.interface import AlignmentKey, CorpusStore
from pipeline.translate import Engine, EngineSettings
from pipeline.workers import Claim, WorkerReport, drain

if TYPE_CHECKING:
    from pipeline.align import Progress
    from pipeline.encoder import SentenceEncoder

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
    (`mode_of`: "translation" where translations are there, "+encoder" where the encoder
    covers the pair). A stored mode this version does not know is redone."""
    source = original(pair)
    if stored is None or source is None:
        return AlignmentState.missing
    if (stored.src_sha256, stored.tgt_sha256) != (
        source.content_sha256,
        translation(pair).content_sha256,
    ):
        return AlignmentState.outdated
    if (
        stored.aligner == ALIGNER_VERSION
        and modes.translated(stored.mode)
        and modes.translated(mode_now)
        and modes.at_least(stored.mode, mode_now)
    ):
        return AlignmentState.current
    return AlignmentState.weaker


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


def mode_of(doc: Document, *, encoded: bool = False) -> str:
    """The mode an alignment of `doc` made now names; `encoded`: the encoder covers the pair."""
    return modes.mode_name(translated=bool(doc.src_mt or doc.tgt_mt), encoded=encoded)


def pair_languages(pair: ArticlePair) -> tuple[str, str]:
    source = original(pair)
    assert source is not None, "only a pair with its original is aligned"
    return source.language, translation(pair).language


def align_pair(
    pair: ArticlePair,
    doc: Document,
    *,
    lexicon: Lexicon | None = None,
    encoder: SentenceEncoder | None = None,
) -> PairAlignment:
    """Align one pair on its own (the crawl: one pair at a time), with the encoder where it
    covers both languages."""
    src, tgt = pair_languages(pair)
    encoded = None
    if encoder is not None and covers_pair(encoder, src, tgt):
        encoded = (encoder.encode(doc.src), encoder.encode(doc.tgt))
    result: Alignment = align(
        doc, src_language=src, tgt_language=tgt, lexicon=lexicon, encoded=encoded
    )
    return alignment_record(pair, doc, result)


def align_pairs(
    todo: Sequence[tuple[ArticlePair, Document]],
    *,
    dictionary: Dictionary | None = None,
    encoder: SentenceEncoder | None = None,
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
            encoder=encoder,
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
    encoder: SentenceEncoder | None = None,
) -> Counter[str]:
    """Align every pair (with its original's and its translation's clean texts) whose stored
    alignment (`stored`) is not `current`, or every one with `redo`; each alignment made goes to
    `save`. Pairs with a translation are aligned each on its own (a translation is evidence
    enough); those without are aligned `together`, sharing the lexicon learned over all of them
    and the `dictionary` of their language pair, or each with that dictionary alone. `encoder`
    (a `CachedEncoder`, or None) takes part where it covers a pair's two languages."""
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
        now = mode_of(doc, encoded=covers_pair(encoder, *pair_languages(pair)))
        state = alignment_state(stored(pair), pair, mode_now=now)
        if not redo and state == AlignmentState.current:
            counts["unchanged"] += 1
            continue
        todo.append((pair, doc))
    with_mt = [(p, d) for p, d in todo if d.src_mt or d.tgt_mt]
    without = [(p, d) for p, d in todo if not (d.src_mt or d.tgt_mt)]
    for pair, doc in with_mt:
        record = align_pair(pair, doc, encoder=encoder)
        save(record)
        counts[f"aligned: {record.mode}"] += 1
        if progress:
            progress(1)
    if together:
        made: Iterable[PairAlignment] = align_pairs(without, dictionary=dictionary, encoder=encoder)
    else:
        made = (
            align_pair(p, d, lexicon=dictionary(*directions(p)[0]), encoder=encoder)
            for p, d in without
        )
    for record in made:
        save(record)
        counts[f"aligned: {record.mode}"] += 1
        if progress:
            progress(1)
    return counts


# -- a whole store ------------------------------------------------------------------------------


class AlignmentEvents(Protocol):
    """How a long alignment of the store shows itself (the CLI: lines on stderr, a progress bar
    a step on a terminal): what it will do, said first, then each step's progress."""

    def announce(self, line: str) -> None: ...
    def step(self, label: str, total: int) -> AbstractContextManager[Callable[[int], None]]: ...


class QuietEvents:
    """Nothing shown (the stage workers, the tests)."""

    def announce(self, line: str) -> None:
        pass

    def step(self, label: str, total: int) -> AbstractContextManager[Callable[[int], None]]:
        return nullcontext(lambda done: None)


@dataclass
class StorePlan:
    """What aligning the store will do, decided before it starts: the pairs to align, the
    sentences to translate (by direction) and to embed first, and why the encoder sits out."""

    items: list[tuple[ArticlePair, ArticleText | None, ArticleText | None]]
    aligning: int = 0
    translating: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    embedding: list[str] = field(default_factory=list)
    embedded_already: int = 0
    encoder: CachedEncoder | None = None
    encoder_note: str = ""
    uncovered: set[str] = field(default_factory=set)

    def announcements(self) -> list[str]:
        lines = [
            f"translating {len(todo):,} sentences with {source}->{target}"
            for (source, target), todo in self.translating.items()
            if todo
        ]
        if self.encoder is None:
            if self.aligning and self.encoder_note:
                lines.append(self.encoder_note)
        else:
            if self.embedding:
                lines.append(
                    f"embedding {len(self.embedding):,} sentences with "
                    f"{self.encoder.encoder_id} ({self.embedded_already:,} already embedded)"
                )
            if self.uncovered:
                lines.append(
                    f"no sentence encoder for {', '.join(sorted(self.uncovered))} "
                    f"({self.encoder.encoder_id} does not cover it): those pairs align on the "
                    "other signals"
                )
        lines.append(f"aligning {self.aligning:,} pairs")
        return lines


def plan_store(
    corpus: CorpusStore,
    items: list[tuple[ArticlePair, ArticleText | None, ArticleText | None]],
    translations: EngineTranslations,
    *,
    redo: bool,
    encoder: CachedEncoder | None,
    encoder_note: str = "",
) -> StorePlan:
    """Which pairs `align_with_texts` will align (the same rule, with the translations there
    will be), and what they need translated and embedded first."""
    existing = corpus.alignment_keys()
    plan = StorePlan(items, encoder=encoder, encoder_note=encoder_note)
    to_embed: dict[str, None] = {}
    pending: dict[tuple[str, str], dict[str, None]] = {}
    for pair, original_text, translation_text in items:
        if not alignable(original_text, translation_text):
            continue
        assert original_text is not None and translation_text is not None
        src, tgt = pair_languages(pair)
        texts = {src: original_text, tgt: translation_text}
        translated = False
        missing_mt: dict[tuple[str, str], list[str]] = {}
        for source, target in directions(pair):
            engine = translations.engine(source, target)
            if engine is None:
                continue
            lookup = corpus.cached_translations
            lacking = untranslated(engine.key, sentences_of(texts[source]), lookup)
            translated = translated or translations.decode or not lacking
            if lacking and translations.decode:
                missing_mt[(source, target)] = lacking
        covered = covers_pair(encoder, src, tgt)
        now = modes.mode_name(translated=translated, encoded=covered)
        key = existing.get((pair.site, translation(pair).site_article_id))
        if not redo and alignment_state(key, pair, mode_now=now) == AlignmentState.current:
            continue
        plan.aligning += 1
        for direction, lacking in missing_mt.items():
            pending.setdefault(direction, {}).update(dict.fromkeys(lacking))
        if covered:
            for text in (original_text, translation_text):
                to_embed.update(dict.fromkeys(sentences_of(text)))
        elif encoder is not None:
            plan.uncovered.update(x for x in (src, tgt) if not encoder.covers(x))
    plan.translating = {d: list(s) for d, s in pending.items()}
    if encoder is not None and to_embed:
        plan.embedding = missing(encoder, list(to_embed), corpus)
        plan.embedded_already = len(distinct(list(to_embed))) - len(plan.embedding)
    return plan


def align_stored(
    corpus: CorpusStore,
    *,
    redo: bool = False,
    translate: bool = True,
    settings: EngineSettings | None = None,
    pairs: Iterable[ArticlePair] | None = None,
    encoder: bool = True,
    events: AlignmentEvents | None = None,
) -> Counter[str]:
    """Align every stored paired article (or `pairs`: a worker's batch) whose clean texts are
    both there and whose alignment is not `current`. Translations come from the store's cache,
    decoded first where missing if `translate` and a package serves the direction; sentence
    embeddings likewise (`encoder`: the sentence encoder takes part where it covers a pair),
    each step said first and shown as it goes (`events`). Articles with no translation are
    aligned together, so they share the lexicon learned over all of them."""
    from pipeline.dictionary import bundled_dictionary
    from pipeline.stages.embed import encoder_unavailable

    shown = events or QuietEvents()
    chosen = corpus.iter_pairs() if pairs is None else pairs
    items = list(with_texts(paired(chosen), corpus.texts_of))
    translations = EngineTranslations(corpus, settings=settings, decode=translate)
    embedder = cached_encoder(corpus, enabled=encoder)
    plan = plan_store(
        corpus, items, translations, redo=redo, encoder=embedder,
        encoder_note=encoder_unavailable(enabled=encoder) if embedder is None else "",
    )  # fmt: skip
    for line in plan.announcements():
        shown.announce(line)
    for (source, target), todo in plan.translating.items():
        engine = translations.engine(source, target)
        if engine is not None and todo:
            with shown.step(f"translating {source}->{target}", len(todo)) as advance:
                translate_texts(engine, todo, corpus, progress=advance)
    if embedder is not None and plan.embedding:
        with shown.step("embedding", len(plan.embedding)) as advance:
            embed_texts(embedder.inner, plan.embedding, corpus, progress=advance)
    existing = corpus.alignment_keys()
    with shown.step("aligning", plan.aligning) as advance:
        return align_with_texts(
            items,
            stored=lambda p: existing.get((p.site, translation(p).site_article_id)),
            translations=translations,
            save=corpus.save_alignment,
            dictionary=bundled_dictionary,
            redo=redo,
            progress=advance,
            encoder=embedder,
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
    encoder: bool = True,
) -> WorkerReport:
    """One worker of the align stage: units are paired articles at their current versions (a
    changed version: a new unit); claim batches of them and align each batch with
    `align_stored` (the same rules as one process: stale or weaker alignments redone; the
    sentences embedded through the store's cache, so each is embedded by one worker once).
    Pairs aligned without translation share a learned lexicon within a batch, not over the
    whole corpus as in one process: larger batches come closer."""
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
        done = align_stored(
            corpus, redo=redo, translate=translate, settings=settings, pairs=batch_pairs,
            encoder=encoder,
        )  # fmt: skip
        counts.update(done)

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
    rescored bead boundaries (pipeline.align.rescore); `job` what it does (its announcements:
    what is translated and embedded, and by what)."""

    alignments: list[Alignment]
    without_translation: bool = False
    dictionary_words: int | None = None
    rescored: bool = False
    job: AlignmentJob | None = None


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
    translate: bool = True,
    encoder: bool = True,
    announce: Callable[[FileAlignment], None] | None = None,
    progress: Progress | None = None,
) -> FileAlignment:
    """Align a user's documents (each a list of sentences), with the translations they supplied,
    else the installed package's (decoded here, unless `translate` is off: then no package is
    used at all), else a word list (`dictionary` loads the user's, only then; by default the
    bundled one for the language pair) and the lexicon learned over the documents; and with the
    sentence encoder where it covers both languages (unless `encoder` is off). `announce` is
    told how, before anything long starts; `progress` as it goes."""
    from pipeline.dictionary import bundled_dictionary
    from pipeline.encoder import default_encoder
    from pipeline.stages.embed import encoder_unavailable
    from pipeline.translate import engine_or_none

    supplied = src_mt is not None or tgt_mt is not None
    package = engine_or_none(src_language, tgt_language) if translate else None
    engine = None if supplied else package
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
    # an installed package for the direction also rescores bead boundaries (next to unaligned
    # sentences, and between aligned beads: pipeline.align.rescore), with supplied MT too
    scorer = package.scorer() if package is not None and (engine is not None or supplied) else None
    outcome.rescored = scorer is not None
    chosen = default_encoder() if encoder else None
    job = plan_job(
        docs, src_language, tgt_language, engine=engine, translate=translate, encoder=chosen,
        dictionary=word_list, scorer=scorer, diff=diff,
    )  # fmt: skip
    if chosen is None:
        job.encoder_note = encoder_unavailable(enabled=encoder)
    outcome.job = job
    if announce:
        announce(outcome)
    outcome.alignments = run_job(job, progress)
    return outcome
