"""Hostile text (issue 14, case 4): pages with one control character or non-character inside a
body paragraph, extracted with and without `strip_unprintable` in the same process, and what
the stripping costs.

    python bench/resilience.py [--real 60]

Material: the gold pages (our templates: weak evidence) and, where ../shared is present, real
pages from trafilatura's evaluation set (held out: nobody here wrote them). A page counts as
kept when its paragraphs equal those of the same page without the character. Baseline, same
run, interleaved: extraction with the stripping turned off. Cost: median time of
`strip_unprintable` over the extraction time of the same pages.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]
sys.path.insert(0, str(REPO))

import pipeline.extract as extract  # noqa: E402
from pipeline.encoding import decode_html  # noqa: E402
from pipeline.profiles import PROFILES  # noqa: E402
from pipeline.text import strip_unprintable  # noqa: E402

GOLD = REPO / "tests" / "gold" / "pages"
REAL = REPO.parent / "shared" / "data" / "real-pages" / "trafilatura-eval.tar.gz"
CHARS = ["\x01", "\x08", "\x1b", "&#1;", "\ufffe", "\uffff"]


def _off(page: str) -> tuple[str, list[str]]:
    return page, []


def _inside(html: str, paragraphs: list[str]) -> int | None:
    """An offset in the middle of a word of a kept paragraph, found once in the raw HTML."""
    for paragraph in paragraphs:
        words = paragraph.split(" ")
        if len(words) < 6:
            continue
        probe = " ".join(words[1:4])
        if html.count(probe) == 1:
            return html.index(probe) + len(words[1]) // 2
    return None


def _gold() -> Iterator[tuple[str, str, object]]:
    for page in sorted(GOLD.glob("*.html")):
        meta = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
        if not meta["no_body"]:
            side = PROFILES[meta["site"]].side(meta["language"]) if meta["site"] else None
            yield page.read_text(encoding="utf-8"), meta["language"], side


def _real(limit: int, folder: Path) -> Iterator[tuple[str, str, object]]:
    with tarfile.open(REAL) as archive:
        archive.extractall(folder, filter="data")
    files = sorted(folder.rglob("*.html"))
    random.Random(14).shuffle(files)
    found = 0
    for file in files:
        html = decode_html(file.read_bytes()).text
        first = extract.extract_article(html, language="en")
        if first.status == "ok" and first.detected_language:
            found += 1
            yield html, first.detected_language, None
        if found >= limit:
            return


def measure(pages: Iterator[tuple[str, str, object]], chars: list[str]) -> dict[str, float]:
    kept = {"baseline": 0, "fixed": 0}
    cases = 0
    strip_s: list[float] = []
    extract_s: list[float] = []
    for html, language, side in pages:
        extract.strip_unprintable = strip_unprintable
        clean = extract.extract_article(html, language=language, side=side)  # type: ignore[arg-type]
        at = _inside(html, clean.paragraphs) if clean.status == "ok" else None
        if at is None:
            continue
        for char in chars:
            hostile = html[:at] + char + html[at:]
            cases += 1
            for mode, strip in (("baseline", _off), ("fixed", strip_unprintable)):
                extract.strip_unprintable = strip
                started = time.perf_counter()
                result = extract.extract_article(hostile, language=language, side=side)  # type: ignore[arg-type]
                if mode == "fixed":
                    extract_s.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    strip_unprintable(hostile)
                    strip_s.append(time.perf_counter() - started)
                kept[mode] += result.paragraphs == clean.paragraphs
    extract.strip_unprintable = strip_unprintable
    return {
        "cases": cases,
        "baseline": kept["baseline"],
        "fixed": kept["fixed"],
        "strip_ms": statistics.median(strip_s) * 1000,
        "extract_ms": statistics.median(extract_s) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--real", type=int, default=60, help="real pages to use (0: none)")
    args = parser.parse_args()
    rows = [("gold pages (ours)", measure(_gold(), CHARS))]
    if args.real and REAL.exists():
        with tempfile.TemporaryDirectory() as folder:
            rows.append(("real pages (held out)", measure(_real(args.real, Path(folder)), CHARS)))
    elif args.real:
        print(f"{REAL} absent: real pages skipped")
    print("| material | cases | body kept, baseline | body kept, fixed | strip / extract |")
    print("|---|---:|---:|---:|---:|")
    for name, r in rows:
        print(
            f"| {name} | {r['cases']} | {r['baseline']} ({r['baseline'] / r['cases']:.0%}) | "
            f"{r['fixed']} ({r['fixed'] / r['cases']:.0%}) | "
            f"{r['strip_ms']:.2f} ms / {r['extract_ms']:.1f} ms "
            f"({r['strip_ms'] / r['extract_ms']:.1%}) |"
        )


if __name__ == "__main__":
    main()
