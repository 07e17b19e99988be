"""Real Redis and PostgreSQL servers for tests, the demo and the benchmark.

Debian's `redis-server` and PostgreSQL (`initdb`, `pg_ctl`) are started under a temporary
folder, on 127.0.0.1 with a free port, each bounded in time and stopped at teardown. Where one
cannot be had (not installed, no non-root user to run postgres as) the caller gets
`ServiceUnavailable` with the reason; the pytest fixtures turn that into a clear skip.
`make test` installs both (Debian packages), as it installs Chromium.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 15


class ServiceUnavailable(RuntimeError):
    """A service this machine cannot start; the message says why and how to get it."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen[bytes] | None, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ServiceUnavailable(f"{what} exited with code {process.returncode} at start")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise ServiceUnavailable(f"{what} did not listen on 127.0.0.1:{port} in {START_TIMEOUT_S}s")


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen[bytes]

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT_S)


def start_redis(workdir: Path) -> RedisServer:
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServiceUnavailable(
            "redis-server is not installed (Debian: apt-get install redis-server; `make test` "
            "installs it)"
        )
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",  # nothing written to disk: a test frontier
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
            "--daemonize",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, process, "redis-server")
    except ServiceUnavailable:
        process.kill()
        raise
    return RedisServer(port, process)


def _postgres_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    # Debian keeps the server binaries off PATH, under /usr/lib/postgresql/<version>/bin.
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    return None


def _run_as() -> list[str]:
    """The prefix that runs a command as a non-root user: postgres refuses to run as root."""
    if os.geteuid() != 0:
        return []
    for user in ("postgres", "nobody"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            continue
        runuser = shutil.which("runuser")
        if runuser:
            return [runuser, "-u", user, "--"]
    raise ServiceUnavailable("running as root and no 'postgres' user to run PostgreSQL as")


@dataclass
class PostgresServer:
    port: int
    datadir: Path
    pg_ctl: str
    run_as: list[str]
    owned_dir: Path | None = None  # a folder made for this server, removed when it stops
    user: str = "bitext"
    database: str = "bitext"

    def url(self, database: str | None = None) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database or self.database}"

    def create_database(self, name: str) -> str:
        """A new empty database on this server; its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        subprocess.run(
            [*self.run_as, self.pg_ctl, "-D", str(self.datadir), "-m", "fast", "-w", "stop"],
            capture_output=True,
            timeout=STOP_TIMEOUT_S * 2,
            check=False,
        )
        if self.owned_dir is not None:
            shutil.rmtree(self.owned_dir, ignore_errors=True)


def start_postgres(workdir: Path) -> PostgresServer:
    initdb, pg_ctl = _postgres_bin("initdb"), _postgres_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise ServiceUnavailable(
            "PostgreSQL is not installed (Debian: apt-get install postgresql; `make test` "
            "installs it)"
        )
    run_as = _run_as()
    workdir.mkdir(parents=True, exist_ok=True)
    if run_as:
        # The server's user must reach and own its folder; a private temp folder of root's is
        # not reachable, so the cluster lives in a folder of its own under the system temp.
        workdir = Path(tempfile.mkdtemp(prefix="bitext-pg-"))
        entry = pwd.getpwnam(run_as[2])
        os.chown(workdir, entry.pw_uid, entry.pw_gid)
    datadir = workdir / "pgdata"
    init = subprocess.run(
        [
            *run_as,
            initdb,
            "-D",
            str(datadir),
            "-U",
            "bitext",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if init.returncode != 0:
        raise ServiceUnavailable(f"initdb failed: {init.stderr.strip()[-500:]}")
    port = free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {workdir} -c fsync=off"
    start = subprocess.run(
        [
            *run_as,
            pg_ctl,
            "-D",
            str(datadir),
            "-o",
            options,
            "-l",
            str(workdir / "pg.log"),
            "-w",
            "-t",
            str(START_TIMEOUT_S),
            "start",
        ],
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S + 30,
        check=False,
    )
    if start.returncode != 0:
        log_file = workdir / "pg.log"
        log = log_file.read_text(errors="replace")[-800:] if log_file.exists() else ""
        raise ServiceUnavailable(f"pg_ctl start failed: {start.stderr.strip()} {log}")
    server = PostgresServer(port, datadir, pg_ctl, run_as, owned_dir=workdir if run_as else None)
    try:
        _wait_for_port(port, None, "postgres")
        server.create_database("bitext")
    except Exception:
        server.stop()
        raise
    return server


@contextmanager
def redis_server(workdir: Path) -> Iterator[RedisServer]:
    server = start_redis(workdir)
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def postgres_server(workdir: Path) -> Iterator[PostgresServer]:
    server = start_postgres(workdir)
    try:
        yield server
    finally:
        server.stop()
