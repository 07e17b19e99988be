"""`bitext`: the pipeline's command line. Each stage runs alone from here.

Errors: a command raises `CliError` (or typer.BadParameter for a bad option value); `BitextApp`
turns it, and any other exception, into one line on stderr and exit status 2 (the command line
is wrong) or 1 (the command failed); `--debug` anywhere on the line shows the traceback.
"""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import sys
import time
import traceback
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Protocol, TypeGuard

import typer
from rich.console import Console
from rich.progress import Progress, TaskID, TextColumn, track
from rich.table import Table

from pipeline.boilerplate import SiteBoilerplate
from pipeline.corpus import CorpusReader
from pipeline.models import DIRECTIONS, json_schema
from pipeline.profile import LanguageSite

if TYPE_CHECKING:  # SQLAlchemy and warcio load where a command needs them, not at start
    from pipeline.store import SqlCorpusStore

FAILED, USAGE = 1, 2  # exit statuses: the command failed; the command line is wrong


class CliError(Exception):
    """A mistake or failure the user can act on: shown as one line, exit status `code`."""

    def __init__(self, message: str, code: int = FAILED) -> None:
        super().__init__(message)
        self.code = code


def _one_line(text: str, limit: int = 600) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _os_error(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        what = "no space left on device"
    elif exc.errno == errno.EFBIG:
        what = "file too large (size limit reached)"
    else:
        what = (exc.strerror or str(exc)).lower()
    where = " -> ".join(str(f) for f in (exc.filename, exc.filename2) if f)
    return f"{what}: {where}" if where else what


class _ClickError(Protocol):
    """click's usage and abort errors (and the copy newer typer versions carry)."""

    exit_code: int

    def format_message(self) -> str: ...


def _is_click_error(exc: BaseException) -> TypeGuard[_ClickError]:
    return callable(getattr(exc, "format_message", None)) and isinstance(
        getattr(exc, "exit_code", None), int
    )


def error_line(exc: BaseException) -> tuple[str, int]:
    """The one line shown for an exception that ended a command, and the exit status."""
    from sqlalchemy.exc import SQLAlchemyError

    from pipeline.argos import InvalidPackage

    if isinstance(exc, CliError):
        return str(exc), exc.code
    if _is_click_error(exc):  # click's, or the copy newer typer versions carry
        ctx = getattr(exc, "ctx", None)
        hint = f" (see: {ctx.command_path} --help)" if ctx and exc.exit_code == USAGE else ""
        return exc.format_message() + hint, exc.exit_code
    if isinstance(exc, InvalidPackage):
        return f"not installed: {exc}", FAILED
    if isinstance(exc, UnicodeDecodeError):
        return (
            f"input is not UTF-8 text ({exc.reason} at byte {exc.start}); convert it to UTF-8 "
            "first (iconv -f LATIN1 -t UTF-8)",
            FAILED,
        )
    if isinstance(exc, OSError):
        return _os_error(exc), FAILED
    if isinstance(exc, SQLAlchemyError):
        return f"store: {getattr(exc, 'orig', None) or exc}", FAILED
    return f"unexpected {type(exc).__name__}: {exc} (run again with --debug for details)", FAILED


def _terminate(signum: int, frame: Any) -> NoReturn:
    raise SystemExit(128 + signum)  # unwinds: temp files removed, the store closed


class BitextApp(typer.Typer):
    """typer's app, run so that no user mistake ends in a traceback (see the module doc)."""

    def __call__(self, args: list[str] | None = None, prog_name: str = "bitext") -> NoReturn:
        argv = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in argv or os.environ.get("BITEXT_DEBUG", "") not in ("", "0")
        argv = [a for a in argv if a != "--debug"]
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _terminate)
        command = typer.main.get_command(self)
        try:
            status = command.main(args=argv, prog_name=prog_name, standalone_mode=False)
        except Exception as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # `bitext`, `bitext models`
                context: Any = getattr(exc, "ctx", None)  # click's, or typer's copy of it
                typer.echo(context.get_help())
                sys.exit(USAGE)
            if debug:
                traceback.print_exc()
            message, status = error_line(exc)
            typer.echo(f"error: {_one_line(message)}", err=True)
        sys.exit(status if isinstance(status, int) else 0)


app = BitextApp(
    help="Bilingual news corpus pipeline.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
console = Console()
progress_console = Console(stderr=True)  # progress and notices; stdout carries the data


def _version(value: bool) -> None:
    if value:
        from pipeline.exports import TOOL_VERSION

        typer.echo(f"bitext {TOOL_VERSION}")
        raise typer.Exit()


WorkerOpt = Annotated[
    bool,
    typer.Option(
        "--worker",
        help="Run as one of several workers sharing the store's work by row claims "
        "(any number, on any machines, with a PostgreSQL store; SQLite: one). "
        "Prints a JSON report.",
    ),
]
WorkersOpt = Annotated[
    int, typer.Option("--workers", help="Start this many --worker processes here and wait.")
]
LeaseOpt = Annotated[
    float, typer.Option("--lease", help="Seconds a dead worker's claims stay held.")
]


@app.callback()
def _global_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="Show the traceback of an error (anywhere on the line; or BITEXT_DEBUG=1).",
        ),
    ] = False,
) -> None:
    """Bilingual news corpus pipeline."""


