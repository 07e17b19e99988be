"""Item pipelines: records from the spider into the corpus store."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro

from crawler.resources import close_writer, writer_for
from crawler.writer import WriterFailed, WriterReport
from pipeline.models import ArticlePair, CrawlError

logger = logging.getLogger(__name__)


class CorpusStorePipeline:
    """Hands each pair (saved with both versions in one transaction) and each crawl error to
    the store writer, and folds the writer's counts into the crawl stats."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CorpusStorePipeline:
        return cls(crawler)

    def process_item(self, item: object) -> object:
        writer = writer_for(self.crawler)
        try:
            if isinstance(item, ArticlePair):
                writer.pair(item)
            elif isinstance(item, CrawlError):
                writer.error(item)
                logger.warning("recorded %s for %s: %s", item.kind.value, item.url, item.detail)
        except WriterFailed as exc:
            logger.error("store writer failed, stopping the crawl: %s", exc)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="writer_failed"))  # type: ignore[union-attr]
            raise
        self._fold(writer.poll())
        return item

    def close_spider(self) -> None:
        report = close_writer(self.crawler)
        if report is not None:
            self._fold(report)
            if report.warc_file:
                logger.info("WARC file written: %s", report.warc_file)
            for failure in report.failures:
                logger.error("store writer failure: %s", failure)

    def _fold(self, report: WriterReport) -> None:
        for key, value in report.stats.items():
            self.stats.inc_value(key, value)
        report.stats.clear()
