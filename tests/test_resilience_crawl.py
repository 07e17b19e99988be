"""Nothing lost, nothing hung: real crawls of the sample site (a real server on 127.0.0.1,
`scrapy crawl` in a subprocess) that are interrupted, killed, misconfigured or given broken
packages and hostile answers. Every process is bounded in time: all gone within 30 s of a stop.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest

from pipeline.models import ArticlePair, ArticleVersion, PipelineStage
from tests.conftest import (
    REPO,
    Site,
    copy_site,
    crawl_command,
    crawl_env,
    run_crawl,
    snapshot,
    start_site,
    store_at_revision,
    store_of,
)

STOPPED_WITHIN_S = 30


# -- harness ------------------------------------------------------------------------------------


def crawl(
    site: Site, data: Path, *args: str, env: dict[str, str] | None = None, timeout: int = 240
) -> subprocess.CompletedProcess[str]:
    """A crawl whose exit status the test checks itself."""
    return subprocess.run(
        crawl_command(site, *args),
        cwd=REPO,
        env={**crawl_env(data), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_slow_crawl(
    site: Site, data: Path, *args: str, delay: float = 0.2
) -> subprocess.Popen[str]:
    """A slow crawl in its own process group (as a terminal runs it), log in data/../crawl.log.
    Slow by its request delay, not by the machine: at 0.2 s a request the sample site takes
    25 s or more, so a test that stops it after a few pairs finds it running even where the
    writer lags far behind a fast crawler (a loaded machine)."""
    data.mkdir(parents=True, exist_ok=True)
    slow = ["-s", f"DOWNLOAD_DELAY={delay}", "-s", "CONCURRENT_REQUESTS=1"]
    return subprocess.Popen(
        [*crawl_command(site, *args), *slow],
        cwd=REPO,
        env=crawl_env(data),
        stdout=subprocess.DEVNULL,
        stderr=open(data.parent / f"{data.name}.log", "w"),  # the child holds it
        text=True,
        start_new_session=True,
    )


def log_of(data: Path) -> str:
    return (data.parent / f"{data.name}.log").read_text(encoding="utf-8", errors="replace")


def wait_for_pairs(data: Path, count: int, timeout: float = 90) -> int:
    db = data / "corpus.sqlite"
    deadline = time.monotonic() + timeout
    stored = 0
    while time.monotonic() < deadline and stored < count:
        time.sleep(0.1)
        if db.exists():
            try:
                with sqlite3.connect(db) as con:
                    stored = con.execute("select count(*) from pairs").fetchone()[0]
            except sqlite3.OperationalError:
                pass
    assert stored >= count, f"only {stored} pairs stored after {timeout} s"
    return stored


def family(process: subprocess.Popen[str]) -> list[psutil.Process]:
    """The crawler and its helper processes (watchdog, writer, extraction worker, resource
    tracker)."""
    parent = psutil.Process(process.pid)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # helpers start with the first capture and page
        children = parent.children(recursive=True)
        if len(children) >= 3:
            return [parent, *children]
        time.sleep(0.1)
    return [parent, *parent.children(recursive=True)]


def running(processes: list[psutil.Process]) -> list[int]:
    alive = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p.pid)
        except psutil.NoSuchProcess:
            pass
    return alive


def describe(pid: int) -> str:
    """A process as a failure message names it: pid, state, parent and command line."""
    try:
        p = psutil.Process(pid)
        return f"{pid} {p.status()} ppid={p.ppid()} {' '.join(p.cmdline())[:300]}"
    except psutil.Error as exc:
        return f"{pid} ({exc})"


def assert_all_gone(processes: list[psutil.Process], within: float = STOPPED_WITHIN_S) -> None:
    deadline = time.monotonic() + within
    while running(processes) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = running(processes)
    described = [describe(pid) for pid in left]
    for pid in left:  # never leave them behind, even when failing
        os.kill(pid, signal.SIGKILL)
    assert not left, f"still running {within} s after the stop: {described}"


def writer_pid(data: Path) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = (data / "writer.lock").read_text().strip() if (data / "writer.lock").exists() else ""
        if text.isdigit():
            return int(text)
        time.sleep(0.1)
    raise AssertionError("the writer never wrote its pid")


def warc_check(data: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "warc-check", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def finish_reasons(data: Path) -> list[str | None]:
    with sqlite3.connect(data / "corpus.sqlite") as con:
        return [r[0] for r in con.execute("select finish_reason from crawls order by id")]


def stage_failures(data: Path) -> Counter[tuple[str, str, str]]:
    store = store_of(data)
    try:
        return Counter((f.stage.value, f.scope, f.reason) for _, _, f in store.stage_failures())
    finally:
        store.close()


def site_with(tmp: Path, behaviors: dict[str, dict[str, dict]]) -> Site:
    root = copy_site(tmp)
    path = root / "behaviors.json"
    current = json.loads(path.read_text(encoding="utf-8"))
    for side, extra in behaviors.items():
        current.setdefault(side, {}).update(extra)
    path.write_text(json.dumps(current), encoding="utf-8")
    return start_site(root)


@pytest.fixture(scope="module")
def reference(sample_site: Site, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """What an uninterrupted crawl of the sample site stores."""
    data = tmp_path_factory.mktemp("reference")
    run_crawl(sample_site, data)
    return snapshot(store_of(data))


# -- case 1: a failing stage never loses the pair -----------------------------------------------


@pytest.fixture(scope="module")
def broken_packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ar->en and en->ar installed, then their SentencePiece models overwritten with garbage (a
    package that passed installation and fails to load)."""
    from pipeline.argos import install_package
    from tests.tiny_argos import build_tiny_package

    base = tmp_path_factory.mktemp("argos")
    packages = base / "packages"
    install_package(build_tiny_package(base / "ar-en"), packages)
    install_package(build_tiny_package(base / "en-ar", from_code="en", to_code="ar"), packages)
    models = sorted(packages.rglob("sentencepiece.model"))
    assert len(models) == 2
    for model in models:
        model.write_bytes(b"\x00garbage, not a SentencePiece model\xff" * 40)
    return packages


