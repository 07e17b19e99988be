"""Issue 26, second hostile round: the store and its services failing under a real crawl.

Real processes each time: the sample site on 127.0.0.1, `scrapy crawl` in a subprocess, a real
PostgreSQL (stopped mid-crawl), a real tmpfs that fills up (where this machine lets a test
mount one), a store file removed mid-crawl. The rules: a store or service failure never ends
in exit 0; the finish reason says what failed; the run's `crawls` row is closed; a rerun
repairs what is missing (capture rows from the WARC files included). Every process bounded.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from pipeline.models import CrawlError, CrawlErrorKind, WarcCapture
from pipeline.store import open_store
from tests.conftest import REPO, Site, crawl_command, crawl_env, snapshot, store_of
from tests.services import PostgresServer, ServiceUnavailable, free_port, start_postgres
from tests.test_resilience_crawl import (
    STOPPED_WITHIN_S,
    assert_all_gone,
    crawl,
    family,
    log_of,
    start_slow_crawl,
    wait_for_pairs,
)


@pytest.fixture(scope="module")
def reference(sample_site: Site, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """What an uninterrupted crawl of the sample site stores."""
    data = tmp_path_factory.mktemp("reference")
    done = crawl(sample_site, data)
    assert done.returncode == 0, done.stderr[-3000:]
    store = store_of(data)
    try:
        return snapshot(store)
    finally:
        store.close()


def bitext(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, **(env or {})},
    )


def versions_without_capture(store_url: str) -> int:
    """Stored versions whose WARC record has no capture row (the page cannot be found)."""
    store = open_store(store_url)
    try:
        with store.engine.connect() as c:
            ids = {r for r in c.execute(text("select warc_record_id from captures")).scalars()}
            records = c.execute(text("select record from versions")).scalars().all()
    finally:
        store.close()
    import json

    wanted = [(json.loads(r) if isinstance(r, str) else r).get("warc_record_id") for r in records]
    return sum(1 for w in wanted if w and w not in ids)


def assert_warc_and_store_agree(data: Path, *store: str) -> None:
    check = bitext("warc-check", "--data-dir", str(data), *store)
    assert check.returncode == 0, check.stdout + check.stderr
    assert " 0 missing, 0 unrecorded" in check.stdout, check.stdout


# -- case 14: a store that is gone, empty or unreachable ----------------------------------------


def test_a_zero_byte_store_is_refused_in_one_line_and_never_given_a_schema(
    sample_site: Site, tmp_path: Path
) -> None:
    data = tmp_path / "out"
    data.mkdir()
    (data / "corpus.sqlite").write_bytes(b"")
    started = crawl(sample_site, data, timeout=60)
    assert started.returncode == 1
    assert started.stderr.strip().splitlines() == [
        f"scrapy crawl: error: {(data / 'corpus.sqlite').resolve()} is an empty file (0 bytes), "
        "not a corpus store: restore it, or remove it and crawl again to make a new one"
    ]
    for command in (["stats"], ["stats", "--json"], ["export", "-o", str(tmp_path / "x.jsonl")]):
        result = bitext(*command, "--data-dir", str(data))
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "empty file" in result.stderr
        assert result.stdout == ""
    assert (data / "corpus.sqlite").stat().st_size == 0  # never made into an empty store
    assert not (tmp_path / "x.jsonl").exists()


def test_stats_on_a_sqlite_file_without_the_stores_tables_creates_nothing(tmp_path: Path) -> None:
    other = tmp_path / "corpus.sqlite"
    with sqlite3.connect(other) as con:
        con.execute("create table notes (x text)")
    result = bitext("stats", "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert "holds no corpus store" in result.stderr and len(result.stderr.splitlines()) == 1
    with sqlite3.connect(other) as con:
        tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
    assert tables == {"notes"}


def test_postgresql_unreachable_at_start_is_one_line(sample_site: Site, tmp_path: Path) -> None:
    url = f"postgresql+psycopg://bitext:secret@127.0.0.1:{free_port()}/nowhere"
    started = crawl(sample_site, tmp_path / "out", "-s", f"BITEXT_STORE={url}", timeout=60)
    assert started.returncode == 1
    [line] = started.stderr.strip().splitlines()
    assert line.startswith("scrapy crawl: error: cannot reach the store postgresql+psycopg://")
    assert "secret" not in line  # the password is never shown
    stats = bitext("stats", "--store", url)
    assert stats.returncode == 1
    [line] = stats.stderr.strip().splitlines()
    assert line.startswith("error: cannot reach the store") and "secret" not in line


def test_a_store_removed_mid_crawl_stops_the_crawl_and_the_rerun_repairs(
    sample_site: Site, reference: dict[str, object], tmp_path: Path
) -> None:
    data = tmp_path / "out"
    process = start_slow_crawl(sample_site, data)
    try:
        processes = family(process)
        wait_for_pairs(data, 3)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{data / 'corpus.sqlite'}{suffix}").unlink(missing_ok=True)
        assert process.wait(timeout=STOPPED_WITHIN_S) == 1
        assert_all_gone(processes)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    log = log_of(data)
    assert "'finish_reason': 'store_lost'" in log
    assert "was removed" in log
    again = crawl(sample_site, data)  # a new store: every pair again, the old captures back
    assert again.returncode == 0, again.stderr[-3000:]
    assert "capture rows an earlier crawl lost were added back" in again.stderr
    store = store_of(data)
    try:
        assert snapshot(store) == reference
    finally:
        store.close()
    assert_warc_and_store_agree(data)


# -- case 11: URLs of any length, on PostgreSQL -------------------------------------------------


def test_urls_of_any_length_are_stored_on_postgresql(postgres: PostgresServer) -> None:
    from pipeline.models import ArticlePair, PairStatus
    from tests.test_store_warc import version

    url = postgres.create_database("long_urls")
    long_url = "http://127.0.0.1/ar/" + "مقال-" * 800 + "?x=" + "y" * 500  # ~4,500 characters
    store = open_store(url)
    capture = WarcCapture(
        url=long_url, warc_filename="a.warc.gz", warc_record_id="<urn:uuid:long>", warc_offset=0,
        record_type="response", payload_sha1="sha1:AAAA", http_status=200,
        fetched_at="2026-12-07T00:00:00Z",
    )  # fmt: skip
    store.record_capture(capture)
    store.flush_captures()
    error = CrawlError(site="enab", url=long_url + "&e", kind=CrawlErrorKind.http_error,
                       detail="HTTP 500", http_status=500, at="2026-12-07T00:00:00Z")  # fmt: skip
    store.record_error(error)
    store.record_error(error)  # the same URL and kind: counted, not a second row
    original = version("ar", "x" * 4000, "نص عربي طويل").model_copy(update={"url": long_url})
    translation = version("en", "long-one", "An English text.")
    pair = ArticlePair(
        site="enab", translation=translation, original=original, status=PairStatus.paired,
        original_url=long_url,
    )  # fmt: skip
    store.save_pair(pair)
    store.close()

    again = open_store(url)
    try:
        assert [c.url for c in again.captures()] == [long_url]
        assert again.last_capture(long_url) is not None
        [stored_error] = again.errors()
        assert stored_error.url == long_url + "&e"
        stored = again.pair_for("enab", "long-one")
        assert stored is not None and stored.original is not None
        assert stored.original_url == long_url and stored.original.url == long_url
        key = stored.original.site_article_id
        assert len(key) == 512 and key.startswith("x" * 400)  # bounded, hash-suffixed, stable
        assert key == original.site_article_id
    finally:
        again.close()
    engine = create_engine(url)
    with engine.connect() as c:
        indexes = {
            r[0]: r[1]
            for r in c.execute(
                text(
                    "select indexname, indexdef from pg_indexes where tablename in "
                    "('captures', 'errors')"
                )
            )
        }
    engine.dispose()
    assert not any("(url)" in d or "(url, kind)" in d for d in indexes.values()), indexes
    assert any("url_sha256" in d for d in indexes.values())


# -- case 9: PostgreSQL stopped mid-crawl ------------------------------------------------------


def restart(server: PostgresServer) -> None:
    """The same cluster started again on its port (as an operator brings a database back)."""
    workdir = server.datadir.parent
    options = f"-c listen_addresses=127.0.0.1 -p {server.port} -k {workdir} -c fsync=off"
    subprocess.run(
        [*server.run_as, server.pg_ctl, "-D", str(server.datadir), "-o", options,
         "-l", str(workdir / "pg.log"), "-w", "-t", "30", "start"],
        capture_output=True, timeout=60, check=True,
    )  # fmt: skip


def stop(server: PostgresServer) -> None:
    subprocess.run(
        [*server.run_as, server.pg_ctl, "-D", str(server.datadir), "-m", "immediate", "-w",
         "stop"],
        capture_output=True, timeout=60, check=True,
    )  # fmt: skip


def pg_pairs(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return int(c.execute(text("select count(*) from pairs")).scalar() or 0)
    except Exception:
        return 0
    finally:
        engine.dispose()


def test_postgresql_stopped_mid_crawl_stops_with_its_reason_and_the_rerun_repairs(
    sample_site: Site, reference: dict[str, object], tmp_path: Path
) -> None:
    try:  # a server of its own: this test stops it
        server = start_postgres(tmp_path / "pg")
    except ServiceUnavailable as exc:
        pytest.skip(f"no PostgreSQL server: {exc}")
    try:
        url = server.create_database("stopped")
        data = tmp_path / "out"
        data.mkdir()
        env = {**crawl_env(data), "BITEXT_STORE_RETRY_S": "3"}
        process = subprocess.Popen(
            [*crawl_command(sample_site, "-s", f"BITEXT_STORE={url}"),
             "-s", "DOWNLOAD_DELAY=0.2", "-s", "CONCURRENT_REQUESTS=1"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL,
            stderr=(tmp_path / "out.log").open("w"), start_new_session=True,
        )  # fmt: skip
        try:
            processes = family(process)
            deadline = time.monotonic() + 90
            while pg_pairs(url) < 3 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert pg_pairs(url) >= 3
            stop(server)
            status = process.wait(timeout=90)
            assert_all_gone(processes)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
        log = (tmp_path / "out.log").read_text(errors="replace")
        assert status == 1, log[-3000:]
        assert "'finish_reason': 'store_unavailable'" in log, log[-3000:]
        assert log.count("Traceback") < 5, log[-3000:]  # no traceback per dropped article
        assert (data / "crawl-unclosed.json").is_file()  # its row is closed by the next run

        restart(server)
        again = crawl(sample_site, data, "-s", f"BITEXT_STORE={url}")
        assert again.returncode == 0, again.stderr[-3000:]
        assert not (data / "crawl-unclosed.json").exists()
        engine = create_engine(url)
        with engine.connect() as c:
            rows = c.execute(
                text("select finish_reason, finished_at from crawls order by id")
            ).all()
        engine.dispose()
        assert [r[0] for r in rows] == ["store_unavailable", "finished"]
        assert all(r[1] is not None for r in rows)
        store = open_store(url)
        try:
            assert snapshot(store) == reference
        finally:
            store.close()
        assert versions_without_capture(url) == 0
        assert_warc_and_store_agree(data, "--store", url)
    finally:
        server.stop()


# -- case 8: the disk fills up mid-crawl -------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real tmpfs of 1.5 MiB (fills mid-crawl: a whole crawl of the sample site takes ~5
    MiB); skipped where this machine does not let the test mount one (not root)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (a real full disk is the test)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1536k", "tmpfs", str(mount)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)


def test_a_full_disk_stops_the_crawl_and_the_rerun_loses_no_capture_row(
    sample_site: Site, reference: dict[str, object], small_disk: Path
) -> None:
    data = small_disk / "out"
    first = crawl(sample_site, data, timeout=240)
    assert first.returncode == 1, first.stderr[-3000:]
    assert "'finish_reason': 'disk_full'" in first.stderr, first.stderr[-3000:]
    with sqlite3.connect(data / "corpus.sqlite") as con:
        stored = con.execute("select count(*) from pairs").fetchone()[0]
    assert stored <= 40  # it filled mid-crawl, or as the crawl ended (a fast machine)
    assert versions_without_capture(str(data / "corpus.sqlite")) == 0
    # space freed, crawl again: everything stored, every capture row there
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    again = crawl(sample_site, data, timeout=240)
    assert again.returncode == 0, again.stderr[-3000:]
    store = store_of(data)
    try:
        assert snapshot(store) == reference
    finally:
        store.close()
    assert versions_without_capture(str(data / "corpus.sqlite")) == 0
    assert_warc_and_store_agree(data)
    with sqlite3.connect(data / "corpus.sqlite") as con:
        runs = con.execute("select finish_reason, finished_at from crawls order by id").fetchall()
    # the full disk may have kept the first run from closing its row: the rerun closed it
    assert runs[0][0] in ("disk_full", "interrupted") and runs[1][0] == "finished"
    assert all(finished is not None for _, finished in runs)


def test_warc_check_names_records_without_a_store_row_and_repairs_them(
    sample_site: Site, tmp_path: Path
) -> None:
    data = tmp_path / "out"
    done = crawl(sample_site, data)
    assert done.returncode == 0, done.stderr[-3000:]
    store = store_of(data)
    with store.engine.begin() as c:
        total = c.execute(text("select count(*) from captures")).scalar()
        c.execute(text("delete from captures where id % 3 = 0"))
        left = c.execute(text("select count(*) from captures")).scalar()
    store.close()
    lost = int(total or 0) - int(left or 0)
    assert lost > 0
    check = bitext("warc-check", "--data-dir", str(data))
    assert check.returncode == 1
    assert f" 0 missing, {lost} unrecorded" in check.stdout, check.stdout
    repaired = bitext("warc-check", "--data-dir", str(data), "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert f"{lost} capture rows added" in repaired.stdout
    store = store_of(data)
    try:
        with store.engine.connect() as c:
            assert c.execute(select(text("count(*)")).select_from(text("captures"))).scalar() == (
                total
            )
    finally:
        store.close()


# -- case 10: Redis killed mid-crawl -----------------------------------------------------------


def test_redis_killed_mid_crawl_stops_cleanly_after_bounded_retries(
    sample_site: Site, reference: dict[str, object], tmp_path: Path
) -> None:
    from tests.services import start_redis

    try:
        server = start_redis(tmp_path / "redis")
    except ServiceUnavailable as exc:
        pytest.skip(f"no Redis server: {exc}")
    data = tmp_path / "out"
    frontier = ["-s", f"BITEXT_REDIS_URL={server.url(0)}", "-s", "BITEXT_REDIS_IDLE_CLOSE_S=2",
                "-s", "BITEXT_REDIS_RETRY_S=6"]  # fmt: skip
    process = start_slow_crawl(sample_site, data, *frontier)
    try:
        processes = family(process)
        wait_for_pairs(data, 3)
        server.process.kill()  # SIGKILL: connections reset, the port closed
        server.process.wait(timeout=10)
        killed_at = time.monotonic()
        status = process.wait(timeout=90)
        stopped_after = time.monotonic() - killed_at
        assert_all_gone(processes)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        server.stop()
    log = log_of(data)
    assert status == 1, log[-3000:]
    assert "'finish_reason': 'frontier_unavailable'" in log, log[-3000:]
    assert "the shared frontier (Redis) is unreachable" in log
    assert stopped_after < 60  # the 6 s budget, then a clean close (in-flight pages end)
    assert log.count("Traceback") <= 2, log[-5000:]  # not one per scheduler call
    assert len(log) < 300_000
    # Redis back (a new server): the rerun stores everything the first run did not
    again_server = start_redis(tmp_path / "redis-again")
    try:
        frontier[1] = f"BITEXT_REDIS_URL={again_server.url(0)}"
        again = crawl(sample_site, data, *frontier)
    finally:
        again_server.stop()
    assert again.returncode == 0, again.stderr[-3000:]
    store = store_of(data)
    try:
        assert snapshot(store) == reference
    finally:
        store.close()
    assert_warc_and_store_agree(data)
