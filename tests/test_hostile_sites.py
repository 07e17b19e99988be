"""Issue 26, round two: a crawl always ends, a bad profile is refused at start, a page that
cannot be requested is recorded. Every case is a real `scrapy crawl bilingual` process against
a hostile site of our own on 127.0.0.1 (tests/hostile_site.py), bounded in time.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest

from tests.conftest import FAST, REPO, crawl_env, store_of
from tests.test_resilience_crawl import running

HOSTILE = REPO / "tests" / "hostile_site.py"


@dataclass
class HostileSite:
    base: str
    root: Path
    process: subprocess.Popen[bytes]

    def requested(self) -> list[str]:
        log = self.root / "requests.log"
        return log.read_text(encoding="utf-8").split() if log.exists() else []


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[object]:
    started: list[HostileSite] = []

    def start(**config: object) -> HostileSite:
        root = tmp_path / f"site{len(started)}"
        root.mkdir()
        (root / "site.json").write_text(json.dumps(config), encoding="utf-8")
        ready = root / "ready.json"
        process = subprocess.Popen(
            [sys.executable, str(HOSTILE), "--config", str(root / "site.json"),
             "--ready-file", str(ready)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while not ready.exists():
            assert process.poll() is None and time.monotonic() < deadline, "site did not start"
            time.sleep(0.05)
        site = HostileSite(json.loads(ready.read_text())["site"], root, process)
        started.append(site)
        return site

    yield start
    for site in started:
        site.process.kill()
        site.process.wait(timeout=10)


def profile_file(tmp_path: Path, site: str, extra: str = "") -> Path:
    path = tmp_path / "hostile.toml"
    path.write_text(
        f'name = "hostile"\nsite = "{site}"\nlanguages = ["ar", "en"]\n'
        "feed_paths = []\nsitemap_paths = []\n" + extra,
        encoding="utf-8",
    )
    return path


def command(profile: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "scrapy", "crawl", "bilingual", "-a", f"profile={profile}",
            *FAST, *args]  # fmt: skip


def crawl(
    data: Path, profile: Path, *args: str, timeout: int = 150
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(profile, *args),
        cwd=REPO,
        env=crawl_env(data),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def stored(data: Path) -> tuple[Counter[str], list[tuple[str, str, str]]]:
    """(pairs by status or unpaired reason, crawl errors as (path, kind, detail))."""
    store = store_of(data)
    try:
        pairs = Counter(p.reason.value if p.reason else p.status.value for p in store.iter_pairs())
        errors = sorted((urlsplit(e.url).path, e.kind.value, e.detail) for e in store.errors())
        return pairs, errors
    finally:
        store.close()


def finish_reason(data: Path) -> str | None:
    with sqlite3.connect(data / "corpus.sqlite") as con:
        return con.execute("select finish_reason from crawls order by id desc").fetchone()[0]


# -- case 1: endless pagination ------------------------------------------------------------------


def test_endless_pagination_ends_by_the_limit_and_by_pages_with_nothing_new(
    hostile, tmp_path: Path
) -> None:
    site = hostile(articles=8, endless_pages=True)
    profile = profile_file(tmp_path, site.base)
    limited = crawl(tmp_path / "limited", profile, "-a", "limit=5")
    assert limited.returncode == 0, limited.stderr[-3000:]
    assert stored(tmp_path / "limited")[0] == {"paired": 5}
    assert "-a limit: 5 articles scheduled, discovery stops" in limited.stderr
    assert not [p for p in site.requested() if p.startswith("/page/")]  # not one more listing

    open_ended = crawl(tmp_path / "all", profile)
    assert open_ended.returncode == 0, open_ended.stderr[-3000:]
    assert stored(tmp_path / "all")[0] == {"paired": 8}
    pages = sorted(int(p.split("/")[2]) for p in site.requested() if p.startswith("/page/"))
    # BITEXT_DISCOVERY_STALE_PAGES=5: /page/2 ... /page/6 brought nothing new; /page/7 not asked
    assert pages == [2, 3, 4, 5, 6]
    assert "/page/6/ is the 5th page in a row with no new article" in open_ended.stderr
    assert finish_reason(tmp_path / "all") == "finished"


# -- case 2: a profile that cannot work is refused before anything starts ------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[sides.en]\ntitle = ['h1[[[[']\n", "sides.en: not a CSS selector: 'h1[[[['"),
        ("[sides.en]\narticle_path = '^/(?!tag/)(\\w+\\s?)*$'\n", "is not a pattern RE2 can run"),
        ("[sides.ar]\ndrop_patterns = [['(unclosed', 'x']]\n", "not a regular expression"),
    ],
)
def test_a_profile_with_a_bad_selector_or_pattern_is_refused_in_one_line(
    tmp_path: Path, extra: str, message: str
) -> None:
    profile = profile_file(tmp_path, "http://127.0.0.1:9", extra)
    result = crawl(tmp_path / "out", profile, timeout=60)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"scrapy crawl: error: profile {profile}: ") and message in line
    assert not (tmp_path / "out" / "corpus.sqlite").exists()


def test_a_translation_batching_that_does_not_exist_is_refused_in_one_line(tmp_path: Path) -> None:
    profile = profile_file(tmp_path, "http://127.0.0.1:9")
    result = crawl(tmp_path / "out", profile, "-s", "BITEXT_TRANSLATE_BATCHING=sorted", timeout=60)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line == (
        "scrapy crawl: error: BITEXT_TRANSLATE_BATCHING='sorted': one of exact, padded"
    )
    assert not (tmp_path / "out" / "corpus.sqlite").exists()


# -- case 3: a boilerplate pattern that never finishes -------------------------------------------


def test_a_catastrophic_boilerplate_pattern_costs_each_page_its_time_budget_only(
    hostile, tmp_path: Path
) -> None:
    site = hostile(articles=3, catastrophic_paragraph=True)
    profile = profile_file(
        tmp_path, site.base, "[sides.en]\ndrop_patterns = [['^(\\w+\\s?)*$', 'words only']]\n"
    )
    data = tmp_path / "out"
    started = time.monotonic()
    result = crawl(data, profile, "-s", "BITEXT_EXTRACT_TIMEOUT=6")
    took = time.monotonic() - started
    assert result.returncode == 3, result.stderr[-3000:]  # finished_with_stage_failures
    assert took < 150  # three pages of 6 s each, not years
    assert stored(data)[0] == {"paired": 3}
    store = store_of(data)
    try:
        failures = [(key, f.stage.value, f.scope, f.reason) for _, key, f in store.stage_failures()]
        assert sorted(failures) == [
            (f"/en/news/story-{n}/", "extraction", "en", "extract_timeout") for n in (1, 2, 3)
        ]
        for pair in store.iter_pairs():  # the originals' text is there; the translations' not
            assert store.text_of(pair.translation) is None
            assert store.text_of(pair.original) is not None
    finally:
        store.close()
    assert "took over BITEXT_EXTRACT_TIMEOUT (6 s)" in result.stderr
    # the store re-extracted with the profile its crawl used: the same budget, per page there too
    env = {**crawl_env(data), "BITEXT_EXTRACT_TIMEOUT": "3"}
    started = time.monotonic()
    again = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "extract", "--from-store", "--redo",
         "--data-dir", str(data)],
        capture_output=True, text=True, timeout=300, cwd=REPO, env=env,
    )  # fmt: skip
    took = time.monotonic() - started
    assert again.returncode == 3, again.stderr[-3000:]
    assert took < 120  # three pages of 3 s each
    missed = sorted(line for line in again.stderr.splitlines() if "extract_timeout" in line)
    assert missed == [
        f"{site.base}/en/news/story-{n}/: extract_timeout (over 3 s): its stored text is kept"
        for n in (1, 2, 3)
    ]
    # the translations over time keep what they had (none): nothing lost, nothing made up; the
    # originals are read again, all three at once: their one text, on every page, is the site's
    # boilerplate now (a paragraph on 3 pages), so no body
    assert "6 versions extracted: ar no_body: 3, en extract_timeout: 3" in again.stdout
    store = store_of(data)
    try:
        for pair in store.iter_pairs():
            assert store.text_of(pair.translation) is None
            assert store.text_of(pair.original).status.value == "no_body"  # type: ignore[union-attr]
    finally:
        store.close()


# -- case 4: an article path that would backtrack, and Ctrl-C with the main thread stuck ---------


def test_an_article_path_that_would_backtrack_runs_in_linear_time(hostile, tmp_path: Path) -> None:
    """Python's re would take years on the long link (RE2 matches in linear time), and the
    crawler's main thread is where article paths are matched."""
    site = hostile(articles=3, backtracking_link=True)
    profile = profile_file(
        tmp_path, site.base, "[sides.en]\narticle_path = '^/en/news/([\\w-]+)*/$'\n"
    )
    data = tmp_path / "out"
    result = crawl(data, profile, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert stored(data)[0] == {"paired": 3}
    assert not [p for p in site.requested() if "word" in p]  # not an article: not requested


# ------------------------------------------------------------------------------------------------


def _family(process: subprocess.Popen[str]) -> list[psutil.Process]:
    parent = psutil.Process(process.pid)
    return [parent, *parent.children(recursive=True)]


@pytest.mark.parametrize("signals", [1, 2])
def test_ctrl_c_is_honoured_when_the_main_thread_is_stuck(
    hostile, tmp_path: Path, signals: int
) -> None:
    site = hostile(articles=2, stuck=True)
    profile = profile_file(tmp_path, site.base)
    data, mark = tmp_path / "out", tmp_path / "stuck"
    data.mkdir()
    # one SIGINT: the watchdog's BITEXT_SIGNAL_BUSY_S (default 10 s) decides; two: 14 s after
    # the second, whatever the crawler does (busy rule out of the way: 60 s)
    busy = "10" if signals == 1 else "60"
    log = (tmp_path / "crawl.log").open("w")
    process = subprocess.Popen(
        command(profile, "-s", "CONCURRENT_REQUESTS=1", "-s", f"BITEXT_SIGNAL_BUSY_S={busy}",
                "-s", 'SPIDER_MIDDLEWARES={"tests.hostile_site.StuckMainThread": 100}'),
        cwd=REPO, env={**crawl_env(data), "HOSTILE_STUCK_MARK": str(mark)},
        stdout=subprocess.DEVNULL, stderr=log, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while not mark.exists():
            assert process.poll() is None and time.monotonic() < deadline, "never got stuck"
            time.sleep(0.1)
        lock = data / "writer.lock"  # and the writer past its start (it ignores Ctrl-C then)
        while not (lock.exists() and lock.read_text().strip().isdigit()):
            assert time.monotonic() < deadline, "the writer never started"
            time.sleep(0.1)
        time.sleep(1)  # well inside the regex by now
        family = _family(process)
        assert len(family) >= 4  # crawler, watchdog, writer, extraction worker (+ tracker)
        os.killpg(process.pid, signal.SIGINT)  # a terminal's Ctrl-C: the whole group
        if signals == 2:
            time.sleep(0.5)
            os.killpg(process.pid, signal.SIGINT)
        sent = time.monotonic()
        process.wait(timeout=30)
        gone_after = time.monotonic() - sent
        deadline = time.monotonic() + 15
        while running(family) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not running(family), "helpers left behind"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
    said = (tmp_path / "crawl.log").read_text(encoding="utf-8", errors="replace")
    assert process.returncode == -signal.SIGKILL
    assert gone_after < (12 if signals == 1 else 15)
    expected = "did not answer Ctrl-C" if signals == 1 else "still running 14 s after a second"
    assert f"scrapy crawl: the crawler {expected}" in said
    assert "hostile_site.py" in said and "process_spider_input" in said  # where it was stuck
    assert not list((data / "warc").glob("*.open"))  # the writer closed its file itself
    with sqlite3.connect(data / "corpus.sqlite") as con:
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"


# -- case 5: a link too long to request ----------------------------------------------------------


def test_links_over_the_url_length_limit_are_recorded_not_dropped(hostile, tmp_path: Path) -> None:
    site = hostile(articles=3, long_original=2, long_translation=True)
    profile = profile_file(tmp_path, site.base)
    data = tmp_path / "out"
    result = crawl(data, profile)
    assert result.returncode == 0, result.stderr[-3000:]
    pairs, errors = stored(data)
    assert pairs == {"paired": 2, "original_url_too_long": 1}
    assert [(path[:20], kind) for path, kind, _ in errors] == [
        ("/en/news/long-xxxxxx", "url_too_long")
    ]
    assert "over URLLENGTH_LIMIT (2083): not requested" in errors[0][2]
    store = store_of(data)
    try:
        (unpaired,) = [p for p in store.iter_pairs() if p.reason is not None]
        assert unpaired.translation.canonical_url.endswith("/en/news/story-2/")
        assert unpaired.reason_detail and "URL of 21" in unpaired.reason_detail
    finally:
        store.close()
    # the summary counts every article discovered: 2 pairs, 1 unpaired, 1 crawl error
    assert "2 pairs, 1 unpaired articles and 1 crawl errors" in result.stderr
    assert not [p for p in site.requested() if len(p) > 2083]


# -- case 7: gzipped sitemaps ----------------------------------------------------------------------


def test_gzipped_sitemaps_are_read_and_unreadable_ones_recorded_with_why(
    hostile, tmp_path: Path
) -> None:
    site = hostile(articles=3, sitemap=True)
    profile = tmp_path / "sitemap.toml"
    profile.write_text(
        f'name = "hostile"\nsite = "{site.base}"\nlanguages = ["ar", "en"]\n'
        'feed_paths = []\nsitemap_paths = ["/sitemap.xml"]\nlisting_paths = []\n',
        encoding="utf-8",
    )
    data = tmp_path / "out"
    result = crawl(data, profile)
    assert result.returncode == 0, result.stderr[-3000:]
    pairs, errors = stored(data)
    assert pairs == {"paired": 3}  # every article is in sitemap-1.xml.gz only
    assert [(path, kind) for path, kind, _ in errors] == [
        ("/sitemap-2.xml.gz", "parse_error"),
        ("/sitemap-3.xml", "parse_error"),
    ]
    details = [detail for _, _, detail in errors]
    assert details[0].startswith("unreadable sitemap: gzip: cannot decompress (")
    assert details[1] == (
        "unreadable sitemap: root element <html> is neither <urlset> nor <sitemapindex>"
    )
