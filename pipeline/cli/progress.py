"""Long work shown on stderr: what a command will do, said first as plain lines (always), and a
progress bar per step on a terminal; nothing but those lines when stderr is not a terminal (a log
file, a pipe, CI), where a bar would only be noise."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import Progress, TaskID, TextColumn

from pipeline.cli.app import progress_console

# the aligner's steps (pipeline.align.Progress) as a bar names them
STEP_LABELS = {"translate": "translating", "embed": "embedding", "align": "aligning"}


def bar(console: Console | None = None, *, transient: bool = False) -> Progress:
    """A bar with its rate, shown only on a terminal."""
    shown = console or progress_console
    return Progress(
        *Progress.get_default_columns(),
        TextColumn("{task.fields[rate]}"),
        console=shown,
        transient=transient,
        disable=not shown.is_terminal,
    )


class _Rate:
    """A task's rate field in items a second."""

    def __init__(self, progress: Progress, task: TaskID, unit: str, started: float) -> None:
        self.progress, self.task, self.unit, self.started = progress, task, unit, started

    def update(self) -> None:
        done = self.progress.tasks[self.task].completed
        rate = done / max(time.monotonic() - self.started, 1e-9)
        self.progress.update(self.task, rate=f"{rate:.1f} {self.unit}/s")


class Shown:
    """`AlignmentEvents` for the terminal: `announce` prints a line, `step` gives a bar's advance
    callback; `__call__` is the aligner's progress callback (step, done, total)."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or progress_console
        self._progress: Progress | None = None
        self._tasks: dict[str, tuple[TaskID, _Rate]] = {}
        # the aligner tells a step's progress after a part of it is done: a step started when
        # the one before it was last heard of
        self._heard = time.monotonic()

    def __enter__(self) -> Shown:
        self._heard = time.monotonic()
        self._progress = bar(self.console)
        self._progress.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def announce(self, line: str) -> None:
        self.console.print(line, markup=False, highlight=False)

    def _task(self, label: str, total: int | None, unit: str) -> tuple[TaskID, _Rate]:
        assert self._progress is not None, "use Shown in a with block"
        if label not in self._tasks:
            task = self._progress.add_task(label, total=total, rate="")
            self._tasks[label] = (task, _Rate(self._progress, task, unit, self._heard))
        return self._tasks[label]

    @contextmanager
    def step(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        unit = "pairs" if label == "aligning" else "sent"
        self._heard = time.monotonic()
        task, rate = self._task(label, total, unit)

        def advance(done: int) -> None:
            assert self._progress is not None
            self._progress.advance(task, done)
            rate.update()

        yield advance
        self._heard = time.monotonic()

    def __call__(self, step: str, done: int, total: int) -> None:
        label = STEP_LABELS.get(step, step)
        task, rate = self._task(label, total, "docs" if step == "align" else "sent")
        assert self._progress is not None
        self._progress.update(task, completed=done, total=total)
        rate.update()
        self._heard = time.monotonic()
