"""Argos Translate packages: validate, install, list, remove, and find the route for a pair.

Packages live where argostranslate keeps them (`ARGOS_PACKAGES_DIR`, read at call time here).
A package file is checked before anything is written: a zip whose members stay inside one top
folder (no absolute paths, no "..", no links), the files a CTranslate2 package needs, sane
metadata, and declared sizes that are not a zip bomb (total and compression ratio). Installation
then extracts into a temporary folder beside the target counting the bytes actually written
(a member that expands past its declared size, or a CRC mismatch, stops it), optionally loads
the package there (`verify`: the CLI loads it with CTranslate2 and SentencePiece), and renames it
into place; any failure removes the temporary folder, so it changes nothing.

Written here rather than through `argostranslate.package.install_from_path`, which extracts
without any check into a folder fixed when argostranslate is imported; the folder layout is
argostranslate's own, so its code reads what is installed here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import psutil  # pid_exists: a killed install's staging folders are stale

# Zip bomb guards. Real packages: zh->en is 74 MB zipped, 86 MB unzipped (ratio 1.2; its most
# compressible member, a JSON file, 5.8); deflate can reach ~1000 on repetitive data.
MAX_UNCOMPRESSED = 4 * 1024**3  # declared, all members together
MAX_RATIO = 100  # uncompressed / compressed, per member and for the whole archive...
RATIO_FROM = 16 * 1024**2  # ...once the uncompressed size passes this (tiny files vary)
CHUNK = 1024**2
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?$")
TOKENIZERS = ("sentencepiece.model", "bpe.model")


class InvalidPackage(ValueError):
    """A package file that cannot be installed; the message says exactly why."""


@dataclass(frozen=True)
class PackageInfo:
    name: str  # folder name, e.g. translate-zh_en-1_9
    from_code: str
    to_code: str
    package_version: str
    argos_version: str | None
    target_prefix: str
    path: Path | None = None  # installed location

    @property
    def key(self) -> str:
        return f"{self.from_code}->{self.to_code}@{self.package_version}"


def packages_dir() -> Path:
    """ARGOS_PACKAGES_DIR if set, else argostranslate's default folder."""
    configured = os.environ.get("ARGOS_PACKAGES_DIR")
    if configured:
        return Path(configured).expanduser()
    data_home = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return data_home / "argos-translate" / "packages"


def _metadata(raw: bytes, where: str) -> dict:
    try:
        metadata = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidPackage(f"{where}: metadata.json is not valid JSON ({exc})") from exc
    if not isinstance(metadata, dict):
        raise InvalidPackage(f"{where}: metadata.json is not an object")
    for field in ("from_code", "to_code"):
        value = metadata.get(field)
        if not isinstance(value, str) or not LANGUAGE_CODE.match(value):
            raise InvalidPackage(f"{where}: metadata.json {field}={value!r} is not a language code")
    if metadata["from_code"] == metadata["to_code"]:
        raise InvalidPackage(f"{where}: metadata.json translates {metadata['from_code']} to itself")
    version = metadata.get("package_version")
    if not isinstance(version, str) or not re.match(r"^\d+(\.\d+)*$", version):
        raise InvalidPackage(f"{where}: metadata.json package_version={version!r} is not a version")
    return metadata


def _info(metadata: dict, name: str, path: Path | None = None) -> PackageInfo:
    return PackageInfo(
        name=name,
        from_code=metadata["from_code"],
        to_code=metadata["to_code"],
        package_version=metadata["package_version"],
        argos_version=metadata.get("argos_version"),
        target_prefix=metadata.get("target_prefix", "") or "",
        path=path,
    )


def _megabytes(size: int) -> str:
    return f"{size / 1024**2:.1f} MB"