def test_a_package_that_does_not_load_keeps_every_pair(
    sample_site: Site, broken_packages: Path, reference: dict[str, object], tmp_path: Path
) -> None:
    data = tmp_path / "out"
    result = crawl(sample_site, data, env={"ARGOS_PACKAGES_DIR": str(broken_packages)})
    assert result.returncode == 3, result.stderr[-3000:]
    assert "'finish_reason': 'finished_with_stage_failures'" in result.stderr
    assert "could not parse ModelProto" in result.stderr  # said once per direction
    assert result.stderr.count("does not load") == 2
    # every pair is there, as in a crawl with no package at all
    got = snapshot(store_of(data))
    assert got["pairs"] == reference["pairs"] and len(got["pairs"]) == 46
    assert got["counts"]["alignments"] == 40  # aligned without translation
    assert stage_failures(data) == {
        ("translation", "ar-en", "model_load_failed"): 40,
        ("translation", "en-ar", "model_load_failed"): 40,
    }
    assert finish_reasons(data) == ["finished_with_stage_failures"]
    stats = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "stats", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=REPO,
        env={**os.environ, "ARGOS_PACKAGES_DIR": str(broken_packages), "COLUMNS": "200"},
    ).stdout
    # the reasons in words (issue 28): model_load_failed
    assert re.search(r"translation failed \(ar-en\) +│ the translation model did not load", stats)
    rows = [line for line in stats.splitlines() if "the translation model did not load" in line]
    assert len(rows) == 2 and all(row.rstrip(" │").endswith("40") for row in rows)


