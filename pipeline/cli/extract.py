"""`bitext extract`: clean text of saved pages, or of the store's versions (--from-store)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pipeline.cli.app import CliError, console, progress_console
from pipeline.cli.options import DataDir, StoreOpt, input_file, language_option, open_corpus
from pipeline.deadline import Overtime

if TYPE_CHECKING:
    from pipeline.models import ArticleText
    from pipeline.pages import ParsedPage
    from pipeline.profile import LanguageSite, SiteProfile

GUNZIP_MAX = 64 * 1024 * 1024  # bytes: a saved page bigger than this unpacked is refused


def extract(
    pages: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Saved HTML pages (.html or .html.gz); more than one: JSON Lines.",
            metavar="PAGE",
            show_default=False,
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            metavar="CODE",
            help="The pages' language, a BCP 47 code (default: detected).",
        ),
    ] = None,
    site: Annotated[
        str,
        typer.Option(
            "--site",
            metavar="NAME",
            help="Site profile: a name (e.g. enab), auto (found from the page) or none.",
        ),
    ] = "auto",
    url: Annotated[
        str | None,
        typer.Option("--url", help="Where the page came from (its canonical URL, for the record)."),
    ] = None,
    from_store: Annotated[
        bool,
        typer.Option(
            "--from-store/--from-files",
            help="Extract every stored version lacking clean text, instead of PAGE files.",
        ),
    ] = False,
    redo: Annotated[
        bool,
        typer.Option("--redo/--no-redo", help="With --from-store: every version, again."),
    ] = False,
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
) -> None:
    """Clean body text of saved pages, or of the stored versions.

    Boilerplate out, language checked, sentences: of one page as JSON; of several as JSON
    Lines, one object a page in the order given, each with its "path", the boilerplate each
    site repeats across them learned and taken out; or of the stored versions (--from-store),
    e.g. after a crawl with -s BITEXT_EXTRACT=0, each page in a worker with
    BITEXT_EXTRACT_TIMEOUT seconds (30; 0: no limit) as in the crawl: a page over it keeps its
    stored text and is named, and the command exits 3."""
    from pipeline.stages.extract import PageInput, extract_batch

    if from_store:
        _extract_from_store(data_dir, store, redo)
        return
    if not pages:
        raise typer.BadParameter("give one PAGE or more, or --from-store")
    if lang is not None:
        lang = language_option(lang, "--lang")
    side, site_name, profiles = _chosen_site(site, lang)
    read = _read_pages(pages, side.fallback_encodings if side else _all_fallbacks())
    inputs = [
        PageInput(page, language=lang, side=side, url=url, site=site_name, profiles=profiles)
        for page in read
        if not isinstance(page, str)
    ]
    texts = iter(extract_batch(inputs))  # in this process: no Overtime comes back
    if len(pages) == 1:
        if isinstance(read[0], str):
            raise typer.BadParameter(read[0])
        text = next(texts)
        if isinstance(text, Overtime):
            raise CliError(f"{pages[0]}: {text.reason} ({text.detail})")
        typer.echo(text.model_dump_json(indent=2))
        return
    for path, page in zip(pages, read, strict=True):
        record = {"error": page} if isinstance(page, str) else _record(next(texts))
        typer.echo(json.dumps({"path": str(path), **record}, ensure_ascii=False))


def _record(text: ArticleText | Overtime) -> dict[str, Any]:
    if isinstance(text, Overtime):
        return {"error": f"{text.reason}: {text.detail}"}
    return text.model_dump(mode="json")


def _chosen_site(
    site: str, lang: str | None
) -> tuple[LanguageSite | None, str | None, list[SiteProfile]]:
    """--site and --lang: the side given (or None), the site's name, the profiles a page's own
    clues are looked up in (none for --site none, or when the side is given)."""
    from pipeline.profiles import PROFILES

    if site == "none":
        return None, None, []
    if site == "auto":
        return None, None, list(PROFILES.values())
    if site not in PROFILES:
        raise typer.BadParameter(f"unknown site {site!r}; known: auto, none, {', '.join(PROFILES)}")
    if lang is None:  # the side is the one the page is on: found as in auto, among this profile
        return None, site, [PROFILES[site]]
    side = PROFILES[site].side(lang)
    if side is None:
        raise typer.BadParameter(f"site {site!r} has no {lang!r} side")
    return side, site, []


def _all_fallbacks() -> tuple[str, ...]:
    from pipeline.profiles import PROFILES

    return tuple(
        dict.fromkeys(
            e
            for p in PROFILES.values()
            for s in (p.translation, p.original)
            for e in s.fallback_encodings
        )
    )


def _read_pages(paths: list[Path], fallbacks: tuple[str, ...]) -> list[ParsedPage | str]:
    """Each saved page decoded (a gzip-compressed one unpacked first), or why it could not be
    read: one page, the error; a batch, its line (the others go on)."""
    from pipeline.pages import ParsedPage

    single = len(paths) == 1
    read: list[ParsedPage | str] = []
    for path in paths:
        try:
            raw = input_file(path, "page").read_bytes()
        except CliError as exc:
            if single:
                raise
            read.append(str(exc))
            continue
        except OSError as exc:
            read.append(f"cannot read the page: {exc.strerror or exc}")
            continue
        if raw[:2] == b"\x1f\x8b":  # a gzip-compressed page (.html.gz, as archives keep them)
            try:
                raw = _gunzip_page(raw)
            except (OSError, EOFError, ValueError) as exc:
                if single:
                    raise CliError(f"{path}: {exc}") from exc
                read.append(str(exc))
                continue
        read.append(ParsedPage.from_bytes(raw, fallbacks=fallbacks))
    return read


def _gunzip_page(raw: bytes) -> bytes:
    """A gzip-compressed page unpacked, refused past GUNZIP_MAX (a zip bomb)."""
    import gzip
    import io

    with gzip.GzipFile(fileobj=io.BytesIO(raw)) as unpacked:
        data = unpacked.read(GUNZIP_MAX + 1)
    if len(data) > GUNZIP_MAX:
        raise ValueError(f"over {GUNZIP_MAX} bytes once unpacked; not read")
    return data


EXTRACT_TIMEOUT = 30.0  # seconds a page may take, as in the crawl (BITEXT_EXTRACT_TIMEOUT)


def _extract_from_store(data_dir: Path, store: str | None, redo: bool) -> None:
    """Stored versions re-extracted with their site's profile, as its crawl stored it, and its
    learned boilerplate (extract_stored); each page in a worker with BITEXT_EXTRACT_TIMEOUT
    seconds, as the crawl gives it (0: no limit, in this process). A page over it keeps what it
    had and is named; the command then exits 3 (finished, some pages not)."""
    import os

    from pipeline.deadline import Runner, WithDeadline, in_process
    from pipeline.models import ArticleVersion
    from pipeline.profiles import crawled_profiles
    from pipeline.stages.extract import extract_stored

    raw = os.environ.get("BITEXT_EXTRACT_TIMEOUT", "")
    try:
        seconds = float(raw) if raw.strip() else EXTRACT_TIMEOUT
    except ValueError:
        raise typer.BadParameter(f"BITEXT_EXTRACT_TIMEOUT={raw!r}: seconds, a number") from None
    runner: Runner = WithDeadline(seconds) if seconds > 0 else in_process
    corpus = open_corpus(data_dir, store)
    profiles = crawled_profiles(corpus.crawled_sites())  # each site read as its crawl read it

    def side_of(site: str, language: str) -> LanguageSite | None:
        return profiles[site].side(language) if site in profiles else None

    missed: list[str] = []

    def overtime(version: ArticleVersion, why: Overtime) -> None:
        missed.append(f"{version.url}: {why.reason} ({why.detail}): its stored text is kept")

    try:
        done = extract_stored(
            corpus, side_of, redo=redo, watch=_reading, runner=runner, overtime=overtime
        )
    finally:
        corpus.close()
    versions = done.pop("versions")
    for line in missed:
        progress_console.print(line, markup=False, highlight=False, soft_wrap=True)
    console.print(
        f"{versions} versions extracted: " + ", ".join(f"{k}: {v}" for k, v in sorted(done.items()))
    )
    if missed:
        raise typer.Exit(3)


def _reading(pages: Iterable[int]) -> Iterable[int]:
    from rich.progress import track

    return track(pages, description="reading", console=progress_console)
