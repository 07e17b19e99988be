"""`bitext`: the pipeline's command line. Each stage runs alone from here."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import track
from rich.table import Table

from pipeline.models import json_schema
from pipeline.store import open_store
from pipeline.warc import read_records

app = typer.Typer(help="Bilingual news corpus pipeline.", no_args_is_help=True)
console = Console()

DataDir = Annotated[Path, typer.Option("--data-dir", help="Where the crawl wrote its output.")]
StoreOpt = Annotated[str | None, typer.Option("--store", help="SQLAlchemy URL or SQLite path.")]


def _store(data_dir: Path, store: str | None):  # type: ignore[no-untyped-def]
    return open_store(store or data_dir / "corpus.sqlite")


@app.command()
def stats(data_dir: DataDir = Path("data/output"), store: StoreOpt = None) -> None:
    """Counts by stage, and every unpaired article and failure by reason."""
    corpus = _store(data_dir, store)
    counts = corpus.counts()
    table = Table(title="Corpus")
    table.add_column("stage")
    table.add_column("count", justify="right")
    for key in (
        "crawls",
        "articles_en",
        "articles_ar",
        "versions",
        "pairs",
        "unpaired",
        "errors",
        "captures",
    ):
        table.add_row(key, str(counts[key]))
    console.print(table)
    reasons = Counter(p.reason.value for p in corpus.iter_pairs() if p.reason)
    errors = Counter(e.kind.value for e in corpus.errors())
    if reasons or errors:
        why = Table(title="Not paired / failed, by reason")
        why.add_column("record")
        why.add_column("reason")
        why.add_column("count", justify="right")
        for reason, n in sorted(reasons.items()):
            why.add_row("unpaired article", reason, str(n))
        for kind, n in sorted(errors.items()):
            why.add_row("crawl error", kind, str(n))
        console.print(why)
    corpus.close()


def _side(site: str | None, lang: str):  # type: ignore[no-untyped-def]
    from crawler.profiles import PROFILES

    if site is None:
        return None
    if site not in PROFILES:
        raise typer.BadParameter(f"unknown site {site!r}; known: {', '.join(PROFILES)}")
    profile = PROFILES[site]
    return next((s for s in (profile.source, profile.original) if s.language == lang), None)


@app.command()
def extract(
    page: Annotated[Path | None, typer.Argument(help="A saved HTML page.")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="The page's language.")] = None,
    site: Annotated[str | None, typer.Option("--site", help="Site profile, e.g. enab.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Where the page came from.")] = None,
    from_store: Annotated[
        bool, typer.Option("--from-store", help="Extract every stored version lacking text.")
    ] = False,
    redo: Annotated[bool, typer.Option("--redo", help="With --from-store: all versions.")] = False,
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
) -> None:
    """Clean body text (boilerplate out, language checked, sentences): of one page as JSON, or
    of the stored versions (--from-store), e.g. after a crawl with -s BITEXT_EXTRACT=0."""
    from pipeline.encoding import decode_html
    from pipeline.extract import extract_article

    if from_store:
        corpus = _store(data_dir, store)
        done = Counter()
        todo = list(corpus.versions_needing_text(redo=redo))
        for version_id, version, raw in track(todo, description="extracting", console=console):
            text = extract_article(
                raw.decode(version.encoding, errors="replace"),
                language=version.language,
                side=_side(version.site, version.language),
                url=version.url,
                site=version.site,
                content_sha256=version.content_sha256,
            )
            corpus.save_text(version_id, text)
            done[f"{version.language} {text.status.value}"] += 1
        corpus.close()
        console.print(
            f"{len(todo)} versions extracted: "
            + ", ".join(f"{k}: {v}" for k, v in sorted(done.items()))
        )
        return
    if page is None or lang is None:
        raise typer.BadParameter("give PAGE and --lang, or --from-store")
    side = _side(site, lang)
    if site is not None and side is None:
        raise typer.BadParameter(f"site {site!r} has no {lang!r} side")
    decoded = decode_html(page.read_bytes(), fallbacks=side.fallback_encodings if side else ())
    result = extract_article(decoded.text, language=lang, side=side, url=url, site=site)
    typer.echo(result.model_dump_json(indent=2))


@app.command()
def schema(output: Annotated[Path | None, typer.Option("-o")] = None) -> None:
    """The JSON Schema of every record, generated from the pydantic models."""
    text = json.dumps(json_schema(), indent=2, ensure_ascii=False)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        typer.echo(text)


@app.command("warc-check")
def warc_check(data_dir: DataDir = Path("data/output"), store: StoreOpt = None) -> None:
    """Check that every capture the store refers to is a complete record in the WARC files."""
    corpus = _store(data_dir, store)
    ids: set[str] = set()
    for path in sorted((data_dir / "warc").glob("*.warc.gz")):
        ids.update(str(r["id"]) for r in read_records(path))
    captures = corpus.captures()
    missing = [c for c in captures if c.warc_record_id not in ids]
    console.print(f"{len(captures)} captures, {len(ids)} WARC records, {len(missing)} missing")
    corpus.close()
    if missing:
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