DataDir = Annotated[
    Path,
    typer.Option("--data-dir", envvar="BITEXT_DATA_DIR", help="Where the crawl wrote its output."),
]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="BITEXT_STORE",
        help="SQLAlchemy URL or SQLite path. Default: DATA_DIR/corpus.sqlite.",
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


def _store(data_dir: Path, store: str | None, *, must_exist: bool = True) -> SqlCorpusStore:
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
    from pipeline.store import open_store

    return open_store(location)


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


@app.command()
def stats(
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Counts by stage, and every unpaired article and failure by reason."""
    corpus = _store(data_dir, store)
    if as_json:
        from pipeline.stats import corpus_stats

        sys.stdout.write(json.dumps(corpus_stats(corpus), sort_keys=True) + "\n")
        corpus.close()
        return
    counts = corpus.counts()
    table = Table(title="Corpus")
    table.add_column("stage")
    table.add_column("count", justify="right")
    for key in (
        "crawls",
        "articles",
        *sorted(k for k in counts if k.startswith("articles_")),
        "versions",
        "pairs",
        "unpaired",
        "errors",
        "captures",
        "texts",
        "texts_no_body",
        "texts_wrong_language",
        "translations",
        "alignments",
        "stage_failures",
    ):
        table.add_row(key, str(counts[key]))
    console.print(table)
    translation = Table(title="Translation (for alignment)")
    for column in ("direction", "sentences", "translated", "status"):
        translation.add_column(column)
    from pipeline.stats import pending_sentences

    for direction, pending in pending_sentences(corpus).items():
        total, done = pending["sentences"], pending["done"]
        translation.add_row(
            direction.replace("-", "->"),
            str(total),
            str(done),
            "pending: no package installed (bitext models check)"
            if pending["engine"] is None
            else "done"
            if done == total
            else "pending: bitext translate",
        )
    console.print(translation)
    from pipeline.align_store import summarize

    summary = summarize(corpus.iter_alignments())
    aligned = Table(title="Aligned")
    aligned.add_column("")
    aligned.add_column("count", justify="right")
    aligned.add_row("pairs aligned", str(sum(summary.modes.values())))
    for mode, n in sorted(summary.modes.items()):
        aligned.add_row(
            f"  mode {mode}" + (" (degraded: no translation)" if mode == "none" else ""), str(n)
        )
    aligned.add_row("beads", str(summary.beads))
    for flag, n in sorted(summary.flags.items()):
        aligned.add_row(f"  flagged {flag}", str(n))
    console.print(aligned)
    reasons = Counter(p.reason.value for p in corpus.iter_pairs() if p.reason)
    errors = Counter(e.kind.value for e in corpus.errors())
    failed_stages = Counter(
        (f.stage.value, f.scope, f.reason) for _, _, f in corpus.stage_failures()
    )
    if reasons or errors or failed_stages:
        why = Table(title="Not paired / failed, by reason")
        why.add_column("record")
        why.add_column("reason")
        why.add_column("count", justify="right")
        for reason, n in sorted(reasons.items()):
            why.add_row("unpaired article", reason, str(n))
        for kind, n in sorted(errors.items()):
            why.add_row("crawl error", kind, str(n))
        for (stage, scope, reason), n in sorted(failed_stages.items()):
            # the pair is stored; the stage is to be run again (bitext extract/translate/align)
            why.add_row(f"{stage} failed ({scope})", reason, str(n))
        console.print(why)
    corpus.close()


def _side(site: str | None, lang: str) -> LanguageSite | None:
    from pipeline.profiles import PROFILES

    if site is None:
        return None
    if site not in PROFILES:
        raise typer.BadParameter(f"unknown site {site!r}; known: {', '.join(PROFILES)}")
    return PROFILES[site].side(lang)


def _extract_from_store(data_dir: Path, store: str | None, redo: bool) -> None:
    """Stored versions re-extracted with their site's learned boilerplate: votes from every
    version being extracted now and from the texts already stored for other articles."""
    from pipeline.extract import clean_page, learn_boilerplate, read_page
    from pipeline.stages import extraction_stale

    corpus = _store(data_dir, store)
    done: Counter[str] = Counter()
    chosen = [
        (version_id, version)
        for version_id, version, extractor in corpus.version_extractors()
        if extraction_stale(extractor, redo=redo)
    ]
    pages = corpus.raw_pages([version_id for version_id, _ in chosen])
    todo = [(version_id, version, pages[version_id]) for version_id, version in chosen]
    reads = []
    for _, version, raw in track(todo, description="reading", console=progress_console):
        reads.append(
            read_page(
                raw.decode(version.encoding, errors="replace"),
                language=version.language,
                side=_side(version.site, version.language),
                url=version.url,
                site=version.site,
                content_sha256=version.content_sha256,
            )
        )
    learned = learn_boilerplate(reads)
    being_done = {(v.site, v.language, v.site_article_id) for _, v, _ in todo}
    _learn_from_stored_texts(corpus, learned, being_done)
    for (version_id, version, _), read in zip(todo, reads, strict=True):
        text = clean_page(read, learned.repeated(read.home))
        corpus.save_text(version_id, text)
        done[f"{version.language} {text.status.value}"] += 1
    corpus.close()
    console.print(
        f"{len(todo)} versions extracted: "
        + ", ".join(f"{k}: {v}" for k, v in sorted(done.items()))
    )


def _learn_from_stored_texts(
    corpus: CorpusReader, learned: SiteBoilerplate, skip: set[tuple[str, str, str]]
) -> None:
    """Stored texts vote too (what trafilatura gave: kept paragraphs and those removed by rule),
    one vote an article."""
    from pipeline.extract import text_votes
    from pipeline.stages import original, translation, with_texts

    for pair, original_text, translation_text in with_texts(corpus.iter_pairs(), corpus.texts_of):
        for version, text in (
            (translation(pair), translation_text),
            (original(pair), original_text),
        ):
            if version is None or (version.site, version.language, version.site_article_id) in skip:
                continue
            if text is None:
                continue
            home = f"{version.site}/{version.language}"
            learned.add_page(home, version.canonical_url, text_votes(text))


GUNZIP_MAX = 64 * 1024 * 1024  # bytes: a saved page bigger than this unpacked is refused


def _gunzip_page(raw: bytes) -> bytes:
    """A gzip-compressed page unpacked, refused past GUNZIP_MAX (a zip bomb)."""
    import gzip
    import io

    with gzip.GzipFile(fileobj=io.BytesIO(raw)) as unpacked:
        data = unpacked.read(GUNZIP_MAX + 1)
    if len(data) > GUNZIP_MAX:
        raise ValueError(f"over {GUNZIP_MAX} bytes once unpacked; not read")
    return data


@app.command()
def extract(
    pages: Annotated[
        list[Path] | None, typer.Argument(help="Saved HTML pages (more than one: JSON Lines).")
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="The pages' language (default: detected).")
    ] = None,
    site: Annotated[
        str,
        typer.Option(
            "--site", help="Site profile: a name (e.g. enab), auto (found from the page), none."
        ),
    ] = "auto",
    url: Annotated[str | None, typer.Option("--url", help="Where the page came from.")] = None,
    from_store: Annotated[
        bool, typer.Option("--from-store", help="Extract every stored version lacking text.")
    ] = False,
    redo: Annotated[bool, typer.Option("--redo", help="With --from-store: all versions.")] = False,
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
) -> None:
    """Clean body text (boilerplate out, language checked, sentences): of one page as JSON; of
    several as JSON Lines, one object a page in the order given, each with its "path", the
    boilerplate each site repeats across them learned and taken out; or of the stored versions
    (--from-store), e.g. after a crawl with -s BITEXT_EXTRACT=0."""
    from pipeline.encoding import decode_html
    from pipeline.extract import clean_page, learn_boilerplate, read_page
    from pipeline.profiles import PROFILES

    if from_store:
        _extract_from_store(data_dir, store, redo)
        return
    if not pages:
        raise typer.BadParameter("give one PAGE or more, or --from-store")
    profiles = list(PROFILES.values())
    side, site_name = None, None
    if site not in ("auto", "none"):
        if site not in PROFILES:
            raise typer.BadParameter(
                f"unknown site {site!r}; known: auto, none, {', '.join(PROFILES)}"
            )
        if lang is not None:
            side = PROFILES[site].side(lang)
            if side is None:
                raise typer.BadParameter(f"site {site!r} has no {lang!r} side")
        else:  # the side is the one the page is on: found as in auto, among this profile only
            profiles = [PROFILES[site]]
        site_name = site
    fallbacks = tuple(
        dict.fromkeys(
            e
            for p in PROFILES.values()
            for s in (p.translation, p.original)
            for e in s.fallback_encodings
        )
    )
    reads: list = []
    errors: dict[int, str] = {}
    for number, path in enumerate(pages):
        try:
            raw = input_file(path, "page").read_bytes()
        except CliError as exc:  # one page: the error; a batch: its line, the others go on
            if len(pages) == 1:
                raise
            errors[number] = str(exc)
            reads.append(None)
            continue
        except OSError as exc:
            errors[number] = f"cannot read the page: {exc.strerror or exc}"
            reads.append(None)
            continue
        if raw[:2] == b"\x1f\x8b":  # a gzip-compressed page (.html.gz, as archives keep them)
            try:
                raw = _gunzip_page(raw)
            except (OSError, EOFError, ValueError) as exc:
                if len(pages) == 1:
                    raise CliError(f"{path}: {exc}") from exc
                errors[number] = str(exc)
                reads.append(None)
                continue
        decoded = decode_html(raw, fallbacks=side.fallback_encodings if side else fallbacks)
        reads.append(
            read_page(
                decoded.text,
                language=lang,
                side=side,
                url=url,
                site=site_name,
                profiles=profiles if side is None and site != "none" else (),
            )
        )
    learned = learn_boilerplate([r for r in reads if r is not None])
    if len(pages) == 1:
        if errors:
            raise typer.BadParameter(errors[0])
        text = clean_page(reads[0])
        typer.echo(text.model_dump_json(indent=2))
        return
    for number, (path, read) in enumerate(zip(pages, reads, strict=True)):
        if read is None:
            typer.echo(json.dumps({"path": str(path), "error": errors[number]}, ensure_ascii=False))
            continue
        text = clean_page(read, learned.repeated(read.home))
        typer.echo(
            json.dumps({"path": str(path), **text.model_dump(mode="json")}, ensure_ascii=False)
        )


models_app = typer.Typer(
    help="Argos Translate packages (ARGOS_PACKAGES_DIR).", no_args_is_help=True
)
app.add_typer(models_app, name="models")


@models_app.command("list")
def models_list() -> None:
    """Installed packages."""
    from pipeline.argos import installed_packages, packages_dir

    table = Table(title=f"Argos packages in {packages_dir()}")
    for column in ("package", "from", "to", "version"):
        table.add_column(column)
    for p in installed_packages():
        table.add_row(p.name, p.from_code, p.to_code, p.package_version)
    console.print(table)


@models_app.command("install")
def models_install(file: Annotated[Path, typer.Argument(help="An .argosmodel file.")]) -> None:
    """Validate a package file, extract it (zip bomb and CRC checks as it goes), load it with
    CTranslate2 and SentencePiece and translate a word, then install it; a bad package leaves
    nothing behind."""
    from pipeline.argos import InvalidPackage, install_package
    from pipeline.translate import load_check

    input_file(file, "package file")
    try:
        info = install_package(file, verify=load_check)
    except (InvalidPackage, OSError) as exc:
        raise CliError(f"not installed: {exc}") from exc
    console.print(
        f"installed {info.name} ({info.from_code}->{info.to_code} "
        f"v{info.package_version}) in {info.path}"
    )


@models_app.command("remove")
def models_remove(name: Annotated[str, typer.Argument(help="Package name, or FROM-TO.")]) -> None:
    """Remove an installed package."""
    from pipeline.argos import remove_package

    try:
        info = remove_package(name)
    except KeyError as exc:
        raise CliError(exc.args[0]) from exc
    console.print(f"removed {info.name}")


@models_app.command("check")
def models_check(from_code: str, to_code: str) -> None:
    """Which package serves a pair, or exactly what to install and how."""
    from pipeline.argos import find_route, installed_packages, route_advice

    packages = installed_packages()
    console.print(route_advice(from_code, to_code, packages))
    if find_route(from_code, to_code, packages) is None:
        raise typer.Exit(1)


def _stored_sentences(corpus: CorpusReader, language: str, size: int) -> Iterator[list[str]]:
    """The distinct sentences of the stored clean texts of paired articles in `language`, in
    chunks (each a batch of decoding, saved as it goes)."""
    from pipeline.stages import paired_sentences

    sentences = paired_sentences(corpus, language)
    for start in range(0, len(sentences), size):
        yield sentences[start : start + size]


class _MemoryCache:
    """The store's translation cache, for `translate FILE` where no store exists."""

    def __init__(self) -> None:
        self.known: dict[tuple[str, str], str] = {}

    def cached_translations(self, engine: str, keys: list[str]) -> dict[str, str]:
        return {k: self.known[(engine, k)] for k in keys if (engine, k) in self.known}

    def save_translations(self, engine: str, translations: dict[str, str]) -> None:
        self.known.update({(engine, k): v for k, v in translations.items()})

    def close(self) -> None:
        pass


@app.command()
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
    translation (Arabic -> English and English -> Arabic, where a package serves them).
    --worker / --workers N: the same, shared by worker processes, each sentence decoded once."""
    from pipeline.stages import store_directions
    from pipeline.translate import Engine, EngineSettings, NoRoute, translate_cached

    settings = EngineSettings(
        device=device, compute_type=compute_type, intra_threads=threads, batch_size=batch_size
    )
    if output is not None:
        output_file(output)
    if workers and file is None:
        _run_workers(workers)
        return
    if worker and file is None:
        shared = _store(data_dir, store)
        from pipeline.workers import translate_worker

        report: dict[str, object] = {}
        for source, target in store_directions(shared.iter_pairs()):
            try:
                engine = Engine(source, target, settings=settings)
            except NoRoute:
                report[f"{source}-{target}"] = "pending: no package installed"
                continue
            done = translate_worker(shared, engine, source, lease_s=lease)
            report[f"{source}-{target}"] = {"claimed": done.claimed, **done.counts}
        shared.close()
        _worker_report("translate", report)
        return
    jobs: list[tuple[str, str, Iterable[list[str]]]] = []
    if file is not None:
        if not (from_code and to_code):
            raise typer.BadParameter("--from and --to are needed with FILE")
        text = read_text_file(file)
        jobs.append((from_code, to_code, [text.splitlines()]))
    # With FILE the store is only a cache: used where it exists, never created.
    corpus: SqlCorpusStore | _MemoryCache
    if file is None:
        corpus = stored = _store(data_dir, store)
        for source, target in store_directions(stored.iter_pairs()):
            jobs.append((source, target, _stored_sentences(stored, source, batch_size * 64)))
    else:
        corpus = _store(data_dir, store) if store_exists(data_dir, store) else _MemoryCache()
    for source, target, chunks in jobs:
        try:
            engine = Engine(source, target, settings=settings)
        except NoRoute:
            from pipeline.argos import installed_packages, route_advice

            pending = len({s for chunk in chunks for s in chunk})
            advice = route_advice(source, target, installed_packages())
            if file is not None:
                raise CliError(f"{pending} {source} sentences not translated: {advice}") from None
            progress_console.print(
                f"[yellow]translation pending[/yellow] for {pending} {source} sentences: {advice}"
            )
            continue
        with Progress(
            *Progress.get_default_columns(),
            TextColumn("{task.fields[rate]}"),
            console=progress_console,
            transient=file is not None and output is None,
        ) as bar:
            task = bar.add_task(f"{source}->{target}", total=None, rate="")
            started = time.monotonic()

            def advance(n: int, task: TaskID = task, started: float = started) -> None:
                bar.advance(task, n)
                done = bar.tasks[0].completed
                bar.update(task, rate=f"{done / max(time.monotonic() - started, 1e-9):.1f} sent/s")

            for sentences in chunks:  # one bounded chunk at a time: memory is not corpus size
                bar.update(task, total=(bar.tasks[0].total or 0) + len(set(sentences)))
                result = translate_cached(
                    engine,
                    sentences,
                    lookup=corpus.cached_translations,
                    save=corpus.save_translations,
                    progress=advance,
                )
        if not isinstance(corpus, _MemoryCache):  # every stored text translated: the crawl's
            # failure marks are settled
            corpus.settle_stage_failures("translation", f"{source}-{target}")
        if file is not None:
            out = "\n".join(result) + "\n"
            if output:
                from pipeline.exports import atomic_writer

                with atomic_writer(output) as handle:  # a full disk leaves the old file whole
                    handle.write(out)
            else:
                sys.stdout.write(out)
    corpus.close()


@app.command("align")
def align_command(
    redo: Annotated[bool, typer.Option(help="Realign every pair, even unchanged ones.")] = False,
    translate: Annotated[
        bool, typer.Option(help="Decode missing translations where a package is installed.")
    ] = True,
    device: Annotated[str, typer.Option(help="cpu or cuda, for decoding.")] = "cpu",
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
    worker: WorkerOpt = False,
    workers: WorkersOpt = 0,
    lease: LeaseOpt = 120.0,
    batch: Annotated[int, typer.Option(help="With --worker: pairs claimed at a time.")] = 50,
) -> None:
    """Align the stored article pairs sentence by sentence (Arabic original -> English) and flag
    where they diverge. Uses the installed packages' translations where there are any.
    --worker / --workers N: the same, shared by worker processes, each pair aligned once."""
    from pipeline.align_store import align_stored, summarize
    from pipeline.translate import EngineSettings

    if workers:
        _run_workers(workers)
        return
    corpus = _store(data_dir, store)
    if worker:
        from pipeline.workers import align_worker

        done = align_worker(
            corpus,
            translate=translate,
            settings=EngineSettings(device=device),
            batch=batch,
            lease_s=lease,
            redo=redo,
        )
        corpus.close()
        _worker_report("align", {"claimed": done.claimed, **done.counts})
        return
    counts = align_stored(
        corpus, redo=redo, translate=translate, settings=EngineSettings(device=device)
    )
    summary = summarize(corpus.iter_alignments())
    corpus.close()
    table = Table(title="Alignment")
    table.add_column("")
    table.add_column("count", justify="right")
    for key, value in sorted(counts.items()):
        table.add_row(key, str(value))
    for mode, value in sorted(summary.modes.items()):
        table.add_row(f"stored alignments, mode {mode}", str(value))
    for flag, value in sorted(summary.flags.items()):
        table.add_row(f"beads flagged {flag}", str(value))
    console.print(table)
    if summary.modes.get("none"):
        console.print(
            '[yellow]degraded:[/yellow] alignments in mode "none" rest on a word list, a learned '
            "lexicon, lengths and anchors, with no translation; install an ar->en package "
            "(`bitext models install`) and run `bitext align` again."
        )


def _worker_report(stage: str, report: dict[str, object]) -> None:
    from pipeline.workers import worker_name

    sys.stdout.write(json.dumps({"worker": worker_name(), "stage": stage, **report}) + "\n")


def _run_workers(n: int) -> None:
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


def _documents(path: Path, separator: str) -> list[list[str]]:
    lines = read_text_file(path).splitlines()
    docs: list[list[str]] = [[]]
    for line in lines:
        if line.strip() == separator.strip() and (separator.strip() or not line.strip()):
            docs.append([])
        else:
            docs[-1].append(line)
    if len(docs) > 1 and not docs[-1]:
        docs.pop()  # a trailing separator ends the last document
    return docs


def _line_parallel(path: Path, like: list[list[str]]) -> list[list[str]] | None:
    """The file cut into documents where its side is, when it has exactly its side's lines
    (documents and one separator line between each); None otherwise."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if len(lines) not in (sum(map(len, like)) + len(like) - 1, sum(map(len, like)) + len(like)):
        return None
    docs, k = [], 0
    for doc in like:
        docs.append(lines[k : k + len(doc)])
        k += len(doc) + 1
    return docs


@app.command("align-files")
def align_files(
    src: Annotated[Path, typer.Argument(help="Source: one sentence a line.")],
    tgt: Annotated[Path, typer.Argument(help="Target: one sentence a line.")],
    src_lang: Annotated[str, typer.Option("--src-lang")],
    tgt_lang: Annotated[str, typer.Option("--tgt-lang")],
    output: Annotated[Path, typer.Option("-o", help="JSONL, one bead a line.")],
    translation: Annotated[
        Path | None, typer.Option("--translation", help="SRC translated into TGT's language.")
    ] = None,
    tgt_translation: Annotated[
        Path | None, typer.Option("--tgt-translation", help="TGT translated into SRC's language.")
    ] = None,
    doc_separator: Annotated[
        str, typer.Option("--doc-separator", help="The line between documents.")
    ] = "",
    diff: Annotated[bool, typer.Option(help="Add the word-level diff to each bead.")] = False,
    dictionary: Annotated[
        Path | None,
        typer.Option(
            "--dictionary",
            help="Word list for aligning without translation: 'SRC word<TAB>TGT word' lines "
            "(.gz allowed). Default: the bundled one for the pair, if any.",
        ),
    ] = None,
) -> None:
    """Align your own documents (Bleualign's file conventions); beads as JSON lines:
    {"doc", "src", "tgt", "score", "flags", "mode"}, indices 0-based within document "doc"."""
    from pipeline.align import Document, align_corpus
    from pipeline.dictionary import bundled_dictionary, load_dictionary
    from pipeline.exports import atomic_writer
    from pipeline.translate import engine_or_none

    output_file(output)
    src_docs, tgt_docs = _documents(src, doc_separator), _documents(tgt, doc_separator)
    if len(src_docs) != len(tgt_docs):
        raise typer.BadParameter(
            f"{src} has {len(src_docs)} documents and {tgt} has {len(tgt_docs)}"
        )

    def side(path: Path | None, like: list[list[str]], name: str) -> list[list[str]] | None:
        if path is None:
            return None
        docs = _documents(path, doc_separator)
        if [len(d) for d in docs] == [len(d) for d in like]:
            return docs
        parallel = _line_parallel(path, like)  # a translation line left empty is no separator
        if parallel is None:
            raise typer.BadParameter(f"{name} must have the same documents and lines as its side")
        return parallel

    src_mt = side(translation, src_docs, "--translation")
    tgt_mt = side(tgt_translation, tgt_docs, "--tgt-translation")
    supplied = src_mt is not None or tgt_mt is not None
    engine = None if supplied else engine_or_none(src_lang, tgt_lang)
    if engine is not None:
        flat = engine.translate([s for d in src_docs for s in d])
        src_mt, k = [], 0
        for d in src_docs:
            src_mt.append(flat[k : k + len(d)])
            k += len(d)
    word_list = None
    if engine is None and not supplied:
        if dictionary is not None:
            input_file(dictionary, "dictionary file")
            word_list = load_dictionary(dictionary, src_lang, tgt_lang)
        else:
            word_list = bundled_dictionary(src_lang, tgt_lang)
        words = (
            f"a {len(word_list)}-word dictionary, " if word_list is not None else "no dictionary, "
        )
        progress_console.print(
            f"[yellow]no {src_lang}->{tgt_lang} package installed:[/yellow] aligning without "
            f'translation (mode "none": {words}a learned lexicon, lengths, anchors)'
        )
    docs = [
        Document(s, t, src_mt=src_mt[k] if src_mt else None, tgt_mt=tgt_mt[k] if tgt_mt else None)
        for k, (s, t) in enumerate(zip(src_docs, tgt_docs, strict=True))
    ]
    # an installed package for the direction also rescores boundaries next to unaligned
    # sentences (pipeline.align._rescored), with supplied translations too
    scoring = engine if engine is not None else engine_or_none(src_lang, tgt_lang)
    scorer = scoring.scorer() if scoring is not None and (src_mt or tgt_mt) else None
    if scorer is not None:
        progress_console.print(
            f"rescoring unaligned sentences' boundaries with the {src_lang}->{tgt_lang} model"
        )
    alignments = align_corpus(
        docs,
        src_language=src_lang,
        tgt_language=tgt_lang,
        supplied=supplied,
        diff=diff,
        dictionary=word_list,
        scorer=scorer,
    )
    beads = 0
    with atomic_writer(output) as out:
        for k, alignment in enumerate(alignments):
            for bead in alignment.beads:
                line = {"doc": k, **bead.model_dump(exclude_none=True), "mode": alignment.mode}
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                beads += 1
    modes = Counter(a.mode for a in alignments)
    progress_console.print(
        f"{beads} beads from {len(docs)} documents written to {output} "
        f"(mode: {', '.join(f'{m} x{n}' for m, n in modes.items())})"
    )


def _language_pair_option(value: str | None) -> tuple[str, str] | None:
    if value is None:
        return None
    parts = tuple(p.strip().lower() for p in value.split(","))
    if len(parts) != 2 or not all(re.fullmatch(r"[a-z]{2,3}", p) for p in parts):
        raise typer.BadParameter(
            f"--languages takes two language codes, the original's first (e.g. ar,en), "
            f"got {value!r}"
        )
    return (parts[0], parts[1])


@app.command("export")
def export_command(
    output: Annotated[
        Path, typer.Option("-o", help="File (Moses: a prefix, the two language codes added).")
    ],
    format: Annotated[str, typer.Option("--format", help="jsonl, tmx, moses or xliff.")] = "jsonl",
    min_score: Annotated[float | None, typer.Option("--min-score")] = None,
    skip_flagged: Annotated[bool, typer.Option("--skip-flagged")] = False,
    since: Annotated[str | None, typer.Option("--since", help="YYYY-MM-DD (publication).")] = None,
    dedup: Annotated[bool, typer.Option("--dedup", help="Drop repeated segment pairs.")] = False,
    reviewed_only: Annotated[
        bool, typer.Option("--reviewed-only", help="Only beads a translator approved.")
    ] = False,
    languages: Annotated[
        str | None,
        typer.Option(
            "--languages",
            help="ORIGINAL,TRANSLATION (e.g. ar,en): the language pair to export; needed for "
            "TMX, Moses and XLIFF when the store holds more than one.",
        ),
    ] = None,
    allow_empty: Annotated[
        bool,
        typer.Option(
            "--allow-empty",
            help="Write the files even with 0 pairs to export (refused by default, so that a "
            "wrong or empty store never replaces a good export).",
        ),
    ] = False,
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
) -> None:
    """Export the aligned corpus: JSONL (one article pair a line, everything kept), TMX 1.4b,
    Moses parallel text or XLIFF 2.0 (one segment pair a bead). Written atomically (Moses: both
    files or neither); nothing is written when there is nothing to export (see --allow-empty).
    A pair's review (bitext review import) replaces its machine alignment and travels with it;
    beads a translator rejected are left out of TMX, Moses and XLIFF."""
    from pipeline import exports

    if format not in ("jsonl", "tmx", "moses", "xliff"):
        raise typer.BadParameter("--format must be jsonl, tmx, moses or xliff")
    chosen = _language_pair_option(languages)
    output_file(output)
    corpus = _store(data_dir, store)
    if chosen is None and format != "jsonl":  # one language pair a file: the store's, if one
        held = exports.language_pairs(corpus)
        if len(held) > 1:
            corpus.close()
            raise CliError(
                f"the store holds {len(held)} language pairs ("
                + ", ".join(f"{o},{t}" for o, t in held)
                + f"): a {format} file holds one; choose it with --languages ORIGINAL,TRANSLATION"
            )
        chosen = held[0] if held else DIRECTIONS[0]
    keep = exports.ExportFilter(
        min_score=min_score,
        skip_flagged=skip_flagged,
        since=parse_day(since, "--since"),
        reviewed_only=reviewed_only,
        languages=chosen,
    )
    if format == "moses" and chosen is not None:
        for language in chosen:
            output_file(output.with_name(f"{output.name}.{language}"))
    counts: Counter[str] = Counter()
    pairs = exports.exported_pairs(corpus, keep, counts)
    src_lang, tgt_lang = chosen or DIRECTIONS[0]
    language_codes = {"src_lang": src_lang, "tgt_lang": tgt_lang}
    try:
        if format == "jsonl":
            if dedup:
                progress_console.print("[yellow]--dedup applies to segment formats; ignored[/]")
            written = exports.write_jsonl(pairs, output, allow_empty=allow_empty)
        else:
            segs = exports.segments(pairs, dedup=dedup, counts=counts)
            writer = {
                "tmx": exports.write_tmx,
                "moses": exports.write_moses,
                "xliff": exports.write_xliff,
            }
            written = writer[format](segs, output, **language_codes, allow_empty=allow_empty)
    except exports.EmptyExport as exc:
        found = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()) if v) or "no pairs"
        raise CliError(
            f"nothing exported from {store_location(data_dir, store)} ({found}): {exc}; "
            "check --data-dir/--store and the filters, or pass --allow-empty"
        ) from exc
    finally:
        corpus.close()
    unit = "article pairs" if format == "jsonl" else "segment pairs"
    where = f"{output}.{src_lang} and {output}.{tgt_lang}" if format == "moses" else str(output)
    console.print(f"{written} {unit} written to {where}")
    for key, value in sorted(counts.items()):
        if value and key not in ("pairs", "segments"):
            console.print(f"  {key}: {value}")


