"""Store and WARC writes in a child process, so parsing and writing use two cores.

The crawl is CPU-bound in one Python process (bench/crawl.py); writing WARC records and store
rows took 40% of it. The crawler sends each capture, pair and error down a bounded queue (back
pressure: memory stays bounded if writing falls behind); the writer applies them in order, so a
WARC record is always flushed before a store row refers to it, and each pair is still one
transaction.

Supervision: the writer ignores SIGINT (a terminal's Ctrl-C reaches the whole process group; the
crawler decides how to stop) and stops after its current task on SIGTERM or when the crawler
raises the abort flag (a second Ctrl-C). It holds no copy of the task pipe's sending end, so when
the crawler dies, however it dies, the writer reads what was sent, meets end-of-file, closes the
WARC file and exits. If both die, the next run recovers the WARC file (pipeline.warc) and the
store is consistent by its transactions. On the crawler's side, a dead writer is noticed by the
HelperSupervisor extension, which stops the crawl (finish reason `writer_died`).
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import logging
import multiprocessing as mp
import os
import queue
import signal
import time
import traceback
import weakref
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from crawler.watchdog import helpers_born_deaf
from pipeline.models import ArticlePair, ArticleVersion, CrawlError, UnpairedOriginal, WarcCapture
from pipeline.stages.archive import mark, repair_unmarked
from pipeline.store.interface import CorpusStore
from pipeline.warc import HttpExchange, PreviousCapture, WarcArchive

logger = logging.getLogger(__name__)

QUEUE_SIZE = 1000
STATS_EVERY_S = 0.5
EXIT_JOIN_S = 20.0  # at interpreter exit, how long an aborted writer may take to close

T = TypeVar("T")

_live: weakref.WeakSet[StoreWriter] = weakref.WeakSet()


class WriterFailed(RuntimeError):
    """The writer process is gone: nothing more can be stored in this crawl."""


@dataclass
class WriterReport:
    stats: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    warc_file: Path | None = None
    # why the writer stopped on its own (finish reason, message): the store unreachable past
    # the retry budget, a full disk; None while it runs or when it was told to stop
    fatal: tuple[str, str] | None = None


class StoreWriter:
    """The crawler's end: send work, collect stats and failures."""

    def __init__(
        self,
        store_location: str,
        warc_dir: Path,
        prefix: str,
        lock_dir: Path | None = None,
        warcinfo: dict[str, str] | None = None,
    ) -> None:
        ctx = mp.get_context("spawn")  # no fork of a running reactor
        self._tasks: mp.Queue[tuple[str, Any]] = ctx.Queue(maxsize=QUEUE_SIZE)
        self._results: mp.Queue[tuple[str, Any]] = ctx.Queue()
        # Lock-free shared byte: set from a signal handler (second Ctrl-C) without deadlock risk.
        self._abort = ctx.RawValue("b", 0)
        self._process = ctx.Process(
            target=writer_main,
            args=(
                store_location,
                str(warc_dir),
                prefix,
                self._tasks,
                self._results,
                os.getpid(),
                self._abort,
                str(lock_dir) if lock_dir else None,
                warcinfo,
            ),
            name="bitext-writer",
        )
        with helpers_born_deaf():
            self._process.start()
        self.report = WriterReport()
        self.dead = False
        _live.add(self)

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def is_alive(self) -> bool:
        return self._process.is_alive()

    def exitcode(self) -> int | None:
        return self._process.exitcode

    def abort(self) -> None:
        """Stop now (signal-safe): the writer ends its current task, closes the WARC file and
        the store and exits; what is still queued is not written (a resumed crawl refetches it).
        """
        self._abort.value = 1
        self._tasks.cancel_join_thread()  # never block exit on a pipe nobody reads any more

    def mark_dead(self) -> None:
        self.dead = True
        self._tasks.cancel_join_thread()

    def capture(self, exchange: HttpExchange, record_id: str) -> None:
        self._put(("capture", (exchange, record_id)))

    def pair(self, pair: ArticlePair) -> None:
        self._put(("pair", pair))

    def error(self, error: CrawlError) -> None:
        self._put(("error", error))

    def version(self, version: ArticleVersion) -> None:
        """An article stored before it is paired (a crawl that pairs by content)."""
        self._put(("version", version))

    def unpaired_original(self, record: UnpairedOriginal) -> None:
        self._put(("unpaired_original", record))

    def translations(self, engine: str, translations: dict[str, str]) -> None:
        """Sentences the crawl decoded, by source sentence hash: cached in the store."""
        self._put(("translations", (engine, translations)))

    def embeddings(self, encoder: str, embeddings: dict[str, bytes]) -> None:
        """Sentences the crawl's embedding worker embedded, by sentence hash: cached in the
        store."""
        self._put(("embeddings", (encoder, embeddings)))

    def _put(self, task: tuple[str, Any]) -> None:
        while True:
            if self.dead or self._abort.value or not self._process.is_alive():
                self.mark_dead()
                raise WriterFailed(
                    "writer told to stop (forced stop or SIGTERM)"
                    if self._abort.value
                    else f"writer exited with code {self._process.exitcode}"
                )
            try:
                self._tasks.put(task, timeout=1)
                return
            except queue.Full:
                continue

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
        elif kind == "note":
            logger.warning("%s", payload)
        elif kind == "fatal":
            self.report.fatal = (payload[0], payload[1])
            self.mark_dead()  # it reads no more tasks: the next one fails here, not in a pipe
            logger.error("store writer stopped: %s (finish reason %s)", payload[1], payload[0])

    def stop_reason(self) -> tuple[str, str]:
        """(finish reason, message) for a crawl whose writer is gone: what the writer said
        (store_unavailable, disk_full), else writer_died."""
        with contextlib.suppress(EOFError, OSError):
            self.poll()
        if self.report.fatal is not None:
            return self.report.fatal
        return (
            "writer_died",
            f"the store writer process (pid {self.pid}) died with exit code {self.exitcode()}",
        )

    def close(self, timeout: float = 300) -> WriterReport:
        """Ask the writer to finish what it was sent and close; wait for it (bounded)."""
        with contextlib.suppress(WriterFailed):
            self._put(("close", None))
        deadline = time.monotonic() + timeout
        closed = False
        while not closed and time.monotonic() < deadline:
            try:
                kind, payload = self._results.get(timeout=0.5)
            except queue.Empty:
                if not self._process.is_alive():
                    break
                continue
            except (EOFError, OSError):
                break
            self._take(kind, payload)
            closed = kind == "closed"
        self.poll()
        self._process.join(timeout=10)
        if self._process.is_alive():  # past every bound: it must not outlive the crawl
            self._process.terminate()
            self._process.join(timeout=5)
        # Tasks sent after it stopped reading (a fatal error) sit in the queue's feeder thread,
        # blocked on a full pipe nobody reads: joining that thread at exit would hang the crawl
        # after "Spider closed" (seen with PostgreSQL stopped mid-crawl). They cannot be
        # written any more; the resumed crawl refetches them.
        self._tasks.cancel_join_thread()
        if not closed:
            self.mark_dead()
            self.report.failures.append(
                f"writer did not close (exit code {self._process.exitcode})"
            )
        _live.discard(self)
        return self.report

    def _reap_at_exit(self) -> None:
        """Interpreter exit with the writer still running (forced stop): abort, wait, kill."""
        if not self._process.is_alive():
            return
        self.abort()
        self._process.join(timeout=EXIT_JOIN_S)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=5)


