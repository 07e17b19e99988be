"""`bitext translate`: sentences of a file, or every stored clean text, with the installed
packages, offline; cached in the store."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress

from pipeline.cli.app import CliError, progress_console
from pipeline.cli.options import (
    DataDir,
    LeaseOpt,
    StoreOpt,
    WorkerOpt,
    WorkersOpt,
    open_corpus,
    output_file,
    read_text_file,
    run_workers,
    store_exists,
    worker_report,
)

if TYPE_CHECKING:
    from pipeline.translate import EngineSettings


def translate(
    file: Annotated[Path | None, typer.Argument(help="One sentence a line; - for stdin.")] = None,
    from_code: Annotated[str | None, typer.Option("--from")] = None,
    to_code: Annotated[str | None, typer.Option("--to")] = None,
    output: Annotated[Path | None, typer.Option("-o", help="Default: stdout.")] = None,
    device: Annotated[str, typer.Option(help="cpu or cuda.")] = "cpu",
    compute_type: Annotated[str, typer.Option(help="CTranslate2 compute type.")] = "auto",
    threads: Annotated[int, typer.Option(help="Threads per translation (0: auto).")] = 0,
    batch_size: Annotated[int, typer.Option(help="Sentences per batch.")] = 32,
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
    worker: WorkerOpt = False,
    workers: WorkersOpt = 0,
    lease: LeaseOpt = 120.0,
) -> None:
    """Translate sentences with the installed packages, offline; cached in the store.

    With FILE: its lines, FROM -> TO. Without: every stored clean text that still lacks a
    translation, in both directions of each language pair the store holds, where a package
    serves them. --worker / --workers N: the same, shared by worker processes, each sentence
    decoded once."""
    from pipeline.stages.translate import translate_store, translate_store_workers
    from pipeline.translate import EngineSettings
    from pipeline.workers import worker_name

    settings = EngineSettings(
        device=device, compute_type=compute_type, intra_threads=threads, batch_size=batch_size
    )
    if output is not None:
        output_file(output)
    if file is not None:
        _translate_file(file, from_code, to_code, output, settings, data_dir, store)
    elif workers:
        run_workers(workers)
    elif worker:
        corpus = open_corpus(data_dir, store)
        report = translate_store_workers(corpus, settings, worker=worker_name(), lease_s=lease)
        corpus.close()
        worker_report("translate", report)
    else:
        corpus = open_corpus(data_dir, store)
        translate_store(corpus, settings, _Shown(), chunk=batch_size * 64)
        corpus.close()


def _translate_file(
    file: Path,
    source: str | None,
    target: str | None,
    output: Path | None,
    settings: EngineSettings,
    data_dir: Path,
    store: str | None,
) -> None:
    """A file's lines translated, through the store's cache where a store exists (never made)."""
    from pipeline.stages.translate import MemoryCache, no_route_advice, translate_texts
    from pipeline.translate import Engine, NoRoute

    if not (source and target):
        raise typer.BadParameter("--from and --to are needed with FILE")
    lines = read_text_file(file).splitlines()
    corpus = open_corpus(data_dir, store) if store_exists(data_dir, store) else MemoryCache()
    try:
        engine = Engine(source, target, settings=settings)
    except NoRoute:
        advice = no_route_advice(source, target)
        raise CliError(f"{len(set(lines))} {source} sentences not translated: {advice}") from None
    with _bar(source, target, transient=output is None) as shown:
        shown.more(len(set(lines)))
        result = translate_texts(engine, lines, corpus, progress=shown.advance) or []
    if not isinstance(corpus, MemoryCache):
        corpus.close()
    out = "\n".join(result) + "\n"
    if output:
        from pipeline.exports import atomic_writer

        with atomic_writer(output) as handle:  # a full disk leaves the old file whole
            handle.write(out)
    else:
        sys.stdout.write(out)


class _BarTask:
    """One direction's progress bar, with its rate in sentences a second."""

    def __init__(self, bar: Progress, source: str, target: str) -> None:
        self.bar, self.started = bar, time.monotonic()
        self.task = bar.add_task(f"{source}->{target}", total=None, rate="")

    def more(self, total: int) -> None:
        self.bar.update(self.task, total=(self.bar.tasks[0].total or 0) + total)

    def advance(self, done: int) -> None:
        self.bar.advance(self.task, done)
        rate = self.bar.tasks[0].completed / max(time.monotonic() - self.started, 1e-9)
        self.bar.update(self.task, rate=f"{rate:.1f} sent/s")


@contextmanager
def _bar(source: str, target: str, *, transient: bool) -> Iterator[_BarTask]:
    """A bar on a terminal; nothing when stderr is not one (pipeline.cli.progress)."""
    from pipeline.cli.progress import bar

    with bar(transient=transient) as shown:
        yield _BarTask(shown, source, target)


class _Shown:
    """How `translate_store` shows itself here: a bar a direction, a line for one pending."""

    def pending(self, source: str, target: str, sentences: int, advice: str) -> None:
        progress_console.print(
            f"[yellow]translation pending[/yellow] for {sentences} {source} sentences: {advice}"
        )

    def direction(self, source: str, target: str, todo: int) -> AbstractContextManager[_BarTask]:
        progress_console.print(
            f"translating {todo:,} sentences with {source}->{target}"
            if todo
            else f"{source}->{target}: every sentence is translated already",
            markup=False,
            highlight=False,
        )
        return _bar(source, target, transient=False)
