"""The translation stage: sentences translated through a cache, each decoded once per engine
(package ids and versions in its key); the cache holds it after that.

One entry point, `translate_texts`, for the crawl (TranslationPipeline, with the crawl's cache),
the CLI (`bitext translate`: a file, or every stored text with `translate_store`), the
alignment stage (translations it needs) and the stage workers (`translate_worker`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from pipeline.models import ArticleText
from pipeline.stages.sides import original, paired, store_directions, translation, with_texts
from pipeline.store.interface import CorpusReader, CorpusStore
from pipeline.translate import Engine, EngineSettings, NoRoute, source_key, translate_cached
from pipeline.workers import Claim, WorkerReport, drain

Lookup = Callable[[str, list[str]], dict[str, str]]


class TranslationCache(Protocol):
    """Where translations are looked up and saved, by engine key and source sentence hash: the
    store, the crawl's cache (saved through its writer), or a `MemoryCache`."""

    def cached_translations(self, engine: str, source_keys: list[str]) -> dict[str, str]: ...
    def save_translations(self, engine: str, translations: dict[str, str]) -> None: ...


class MemoryCache:
    """A cache for one run where there is no store (`bitext translate FILE` without one)."""

    def __init__(self) -> None:
        self.known: dict[tuple[str, str], str] = {}

    def cached_translations(self, engine: str, source_keys: list[str]) -> dict[str, str]:
        return {k: self.known[(engine, k)] for k in source_keys if (engine, k) in self.known}

    def save_translations(self, engine: str, translations: dict[str, str]) -> None:
        self.known.update({(engine, k): v for k, v in translations.items()})


def sentences_of(text: ArticleText) -> list[str]:
    return [s.text for s in text.sentences]


def untranslated(engine_key: str, sentences: Iterable[str], lookup: Lookup) -> list[str]:
    """The distinct non-blank sentences the cache holds no translation of by this engine."""
    unique = list(dict.fromkeys(s for s in sentences if s.strip()))
    known = lookup(engine_key, [source_key(s) for s in unique])
    return [s for s in unique if source_key(s) not in known]


def cached_translation(
    engine_key: str, sentences: Sequence[str], *, lookup: Lookup
) -> list[str] | None:
    """The cached translation of every sentence, or None if any is missing (nothing decoded)."""
    if untranslated(engine_key, sentences, lookup):
        return None
    keys = [source_key(s) for s in sentences if s.strip()]
    known = lookup(engine_key, list(dict.fromkeys(keys)))
    return [known[source_key(s)] if s.strip() else "" for s in sentences]


def translate_texts(
    engine: Engine,
    sentences: Sequence[str],
    cache: TranslationCache,
    *,
    decode: bool = True,
    progress: Callable[[int], None] | None = None,
) -> list[str] | None:
    """The translation of every sentence: decoded where the cache lacks it when `decode` (what
    is decoded is saved to the cache as it goes); from the cache only otherwise, None if any is
    missing there."""
    if decode:
        return translate_cached(
            engine,
            sentences,
            lookup=cache.cached_translations,
            save=cache.save_translations,
            progress=progress,
        )
    return cached_translation(engine.key, sentences, lookup=cache.cached_translations)


# -- a whole store ------------------------------------------------------------------------------


def paired_sentences(corpus: CorpusReader, language: str) -> list[str]:
    """Distinct non-blank sentences of the stored clean texts of paired articles in
    `language` (what translation works on), texts read many pairs at a time."""
    seen: dict[str, None] = {}
    for pair, original_text, translation_text in with_texts(
        paired(corpus.iter_pairs()), corpus.texts_of
    ):
        for version, text in (
            (original(pair), original_text),
            (translation(pair), translation_text),
        ):
            if version is not None and version.language == language and text is not None:
                seen.update((s, None) for s in sentences_of(text) if s.strip())
    return list(seen)


class Progress(Protocol):
    """How a long translation shows itself (the CLI's progress bar)."""

    def more(self, total: int) -> None: ...
    def advance(self, done: int) -> None: ...


class StoreTranslationEvents(Protocol):
    def pending(self, source: str, target: str, sentences: int, advice: str) -> None: ...
    def direction(
        self, source: str, target: str, todo: int
    ) -> AbstractContextManager[Progress]: ...