def test_translation_on_a_device_that_is_not_there(sample_site: Site, tmp_path: Path) -> None:
    import ctranslate2

    if ctranslate2.get_cuda_device_count() > 0:
        pytest.skip("this machine has CUDA: the device is there")
    from pipeline.argos import install_package
    from tests.tiny_argos import build_tiny_package

    packages = tmp_path / "packages"
    install_package(build_tiny_package(tmp_path / "ar-en"), packages)
    m = sample_site.manifest
    urls = ",".join(f"{sample_site.en}{m[k]['en_path']}" for k in ("pair-01", "pair-02"))
    data = tmp_path / "out"
    result = crawl(
        sample_site,
        data,
        "-a",
        f"urls={urls}",
        env={"ARGOS_PACKAGES_DIR": str(packages), "BITEXT_TRANSLATE_DEVICE": "cuda"},
    )
    assert result.returncode == 3, result.stderr[-3000:]
    counts = store_of(data).counts()
    assert counts["pairs"] == 2 and counts["alignments"] == 2
    assert stage_failures(data) == {("translation", "ar-en", "model_load_failed"): 2}
    assert all("CUDA" in f.detail for _, _, f in store_of(data).stage_failures())


def test_an_oversized_page_is_stored_with_extraction_failed(tmp_path: Path) -> None:
    site = start_site(copy_site(tmp_path))
    try:
        m = site.manifest
        big = site.root / "ar" / str(m["pair-04"]["ar_id"]) / "index.html"
        html = big.read_text(encoding="utf-8")
        big.write_text(html.replace("</body>", "<!--" + "x" * 300_000 + "--></body>"), "utf-8")
        urls = ",".join(f"{site.en}{m[k]['en_path']}" for k in ("pair-03", "pair-04"))
        data = tmp_path / "out"
        result = crawl(site, data, "-a", f"urls={urls}", "-s", "BITEXT_EXTRACT_MAX_CHARS=200000")
    finally:
        site.stop()
    assert result.returncode == 3, result.stderr[-3000:]
    store = store_of(data)
    pairs = {urlsplit(p.translation.canonical_url).path: p for p in store.iter_pairs()}
    assert {p.status.value for p in pairs.values()} == {"paired"} and len(pairs) == 2
    failures = store.stage_failures()
    assert [(key, f.stage, f.scope, f.reason) for _, key, f in failures] == [
        (m["pair-04"]["en_path"], PipelineStage.extraction, "ar", "too_large")
    ]
    assert "over the extraction cap of 200000" in failures[0][2].detail
    oversized = pairs[m["pair-04"]["en_path"]]
    assert (
        store.text_of(oversized.original) is None
        and store.text_of(oversized.translation) is not None
    )
    assert [a.translation_article_id for a in store.iter_alignments()] == [m["pair-03"]["en_path"]]


# -- case 2: Ctrl-C twice -----------------------------------------------------------------------


def test_two_ctrl_c_stop_cleanly_and_the_resumed_job_misses_nothing(
    sample_site: Site, reference: dict[str, object], tmp_path: Path
) -> None:
    data, job = tmp_path / "out", tmp_path / "job"
    process = start_slow_crawl(sample_site, data, "-s", f"JOBDIR={job}")
    try:
        processes = family(process)
        wait_for_pairs(data, 8)
        os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
        time.sleep(0.3)
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=STOPPED_WITHIN_S) == 130
        assert_all_gone(processes)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    log = log_of(data)
    assert "Received SIGINT twice: forcing a stop" in log
    assert finish_reasons(data) == ["shutdown_forced"]
    # the writer closed the WARC file itself; the store is whole
    assert not list((data / "warc").glob("*.open"))
    with sqlite3.connect(data / "corpus.sqlite") as con:
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
    partial = store_of(data).counts()
    assert 8 <= partial["pairs"] + partial["unpaired"] < 46
    resumed = crawl(sample_site, data, "-s", f"JOBDIR={job}")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "did not close cleanly: its request queue is dropped" in resumed.stderr
    assert snapshot(store_of(data)) == reference
    assert "0 missing" in warc_check(data)


