"""Store and WARC writes in a child process, so parsing and writing use two cores.

The crawl is CPU-bound in one Python process (bench/crawl.py); writing WARC records and store
rows took 40% of it. The crawler sends each capture, pair and error down a bounded queue (back
pressure: memory stays bounded if writing falls behind); the writer applies them in order, so a
WARC record is always flushed before a store row refers to it, and each pair is still one
transaction. If the crawler dies, the writer drains what it was sent, closes the WARC file and
exits; if both die, the next run recovers the WARC file (pipeline.warc) and the store is
consistent by its transactions.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from pipeline.models import ArticlePair, CrawlError, WarcCapture
from pipeline.warc import HttpExchange, PreviousCapture

logger = logging.getLogger(__name__)

QUEUE_SIZE = 1000
STATS_EVERY_S = 0.5


class WriterFailed(RuntimeError):
    """The writer process is gone: nothing more can be stored in this crawl."""


@dataclass
class WriterReport:
    stats: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    warc_file: Path | None = None


class StoreWriter:
    """The crawler's end: send work, collect stats and failures."""

    def __init__(
        self,
        store_location: str,
        warc_dir: Path,
        prefix: str,
        warcinfo: dict[str, str] | None = None,
    ) -> None:
        ctx = mp.get_context("spawn")  # no fork of a running reactor
        self._tasks: mp.Queue[tuple[str, Any]] = ctx.Queue(maxsize=QUEUE_SIZE)
        self._results: mp.Queue[tuple[str, Any]] = ctx.Queue()
        self._process = ctx.Process(
            target=writer_main,
            args=(
                store_location,
                str(warc_dir),
                prefix,
                self._tasks,
                self._results,
                os.getpid(),
                warcinfo,
            ),
            name="bitext-writer",
        )
        self._process.start()
        self.report = WriterReport()

    def capture(self, exchange: HttpExchange, record_id: str) -> None:
        self._put(("capture", (exchange, record_id)))

    def pair(self, pair: ArticlePair) -> None:
        self._put(("pair", pair))

    def error(self, error: CrawlError) -> None:
        self._put(("error", error))

    def _put(self, task: tuple[str, Any]) -> None:
        while True:
            try:
                self._tasks.put(task, timeout=5)
                return
            except queue.Full:
                if not self._process.is_alive():
                    raise WriterFailed(
                        f"writer exited with code {self._process.exitcode}"
                    ) from None

    def poll(self) -> WriterReport:
        """Take in what the writer reported so far, without waiting."""
        while True:
            try:
                kind, payload = self._results.get_nowait()
            except queue.Empty:
                return self.report
            self._take(kind, payload)

    def _take(self, kind: str, payload: Any) -> None:
        if kind == "stats":
            self.report.stats.update(payload)
        elif kind == "failure":
            self.report.failures.append(payload)
            logger.error("store writer could not write a record: %s", payload)
        elif kind == "closed":
            self.report.warc_file = Path(payload) if payload else None

    def close(self, timeout: float = 300) -> WriterReport:
        if self._process.is_alive():
            self._put(("close", None))
        deadline = time.monotonic() + timeout
        closed = False
        while not closed and time.monotonic() < deadline:
            try:
                kind, payload = self._results.get(timeout=1)
            except queue.Empty:
                if not self._process.is_alive():
                    break
                continue
            self._take(kind, payload)
            closed = kind == "closed"
        self._process.join(timeout=10)
        if not closed:
            self.report.failures.append(
                f"writer did not close (exit code {self._process.exitcode})"
            )
        return self.report


def writer_main(
    store_location: str,
    warc_dir: str,
    prefix: str,
    tasks: mp.Queue[tuple[str, Any]],
    results: mp.Queue[tuple[str, Any]],
    parent_pid: int,
    warcinfo: dict[str, str] | None = None,
) -> None:
    """The writer process: apply tasks in order until told to close or the crawler is gone."""
    from pipeline.store import open_store
    from pipeline.warc import WarcArchive

    store = open_store(store_location)
    archive = WarcArchive(Path(warc_dir), prefix=prefix, info=warcinfo)
    stats: Counter[str] = Counter()
    last_report = time.monotonic()
    while True:
        try:
            kind, payload = tasks.get(timeout=1)
        except queue.Empty:
            if not psutil.pid_exists(parent_pid):
                break  # the crawler died: everything it sent is written; close cleanly
            continue
        if kind == "close":
            break
        try:
            apply(kind, payload, store, archive, stats)
        except Exception:
            results.put(("failure", f"{kind}: {traceback.format_exc(limit=3)}"))
            stats["bitext/writer/failures"] += 1
        if time.monotonic() - last_report > STATS_EVERY_S and stats:
            results.put(("stats", dict(stats)))
            stats.clear()
            last_report = time.monotonic()
    store.flush_captures()
    path = archive.close()
    store.close()
    results.put(("stats", dict(stats)))
    results.put(("closed", str(path)))


def apply(kind: str, payload: Any, store: Any, archive: Any, stats: Counter[str]) -> None:
    if kind == "capture":
        exchange, record_id = payload
        # a 304 (or a page) repeats the last successful fetch, not a failed try since
        successful = exchange.status == 304 or 200 <= exchange.status < 300
        last = store.last_capture(exchange.url, successful=successful)
        previous = (
            PreviousCapture(last.warc_record_id, last.payload_sha1, last.fetched_at)
            if last
            else None
        )
        written = archive.write(exchange, previous, record_id=record_id)
        store.record_capture(
            WarcCapture(
                url=exchange.url,
                warc_filename=written.filename,
                warc_record_id=written.record_id,
                record_type=written.record_type,
                payload_sha1=written.payload_digest,
                http_status=exchange.status,
                fetched_at=exchange.fetched_at,
            )
        )
        stats[f"bitext/warc/{written.record_type}"] += 1
    elif kind == "pair":
        pair: ArticlePair = payload
        result = store.save_pair(pair)
        stats[f"bitext/pairs/{pair.status.value}"] += 1
        stats["bitext/versions/new"] += len(result.new_versions)
        if result.pair_created:
            stats["bitext/pairs/created"] += 1
        if result.pair_changed:
            stats["bitext/pairs/changed"] += 1
        if not (result.new_versions or result.pair_created or result.pair_changed):
            stats["bitext/pairs/unchanged"] += 1
    elif kind == "error":
        error: CrawlError = payload
        store.record_error(error)
        stats[f"bitext/errors/{error.kind.value}"] += 1
    else:
        raise ValueError(f"unknown writer task {kind!r}")
