"""Several crawler processes on one Redis frontier and one store, as a user on several machines
runs them; shared by tests/test_distributed.py, `make demo-distributed` and bench/crawl.py."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from tests.conftest import REPO, Site, crawl_command, crawl_env


def crawl_processes(
    site: Site,
    data_dir: Path,
    n: int,
    *args: str,
    redis_url: str | None,
    store: str | None,
    timeout: int = 600,
    stagger_s: float = 0.0,
) -> list[str]:
    """`scrapy crawl enab` n times at once (one frontier in Redis when redis_url is given), each
    with its own data folder (its own WARC files); their logs, once all ended."""
    processes = []
    logs = []
    for i in range(n):
        own = data_dir / f"crawler-{i}" if n > 1 else data_dir
        env = crawl_env(own)
        settings = list(args)
        if redis_url:
            settings += ["-s", f"BITEXT_REDIS_URL={redis_url}", "-s", "BITEXT_REDIS_IDLE_CLOSE_S=2"]
        if store:
            settings += ["-s", f"BITEXT_STORE={store}"]
        log = own / "crawl.log"
        own.mkdir(parents=True, exist_ok=True)
        logs.append(log)
        processes.append(
            subprocess.Popen(
                crawl_command(site, *settings),
                cwd=REPO,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log.open("w"),
            )
        )
        time.sleep(stagger_s)
    deadline = time.monotonic() + timeout
    failed = []
    for process, log in zip(processes, logs, strict=True):
        try:
            process.wait(timeout=max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        if process.returncode != 0:
            failed.append(f"{log} (exit {process.returncode}):\n{log.read_text()[-3000:]}")
    if failed:
        raise AssertionError("crawler failed: " + "\n".join(failed))
    return [log.read_text() for log in logs]


def fetches(store: object) -> Counter[tuple[str, int]]:
    """(path, HTTP status) of every response the crawl captured, robots.txt left out (each
    process reads it for itself: it is the site's rule, not a page of the corpus). `store`: a
    store, or a list of its captures."""
    captures = store if isinstance(store, list) else store.captures()  # type: ignore[attr-defined]
    return Counter(
        (urlsplit(c.url).path, c.http_status)
        for c in captures
        if c.record_type in ("response", "revisit") and urlsplit(c.url).path != "/robots.txt"
    )


def pages_fetched_by_several(store: object) -> dict[str, set[str]]:
    """Pages with a successful (2xx/304) capture in more than one WARC file (= process)."""
    files: dict[str, set[str]] = {}
    captures = store if isinstance(store, list) else store.captures()  # type: ignore[attr-defined]
    for c in captures:
        path = urlsplit(c.url).path
        if path != "/robots.txt" and (200 <= c.http_status < 300 or c.http_status == 304):
            files.setdefault(path, set()).add(c.warc_filename)
    return {path: names for path, names in files.items() if len(names) > 1}


def stats_json(store: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "stats", "--json", "--store", store],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(result.stdout)


def crawl_counts(log: str) -> dict[str, float]:
    """A few numbers from a crawl's stats dump."""
    out = {}
    for key in ("downloader/response_count", "elapsed_time_seconds"):
        marker = f"'{key}': "
        at = log.rfind(marker)
        out[key] = float(log[at + len(marker) :].split(",", 1)[0]) if at >= 0 else 0.0
    return out