# -- case 3: helpers die with their parent, a dead helper stops the crawl -----------------------


def test_a_killed_writer_stops_the_crawl(
    sample_site: Site, reference: dict[str, object], tmp_path: Path
) -> None:
    data = tmp_path / "out"
    process = start_slow_crawl(sample_site, data)
    try:
        processes = family(process)
        wait_for_pairs(data, 5)
        os.kill(writer_pid(data), signal.SIGKILL)
        assert process.wait(timeout=STOPPED_WITHIN_S) == 1
        assert_all_gone(processes)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    log = log_of(data)
    assert "'finish_reason': 'writer_died'" in log
    assert finish_reasons(data) == ["writer_died"]
    assert list((data / "warc").glob("*.warc.gz.open"))  # the killed writer's file
    again = crawl(sample_site, data)  # recovers that file, stores what was not stored
    assert again.returncode == 0, again.stderr[-3000:]
    assert not list((data / "warc").glob("*.open"))
    assert snapshot(store_of(data)) == reference
    assert "0 missing" in warc_check(data)


def test_a_killed_crawler_takes_its_helpers_along(
    sample_site: Site, reference: dict[str, object], tmp_path: Path
) -> None:
    data, job = tmp_path / "out", tmp_path / "job"
    process = start_slow_crawl(sample_site, data, "-s", f"JOBDIR={job}")
    try:
        processes = family(process)
        wait_for_pairs(data, 5)
        process.kill()  # the crawler alone: its writer and extraction worker must follow
        process.wait(timeout=10)
        assert_all_gone(processes)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    # the writer wrote what it had been sent and closed its WARC file
    assert not list((data / "warc").glob("*.open"))
    assert len(list((data / "warc").glob("*.warc.gz"))) == 1
    # the dead crawler's lock does not block the next crawl, which resumes the job and
    # completes the corpus although the killed run's JOBDIR saw requests it never stored
    again = crawl(sample_site, data, "-s", f"JOBDIR={job}")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "did not close cleanly" in again.stderr
    assert snapshot(store_of(data)) == reference
    assert "0 missing" in warc_check(data)


def test_a_killed_extraction_worker_is_replaced_and_no_pair_is_lost(
    sample_site: Site, reference: dict[str, object], tmp_path: Path
) -> None:
    """A worker that dies (OOM killer, a crash in a parser) is replaced by the pool; the page it
    was reading, if any, is stored without its text (worker_died), and the crawl goes on."""
    data = tmp_path / "out"
    process = start_slow_crawl(sample_site, data, delay=0.05)  # it runs to its end
    try:
        family(process)
        wait_for_pairs(data, 5)
        processes = family(process)  # the extraction worker is there now
        writer = writer_pid(data)
        # the page readers' worker starts with the first page, before any pair is aligned (the
        # embedding worker, another spawn_main child, starts with the first alignment)
        worker = min(
            (
                p
                for p in processes[1:]
                if p.pid != writer and any("spawn_main" in part for part in p.cmdline())
            ),
            key=lambda p: p.create_time(),
        )
        worker.kill()
        status = process.wait(timeout=240)
        assert_all_gone(processes)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    store = store_of(data)
    failed = {(key, f.scope) for _, key, f in store.stage_failures() if f.reason == "worker_died"}
    assert len(failed) <= 1  # the page it was reading when killed, if it was reading one
    assert status == (3 if failed else 0), log_of(data)[-3000:]
    assert snapshot(store)["pairs"] == reference["pairs"]
    for pair in store.iter_pairs():  # a page is read (and extracted) as it arrives: per version
        key = pair.translation.site_article_id
        for version in (pair.translation, pair.original):
            if version is not None:
                assert (store.text_of(version) is None) == ((key, version.language) in failed)
    assert not list((data / "warc").glob("*.open"))


# -- operator mistakes ---------------------------------------------------------------------------