@atexit.register  # runs before multiprocessing's own exit hook, which would join forever
def _reap_writers() -> None:
    for writer in list(_live):
        writer._reap_at_exit()


def writer_main(
    store_location: str,
    warc_dir: str,
    prefix: str,
    tasks: mp.Queue[tuple[str, Any]],
    results: mp.Queue[tuple[str, Any]],
    parent_pid: int,
    abort: Any,
    lock_dir: str | None = None,
    warcinfo: dict[str, str] | None = None,
) -> None:
    """The writer process: apply tasks in order until told to close, told to abort, or the
    crawler is gone."""
    from crawler.lock import hold_writer_lock
    from pipeline.store import open_store

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: setattr(abort, "value", 1))
    # Our copy of the sending end would keep the pipe open after the crawler died, and a read
    # cut mid-message would then wait forever; without it the read ends in EOFError.
    # multiprocessing.Queue keeps that end private (_writer, untyped): no public way to close it
    tasks._writer.close()  # type: ignore[attr-defined]
    lock = hold_writer_lock(Path(lock_dir)) if lock_dir else None
    retry_s = float(os.environ.get("BITEXT_STORE_RETRY_S", STORE_RETRY_S))
    stats: Counter[str] = Counter()
    fatal: tuple[str, str] | None = None
    try:
        store = retrying(lambda: open_store(store_location), retry_s, abort)
        archive = WarcArchive(Path(warc_dir), prefix=prefix, info=warcinfo)
        # capture rows an earlier run lost (crash, full disk, store gone): back from the WARC
        repaired = retrying(lambda: repair_unmarked(store, Path(warc_dir)), retry_s, abort)
        if repaired:
            stats["bitext/warc/capture_rows_repaired"] += repaired
            results.put(("note", f"{repaired} capture rows an earlier crawl lost were added "
                                 "back from its WARC files"))  # fmt: skip
    except Exception as exc:  # nothing can be written: say why, and stop (the crawl stops too)
        results.put(("fatal", fatal_reason(exc)))
        results.close()
        results.join_thread()
        if lock is not None:
            lock.close()
        return
    last_report = time.monotonic()
    captured, complete = 0, True  # capture records written; all their rows stored?
    while not abort.value:
        try:
            kind, payload = tasks.get(timeout=1)
        except queue.Empty:
            if os.getppid() != parent_pid:
                break  # the crawler died: everything it sent is written; close cleanly
            continue
        except (EOFError, OSError):
            break  # the crawler died: the pipe is closed
        if kind == "close":
            break
        try:
            apply(kind, payload, store, archive, stats, retry_s=retry_s, abort=abort)
            captured += kind == "capture"
        except Exception as exc:
            complete = complete and kind != "capture"
            reason = fatal_reason(exc)
            if reason[0] != "writer_failed":  # the store or the disk is gone: stop writing
                fatal = reason
                results.put(("fatal", reason))
                break
            results.put(("failure", f"{kind}: {traceback.format_exc(limit=3)}"))
            stats["bitext/writer/failures"] += 1
        if time.monotonic() - last_report > STATS_EVERY_S and stats:
            results.put(("stats", dict(stats)))
            stats.clear()
            last_report = time.monotonic()
    path: Path | None = None
    try:
        store.flush_captures()
    except Exception:  # lost nothing: the WARC holds the records, the next crawl adds the rows
        complete = False
    with contextlib.suppress(Exception):
        path = archive.close()
    if path is not None and complete and fatal is None and not abort.value:
        with contextlib.suppress(OSError):
            mark(path, captured)  # every row of this file committed: not read again
    with contextlib.suppress(Exception):
        store.close()
    results.put(("stats", dict(stats)))
    results.put(("closed", str(path) if path else ""))
    results.close()
    if os.getppid() == parent_pid:
        results.join_thread()  # the messages are in the pipe before the lock says "done"
    else:
        results.cancel_join_thread()  # nobody reads them: a full pipe would block forever
    if lock is not None:
        lock.close()


