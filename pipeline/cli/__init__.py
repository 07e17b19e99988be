"""`bitext`: the pipeline's command line, one module per command group, each command a thin
adapter (parse the options, call a stage or the store, print). Each stage runs alone from here.

    app        the application: errors as one line, --version, --debug, the consoles
    options    what commands share: --data-dir/--store, worker options, file and value checks
    corpus     stats, schema, warc-check
    crawl      crawl: says that crawling is `scrapy crawl NAME`
    extract    extract (saved pages, or --from-store)
    models     models list/install/remove/check (Argos packages)
    translate  translate (a file, or the store; --worker/--workers)
    align      align (the store; --worker/--workers), align-files (a user's documents)
    pairing    pair-docs (a user's documents of two languages, paired by content)
    export     export (JSONL, TMX, Moses, XLIFF), report (the review site)
    review     review export/import/schema

The console script is `bitext = "pipeline.cli:app"`; `python -m pipeline.cli` runs the same.
Commands are registered below in the order `bitext --help` lists them.
"""

from __future__ import annotations

from pipeline.cli.align import align_command, align_files
from pipeline.cli.app import FAILED, USAGE, CliError, app, error_line
from pipeline.cli.corpus import schema, stats, warc_check
from pipeline.cli.crawl import crawl_command
from pipeline.cli.export import export_command, report_command
from pipeline.cli.extract import extract
from pipeline.cli.models import models_app
from pipeline.cli.pairing import pair_docs
from pipeline.cli.review import review_app
from pipeline.cli.translate import translate

__all__ = ["FAILED", "USAGE", "CliError", "app", "error_line"]

app.command(
    "crawl", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
)(crawl_command)
app.command()(extract)
app.command()(translate)
app.command("align")(align_command)
app.command("align-files")(align_files)
app.command("pair-docs")(pair_docs)
app.add_typer(review_app, name="review")
app.command("export")(export_command)
app.command("report")(report_command)
app.command()(stats)
app.add_typer(models_app, name="models")
app.command()(schema)
app.command("warc-check")(warc_check)