def _check_sizes(members: list[zipfile.ZipInfo], archive_size: int, where: str) -> None:
    """Declared sizes: refuse a zip bomb before extracting a byte."""
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED:
        raise InvalidPackage(
            f"{where}: declares {_megabytes(total)} uncompressed (limit "
            f"{_megabytes(MAX_UNCOMPRESSED)}): not a package"
        )
    for member in members:
        if member.file_size > RATIO_FROM and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise InvalidPackage(
                f"{where}: member {member.filename!r} expands {_megabytes(member.compress_size)} "
                f"to {_megabytes(member.file_size)} (ratio over {MAX_RATIO}): a zip bomb"
            )
    if total > RATIO_FROM and total > MAX_RATIO * max(archive_size, 1):
        raise InvalidPackage(
            f"{where}: expands {_megabytes(archive_size)} to {_megabytes(total)} "
            f"(ratio over {MAX_RATIO}): a zip bomb"
        )


def validate_package(file: Path, *, check_crc: bool = True) -> PackageInfo:
    """Everything that can be checked without writing a byte; raises InvalidPackage.
    `check_crc`: decompress every member once (install checks CRCs while extracting)."""
    where = str(file)
    if not file.exists():
        raise InvalidPackage(f"{where}: no such file")
    if file.is_dir():
        raise InvalidPackage(f"{where}: is a directory, not a package file")
    if not zipfile.is_zipfile(file):
        raise InvalidPackage(f"{where}: not a zip archive (an .argosmodel is a zip file)")
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            tops = set()
            for member in members:
                name = member.filename
                parts = PurePosixPath(name).parts
                if (
                    "\\" in name
                    or name.startswith("/")
                    or ".." in parts
                    or re.match(r"^[A-Za-z]:", name)
                ):
                    raise InvalidPackage(
                        f"{where}: member {name!r} would be written outside the package folder"
                    )
                if stat.S_ISLNK(member.external_attr >> 16):
                    raise InvalidPackage(f"{where}: member {name!r} is a symbolic link")
                tops.add(parts[0])
            if len(tops) != 1:
                raise InvalidPackage(f"{where}: expected one top folder, found {sorted(tops)}")
            _check_sizes(members, file.stat().st_size, where)
            top = tops.pop()
            names = {m.filename.rstrip("/") for m in members}
            missing = [f for f in ("metadata.json", "model/model.bin") if f"{top}/{f}" not in names]
            if not any(f"{top}/{t}" in names for t in TOKENIZERS):
                missing.append(" or ".join(TOKENIZERS))
            if missing:
                raise InvalidPackage(f"{where}: missing {', '.join(missing)}")
            bad = archive.testzip() if check_crc else None
            if bad is not None:
                raise InvalidPackage(f"{where}: {bad} is corrupt (CRC mismatch)")
            metadata = _metadata(archive.read(f"{top}/metadata.json"), where)
    except zipfile.BadZipFile as exc:
        raise InvalidPackage(f"{where}: corrupt zip archive ({exc})") from exc
    return _info(metadata, top)


def _extract(file: Path, staging: Path) -> int:
    """Every member into `staging` (names already checked), counting the bytes written: a
    member that gives more than it declared, or more than MAX_UNCOMPRESSED in all, stops it."""
    written = 0
    with zipfile.ZipFile(file) as archive:
        for member in archive.infolist():
            target = staging / member.filename
            if member.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            left = member.file_size
            try:
                with archive.open(member) as source, open(target, "wb") as out:
                    while chunk := source.read(CHUNK):
                        left -= len(chunk)
                        written += len(chunk)
                        if left < 0 or written > MAX_UNCOMPRESSED:
                            raise InvalidPackage(
                                f"{file}: {member.filename!r} expands past its declared size "
                                f"({member.file_size} bytes); stopped after {written} bytes"
                            )
                        out.write(chunk)
            except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
                raise InvalidPackage(
                    f"{file}: {member.filename} is corrupt ({exc}); stopped after {written} bytes"
                ) from exc
    return written


