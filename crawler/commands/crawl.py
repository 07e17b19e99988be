"""`scrapy crawl`, with what a long unattended crawl needs from its command.

- Spider arguments are checked before anything starts (`-a limt=3`: one line naming the valid
  ones, exit status 2, no crawl).
- One crawl per data directory: a second is refused at start (exit status 1); see crawler.lock.
- The exit status says how the crawl ended (see EXIT_STATUS), not only whether it booted.
- A second Ctrl-C forces a stop that still leaves the store, the WARC file and JOBDIR sound:
  the writer ends its current transaction and closes the WARC file, the run is recorded as
  `shutdown_forced`, and a watchdog ends the process if anything still hangs.
- Ctrl-C works even when the main thread is stuck in C code: a watchdog process
  (crawler/watchdog.py) learns of each signal without the GIL and kills a crawler that does not
  answer the first within BITEXT_SIGNAL_BUSY_S, or is still there 14 s after a second.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from typing import Any

import psutil
from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.utils.ossignal import install_shutdown_handlers

from crawler.lock import CrawlLocked, acquire_crawl_lock, wait_for_writer_lock
from crawler.watchdog import AFTER_HANDLER_RESTORED, BUSY_AFTER_S, HEARTBEAT_S, Watchdog

# finish reason -> exit status; any other reason (writer_died, extraction_worker_died, ...) is 1
EXIT_STATUS = {
    "finished": 0,
    "closespider_pagecount": 0,
    "closespider_itemcount": 0,
    "closespider_timeout": 0,
    "closespider_errorcount": 1,
    "finished_with_stage_failures": 3,
    "shutdown": 130,  # Ctrl-C (or SIGTERM): stopped on request; resumable with JOBDIR
    "shutdown_forced": 130,
}
FORCED_EXIT_AFTER_S = 15.0  # after a second Ctrl-C, the longest the process may still take
WRITER_WAIT_S = 30.0  # how long a new crawl waits for a killed crawl's writer to finish


def exit_status(reason: str | None) -> int:
    return EXIT_STATUS.get(reason or "", 1)


def _fail(message: str, status: int) -> None:
    print(f"scrapy crawl: error: {message}", file=sys.stderr)
    raise SystemExit(status)


def _check_store(settings: Any) -> None:
    """The store opens (made, or migrated) before anything starts: a 0-byte file, a database
    that cannot be reached or refuses us is one line and exit status 1, not a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from crawler.resources import store_location
    from pipeline.store.sql import StoreNotFound, StoreUnavailable, describe, first_line, open_store

    location = store_location(settings)
    try:
        open_store(location).close()
    except (StoreNotFound, StoreUnavailable) as exc:
        _fail(str(exc), 1)
    except SQLAlchemyError as exc:
        _fail(f"the store {describe(location)} cannot be opened: {first_line(exc)}", 1)