@app.command("report")
def report_command(
    output: Annotated[
        Path | None, typer.Option("-o", help="Directory for the HTML site (DATA_DIR/report).")
    ] = None,
    warc_dir: Annotated[
        Path | None,
        typer.Option("--warc-dir", envvar="BITEXT_WARC_DIR", help="Default: DATA_DIR/warc."),
    ] = None,
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
) -> None:
    """Write the translators' review report: a static site, index plus one page per article,
    where beads are reviewed (kept in the browser, saved as a review file for `bitext review
    import`), with the archived captures of the WARC files in DATA_DIR/warc."""
    from pipeline.exports import exported_pairs
    from pipeline.report import WarcPages, write_report

    output = output or data_dir / "report"
    if output.exists() and not output.is_dir():
        raise CliError(f"-o {output} is a file; the report is a directory", USAGE)
    corpus = _store(data_dir, store)
    counts: Counter[str] = Counter()
    archive = WarcPages(warc_dir or data_dir / "warc", corpus.captures())
    summary = write_report(exported_pairs(corpus, counts=counts), output, archive=archive)
    corpus.close()
    flags = ", ".join(f"{k} {v}" for k, v in sorted(summary.flags.items())) or "none"
    console.print(
        f"report: {summary.index.resolve()} ({summary.articles} articles, {summary.beads} beads, "
        f"{summary.divergent_beads} with divergences: {flags}; "
        f"{summary.archived_pages} archived pages, {summary.reviewed_articles} reviewed articles)"
    )
    for key, value in sorted(counts.items()):
        if value and key not in ("pairs", "beads filtered out"):
            console.print(f"  {key}: {value}")


