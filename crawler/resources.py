"""The store, the writer and the translation and embedding caches of one crawl, shared by its
components.

`CrawlResources` is a Scrapy extension (EXTENSIONS, before every other bitext one): one per
crawler, made by Scrapy, holding one of each, created on first use. Middlewares and item
pipelines take it in their `from_crawler` (`CrawlResources.of(crawler)`); the spider, which
Scrapy makes before the extensions, and the other extensions take it when the spider opens.
`CrawlRunRecorder` closes them when the spider closes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from crawler.writer import StoreWriter, WriterReport
from pipeline.store.interface import CorpusReader
from pipeline.store.sql import SqlCorpusStore, open_store
from pipeline.warc import warcinfo_fields


class CrawlTranslations:
    """The crawl's translation cache. Saves go to the writer process (the one write path);
    until it has written them, lookups find them here (the alignment stage asks right after
    the translation stage), then in the store. The most recent KEEP are kept: by then the
    writer, whose queue is bounded, has written the older ones."""

    KEEP = 100_000

    def __init__(self, store: CorpusReader, writer: StoreWriter) -> None:
        self.store, self.writer = store, writer
        self.recent: OrderedDict[tuple[str, str], str] = OrderedDict()
        self.lock = threading.Lock()  # saved from decoding threads, read from the reactor's

    def cached_translations(self, engine: str, source_keys: list[str]) -> dict[str, str]:
        with self.lock:
            found = {k: self.recent[engine, k] for k in source_keys if (engine, k) in self.recent}
        missing = [k for k in source_keys if k not in found]
        if missing:
            found.update(self.store.cached_translations(engine, missing))
        return found

    def save_translations(self, engine: str, translations: dict[str, str]) -> None:
        self.writer.translations(engine, translations)
        with self.lock:
            self.recent.update(((engine, k), v) for k, v in translations.items())
            while len(self.recent) > self.KEEP:
                self.recent.popitem(last=False)


class CrawlEmbeddings:
    """The crawl's sentence-embedding cache (pipeline.stages.embed.EmbeddingCache), as
    CrawlTranslations: saves go to the writer process; until it has written them, lookups find
    them here (the alignment stage asks right after the embedding stage), then in the store.
    The most recent KEEP sentences are kept (3 KB each): what the items in flight need; one the
    writer has not written yet and this no longer holds is a miss, and the pair is aligned
    without the encoder (its mode says so; `bitext align` redoes it)."""

    KEEP = 20_000

    def __init__(self, store: CorpusReader, writer: StoreWriter) -> None:
        self.store, self.writer = store, writer
        self.recent: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self.lock = threading.Lock()  # saved and read from the pipelines' threads

    def embedding_keys(self, encoder: str, text_keys: list[str]) -> set[str]:
        with self.lock:
            found = {k for k in text_keys if (encoder, k) in self.recent}
        rest = [k for k in text_keys if k not in found]
        return found | (self.store.embedding_keys(encoder, rest) if rest else set())

    def cached_embeddings(self, encoder: str, text_keys: list[str]) -> dict[str, bytes]:
        with self.lock:
            found = {k: self.recent[encoder, k] for k in text_keys if (encoder, k) in self.recent}
        rest = [k for k in text_keys if k not in found]
        if rest:
            found.update(self.store.cached_embeddings(encoder, rest))
        return found

    def save_embeddings(self, encoder: str, embeddings: dict[str, bytes]) -> None:
        self.writer.embeddings(encoder, embeddings)
        with self.lock:
            self.recent.update(((encoder, k), v) for k, v in embeddings.items())
            while len(self.recent) > self.KEEP:
                self.recent.popitem(last=False)


def store_location(settings: BaseSettings) -> str:
    return settings.get("BITEXT_STORE") or str(data_dir(settings) / "corpus.sqlite")


def data_dir(settings: BaseSettings) -> Path:
    return Path(settings.get("BITEXT_DATA_DIR", "data/output"))


def warc_dir(settings: BaseSettings) -> Path:
    return Path(settings.get("BITEXT_WARC_DIR") or data_dir(settings) / "warc")


class CrawlResources:
    """One crawl's store (read only, checked: every record goes through the writer process;
    the crawler process writes nothing but its own run's row), writer, translation cache and
    embedding cache."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._store: SqlCorpusStore | None = None
        self._writer: StoreWriter | None = None
        self._translations: CrawlTranslations | None = None
        self._embeddings: CrawlEmbeddings | None = None
        self.stopping: str | None = None  # why the crawl is being stopped (the first reason)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlResources:
        return cls(crawler)

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlResources:
        """The crawl's resources (the extension Scrapy made for this crawler)."""
        resources = crawler.get_extension(cls)
        if resources is None:
            raise RuntimeError(
                "crawler.resources.CrawlResources is not in EXTENSIONS: the crawl has no store"
            )
        return resources

    @property
    def store(self) -> SqlCorpusStore:
        if self._store is None:
            location = store_location(self.crawler.settings)
            self._store = open_store(location, warc_dir=warc_dir(self.crawler.settings))
            self._store.only_reads(except_tables=("crawls",))
        return self._store

    @property
    def opened_store(self) -> SqlCorpusStore | None:
        """The store if it was opened (supervision must not open one)."""
        return self._store

    @property
    def writer(self) -> StoreWriter:
        """The crawl's writer process (store and WARC writes), started on first use."""
        if self._writer is None:
            settings = self.crawler.settings
            # BITEXT_WARC_PREFIX: set with a shared frontier (crawler.distributed) to add the
            # host; %(spider)s in it is the site's profile name
            prefix = settings.get("BITEXT_WARC_PREFIX") or "%(spider)s"
            self._writer = StoreWriter(
                store_location(settings),
                warc_dir(settings),
                prefix % {"spider": self.site},
                warcinfo=self.warcinfo(),
                lock_dir=data_dir(settings),
            )
        return self._writer

    @property
    def started_writer(self) -> StoreWriter | None:
        """The writer if it was started (supervision must not start one)."""
        return self._writer

    @property
    def translations(self) -> CrawlTranslations:
        """Where the crawl's translation stage looks translations up and saves them."""
        if self._translations is None:
            self._translations = CrawlTranslations(self.store, self.writer)
        return self._translations

    @property
    def embeddings(self) -> CrawlEmbeddings:
        """Where the crawl's embedding and alignment stages look sentence embeddings up and
        the embedding stage saves them."""
        if self._embeddings is None:
            self._embeddings = CrawlEmbeddings(self.store, self.writer)
        return self._embeddings

    @property
    def site(self) -> str:
        """The name of the site crawled: its profile's (`scrapy crawl bilingual` takes any
        site), the spider's until the spider is made."""
        profile = getattr(getattr(self.crawler, "spider", None), "profile", None)
        return getattr(profile, "name", None) or self.crawler.spidercls.name

    def warcinfo(self) -> dict[str, str]:
        """What the crawl's WARC file says about the crawl that made it (its `warcinfo`)."""
        settings = self.crawler.settings
        # the store's id of this run, given by CrawlRunRecorder when the spider opened
        extensions = getattr(self.crawler.extensions, "middlewares", ())
        run_ids = [getattr(ext, "crawl_id", None) for ext in extensions]
        run_id = next((i for i in run_ids if i is not None), None)
        name, spider = self.site, self.crawler.spidercls.name
        return warcinfo_fields(
            crawl_id=f"{name}-crawl-{run_id}" if run_id is not None else None,
            user_agent=settings.get("USER_AGENT"),
            robots_obey=settings.getbool("ROBOTSTXT_OBEY"),
            operator=settings.get("BITEXT_OPERATOR") or None,
            hostname=settings.getbool("BITEXT_WARC_HOSTNAME", True),
            # the store's location is left out: a database URL may hold a password
            description=f"bitext: scrapy crawl {spider}"
            + (f" ({name})" if name != spider else "")
            + (f", run {run_id} in its corpus store" if run_id is not None else ""),
        )

    def close_writer(self) -> WriterReport | None:
        writer, self._writer = self._writer, None
        return None if writer is None else writer.close()

    def release(self) -> None:
        """Close what the crawl opened (the writer is closed earlier, by the store pipeline)."""
        self.close_writer()
        self._translations = None
        self._embeddings = None
        store, self._store = self._store, None
        if store is not None:
            store.close()
