"""The WARC archive replays in pywb, the standard replay tool, after incremental re-crawls too;
and a re-crawl's feed says what it holds.

Three real crawls of the sample site into one data directory: a full one, an incremental one
where every article answers 304 to its conditional GET, and one after an Arabic page was edited.
pywb's own indexer (`wb-manager`) indexes the WARC files and its `wayback` server replays them on
127.0.0.1; each capture of each article page must come back as that capture (Memento-Datetime),
status 200, with the page's HTML. pywb runs in subprocesses: its app monkey-patches the whole
process with gevent on import.
"""

from __future__ import annotations

import html
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote

import pytest

from pipeline.encoding import decode_html
from pipeline.warc import PROFILE_NOT_MODIFIED, read_records
from tests.conftest import REPO, Site, run_crawl, store_of

BIN = Path(sys.executable).parent
COLLECTION = "bitext"


def pywb_tool(name: str) -> str:
    """pywb's command: from its own venv (`make pywb`), this venv, or PATH."""
    for path in (REPO / ".venv-pywb" / "bin" / name, BIN / name):
        if path.exists():
            return str(path)
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"pywb is not installed ({name} not found): `make pywb` installs it")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, dict(r.headers.items()), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers.items()), e.read()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """Three crawls; returns the data dir and the edited page's path -> the text it gained."""
    from tests.conftest import copy_site, start_site

    tmp = tmp_path_factory.mktemp("replay")
    site: Site = start_site(copy_site(tmp))
    data = tmp / "out"
    try:
        run_crawl(site, data, "-O", str(data / "feed-1.jsonl"))
        second = run_crawl(site, data, "-O", str(data / "feed-2.jsonl")).stderr
        (data / "crawl-2.log").write_text(second, encoding="utf-8")
        assert "'bitext/not_modified/en': 46" in second  # the 304 path, every English article
        page = site.root / "ar" / "700104" / "index.html"
        added = "تصحيح: أضيفت هذه الجملة بعد النشر."
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace("</p>\n<p>", f"</p>\n<p>{added}</p>\n<p>", 1), "utf-8")
        run_crawl(site, data)
    finally:
        site.stop()
    yield data, {"/700104/": added}


