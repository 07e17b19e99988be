"""Work on many items, each with a time limit, in worker processes (pebble's process pool, the
crawl's page readers use it too): an item whose work never ends (a profile's catastrophic
pattern, a pathological page) costs that item its budget, not the whole run. Its worker is killed
and replaced; a worker that dies takes only its item along. Python cannot stop a thread stuck in
C code (the regex engine, lxml), so a process it is."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pipeline.workers import usable_cores

T = TypeVar("T")
R = TypeVar("R")

IN_FLIGHT_PER_WORKER = 4  # items handed to the pool ahead: bounded, a store may hold 100,000 pages


@dataclass(frozen=True)
class Overtime:
    """An item that got no result: `reason` "extract_timeout" (over its time) or "worker_died"."""

    reason: str
    detail: str


class Runner(Protocol):
    """Applies `work` to each item in order: its result, or an Overtime."""

    def __call__(
        self,
        work: Callable[[T], R],
        items: Sequence[T],
        watch: Callable[[Iterable[int]], Iterable[int]] | None = None,
    ) -> list[R | Overtime]: ...


def in_process(
    work: Callable[[T], R],
    items: Sequence[T],
    watch: Callable[[Iterable[int]], Iterable[int]] | None = None,
) -> list[R | Overtime]:
    """No limit: each item in this process (tests, and where a limit of 0 is asked for)."""
    indices: Iterable[int] = range(len(items))
    return [work(items[k]) for k in (watch(indices) if watch else indices)]


class WithDeadline:
    """Each item's work in a worker process, killed after `seconds`."""

    def __init__(self, seconds: float, workers: int | None = None) -> None:
        self.seconds = seconds
        self.workers = workers or usable_cores(2)

    def __call__(
        self,
        work: Callable[[T], R],
        items: Sequence[T],
        watch: Callable[[Iterable[int]], Iterable[int]] | None = None,
    ) -> list[R | Overtime]:
        from pebble import ProcessExpired, ProcessPool

        out: list[R | Overtime] = []
        if not items:
            return out
        ahead = self.workers * IN_FLIGHT_PER_WORKER
        pool = ProcessPool(max_workers=self.workers)
        try:
            futures: dict[int, Any] = {}
            indices: Iterable[int] = range(len(items))
            for k in watch(indices) if watch else indices:
                while len(futures) < ahead and k + len(futures) < len(items):
                    n = k + len(futures)
                    futures[n] = pool.schedule(work, args=(items[n],), timeout=self.seconds)
                try:
                    out.append(futures.pop(k).result())
                except FutureTimeout:  # pebble killed the worker and started another
                    out.append(Overtime("extract_timeout", f"over {self.seconds:g} s"))
                except ProcessExpired as exc:
                    out.append(Overtime("worker_died", f"the worker died ({exc})"))
        finally:
            pool.stop()  # nothing left to wait for; a stuck worker is killed, not joined
            pool.join(timeout=10)
        return out
