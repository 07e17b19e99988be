"""Item pipelines: records from the spider into the corpus store."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawler.resources import close_writer, writer_for
from crawler.writer import WriterFailed, WriterReport
from pipeline.extract import extract_article
from pipeline.models import ArticlePair, CrawlError

logger = logging.getLogger(__name__)


class ArticleTextPipeline:
    """Extracts the clean body of each freshly fetched version (boilerplate out, language
    checked, sentences) and attaches it to the item, so the store keeps it with the version.
    BITEXT_EXTRACT=0 turns it off (`bitext extract` works on saved pages at any time)."""

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("BITEXT_EXTRACT", True):
            raise NotConfigured("BITEXT_EXTRACT is off")
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArticleTextPipeline:
        return cls(crawler)

    def process_item(self, item: object) -> object:
        if not isinstance(item, ArticlePair):
            return item
        profile = getattr(self.crawler.spider, "profile", None)
        for version in (item.en, item.ar):
            if version is None or not version.raw_html or version.text is not None:
                continue  # read back from the store (a 304): its text is stored already
            side = None
            if profile is not None:
                side = next(
                    (
                        s
                        for s in (profile.source, profile.original)
                        if s.language == version.language
                    ),
                    None,
                )
            html = version.raw_html.decode(version.encoding, errors="replace")
            version.text = extract_article(
                html,
                language=version.language,
                side=side,
                url=version.url,
                site=version.site,
                content_sha256=version.content_sha256,
            )
            self.crawler.stats.inc_value(f"bitext/texts/{version.language}/{version.text.status}")
            if not version.text.language_ok and version.text.status == "ok":
                self.crawler.stats.inc_value(f"bitext/texts/{version.language}/wrong_language")
        return item


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
