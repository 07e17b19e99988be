"""Item pipelines: records from the spider into the corpus store."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

from crawler.resources import store_for
from pipeline.models import ArticlePair, CrawlError

logger = logging.getLogger(__name__)


class CorpusStorePipeline:
    """Saves each pair (both versions and the pair, in one transaction) and each crawl error."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CorpusStorePipeline:
        return cls(crawler)

    def process_item(self, item: object) -> object:
        store = store_for(self.crawler)
        if isinstance(item, ArticlePair):
            result = store.save_pair(item)
            self.stats.inc_value(f"bitext/pairs/{item.status.value}")
            self.stats.inc_value("bitext/versions/new", len(result.new_versions))
            if result.pair_created:
                self.stats.inc_value("bitext/pairs/created")
            if result.pair_changed:
                self.stats.inc_value("bitext/pairs/changed")
            if not result.new_versions and not result.pair_created and not result.pair_changed:
                self.stats.inc_value("bitext/pairs/unchanged")
        elif isinstance(item, CrawlError):
            store.record_error(item)
            self.stats.inc_value(f"bitext/errors/{item.kind.value}")
            logger.warning("recorded %s for %s: %s", item.kind.value, item.url, item.detail)
        return item
