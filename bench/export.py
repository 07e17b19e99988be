"""Time to export 1,000 aligned article pairs in each format and to build the review report.

    python bench/export.py [--pairs 1000]

The corpus: NTREX documents (bundled copy) repeated under distinct ids until there are --pairs
article pairs, each with clean texts on both sides and an alignment (mode "none"), saved
through the store as the crawl saves them. Baseline, same run: reading those pairs back from
the store with their texts and alignments, which every export has to do; the ratio says what
writing each format adds on top.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# bench/translate.py would shadow translate-toolkit's `translate` package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]
sys.path.insert(0, str(REPO))

from bench.align import documents  # noqa: E402
from pipeline import exports  # noqa: E402
from pipeline.align import align, document_of, pair_alignment  # noqa: E402
from pipeline.report import write_report  # noqa: E402
from pipeline.store import open_store  # noqa: E402
from tests.test_exports import text_of  # noqa: E402
from tests.test_store_warc import paired, version  # noqa: E402


def build(store_path: Path, count: int) -> None:
    store = open_store(store_path)
    docs = documents("en")
    for k in range(count):
        en_sentences, ar_sentences = docs[k % len(docs)]
        en = version("en", f"en-{k}", f"{k}|" + "|".join(en_sentences))
        ar = version("ar", f"ar-{k}", f"{k}|" + "|".join(ar_sentences))
        en.text = text_of(en_sentences, "en", en.content_sha256)
        ar.text = text_of(ar_sentences, "ar", ar.content_sha256)
        pair = paired(en, ar)
        doc = document_of(ar.text, en.text)
        pair.alignment = pair_alignment(pair, doc, align(doc))
        store.save_pair(pair)
    store.close()


def timed(label: str, action, baseline: float | None = None) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    ratio = f"{seconds / baseline:.2f}x" if baseline else "1.00x (baseline)"
    print(f"| {label} | {seconds:.2f} | {ratio} | {result} |")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-export-"))
    started = time.perf_counter()
    build(work / "corpus.sqlite", args.pairs)
    print(f"\n{args.pairs} article pairs built in {time.perf_counter() - started:.0f} s\n")
    store = open_store(work / "corpus.sqlite")
    print("| step | seconds | vs reading the pairs | written |")
    print("|---|---:|---:|---|")
    base = timed(
        "read pairs, texts, alignments (baseline)",
        lambda: sum(1 for _ in exports.exported_pairs(store)),
    )
    langs = {"src_lang": "ar", "tgt_lang": "en"}
    timed(
        "export JSONL",
        lambda: exports.write_jsonl(exports.exported_pairs(store), work / "c.jsonl"),
        base,
    )
    for name, writer, out in (
        ("export TMX 1.4b", exports.write_tmx, work / "c.tmx"),
        ("export Moses", exports.write_moses, work / "c"),
        ("export XLIFF 2.0", exports.write_xliff, work / "c.xlf"),
    ):
        timed(
            name,
            lambda w=writer, o=out: w(exports.segments(exports.exported_pairs(store)), o, **langs),
            base,
        )
    timed(
        "export TMX, --dedup",
        lambda: exports.write_tmx(
            exports.segments(exports.exported_pairs(store), dedup=True), work / "d.tmx", **langs
        ),
        base,
    )
    timed(
        "review report (HTML)",
        lambda: write_report(exports.exported_pairs(store), work / "report").articles,
        base,
    )
    store.close()


if __name__ == "__main__":
    main()
