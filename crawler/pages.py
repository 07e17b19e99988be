"""Each fetched article page read once (pipeline.stages.read): decoded, parsed, its metadata
and pairing read and, last, its clean text made, from one tree.

Reading is CPU work (extraction ~7 ms a page): it runs in BITEXT_EXTRACT_WORKERS worker
processes (0: in the crawler process) while the reactor goes on crawling; the spider awaits it.
Each page has BITEXT_EXTRACT_TIMEOUT seconds there: a page that takes longer (a profile's
boilerplate regex that backtracks catastrophically, a parser caught on a pathological page) has
its worker killed and replaced (pebble's process pool does both), and is read again in the
crawler without extraction, for what the spider needs; its pair is stored with the extraction
stage failed, `extract_timeout`. With 0 workers there is no such budget. A worker that dies
(killed, out of memory, a crash in a parser) is replaced too, the page it was reading (if any)
stored without its text (`worker_died`), the pages waiting for it read by the new one;
WORKER_DEATHS_TO_STOP deaths with no page read between stop the crawl (`extraction_worker_died`).
BITEXT_EXTRACT=0 leaves the text to `bitext extract --from-store` (the page is still read once,
in the crawler process, for what the spider needs). The paragraphs a site repeats are learned
here as the crawl goes (pages read before a paragraph is learned keep it: `bitext extract
--from-store --redo` re-applies what a whole store teaches).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing as mp
import os
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

from pebble import ProcessExpired, ProcessPool
from scrapy import signals
from scrapy.crawler import Crawler

from crawler.supervision import die_with_parent, stop_crawl
from crawler.watchdog import helpers_born_deaf
from pipeline.boilerplate import SiteBoilerplate
from pipeline.extract import text_votes
from pipeline.stages.read import PageJob, PageReading, read_fetched_page
from pipeline.urls import canonical_url

logger = logging.getLogger(__name__)
WORKER_DEATHS_TO_STOP = 3  # worker deaths with no page read between: they cannot work here


def start_worker(parent: int) -> None:
    """A page reader process's start. Naming this function (in this module) has the worker
    import the readers' modules before it takes a page, so a worker started in place of a killed
    one does not spend the next page's time budget on imports."""
    die_with_parent(parent)


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
        self.timeout = settings.getfloat("BITEXT_EXTRACT_TIMEOUT", 30.0) or None
        self.workers = workers
        self.pool = self._new_pool() if workers else None
        self.pool_broken = False
        self.deaths_in_a_row = 0
        self.pool_started = False

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
        failure = ("worker_died", "the extraction worker process died")
        while not self.pool_broken:
            pool = self.pool
            try:
                # the pool starts its workers and threads on first use
                with helpers_born_deaf() if not self.pool_started else contextlib.nullcontext():
                    future = pool.schedule(read_fetched_page, args=(job,), timeout=self.timeout)
                self.pool_started = True
            except RuntimeError as exc:  # "the pool is not active": it broke (below)
                self._pool_died(pool, exc)
                continue
            try:
                reading: PageReading = await asyncio.wrap_future(future)
            except TimeoutError:  # pebble killed the worker and started another
                self.crawler.stats.inc_value("bitext/extract_timeout")
                failure = (
                    "extract_timeout",
                    f"reading the page took over BITEXT_EXTRACT_TIMEOUT ({self.timeout:g} s): "
                    "stopped; read again without extraction",
                )
                logger.warning("%s: %s", job.url, failure[1])
            except ProcessExpired as exc:  # killed from outside, or crashed on this page
                failure = ("worker_died", f"the extraction worker process died ({exc})")
                logger.error(
                    "%s: the extraction worker process died (%s); the page is stored without "
                    "its text (extraction failed: worker_died)",
                    job.url,
                    exc,
                )
                self._count_death()
            except BrokenProcessPool as exc:  # a worker died with no page of ours running:
                self._pool_died(pool, exc)  # pebble gives the pool up; this page again
                continue
            else:
                self.deaths_in_a_row = 0
                return reading
            break
        reading = read_fetched_page(replace(job, extract=False))  # what the spider needs
        if reading.metadata is not None:
            reading.failure = failure
        return reading

    def _pool_died(self, pool: ProcessPool, exc: Exception) -> None:
        """Pebble gives a pool up when a worker dies while no task is running in it (every
        waiting page fails with BrokenProcessPool): a new pool takes its place, once."""
        if pool is not self.pool:
            return  # another page's failure replaced it already
        logger.error("the extraction worker process died (%s): starting another", exc)
        pool.stop()
        self.pool = self._new_pool()
        self.pool_started = False
        self._count_death()

    def _count_death(self) -> None:
        self.deaths_in_a_row += 1
        if self.deaths_in_a_row >= WORKER_DEATHS_TO_STOP and not self.pool_broken:
            self.pool_broken = True
            stop_crawl(
                self.crawler,
                "extraction_worker_died",
                f"the extraction worker process died {self.deaths_in_a_row} times in a row: "
                "stopping the crawl",
            )

    def _new_pool(self) -> ProcessPool:
        return ProcessPool(
            self.workers,
            initializer=start_worker,
            initargs=(os.getpid(),),
            context=mp.get_context("spawn"),
        )

    def spider_closed(self) -> None:
        if self.pool is not None:  # nothing is waited for: a hung worker must not hang the stop
            self.pool.stop()
            self.pool.join(timeout=10)
