"""The store and the WARC archive of one crawl, shared by its components.

One instance of each per crawler (not per component), created on first use and closed by
`CrawlRunRecorder` when the spider closes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from crawler.writer import StoreWriter, WriterReport
from pipeline.store import SqlCorpusStore, open_store
from pipeline.store.interface import CorpusReader
from pipeline.warc import warcinfo_fields

_stores: WeakKeyDictionary[Crawler, SqlCorpusStore] = WeakKeyDictionary()
_writers: WeakKeyDictionary[Crawler, StoreWriter] = WeakKeyDictionary()
_translations: WeakKeyDictionary[Crawler, CrawlTranslations] = WeakKeyDictionary()


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


def store_location(settings: BaseSettings) -> str:
    return settings.get("BITEXT_STORE") or str(
        Path(settings.get("BITEXT_DATA_DIR", "data/output")) / "corpus.sqlite"
    )


def data_dir(settings: BaseSettings) -> Path:
    return Path(settings.get("BITEXT_DATA_DIR", "data/output"))


def warc_dir(settings: BaseSettings) -> Path:
    return Path(
        settings.get("BITEXT_WARC_DIR")
        or Path(settings.get("BITEXT_DATA_DIR", "data/output")) / "warc"
    )


def store_for(crawler: Crawler) -> SqlCorpusStore:
    if crawler not in _stores:
        # Reads only, checked: every record goes through the writer process; the crawler
        # process writes nothing but its own run's row (CrawlRunRecorder, before the writer).
        _stores[crawler] = open_store(store_location(crawler.settings)).only_reads(
            except_tables=("crawls",)
        )
    return _stores[crawler]


def translations_for(crawler: Crawler) -> CrawlTranslations:
    """Where the crawl's translation stage looks translations up and saves them."""
    if crawler not in _translations:
        _translations[crawler] = CrawlTranslations(store_for(crawler), writer_for(crawler))
    return _translations[crawler]


def site_of(crawler: Crawler) -> str:
    """The name of the site crawled: its profile's (`scrapy crawl bilingual` takes any site), the
    spider's until the spider is made."""
    profile = getattr(getattr(crawler, "spider", None), "profile", None)
    return getattr(profile, "name", None) or crawler.spidercls.name


def writer_for(crawler: Crawler) -> StoreWriter:
    """The crawl's writer process (store and WARC writes); reads go through store_for."""
    if crawler not in _writers:
        # BITEXT_WARC_PREFIX: set with a shared frontier (crawler.distributed) to add the host;
        # %(spider)s in it is the site's profile name
        prefix = crawler.settings.get("BITEXT_WARC_PREFIX") or "%(spider)s"
        _writers[crawler] = StoreWriter(
            store_location(crawler.settings),
            warc_dir(crawler.settings),
            prefix % {"spider": site_of(crawler)},
            warcinfo=crawl_warcinfo(crawler),
            lock_dir=data_dir(crawler.settings),
        )
    return _writers[crawler]


def crawl_warcinfo(crawler: Crawler) -> dict[str, str]:
    """What the crawl's WARC file says about the crawl that made it (its `warcinfo` record)."""
    settings = crawler.settings
    # The store's id of this run, given by CrawlRunRecorder when the spider opened.
    run_ids = [
        getattr(ext, "crawl_id", None) for ext in getattr(crawler.extensions, "middlewares", ())
    ]
    run_id = next((i for i in run_ids if i is not None), None)
    name = site_of(crawler)
    return warcinfo_fields(
        crawl_id=f"{name}-crawl-{run_id}" if run_id is not None else None,
        user_agent=settings.get("USER_AGENT"),
        robots_obey=settings.getbool("ROBOTSTXT_OBEY"),
        operator=settings.get("BITEXT_OPERATOR") or None,
        hostname=settings.getbool("BITEXT_WARC_HOSTNAME", True),
        # the store's location is left out: a database URL may hold a password
        description=f"bitext: scrapy crawl {crawler.spidercls.name}"
        + (f" ({name})" if name != crawler.spidercls.name else "")
        + (f", run {run_id} in its corpus store" if run_id is not None else ""),
    )


def started_writer(crawler: Crawler) -> StoreWriter | None:
    """The crawl's writer if it was started (supervision must not start one)."""
    return _writers.get(crawler)


def close_writer(crawler: Crawler) -> WriterReport | None:
    writer = _writers.pop(crawler, None)
    return None if writer is None else writer.close()


def release(crawler: Crawler) -> None:
    """Close what the crawl opened (the writer is closed earlier, by the store pipeline)."""
    close_writer(crawler)
    _translations.pop(crawler, None)
    store = _stores.pop(crawler, None)
    if store is not None:
        store.close()
