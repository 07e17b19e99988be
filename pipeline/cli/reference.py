"""docs/cli.md, the command-line reference, generated from the commands themselves (their help
as `bitext COMMAND --help` prints it), so that it cannot drift from the code:

    python -m pipeline.cli.reference > docs/cli.md

tests/test_cli_usability.py checks that the committed page is the one this writes."""

from __future__ import annotations

import sys
from typing import Any

import click

from pipeline.cli import app
from pipeline.cli.app import build_command

WIDTH = 100  # the help's line width, fixed: the page must not depend on the terminal

INTRO = """# `bitext` command reference

Generated from the code by `python -m pipeline.cli.reference > docs/cli.md` (a test checks it
is current): each command's `--help`. Crawling is Scrapy's own command, `scrapy crawl NAME`
(docs/crawling.md); `bitext` works on what a crawl stored.

Every command takes `-h`/`--help`. A wrong command line is one line on stderr, `error: ...`,
and exit status 2; a command that fails exits 1; `--debug` (or `BITEXT_DEBUG=1`) adds the
traceback. `--data-dir` defaults to `BITEXT_DATA_DIR`, then `data/output`.
"""


def _commands(command: Any, ctx: click.Context, path: str) -> list[tuple[str, Any, click.Context]]:
    found = [(path, command, ctx)]
    names = list(getattr(command, "commands", {}))
    # the top level in the order `bitext --help` lists them; a group's commands by name
    for name in names if path == "bitext" else sorted(names):
        sub = command.commands[name]
        sub_ctx = click.Context(
            sub, info_name=name, parent=ctx, terminal_width=WIDTH, max_content_width=WIDTH
        )
        found += _commands(sub, sub_ctx, f"{path} {name}")
    return found


def markdown() -> str:
    root = build_command(app)
    ctx = click.Context(root, info_name="bitext", terminal_width=WIDTH, max_content_width=WIDTH)
    parts = [INTRO]
    for path, command, command_ctx in _commands(root, ctx, "bitext"):
        text = command.get_help(command_ctx).rstrip()
        parts.append(f"## `{path}`\n\n```text\n{text}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    sys.stdout.write(markdown())
