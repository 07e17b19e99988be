"""Every extraction output of one checkout's code, as JSON Lines, to compare two checkouts byte
for byte (a speed change must not change one character of any record).

    python bench/extraction_identity.py CHECKOUT OUT.jsonl [--limit N]

CHECKOUT's `pipeline` package is imported (e.g. `git archive main | tar -x -C /tmp/main`, or
this repository); the inputs are always this repository's: the 990 real pages of
../shared/data/real-pages/ (unpacked to a temporary folder; skipped when absent) generic, without
the URL, with a language given (en, de, ar on every third or seventh page) and in batch mode
(profile auto, boilerplate learned across the batch); the gold pages with their profile, with
the profile found, without language, generic; the Enab-like themes of bench/enab_themes.py as
bench/extraction.py runs them. One line a case: the case's name and `model_dump_json()` of its
ArticleText. Then `cmp` the two files (or compare their sha256, printed at the end).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--limit", type=int, default=0, help="first N real pages (0: all)")
    args = parser.parse_args()
    checkout = args.checkout.resolve()
    sys.path.insert(0, str(checkout))
    sys.path.insert(1, str(REPO / "bench"))
    import pipeline

    assert Path(pipeline.__file__ or "").resolve().is_relative_to(checkout), pipeline.__file__
    start = time.perf_counter()
    with args.out.open("w", encoding="utf-8") as out:
        real_pages(out, args.limit)
        gold_and_themes(out)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"{time.perf_counter() - start:.0f} s; sha256 {digest}", file=sys.stderr)


def emit(out: TextIO, case: str, result: Any) -> None:
    record = {"case": case, "result": json.loads(result.model_dump_json())}
    out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")


def real_pages(out: TextIO, limit: int) -> None:
    from real_pages import REAL_PAGES, read_real_pages

    from pipeline.encoding import decode_html
    from pipeline.extract import clean_page, extract_article, learn_boilerplate, read_page
    from pipeline.profiles import PROFILES

    pages = [(url, page) for url, _, page in read_real_pages(limit, lambda b: decode_html(b).text)]
    if not pages:
        print(f"{REAL_PAGES} not found: real pages skipped", file=sys.stderr)
        return
    for n, (url, page) in enumerate(pages):
        emit(out, f"real/{n}/generic", extract_article(page, url=url))  # as the bench runs it
        emit(out, f"real/{n}/nourl", extract_article(page))
        if n % 3 == 0:  # a language given: the other-script check on every block
            emit(out, f"real/{n}/lang-en", extract_article(page, language="en"))
        if n % 3 == 1:
            emit(out, f"real/{n}/lang-de", extract_article(page, language="de", url=url))
        if n % 7 == 0:
            emit(out, f"real/{n}/lang-ar", extract_article(page, language="ar"))
    profiles = list(PROFILES.values())
    reads = [read_page(decode_html(page.encode()).text, profiles=profiles) for _, page in pages]
    learned = learn_boilerplate(reads)
    for n, read in enumerate(reads):
        emit(out, f"real/{n}/batch", clean_page(read, learned.repeated(read.home)))


def gold_and_themes(out: TextIO) -> None:
    from enab_themes import build_samples_theme_pages, build_theme_pages

    from pipeline.extract import clean_page, extract_article, learn_boilerplate, read_page
    from pipeline.profiles import PROFILES

    profiles = list(PROFILES.values())
    for path in sorted((REPO / "tests" / "gold" / "pages").glob("*.html")):
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        page, language = path.read_text(encoding="utf-8"), meta["language"]
        side = PROFILES[meta["site"]].side(language) if meta["site"] else None
        emit(out, f"gold/{path.name}/side", extract_article(page, language=language, side=side))
        auto = extract_article(page, language=language, profiles=profiles)
        emit(out, f"gold/{path.name}/auto", auto)
        emit(out, f"gold/{path.name}/auto-nolang", extract_article(page, profiles=profiles))
        emit(out, f"gold/{path.name}/generic", extract_article(page))
    pages = build_theme_pages() + build_samples_theme_pages()
    reads = {p.name: read_page(p.html, language=p.language, profiles=profiles) for p in pages}
    for p in pages:
        read = reads[p.name]
        emit(out, f"theme/{p.name}/auto", clean_page(read))
        emit(out, f"theme/{p.name}/none", extract_article(p.html, language=p.language))
        emit(out, f"theme/{p.name}/nolang", extract_article(p.html, profiles=profiles))
        others = learn_boilerplate([reads[q.name] for q in pages if q.theme != p.theme])
        emit(out, f"theme/{p.name}/learned", clean_page(read, others.repeated(read.home)))


if __name__ == "__main__":
    main()