class Command(ScrapyCrawl):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            super().process_options(args, opts)
        except UsageError as exc:  # e.g. "-a limit" without "=": one line, not the whole help
            _fail(str(exc), 2)
        assert self.settings is not None
        if args:
            from scrapy.spiderloader import get_spider_loader

            try:
                spidercls = get_spider_loader(self.settings).load(args[0])
            except KeyError:
                _fail(f"no spider named {args[0]!r}", 2)
            check = getattr(spidercls, "check_arguments", None)
            if check is not None:
                try:
                    check(opts.spargs)
                except ValueError as exc:
                    _fail(str(exc), 2)
        from pipeline.translate import BATCHING

        batching = self.settings.get("BITEXT_TRANSLATE_BATCHING", "exact")
        if batching not in BATCHING:
            _fail(f"BITEXT_TRANSLATE_BATCHING={batching!r}: one of {', '.join(BATCHING)}", 2)
        data_dir = self.settings.get("BITEXT_DATA_DIR", "data/output")
        try:
            acquire_crawl_lock(data_dir)  # held until this process exits
        except CrawlLocked as exc:
            _fail(str(exc), 1)
        except OSError as exc:
            _fail(f"cannot use the data directory {data_dir}: {exc.strerror or exc}", 1)
        if not wait_for_writer_lock(data_dir, WRITER_WAIT_S):
            _fail(
                f"the store writer of an earlier crawl into {data_dir} is still running after "
                f"{WRITER_WAIT_S:.0f} s (see {data_dir}/writer.lock for its pid)",
                1,
            )
        _check_store(self.settings)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            super().run(args, opts)  # its usage errors
            return
        assert self.crawler_process is not None
        crawler = self._create_crawler(args[0])
        process: Any = self.crawler_process
        # Scrapy's own second-Ctrl-C handler stops the reactor and leaves helpers running.
        process._signal_kill = lambda signum, _frame: self._force_stop(crawler, signum)
        self._start_watchdog()  # before process.crawl: its handlers are wrapped
        process.crawl(crawler, **opts.spargs)
        process.start()
        if process.bootstrap_failed:
            self.exitcode = 1
            return
        reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
        self.exitcode = exit_status(reason)

    def _start_watchdog(self) -> None:
        from twisted.internet import reactor, task

        assert self.settings is not None
        watchdog = Watchdog(
            busy_after=self.settings.getfloat("BITEXT_SIGNAL_BUSY_S", BUSY_AFTER_S),
            forced_after=FORCED_EXIT_AFTER_S - 1,
        )
        # Scrapy installs its handlers at startup (replacing faulthandler's at the C level), and
        # each handler installs the next: faulthandler goes back on after each, and every beat
        beat = task.LoopingCall(watchdog.beat)
        reactor.callWhenRunning(reactor.callLater, 0, beat.start, HEARTBEAT_S)  # after startup
        process: Any = self.crawler_process
        shutdown = process._signal_shutdown

        def shutdown_and_rearm(signum: int, frame: Any) -> None:
            shutdown(signum, frame)
            watchdog.arm()

        process._signal_shutdown = shutdown_and_rearm
        AFTER_HANDLER_RESTORED.append(watchdog.arm)
        self.watchdog = watchdog

    def _force_stop(self, crawler: Crawler, signum: int) -> None:
        """Second Ctrl-C, in the signal handler: only signal-safe steps here; the rest runs in
        the reactor thread."""
        from twisted.internet import reactor

        from crawler.resources import CrawlResources

        install_shutdown_handlers(signal.SIG_IGN)
        self.watchdog.arm()
        resources = crawler.get_extension(CrawlResources)
        writer = resources.started_writer if resources is not None else None
        if writer is not None:
            writer.abort()  # ends its current transaction, closes the WARC file, exits
        # before the watchdog's kill (crawler/watchdog.py), which comes when this thread cannot run
        after = FORCED_EXIT_AFTER_S - 3
        threading.Thread(target=_last_resort, args=(after,), daemon=True).start()
        reactor.callFromThread(_finish_forced, crawler, signum)


def _finish_forced(crawler: Crawler, signum: int) -> None:
    import logging

    from twisted.internet import reactor

    from crawler.extensions import CrawlRunRecorder

    logger = logging.getLogger(__name__)
    logger.warning(
        "Received %s twice: forcing a stop. The writer ends its current transaction and closes "
        "the WARC file; what it had not written is not stored (a resumed JOBDIR fetches it "
        "again).",
        signal.Signals(signum).name,
    )
    if crawler.stats is not None:
        crawler.stats.set_value("finish_reason", "shutdown_forced")
    recorder = crawler.get_extension(CrawlRunRecorder)
    if recorder is not None:
        try:
            recorder.finish("shutdown_forced")
        except Exception:
            logger.exception("could not record the forced stop in the store")
    if reactor.running:
        # twisted types the installed reactor's `stop` as an attribute holding a function, which
        # mypy then refuses to bind; it is the reactor's method
        reactor.stop()  # type: ignore[misc]


def _last_resort(after: float) -> None:
    """The process must be gone soon after a forced stop, even if something hangs: kill the
    helpers (the writer has had its chance to close) and exit."""
    threading.Event().wait(after)
    print(
        f"scrapy crawl: still running {after:.0f} s after a forced stop; killing it",
        file=sys.stderr,
    )
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            child.kill()
    os._exit(130)
