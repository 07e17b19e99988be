"""Hostile Argos packages (issue 14, case 6): zip bombs refused before and while extracting with
little written; a package that installs but does not load is refused by `models install`."""

from __future__ import annotations

import json
import resource
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from pipeline.argos import InvalidPackage, install_package, validate_package
from tests.tiny_argos import build_tiny_package

REPO = Path(__file__).resolve().parents[1]
TOP = "translate-ar_en-1_0"
METADATA = {"package_version": "1.0", "argos_version": "1.9.0", "from_code": "ar", "to_code": "en"}
CHUNK = 16 * 1024**2
BOMB_SIZE = 70 * CHUNK  # 1.17 GB of zeros: deflates to about 1.1 MB
MB = 1024**2


class _RepeatedBlock:
    """Deflates CHUNK zeros once: after a full flush a deflate block stands alone, so the same
    bytes serve every chunk (the bomb is built in about a second instead of ten)."""

    def __init__(self) -> None:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        self.block = compressor.compress(bytes(CHUNK)) + compressor.flush(zlib.Z_FULL_FLUSH)
        self.tail = compressor.flush()

    def compress(self, data: bytes) -> bytes:
        assert len(data) == CHUNK and not any(data[::4096])
        return self.block

    def flush(self) -> bytes:
        return self.tail


