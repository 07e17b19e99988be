"""Atomic outputs (issue 14, case 5): a full disk, a kill or a Ctrl-C never leaves half a file,
a Moses pair is both new or both old, and no temp file outlives its writer for long.

Real processes: `bitext` under a file-size limit (RLIMIT_FSIZE: writes past it fail with EFBIG,
as a full disk fails with ENOSPC), or signalling itself (SIGKILL, SIGTERM, SIGINT) at the exact
point under test through a wrapper that patches one function; ENOSPC itself is injected."""

from __future__ import annotations

import errno
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.exports import (
    EmptyExport,
    atomic_writer,
    atomic_writers,
    recover_files,
    remove_stale_parts,
    write_jsonl,
)
from pipeline.store import open_store
from tests.test_exports import AR_PARAGRAPHS, EN_PARAGRAPHS, make_pair

REPO = Path(__file__).resolve().parents[1]
FORMATS = {
    "jsonl": ["c.jsonl"],
    "tmx": ["c.tmx"],
    "xliff": ["c.xlf"],
    "moses": ["c.ar", "c.en", "c.ids"],
}
OUTPUT = {"jsonl": "c.jsonl", "tmx": "c.tmx", "xliff": "c.xlf", "moses": "c"}
LIMIT = 64 * 1024  # above SQLite's 32 KiB shared-memory file, below any file exported

