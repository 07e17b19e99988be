"""The store and the WARC archive of one crawl, shared by its components.

One instance of each per crawler (not per component), created on first use and closed by
`CrawlRunRecorder` when the spider closes.
"""

from __future__ import annotations

from pathlib import Path
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from crawler.writer import StoreWriter, WriterReport
from pipeline.store import SqlCorpusStore, open_store

_stores: WeakKeyDictionary[Crawler, SqlCorpusStore] = WeakKeyDictionary()
_writers: WeakKeyDictionary[Crawler, StoreWriter] = WeakKeyDictionary()


def store_location(settings: BaseSettings) -> str:
    return settings.get("BITEXT_STORE") or str(
        Path(settings.get("BITEXT_DATA_DIR", "data/output")) / "corpus.sqlite"
    )


def warc_dir(settings: BaseSettings) -> Path:
    return Path(
        settings.get("BITEXT_WARC_DIR")
        or Path(settings.get("BITEXT_DATA_DIR", "data/output")) / "warc"
    )


def store_for(crawler: Crawler) -> SqlCorpusStore:
    if crawler not in _stores:
        _stores[crawler] = open_store(store_location(crawler.settings))
    return _stores[crawler]


def writer_for(crawler: Crawler) -> StoreWriter:
    """The crawl's writer process (store and WARC writes); reads go through store_for."""
    if crawler not in _writers:
        # BITEXT_WARC_PREFIX: set with a shared frontier (crawler.distributed) to add the host
        prefix = crawler.settings.get("BITEXT_WARC_PREFIX") or "%(spider)s"
        _writers[crawler] = StoreWriter(
            store_location(crawler.settings),
            warc_dir(crawler.settings),
            prefix % {"spider": crawler.spidercls.name},
        )
    return _writers[crawler]


def close_writer(crawler: Crawler) -> WriterReport | None:
    writer = _writers.pop(crawler, None)
    return None if writer is None else writer.close()


def release(crawler: Crawler) -> None:
    """Close what the crawl opened (the writer is closed earlier, by the store pipeline)."""
    close_writer(crawler)
    store = _stores.pop(crawler, None)
    if store is not None:
        store.close()