def _bomb(path: Path, *, declared: int | None = None) -> Path:
    """A package whose model.bin is 1.17 GB of zeros, about 1.1 MB zipped. `declared`: the size
    its headers claim instead (a lying archive that passes every check made before extracting)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{TOP}/metadata.json", json.dumps(METADATA))
        archive.writestr(f"{TOP}/sentencepiece.model", b"s")
        info = zipfile.ZipInfo(f"{TOP}/model/model.bin")
        info.compress_type = zipfile.ZIP_DEFLATED
        info.file_size = BOMB_SIZE  # known up front: no zip64 extra, 32-bit size fields
        zeros = bytes(CHUNK)
        with archive.open(info, "w") as out:
            out._compressor = _RepeatedBlock()  # type: ignore[attr-defined]
            for _ in range(BOMB_SIZE // CHUNK):
                out.write(zeros)
    if declared is not None:
        data = bytearray(path.read_bytes())
        name = f"{TOP}/model/model.bin".encode()
        local = data.index(name) - 30  # the local header comes first, the central entry last
        central = data.rindex(name) - 46
        assert struct.unpack_from("<I", data, central + 24)[0] == BOMB_SIZE
        struct.pack_into("<I", data, central + 24, declared)  # central directory: what is read
        struct.pack_into("<I", data, local + 22, declared)
        path.write_bytes(bytes(data))
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _bomb(tmp_path_factory.mktemp("bomb") / "bomb.argosmodel")


@pytest.fixture(scope="module")
def lying_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _bomb(tmp_path_factory.mktemp("lying") / "lying.argosmodel", declared=4096)


def _written(root: Path) -> int:
    return sum(f.stat().st_size for f in root.rglob("*") if f.is_file()) if root.exists() else 0


def test_the_bomb_is_a_1_mb_package_declaring_1_1_gb(bomb: Path) -> None:
    assert bomb.stat().st_size < 1.2 * MB
    assert BOMB_SIZE > 1.1e9
    with zipfile.ZipFile(bomb) as archive:
        assert sum(m.file_size for m in archive.infolist()) >= BOMB_SIZE


def test_a_zip_bomb_is_refused_from_its_declared_sizes_with_nothing_written(
    bomb: Path, tmp_path: Path
) -> None:
    packages = tmp_path / "packages"
    with pytest.raises(InvalidPackage, match=r"expands 1\.1 MB to 1120\.0 MB .*zip bomb"):
        install_package(bomb, packages)
    assert not packages.exists()


def test_a_bomb_lying_about_its_size_is_stopped_while_extracting(
    lying_bomb: Path, tmp_path: Path
) -> None:
    validate_package(lying_bomb, check_crc=False)  # its headers pass every check...
    packages = tmp_path / "packages"
    with pytest.raises(InvalidPackage) as refused:
        install_package(lying_bomb, packages)
    # ...and extraction stops at the declared size: the CRC of what came out does not match
    message = str(refused.value)
    assert "model/model.bin is corrupt" in message
    stopped_after = int(message.rsplit("stopped after ", 1)[1].split()[0])
    assert stopped_after < 50 * MB
    assert list(packages.iterdir()) == []  # the staging folder is gone


def _cli(
    *args: str, env: dict[str, str], limit_bytes: int | None = None
) -> subprocess.CompletedProcess:
    def limits() -> None:  # a real process that cannot write a file past `limit_bytes`
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
        preexec_fn=limits,
    )


@pytest.mark.parametrize("which", ["bomb", "lying_bomb"])
def test_models_install_refuses_zip_bombs_in_one_line_under_a_50_mb_file_limit(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    package: Path = request.getfixturevalue(which)
    packages = tmp_path / "packages"
    env = {"ARGOS_PACKAGES_DIR": str(packages), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    # SIGXFSZ would kill it at the limit; the limit is there to prove it never gets close
    done = _cli("models", "install", str(package), env=env, limit_bytes=50 * MB)
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: not installed: {package}: ")
    assert ("zip bomb" if which == "bomb" else "is corrupt") in lines[0]
    assert _written(packages) == 0


@pytest.fixture(scope="module")
def tiny_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_package(tmp_path_factory.mktemp("tiny"))


def _with_member(package: Path, out: Path, member: str, data: bytes) -> Path:
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = data if info.filename.endswith(member) else source.read(info)
            target.writestr(info, body)
    return out


@pytest.mark.parametrize(
    ("member", "garbage"),
    [
        ("sentencepiece.model", b"this is not a sentencepiece model\n" * 20),
        ("model/model.bin", zlib.compress(b"not a model") * 10),
    ],
    ids=["sentencepiece", "model.bin"],
)
def test_models_install_loads_the_package_and_refuses_garbage(
    tiny_package: Path, tmp_path: Path, member: str, garbage: bytes
) -> None:
    bad = _with_member(tiny_package, tmp_path / "bad.argosmodel", member, garbage)
    packages = tmp_path / "packages"
    env = {"ARGOS_PACKAGES_DIR": str(packages), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = _cli("models", "install", str(bad), env=env)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(
        "error: not installed: translate-ar_en-0_1 does not load or translate: "
    )
    assert ".installing-" not in lines[0]
    assert _written(packages) == 0 and list(packages.iterdir()) == []
    # the same package, whole, installs and is listed
    done = _cli("models", "install", str(tiny_package), env=env)
    assert done.returncode == 0, done.stderr
    assert (packages / "translate-ar_en-0_1" / "sentencepiece.model").is_file()


def test_models_install_of_a_missing_file_says_no_such_file(tmp_path: Path) -> None:
    env = {"ARGOS_PACKAGES_DIR": str(tmp_path / "packages"), "PATH": "/usr/bin:/bin"}
    done = _cli("models", "install", str(tmp_path / "nope.argosmodel"), env=env)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"error: no such package file: {tmp_path / 'nope.argosmodel'}\n"
    assert not (tmp_path / "packages").exists()
    with pytest.raises(InvalidPackage, match="no such file"):
        validate_package(tmp_path / "nope.argosmodel")


def test_a_killed_install_is_cleaned_up_by_the_next(tiny_package: Path, tmp_path: Path) -> None:
    packages = tmp_path / "packages"
    install_package(tiny_package, packages)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    pid = int(dead.stdout)
    (packages / f".installing-{pid}-abc" / "x").mkdir(parents=True)
    (packages / "translate-ar_en-0_1").rename(packages / f".replaced-translate-ar_en-0_1-{pid}")
    install_package(tiny_package, packages)
    assert sorted(p.name for p in packages.iterdir()) == ["translate-ar_en-0_1"]
