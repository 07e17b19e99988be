"""`bitext review`: translators' review files out of the store and back in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pipeline.cli.app import USAGE, CliError, console
from pipeline.cli.options import DataDir, StoreOpt, open_corpus

review_app = typer.Typer(
    help="Translators' review files: out of the store and back in.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@review_app.command("export")
def review_export(
    output: Annotated[
        Path,
        typer.Option("-o", "--output", metavar="FILE", help="The review file (JSON) to write."),
    ],
    pair: Annotated[
        list[str] | None,
        typer.Option(
            "--pair",
            metavar="SITE:ID",
            help="A pair, as SITE:TRANSLATION_ARTICLE_ID; repeat it. Default: every pair.",
        ),
    ] = None,
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
) -> None:
    """Write a review file of the current alignments.

    Format bitext-review/3: a reviewed pair with its statuses and comments, the others with
    every bead pending. The report's review tools read and write the same file."""
    from pipeline.exports import atomic_writer, exported_pairs
    from pipeline.review import ReviewRefused, export_reviews

    corpus = open_corpus(data_dir, store)
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
    file: Annotated[
        Path,
        typer.Argument(
            help="A review file (format bitext-review/3 or older).",
            metavar="FILE",
            show_default=False,
        ),
    ],
    reviewer: Annotated[
        str | None,
        typer.Option("--reviewer", metavar="NAME", help="Who reviewed (kept with the review)."),
    ] = None,
    realign: Annotated[
        bool,
        typer.Option(
            "--realign/--no-realign",
            help="Align again the rows between the translator's fixed rows (approved, rejected, "
            "changed by hand, commented) before storing; fixed rows are never touched.",
        ),
    ] = False,
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
) -> None:
    """Check a review file against the store and store its reviews.

    The whole file is checked (every sentence in exactly one bead, in order; pairs and
    sentences as stored), then each pair's review is stored as a new revision beside the
    machine alignment. Nothing is written if any pair is wrong. Importing twice changes
    nothing."""
    from pipeline.review import ReviewRefused, import_reviews

    corpus = open_corpus(data_dir, store)
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


@review_app.command("revisions")
def review_revisions(
    pair: Annotated[str, typer.Argument(help="SITE:TRANSLATION_ARTICLE_ID")],
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
) -> None:
    """List a pair's stored review revisions (newest last: the current review), with their
    size, so that one can be dropped."""
    from pipeline.review import ReviewRefused, split_pair_id

    try:
        site, article = split_pair_id(pair)
    except ReviewRefused as exc:
        raise CliError(str(exc), USAGE) from exc
    corpus = open_corpus(data_dir, store)
    try:
        if corpus.pair_for(site, article) is None:
            raise CliError(f"pair {pair}: no such pair in the store")
        revisions = corpus.review_revisions(site, article)
    finally:
        corpus.close()
    table = Table(title=f"Review revisions of {pair}")
    for column in ("revision", "reviewer", "reviewed at", "characters"):
        table.add_column(column)
    for r in revisions:
        table.add_row(str(r.revision), r.reviewer or "", r.reviewed_at.isoformat(), f"{r.size:,}")
    console.print(table if revisions else f"pair {pair}: no review stored")


@review_app.command("drop-revision")
def review_drop_revision(
    pair: Annotated[str, typer.Argument(help="SITE:TRANSLATION_ARTICLE_ID")],
    revision: Annotated[
        int,
        typer.Option(
            "--revision", min=1, help="The revision to delete (bitext review revisions lists them)."
        ),
    ],
    yes: Annotated[
        bool, typer.Option("--yes/--no-yes", help="Confirm: the revision is deleted for good.")
    ] = False,
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
) -> None:
    """Delete one review revision of a pair (e.g. one holding a huge comment); the newest
    revision left becomes the pair's current review. Needs --yes. On SQLite the file shrinks
    only after `sqlite3 corpus.sqlite VACUUM`."""
    from pipeline.review import ReviewRefused, split_pair_id

    try:
        site, article = split_pair_id(pair)
    except ReviewRefused as exc:
        raise CliError(str(exc), USAGE) from exc
    if not yes:
        raise CliError(
            f"not dropped: deleting revision {revision} of {pair} cannot be undone; add --yes",
            USAGE,
        )
    corpus = open_corpus(data_dir, store)
    try:
        if corpus.pair_for(site, article) is None:
            raise CliError(f"pair {pair}: no such pair in the store")
        if not corpus.drop_review_revision(site, article, revision):
            raise CliError(f"pair {pair}: no review revision {revision}")
        left = corpus.review_revisions(site, article)
    finally:
        corpus.close()
    current = f"revision {left[-1].revision} is current" if left else "no review left"
    console.print(f"{pair}: revision {revision} dropped; {current}")


@review_app.command("schema")
def review_schema_command(
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", metavar="FILE", help="Where to write it (default: stdout)."
        ),
    ] = None,
) -> None:
    """The JSON Schema of the review file, generated from its pydantic model."""
    from pipeline.review import review_schema

    text = json.dumps(review_schema(), indent=2, ensure_ascii=False)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        typer.echo(text)