def test_a_second_crawl_into_the_same_data_directory_is_refused(
    sample_site: Site, tmp_path: Path
) -> None:
    data = tmp_path / "out"
    first = start_slow_crawl(sample_site, data)
    try:
        processes = family(first)
        wait_for_pairs(data, 1)
        second = crawl(sample_site, data, timeout=60)
        assert second.returncode == 1
        assert second.stderr.strip().splitlines() == [
            f"scrapy crawl: error: another crawl is writing to {data.resolve()} (pid {first.pid}); "
            "wait for it to finish or stop it, or crawl into another data directory "
            "(BITEXT_DATA_DIR)"
        ]
        os.killpg(first.pid, signal.SIGINT)
        assert first.wait(timeout=STOPPED_WITHIN_S) == 130
        assert_all_gone(processes)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert finish_reasons(data) == ["shutdown"]  # the refused crawl recorded nothing


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        (
            "limt=3",
            "unknown spider argument -a limt=3; valid: since, until, limit, urls, base_url_en, "
            "base_url_ar",
        ),
        ("since=2024-13-45", "-a since= must be a date YYYY-MM-DD, got '2024-13-45'"),
        ("limit=ten", "-a limit= must be a whole number, got 'ten'"),
    ],
)
def test_bad_spider_arguments_are_refused_before_anything_starts(
    sample_site: Site, tmp_path: Path, argument: str, message: str
) -> None:
    result = crawl(sample_site, tmp_path / "out", "-a", argument, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"scrapy crawl: error: {message}"]
    assert not (tmp_path / "out" / "corpus.sqlite").exists()


# -- politeness ----------------------------------------------------------------------------------


def test_robots_txt_answering_503_means_disallow_until_it_answers(tmp_path: Path) -> None:
    # four 503s: the first try and its three retries; the next run gets the real file
    site = site_with(tmp_path, {"ar": {"/robots.txt": {"fail_first": 4, "status": 503}}})
    try:
        m = site.manifest
        urls = ",".join(f"{site.en}{m[k]['en_path']}" for k in ("pair-05", "pair-06"))
        data = tmp_path / "out"
        first = crawl(site, data, "-a", f"urls={urls}")
        assert first.returncode == 0, first.stderr[-3000:]
        store = store_of(data)
        unpaired = {p.reason.value: p.reason_detail for p in store.iter_pairs()}
        assert unpaired == {
            "original_robots_disallowed": (
                "robots.txt unavailable (HTTP 503): disallowed by RFC 9309"
            )
        }
        assert store.counts()["unpaired"] == 2
        errors = [(urlsplit(e.url).path, e.kind.value, e.http_status) for e in store.errors()]
        assert errors == [("/robots.txt", "robots_unavailable", 503)]
        store.close()
        second = crawl(site, data, "-a", f"urls={urls}")
        assert second.returncode == 0, second.stderr[-3000:]
    finally:
        site.stop()
    store = store_of(data)
    assert {p.status.value for p in store.iter_pairs()} == {"paired"}
    assert store.counts()["pairs"] == 2


def test_retry_after_is_honoured(tmp_path: Path) -> None:
    site = start_site(copy_site(tmp_path))
    path = site.manifest["pair-08"]["en_path"]
    site.stop()
    site = site_with(
        tmp_path / "again",
        {"en": {path: {"fail_first": 1, "status": 429, "headers": {"Retry-After": "2"}}}},
    )
    try:
        data = tmp_path / "out"
        result = crawl(site, data, "-a", f"urls={site.en}{path}")
    finally:
        site.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Retry-After 2.0 s honoured" in result.stderr
    store = store_of(data)
    assert store.counts()["pairs"] == 1
    times = {c.http_status: c.fetched_at for c in store.captures() if urlsplit(c.url).path == path}
    assert set(times) == {429, 200}
    assert (times[200] - times[429]).total_seconds() >= 2.0


