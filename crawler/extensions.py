"""Crawl-level bookkeeping: each run is recorded in the store with its arguments and stats, its
finish reason says whether anything failed, and its helper processes are watched."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from twisted.internet import task

from crawler.resources import CrawlResources
from crawler.supervision import stop_crawl

logger = logging.getLogger(__name__)

FINISHED_WITH_STAGE_FAILURES = "finished_with_stage_failures"
FINISHED_WITH_WRITE_FAILURES = "finished_with_write_failures"
# Written into JOBDIR when a crawl starts, removed when it closes cleanly: found at start, it
# says the last run was killed, so its request queue (written without a final sync) is dropped;
# discovery and the store then bring back whatever that run did not store.
RUNNING_MARK = "bitext-running"


def stage_failure_count(stats: Mapping[str, Any]) -> int:
    return sum(int(v) for k, v in stats.items() if k.startswith("bitext/stage_failures/"))


def reset_unclean_jobdir(jobdir: str | None) -> str | None:
    """Before the scheduler opens JOBDIR: drop the request queue of a run that did not close
    cleanly; a message saying so, or None."""
    if not jobdir:
        return None
    path = Path(jobdir)
    mark = path / RUNNING_MARK
    message = None
    if mark.exists():
        queue_dir = path / "requests.queue"
        if queue_dir.exists():
            shutil.rmtree(queue_dir)
        message = (
            f"the last run of JOBDIR {path} did not close cleanly: its request queue is dropped; "
            "discovery and the store bring back what it did not store"
        )
    path.mkdir(parents=True, exist_ok=True)
    mark.write_text("", encoding="utf-8")
    return message


class CrawlRunRecorder:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.crawl_id: int | None = None
        self.forced = False  # a second Ctrl-C: the engine may still close the spider after it
        # the command resets JOBDIR earlier (before logging starts); this covers other runners
        self.jobdir_note = reset_unclean_jobdir(crawler.settings.get("JOBDIR"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRunRecorder:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        if self.jobdir_note:
            logger.warning(self.jobdir_note)
        args = dict(getattr(spider, "crawl_args", {}))
        profile = getattr(spider, "profile", None)  # stored: later stages read the site with it
        source = dict(profile.source) if profile is not None and profile.source else None
        store = CrawlResources.of(self.crawler).store
        self.crawl_id = store.begin_crawl(spider.name, args, source)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        failures = stage_failure_count(stats)
        if reason == "finished" and stats.get("bitext/writer/failures"):
            # the store refused some records (each logged): they are not stored (exit status 1)
            reason = FINISHED_WITH_WRITE_FAILURES
            self.crawler.stats.set_value("finish_reason", reason)
        elif self.forced:  # the close that follows a forced stop does not make it a clean one
            reason = "shutdown_forced"
        elif reason == "finished" and failures:
            # Everything is stored, but some stage must be run again: say so (exit status 3).
            reason = FINISHED_WITH_STAGE_FAILURES
            self.crawler.stats.set_value("finish_reason", reason)
            logger.warning(
                "%d stage failures (pairs stored, the stage marked failed): see bitext stats",
                failures,
            )
        self.finish(reason)
        CrawlResources.of(self.crawler).release()
        jobdir = self.crawler.settings.get("JOBDIR")
        if jobdir and not self.forced:  # forced: the writer dropped work, the queue is suspect
            (Path(jobdir) / RUNNING_MARK).unlink(missing_ok=True)  # the scheduler closed first
        logger.info("crawl %s finished (%s)", self.crawl_id, reason)

    def finish(self, reason: str) -> None:
        self.forced = self.forced or reason == "shutdown_forced"
        jobdir = self.crawler.settings.get("JOBDIR")
        if self.forced and jobdir and Path(jobdir).is_dir():
            # a forced stop after the spider closed (the mark gone) still dropped writer work
            (Path(jobdir) / RUNNING_MARK).touch()
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        if self.crawl_id is not None:
            CrawlResources.of(self.crawler).store.finish_crawl(self.crawl_id, reason, stats)


class HelperSupervisor:
    """Checks every second that the store writer is alive; if it died, the crawl stops (finish
    reason `writer_died`, exit status 1) instead of sending pairs nowhere. The extraction pool
    reports its own death (BrokenProcessPool) on the next page it is given."""

    INTERVAL_S = 1.0

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.loop = task.LoopingCall(self.check)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HelperSupervisor:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self.loop.start(self.INTERVAL_S, now=False)

    def spider_closed(self, spider: Spider) -> None:
        if self.loop.running:
            self.loop.stop()

    def check(self) -> None:
        writer = CrawlResources.of(self.crawler).started_writer
        if writer is None or writer.dead or writer.is_alive():
            return
        writer.mark_dead()
        stop_crawl(
            self.crawler,
            "writer_died",
            f"the store writer process (pid {writer.pid}) died with exit code "
            f"{writer.exitcode()}; stopping the crawl: what it had not written is not stored, "
            "and the next crawl fetches it again",
        )