review_app = typer.Typer(
    help="Translators' reviews: review files out of the store and back in.", no_args_is_help=True
)
app.add_typer(review_app, name="review")


@review_app.command("export")
def review_export(
    output: Annotated[Path, typer.Option("-o", help="The review file (JSON) to write.")],
    pair: Annotated[
        list[str] | None,
        typer.Option("--pair", help="SITE:TRANSLATION_ARTICLE_ID; repeat it. Default: every pair."),
    ] = None,
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
) -> None:
    """Write a review file (format bitext-review/3) of the current alignments: a reviewed pair
    with its statuses and comments, the others with every bead pending."""
    from pipeline.exports import atomic_writer, exported_pairs
    from pipeline.review import ReviewRefused, export_reviews

    corpus = _store(data_dir, store)
    try:
        review_file = export_reviews(exported_pairs(corpus), pair or None)
    except ReviewRefused as exc:
        raise CliError(f"not exported: {exc}") from exc
    finally:
        corpus.close()
    with atomic_writer(output) as out:
        out.write(review_file.model_dump_json(indent=1) + "\n")
    beads = sum(len(p.beads) for p in review_file.pairs)
    console.print(f"{len(review_file.pairs)} pairs, {beads} beads written to {output}")


@review_app.command("import")
def review_import(
    file: Annotated[Path, typer.Argument(help="A review file (format bitext-review/3 or older).")],
    reviewer: Annotated[
        str | None, typer.Option("--reviewer", help="Who reviewed (kept with the review).")
    ] = None,
    realign: Annotated[
        bool,
        typer.Option(
            "--realign",
            help="Align again the rows between the translator's fixed rows (approved, rejected, "
            "changed by hand, commented) before storing; fixed rows are never touched.",
        ),
    ] = False,
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
) -> None:
    """Check the whole file against the store (every sentence in exactly one bead, in order;
    pairs and sentences as stored), then store each pair's review as a new revision beside the
    machine alignment. Nothing is written if any pair is wrong. Importing twice changes nothing."""
    from pipeline.review import ReviewRefused, import_reviews

    corpus = _store(data_dir, store)
    try:
        result = import_reviews(corpus, file, reviewer=reviewer, realign=realign)
    except ReviewRefused as exc:
        raise CliError(f"refused, nothing imported: {exc}") from exc
    finally:
        corpus.close()
    for name, rows in result.realigned.items():
        console.print(f"{name}: {rows} rows re-aligned between the fixed rows")
    console.print(
        f"{len(result.new)} reviews stored as new revisions, "
        f"{len(result.unchanged)} unchanged (already imported)"
    )