@pytest.fixture(scope="module")
def wayback(crawled, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """pywb's `wayback` on a free loopback port, serving the crawls' WARC files."""
    data, _ = crawled
    root = tmp_path_factory.mktemp("pywb")
    manager = pywb_tool("wb-manager")
    server_bin = pywb_tool("wayback")
    warcs = sorted(str(p) for p in (data / "warc").glob("*.warc.gz"))
    assert len(warcs) == 3
    for args in (["init", COLLECTION], ["add", COLLECTION, *warcs]):
        done = subprocess.run(
            [manager, *args], cwd=root, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stderr[-2000:]
    port = free_port()
    log = open(root / "wayback.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [server_bin, "-b", "127.0.0.1", "-p", str(port)],
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"wayback exited: {(root / 'wayback.log').read_text()[-2000:]}")
            try:
                get(base + "/", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("wayback did not start within 60 s")
                time.sleep(0.2)
        yield f"{base}/{COLLECTION}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def article_pages(data: Path) -> dict[str, str]:
    """URL of every article page the store holds a version of -> its title."""
    store = store_of(data)
    pages = {}
    for pair in store.iter_pairs():
        for side in (pair.translation, pair.original):
            if side is not None:
                for v in store.versions(side.site, side.language, side.site_article_id):
                    pages[v.url] = v.title or ""
    store.close()
    return pages


def cdx_captures(wayback: str, url: str) -> list[dict[str, str]]:
    status, _, body = get(f"{wayback}/cdx?output=json&url={quote(url, safe='')}")
    assert status == 200, body[:500]
    return [json.loads(line) for line in body.decode().splitlines() if line.strip()]


def test_every_capture_of_every_article_page_replays_with_its_html(crawled, wayback) -> None:
    data, edits = crawled
    pages = article_pages(data)
    assert len(pages) == 86  # 46 English and 40 Arabic article pages
    latest_kinds: dict[str, int] = defaultdict(int)
    failures = []
    for url, title in sorted(pages.items()):
        captures = cdx_captures(wayback, url)
        assert len(captures) >= 3, (url, captures)  # one a crawl at least
        # Two sample pages fail once, and the retry lands in the same second: a failed try and
        # the page share a timestamp, which pywb (like any Wayback URL) cannot tell apart.
        failed_tries = {c["timestamp"] for c in captures if c.get("status", "200") != "200"}
        for n, capture in enumerate(captures):
            ts = capture["timestamp"]
            if ts in failed_tries:
                continue
            status, headers, body = get(f"{wayback}/{ts}id_/{url}")
            # decoded as the pipeline decodes it (one sample page declares the wrong charset)
            decoded = decode_html(body, content_type=headers.get("Content-Type"))
            text = html.unescape(decoded.text)
            served = parsedate_to_datetime(headers.get("Memento-Datetime", "")).astimezone(UTC)
            problem = None
            if status != 200:
                problem = f"status {status}"
            elif served != datetime.strptime(ts, "%Y%m%d%H%M%S").replace(tzinfo=UTC):
                problem = f"pywb served the capture of {served}, not {ts}"
            elif title not in text:
                problem = f"title {title!r} not in the {len(body)} bytes replayed"
            if problem:
                failures.append(f"{url} @ {ts} ({capture.get('mime')}): {problem}")
            if n == len(captures) - 1:
                latest_kinds[capture.get("mime", "")] += 1
                for path, added in edits.items():
                    if path in url:
                        assert added in text  # the latest capture is the edited page
    assert failures == [], "\n".join(failures[:20])
    # The latest capture of all but the edited page (and the English page that links to it,
    # whose own page is unchanged) is a revisit: the 304 path is what was replayed.
    assert latest_kinds["warc/revisit"] >= 84, dict(latest_kinds)


def test_the_304s_are_kept_as_received_beside_their_revisits(crawled) -> None:
    data, _ = crawled
    records = [r for f in sorted((data / "warc").glob("*.warc.gz")) for r in read_records(f)]
    revisits = {r["id"]: r for r in records if r["profile"] == PROFILE_NOT_MODIFIED}
    assert len(revisits) >= 2 * 86 - 2  # crawls 2 and 3: every article page but the edited one
    kept = [r for r in records if r["type"] == "metadata" and r["concurrent_to"] in revisits]
    assert len(kept) == len(revisits)
    # the sample server speaks HTTP/1.0, as Python's http.server does
    assert all(r["payload"].startswith(b"http-status-line: HTTP/1.0 304 ") for r in kept)
    check = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "warc-check", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "0 missing" in check.stdout and "0 replay problems" in check.stdout


def test_a_recrawl_feed_holds_every_article_typed_and_says_so(crawled) -> None:
    data, _ = crawled
    feeds = [
        [json.loads(line) for line in (data / f"feed-{n}.jsonl").read_text("utf-8").splitlines()]
        for n in (1, 2)
    ]
    for feed in feeds:
        types = defaultdict(int)
        for record in feed:
            types[record["type"]] += 1
            assert (record["type"] == "crawl_error") == ("kind" in record)
            if record["type"] != "crawl_error":
                assert (
                    record["type"] == {"paired": "pair", "unpaired": "unpaired"}[record["status"]]
                )
        assert dict(types) == {"pair": 40, "unpaired": 6, "crawl_error": 3}
    # The re-crawl found nothing new, and its log says so instead of leaving the user to guess.
    assert {r["translation"]["url"] for r in feeds[1] if "translation" in r} == {
        r["translation"]["url"] for r in feeds[0] if "translation" in r
    }
    log = (data / "crawl-2.log").read_text("utf-8")
    assert (
        f"{data / 'feed-2.jsonl'}: 40 pairs, 6 unpaired articles and 3 crawl errors; of the 46 "
        "articles, 0 are new or changed since the last crawl and 46 unchanged"
    ) in log