def _remove_stale_staging(root: Path) -> None:
    """What a killed install left: its staging folder (removed), and the package it was
    replacing (put back if the new one never took its place, else removed)."""
    for folder in root.glob(".installing-*"):
        pid = folder.name.split("-")[1]
        if pid.isdigit() and int(pid) != os.getpid() and not psutil.pid_exists(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
    for folder in root.glob(".replaced-*"):
        name, _, pid = folder.name[len(".replaced-") :].rpartition("-")
        if pid.isdigit() and int(pid) != os.getpid() and not psutil.pid_exists(int(pid)):
            if (root / name).exists():
                shutil.rmtree(folder, ignore_errors=True)
            else:
                folder.rename(root / name)


def install_package(
    file: Path,
    directory: Path | None = None,
    *,
    verify: Callable[[PackageInfo], None] | None = None,
) -> PackageInfo:
    """Validate, extract (checked as it goes), `verify` the extracted package if given (it
    raises InvalidPackage to refuse it), then move it into place atomically (replacing an
    installed package of the same name). Nothing is left behind by a failure."""
    info = validate_package(file, check_crc=False)
    target_root = directory or packages_dir()
    target_root.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(target_root)
    staging = Path(tempfile.mkdtemp(prefix=f".installing-{os.getpid()}-", dir=target_root))
    try:
        _extract(file, staging)
        if verify is not None:
            verify(PackageInfo(**{**info.__dict__, "path": staging / info.name}))
        final = target_root / info.name
        old = None
        if final.exists():
            old = target_root / f".replaced-{info.name}-{os.getpid()}"
            final.rename(old)
        (staging / info.name).rename(final)
        if old is not None:
            shutil.rmtree(old)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return PackageInfo(**{**info.__dict__, "path": final})


def installed_packages(directory: Path | None = None) -> list[PackageInfo]:
    root = directory or packages_dir()
    found = []
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        meta = folder / "metadata.json"
        if folder.name.startswith(".") or not meta.is_file():
            continue
        try:
            found.append(_info(_metadata(meta.read_bytes(), str(folder)), folder.name, folder))
        except InvalidPackage:
            continue  # not ours to judge here; `models check` reports routes, not strays
    return found


def remove_package(name: str, directory: Path | None = None) -> PackageInfo:
    for package in installed_packages(directory):
        if name in (package.name, f"{package.from_code}-{package.to_code}"):
            assert package.path is not None
            shutil.rmtree(package.path)
            return package
    raise KeyError(f"no installed package {name!r}")


def find_route(
    from_code: str, to_code: str, packages: list[PackageInfo]
) -> list[PackageInfo] | None:
    """The packages that take from_code to to_code: one directly, or two through English."""
    by_pair = {(p.from_code, p.to_code): p for p in packages}
    if (from_code, to_code) in by_pair:
        return [by_pair[(from_code, to_code)]]
    if (
        "en" not in (from_code, to_code)
        and (from_code, "en") in by_pair
        and ("en", to_code) in by_pair
    ):
        return [by_pair[(from_code, "en")], by_pair[("en", to_code)]]
    return None


def route_advice(from_code: str, to_code: str, packages: list[PackageInfo]) -> str:
    """What serves the pair, or exactly what to install and how."""
    route = find_route(from_code, to_code, packages)
    if route:
        return " then ".join(
            f"{p.name} ({p.from_code}->{p.to_code} v{p.package_version})" for p in route
        )
    wanted = [f"translate-{from_code}_{to_code}"]
    if "en" not in (from_code, to_code):
        wanted.append(f"or translate-{from_code}_en and translate-en_{to_code}")
    return (
        f"no installed package translates {from_code} to {to_code}. Install "
        + " ".join(wanted)
        + ": download the .argosmodel file on a machine with internet (from the Argos "
        "Translate package index, `argospm search`), then run `bitext models install FILE`. "
        f"Packages folder: {packages_dir()} (ARGOS_PACKAGES_DIR)."
    )
