"""`bitext stats`, `bitext schema`, `bitext warc-check`: what the store and the archive hold."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from pipeline.cli.app import console
from pipeline.cli.options import DataDir, StoreOpt, open_corpus, output_file

if TYPE_CHECKING:
    from pipeline.stages.align import AlignmentSummary
    from pipeline.stats import Breakdown

COUNTED = (  # the rows of the Corpus table, articles_<language> after "articles"
    "crawls",
    "articles",
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
)


def stats(
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Counts by stage, and every unpaired article and failure by reason."""
    from pipeline.stages.align import summarize
    from pipeline.stats import breakdown, corpus_stats, pending_sentences

    corpus = open_corpus(data_dir, store)
    if as_json:
        sys.stdout.write(json.dumps(corpus_stats(corpus), sort_keys=True) + "\n")
        corpus.close()
        return
    console.print(_counts_table(corpus.counts()))
    console.print(_translation_table(pending_sentences(corpus)))
    console.print(_aligned_table(summarize(corpus.iter_alignments())))
    why = breakdown(corpus)
    if why.unpaired or why.errors or why.failed_stages:
        console.print(_breakdown_table(why))
    corpus.close()


def _counts_table(counts: dict[str, int]) -> Table:
    table = Table(title="Corpus")
    table.add_column("stage")
    table.add_column("count", justify="right")
    languages = sorted(k for k in counts if k.startswith("articles_"))
    keys = [*COUNTED[:2], *languages, *COUNTED[2:]]
    for key in keys:
        table.add_row(key, str(counts[key]))
    return table


def _translation_table(pending: dict[str, dict[str, object]]) -> Table:
    translation = Table(title="Translation (for alignment)")
    for column in ("direction", "sentences", "translated", "status"):
        translation.add_column(column)
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


def _aligned_table(summary: AlignmentSummary) -> Table:
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
    return aligned


def _breakdown_table(why: Breakdown) -> Table:
    table = Table(title="Not paired / failed, by reason")
    table.add_column("record")
    table.add_column("reason")
    table.add_column("count", justify="right")
    for reason, n in sorted(why.unpaired.items()):
        table.add_row("unpaired article", reason, str(n))
    for kind, n in sorted(why.errors.items()):
        table.add_row("crawl error", kind, str(n))
    for (stage, scope, reason), n in sorted(why.failed_stages.items()):
        # the pair is stored; the stage is to be run again (bitext extract/translate/align)
        table.add_row(f"{stage} failed ({scope})", reason, str(n))
    return table


def schema(output: Annotated[Path | None, typer.Option("-o")] = None) -> None:
    """The JSON Schema of every record, generated from the pydantic models."""
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
        typer.Option("--warc-dir", envvar="BITEXT_WARC_DIR", help="Default: DATA_DIR/warc."),
    ] = None,
    drop_store_copies: Annotated[
        bool,
        typer.Option(
            "--drop-store-copies",
            help="Drop the store's copies of pages (kept by migration 0005 from stores made "
            "before it) that their WARC records hold byte for byte.",
        ),
    ] = False,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Add the capture row of every WARC record the store lacks (rows a crash, a "
            "full disk or a lost database left out; a crawl does it too when it starts).",
        ),
    ] = False,
) -> None:
    """Compare the store and the WARC files both ways: every capture row must point at a
    complete record, and every captured record (response, revisit) must have its row; every
    revisit must resolve to the full capture it names (as replay tools need). Exit 1 when
    anything is missing either way (after --repair: what is still missing)."""
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
