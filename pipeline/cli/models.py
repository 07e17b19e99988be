"""`bitext models`: the Argos Translate packages (ARGOS_PACKAGES_DIR)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.app import CliError, console
from pipeline.cli.options import input_file, installed_languages, language_options

models_app = typer.Typer(
    help="Translation packages: list, install, remove, check.\n\n"
    "Argos Translate packages, in ARGOS_PACKAGES_DIR (default: argostranslate's own folder).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@models_app.command("list")
def models_list() -> None:
    """The installed packages, with their directions and versions."""
    from rich.table import Table

    from pipeline.argos import installed_packages, packages_dir

    table = Table(title=f"Argos packages in {packages_dir()}")
    for column in ("package", "from", "to", "version"):
        table.add_column(column)
    for p in installed_packages():
        table.add_row(p.name, p.from_code, p.to_code, p.package_version)
    console.print(table)


@models_app.command("install")
def models_install(
    file: Annotated[
        Path,
        typer.Argument(help="A package file (.argosmodel).", metavar="FILE", show_default=False),
    ],
) -> None:
    """Check a package file and install it.

    The file is validated, extracted (zip bomb and CRC checks as it goes), loaded with
    CTranslate2 and SentencePiece and made to translate a word, then installed; a bad package
    leaves nothing behind."""
    from pipeline.argos import InvalidPackage, install_package
    from pipeline.translate import load_check

    input_file(file, "package file")
    try:
        info = install_package(file, verify=load_check)
    except (InvalidPackage, OSError) as exc:
        raise CliError(f"not installed: {exc}") from exc
    console.print(
        f"installed {info.name} ({info.from_code}->{info.to_code} "
        f"v{info.package_version}) in {info.path}"
    )


@models_app.command("remove")
def models_remove(
    name: Annotated[
        str,
        typer.Argument(
            help="The package's name (see models list), or FROM-TO (e.g. ar-en).",
            metavar="NAME",
            show_default=False,
        ),
    ],
) -> None:
    """Remove an installed package."""
    from pipeline.argos import remove_package

    try:
        info = remove_package(name)
    except KeyError as exc:
        raise CliError(exc.args[0]) from exc
    console.print(f"removed {info.name}")


@models_app.command("check")
def models_check(
    from_code: Annotated[
        str,
        typer.Argument(
            help="The language to translate from, a BCP 47 code (e.g. ar).",
            metavar="FROM",
            show_default=False,
        ),
    ],
    to_code: Annotated[
        str,
        typer.Argument(
            help="The language to translate into (e.g. en).", metavar="TO", show_default=False
        ),
    ],
) -> None:
    """Which package serves a direction, or exactly what to install and how.

    Exit status 0 when an installed package (or two, through English) serves it, 1 when not."""
    from pipeline.argos import find_route, installed_packages, route_advice

    from_code, to_code = language_options(
        [(from_code, "FROM"), (to_code, "TO")], installed_languages()
    )
    packages = installed_packages()
    console.print(route_advice(from_code, to_code, packages))
    if find_route(from_code, to_code, packages) is None:
        raise typer.Exit(1)
