"""Item pipelines: records from the spider into the corpus store."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawler.resources import close_writer, writer_for
from crawler.writer import WriterFailed, WriterReport
from pipeline.extract import extract_article
from pipeline.models import ArticlePair, ArticleText, CrawlError

logger = logging.getLogger(__name__)


def _extract_texts(jobs: list[tuple[str, str, str, str, str, str | None]]) -> list[ArticleText]:
    """Worker-process side: (profile, language, html, url, site, sha) -> ArticleText each."""
    from crawler.profiles import PROFILES

    texts = []
    for profile_name, language, html, url, site, sha in jobs:
        profile = PROFILES.get(profile_name)
        side = None
        if profile is not None:
            side = next(
                (s for s in (profile.source, profile.original) if s.language == language), None
            )
        texts.append(
            extract_article(
                html, language=language, side=side, url=url, site=site, content_sha256=sha
            )
        )
    return texts


class ArticleTextPipeline:
    """Extracts the clean body of each freshly fetched version (boilerplate out, language
    checked, sentences) and attaches it to the item, so the store keeps it with the version.

    Extraction is CPU work (~7 ms a page): it runs in BITEXT_EXTRACT_WORKERS worker processes
    (0: in the crawler process) while the reactor goes on crawling. BITEXT_EXTRACT=0 turns it
    off; `bitext extract` works on saved pages at any time."""

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("BITEXT_EXTRACT", True):
            raise NotConfigured("BITEXT_EXTRACT is off")
        self.crawler = crawler
        workers = crawler.settings.getint("BITEXT_EXTRACT_WORKERS", 1)
        self.pool = (
            ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) if workers else None
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArticleTextPipeline:
        return cls(crawler)

    async def process_item(self, item: object) -> object:
        if not isinstance(item, ArticlePair):
            return item
        profile = getattr(self.crawler.spider, "profile", None)
        todo = [
            v
            for v in (item.en, item.ar)
            # a version read back from the store (after a 304) has its text stored already
            if v is not None and v.raw_html and v.text is None
        ]
        if not todo:
            return item
        jobs = [
            (
                profile.name if profile else "",
                v.language,
                v.raw_html.decode(v.encoding, errors="replace"),
                v.url,
                v.site,
                v.content_sha256,
            )
            for v in todo
        ]
        if self.pool is None:
            texts = _extract_texts(jobs)
        else:
            texts = await asyncio.wrap_future(self.pool.submit(_extract_texts, jobs))
        for version, text in zip(todo, texts, strict=True):
            version.text = text
            self.crawler.stats.inc_value(f"bitext/texts/{version.language}/{text.status.value}")
            if text.status == "ok" and not text.language_ok:
                self.crawler.stats.inc_value(f"bitext/texts/{version.language}/wrong_language")
        return item

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)


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
