"""Shared test harness: the bundled sample site on a real HTTP server, real crawls."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pipeline.store import SqlCorpusStore, open_store
from tests.services import PostgresServer, ServiceUnavailable, start_postgres

REPO = Path(__file__).resolve().parents[1]
SAMPLE_WWW = REPO / "data" / "sample_site" / "www"
SHARED = REPO.parent / "shared"
# The crawls the tests start must hear Ctrl-C as a terminal's foreground job does: a suite
# started as a background job of a script inherits SIGINT ignored (POSIX), and a crawl started
# with it ignored rightly keeps ignoring it. A Python handler is reset to the default at exec.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# Politeness off for tests only: the sample site is ours and on loopback.
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "RETRY_BACKOFF_BASE=0.05"]


@dataclass
class Site:
    root: Path
    en: str
    ar: str
    manifest: dict[str, dict]
    process: subprocess.Popen[bytes]

    def path_of(self, url: str) -> str:
        return urlsplit(url).path

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def build_sample_site(out: Path, pairs: int, timeout: float = 600) -> Path:
    """The sample site inflated to `pairs` article pairs (data/sample_site/build.py) in `out`."""
    subprocess.run(
        [sys.executable, "data/sample_site/build.py", "--out", str(out), "--pairs", str(pairs)],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=timeout,
    )
    return out


def start_site(root: Path) -> Site:
    ready = root / "ready.json"
    ready.unlink(missing_ok=True)
    process = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "data" / "sample_site" / "serve.py"),
            "--root",
            str(root),
            "--ready-file",
            str(ready),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"sample site did not start: {process.stderr.read().decode()}")  # type: ignore[union-attr]
        time.sleep(0.05)
    bases = json.loads(ready.read_text())
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    return Site(root, bases["en"], bases["ar"], manifest, process)


def copy_site(tmp: Path) -> Path:
    target = tmp / "www"
    shutil.copytree(SAMPLE_WWW, target)
    return target


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    site = start_site(copy_site(tmp_path_factory.mktemp("site")))
    yield site
    site.stop()


@pytest.fixture
def fresh_site(tmp_path: Path) -> Iterator[Site]:
    """A site of the test's own, which the test may edit."""
    site = start_site(copy_site(tmp_path))
    yield site
    site.stop()


@pytest.fixture(scope="module")  # a server per test module that asks for one
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    try:
        server = start_postgres(tmp_path_factory.mktemp("postgres"))
    except ServiceUnavailable as exc:
        pytest.skip(f"no PostgreSQL server: {exc}")
    yield server
    server.stop()


def crawl_command(site: Site, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "enab",
        "-a",
        f"base_url_en={site.en}",
        "-a",
        f"base_url_ar={site.ar}",
        *FAST,
        *args,
    ]


def crawl_env(data_dir: Path, *, encoder: bool = False) -> dict[str, str]:
    """A crawl's environment: its data folder, no translation package, and the sentence encoder
    off unless `encoder` (it costs a crawl about 4 s of CPU; tests of what it does ask for it,
    and a test that turns it off in os.environ keeps it off)."""
    env = dict(os.environ)
    if not encoder:
        env["BITEXT_ENCODER"] = "off"
    env["BITEXT_DATA_DIR"] = str(data_dir)
    env.setdefault("ARGOS_PACKAGES_DIR", str(data_dir / "no-argos-packages"))  # none installed
    env.pop("BITEXT_STORE", None)
    env.pop("BITEXT_WARC_DIR", None)
    return env


