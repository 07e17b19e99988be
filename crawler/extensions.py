"""Crawl-level bookkeeping: each run is recorded in the store with its arguments and stats, its
finish reason says whether anything failed, and its helper processes are watched."""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from sqlalchemy.exc import SQLAlchemyError
from twisted.internet import task
from twisted.python.failure import Failure

from crawler.resources import CrawlResources, data_dir
from crawler.supervision import stop_crawl
from pipeline.store.sql import first_line

logger = logging.getLogger(__name__)

FINISHED_WITH_STAGE_FAILURES = "finished_with_stage_failures"
FINISHED_WITH_WRITE_FAILURES = "finished_with_write_failures"
STORE_UNAVAILABLE = "store_unavailable"
INTERRUPTED = "interrupted"  # a run's row found open by the next crawl: it died unclosed
# Written into the data directory when the crawl could not close its `crawls` row (the store
# unreachable at the end): the next crawl into that directory closes it with what it holds.
UNCLOSED_RUNS = "crawl-unclosed.json"
FINISH_TRIES_S = (1.0, 2.0, 4.0)  # waits between tries to close the run's row
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
        self.close_earlier_runs(store)
        self.close_dead_runs(store)
        self.crawl_id = store.begin_crawl(spider.name, args, source)

    def unclosed_file(self) -> Path:
        return data_dir(self.crawler.settings) / UNCLOSED_RUNS

    def close_earlier_runs(self, store: Any) -> None:
        """Close the rows of earlier runs into this data directory that could not close their
        own (the store was unreachable when they ended)."""
        path = self.unclosed_file()
        if not path.is_file():
            return
        try:
            runs = json.loads(path.read_text(encoding="utf-8"))
            for run in runs:
                store.finish_crawl(int(run["crawl_id"]), str(run["reason"]), run["stats"])
                logger.warning(
                    "crawl %s ended (%s) with the store unreachable: its row is closed now",
                    run["crawl_id"],
                    run["reason"],
                )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.error("could not read %s (%s): left as it is", path, exc)
            return
        path.unlink(missing_ok=True)

    def close_dead_runs(self, store: Any) -> None:
        """A SQLite store in this data directory is written by one crawl at a time (the crawl
        lock): a row still open now belongs to a run that died without closing it."""
        settings = self.crawler.settings
        own = data_dir(settings) / "corpus.sqlite"
        if store.file is None or store.file.resolve() != own.resolve():
            return
        closed = store.close_unfinished_crawls(INTERRUPTED)
        if closed:
            logger.warning(
                "crawl %s ended without closing its row (killed, or its disk full): closed now "
                "as %s",
                ", ".join(map(str, closed)),
                INTERRUPTED,
            )

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        failures = stage_failure_count(stats)
        fatal = stats.get("bitext/writer/fatal")
        if fatal and (
            reason in ("finished", FINISHED_WITH_STAGE_FAILURES)
            or reason.startswith("closespider_")
        ):
            # the writer stopped (disk full, store gone) as the crawl was ending: not a success
            reason = str(fatal)
            self.crawler.stats.set_value("finish_reason", reason)
        elif reason == "finished" and stats.get("bitext/writer/failures"):
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
        if self.crawl_id is None:
            return
        store = CrawlResources.of(self.crawler).store
        for wait in (*FINISH_TRIES_S, None):
            try:
                store.finish_crawl(self.crawl_id, reason, stats)
                return
            except SQLAlchemyError as exc:
                if wait is None or self.forced:
                    self.leave_unclosed(reason, stats, exc)
                    return
                logger.warning("could not close the run's row, again in %.0f s: %s", wait, exc)
                time.sleep(wait)  # the crawl is over: nothing else waits on the reactor

    def leave_unclosed(self, reason: str, stats: Mapping[str, Any], exc: Exception) -> None:
        """The store is unreachable at the end: the run's row stays open until the next crawl
        into this data directory closes it; the crawl does not end as a success."""
        if reason in ("finished", "closespider_pagecount", "closespider_itemcount",
                      "closespider_timeout", FINISHED_WITH_STAGE_FAILURES):  # fmt: skip
            reason = STORE_UNAVAILABLE
            if self.crawler.stats is not None:
                self.crawler.stats.set_value("finish_reason", reason)
        path = self.unclosed_file()
        try:
            runs = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
        except (OSError, ValueError):
            runs = []
        plain = {k: v if isinstance(v, int | float | str) else str(v) for k, v in stats.items()}
        runs.append({"crawl_id": self.crawl_id, "reason": reason, "stats": plain})
        try:
            path.write_text(json.dumps(runs), encoding="utf-8")
            where = f"the next crawl into {path.parent} closes it"
        except OSError as write_error:
            where = f"and it could not be noted in {path} ({write_error})"
        logger.error(
            "the store is unreachable: crawl %s's row stays open (%s); %s",
            self.crawl_id,
            exc.__class__.__name__,
            where,
        )


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
        crawler.signals.connect(ext.store_failed, signal=signals.item_error)
        crawler.signals.connect(ext.store_failed, signal=signals.spider_error)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self.loop.start(self.INTERVAL_S, now=False)

    def spider_closed(self, spider: Spider) -> None:
        if self.loop.running:
            self.loop.stop()

    def check(self) -> None:
        resources = CrawlResources.of(self.crawler)
        lost = resources.opened_store.lost() if resources.opened_store is not None else None
        if lost:
            stop_crawl(
                self.crawler,
                "store_lost",
                f"{lost} during the crawl: what is written now would be lost with it; "
                "stopping (the next crawl makes a new store and adds the WARC files' captures)",
            )
            return
        writer = resources.started_writer
        if writer is None or writer.dead or writer.is_alive():
            return
        writer.mark_dead()
        reason, message = writer.stop_reason()
        stop_crawl(
            self.crawler,
            reason,
            f"{message}; stopping the crawl: what the writer had not written is not stored, "
            "and the next crawl fetches it again",
        )

    def store_failed(self, failure: Failure, *args: Any, **kwargs: Any) -> None:
        """An item pipeline or a callback met the store gone (its reads in the crawler): stop
        with that reason instead of dropping every item that follows with a traceback."""
        from crawler.writer import is_disconnect

        exc = failure.value
        if exc is not None and is_disconnect(exc):
            stop_crawl(
                self.crawler, STORE_UNAVAILABLE, f"the store is unreachable: {first_line(exc)}"
            )
