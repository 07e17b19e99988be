"""`bitext export` (JSONL, TMX, Moses, XLIFF) and `bitext report` (the review site)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.app import USAGE, CliError, console, progress_console
from pipeline.cli.options import (
    DataDir,
    StoreOpt,
    language_pair_option,
    open_corpus,
    output_file,
    parse_day,
    store_location,
)


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

    if format not in exports.FORMATS:
        raise typer.BadParameter("--format must be jsonl, tmx, moses or xliff")
    chosen = language_pair_option(languages)
    output_file(output)
    corpus = open_corpus(data_dir, store)
    if chosen is None and format != "jsonl":  # one language pair a file: the store's, if one
        chosen = _one_language_pair(exports.language_pairs(corpus), format, corpus.close)
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
    if format == "jsonl" and dedup:
        progress_console.print("[yellow]--dedup applies to segment formats; ignored[/]")
    counts: Counter[str] = Counter()
    src_lang, tgt_lang = chosen or exports.UNDETERMINED
    try:
        written = exports.write_export(
            corpus, format, output, keep, languages=(src_lang, tgt_lang), dedup=dedup,
            allow_empty=allow_empty, counts=counts,
        )  # fmt: skip
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
    _print_counts(counts, ("pairs", "segments"))


def _one_language_pair(
    held: list[tuple[str, str]], format: str, close: Callable[[], None]
) -> tuple[str, str] | None:
    """The store's one language pair (None: it holds none); refused when it holds several."""
    if len(held) > 1:
        close()
        raise CliError(
            f"the store holds {len(held)} language pairs ("
            + ", ".join(f"{o},{t}" for o, t in held)
            + f"): a {format} file holds one; choose it with --languages ORIGINAL,TRANSLATION"
        )
    return held[0] if held else None


def _print_counts(counts: Counter[str], left_out: tuple[str, ...]) -> None:
    for key, value in sorted(counts.items()):
        if value and key not in left_out:
            console.print(f"  {key}: {value}")


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
    corpus = open_corpus(data_dir, store, warc_dir=warc_dir)
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
    _print_counts(counts, ("pairs", "beads filtered out"))
