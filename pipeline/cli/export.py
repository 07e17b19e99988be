"""`bitext export` (JSONL, TMX, Moses, XLIFF) and `bitext report` (the review site)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal

import typer

from pipeline.cli.app import USAGE, CliError, console, progress_console
from pipeline.cli.options import (
    DataDir,
    StoreOpt,
    language_pair_option,
    open_corpus,
    output_file,
    parse_day,
    store_languages,
    store_location,
    warc_location,
)

ExportFormat = Literal["jsonl", "tmx", "moses", "xliff"]


def export_command(
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            metavar="FILE",
            help="The file to write; for moses a prefix: PREFIX.<lang> twice and PREFIX.ids.",
        ),
    ],
    format: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            help="jsonl: article pairs with everything; tmx 1.4b, xliff 2.0, moses: segment "
            "pairs (one a bead).",
        ),
    ] = "jsonl",
    min_score: Annotated[
        float | None,
        typer.Option(
            "--min-score",
            min=0.0,
            max=1.0,
            metavar="SCORE",
            help="Leave out beads the aligner scored below this (0 to 1).",
        ),
    ] = None,
    skip_flagged: Annotated[
        bool,
        typer.Option(
            "--skip-flagged/--keep-flagged",
            help="Leave out beads with a divergence flag (omitted, added, numbers...).",
        ),
    ] = False,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", metavar="DATE", help="Only articles published on or after YYYY-MM-DD."
        ),
    ] = None,
    dedup: Annotated[
        bool,
        typer.Option("--dedup/--no-dedup", help="Drop repeated segment pairs (not for jsonl)."),
    ] = False,
    reviewed_only: Annotated[
        bool,
        typer.Option(
            "--reviewed-only/--all-beads", help="Only beads a translator approved in review."
        ),
    ] = False,
    languages: Annotated[
        str | None,
        typer.Option(
            "--languages",
            metavar="ORIGINAL,TRANSLATION",
            help="The language pair to export (e.g. ar,en); needed for TMX, Moses and XLIFF "
            "when the store holds more than one.",
        ),
    ] = None,
    allow_empty: Annotated[
        bool,
        typer.Option(
            "--allow-empty/--refuse-empty",
            help="Write the files even with 0 pairs to export (refused by default, so that a "
            "wrong or empty store never replaces a good export).",
        ),
    ] = False,
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
    warc_dir: Annotated[
        Path | None,
        typer.Option(
            "--warc-dir",
            envvar="BITEXT_WARC_DIR",
            metavar="DIR",
            help="The crawl's WARC files, for each unit's crawl id (default: DATA_DIR/warc).",
        ),
    ] = None,
) -> None:
    """Export the aligned corpus: JSONL, TMX, Moses or XLIFF.

    JSONL holds one article pair a line, everything kept; TMX 1.4b, Moses parallel text and
    XLIFF 2.0 one segment pair a bead, each with its provenance (pair, bead, URLs, WARC record
    ids, crawl, dates, alignment mode; Moses in PREFIX.ids). Written atomically (Moses: all
    files or none); nothing is written when there is nothing to export (see --allow-empty). A
    pair's review (bitext review import) replaces its machine alignment and travels with it;
    beads a translator rejected are left out of TMX, Moses and XLIFF."""
    from pipeline import exports

    output_file(output)
    corpus = open_corpus(data_dir, store, warc_dir=warc_dir)
    try:
        chosen = language_pair_option(languages, store_languages(corpus))
    except CliError:
        corpus.close()
        raise
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
        output_file(exports.moses_ids_path(output))
    if format == "jsonl" and dedup:
        progress_console.print("[yellow]--dedup applies to segment formats; ignored[/]")
    counts: Counter[str] = Counter()
    src_lang, tgt_lang = chosen or exports.UNDETERMINED
    try:
        written = exports.write_export(
            corpus, format, output, keep, languages=(src_lang, tgt_lang), dedup=dedup,
            allow_empty=allow_empty, counts=counts,
            warc_dir=warc_location(data_dir, store, warc_dir),
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
    where = (
        f"{output}.{src_lang}, {output}.{tgt_lang} and {exports.moses_ids_path(output)}"
        if format == "moses"
        else str(output)
    )
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
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="DIR",
            help="Directory for the HTML site (default: DATA_DIR/report).",
        ),
    ] = None,
    warc_dir: Annotated[
        Path | None,
        typer.Option(
            "--warc-dir",
            envvar="BITEXT_WARC_DIR",
            metavar="DIR",
            help="The crawl's WARC files, for the archived pages (default: DATA_DIR/warc).",
        ),
    ] = None,
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
) -> None:
    """Write the translators' review report, a static site.

    An index with charts (scores, flags, review progress, crawls) and one page per article
    where beads are reviewed (kept in the browser, saved as a review file for `bitext review
    import`), with the archived captures of the WARC files."""
    from pipeline.exports import exported_pairs
    from pipeline.report import WarcPages, write_report
    from pipeline.stats import crawl_summary

    output = output or data_dir / "report"
    if output.exists() and not output.is_dir():
        raise CliError(f"-o {output} is a file; the report is a directory", USAGE)
    corpus = open_corpus(data_dir, store, warc_dir=warc_dir)
    counts: Counter[str] = Counter()
    archive = WarcPages(warc_dir or data_dir / "warc", corpus.captures())
    crawls = [crawl_summary(run) for run in corpus.crawl_runs()]
    summary = write_report(
        exported_pairs(corpus, counts=counts), output, archive=archive, crawls=crawls
    )
    corpus.close()
    from pipeline.labels import FLAG_NAMES, in_words

    flags = ", ".join(
        f"{in_words(k, FLAG_NAMES).lower()} {v}" for k, v in summary.flags.most_common()
    ) or "none"
    console.print(
        f"report: {summary.index.resolve()} ({summary.articles} articles, {summary.beads} beads, "
        f"{summary.divergent_beads} with divergences: {flags}; "
        f"{summary.archived_pages} archived pages, {summary.reviewed_articles} reviewed articles)"
    )
    _print_counts(counts, ("pairs", "beads filtered out"))
