"""Each fetched article page read once (pipeline.stages.read): decoded, parsed, its metadata
and pairing read and, last, its clean text made, from one tree.

Reading is CPU work (extraction ~7 ms a page): it runs in BITEXT_EXTRACT_WORKERS worker
processes (0: in the crawler process) while the reactor goes on crawling; the spider awaits it.
BITEXT_EXTRACT=0 leaves the text to `bitext extract --from-store` (the page is still read once,
in the crawler process, for what the spider needs). The paragraphs a site repeats are learned
here as the crawl goes (pages read before a paragraph is learned keep it: `bitext extract
--from-store --redo` re-applies what a whole store teaches).
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

from scrapy import signals
from scrapy.crawler import Crawler

from crawler.supervision import die_with_parent, stop_crawl
from pipeline.boilerplate import SiteBoilerplate
from pipeline.extract import text_votes
from pipeline.stages.read import PageJob, PageReading, read_fetched_page
from pipeline.urls import canonical_url


class PageReader:
    """The crawl's page reader (a Scrapy extension; the spider awaits `read`)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.extract = settings.getbool("BITEXT_EXTRACT", True)
        cap = settings.getint("BITEXT_EXTRACT_MAX_CHARS", 0)
        self.max_chars = cap if cap > 0 else None
        self.learned = SiteBoilerplate()
        workers = settings.getint("BITEXT_EXTRACT_WORKERS", 1) if self.extract else 0
        self.pool = (
            ProcessPoolExecutor(
                workers, mp_context=mp.get_context("spawn"), initializer=die_with_parent
            )
            if workers
            else None
        )
        self.pool_broken = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageReader:
        reader = cls(crawler)
        crawler.signals.connect(reader.spider_closed, signal=signals.spider_closed)
        return reader

    async def read(self, job: PageJob) -> PageReading:
        home = f"{job.site}/{job.side.language}"
        job = replace(
            job,
            extract=self.extract,
            repeated=self.learned.repeated(home) if self.extract else {},
            max_chars=self.max_chars,
        )
        reading = await self._read(job)
        if reading.text is not None:
            self.learned.add_page(
                home,
                canonical_url(job.url, base_url=job.side.base_url),
                text_votes(reading.text),
            )
        return reading

    async def _read(self, job: PageJob) -> PageReading:
        if self.pool is None:
            return read_fetched_page(job)
        if not self.pool_broken:
            try:
                return await asyncio.wrap_future(self.pool.submit(read_fetched_page, job))
            except BrokenProcessPool:
                self.pool_broken = True
                stop_crawl(
                    self.crawler,
                    "extraction_worker_died",
                    "the extraction worker process died: stopping the crawl",
                )
        reading = read_fetched_page(replace(job, extract=False))  # what the spider needs
        if reading.metadata is not None:
            reading.failure = ("worker_died", "the extraction worker process died")
        return reading

    def spider_closed(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
