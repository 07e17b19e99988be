"""Crawl-level bookkeeping: each run is recorded in the store with its arguments and stats."""

from __future__ import annotations

import logging

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from crawler.resources import release, store_for

logger = logging.getLogger(__name__)


class CrawlRunRecorder:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.crawl_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRunRecorder:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        args = dict(getattr(spider, "crawl_args", {}))
        self.crawl_id = store_for(self.crawler).begin_crawl(spider.name, args)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        if self.crawl_id is not None:
            store_for(self.crawler).finish_crawl(self.crawl_id, reason, stats)
        release(self.crawler)
        logger.info("crawl %s finished (%s)", self.crawl_id, reason)