def no_route_advice(source: str, target: str) -> str:
    """What to install for a direction no package serves."""
    from pipeline.argos import installed_packages, route_advice

    return route_advice(source, target, installed_packages())


def translate_store(
    corpus: CorpusStore,
    settings: EngineSettings,
    events: StoreTranslationEvents,
    *,
    chunk: int,
    directions: Sequence[tuple[str, str]] | None = None,
) -> None:
    """Translate every distinct sentence of the stored clean texts of paired articles that
    still lacks a translation (how many, told to `events` first), in every direction the pairs
    need (or only `directions`), `chunk` sentences at a time (each chunk saved as it goes:
    memory is not corpus size); a direction no package serves is reported pending. Translating
    a direction whole settles the crawl's failures of it."""
    for source, target in directions or store_directions(corpus.iter_pairs()):
        sentences = paired_sentences(corpus, source)
        try:
            engine = Engine(source, target, settings=settings)
        except NoRoute:
            events.pending(source, target, len(set(sentences)), no_route_advice(source, target))
            continue
        todo = untranslated(engine.key, sentences, corpus.cached_translations)
        with events.direction(source, target, len(todo)) as shown:  # said before it starts
            for start in range(0, len(todo), chunk):
                part = todo[start : start + chunk]
                shown.more(len(part))
                translate_texts(engine, part, corpus, progress=shown.advance)
        corpus.settle_stage_failures("translation", f"{source}-{target}")


# -- stage workers ------------------------------------------------------------------------------


def translate_worker(
    corpus: CorpusStore,
    engine: Engine,
    source: str,
    *,
    worker: str,
    lease_s: float,
    progress: Callable[[int], None] | None = None,
) -> WorkerReport:
    """One worker of the translate stage for one engine (direction): enqueue what is pending
    (idempotent: every worker does it), then claim, decode and save batches until none is left.
    Units are distinct source sentences (the cache's key), so a sentence shared by two articles
    is decoded once, by one worker. `counts["decoded"]` is how many this worker decoded."""
    from pipeline.translate import SENTENCES_PER_CALL

    queue = corpus.claims("translate", engine.key, worker=worker, lease_s=lease_s)
    pending = untranslated(engine.key, paired_sentences(corpus, source), corpus.cached_translations)
    queue.enqueue({source_key(s): s for s in pending})
    counts: Counter[str] = Counter()

    def work(claims: list[Claim]) -> None:
        saving = _CountingCache(corpus)
        translate_texts(engine, [c.payload for c in claims if c.payload], saving)
        counts["already translated"] += len(claims) - saving.saved
        if saving.saved:
            counts["decoded"] += saving.saved
        if progress:
            progress(len(claims))

    batch = engine.steps[0].settings.batch_size * SENTENCES_PER_CALL
    report = drain(queue, batch, work)
    report.counts = counts
    return report


class _CountingCache:
    """A cache that counts what is saved to it (what a worker decoded)."""

    def __init__(self, cache: TranslationCache) -> None:
        self.cache, self.saved = cache, 0

    def cached_translations(self, engine: str, source_keys: list[str]) -> dict[str, str]:
        return self.cache.cached_translations(engine, source_keys)

    def save_translations(self, engine: str, translations: dict[str, str]) -> None:
        self.saved += len(translations)
        self.cache.save_translations(engine, translations)


def translate_store_workers(
    corpus: CorpusStore,
    settings: EngineSettings,
    *,
    worker: str,
    lease_s: float,
    directions: Sequence[tuple[str, str]] | None = None,
) -> dict[str, object]:
    """This process as one worker of the translate stage, every direction the stored pairs
    need in turn (or only `directions`): per direction, the units it claimed and its counts, or
    why it is pending."""
    report: dict[str, object] = {}
    for source, target in directions or store_directions(corpus.iter_pairs()):
        try:
            engine = Engine(source, target, settings=settings)
        except NoRoute:
            report[f"{source}-{target}"] = "pending: no package installed"
            continue
        done = translate_worker(corpus, engine, source, worker=worker, lease_s=lease_s)
        report[f"{source}-{target}"] = {"claimed": done.claimed, **done.counts}
    return report
