"""`bitext stats`, `bitext schema`, `bitext warc-check`: what the store and the archive hold."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pipeline.cli.app import console
from pipeline.cli.options import DataDir, StoreOpt, open_corpus, output_file

if TYPE_CHECKING:
    from rich.table import Table

COUNTED = (  # the rows of the Corpus table, the pages by language after "articles"
    "crawls",
    "articles",
    "versions",
    "pairs",
    "unpaired",
    "unpaired_originals",
    "crawl_errors",
    "captures",
    "texts",
    "texts_no_body",
    "texts_wrong_language",
    "translations",
    "alignments",
    "embeddings",
    "stage_failures",
)
_COUNT_KEYS = {"crawl_errors": "errors"}  # the JSON's name -> the store's count name


def stats(
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json/--table",
            help="One JSON object on stdout holding every number the tables show.",
        ),
    ] = False,
) -> None:
    """What the store holds: counts, sites, crawls, review progress.

    Per site and per crawl: pairs, publication dates, beads and their review (approved,
    rejected, not reviewed yet); the aligner's scores and flags; every unpaired article and
    failure by reason. The same counts as the report's index (both count the exported pairs,
    a pair's review replacing its machine alignment)."""
    from pipeline.stats import corpus_overview

    corpus = open_corpus(data_dir, store)
    try:
        overview = corpus_overview(corpus)
    finally:
        corpus.close()
    if as_json:
        sys.stdout.write(json.dumps(overview, sort_keys=True) + "\n")
        return
    for table in _stats_tables(overview):
        console.print(table)


def _table(title: str, *columns: str) -> Table:
    """A table whose columns named ">NAME" are numbers (right-aligned)."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column.lstrip(">"), justify="right" if column[:1] == ">" else "left")
    return table


def _stats_tables(o: dict[str, Any]) -> list[Table]:
    """The tables of `bitext stats`, drawn from its JSON object and nothing else."""
    from pipeline.labels import COUNT_NAMES, in_words, language_label

    tables = []
    corpus = _table("Corpus", "", ">count")
    for key in COUNTED:
        corpus.add_row(in_words(_COUNT_KEYS.get(key, key), COUNT_NAMES), str(o[key]))
        if key == "articles":
            for lang in sorted(k for k in o if k.startswith("articles_")):
                code = lang.removeprefix("articles_")
                corpus.add_row(f"  in {language_label(code)}", str(o[lang]))
    tables.append(corpus)
    tables.append(_sites_table(o["alignment"]))
    if o["crawl_runs"]:
        tables.append(_crawls_table(o["crawl_runs"]))
    tables.append(_translation_table(o["translation"]))
    tables.append(_aligned_table(o))
    tables += _scores_and_review(o["alignment"])
    if o["pairing_methods"]:
        methods = _table("Pairing method", "how paired", ">pairs")
        for method, n in o["pairing_methods"].items():
            methods.add_row(method, str(n))
        tables.append(methods)
    if o["unpaired_reasons"] or o["crawl_error_kinds"] or o["stage_failure_reasons"]:
        tables.append(_breakdown_table(o))
    return tables


def _sites_table(aligned: dict[str, Any]) -> Table:
    table = _table("By site", "site", ">pairs", ">aligned", ">beads", ">flagged", "published")
    for name, site in aligned["sites"].items():
        table.add_row(
            name, str(site["pairs"]), str(site["aligned"]), str(site["beads"]),
            str(site["flagged_beads"]), _date_range(site["published"]),
        )  # fmt: skip
    return table


def _date_range(published: dict[str, Any]) -> str:
    first, last = published.get("first"), published.get("last")
    if not first:
        return "-"
    return first if first == last else f"{first} to {last}"


def _crawls_table(runs: list[dict[str, Any]]) -> Table:
    """One row a crawl; its counts in words, which wrap, so that the table fits 80 columns."""
    table = _table("By crawl", "crawl", "when (UTC)", "what it did")
    for run in runs:
        took = f"{run['seconds']:.0f} s" if run["seconds"] is not None else "?"
        table.add_row(
            run["crawl"],
            f"{run['started'] or '?'}, {took}, {run['finish_reason']}",
            f"{run['pages_fetched']} pages fetched, {run['not_modified']} unchanged, "
            f"{run['new_versions']} new versions, {run['pairs_created']} new pairs, "
            f"{run['crawl_errors']} errors",
        )
    return table


def _translation_table(pending: dict[str, dict[str, Any]]) -> Table:
    translation = _table("Translation (for alignment)", "direction", ">sentences", ">translated",
                         "status")  # fmt: skip
    for direction, found in pending.items():
        total, done = found["sentences"], found["done"]
        translation.add_row(
            direction.replace("-", "->"),
            str(total),
            str(done),
            "pending: no package installed (bitext models check)"
            if found["engine"] is None
            else "done"
            if done == total
            else "pending: bitext translate",
        )
    return translation


def _aligned_table(o: dict[str, Any]) -> Table:
    from pipeline.labels import FLAG_NAMES, in_words, mode_words

    aligned = o["alignment"]
    table = _table("Alignment (the exported pairs, reviews included)", "", ">count")
    table.add_row("article pairs", str(aligned["pairs"]))
    table.add_row("  aligned", str(aligned["aligned"]))
    for mode, n in aligned["modes"].items():
        table.add_row(f"    mode {mode_words(mode)}", str(n))
    for why, n in o["alignment_not_exported"].items():
        if why != "beads filtered out":
            table.add_row(f"  {why}", str(n))
    table.add_row("beads", str(aligned["beads"]))
    table.add_row("  with a divergence flag", str(aligned["flagged_beads"]))
    for flag, n in aligned["flags"].items():
        table.add_row(f"    {in_words(flag, FLAG_NAMES)}", str(n))
    return table


def _scores_and_review(aligned: dict[str, Any]) -> list[Table]:
    from pipeline.labels import REVIEW_NAMES

    scores = _table("Aligner's scores (beads)", "score", ">beads", "")
    top = max(aligned["scores"].values(), default=0) or 1
    for span, n in aligned["scores"].items():
        scores.add_row(span, str(n), "█" * round(20 * n / top))
    flagged = _table("Flagged beads per article", "flagged beads", ">articles")
    for group, n in aligned["flagged_per_article"].items():
        flagged.add_row(group, str(n))
    sites = aligned["sites"]
    review = _table("Review progress (beads)", "", ">all", *(f">{name}" for name in sites))
    for status, n in aligned["review"].items():
        by_site = (str(site["review"].get(status, 0)) for site in sites.values())
        review.add_row(REVIEW_NAMES.get(status, status), str(n), *by_site)
    review.add_row("article pairs with a stored review", str(aligned["reviewed_pairs"]),
                   *("" for _ in sites))  # fmt: skip
    return [scores, flagged, review]


def _breakdown_table(o: dict[str, Any]) -> Table:
    from pipeline.labels import (
        CRAWL_ERROR_NAMES,
        STAGE_FAILURE_NAMES,
        STAGE_NAMES,
        UNPAIRED_NAMES,
        in_words,
    )

    table = _table("Not paired / failed, by reason", "record", "reason", ">count")
    for reason, n in o["unpaired_reasons"].items():
        table.add_row("translation without original", in_words(reason, UNPAIRED_NAMES), str(n))
    for kind, n in o["crawl_error_kinds"].items():
        table.add_row("page that failed", in_words(kind, CRAWL_ERROR_NAMES), str(n))
    for failed in o["stage_failure_reasons"]:
        # the pair is stored; the stage is to be run again (bitext extract/translate/align)
        stage = in_words(failed["stage"], STAGE_NAMES)
        table.add_row(
            f"{stage} failed ({failed['scope']})",
            in_words(failed["reason"], STAGE_FAILURE_NAMES),
            str(failed["pairs"]),
        )
    return table


def schema(
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", metavar="FILE", help="Where to write it (default: stdout)."
        ),
    ] = None,
) -> None:
    """The JSON Schema of every record (from the pydantic models)."""
    from pipeline.models import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False)
    if output:
        from pipeline.exports import atomic_writer

        with atomic_writer(output_file(output)) as handle:
            handle.write(text + "\n")
    else:
        typer.echo(text)


def warc_check(
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
    warc_dir: Annotated[
        Path | None,
        typer.Option(
            "--warc-dir",
            envvar="BITEXT_WARC_DIR",
            metavar="DIR",
            help="The crawl's WARC files (default: DATA_DIR/warc).",
        ),
    ] = None,
    drop_store_copies: Annotated[
        bool,
        typer.Option(
            "--drop-store-copies/--keep-store-copies",
            help="Drop the store's copies of pages (kept by migration 0005 from stores made "
            "before it) that their WARC records hold byte for byte.",
        ),
    ] = False,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair/--no-repair",
            help="Add the capture row of every WARC record the store lacks (rows a crash, a "
            "full disk or a lost database left out; a crawl does it too when it starts).",
        ),
    ] = False,
) -> None:
    """Compare the store and the WARC files both ways.

    Every capture row must point at a complete record, and every captured record (response,
    revisit) must have its row; every revisit must resolve to the full capture it names (as
    replay tools need). Exit 1 when anything is missing either way (after --repair: what is
    still missing)."""
    from pipeline.stages.archive import compare, repair_captures
    from pipeline.warc import check_archive

    corpus = open_corpus(data_dir, store, warc_dir=warc_dir)
    if drop_store_copies:
        dropped, kept = corpus.drop_store_copies()
        console.print(f"{dropped} store copies of pages dropped (their WARC records hold them), "
                      f"{kept} kept (no WARC record gives them back)")  # fmt: skip
    paths = sorted((warc_dir or data_dir / "warc").glob("*.warc.gz"))
    if repair:
        console.print(f"{repair_captures(corpus, paths)} capture rows added from the WARC files")
    found = compare(corpus, paths)
    corpus.close()
    console.print(
        f"{found.captures} captures, {found.records} WARC records, "
        f"{len(found.rows_without_record)} missing, {len(found.records_without_row)} unrecorded"
    )  # missing: store rows without their WARC record; unrecorded: records without a row
    for capture in found.rows_without_record[:20]:
        console.print(f"no WARC record: {capture.warc_record_id} {capture.url}",
                      style="red", markup=False, highlight=False)  # fmt: skip
    for capture in found.records_without_row[:20]:
        console.print(f"no store row: {capture.warc_record_id} in {capture.warc_filename} "
                      f"{capture.url}", style="red", markup=False, highlight=False)  # fmt: skip
    if found.records_without_row:
        console.print("bitext warc-check --repair adds the missing rows")
    problems = check_archive(paths)
    for problem in problems:
        console.print(problem, style="red", markup=False, highlight=False)
    console.print(f"{len(problems)} replay problems")
    if found.rows_without_record or found.records_without_row or problems:
        raise typer.Exit(1)
