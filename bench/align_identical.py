"""Speed work on the aligner changes no output: every case of bench/align.py through the aligner
at a git commit and through the working tree's, the beads compared exactly.

    python bench/align_identical.py [--before-commit REV] [--seed 1] [--quick] [--passes N]
        [--only TEXT]

Cases: the real de-fr dev article (`../shared/data/align-dev/`: MT both ways with each
translation, MT one way, no MT, paragraphs, the word diff, Gale-Church's lengths alone), every
realistic and perturbed NTREX suite of bench/align.py with every configuration its rows use
(dictionary + learned lexicon, learned lexicon alone, zh->en MT, a stand-in for the model's
rescoring, no MT, one document at a time and as a corpus), the speed rows' documents (200, 800,
3,200 sentences with and without translation, the 5,000-sentence corpus and the same as one
document) and a literary-scale corpus (4,871 zh / 6,581 en sentences in 24 chapters, no MT; and
as one document, by windows). For each case: the beads as JSON (every field), the mode, the
signals and the null rate must be equal; and, deeper, every call of the bead search (`_dp`) must
get bit-for-bit the same step costs, null costs and weights and return the same path (the scores
before rounding). Prints one row a case; exit status 1 on any difference.
Then `--passes` timing runs of each case, old and new interleaved, wall and CPU seconds
(median; the check's runs are not timed). `--quick`: the real article and the 800-sentence rows
only; `--only TEXT`: the cases whose name holds TEXT.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import align as bench  # noqa: E402  bench/align.py: its suites and loaders

from pipeline import align as current  # noqa: E402
from pipeline.dictionary import bundled_dictionary  # noqa: E402

BEFORE_COMMIT = "6cfce6d"  # main before #12's speed work (align-6)

Case = tuple[str, Callable[[ModuleType], list]]  # name, run(aligner module) -> alignments


def _docs(module: ModuleType, docs: list) -> list:
    return [
        module.Document(
            d.src,
            d.tgt,
            src_mt=d.src_mt,
            tgt_mt=d.tgt_mt,
            src_paragraphs=d.src_paragraphs,
            tgt_paragraphs=d.tgt_paragraphs,
        )
        for d in docs
    ]


def _lexicon(module: ModuleType, lexicon: Any) -> Any:
    if lexicon is None:
        return None
    fields = ("src_language", "tgt_language", "pairs", "name")
    return module.Lexicon(**{k: getattr(lexicon, k) for k in fields})


def stand_in_scorer(sources: list[str], targets: list[str]) -> list[float]:
    """Deterministic stand-in for the model's score_batch (the rescoring path without a model):
    how far the target's length is from the source's, as a mean log-probability would fall."""
    return [
        -abs(len(t) / max(len(s), 1) - 1.0) - 0.01 * (len(t) % 7)
        for s, t in zip(sources, targets, strict=True)
    ]


def _module_args(module: ModuleType, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments with the lexicon and params rebuilt as the module's own types."""
    args = dict(kwargs)
    for key in ("dictionary", "lexicon"):
        if key in args:
            args[key] = _lexicon(module, args[key])
    if "params" in args:
        args["params"] = module.AlignParams(**vars(args["params"]))
    return args


def corpus(docs: list, **kwargs: Any) -> Callable[[ModuleType], list]:
    return lambda module: module.align_corpus(_docs(module, docs), **_module_args(module, kwargs))


def one_by_one(docs: list, **kwargs: Any) -> Callable[[ModuleType], list]:
    return lambda module: [
        module.align(d, **_module_args(module, kwargs)) for d in _docs(module, docs)
    ]