def run_crawl(
    site: Site, data_dir: Path, *args: str, timeout: int = 180, encoder: bool = False
) -> subprocess.CompletedProcess[str]:
    """`scrapy crawl enab` in a subprocess, as a user runs it; its log is returned."""
    result = subprocess.run(
        crawl_command(site, *args),
        cwd=REPO,
        env=crawl_env(data_dir, encoder=encoder),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"crawl failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return result


def store_of(data_dir: Path) -> SqlCorpusStore:
    return open_store(data_dir / "corpus.sqlite")


def snapshot(store: SqlCorpusStore) -> dict[str, object]:
    """What a crawl stored, independent of ports, times and order."""
    pairs = set()
    versions = set()
    for pair in store.iter_pairs():
        en_path = urlsplit(pair.translation.canonical_url).path
        pairs.add(
            (
                en_path,
                pair.original.site_article_id if pair.original else None,
                pair.status.value,
                pair.reason.value if pair.reason else None,
            )
        )
        for side in (pair.translation, pair.original):
            if side is not None:
                for v in store.versions(side.site, side.language, side.site_article_id):
                    versions.add((v.language, v.site_article_id, v.content_sha256))
    errors = {(urlsplit(e.url).path, e.kind.value) for e in store.errors()}
    return {
        "pairs": pairs,
        "versions": versions,
        "errors": errors,
        "counts": {k: v for k, v in store.counts().items() if k not in {"captures", "crawls"}},
    }


def store_at_revision(url: str, revision: str, *, before_alembic: bool = False) -> None:
    """A store as an earlier release left it: migrated up (a new store) or down (one holding
    data) to `revision`; with `before_alembic`, at the baseline with no alembic_version table,
    as stores were made before Alembic."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from pipeline.store.migrations import config, current_revision

    engine = create_engine(url)
    with engine.begin() as connection:
        cfg = config(connection)
        current = current_revision(connection)
        if current is None or int(current) < int(revision):
            command.upgrade(cfg, revision)
        elif int(current) > int(revision):
            command.downgrade(cfg, revision)
        if before_alembic:
            assert revision == "0001", "stores before Alembic are at the baseline"
            connection.execute(text("DROP TABLE alembic_version"))
    engine.dispose()


# -- the second sample site: WordPress-style, hreflang alternates (data/sample_site_hreflang) --

HREFLANG_SITE = REPO / "data" / "sample_site_hreflang"


@dataclass
class HreflangSite:
    root: Path
    base: str
    manifest: dict[str, dict]
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def build_hreflang_site(out: Path, timeout: float = 120) -> Path:
    """The hreflang sample site built afresh in `out` (data/sample_site_hreflang/build.py)."""
    subprocess.run(
        [sys.executable, str(HREFLANG_SITE / "build.py"), "--out", str(out)],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=timeout,
    )
    return out


def start_hreflang_site(root: Path) -> HreflangSite:
    return _start_served_site(HREFLANG_SITE / "serve.py", root, "hreflang")


def _start_served_site(server: Path, root: Path, name: str) -> HreflangSite:
    """A built sample site served by its serve.py on a free port, once it says it is ready."""
    ready = root.parent / f"ready-{name}.json"
    ready.unlink(missing_ok=True)
    process = subprocess.Popen(
        [sys.executable, str(server), "--root", str(root), "--ready-file", str(ready)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            stderr = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"{name} sample site did not start: {stderr}")
        time.sleep(0.05)
    base = json.loads(ready.read_text())["site"]
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    return HreflangSite(root, base, manifest, process)


# -- the third sample site: two editions with no links between them (data/sample_site_content) --

CONTENT_SITE = REPO / "data" / "sample_site_content"


def build_content_site(out: Path, *, later: bool = False, timeout: float = 120) -> Path:
    """The content-pairing sample site built afresh in `out` (data/sample_site_content); `later`:
    as it is once one more English article is out."""
    subprocess.run(
        [sys.executable, str(CONTENT_SITE / "build.py"), "--out", str(out),
         *(["--later"] if later else [])],
        cwd=REPO, check=True, capture_output=True, timeout=timeout,
    )  # fmt: skip
    return out


def start_content_site(root: Path) -> HreflangSite:
    """Served like the hreflang site (its server, this site's host rewritten)."""
    return _start_served_site(CONTENT_SITE / "serve.py", root, "content")


def bilingual_crawl(
    data_dir: Path, *args: str, timeout: int = 180, encoder: bool = False
) -> subprocess.CompletedProcess[str]:
    """`scrapy crawl bilingual ARGS` in a subprocess, as a user runs it (not checked)."""
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "bilingual", *FAST, *args],
        cwd=REPO,
        env=crawl_env(data_dir, encoder=encoder),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