STORE_RETRY_S = 30.0  # how long the writer retries an unreachable store before it stops
RETRY_FIRST_S, RETRY_MAX_S = 0.5, 5.0


def is_disconnect(exc: BaseException) -> bool:
    """The store's server went away (or cannot be reached): worth retrying for a while."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    from pipeline.store.sql import StoreUnavailable

    if isinstance(exc, StoreUnavailable):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError) and not is_disk_full(exc)


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return True
    text = str(getattr(exc, "orig", None) or exc).lower()
    return "disk is full" in text or "no space left" in text


def fatal_reason(exc: BaseException) -> tuple[str, str]:
    """(finish reason, message) for an exception that ends the writer; ("writer_failed", ..)
    for one that only fails its record (a bad record: logged, the crawl goes on)."""
    from pipeline.store.sql import StoreNotFound, first_line

    if is_disk_full(exc):
        return "disk_full", f"no space left on device: {first_line(exc)}"
    if isinstance(exc, StoreNotFound):
        return "store_unavailable", str(exc)
    if is_disconnect(exc):
        return "store_unavailable", f"the store is unreachable: {first_line(exc)}"
    return "writer_failed", first_line(exc)


def retrying(call: Callable[[], T], retry_s: float, abort: Any) -> T:
    """`call()`, again with backoff while the store is unreachable, for at most `retry_s`
    seconds (then its error is raised: the crawl stops with it). Each call is one transaction
    (or none), so a retry never writes twice."""
    deadline = time.monotonic() + retry_s
    wait = RETRY_FIRST_S
    while True:
        try:
            return call()
        except Exception as exc:
            if not is_disconnect(exc) or time.monotonic() + wait > deadline or abort.value:
                raise
            logger.warning("store unreachable, retrying in %.1f s: %s", wait, exc)
            time.sleep(wait)
            wait = min(wait * 2, RETRY_MAX_S)


def apply(
    kind: str,
    payload: Any,
    store: CorpusStore,
    archive: WarcArchive,
    stats: Counter[str],
    *,
    retry_s: float = 0.0,
    abort: Any = None,
) -> None:
    """One task. Store calls are retried while the store is unreachable (up to `retry_s`);
    each is one transaction or a read, so a retry never stores a record twice."""
    abort = abort if abort is not None else _NEVER

    def again(call: Callable[[], T]) -> T:
        return retrying(call, retry_s, abort)

    if kind == "capture":
        exchange, record_id = payload
        # a 304 (or a page) repeats the last successful fetch, not a failed try since
        successful = exchange.status == 304 or 200 <= exchange.status < 300
        last = again(lambda: store.last_capture(exchange.url, successful=successful))
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
                warc_offset=written.offset,
                record_type=written.record_type,
                payload_sha1=written.payload_digest,
                http_status=exchange.status,
                fetched_at=exchange.fetched_at,
            ),
            flush=False,
        )
        if store.captures_full():
            again(store.flush_captures)
        stats[f"bitext/warc/{written.record_type}"] += 1
    elif kind == "pair":
        pair: ArticlePair = payload
        result = again(lambda: store.save_pair(pair))
        stats[f"bitext/pairs/{pair.status.value}"] += 1
        stats["bitext/versions/new"] += len(result.new_versions)
        if result.pair_created:
            stats["bitext/pairs/created"] += 1
        if result.pair_changed:
            stats["bitext/pairs/changed"] += 1
        if not (result.new_versions or result.pair_created or result.pair_changed):
            stats["bitext/pairs/unchanged"] += 1
    elif kind == "version":
        version: ArticleVersion = payload
        saved = again(lambda: store.save_version(version))
        stats["bitext/versions/new"] += len(saved.new_versions)
    elif kind == "unpaired_original":
        single: UnpairedOriginal = payload
        saved = again(lambda: store.save_unpaired_original(single))
        stats["bitext/unpaired_originals/stored"] += 1
        stats["bitext/versions/new"] += len(saved.new_versions)
        if not (saved.new_versions or saved.pair_created or saved.pair_changed):
            stats["bitext/unpaired_originals/unchanged"] += 1
    elif kind == "error":
        error: CrawlError = payload
        again(lambda: store.record_error(error))
        stats[f"bitext/errors/{error.kind.value}"] += 1
    elif kind == "translations":
        engine, translations = payload
        again(lambda: store.save_translations(engine, translations))
        stats["bitext/writer/translations"] += len(translations)
    elif kind == "embeddings":
        encoder, embeddings = payload
        again(lambda: store.save_embeddings(encoder, embeddings))
        stats["bitext/writer/embeddings"] += len(embeddings)
    else:
        raise ValueError(f"unknown writer task {kind!r}")


class _Never:
    value = 0


_NEVER = _Never()
