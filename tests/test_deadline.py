"""pipeline.deadline: each item's work in a worker process within a time limit; an item over it
(or whose worker dies) gets an Overtime, the others their results, in order."""

from __future__ import annotations

import os
import time

from pipeline.deadline import Overtime, WithDeadline, in_process


def nap(seconds: float) -> float:
    if seconds < 0:
        os._exit(9)  # a worker that dies (a crash in C code, the kernel's OOM killer)
    time.sleep(seconds)
    return seconds


def test_an_item_over_its_time_or_whose_worker_dies_costs_only_itself() -> None:
    items = [0.0, 60.0, 0.01, -1.0, *[0.0] * 12]
    started = time.monotonic()
    out = WithDeadline(1.0, workers=2)(nap, items)
    assert time.monotonic() - started < 30  # not the 60 s the stuck item asks for
    assert out[1] == Overtime("extract_timeout", "over 1 s")
    assert isinstance(out[3], Overtime) and out[3].reason == "worker_died"
    assert [x for k, x in enumerate(out) if k not in (1, 3)] == [0.0, 0.01, *[0.0] * 12]


def test_without_a_limit_the_work_runs_here_and_is_watched() -> None:
    seen: list[int] = []

    def watch(indices):  # type: ignore[no-untyped-def]
        for k in indices:
            seen.append(k)
            yield k

    assert in_process(nap, [0.0, 0.0, 0.0], watch) == [0.0, 0.0, 0.0]
    assert seen == [0, 1, 2]
    assert WithDeadline(5.0)(nap, []) == []
