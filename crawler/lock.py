"""One crawl per data directory: an advisory lock on `<data dir>/crawl.lock`.

flock(2) by hand rather than the filelock package: filelock truncates the file on every attempt,
erasing the pid the holder wrote there, which the refusal message names. The kernel drops the
lock when its holder dies, however it dies, so a kill -9 never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from typing import IO

LOCK_NAME = "crawl.lock"
WRITER_LOCK_NAME = "writer.lock"

_held: dict[Path, IO[str]] = {}


class CrawlLocked(RuntimeError):
    """Another crawl holds this data directory."""


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""
    return f" (pid {text})" if text.isdigit() else ""


def acquire_crawl_lock(data_dir: Path) -> Path:
    """Take the data directory for this process, or raise CrawlLocked; idempotent in-process."""
    path = (Path(data_dir) / LOCK_NAME).resolve()
    if path in _held:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole crawl
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise CrawlLocked(
            f"another crawl is writing to {path.parent}{_holder(path)}; wait for it to finish or "
            "stop it, or crawl into another data directory (BITEXT_DATA_DIR)"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    os.set_inheritable(handle.fileno(), False)
    _held[path] = handle
    return path


def release_crawl_lock(data_dir: Path) -> None:
    handle = _held.pop((Path(data_dir) / LOCK_NAME).resolve(), None)
    if handle is not None:
        handle.close()  # closing releases the flock


def wait_for_writer_lock(data_dir: Path, timeout: float) -> bool:
    """Wait until no writer process (of an earlier, killed crawl) still writes here: such a
    writer drains what it was sent and exits within seconds of its crawler's death."""
    path = Path(data_dir) / WRITER_LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with open(path, "a+", encoding="utf-8") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True  # released when the with-block closes the file
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.2)


def hold_writer_lock(data_dir: Path) -> IO[str]:
    """The writer process's side: held until it exits (blocks while an older writer finishes)."""
    path = Path(data_dir) / WRITER_LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the writer's life
    fcntl.flock(handle, fcntl.LOCK_EX)
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle
