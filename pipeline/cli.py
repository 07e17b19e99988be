"""`bitext`: the pipeline's command line. Each stage runs alone from here."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
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


@app.command()
def extract(
    page: Annotated[Path, typer.Argument(help="A saved HTML page.")],
    lang: Annotated[str, typer.Option("--lang", help="The language the page should be in.")],
    site: Annotated[str | None, typer.Option("--site", help="Site profile, e.g. enab.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Where the page came from.")] = None,
) -> None:
    """Clean body text of one page (boilerplate out, language checked, sentences), as JSON."""
    from crawler.profiles import PROFILES
    from pipeline.encoding import decode_html
    from pipeline.extract import extract_article

    side = None
    if site is not None:
        if site not in PROFILES:
            raise typer.BadParameter(f"unknown site {site!r}; known: {', '.join(PROFILES)}")
        profile = PROFILES[site]
        side = next((s for s in (profile.source, profile.original) if s.language == lang), None)
        if side is None:
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
