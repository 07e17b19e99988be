"""Alignment quality and speed on perturbed NTREX documents.

    python bench/align.py [--seed 1] [--no-translation-only]

Gold alignments: each NTREX document's translation side is perturbed reproducibly (merge
neighbouring sentences, split long ones, drop a run of three sentences and single sentences,
insert a boilerplate line); the gold beads follow from the perturbation. Scores as Bleualign
defines them: strict = a predicted bead equal to a gold bead (1-0 and 0-1 beads excluded); lax
= a predicted bead that overlaps a gold bead on both sides. Systems, one run: ours without
translation (en->ar); ours with the real zh->en package (zh documents translated, aligned to
perturbed English); a length-only Gale-Church baseline (the same DP, lengths alone). Then time
per document and time at 50/200/800/3,200 sentences.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
NTREX = REPO.parent / "shared" / "data" / "ntrex-en-ar"
if not NTREX.exists():
    NTREX = REPO / "data" / "sample_site" / "sources"  # same files, bundled (no docs.zh)
PACKAGE = REPO.parent / "shared" / "models" / "translate-zh_en.argosmodel"
BOILERPLATE = {"ar": "دولار واحد شهريًا يصنع الفرق", "en": "Click here to support free media"}

from pipeline.align import Aligner  # noqa: E402

Gold = set[tuple[tuple[int, ...], tuple[int, ...]]]


def documents(language: str) -> list[tuple[list[str], list[str]]]:
    ids = (NTREX / "docs.ids").read_text(encoding="utf-8").splitlines()
    src = (NTREX / f"docs.{language}").read_text(encoding="utf-8").splitlines()
    other = "ar" if language == "en" else "en"
    tgt = (NTREX / f"docs.{other}").read_text(encoding="utf-8").splitlines()
    docs: dict[str, tuple[list[str], list[str]]] = {}
    for doc_id, s, t in zip(ids, src, tgt, strict=True):
        docs.setdefault(doc_id, ([], []))
        docs[doc_id][0].append(s.strip())
        docs[doc_id][1].append(t.strip())
    return list(docs.values())


def perturb(tgt: list[str], rng: random.Random, language: str) -> tuple[list[str], Gold]:
    """The perturbed target side and the gold beads (src indices, tgt indices)."""
    units: list[tuple[list[int], list[str]]] = [([i], [t]) for i, t in enumerate(tgt)]
    n = len(units)
    if n >= 8:  # drop a paragraph: three sentences in a row
        start = rng.randrange(1, n - 4)
        for k in range(start, start + 3):
            units[k] = (units[k][0], [])
    for _ in range(max(1, n // 10)):  # drop single sentences
        k = rng.randrange(n)
        if units[k][1]:
            units[k] = (units[k][0], [])
    merged: list[tuple[list[int], list[str]]] = []
    for unit in units:  # merge neighbours (the target says two sentences as one)
        if merged and unit[1] and merged[-1][1] and len(merged[-1][1]) == 1 and rng.random() < 0.12:
            merged[-1] = (merged[-1][0] + unit[0], [merged[-1][1][0] + " " + unit[1][0]])
        else:
            merged.append(unit)
    out: list[tuple[list[int], list[str]]] = []
    for src_ids, texts in merged:  # split long sentences at a comma
        text = texts[0] if texts else None
        comma = "،" if language == "ar" else ","
        if text and len(src_ids) == 1 and len(text) > 120 and comma in text and rng.random() < 0.3:
            cut = text.index(comma, len(text) // 3) if comma in text[len(text) // 3 :] else -1
            if 0 < cut < len(text) - 20:
                out.append((src_ids, [text[: cut + 1], text[cut + 1 :].strip()]))
                continue
        out.append((src_ids, texts))
    insert_at = rng.randrange(len(out) + 1)  # a boilerplate line with no source
    out.insert(insert_at, ([], [BOILERPLATE[language]]))
    new_tgt: list[str] = []
    gold: Gold = set()
    for src_ids, texts in out:
        tgt_ids = tuple(range(len(new_tgt), len(new_tgt) + len(texts)))
        new_tgt.extend(texts)
        gold.add((tuple(src_ids), tgt_ids))
    return new_tgt, gold


def scores(predicted: Gold, gold: Gold) -> tuple[int, int, int, int, int]:
    """(strict hits, lax hits on predicted, lax hits on gold, predicted count, gold count)."""
    pred = {b for b in predicted if b[0] and b[1]}
    true = {b for b in gold if b[0] and b[1]}
    strict = len(pred & true)

    def overlaps(x: tuple, y: tuple) -> bool:
        return bool(set(x[0]) & set(y[0])) and bool(set(x[1]) & set(y[1]))

    lax_p = sum(any(overlaps(p, g) for g in true) for p in pred)
    lax_r = sum(any(overlaps(g, p) for p in pred) for g in true)
    return strict, lax_p, lax_r, len(pred), len(true)


def f1(hits: int, total: int, hits_r: int, total_r: int) -> tuple[float, float, float]:
    p = hits / total if total else 0.0
    r = hits_r / total_r if total_r else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(name: str, cases: list, make) -> tuple[str, float]:  # type: ignore[no-untyped-def]
    sums = [0, 0, 0, 0, 0]
    start = time.perf_counter()
    for case in cases:
        beads = make(case).align()
        predicted = {(tuple(b.src), tuple(b.tgt)) for b in beads}
        for k, v in enumerate(scores(predicted, case["gold"])):
            sums[k] += v
    per_doc = (time.perf_counter() - start) / len(cases) * 1000
    strict, lax_p, lax_r, n_pred, n_gold = sums
    sp, sr, sf = f1(strict, n_pred, strict, n_gold)
    lp, lr, lf = f1(lax_p, n_pred, lax_r, n_gold)
    print(
        f"| {name} | {sp:.3f} | {sr:.3f} | {sf:.3f} | {lp:.3f} | {lr:.3f} | {lf:.3f} "
        f"| {per_doc:.1f} |"
    )
    return name, sf


class LengthOnly(Aligner):
    """Gale-Church baseline: the same DP with the length signal alone."""

    def bead_score(self, i: int, a: int, j: int, b: int) -> float:
        from pipeline.align import _join, length_score

        src, tgt = _join(self.src_f[i : i + a]), _join(self.tgt_f[j : j + b])
        return length_score(src.length, tgt.length, self.ratio)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-translation-only", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    en_ar = []
    for src, tgt in documents("en"):
        new_tgt, gold = perturb(tgt, rng, "ar")
        en_ar.append({"src": src, "tgt": new_tgt, "gold": gold})
    print(
        f"\n{len(en_ar)} NTREX documents, {sum(len(c['src']) for c in en_ar)} source sentences; "
        f"perturbation seed {args.seed}\n"
    )
    print("| system | strict P | strict R | strict F1 | lax P | lax R | lax F1 | ms / doc |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    evaluate("ours, no translation (en-ar)", en_ar, lambda c: Aligner(c["src"], c["tgt"]))
    evaluate("Gale-Church length only (en-ar)", en_ar, lambda c: LengthOnly(c["src"], c["tgt"]))

    if not args.no_translation_only and PACKAGE.exists() and (NTREX / "docs.zh").exists():
        from pipeline.argos import install_package
        from pipeline.translate import Engine

        work = Path(tempfile.mkdtemp(prefix="bench-align-"))
        install_package(PACKAGE, work)
        engine = Engine("zh", "en", packages_dir=work)
        rng = random.Random(args.seed)
        zh_en = []
        all_zh = [s for src, _ in documents("zh") for s in src]
        started = time.perf_counter()
        translated = engine.translate(all_zh)
        print(f"(translated {len(all_zh)} zh sentences in {time.perf_counter() - started:.0f} s)")
        k = 0
        for src, tgt in documents("zh"):
            new_tgt, gold = perturb(tgt, rng, "en")
            zh_en.append(
                {"src": src, "tgt": new_tgt, "gold": gold, "mt": translated[k : k + len(src)]}
            )
            k += len(src)
        evaluate(
            "ours, with zh->en translation (zh-en)",
            zh_en,
            lambda c: Aligner(c["src"], c["tgt"], src_mt=c["mt"]),
        )
        evaluate("ours, no translation (zh-en)", zh_en, lambda c: Aligner(c["src"], c["tgt"]))
        evaluate("Gale-Church length only (zh-en)", zh_en, lambda c: LengthOnly(c["src"], c["tgt"]))

    print("\nTime by document length (no translation, en-ar, documents concatenated):")
    pool_src = [s for c in en_ar for s in c["src"]]
    pool_tgt = [t for c in en_ar for t in c["tgt"]]
    previous = 0.0
    for size in (50, 200, 800, 3200):
        if previous > 30:
            print(f"  {size:>5} sentences: skipped (the previous size took {previous:.0f} s)")
            continue
        reps = max(1, size // len(pool_src) + 1)
        src = (pool_src * reps)[:size]
        tgt = (pool_tgt * reps)[: int(size * len(pool_tgt) / len(pool_src))]
        start = time.perf_counter()
        Aligner(src, tgt).align()
        previous = time.perf_counter() - start
        print(f"  {size:>5} sentences: {previous:.2f} s")


if __name__ == "__main__":
    main()
