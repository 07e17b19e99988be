"""`bitext models`: the Argos Translate packages (ARGOS_PACKAGES_DIR)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pipeline.cli.app import CliError, console
from pipeline.cli.options import input_file

models_app = typer.Typer(
    help="Argos Translate packages (ARGOS_PACKAGES_DIR).", no_args_is_help=True
)


@models_app.command("list")
def models_list() -> None:
    """Installed packages."""
    from pipeline.argos import installed_packages, packages_dir

    table = Table(title=f"Argos packages in {packages_dir()}")
    for column in ("package", "from", "to", "version"):
        table.add_column(column)
    for p in installed_packages():
        table.add_row(p.name, p.from_code, p.to_code, p.package_version)
    console.print(table)


@models_app.command("install")
def models_install(file: Annotated[Path, typer.Argument(help="An .argosmodel file.")]) -> None:
    """Validate a package file, extract it (zip bomb and CRC checks as it goes), load it with
    CTranslate2 and SentencePiece and translate a word, then install it; a bad package leaves
    nothing behind."""
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
def models_remove(name: Annotated[str, typer.Argument(help="Package name, or FROM-TO.")]) -> None:
    """Remove an installed package."""
    from pipeline.argos import remove_package

    try:
        info = remove_package(name)
    except KeyError as exc:
        raise CliError(exc.args[0]) from exc
    console.print(f"removed {info.name}")


@models_app.command("check")
def models_check(from_code: str, to_code: str) -> None:
    """Which package serves a pair, or exactly what to install and how."""
    from pipeline.argos import find_route, installed_packages, route_advice

    packages = installed_packages()
    console.print(route_advice(from_code, to_code, packages))
    if find_route(from_code, to_code, packages) is None:
        raise typer.Exit(1)
