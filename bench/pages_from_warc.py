"""Reading stored versions' pages back: from the WARC files (what the store does since migration
0005) against from a copy kept in the store (what it did before), in one run, interleaved.

    python bench/pages_from_warc.py DATA_DIR [--passes 5]

DATA_DIR: a crawl's output (corpus.sqlite and warc/), e.g. one bench/crawl.py left in /tmp.
Works on a copy of it. Prints the median seconds of each reading over all versions, and the
extraction time of the same pages for scale (what `bitext extract --from-store` does next).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import insert, select, text  # noqa: E402

from pipeline.store.sql import open_store  # noqa: E402
from pipeline.store.tables import VersionPageRow, VersionRow  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--passes", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    shutil.copy(args.data_dir / "corpus.sqlite", work / "corpus.sqlite")
    shutil.copytree(args.data_dir / "warc", work / "warc")
    store = open_store(work / "corpus.sqlite")
    with store.engine.connect() as c:
        ids = list(c.execute(select(VersionRow.__table__.c.id)).scalars())
    pages = store.raw_pages(ids)
    assert len(pages) == len(ids), "every page read back from the WARC"
    store.close()
    copy = work / "with-copies.sqlite"
    shutil.copy(work / "corpus.sqlite", copy)
    with_copies = open_store(copy, warc_dir=work / "no-warc-here")
    with with_copies.engine.begin() as c:
        c.execute(
            insert(VersionPageRow.__table__),
            [{"version_id": k, "raw_html_z": zlib.compress(v, 6)} for k, v in pages.items()],
        )
        size = c.execute(text("SELECT sum(length(raw_html_z)) FROM version_pages")).scalar()
    with_copies.close()
    times: dict[str, list[float]] = {"from the WARC files": [], "from copies in the store": []}
    for _ in range(args.passes):
        for label, (path, warc) in {
            "from the WARC files": (work / "corpus.sqlite", work / "warc"),
            "from copies in the store": (copy, work / "no-warc-here"),
        }.items():
            store = open_store(path, warc_dir=warc)
            started = time.perf_counter()
            got = store.raw_pages(ids)
            times[label].append(time.perf_counter() - started)
            assert got == pages
            store.close()
    from pipeline.extract import extract_article

    sample = list(pages.values())[:200]
    started = time.perf_counter()
    for page in sample:
        extract_article(page.decode("utf-8", errors="replace"))
    extract_s = (time.perf_counter() - started) / len(sample) * len(pages)
    print(f"\n{len(ids)} versions; the copies would take {size / 1e6:.1f} MB in the store\n")
    print("| reading every page | median s | per page ms |")
    print("|---|---:|---:|")
    for label, runs in times.items():
        mid = sorted(runs)[len(runs) // 2]
        print(f"| {label} | {mid:.2f} | {1000 * mid / len(ids):.2f} |")
    print(f"| (extracting them, for scale: ~{extract_s:.0f} s) | | |")


if __name__ == "__main__":
    main()
