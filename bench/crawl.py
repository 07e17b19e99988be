"""Crawl throughput: `scrapy crawl enab` before and after a change, and a bare Scrapy spider.

    python bench/crawl.py [--pairs 2000] [--concurrency 16] [--repeat 3] [--before dc7bf9d]

Builds the sample site inflated to --pairs article pairs, serves it on 127.0.0.1, then, in one
run, interleaved: `scrapy crawl enab` with the project's full stack (discovery, robots.txt,
pairing, store, WARC), politeness delays off, with clean text on (the default) and off
(BITEXT_EXTRACT=0), of this checkout and of the commit --before (`git archive` into a temporary
folder, run from there with its own import path: the same Python and libraries); and a bare
spider (no item pipelines, no project middlewares) fetching exactly the URLs the crawl fetched,
at the same concurrency. Prints pages/s, wall and CPU seconds (every process of the crawl:
crawler, store writer, extraction workers) and peak RSS; the ratios after/before (CPU: issue
24's one parse per response) and crawl/bare (target >= 0.7).

    python bench/crawl.py --reading [--repeat 5] [--before dc7bf9d]

The article pages of the sample site read as the crawl reads them, in the code of each tree
(before: the spider's decode and parse, the pipeline's decode, extraction's own parse; after:
pipeline.stages.read), interleaved: CPU milliseconds and HTML parses a page.

    python bench/crawl.py --encoder [--pairs 300] [--repeat 3]

The sentence encoder's cost in the crawl (issue 23): `scrapy crawl enab` of this checkout with
BITEXT_ENCODER on (each new sentence embedded in the embedding worker process, the pairs aligned
with it) and off (aligned without it), interleaved, on a fresh data directory each time (every
sentence embedded: the worst case; a recrawl embeds nothing new). Prints pages/s, wall and CPU
seconds of every process, sentences embedded and the alignment modes, and the ratios on / off.

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

# One fetched article page read as the crawl reads it, in the code of the tree it runs in: the
# pages of the sample site (translations and originals), CPU time and HTML parses per page.
READING = textwrap.dedent(
    """
    import json, sys, time
    import lxml.html, trafilatura.utils
    parses = 0
    def counted(function):
        def parse(markup, *args, **kwargs):
            global parses
            parses += len(markup) > 200  # a page, not extraction's empty document skeleton
            return function(markup, *args, **kwargs)
        return parse
    lxml.html.fromstring = counted(lxml.html.fromstring)
    trafilatura.utils.fromstring = counted(trafilatura.utils.fromstring)
    from pipeline.profiles.enab import PROFILE
    pages = [(open(p, "rb").read(), role) for p, role in json.load(open(sys.argv[1]))]
    url = "https://www.enabbaladi.net/archives/1/"
    try:
        from pipeline.stages.read import PageJob, read_fetched_page
    except ImportError:  # before: the spider's parse, then extraction's own
        from pipeline.encoding import decode_html
        from pipeline.extract import extract_article
        from pipeline.pages import is_blank, parse_page, read_article_page
        from pipeline.pairing import find_original

        def read(body, role):
            side = PROFILE.translation if role == "translation" else PROFILE.original
            decoded = decode_html(body, fallbacks=side.fallback_encodings)
            page = parse_page(decoded.text)
            if is_blank(page):
                return
            meta = read_article_page(page, side)
            if role == "translation":
                find_original(page, url, PROFILE, PROFILE.original)
            html = body.decode(decoded.encoding, errors="replace")  # the item pipeline's
            extract_article(html, language=side.language, side=side, url=url, site="enab",
                            content_sha256=meta.content_sha256)
    else:
        def read(body, role):
            side = PROFILE.translation if role == "translation" else PROFILE.original
            other = PROFILE.original if role == "translation" else PROFILE.translation
            read_fetched_page(PageJob(body=body, content_type=None, url=url, role=role,
                                      profile=PROFILE, side=side, other=other, site="enab"))
    started = time.process_time()
    for body, role in pages * int(sys.argv[2]):
        read(body, role)
    spent = time.process_time() - started
    n = len(pages) * int(sys.argv[2])
    print(json.dumps({"ms": 1000 * spent / n, "parses": parses / n}))
    """
)


def reading_main(args: argparse.Namespace) -> None:
    """CPU and HTML parses per article page, before and after, interleaved, in one run."""
    work = Path(tempfile.mkdtemp(prefix="bench-reading-"))
    before = checkout(args.before, work / "before")
    www = REPO / "data" / "sample_site" / "www"
    pages = [(str(p), "translation") for p in sorted((www / "en").rglob("index.html"))]
    pages += [(str(p), "original") for p in sorted((www / "ar").rglob("index.html"))]
    (work / "pages.json").write_text(json.dumps(pages))
    (work / "reading.py").write_text(READING)
    results: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    for _ in range(args.repeat):  # interleaved
        for tree, root in (("before", before), ("after", REPO)):
            done = subprocess.run(
                [sys.executable, str(work / "reading.py"), str(work / "pages.json"), "5"],
                cwd=root, env=dict(os.environ, PYTHONPATH=str(root)), capture_output=True,
                text=True, check=True,
            )  # fmt: skip
            results[tree].append(json.loads(done.stdout))
    print(f"\n{len(pages)} sample-site article pages read 5 times; median of {args.repeat}\n")
    print("| reading | CPU ms a page | HTML parses a page |")
    print("|---|---:|---:|")
    for tree, runs in results.items():
        ms = sorted(r["ms"] for r in runs)
        name = args.before if tree == "before" else "this checkout"
        median = f"{ms[len(ms) // 2]:.2f} ({ms[0]:.2f}–{ms[-1]:.2f})"
        print(f"| {tree} ({name}) | {median} | {runs[0]['parses']:.2f} |")


def timed(cmd: list[str], env: dict[str, str], cwd: Path = REPO) -> tuple[float, str, int, float]:
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
    result = subprocess.run(wrapper, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{cmd[:4]} failed:\n{result.stderr[-3000:]}")
    match = re.search(r"MAXRSS (\d+) CPU ([\d.]+)", result.stderr)
    assert match is not None
    return elapsed, result.stderr, int(match.group(1)), float(match.group(2))


def stat(log: str, name: str) -> float:
    match = re.search(rf"'{re.escape(name)}': ([\d.]+)", log)
    return float(match.group(1)) if match else 0.0


def checkout(commit: str, into: Path) -> Path:
    """The code of `commit` (`git archive`), to run the same crawl with."""
    into.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", commit], cwd=REPO, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", default="dc7bf9d", help="the commit to compare with")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    build_sample_site(work / "www", args.pairs)
    before = checkout(args.before, work / "before")
    c = str(args.concurrency)
    (work / "bare.py").write_text(BARE_SPIDER)
    trees = {"before": before, "after": REPO}
    for tree, root in trees.items():  # each crawl runs the code of its own tree
        where = subprocess.run(
            [sys.executable, "-c", "import crawler, pipeline; print(crawler.__file__)"],
            cwd=root, env=dict(os.environ, PYTHONPATH=str(root)), capture_output=True,
            text=True, check=True,
        ).stdout  # fmt: skip
        assert Path(where.strip()).is_relative_to(root), (tree, where)
    labels = {
        (tree, extract): f"{tree} ({args.before if tree == 'before' else 'this checkout'}), "
        + ("crawl + clean text" if extract == "1" else "crawl only")
        for extract in ("1", "0")
        for tree in trees
    }
    bare_label = "bare Scrapy spider, same URLs"
    runs: dict[str, list[tuple[float, str, int, float]]] = {
        **{label: [] for label in labels.values()},
        bare_label: [],
    }
    pairs = {}
    site = start_site(work / "www")
    try:
        for n in range(args.repeat):  # interleaved: drift on a shared machine hits all alike
            for (tree, extract), label in labels.items():
                cmd = crawl_command(  # the tests' command: politeness delays off
                    site,
                    "-s",
                    f"CONCURRENT_REQUESTS={c}",
                    "-s",
                    f"CONCURRENT_REQUESTS_PER_DOMAIN={c}",
                    "-s",
                    f"BITEXT_EXTRACT={extract}",
                )
                out = work / f"out-{tree}-{extract}-{n}"
                env = dict(os.environ, BITEXT_DATA_DIR=str(out), PYTHONPATH=str(trees[tree]))
                runs[label].append(timed(cmd, env, cwd=trees[tree]))
            if n == 0:
                # Exactly the URLs the crawl fetched (robots.txt and retries included), and what
                # each crawl stored (the same pairs and texts, before and after).
                from pipeline.store import open_store

                for tree in trees:
                    store = open_store(work / f"out-{tree}-1-0" / "corpus.sqlite")
                    pairs[tree] = (store.counts()["pairs"], store.counts()["texts"])
                    if tree == "after":
                        urls = [cap.url for cap in store.captures()]
                        (work / "urls.json").write_text(json.dumps(urls))
                    store.close()
            runs[bare_label].append(
                timed(
                    [sys.executable, str(work / "bare.py"), str(work / "urls.json"), c],
                    dict(os.environ),
                )
            )
    finally:
        site.stop()

    print(
        f"\nsample site inflated to {args.pairs} pairs; pairs and texts stored: {pairs}; "
        f"concurrency {c}; {os.cpu_count()} CPUs; median of {args.repeat} interleaved runs "
        "(range in brackets)\n"
    )
    print(
        "| crawler | pages | pages/s | wall s (with start-up) | CPU s (all processes) "
        "| peak RSS MiB (largest process) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    medians: dict[str, tuple[float, float, float]] = {}
    for label, results in runs.items():
        rates = sorted(
            stat(log, "downloader/response_count") / stat(log, "elapsed_time_seconds")
            for _, log, _, _ in results
        )
        mid = len(results) // 2
        wall = sorted(r[0] for r in results)[mid]
        cpu = sorted(r[3] for r in results)[mid]
        medians[label] = (rates[mid], wall, cpu)
        rss = max(r[2] for r in results)
        pages = stat(results[-1][1], "downloader/response_count")
        print(
            f"| {label} | {pages:.0f} | {rates[mid]:.1f} ({rates[0]:.0f}–{rates[-1]:.0f}) "
            f"| {wall:.1f} | {cpu:.1f} | {rss / 1024:.0f} |"
        )
    print()
    for extract in ("1", "0"):
        old, new = medians[labels["before", extract]], medians[labels["after", extract]]
        print(
            f"after / before, {'crawl + clean text' if extract == '1' else 'crawl only'}: "
            f"pages/s {new[0] / old[0]:.2f}, wall {new[1] / old[1]:.2f}, CPU {new[2] / old[2]:.2f}"
        )
    for extract in ("1", "0"):
        label = labels["after", extract]
        print(
            f"ratio {label} / bare (pages/s medians): "
            f"{medians[label][0] / medians[bare_label][0]:.2f} (target >= 0.7 crawl only)"
        )


def encoder_main(args: argparse.Namespace) -> None:
    """Crawl throughput with the sentence encoder on and off, interleaved, in one run."""
    work = Path(tempfile.mkdtemp(prefix="bench-encoder-"))
    build_sample_site(work / "www", args.pairs)
    c = str(args.concurrency)
    labels = {"off": "encoder off (BITEXT_ENCODER=off)", "on": "encoder on (the default)"}
    runs: dict[str, list[tuple[float, str, int, float]]] = {k: [] for k in labels}
    site = start_site(work / "www")
    try:
        for n in range(args.repeat):  # interleaved: drift on a shared machine hits both alike
            for setting in labels:
                cmd = crawl_command(
                    site, "-s", f"CONCURRENT_REQUESTS={c}", "-s",
                    f"CONCURRENT_REQUESTS_PER_DOMAIN={c}", "-s", f"BITEXT_ENCODER={setting}",
                )  # fmt: skip
                env = dict(os.environ, BITEXT_DATA_DIR=str(work / f"out-{setting}-{n}"))
                env["ARGOS_PACKAGES_DIR"] = str(work / "no-packages")  # no translation either
                runs[setting].append(timed(cmd, env))
    finally:
        site.stop()
    print(
        f"\nsample site inflated to {args.pairs} pairs; concurrency {c}; no translation package; "
        f"{os.cpu_count()} CPUs; median of {args.repeat} interleaved runs (range)\n"
    )
    print(
        "| crawl | pages | pages/s | wall s | CPU s (all processes) | peak RSS MiB "
        "| sentences embedded | alignments by mode |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    medians: dict[str, tuple[float, float, float]] = {}
    for setting, results in runs.items():
        rates = sorted(
            stat(log, "downloader/response_count") / stat(log, "elapsed_time_seconds")
            for _, log, _, _ in results
        )
        mid = len(results) // 2
        walls, cpus = sorted(r[0] for r in results), sorted(r[3] for r in results)
        medians[setting] = (rates[mid], walls[mid], cpus[mid])
        log = results[-1][1]
        aligned = ", ".join(
            f"{m} {int(v)}" for m, v in re.findall(r"'bitext/alignment/([a-z+]+)': (\d+)", log)
        )
        print(
            f"| {labels[setting]} | {stat(log, 'downloader/response_count'):.0f} "
            f"| {rates[mid]:.1f} ({rates[0]:.1f}–{rates[-1]:.1f}) "
            f"| {walls[mid]:.1f} ({walls[0]:.1f}–{walls[-1]:.1f}) "
            f"| {cpus[mid]:.1f} ({cpus[0]:.1f}–{cpus[-1]:.1f}) "
            f"| {max(r[2] for r in results) / 1024:.0f} "
            f"| {stat(log, 'bitext/embedding/sentences'):.0f} | {aligned} |"
        )
    on, off = medians["on"], medians["off"]
    print(
        f"\non / off: pages/s {on[0] / off[0]:.2f}, wall {on[1] / off[1]:.2f}, "
        f"CPU {on[2] / off[2]:.2f}"
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
    if "--reading" in sys.argv:
        parser = argparse.ArgumentParser(description="per page: CPU and parses, before/after")
        parser.add_argument("--reading", action="store_true")
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--before", default="dc7bf9d")
        reading_main(parser.parse_args())
    elif "--encoder" in sys.argv:
        parser = argparse.ArgumentParser(description="crawl with the sentence encoder on / off")
        parser.add_argument("--encoder", action="store_true")
        parser.add_argument("--pairs", type=int, default=300)
        parser.add_argument("--concurrency", type=int, default=16)
        parser.add_argument("--repeat", type=int, default=3)
        encoder_main(parser.parse_args())
    elif "--frontier" in sys.argv:
        parser = argparse.ArgumentParser(description="one vs two crawlers on one frontier")
        parser.add_argument("--frontier", action="store_true")
        parser.add_argument("--pairs", type=int, default=60)
        parser.add_argument("--repeat", type=int, default=3)
        frontier_main(parser.parse_args())
    else:
        main()
