"""The `bitext` application: errors as one line, the global options, the consoles.

Errors: a command raises `CliError` (or typer.BadParameter for a bad option value); `BitextApp`
turns it, and any other exception, into one line on stderr and exit status 2 (the command line
is wrong) or 1 (the command failed); `--debug` anywhere on the line shows the traceback.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import traceback
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Protocol, TypeGuard, cast

import typer

if TYPE_CHECKING:
    from rich.console import Console

FAILED, USAGE = 1, 2  # exit statuses: the command failed; the command line is wrong


class CliError(Exception):
    """A mistake or failure the user can act on: shown as one line, exit status `code`."""

    def __init__(self, message: str, code: int = FAILED) -> None:
        super().__init__(message)
        self.code = code


def _one_line(text: str, limit: int = 600) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _os_error(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        what = "no space left on device"
    elif exc.errno == errno.EFBIG:
        what = "file too large (size limit reached)"
    else:
        what = (exc.strerror or str(exc)).lower()
    where = " -> ".join(str(f) for f in (exc.filename, exc.filename2) if f)
    return f"{what}: {where}" if where else what


class _ClickError(Protocol):
    """click's usage and abort errors (and the copy newer typer versions carry)."""

    exit_code: int

    def format_message(self) -> str: ...


def _is_click_error(exc: BaseException) -> TypeGuard[_ClickError]:
    return callable(getattr(exc, "format_message", None)) and isinstance(
        getattr(exc, "exit_code", None), int
    )


def error_line(exc: BaseException) -> tuple[str, int]:
    """The one line shown for an exception that ended a command, and the exit status."""
    from sqlalchemy.exc import SQLAlchemyError

    from pipeline.argos import InvalidPackage

    if isinstance(exc, CliError):
        return str(exc), exc.code
    if _is_click_error(exc):  # click's, or the copy newer typer versions carry
        ctx = getattr(exc, "ctx", None)
        hint = f" (see: {ctx.command_path} --help)" if ctx and exc.exit_code == USAGE else ""
        return exc.format_message() + hint, exc.exit_code
    if isinstance(exc, InvalidPackage):
        return f"not installed: {exc}", FAILED
    if isinstance(exc, UnicodeDecodeError):
        return (
            f"input is not UTF-8 text ({exc.reason} at byte {exc.start}); convert it to UTF-8 "
            "first (iconv -f LATIN1 -t UTF-8)",
            FAILED,
        )
    if isinstance(exc, OSError):
        return _os_error(exc), FAILED
    from pipeline.store.sql import StoreNotFound, StoreUnavailable

    if isinstance(exc, StoreNotFound | StoreUnavailable):
        return str(exc), FAILED
    if isinstance(exc, SQLAlchemyError):
        return f"store: {getattr(exc, 'orig', None) or exc}", FAILED
    return f"unexpected {type(exc).__name__}: {exc} (run again with --debug for details)", FAILED


def _terminate(signum: int, frame: Any) -> NoReturn:
    raise SystemExit(128 + signum)  # unwinds: temp files removed, the store closed


class BitextApp(typer.Typer):
    """typer's app, run so that no user mistake ends in a traceback (see the module doc)."""

    def __call__(self, args: list[str] | None = None, prog_name: str = "bitext") -> NoReturn:
        argv = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in argv or os.environ.get("BITEXT_DEBUG", "") not in ("", "0")
        argv = [a for a in argv if a != "--debug"]
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _terminate)
        command = build_command(self)
        try:
            status = command.main(args=argv, prog_name=prog_name, standalone_mode=False)
        except Exception as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # `bitext`, `bitext models`
                context: Any = getattr(exc, "ctx", None)  # click's, or typer's copy of it
                typer.echo(context.get_help())
                sys.exit(USAGE)
            if debug:
                traceback.print_exc()
            message, status = error_line(exc)
            typer.echo(f"error: {_one_line(message)}", err=True)
        sys.exit(status if isinstance(status, int) else 0)


def build_command(typer_app: typer.Typer) -> Any:  # click's Command (typer's own copy of it)
    """The click command `bitext` runs (and docs/cli.md is generated from): typer's, with plain
    help on every command (typer's rich help imports Markdown and traceback rendering: a third
    of a second before `--help` prints a line) and no value shown for on/off flags."""
    command = typer.main.get_command(typer_app)
    _plain_help(command)
    return command


def _plain_help(command: Any) -> None:
    if hasattr(command, "rich_markup_mode"):
        command.rich_markup_mode = None
    for param in command.params:
        descriptor = getattr(param, "type_descriptor", None)  # typer's, on its own params
        choices = getattr(descriptor, "is_choice", False)  # shown as <jsonl|tmx|...>
        if getattr(param, "is_flag", False):
            param.metavar = ""  # "--dedup", not "--dedup <bool>"
        elif param.param_type_name == "argument" and not choices:
            # "FILE  A file to...", not "FILE <Path>  A file to..."
            param.display_type_rich = lambda ctx: None
            if hasattr(param, "_usage_display_name"):  # typer's: a required one as {FILE}
                shown = param._usage_display_name().replace("{", "").replace("}", "")
                param._usage_display_name = lambda shown=shown: shown
        elif param.param_type_name == "option" and param.metavar is None and not choices:
            param.metavar = param.name.upper()  # "--url URL", not "--url <str>"
    for sub in getattr(command, "commands", {}).values():
        _plain_help(sub)


app = BitextApp(
    help="Bilingual news sites into clean, aligned, reviewable parallel corpora. "
    "Crawling is `scrapy crawl NAME`; these commands work on what it stored "
    "(DATA_DIR/corpus.sqlite and its WARC files).",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class _LazyConsole:
    """A rich Console made on first use: importing rich costs more than `bitext --help` does."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def _real(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real(), name)

    # `with console:` (rich's Live and progress bars): special methods bypass __getattr__
    def __enter__(self) -> Console:
        return self._real().__enter__()

    def __exit__(self, *exc: object) -> None:
        self._real().__exit__(*exc)


console = cast("Console", _LazyConsole())
progress_console = cast("Console", _LazyConsole(stderr=True))  # notices; stdout has the data


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"bitext {version('bitext')}")
        except PackageNotFoundError:  # run from a checkout without installing
            typer.echo("bitext (not installed)")
        raise typer.Exit()


@app.callback()
def _global_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="Show the traceback of an error (anywhere on the line; or BITEXT_DEBUG=1).",
        ),
    ] = False,
) -> None:
    """Bilingual news sites into clean, aligned, reviewable parallel corpora."""