def test_retry_after_longer_than_the_bound_is_not_waited_for(tmp_path: Path) -> None:
    site = start_site(copy_site(tmp_path))
    path = site.manifest["pair-09"]["en_path"]
    site.stop()
    site = site_with(
        tmp_path / "again",
        {"en": {path: {"fail_first": 9, "status": 503, "headers": {"Retry-After": "3600"}}}},
    )
    try:
        data = tmp_path / "out"
        result = crawl(site, data, "-a", f"urls={site.en}{path}")
    finally:
        site.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    assert "asks to retry after 3600 s, over RETRY_AFTER_MAX (120 s): not retried" in result.stderr
    assert [(e.kind.value, e.http_status) for e in store_of(data).errors()] == [("http_error", 503)]


# -- the pieces, in process ---------------------------------------------------------------------


def _pair() -> ArticlePair:
    from datetime import UTC, datetime

    def version(language: str, key: str) -> ArticleVersion:
        return ArticleVersion(
            site="enab",
            language=language,
            url=f"http://example.test/{key}/",
            requested_url=f"http://example.test/{key}/",
            canonical_url=f"http://example.test/{key}/",
            site_article_id=key,
            raw_html_sha256="a" * 64,
            content_sha256="b" * 64,
            fetched_at=datetime(2025, 1, 1, tzinfo=UTC),
            http_status=200,
            encoding="utf-8",
        ).with_raw_html(b"<html><body><p>x</p></body></html>")

    return ArticlePair(
        site="enab",
        status="paired",
        translation=version("en", "/e/1/"),
        original=version("ar", "7001"),
    )


def test_stage_failures_are_stored_with_the_pair_and_cleared_by_success(tmp_path: Path) -> None:
    from pipeline.store import open_store

    db = tmp_path / "corpus.sqlite"
    # a store of the release before stage failures (and Alembic)
    store_at_revision(f"sqlite:///{db}", "0001", before_alembic=True)
    store = open_store(db)  # still opens: stamped at the baseline, the tables added
    pair = _pair()
    pair.stage_failed(PipelineStage.translation, "ar-en", "model_load_failed", "bad model")
    pair.stage_failed(PipelineStage.extraction, "ar", "too_large", "3000000 characters")
    store.save_pair(pair)
    store.save_pair(pair)  # the next crawl: same failures, counted again
    assert store.counts()["pairs"] == 1 and store.counts()["stage_failures"] == 2
    with sqlite3.connect(db) as con:
        assert con.execute(
            "select stage, scope, count from stage_failures order by id"
        ).fetchall() == [("translation", "ar-en", 2), ("extraction", "ar", 2)]
    again = _pair()
    again.stage_ok(PipelineStage.extraction, "ar")  # extraction worked this time
    store.save_pair(again)
    assert [(f.stage.value, f.reason) for _, _, f in store.stage_failures()] == [
        ("translation", "model_load_failed")
    ]
    assert store.settle_stage_failures("translation", "ar-en") == 1  # bitext translate ran
    assert store.stage_failures() == []
    store.close()


def test_retry_after_values() -> None:
    from datetime import UTC, datetime

    from crawler.middlewares import retry_after_seconds

    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(b"120") == 120.0
    assert retry_after_seconds(b"Wed, 01 Jan 2025 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds(b"Wed, 01 Jan 2025 11:00:00 GMT", now) == 0.0  # in the past
    assert retry_after_seconds(b"soon") is None
    assert retry_after_seconds(None) is None


def test_exit_status_of_each_finish_reason() -> None:
    from crawler.commands.crawl import exit_status

    assert [
        exit_status(r)
        for r in (
            "finished",
            "closespider_pagecount",
            "finished_with_stage_failures",
            "finished_with_write_failures",
            "writer_died",
            "extraction_worker_died",
            "shutdown",
            "shutdown_forced",
            None,
        )
    ] == [0, 0, 3, 1, 1, 1, 130, 130, 1]