# Runs the CLI after arranging for one signal at one point: "fsync" (a temp file complete, not
# yet renamed) or "second-rename" (a Moses pair half renamed).
WRAPPER = """
import os, signal, sys
point, signame = os.environ["AT"].split(":")
sig = getattr(signal, signame)
if point == "fsync":
    def fsync(fd):
        os.kill(os.getpid(), sig)
    os.fsync = fsync
else:
    real_replace, renamed = os.replace, []
    def replace(src, dst, **kw):
        if str(dst).endswith((".ar", ".en")):
            if renamed:
                os.kill(os.getpid(), sig)
            renamed.append(dst)
        return real_replace(src, dst, **kw)
    os.replace = replace
from pipeline.cli import app
app(sys.argv[1:])
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("store")
    corpus = open_store(folder / "corpus.sqlite")
    # one long sentence in each (no full stop): every file of every export passes LIMIT
    ar = [AR_PARAGRAPHS[0].replace("اليوم", "اليوم " + "في المدينة " * 200), *AR_PARAGRAPHS[1:]]
    en = [EN_PARAGRAPHS[0].replace("today", "today " + "in the city " * 200), *EN_PARAGRAPHS[1:]]
    for n in range(40):
        corpus.save_pair(make_pair(f"k{n}", ar, en))
    corpus.close()
    return folder / "corpus.sqlite"


def _run(
    args: list[str],
    *,
    cwd: Path,
    at: str | None = None,
    limit: int | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    def preexec() -> None:
        # a runner may start the suite with SIGINT ignored (a background job): the export
        # under test gets it back as a user's terminal gives it (Python then raises
        # KeyboardInterrupt on it)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if limit is not None:  # Python ignores SIGXFSZ: a write past the limit fails (EFBIG)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    command = [sys.executable, "-c", WRAPPER, *args] if at else [
        sys.executable, "-m", "pipeline.cli", *args
    ]  # fmt: skip
    return subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {}), "AT": at or ""},
        capture_output=True,
        text=True,
        timeout=180,
        preexec_fn=preexec,
    )


def _export(fmt: str, store: Path, out: Path) -> list[str]:
    return ["export", "--format", fmt, "--store", str(store), "-o", str(out / OUTPUT[fmt])]


def _clean_moses(store: Path, tmp_path: Path) -> tuple[str, str]:
    """What an export nobody interrupted writes."""
    clean = tmp_path / "clean"
    clean.mkdir(exist_ok=True)
    assert _run(_export("moses", store, clean), cwd=tmp_path).returncode == 0
    return (clean / "c.ar").read_text(), (clean / "c.en").read_text()


def _old_files(fmt: str, out: Path) -> dict[str, bytes]:
    out.mkdir(exist_ok=True)
    old = {name: f"old {name}\n".encode() * 3 for name in FORMATS[fmt]}
    for name, data in old.items():
        (out / name).write_bytes(data)
    return old


def _listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_export_on_a_full_disk_keeps_the_old_files_and_leaves_no_temp(
    fmt: str, store: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    old = _old_files(fmt, out)
    done = _run(_export(fmt, store, out), cwd=tmp_path, limit=LIMIT)
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() in [  # Moses: whichever of the pair filled up first
        [f"error: file too large (size limit reached): {out / name}"] for name in FORMATS[fmt]
    ]
    assert _listing(out) == old
    # the same export with room to write succeeds, and is bigger than the limit
    done = _run(_export(fmt, store, out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(_listing(out)) == sorted(old)
    # (Moses' .ids file, a line of ids a segment, stays small: the text files fill the disk)
    assert all(len(data) > LIMIT for name, data in _listing(out).items() if name != "c.ids")


def test_export_on_enospc_says_so_in_one_line(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    old = _old_files("tmx", out)
    script = (
        "import errno, os, sys\n"
        "def full(fd): raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))\n"
        "os.fsync = full\n"
        "from pipeline.cli import app\n"
        "app(sys.argv[1:])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *_export("tmx", store, out)],
        capture_output=True, text=True, timeout=180, cwd=tmp_path,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (1, f"error: no space left on device: {out}/c.tmx\n")
    assert _listing(out) == old


def test_a_moses_export_killed_between_its_renames_is_completed_by_the_next(
    store: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _old_files("moses", out)
    done = _run(_export("moses", store, out), cwd=tmp_path, at="second-rename:SIGKILL")
    assert done.returncode == -9
    ar, en = (out / "c.ar").read_text(), (out / "c.en").read_text()
    assert ar.startswith("old") != en.startswith("old")  # half renamed: exactly the hazard
    assert (out / ".c.ar.commit").is_file()  # ...and the journal that repairs it
    repaired = recover_files(out / "c.ar")
    assert [p.name for p in repaired] == ["c.en", "c.ids"]  # the renames the kill cut off
    ar, en = (out / "c.ar").read_text(), (out / "c.en").read_text()
    assert not ar.startswith("old") and not en.startswith("old")
    assert (ar, en) == _clean_moses(store, tmp_path)  # both files of the new export
    assert sorted(p.name for p in out.iterdir()) == ["c.ar", "c.en", "c.ids"]


def test_the_next_moses_export_repairs_a_half_renamed_pair_first(
    store: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _old_files("moses", out)
    killed = _run(_export("moses", store, out), cwd=tmp_path, at="second-rename:SIGKILL")
    assert killed.returncode == -9
    done = _run([*_export("moses", store, out), "--since", "2999-01-01"], cwd=tmp_path)
    assert done.returncode == 1  # nothing passes --since: refused, but repaired first
    assert done.stderr.startswith("error: nothing exported from ")
    ar, en = (out / "c.ar").read_text(), (out / "c.en").read_text()
    assert (ar, en) == _clean_moses(store, tmp_path)  # both files of the new export
    assert sorted(p.name for p in out.iterdir()) == ["c.ar", "c.en", "c.ids"]


@pytest.mark.parametrize(
    ("fmt", "signal_name", "status", "left"),
    [
        ("tmx", "SIGTERM", 143, False),
        ("tmx", "SIGINT", 130, False),
        ("moses", "SIGINT", 130, False),
        ("moses", "SIGKILL", -9, True),
    ],
)
def test_a_killed_export_leaves_its_temp_files_at_most_until_the_next(
    fmt: str, signal_name: str, status: int, left: bool, store: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    old = _old_files(fmt, out)
    done = _run(_export(fmt, store, out), cwd=tmp_path, at=f"fsync:{signal_name}")
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr
    parts = [p for p in out.iterdir() if p.name.endswith(".part")]
    # SIGKILL cannot be caught: its temp files stay (Moses: both) until the next run
    assert len(parts) == (len(FORMATS[fmt]) if left else 0)
    assert {k: v for k, v in _listing(out).items() if not k.endswith(".part")} == old
    done = _run(_export(fmt, store, out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == FORMATS[fmt]


def test_stale_temp_files_of_dead_writers_go_those_of_live_ones_stay(tmp_path: Path) -> None:
    target = tmp_path / "c.tmx"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    files = {
        "dead": tmp_path / f".c.tmx.{int(dead.stdout)}.abcd1234.part",
        "live": tmp_path / f".c.tmx.{os.getppid()}.abcd1234.part",
        "old legacy": tmp_path / ".c.tmx.abcd1234.part",
        "new legacy": tmp_path / ".c.tmx.efgh5678.part",
        "another file's": tmp_path / ".c.tmx.ar.1.abcd1234.part",
    }
    for file in files.values():
        file.write_text("x")
    hours_ago = time.time() - 7200
    os.utime(files["old legacy"], (hours_ago, hours_ago))
    removed = remove_stale_parts(tmp_path)
    assert sorted(removed) == sorted([files["dead"], files["old legacy"]])
    with atomic_writer(target) as handle:
        handle.write("new")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["c.tmx", *(files[k].name for k in ("live", "new legacy", "another file's"))]
    )


def test_enospc_in_any_file_of_a_pair_leaves_both_old_and_no_temp(tmp_path: Path) -> None:
    paths = [tmp_path / "c.ar", tmp_path / "c.en"]
    for path in paths:
        path.write_text("old\n")
    calls = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:  # the first file is complete, the second hits the full disk
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "fsync", fsync)
        with pytest.raises(OSError, match="No space left"), atomic_writers(paths) as (a, b):
            a.write("new\n")
            b.write("new\n")
    assert [p.read_text() for p in paths] == ["old\n", "old\n"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.ar", "c.en"]


def test_an_empty_export_replaces_nothing_unless_allowed(tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    out.write_text("good\n")
    with pytest.raises(EmptyExport):
        write_jsonl([], out, allow_empty=False)
    assert [p.name for p in tmp_path.iterdir()] == ["c.jsonl"] and out.read_text() == "good\n"
    assert write_jsonl([], out) == 0 and out.read_text() == ""


def test_atomic_writer_refuses_a_directory_before_writing(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError), atomic_writer(tmp_path) as handle:
        handle.write("x")
    assert list(tmp_path.iterdir()) == []


# -- translate -o: the tiny real package, a real process, a full disk -------------------------


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipeline.argos import install_package
    from tests.tiny_argos import build_tiny_package

    folder = tmp_path_factory.mktemp("packages")
    install_package(build_tiny_package(tmp_path_factory.mktemp("tiny")), folder)
    return folder


def test_translate_o_on_a_full_disk_keeps_the_old_file(packages: Path, tmp_path: Path) -> None:
    source = tmp_path / "ar.txt"
    source.write_text("أعلن المدير العام لصندوق أوبك للتنمية الدولية\n" * 600, encoding="utf-8")
    output = tmp_path / "en.txt"
    output.write_text("old translation\n" * 600)
    args = ["translate", str(source), "--from", "ar", "--to", "en", "-o", str(output)]
    args += ["--data-dir", str(tmp_path / "no-store-here")]
    env = {"ARGOS_PACKAGES_DIR": str(packages)}
    full = _run(args, cwd=tmp_path, limit=1024, env=env)
    assert (full.returncode, full.stdout) == (1, "")
    assert full.stderr.splitlines()[-1] == f"error: file too large (size limit reached): {output}"
    assert output.read_text() == "old translation\n" * 600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ar.txt", "en.txt"]
    done = _run(args, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    lines = output.read_text().splitlines()
    assert len(lines) == 600 and all(lines) and len(set(lines)) == 1
    assert output.stat().st_size > 1024
    assert not (tmp_path / "no-store-here").exists()  # FILE mode creates no store


def test_another_export_in_the_folder_completes_a_pending_pair_before_sweeping(
    tmp_path: Path,
) -> None:
    """The killed writer's temp files are the new outputs while its journal stands: a sweep of
    the folder (any export there) renames them, never deletes them."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    pid = int(dead.stdout)
    (tmp_path / "c.ar").write_text("new ar\n")  # renamed before the kill
    (tmp_path / "c.en").write_text("old en\n")
    pending = tmp_path / f".c.en.{pid}.abcd1234.part"
    pending.write_text("new en\n")
    journal = [[str(tmp_path / f".c.ar.{pid}.efgh5678.part"), str(tmp_path / "c.ar")]]
    journal.append([str(pending), str(tmp_path / "c.en")])
    (tmp_path / ".c.ar.commit").write_text(json.dumps(journal))
    with atomic_writer(tmp_path / "other.jsonl") as handle:
        handle.write("{}\n")
    assert (tmp_path / "c.en").read_text() == "new en\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.ar", "c.en", "other.jsonl"]