@review_app.command("schema")
def review_schema_command(output: Annotated[Path | None, typer.Option("-o")] = None) -> None:
    """The JSON Schema of the review file, generated from its pydantic model."""
    from pipeline.review import review_schema

    text = json.dumps(review_schema(), indent=2, ensure_ascii=False)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        typer.echo(text)


@app.command()
def schema(output: Annotated[Path | None, typer.Option("-o")] = None) -> None:
    """The JSON Schema of every record, generated from the pydantic models."""
    text = json.dumps(json_schema(), indent=2, ensure_ascii=False)
    if output:
        from pipeline.exports import atomic_writer

        with atomic_writer(output_file(output)) as handle:
            handle.write(text + "\n")
    else:
        typer.echo(text)


@app.command("warc-check")
def warc_check(
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
    warc_dir: Annotated[
        Path | None,
        typer.Option("--warc-dir", envvar="BITEXT_WARC_DIR", help="Default: DATA_DIR/warc."),
    ] = None,
) -> None:
    """Check that every capture the store refers to is a complete record in the WARC files,
    and that every revisit resolves to the full capture it names (as replay tools need)."""
    from pipeline.warc import check_archive, read_records

    corpus = _store(data_dir, store)
    ids: set[str] = set()
    paths = sorted((warc_dir or data_dir / "warc").glob("*.warc.gz"))
    for path in paths:
        ids.update(str(r["id"]) for r in read_records(path))
    captures = corpus.captures()
    missing = [c for c in captures if c.warc_record_id not in ids]
    console.print(f"{len(captures)} captures, {len(ids)} WARC records, {len(missing)} missing")
    corpus.close()
    problems = check_archive(paths)
    for problem in problems:
        console.print(problem, style="red", markup=False, highlight=False)
    console.print(f"{len(problems)} replay problems")
    if missing or problems:
        raise typer.Exit(1)


if __name__ == "__main__":
    # `python -m pipeline.cli`: run the importable module's app, so that a CliError raised by
    # code importing `pipeline.cli` is the class this module's handler knows
    from pipeline.cli import app as importable_app

    importable_app()