def real_cases() -> list[Case]:
    if not bench.DEV.exists():
        print("(../shared/data/align-dev not here: the real article is left out)")
        return []
    lines = {
        p.name: p.read_text(encoding="utf-8").splitlines() for p in bench.DEV.glob("eval1957.*")
    }
    src, tgt = lines["eval1957.de"], lines["eval1957.fr"]
    de_fr = {"src_language": "de", "tgt_language": "fr"}
    cases: list[Case] = []
    for mt in ("europarlfull", "google"):
        both = current.Document(
            src, tgt, src_mt=lines[f"eval1957.{mt}.fr"], tgt_mt=lines[f"eval1957.{mt}.de"]
        )
        cases.append(
            (
                f"real de-fr, {mt} MT both ways (align-files)",
                corpus([both], supplied=True, diff=False, **de_fr),
            )
        )
    one_way = current.Document(src, tgt, src_mt=lines["eval1957.europarlfull.fr"])
    cases.append(
        (
            "real de-fr, europarl MT one way, word diff, stand-in rescoring",
            corpus([one_way], supplied=True, diff=True, scorer=stand_in_scorer, **de_fr),
        )
    )
    plain = current.Document(src, tgt)
    cases.append(("real de-fr, no MT (align-files)", corpus([plain], diff=False, **de_fr)))
    paragraphs = current.Document(
        src,
        tgt,
        src_mt=lines["eval1957.google.fr"],
        src_paragraphs=[k // 7 for k in range(len(src))],
        tgt_paragraphs=[k // 8 for k in range(len(tgt))],
    )
    cases.append(("real de-fr, google MT one way, paragraphs", one_by_one([paragraphs], **de_fr)))
    cases.append(
        (
            "real de-fr, no MT, paragraphs, one document",
            one_by_one(
                [
                    current.Document(
                        src,
                        tgt,
                        src_paragraphs=paragraphs.src_paragraphs,
                        tgt_paragraphs=paragraphs.tgt_paragraphs,
                    )
                ],
                **de_fr,
            ),
        )
    )
    cases.append(
        (
            "real de-fr, Gale-Church (lengths only)",
            one_by_one([plain], params=bench.LENGTH_ONLY, diff=False, **de_fr),
        )
    )
    return cases


def ntrex_cases(title: str, suites: dict) -> list[Case]:
    cases: list[Case] = []
    en_ar = {"src_language": "en", "tgt_language": "ar", "diff": False}
    zh_en = {"src_language": "zh", "tgt_language": "en", "diff": False}
    if "en-ar" in suites:
        docs = suites["en-ar"][0]
        dictionary = bundled_dictionary("en", "ar")
        cases += [
            (
                f"{title} en-ar, dictionary + learned lexicon",
                corpus(docs, dictionary=dictionary, **en_ar),
            ),
            (f"{title} en-ar, learned lexicon only", corpus(docs, **en_ar)),
            (
                f"{title} en-ar, dictionary, one by one",
                one_by_one(docs, lexicon=dictionary, **en_ar),
            ),
            (
                f"{title} en-ar, Gale-Church",
                one_by_one(
                    [current.Document(d.src, d.tgt) for d in docs],
                    params=bench.LENGTH_ONLY,
                    **en_ar,
                ),
            ),
        ]
    for key in ("zh-en", "zh-en literary"):
        if key in suites:
            docs = suites[key][0]
            cases += [
                (f"{title} {key} with MT", corpus(docs, **zh_en)),
                (
                    f"{title} {key} with MT, stand-in rescoring",
                    corpus(docs, scorer=stand_in_scorer, **zh_en),
                ),
                (f"{title} {key} with MT, one by one", one_by_one(docs, **zh_en)),
            ]
    for key in ("zh-en, no MT", "zh-en literary, no MT"):
        if key in suites:
            docs = suites[key][0]
            cases.append((f"{title} {key}", corpus(docs, **zh_en)))
    return cases


def speed_cases(quick: bool) -> list[Case]:
    zh = (
        bench.documents("zh", "en")
        if (bench.NTREX / "docs.zh").exists()
        else bench.documents("en", "ar")
    )
    pool_src = [s for src, _ in zh for s in src]
    pool_tgt = [t for _, tgt in zh for t in tgt]
    zh_en = {"src_language": "zh", "tgt_language": "en", "diff": False}
    cases: list[Case] = []
    for size in (800,) if quick else (200, 800, 3200):
        reps = size // len(pool_src) + 1
        src, tgt = (pool_src * reps)[:size], (pool_tgt * reps)[:size]
        stand_in = [
            pool_tgt[(k + 1) % len(pool_tgt)] if k % 50 == 0 else t for k, t in enumerate(tgt)
        ]
        cases.append(
            (
                f"speed: {size} sentences, with translation",
                one_by_one([current.Document(src, tgt, src_mt=stand_in)], **zh_en),
            )
        )
        cases.append(
            (
                f"speed: {size} sentences, no translation",
                one_by_one([current.Document(src, tgt)], **zh_en),
            )
        )
    if quick:
        return cases
    rng = random.Random(5)
    chapters, k = [], 0
    while sum(len(c.src) for c in chapters) < 5000:
        size = rng.randint(150, 260)
        chapters.append(
            current.Document(
                [pool_src[(k + q) % len(pool_src)] for q in range(size)],
                [pool_tgt[(k + q) % len(pool_tgt)] for q in range(size)],
            )
        )
        k += size
    n = sum(len(c.src) for c in chapters)
    whole = current.Document(
        [s for c in chapters for s in c.src], [t for c in chapters for t in c.tgt]
    )
    cases += [
        (f"speed: {n}-sentence corpus, {len(chapters)} chapters, no MT", corpus(chapters, **zh_en)),
        (f"speed: the same as one {n}-sentence document (windows)", corpus([whole], **zh_en)),
    ]
    literary = literary_corpus()
    if literary:
        n, m = sum(len(d.src) for d in literary), sum(len(d.tgt) for d in literary)
        whole = current.Document(
            [s for d in literary for s in d.src], [t for d in literary for t in d.tgt]
        )
        cases += [
            (
                f"literary-scale: {n} zh / {m} en sentences, 24 chapters, no MT",
                corpus(literary, **zh_en),
            ),
            ("literary-scale: the same as one document (windows)", corpus([whole], **zh_en)),
        ]
    return cases


# The held-out literary set's shape (24 chapters, 4,875 zh / 6,610 en sentences: the English
# splits long sentences in 2-4 and merges freely, ~1% unaligned): NTREX zh-en cycled through
# bench/align.py's restructuring with more splits than its "literary" style.
LITERARY_SCALE = {
    "split": 0.62,
    "move": 0.66,
    "merge2": 0.72,
    "merge3": 0.73,
    "two_as_three": 0.76,
    "split_chars": 40,
    "nulls": (0.005, 0.02),
    "min_piece": 20,
}


def literary_corpus(chapters: int = 24, sources: int = 4930, seed: int = 7) -> list:
    """About 4,870 zh / 6,580 en sentences in 24 chapters, no MT (None without NTREX's zh)."""
    if not (bench.NTREX / "docs.zh").exists():
        return []
    zh = bench.documents("zh", "en")
    flat = [(s, t) for src, tgt in zh for s, t in zip(src, tgt, strict=True)]
    bench.STYLES.setdefault("literary-scale", LITERARY_SCALE)
    rng = random.Random(seed)
    per, k, out = sources // chapters, 0, []
    for c in range(chapters):
        size = per + (sources - per * chapters if c == chapters - 1 else 0)
        pairs = [flat[(k + q) % len(flat)] for q in range(size)]
        k += size
        src, tgt, _ = bench.restructure(
            [p[0] for p in pairs], [p[1] for p in pairs], rng, "en", style="literary-scale"
        )
        out.append(current.Document(src, tgt))
    return out


# ---------------------------------------------------------------- the comparison


def _digest(value: Any) -> str:
    """A value reaching the bead search, bit for bit."""
    h = hashlib.sha256()

    def feed(x: Any) -> None:
        if hasattr(x, "tobytes"):
            h.update(str((x.dtype, x.shape)).encode())
            h.update(x.tobytes())
        elif isinstance(x, dict):
            for k in x:
                h.update(repr(k).encode())
                feed(x[k])
        elif isinstance(x, list | tuple):
            h.update(b"[")
            for y in x:
                feed(y)
            h.update(b"]")
        else:
            h.update(repr(x).encode())

    feed(value)
    return h.hexdigest()


def traced(module: ModuleType, run: Callable[[ModuleType], list]) -> tuple[list, list[str]]:
    """The alignments, and a digest of every bead search's inputs and path."""
    calls: list[str] = []
    dp = module._dp

    def recording(*args: Any, **kwargs: Any) -> Any:
        path = dp(*args, **kwargs)
        calls.append(_digest([list(args), kwargs, path]))
        return path

    module._dp = recording
    try:
        alignments = run(module)
    finally:
        module._dp = dp
    return alignments, calls


def output(alignments: list) -> list[str]:
    return [
        json.dumps(
            {
                "beads": [b.model_dump(mode="json") for b in a.beads],
                "mode": a.mode,
                "signals": a.signals,
                "null_rate": a.null_rate,
            },
            ensure_ascii=False,
        )
        for a in alignments
    ]


def timed(module: ModuleType, run: Callable[[ModuleType], list]) -> tuple[float, float]:
    """Wall and CPU seconds of one run (CPU time says less about the other load on a shared
    machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    run(module)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before-commit", default=BEFORE_COMMIT)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--passes", type=int, default=1, help="timing passes (median), after the check"
    )
    parser.add_argument("--only", help="the cases whose name holds this text")
    args = parser.parse_args()
    before = bench.load_baseline(args.before_commit, "align_before_speed")
    if before is None:
        raise SystemExit(f"the aligner at {args.before_commit} is not loadable from git")
    cases = real_cases()
    if not args.quick:
        cases += ntrex_cases("realistic", bench.realistic_suites(args.seed))
        cases += ntrex_cases("perturbed", bench.perturbed_suites(args.seed))
    cases += speed_cases(args.quick)
    cases = [c for c in cases if args.only is None or args.only in c[0]]
    print(
        f"| case | identical output | identical searches | {args.before_commit} s | now s | ratio "
        f"| {args.before_commit} CPU s | now CPU s | CPU ratio |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    different = 0
    for name, run in cases:
        old, old_calls = traced(before, run)
        new, new_calls = traced(current, run)
        same_out = output(old) == output(new)
        same_calls = old_calls == new_calls
        different += not (same_out and same_calls)
        times = []
        for _ in range(args.passes):  # interleaved, the median
            times.append((*timed(before, run), *timed(current, run)))
        old_s, old_cpu, new_s, new_cpu = (statistics.median(t[k] for t in times) for k in range(4))
        beads = sum(len(a.beads) for a in new)
        print(
            f"| {name} ({beads} beads) | {'yes' if same_out else '**NO**'} "
            f"| {'yes' if same_calls else '**NO**'} ({len(new_calls)}) | {old_s:.2f} | {new_s:.2f} "
            f"| {old_s / max(new_s, 1e-9):.2f}x | {old_cpu:.2f} | {new_cpu:.2f} "
            f"| {old_cpu / max(new_cpu, 1e-9):.2f}x |",
            flush=True,
        )
    print(f"\n{len(cases) - different} of {len(cases)} cases identical")
    sys.exit(1 if different else 0)


if __name__ == "__main__":
    main()
