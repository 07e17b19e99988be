"""Crawl throughput: `scrapy crawl enab` against a bare Scrapy spider fetching the same URLs.

    python bench/crawl.py [--pairs 2000] [--concurrency 16]

Builds the sample site inflated to --pairs article pairs, serves it on 127.0.0.1, then, in one
run: (1) `scrapy crawl enab` with the project's full stack (discovery, robots.txt, pairing,
store, WARC), politeness delays off; (2) a bare spider (no item pipelines, no project
middlewares) fetching exactly the URLs the enab crawl fetched, at the same concurrency. Prints
pages/s of each, the ratio (target >= 0.7) and peak RSS of each crawl process.

    python bench/crawl.py --frontier [--pairs 60] [--repeat 3]

One against two `scrapy crawl enab` processes on one Redis frontier (crawler/distributed.py),
politeness delays on (the project's DOWNLOAD_DELAY and AutoThrottle), on a Redis server started
here (tests/services.py). Delays are per process: two processes at the same delay ask a site
twice as often, so a third row runs two processes at twice the delay (the site's load of one).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# the tests' sample-site server and builder
from tests.conftest import build_sample_site, crawl_command, start_site  # noqa: E402

BARE_SPIDER = textwrap.dedent(
    """
    import json, sys, scrapy
    from scrapy.crawler import CrawlerProcess

    class Bare(scrapy.Spider):
        name = "bare"
        async def start(self):
            for url in json.load(open(sys.argv[1])):
                yield scrapy.Request(url, callback=self.parse, dont_filter=True)
        def parse(self, response):
            return None

    process = CrawlerProcess({
        "LOG_LEVEL": "INFO", "ROBOTSTXT_OBEY": False, "REDIRECT_ENABLED": False,
        "RETRY_ENABLED": False, "COOKIES_ENABLED": False, "TELNETCONSOLE_ENABLED": False,
        "CONCURRENT_REQUESTS": int(sys.argv[2]), "CONCURRENT_REQUESTS_PER_DOMAIN": int(sys.argv[2]),
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "HTTPERROR_ALLOW_ALL": True,
        "EXTENSIONS": {"scrapy.extensions.remote_control.RemoteControl": None},
    })
    process.crawl(Bare)
    process.start()
    """
)


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str, int, float]:
    """Wall time, stderr, peak RSS in KiB of its largest process, CPU seconds of all of them."""
    wrapper = [
        sys.executable,
        "-c",
        "import resource, subprocess, sys;"
        "r = subprocess.run(sys.argv[1:]);"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN);"
        "print('MAXRSS', u.ru_maxrss, 'CPU', u.ru_utime + u.ru_stime, file=sys.stderr);"
        "sys.exit(r.returncode)",
        *cmd,
    ]
    start = time.perf_counter()
    result = subprocess.run(wrapper, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{cmd[:4]} failed:\n{result.stderr[-3000:]}")
    match = re.search(r"MAXRSS (\d+) CPU ([\d.]+)", result.stderr)
    assert match is not None
    return elapsed, result.stderr, int(match.group(1)), float(match.group(2))


def stat(log: str, name: str) -> float:
    match = re.search(rf"'{re.escape(name)}': ([\d.]+)", log)
    return float(match.group(1)) if match else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    build_sample_site(work / "www", args.pairs)
    c = str(args.concurrency)
    (work / "bare.py").write_text(BARE_SPIDER)
    labels = {
        "0": "scrapy crawl enab, crawl only (BITEXT_EXTRACT=0)",
        "1": "scrapy crawl enab, crawl + clean text (default)",
    }
    bare_label = "bare Scrapy spider, same URLs"
    runs: dict[str, list[tuple[float, str, int, float]]] = {
        **{label: [] for label in labels.values()},
        bare_label: [],
    }
    pairs = 0
    site = start_site(work / "www")
    try:
        for n in range(args.repeat):  # interleaved: drift on a shared machine hits all alike
            for extract, label in labels.items():
                cmd = crawl_command(  # the tests' command: politeness delays off
                    site,
                    "-s",
                    f"CONCURRENT_REQUESTS={c}",
                    "-s",
                    f"CONCURRENT_REQUESTS_PER_DOMAIN={c}",
                    "-s",
                    f"BITEXT_EXTRACT={extract}",
                )
                out = work / f"out-{extract}-{n}"
                runs[label].append(timed(cmd, dict(os.environ, BITEXT_DATA_DIR=str(out))))
            if n == 0:
                # Exactly the URLs the enab crawl fetched (robots.txt and retries included).
                from pipeline.store import open_store

                store = open_store(work / "out-1-0" / "corpus.sqlite")
                (work / "urls.json").write_text(json.dumps([cap.url for cap in store.captures()]))
                pairs = store.counts()["pairs"]
            runs[bare_label].append(
                timed(
                    [sys.executable, str(work / "bare.py"), str(work / "urls.json"), c],
                    dict(os.environ),
                )
            )
    finally:
        site.stop()

    print(
        f"\nsample site inflated to {args.pairs} pairs; {pairs} paired by the crawl; "
        f"concurrency {c}; {os.cpu_count()} CPUs; median of {args.repeat} interleaved runs "
        "(range in brackets)\n"
    )
    print(
        "| crawler | pages | pages/s | wall s (with start-up) | CPU s (all processes) "
        "| peak RSS MiB (largest process) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    medians = {}
    for label, results in runs.items():
        rates = sorted(
            stat(log, "downloader/response_count") / stat(log, "elapsed_time_seconds")
            for _, log, _, _ in results
        )
        mid = len(results) // 2
        medians[label] = rates[mid]
        wall = sorted(r[0] for r in results)[mid]
        cpu = sorted(r[3] for r in results)[mid]
        rss = max(r[2] for r in results)
        pages = stat(results[-1][1], "downloader/response_count")
        print(
            f"| {label} | {pages:.0f} | {rates[mid]:.1f} ({rates[0]:.0f}–{rates[-1]:.0f}) "
            f"| {wall:.1f} | {cpu:.1f} | {rss / 1024:.0f} |"
        )
    for label in labels.values():
        print(
            f"\nratio {label} / bare (medians): {medians[label] / medians[bare_label]:.2f} "
            "(target >= 0.7)"
        )


def frontier_main(args: argparse.Namespace) -> None:
    from tests.distributed import crawl_processes
    from tests.services import start_redis

    work = Path(tempfile.mkdtemp(prefix="bench-frontier-"))
    build_sample_site(work / "www", args.pairs)
    redis = start_redis(work / "redis")
    delay = 0.5  # crawler/settings.py DOWNLOAD_DELAY
    configs = {
        f"1 process, delay {delay}s": (1, delay),
        f"2 processes, delay {delay}s each (2x the site's load)": (2, delay),
        f"2 processes, delay {2 * delay}s each (the site's load of one)": (2, 2 * delay),
    }
    runs: dict[str, list[tuple[float, int]]] = {label: [] for label in configs}
    try:
        for n in range(args.repeat):  # interleaved: drift on a shared machine hits all alike
            for label, (processes, d) in configs.items():
                site = start_site(work / "www")  # fresh: its failure counters start at zero
                started = time.perf_counter()
                logs = crawl_processes(
                    site,
                    work / f"out-{processes}-{d}-{n}",
                    processes,
                    "-s",
                    f"DOWNLOAD_DELAY={d}",
                    "-s",
                    "AUTOTHROTTLE_ENABLED=1",
                    redis_url=redis.url(n % 16),
                    store=None,
                )
                wall = time.perf_counter() - started
                site.stop()
                pages = int(sum(stat(log, "downloader/response_count") for log in logs))
                runs[label].append((wall, pages))
    finally:
        redis.stop()
    print(
        f"\nsample site inflated to {args.pairs} pairs; one Redis frontier; AutoThrottle on; "
        f"{os.cpu_count()} CPUs; median of {args.repeat} interleaved runs (range)\n"
    )
    print("| crawlers | pages | wall s (start-up and idle close included) | pages/s | ratio |")
    print("|---|---:|---:|---:|---:|")
    base = None
    for label, results in runs.items():
        rates = sorted(p / w for w, p in results)
        mid = rates[len(rates) // 2]
        base = base or mid
        wall = sorted(w for w, _ in results)[len(results) // 2]
        print(
            f"| {label} | {results[-1][1]} | {wall:.1f} | {mid:.2f} ({rates[0]:.2f}–"
            f"{rates[-1]:.2f}) | {mid / base:.2f} |"
        )


if __name__ == "__main__":
    if "--frontier" in sys.argv:
        parser = argparse.ArgumentParser(description="one vs two crawlers on one frontier")
        parser.add_argument("--frontier", action="store_true")
        parser.add_argument("--pairs", type=int, default=60)
        parser.add_argument("--repeat", type=int, default=3)
        frontier_main(parser.parse_args())
    else:
        main()
