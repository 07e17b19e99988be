"""What the commands share: the store and data-directory options, the worker options, and the
checks on files and values given on the command line."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.cli.app import USAGE, CliError

if TYPE_CHECKING:  # SQLAlchemy loads where a command opens a store, not at start
    from collections.abc import Iterable

    from pipeline.store.interface import CorpusReader
    from pipeline.store.sql import SqlCorpusStore

WorkerOpt = Annotated[
    bool,
    typer.Option(
        "--worker/--no-worker",
        help="Run as one of several workers sharing the store's work by row claims "
        "(any number, on any machines, with a PostgreSQL store; SQLite: one). "
        "Prints a JSON report.",
    ),
]
WorkersOpt = Annotated[
    int,
    typer.Option(
        "--workers",
        min=0,
        metavar="N",
        help="Start N --worker processes here and wait for them (0: work in this process).",
    ),
]
LeaseOpt = Annotated[
    float,
    typer.Option(
        "--lease", min=1.0, metavar="SECONDS", help="How long a dead worker's claims stay held."
    ),
]


DataDir = Annotated[
    Path,
    typer.Option(
        "--data-dir",
        envvar="BITEXT_DATA_DIR",
        metavar="DIR",
        help="Where the crawl wrote its output (corpus.sqlite, warc/).",
    ),
]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="BITEXT_STORE",
        metavar="URL",
        help="The corpus store: a SQLAlchemy URL or a SQLite file (DATA_DIR/corpus.sqlite).",
    ),
]


def _sqlite_file(location: str) -> Path | None:
    """The file a SQLite store lives in; None for other databases and in-memory SQLite."""
    if "://" not in location:
        return Path(location).expanduser()
    from sqlalchemy.engine import make_url

    url = make_url(location)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).expanduser()


def store_location(data_dir: Path, store: str | None) -> str:
    return store or str(data_dir / "corpus.sqlite")


def store_exists(data_dir: Path, store: str | None) -> bool:
    file = _sqlite_file(store_location(data_dir, store))
    return file is None or file.is_file()


def open_corpus(
    data_dir: Path, store: str | None, *, must_exist: bool = True, warc_dir: Path | None = None
) -> SqlCorpusStore:
    """The corpus store. Every command here works on a store a crawl made: one that does not
    exist is refused (a mistyped --data-dir must not create an empty store and report on it)."""
    location = store_location(data_dir, store)
    file = _sqlite_file(location)
    if must_exist and file is not None and not file.is_file():
        if store:
            missing = f"no corpus store {file}" + ("" if file.parent.is_dir() else " (no folder)")
        elif not data_dir.is_dir():
            missing = f"data directory {data_dir} does not exist"
        else:
            missing = f"{data_dir} holds no corpus store (corpus.sqlite)"
        raise CliError(
            f"{missing}. Make one with a crawl (scrapy crawl enab -s BITEXT_DATA_DIR={data_dir}) "
            "or point --data-dir, BITEXT_DATA_DIR or --store at an existing one",
            USAGE,
        )
    from pipeline.store.sql import open_store

    # must_exist: an empty file or a database without the store's tables is refused, never
    # given a fresh schema (`stats` on a 0-byte corpus.sqlite must not report an empty corpus)
    return open_store(
        location, warc_dir=warc_location(data_dir, store, warc_dir), create=not must_exist
    )


def warc_location(data_dir: Path, store: str | None, given: Path | None = None) -> Path | None:
    """Where the store's WARC files are: --warc-dir or BITEXT_WARC_DIR, else beside the store
    (--store FILE: its folder's warc/), else DATA_DIR/warc."""
    import os

    from pipeline.store.pages import default_warc_dir

    if given is not None or os.environ.get("BITEXT_WARC_DIR"):
        return given or Path(os.environ["BITEXT_WARC_DIR"])
    return (default_warc_dir(store) if store else None) or data_dir / "warc"


def input_file(path: Path, what: str = "file") -> Path:
    """`path` if it names an existing file (or - for stdin), else a one-line usage error."""
    if str(path) == "-":
        return path
    if not path.exists():
        raise CliError(f"no such {what}: {path}", USAGE)
    if path.is_dir():
        raise CliError(f"{path} is a directory, not a {what}", USAGE)
    return path


def output_file(path: Path, option: str = "-o") -> Path:
    """`path` if a file can be written there (the folder is made if needed)."""
    if path.is_dir():
        raise CliError(
            f"{option} {path} is a directory; give a file name (e.g. {path / 'corpus'})", USAGE
        )
    return path


def read_text_file(path: Path) -> str:
    """A UTF-8 text file (- for stdin); another encoding is a one-line error naming the file."""
    data = sys.stdin.buffer.read() if str(path) == "-" else input_file(path).read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CliError(
            f"{path} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "convert it first, e.g. iconv -f LATIN1 -t UTF-8 (or -f WINDOWS-1256 for Arabic)"
        ) from exc


def parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliError(
            f"{option} {value!r} is not a date: give YYYY-MM-DD, e.g. 2024-06-01", USAGE
        ) from None


def worker_report(stage: str, report: dict[str, object]) -> None:
    from pipeline.workers import worker_name

    sys.stdout.write(json.dumps({"worker": worker_name(), "stage": stage, **report}) + "\n")


def run_workers(n: int) -> None:
    """This command again as N --worker processes; their JSON reports, one a line, on stdout."""
    import subprocess

    args = [a for a in sys.argv[1:] if not a.startswith("--workers")]
    if "--workers" in sys.argv:  # "--workers N" as two arguments
        i = sys.argv.index("--workers")
        args = sys.argv[1:i] + sys.argv[i + 2 :]
    command = [sys.executable, "-m", "pipeline.cli", *args, "--worker"]
    processes = [subprocess.Popen(command) for _ in range(n)]
    codes = [p.wait() for p in processes]
    if any(codes):
        raise typer.Exit(max(codes))


def language_option(value: str, option: str, known: Iterable[str] = ()) -> str:
    """A language code given on the command line, as the pipeline keys it (`ar-SY` -> `ar`);
    not a BCP 47 tag: a usage error with the code probably meant (`arabic` -> ar)."""
    from pipeline.language_tags import LanguageRefused, language_code

    try:
        return language_code(value, known)
    except LanguageRefused as exc:
        raise CliError(f"{option} {exc}", USAGE) from None


def language_options(given: list[tuple[str, str]], known: Iterable[str] = ()) -> list[str]:
    """Several language options at once, (value, option) each: every bad one said in one line."""
    codes, problems = [], []
    for value, option in given:
        try:
            codes.append(language_option(value, option, known))
        except CliError as exc:
            problems.append(str(exc))
    if problems:
        raise CliError("; ".join(problems), USAGE)
    return codes


def installed_languages() -> set[str]:
    """The languages the installed Argos packages translate from or into."""
    from pipeline.argos import installed_packages

    return {code for p in installed_packages() for code in (p.from_code, p.to_code)}


def store_languages(corpus: CorpusReader) -> set[str]:
    """The languages of the store's articles."""
    return {k.removeprefix("articles_") for k in corpus.counts() if k.startswith("articles_")}


def language_pair_option(value: str | None, known: Iterable[str] = ()) -> tuple[str, str] | None:
    """--languages ORIGINAL,TRANSLATION: two language codes."""
    if value is None:
        return None
    parts = [p.strip() for p in value.split(",")]
    if len(parts) != 2:
        raise CliError(
            f"--languages takes two language codes, the original's first (e.g. ar,en), "
            f"got {value!r}",
            USAGE,
        )
    return (
        language_option(parts[0], "--languages", known),
        language_option(parts[1], "--languages", known),
    )
