"""Stage workers: `bitext translate --worker` and `bitext align --worker` on many machines.

Work is a queue of claims in the store itself (`CorpusStore.claims`, the `stage_claims` table):
one row per unit of work, claimed in batches (`SELECT ... FOR UPDATE SKIP LOCKED` on
PostgreSQL), so any number of workers on any machines share it and each unit goes to exactly
one of them. A claim holds a lease that the worker's heartbeat renews; a worker that dies stops
renewing, its lease runs out and another worker takes the unit over, so a run resumes by
itself. Nothing else is needed: no queue server, no scheduler process. SQLite has no row locks:
workers there take turns on the file's write lock (one machine).

This module is the loop every stage's worker runs (`drain`); the units and the work are the
stages' own (pipeline.stages.translate.translate_worker: one distinct source sentence per
engine; pipeline.stages.align.align_worker: one paired article at its current versions).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.store.interface import Claim, WorkQueue

__all__ = ["LEASE_S", "Claim", "WorkerReport", "drain", "worker_name"]

logger = logging.getLogger(__name__)

LEASE_S = 120.0  # a claim lasts this long unless renewed; a dead worker's claims free after it
POLL_S = 1.0  # wait between looks when every unit left is held by another live worker


def usable_cores(at_most: int) -> int:
    """The cores this process may use (its CPU affinity, not the machine's count), at most
    `at_most`: how many things it runs at once."""
    return max(1, min(at_most, len(os.sched_getaffinity(0))))


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass
class WorkerReport:
    worker: str
    stage: str
    claimed: int = 0
    done: int = 0
    counts: Counter[str] = field(default_factory=Counter)


class Heartbeat:
    """Renews a worker's leases every third of the lease, in a thread, until stopped."""

    def __init__(self, queue: WorkQueue) -> None:
        self.queue = queue
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="claims-heartbeat", daemon=True)

    def _run(self) -> None:
        interval = self.queue.lease.total_seconds() / 3
        while not self.stop_event.wait(interval):
            try:
                self.queue.renew()
            except Exception:  # a lost connection: the next beat tries again
                logger.warning("could not renew claims", exc_info=True)

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        self.thread.join(timeout=10)


def drain(
    queue: WorkQueue,
    batch: int,
    work: Callable[[list[Claim]], None],
    *,
    deadline_s: float | None = None,
) -> WorkerReport:
    """Claim and work batches until every unit is done: while units are held by other live
    workers, wait for them (their leases run out if they die, and the units come back here)."""
    report = WorkerReport(queue.worker, queue.stage)
    started = time.monotonic()
    with Heartbeat(queue):
        while deadline_s is None or time.monotonic() - started < deadline_s:
            claims = queue.claim(batch)
            if not claims:
                open_units, _held = queue.open_count()
                if open_units == 0:
                    break
                time.sleep(POLL_S)
                continue
            report.claimed += len(claims)
            work(claims)
            report.done += queue.finish(claims)
    return report
