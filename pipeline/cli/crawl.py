"""`bitext crawl`: crawling is Scrapy's own command (`scrapy crawl NAME`); this one says so, with
the spiders' names and the command line to run, instead of "No such command"."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from typing import Annotated

import typer

from pipeline.cli.app import USAGE, CliError


def spider_names() -> list[str]:
    """The project's spiders, as `scrapy list` gives them (a subprocess: nothing under pipeline/
    imports the crawler); empty when Scrapy cannot list them."""
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
    try:
        listed = subprocess.run(
            [sys.executable, "-m", "scrapy", "list"],
            capture_output=True, text=True, env=env, timeout=60, check=True,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in listed.stdout.splitlines() if line.strip()]


def crawl_command(
    arguments: Annotated[
        list[str] | None,
        typer.Argument(
            help="What you would give `scrapy crawl`: a spider's name and its -a/-s options.",
            metavar="ARGS",
        ),
    ] = None,
) -> None:
    """Crawling is `scrapy crawl NAME`: this says how to run it."""
    names = spider_names()
    given = list(arguments or [])
    listed = f"spiders: {', '.join(names)}" if names else "`scrapy list` names them"
    if given and not given[0].startswith("-") and names and given[0] not in names:
        raise CliError(f"no spider named {given[0]!r} ({listed}); crawl with `scrapy crawl NAME`")
    if not given or given[0].startswith("-"):
        given.insert(0, names[0] if len(names) == 1 else "NAME")
    hint = (
        "; a site paired by hreflang needs no code: "
        "scrapy crawl bilingual -a site=URL -a languages=ORIGINAL,TRANSLATION"
        if "bilingual" in names
        else ""
    )
    run = shlex.join(["scrapy", "crawl", *given])
    raise CliError(
        f"crawling is Scrapy's command, not bitext's: run `{run}` in the project folder "
        f"({listed}){hint}; see docs/crawling.md",
        USAGE,
    )
