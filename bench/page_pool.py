"""The page readers' pool (issue 26): pebble's ProcessPool, with a per-page deadline, against
the ProcessPoolExecutor it replaced, on 1,000 small tasks (about a page read's size) in one
worker, interleaved, 3 rounds. Prints the wall time and the crawler-side CPU of each round.

    python bench/page_pool.py
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor

from pebble import ProcessPool

TASKS = 1000


def work(x: int) -> int:
    total = 0
    for i in range(20_000):
        total += i * x
    return total


async def run(submit: Callable[[int], Future[int]]) -> list[int]:
    return await asyncio.gather(*(asyncio.wrap_future(submit(i)) for i in range(TASKS)))


def main() -> None:
    ctx = mp.get_context("spawn")
    executor = ProcessPoolExecutor(1, mp_context=ctx)
    pool = ProcessPool(1, context=ctx)
    executor.submit(work, 1).result()
    pool.schedule(work, args=(1,)).result()
    submitters: dict[str, Callable[[int], Future[int]]] = {
        "ProcessPoolExecutor (before)": lambda i: executor.submit(work, i),
        "pebble ProcessPool, timeout=30 (after)": lambda i: pool.schedule(
            work, args=(i,), timeout=30
        ),
    }
    print(f"| pool | wall s, {TASKS} tasks (3 rounds) | crawler-side CPU s |")
    print("|---|---|---|")
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in submitters}
    for _ in range(3):
        for name, submit in submitters.items():
            start, cpu = time.perf_counter(), os.times()
            asyncio.run(run(submit))
            end = os.times()
            used = end.user - cpu.user + end.system - cpu.system
            results[name].append((time.perf_counter() - start, used))
    for name, rounds in results.items():
        walls = ", ".join(f"{w:.2f}" for w, _ in rounds)
        cpus = ", ".join(f"{c:.2f}" for _, c in rounds)
        print(f"| {name} | {walls} | {cpus} |")
    executor.shutdown()
    pool.stop()
    pool.join()


if __name__ == "__main__":
    main()
