"""`make demo-distributed`: the scale-out, on this machine, with real services.

Starts Redis and PostgreSQL (Debian packages) under a temporary folder, serves the sample site
inflated to --pairs pairs on 127.0.0.1, then:
  1. one `scrapy crawl enab` into SQLite (the baseline everyone runs);
  2. two `scrapy crawl enab` processes on one Redis frontier into one PostgreSQL store;
  3. two `bitext translate --worker` and two `bitext align --worker` processes on that store;
and prints the comparison. Translation uses two packages built here from the sample site
(tests/tiny_argos.py): real Argos/CTranslate2 packages whose output is nonsense; they show the
mechanics (each sentence decoded once, by one of the workers), not translation quality.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.store import open_store  # noqa: E402
from tests.conftest import build_sample_site, start_site  # noqa: E402
from tests.distributed import (  # noqa: E402
    crawl_counts,
    crawl_processes,
    fetches,
    pages_fetched_by_several,
    stats_json,
)
from tests.services import ServiceUnavailable, start_postgres, start_redis  # noqa: E402

KEYS = ("pairs", "unpaired", "crawl_errors", "versions", "texts", "translations_pending")


def bitext(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_all(processes: list[subprocess.Popen[str]], what: str) -> list[dict]:
    out = []
    for p in processes:
        stdout, stderr = p.communicate(timeout=900)
        if p.returncode != 0:
            sys.exit(f"{what} failed:\n{stderr[-3000:]}")
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=300)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bitext-demo-distributed-"))
    print(f"working folder: {work}")
    build_sample_site(work / "www", args.pairs)
    try:
        redis = start_redis(work / "redis")
        postgres = start_postgres(work / "postgres")
    except ServiceUnavailable as exc:
        sys.exit(f"cannot run the distributed demo: {exc}")
    print(f"Redis {redis.url()}  PostgreSQL {postgres.url()}")
    try:
        # 1. the baseline: one process, SQLite (a site server of its own: fresh failure counts)
        site = start_site(work / "www")
        started = time.monotonic()
        [single_log] = crawl_processes(site, work / "single", 1, redis_url=None, store=None)
        single_s = time.monotonic() - started
        site.stop()
        single_store = str(work / "single" / "corpus.sqlite")

        # 2. two processes, one Redis frontier, one PostgreSQL store
        store = postgres.url()
        site = start_site(work / "www")
        started = time.monotonic()
        logs = crawl_processes(
            site, work / "two", 2, redis_url=redis.url(), store=store, stagger_s=1.0
        )
        two_s = time.monotonic() - started
        site.stop()

        # 3. two translate workers, then two align workers, on the PostgreSQL store
        from tests.tiny_argos import build_tiny_package

        packages = work / "argos-packages"
        env = dict(os.environ, ARGOS_PACKAGES_DIR=str(packages))
        for source, target in (("ar", "en"), ("en", "ar")):  # the sample site's pair
            package = build_tiny_package(work / "tiny", from_code=source, to_code=target)
            subprocess.run(
                [sys.executable, "-m", "pipeline.cli", "models", "install", str(package)],
                cwd=REPO,
                env=env,
                check=True,
                capture_output=True,
                timeout=300,
            )
        os.environ["ARGOS_PACKAGES_DIR"] = str(packages)  # stats below count with them
        before = stats_json(store)
        translated = wait_all(
            [bitext("translate", "--worker", "--store", store, env=env) for _ in range(2)],
            "translate worker",
        )
        aligned = wait_all(
            [
                bitext("align", "--worker", "--no-translate", "--store", store, env=env)
                for _ in range(2)
            ],
            "align worker",
        )
        one, two = stats_json(single_store), stats_json(store)
        single, shared = open_store(single_store), open_store(store)
        same_fetches = fetches(single) == fetches(shared)
        by_both = pages_fetched_by_several(shared)
        per_file: dict[str, int] = {}
        for capture in shared.captures():
            per_file[capture.warc_filename] = per_file.get(capture.warc_filename, 0) + 1
        single.close()
        shared.close()
    finally:
        redis.stop()
        postgres.stop()

    print(f"\nsample site inflated to {args.pairs} pairs\n")
    print("| | one process, SQLite | two processes, Redis + PostgreSQL |")
    print("|---|---:|---:|")
    for key in KEYS[:-1]:
        print(f"| {key} | {one[key]} | {two[key]} |")
    print(f"| wall s (start-up included) | {single_s:.1f} | {two_s:.1f} |")
    pages = [int(crawl_counts(log)["downloader/response_count"]) for log in logs]
    print(
        f"| pages fetched | {int(crawl_counts(single_log)['downloader/response_count'])} "
        f"| {sum(pages)} ({' + '.join(map(str, pages))}) |"
    )
    print(f"\nsame requests as the single process (robots.txt aside): {same_fetches}")
    print(f"pages fetched by both processes: {len(by_both)}")
    for name, n in sorted(per_file.items()):
        print(f"  WARC {name}: {n} records")
    print(f"\ntranslation pending before the workers: {before['translations_pending']} sentences")
    for report in translated:
        print(
            f"  translate worker {report['worker']}: "
            f"{ {d: report[d] for d in ('ar-en', 'en-ar') if d in report} }"
        )
    for report in aligned:
        print(f"  align worker {report['worker']}: claimed {report['claimed']} pairs")
    print(f"translation pending after: {two['translations_pending']}")
    same = all(one[k] == two[k] for k in ("pairs", "unpaired", "crawl_errors"))
    print(
        "\nRESULT: "
        + (
            "same pairs, unpaired and crawl errors as one process; "
            if same
            else "DIFFERENT from one process; "
        )
        + ("no page fetched twice" if not by_both else f"{len(by_both)} pages fetched twice")
    )
    if not same or by_both or not same_fetches:
        sys.exit(1)


if __name__ == "__main__":
    main()
