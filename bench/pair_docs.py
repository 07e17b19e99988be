"""Content pairing on real development data beside baselines in the same run, and the time of
`bitext pair-docs`' pairing at 1,000 x 1,000 documents (embedding reported apart).

    .venv/bin/python bench/pair_docs.py             # quality table, then speed
    .venv/bin/python bench/pair_docs.py --no-speed

Quality: the development sets of bench/pair_dev.py (NTREX-128 ar/zh news, MAC-Dev literary
zh-en, Bleualign de-fr; translations condensed by a quarter, half-document distractors and
documents with no counterpart in each language; every document a candidate for every other:
no date window, the worst case). Each method is one score matrix and one one-to-one assignment:
- baseline "TF-IDF raw": IDF-weighted cosine of the two texts' raw word bags (what is shared
  without translating: numbers, Latin names), competitive linking with no threshold;
- baseline "length": the shorter text's length over the longer's, competitive linking (what a
  date-and-length pairer has left when every document falls in the date window);
- baseline "MT TF-IDF": Bitextor's default (Buck & Koehn 2016): the original's machine
  translation (Argos zh->en for NTREX zh, Google's for MAC-Dev and de-fr) against the
  translation by TF-IDF cosine, competitive linking, no threshold; where there is MT;
- "shipped": pipeline.docscore's encoder model and threshold 0.5, greedy (as pair-docs runs);
  its weights were fitted on these very sets, so also "leave-one-out": fitted on the other
  sets only (bench/pair_dev.py's fit), scored on the set left out.

Speed: 1,000 originals and 1,000 translations (800 pairs, 200 singles a side) made of NTREX
sentences (20 a document, drawn at random; translations condensed by a quarter), scored and
assigned with the shipped scorer; the sentence vectors come from pair_dev's cache, and the
encoder's own rate is measured apart on fresh sentences.
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pair_dev  # noqa: E402

from pipeline.assignment import assign  # noqa: E402
from pipeline.docscore import (  # noqa: E402
    ScoredDocument,
    _bags,
    _idf_cosine,
    length_agreement,
    mt_scores,
    score_documents,
)

_WORD = re.compile(r"\w+")


def raw_words(text: str, language: str) -> set[str]:
    if language in ("zh", "ja"):
        return {c for c in text if not c.isspace()} | {w.lower() for w in _WORD.findall(text)}
    return {w.lower() for w in _WORD.findall(text)}


def tfidf_raw(dev: pair_dev.DevSet) -> np.ndarray:
    vocab: dict[str, int] = {}
    left = _bags([raw_words(d.text, d.language) for d in dev.originals], vocab)
    right = _bags([raw_words(d.text, d.language) for d in dev.translations], vocab)
    return _idf_cosine(left, right)


def lengths(dev: pair_dev.DevSet) -> np.ndarray:
    a = np.array([len(d.text) for d in dev.originals], dtype=float)
    b = np.array([len(d.text) for d in dev.translations], dtype=float)
    return length_agreement(a, b)


def row(name: str, r: pair_dev.Result) -> str:
    return (
        f"| {name} | {r.precision:.3f} | {r.recall:.3f} | {r.correct}/{r.truth} | "
        f"{r.pairs} | {r.singles_paired} |"
    )


def quality() -> None:
    sets = pair_dev.dev_sets()
    encoder = pair_dev.CachedEncoder()
    names = ("encoder", "sequence", "anchors")
    table = {dev.name: pair_dev.features(dev, encoder, "encoder") for dev in sets}
    encoder.save()
    print("| set / method | precision | recall | correct | pairs made | one-language docs paired |")
    print("|---|---|---|---|---|---|")
    for dev in sets:
        print(f"| **{dev.name}** ({len(dev.truth)} pairs, {len(dev.singles)} singles) | | | | | |")
        print(row("baseline TF-IDF raw", pair_dev.evaluate(dev, tfidf_raw(dev), 0.0, "greedy")))
        print(row("baseline length", pair_dev.evaluate(dev, lengths(dev), 0.0, "greedy")))
        if dev.mt:
            mt = mt_scores(dev.originals, dev.translations, [dev.mt[d.key] for d in dev.originals])
            print(row("baseline MT TF-IDF (Bitextor)", pair_dev.evaluate(dev, mt, 0.0, "greedy")))
        print(row("shipped (encoder)", pair_dev.evaluate(dev, table[dev.name]["score"], 0.5,
                                                          "greedy")))  # fmt: skip
        others = [(table[d.name], pair_dev.labels(d)) for d in sets if d is not dev]
        model = pair_dev.fit(others, names)
        held = pair_dev.rescore(table[dev.name], model)
        print(row("leave-one-out (encoder)", pair_dev.evaluate(dev, held, 0.5, "greedy")))


def speed(n: int = 1000, seed: int = 7) -> None:
    base = pair_dev.SHARED / "ntrex-en-ar"
    ar = (base / "docs.ar").read_text(encoding="utf-8").splitlines()
    en = (base / "docs.en").read_text(encoding="utf-8").splitlines()
    rng = random.Random(seed)
    originals, translations = [], []
    paired = int(n * 0.8)
    for k in range(n):
        lines = rng.sample(range(len(ar)), 20)
        originals.append(ScoredDocument(f"ar:{k}", "ar", [ar[i] for i in lines]))
        if k < paired:
            kept = [i for i in lines if rng.random() > 0.25]
        else:
            kept = rng.sample(range(len(en)), 20)
        translations.append(ScoredDocument(f"en:{k}", "en", [en[i] for i in kept]))
    rng.shuffle(translations)
    encoder = pair_dev.CachedEncoder()
    flat = [s for d in (*originals, *translations) for s in d.sentences]
    encoder.embed(list(dict.fromkeys(flat)))  # vectors cached (pair_dev's cache), not timed here
    allowed = np.ones((n, n), dtype=bool)
    wall, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    table = score_documents(originals, translations, allowed, embedder=encoder)
    chosen = assign(table.score, 0.5, "greedy")
    after = resource.getrusage(resource.RUSAGE_SELF)
    seconds = time.perf_counter() - wall
    cpu_s = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
    truth = {f"ar:{k}": f"en:{k}" for k in range(paired)}
    correct = sum(truth.get(originals[i].key) == translations[j].key for i, j in chosen)
    # the encoder's own rate, on sentences it never saw (NTREX's Chinese, reversed word order
    # of nothing: just fresh text)
    zh = (base / "docs.zh").read_text(encoding="utf-8").splitlines()
    fresh = [f"{s} ({k})" for k, s in enumerate(zh[:300])]
    e_wall, e_cpu = time.perf_counter(), time.process_time()
    encoder.encoder.embed(fresh)
    e_wall, e_cpu = time.perf_counter() - e_wall, time.process_time() - e_cpu
    rate = len(fresh) / e_wall
    unique = len(set(flat))
    print(f"\n{n} x {n} documents ({len(flat)} sentences, {unique} distinct):")
    print(f"  pairing (scoring + sequence re-scoring + assignment), vectors at hand: "
          f"{seconds:.1f} s wall, {cpu_s:.1f} s CPU; {len(chosen)} pairs, {correct} right of "
          f"{paired}")  # fmt: skip
    print(f"  encoder alone: {rate:.0f} sentences/s wall ({len(fresh)} in {e_wall:.1f} s wall, "
          f"{e_cpu:.1f} s CPU): embedding these {unique} distinct sentences would take about "
          f"{unique / rate:.0f} s; 1,000 x 1,000 real articles of ~25 sentences (50,000) about "
          f"{50000 / rate / 60:.0f} min")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--documents", type=int, default=1000)
    args = parser.parse_args()
    if not pair_dev.SHARED.exists():
        raise SystemExit(f"no development data at {pair_dev.SHARED}")
    quality()
    if not args.no_speed:
        speed(args.documents)


if __name__ == "__main__":
    main()
