"""The store and the WARC archive of one crawl, shared by its components.

One instance of each per crawler (not per component), created on first use and closed by
`CrawlRunRecorder` when the spider closes.
"""

from __future__ import annotations

from pathlib import Path
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from pipeline.store import SqlCorpusStore, open_store
from pipeline.warc import WarcArchive

_stores: WeakKeyDictionary[Crawler, SqlCorpusStore] = WeakKeyDictionary()
_archives: WeakKeyDictionary[Crawler, WarcArchive] = WeakKeyDictionary()


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


def archive_for(crawler: Crawler) -> WarcArchive:
    if crawler not in _archives:
        _archives[crawler] = WarcArchive(warc_dir(crawler.settings), prefix=crawler.spidercls.name)
    return _archives[crawler]


def release(crawler: Crawler) -> Path | None:
    """Close the crawl's archive and store; returns the finished WARC file, if any."""
    closed = None
    archive = _archives.pop(crawler, None)
    if archive is not None:
        closed = archive.close()
    store = _stores.pop(crawler, None)
    if store is not None:
        store.close()
    return closed
