"""`bitext translate`: sentences of a file, or every stored clean text, with the installed
packages, offline; cached in the store."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from pipeline.cli.app import USAGE, CliError, progress_console
from pipeline.cli.options import (
    DataDir,
    LeaseOpt,
    StoreOpt,
    WorkerOpt,
    WorkersOpt,
    installed_languages,
    language_options,
    open_corpus,
    output_file,
    read_text_file,
    run_workers,
    store_exists,
    worker_report,
)

if TYPE_CHECKING:
    from rich.progress import Progress

    from pipeline.store.interface import CorpusReader
    from pipeline.translate import EngineSettings


def translate(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="A file to translate, one sentence a line (- for stdin); without it, the store.",
            metavar="FILE",
            show_default=False,
        ),
    ] = None,
    from_code: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="CODE",
            help="The language to translate from (BCP 47, e.g. ar). With FILE: needed; with "
            "the store: only this direction.",
        ),
    ] = None,
    to_code: Annotated[
        str | None,
        typer.Option(
            "--to",
            metavar="CODE",
            help="The language to translate into (e.g. en). With FILE: needed; with the "
            "store: only this direction.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", metavar="FILE", help="With FILE: where to write (default: stdout)."
        ),
    ] = None,
    device: Annotated[
        Literal["cpu", "cuda"], typer.Option("--device", help="Where to decode.")
    ] = "cpu",
    compute_type: Annotated[
        str,
        typer.Option(
            "--compute-type",
            metavar="TYPE",
            help="CTranslate2 compute type (auto, int8, float16, ...).",
        ),
    ] = "auto",
    threads: Annotated[
        int,
        typer.Option("--threads", min=0, metavar="N", help="Threads per translation (0: auto)."),
    ] = 0,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, metavar="N", help="Sentences per batch.")
    ] = 32,
    batching: Annotated[
        Literal["exact", "padded"],
        typer.Option(
            "--batching",
            help="exact: each sentence worded as when translated alone; padded: CTranslate2's "
            "own batches, ~1.7x less CPU here, a sentence's wording may change with its batch "
            "(cached apart).",
        ),
    ] = "exact",
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
    worker: WorkerOpt = False,
    workers: WorkersOpt = 0,
    lease: LeaseOpt = 120.0,
) -> None:
    """Translate a file's lines, or the store's texts, offline.

    With FILE: its lines, --from -> --to. Without: every stored clean text that still lacks a
    translation, in both directions of each language pair the store holds (or only --from /
    --to), where an installed package serves them; cached in the store, so no sentence is
    decoded twice. --worker / --workers N: the same, shared by worker processes, each sentence
    decoded once."""
    from pipeline.stages.translate import translate_store, translate_store_workers
    from pipeline.translate import EngineSettings
    from pipeline.workers import worker_name

    settings = EngineSettings(
        device=device,
        compute_type=compute_type,
        intra_threads=threads,
        batch_size=batch_size,
        batching=batching,
    )
    if output is not None:
        output_file(output)
    if file is not None:
        if not (from_code and to_code):
            raise typer.BadParameter("--from and --to are needed with FILE")
        source, target = language_options(
            [(from_code, "--from"), (to_code, "--to")], installed_languages()
        )
        _translate_file(file, source, target, output, settings, data_dir, store)
        return
    if workers:
        run_workers(workers)
        return
    corpus = open_corpus(data_dir, store)
    try:
        only = _directions(corpus, from_code, to_code)
        if worker:
            report = translate_store_workers(
                corpus, settings, worker=worker_name(), lease_s=lease, directions=only
            )
            worker_report("translate", report)
        else:
            shown = _Shown()
            translate_store(corpus, settings, shown, chunk=batch_size * 64, directions=only)
            if only and len(shown.pending_directions) == len(only):  # asked for, not done
                raise CliError(
                    "nothing translated: no installed package serves "
                    + ", ".join(f"{s}->{t}" for s, t in only)
                )
    finally:
        corpus.close()


def _directions(
    corpus: CorpusReader, from_code: str | None, to_code: str | None
) -> list[tuple[str, str]] | None:
    """The directions --from / --to leave of those the store's pairs need (None: all of
    them); none left is a usage error naming the store's."""
    if from_code is None and to_code is None:
        return None
    from pipeline.stages.sides import store_directions

    held = store_directions(corpus.iter_pairs())
    given = [(v, o) for v, o in ((from_code, "--from"), (to_code, "--to")) if v is not None]
    codes = iter(language_options(given, {code for d in held for code in d}))
    source = next(codes) if from_code is not None else None
    target = next(codes) if to_code is not None else None
    chosen = [(s, t) for s, t in held if source in (None, s) and target in (None, t)]
    if not chosen:
        wanted = f"{source or 'any'}->{target or 'any'}"
        needed = ", ".join(f"{s}->{t}" for s, t in held) or "none (no pairs yet)"
        raise CliError(
            f"the store's pairs need no {wanted} translation; the directions they need: {needed}",
            USAGE,
        )
    return chosen


def _translate_file(
    file: Path,
    source: str,
    target: str,
    output: Path | None,
    settings: EngineSettings,
    data_dir: Path,
    store: str | None,
) -> None:
    """A file's lines translated, through the store's cache where a store exists (never made)."""
    from pipeline.stages.translate import MemoryCache, no_route_advice, translate_texts
    from pipeline.translate import Engine, NoRoute

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

    def __init__(self) -> None:
        self.pending_directions: list[tuple[str, str]] = []

    def pending(self, source: str, target: str, sentences: int, advice: str) -> None:
        self.pending_directions.append((source, target))
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
