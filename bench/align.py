"""Alignment quality and speed: real hand-aligned text first, then realistic and perturbed NTREX.

    python bench/align.py [--seed 1] [--speed-only] [--no-speed] [--baseline-commit REV]
        [--before-commit REV]

Suites, in order:
  1. real: `../shared/data/align-dev/` (Bleualign's de-fr development article, aligned by hand),
     run through `bitext align-files` exactly as a user runs it: with the europarlfull and the
     google translations both ways, and with none (learned lexicon, no dictionary for de-fr).
  2. realistic NTREX: documents of ~100-150 sentences (consecutive NTREX documents joined), the
     target side restructured as real translations are: long sentences split in 2-4 at clause
     boundaries, clauses moved across a sentence boundary (a 2-2 bead), neighbours merged (2-1,
     some 3-1), two sentences rewritten as three (2-3), and few unaligned sentences (1-10% of a
     document) that come in runs, on either side. en-ar without translation (bundled dictionary
     + learned lexicon; learned lexicon alone), zh-en with the real zh->en package, zh-en
     without translation.
     Also a literary-like zh-en set (as the held-out literary set is described: the English
     splits long sentences in 2-4, in pieces of 25 characters at least where it can, and
     merges freely; 0.5-2% unaligned), with and without MT. With the real zh->en package,
     the zh-en rows with MT are run again with the model's rescoring (CTranslate2
     score_batch), with the number of bead pairs the model scored (its cost).
     A split-heavy literary-like set has the held-out book's shape (1.3 English sentences a
     Chinese one: the English splits more than it merges).
     Weak-MT suites: the realistic and literary-like zh-en sets, and the real article with its
     google MT, again with each translation line keeping 50% (or 30%, shuffled) of its words:
     a stand-in for a free translation or a poor MT, where right beads share little with the
     translation (the held-out literary set's false omissions came from there).
  3. perturbed NTREX as before (the no-regression check): merges, comma splits, a dropped run
     of three, single drops, a boilerplate line.
Every suite has its baselines in the same run: Gale-Church (this aligner's DP with lengths
alone), the previous aligner (`align-4`, loaded from git, `--baseline-commit`), a
Hunalign/Bleualign-family aligner (dictionary or translation similarity, 1-3 beads at most),
and the aligner as it was before this round (`--before-commit`, main's `align-10` by default,
loaded from git by bench/git_aligner.py and run with the encoder where ours is, its rows saying
"+ encoder"; the speed table compares with it).

Scores as Bleualign's evaluation computes them (eval/evaluate.py): precision over predicted
beads, null beads included (a predicted 1-0 or 0-1 bead is right only if the gold has it);
recall over the gold beads with sentences on both sides; strict = equal beads, lax = overlapping
on both sides. "strict F1, 1+ a side" is the older bench's count (beads with sentences on both
sides only, on both counts), for the no-regression rows. "omitted/added flags right" is how many
of the predicted `omitted`/`added` flags are right (the sentence is unaligned in the gold), with
the flag count.
"""

from __future__ import annotations

import argparse
import inspect
import itertools
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared"
NTREX = SHARED / "data" / "ntrex-en-ar"
if not NTREX.exists():
    NTREX = REPO / "data" / "sample_site" / "sources"  # same files, bundled (no docs.zh)
DEV = SHARED / "data" / "align-dev" / "bleualign-eval1957"
PACKAGE = SHARED / "models" / "translate-zh_en.argosmodel"
BOILERPLATE = {"ar": "دولار واحد شهريًا يصنع الفرق", "en": "Click here to support free media"}
BASELINE_COMMIT = ""  # an older aligner to compare with as well (e.g. 98fac46, align-4): none
BEFORE_COMMIT = "694f401"  # align-10, main before this round (dc7bf9d: align-8, before #23)
MAC = SHARED / "data" / "align-dev" / "mac-dev"

from git_aligner import load_aligner  # noqa: E402  (bench/, beside this script)

from pipeline.align import (  # noqa: E402
    ALIGNER_VERSION,
    AlignParams,
    Document,
    align,
    align_corpus,
)
from pipeline.dictionary import bundled_dictionary  # noqa: E402
from pipeline.encoder import SentenceEncoder, default_encoder  # noqa: E402

Bead = tuple[tuple[int, ...], tuple[int, ...]]
Gold = list[Bead]
Suite = tuple[list[Document], list[Gold]]


# ---------------------------------------------------------------- scoring


def bleualign_counts(predicted: list[Bead], gold: Gold) -> list[int]:
    """[strict TP, strict FP, lax TP, lax FP] over predictions; [strict TP, strict FN, lax TP,
    lax FN] over the gold, as Bleualign's evaluate.py counts them."""
    gold_set, pred_set = set(gold), set(predicted)

    def overlaps(x: Bead, y: Bead) -> bool:
        return bool(set(x[0]) & set(y[0])) and bool(set(x[1]) & set(y[1]))

    p = [0, 0, 0, 0]
    for bead in predicted:
        if bead in gold_set:
            p[0] += 1
            p[2] += 1
        elif any(overlaps(bead, g) for g in gold):
            p[1] += 1
            p[2] += 1
        else:
            p[1] += 1
            p[3] += 1
    r = [0, 0, 0, 0]
    for bead in gold:
        if not bead[0] or not bead[1]:
            continue
        if bead in pred_set:
            r[0] += 1
            r[2] += 1
        elif any(overlaps(bead, q) for q in predicted):
            r[1] += 1
            r[2] += 1
        else:
            r[1] += 1
            r[3] += 1
    return p + r


def null_flag_counts(beads: list, gold: Gold) -> tuple[int, int]:
    """(flags right, flags): `omitted`/`added` on a sentence the gold leaves unaligned."""
    src_null = {i for s, t in gold if not t for i in s}
    tgt_null = {j for s, t in gold if not s for j in t}
    right = flagged = 0
    for b in beads:
        if "omitted" in b.flags or "added" in b.flags:
            flagged += 1
            right += (not b.tgt and b.src[0] in src_null) or (not b.src and b.tgt[0] in tgt_null)
    return right, flagged


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def report(
    name: str,
    beads_per_doc: list[list],
    golds: list[Gold],
    seconds: float,
    cpu: float | None = None,
) -> float:
    sums = [0] * 8
    right = flagged = 0
    both = [0, 0, 0]  # the older bench's count: beads with both sides only (hits, pred, gold)
    for beads, gold in zip(beads_per_doc, golds, strict=True):
        predicted = [(tuple(b.src), tuple(b.tgt)) for b in beads]
        for k, v in enumerate(bleualign_counts(predicted, gold)):
            sums[k] += v
        pred_both = {x for x in predicted if x[0] and x[1]}
        gold_both = {x for x in gold if x[0] and x[1]}
        both = [both[0] + len(pred_both & gold_both), both[1] + len(pred_both),
                both[2] + len(gold_both)]  # fmt: skip
        r, f = null_flag_counts(beads, gold)
        right, flagged = right + r, flagged + f
    sp = sums[0] / max(sums[0] + sums[1], 1)
    lp = sums[2] / max(sums[2] + sums[3], 1)
    sr = sums[4] / max(sums[4] + sums[5], 1)
    lr = sums[6] / max(sums[6] + sums[7], 1)
    null_p = f"{right / flagged:.2f} ({flagged})" if flagged else "- (0)"
    old_f1 = f1(both[0] / max(both[1], 1), both[0] / max(both[2], 1))
    print(
        f"| {name} | {sp:.3f} | {sr:.3f} | **{f1(sp, sr):.3f}** | {f1(lp, lr):.3f} | {old_f1:.3f} "
        f"| {null_p} | {seconds:.2f} | {'-' if cpu is None else f'{cpu:.2f}'} |",
        flush=True,
    )
    return f1(sp, sr)


HEADER = (
    "| system | strict P | strict R | strict F1 | lax F1 | strict F1, 1+ a side | omitted/added "
    "flags right (n) | wall s | CPU s |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
)


# ---------------------------------------------------------------- systems


def load_baseline(commit: str, name: str = "align_previous") -> ModuleType | None:
    """The aligner at `commit`, from git (bench/git_aligner.py), as module `name`."""
    return load_aligner(REPO, commit, name)


BASELINES: list[tuple[str, ModuleType]] = []  # (label, aligner module): align-4, main's align-6


def baselines(name: str, suite: Suite, **kwargs) -> None:  # type: ignore[no-untyped-def]
    """The earlier aligners' rows for a suite, each under its label."""
    for label, module in BASELINES:
        encoded = bool(ENCODER) and "encoder" in inspect.signature(module.align_corpus).parameters
        run_system(f"{label}{' + encoder' if encoded else ''}, {name}", suite,
                   previous(module, **kwargs))  # fmt: skip


def as_module_docs(module: ModuleType, docs: list[Document]) -> list:
    return [module.Document(d.src, d.tgt, src_mt=d.src_mt, tgt_mt=d.tgt_mt) for d in docs]


# Gale-Church baseline: this aligner's DP with the length signal alone.
LENGTH_ONLY = AlignParams(weight_mt=0, weight_lexicon=0, weight_anchor=0, weight_position=0)


def run_system(
    name: str,
    suite: Suite,
    aligner: Callable[[list[Document]], list],
) -> float:
    docs, golds = suite
    started, cpu = time.perf_counter(), time.process_time()
    alignments = aligner(docs)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    score = report(name, [a.beads for a in alignments], golds, seconds, cpu)
    while PENDING:
        print(PENDING.pop(0))
    return score


def ours(corpus: bool = True, **kwargs) -> Callable[[list[Document]], list]:  # type: ignore[no-untyped-def]
    def aligner(docs: list[Document]) -> list:
        if corpus:
            return align_corpus(docs, diff=False, **kwargs)
        kwargs.pop("encoder", None)
        return [align(d, diff=False, **kwargs) for d in docs]

    return aligner


def align9(aligner: Callable[[list[Document]], list]) -> Callable[[list[Document]], list]:
    """The aligner as align-9 was: align-10 with its one change off (the length fit at the whole
    texts' character ratio always; AlignParams.ratio_gap), so the two compare in one run."""
    from pipeline.align.features import _Features

    def run(docs: list[Document]) -> list:
        measure = _Features.measure_ratio
        _Features.measure_ratio = lambda self, beads: self.ratio  # type: ignore[method-assign]
        try:
            return aligner(docs)
        finally:
            _Features.measure_ratio = measure  # type: ignore[method-assign]

    return run


def per_document(
    aligner: Callable[[list[Document]], list], golds: list[Gold]
) -> Callable[[list[Document]], list]:
    """The aligner, and each document's strict F1 printed after the row (as a line of its own)."""

    def run(docs: list[Document]) -> list:
        alignments = aligner(docs)
        scores = []
        for alignment, gold in zip(alignments, golds, strict=True):
            c = bleualign_counts([(tuple(b.src), tuple(b.tgt)) for b in alignment.beads], gold)
            scores.append(f1(c[0] / max(c[0] + c[1], 1), c[4] / max(c[4] + c[5], 1)))
        searches = {getattr(a, "search", "-") for a in alignments}
        PENDING.append(f"|   per document: {' '.join(f'{x:.3f}' for x in scores)}"
                       f" (search: {', '.join(sorted(searches))}) | | | | | | | |")  # fmt: skip
        return alignments

    return run


PENDING: list[str] = []  # lines printed after the current row


def encoder() -> SentenceEncoder | None:
    """The sentence encoder, loaded and warmed before any timed row (None: not installed)."""
    found = default_encoder()
    if found is not None:
        found.embed(["warm-up"])
        found.span_mode  # noqa: B018  (the pooled-span check, once)
    return found


class _Bead:
    def __init__(self, src: list[int], tgt: list[int]) -> None:
        self.src, self.tgt, self.flags = src, tgt, []


class _Aligned:
    def __init__(self, beads: list[_Bead]) -> None:
        self.beads = beads


# Gale & Church (1993): bead priors, and the length statistic's variance per character
GC_PRIORS = {(1, 1): 0.89, (1, 0): 0.0099, (0, 1): 0.0099, (2, 1): 0.089, (1, 2): 0.089,
             (2, 2): 0.011}  # fmt: skip
GC_VARIANCE = 6.8


def classic_gale_church(src: list[str], tgt: list[str], unit: str = "chars") -> list[_Bead]:
    """Gale & Church's aligner as published (its six bead types and priors, c = the document's
    length ratio, s^2 = 6.8), lengths in characters, or in UTF-8 bytes (`unit="bytes"`, as
    Bertalign's baseline measures them: its published 0.485 on MAC-Dev). Written out here because
    no maintained package has it (nltk's is a module of a large toolkit). The statistic
    (l2 - c l1) / sqrt(s^2 mean), the mean of the two lengths both in the target's units: in the
    source's (as this bench had it up to align-9) it is too narrow by sqrt(c) where c is not ~1
    (zh-en in characters: c ~ 3; MAC-Dev 0.331 then, 0.473 now)."""
    from math import erfc, log, sqrt

    def length(text: str) -> int:
        text = text.strip()
        return len(text.encode("utf-8")) if unit == "bytes" else len(text)

    ls = [length(s) for s in src]
    lt = [length(t) for t in tgt]
    ratio = (sum(lt) or 1) / (sum(ls) or 1)
    n, m = len(src), len(tgt)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: dict[tuple[int, int], tuple[int, int]] = {}
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if i == j == 0:
                continue
            for (a, b), prior in GC_PRIORS.items():
                if i < a or j < b or cost[i - a][j - b] == inf:
                    continue
                x, y = sum(ls[i - a : i]), sum(lt[j - b : j])
                mean = (x * ratio + y) / 2
                delta = (y - x * ratio) / sqrt(max(mean, 1) * GC_VARIANCE)
                p = max(erfc(abs(delta) / sqrt(2)), 1e-12)  # two-tailed
                c = -log(prior) - log(p)
                if cost[i - a][j - b] + c < cost[i][j]:
                    cost[i][j] = cost[i - a][j - b] + c
                    back[(i, j)] = (a, b)
    beads: list[_Bead] = []
    i, j = n, m
    while (i, j) != (0, 0):
        a, b = back[(i, j)]
        beads.append(_Bead(list(range(i - a, i)), list(range(j - b, j))))
        i, j = i - a, j - b
    return beads[::-1]


def previous(module: ModuleType, **kwargs) -> Callable[[list[Document]], list]:  # type: ignore[no-untyped-def]
    if "dictionary" in kwargs and kwargs["dictionary"] is not None:
        kwargs["dictionary"] = module.Lexicon(**{
            k: getattr(kwargs["dictionary"], k)
            for k in ("src_language", "tgt_language", "pairs", "name")
        })  # fmt: skip
    if ENCODER and "encoder" in inspect.signature(module.align_corpus).parameters:
        kwargs.setdefault("encoder", ENCODER[0])  # align-9 on: with the encoder, as ours runs
    return lambda docs: module.align_corpus(as_module_docs(module, docs), diff=False, **kwargs)


def gale_church(unit: str = "chars", **kwargs) -> Callable[[list[Document]], list]:  # type: ignore[no-untyped-def]
    """The classic Gale-Church (lengths only), a document at a time."""
    return lambda docs: [_Aligned(classic_gale_church(d.src, d.tgt, unit)) for d in docs]


# ---------------------------------------------------------------- the real suite


def dev_gold() -> Gold:
    namespace: dict = {}
    exec((DEV / "golddev.py").read_text(encoding="utf-8"), namespace)  # the gold is a literal
    return [(tuple(s), tuple(t)) for s, t in namespace["goldalign"]]


def align_files(args: list[str]) -> tuple[list, float]:
    """`bitext align-files` as a user runs it; its beads and wall time."""
    out = Path(tempfile.mkdtemp(prefix="bench-align-")) / "beads.jsonl"
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "align-files", *args, "-o", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(result.stderr)

    class B:
        def __init__(self, line: dict) -> None:
            self.src, self.tgt, self.flags = line["src"], line["tgt"], line["flags"]

    beads = [B(json.loads(x)) for x in out.read_text(encoding="utf-8").splitlines()]
    return beads, seconds


def mac_dev() -> tuple[list[Document], list[Document], list[Gold]] | None:
    """MAC-Dev's six chapters: with the Google MT of the Chinese, without, and the gold."""
    if not MAC.exists():
        return None
    with_mt, without, golds = [], [], []
    for gold_file in sorted((MAC / "gold").glob("*.align")):
        name = gold_file.stem
        src = (MAC / "zh" / name).read_text(encoding="utf-8").splitlines()
        tgt = (MAC / "en" / name).read_text(encoding="utf-8").splitlines()
        mt = (MAC / "zh" / f"{name}.trans").read_text(encoding="utf-8").splitlines()
        gold: Gold = []
        for line in gold_file.read_text(encoding="utf-8").splitlines():
            left, right = line.split(":")
            gold.append((tuple(json.loads(left)), tuple(json.loads(right))))
        with_mt.append(Document(src, tgt, src_mt=mt))
        without.append(Document(src, tgt))
        golds.append(gold)
    return with_mt, without, golds


def real_suite(use: SentenceEncoder | None) -> None:
    """MAC-Dev (zh-en literary) and Bleualign's de-fr article: ours with the encoder, ours
    without it (align-9's fallback: today's signals), align-8 from git, Gale-Church."""
    mac = mac_dev()
    if mac is not None:
        with_mt, without, golds = mac
        n = sum(len(d.src) for d in without), sum(len(d.tgt) for d in without)
        print(f"\n### 1. Real: MAC-Dev, six literary zh-en chapters ({n[0]} / {n[1]} sentences, "
              f"{sum(len(g) for g in golds)} gold beads)\n")  # fmt: skip
        print(HEADER)
        zh_en = {"src_language": "zh", "tgt_language": "en"}
        for label, docs in (("Google MT", with_mt), ("no MT", without)):
            supplied = label != "no MT"
            if use is not None:
                aligner = ours(supplied=supplied, encoder=use, **zh_en)
                run_system(f"ours ({ALIGNER_VERSION} + encoder), {label}", (docs, golds),
                           per_document(aligner, golds))  # fmt: skip
                run_system(f"align-9 + encoder, {label}", (docs, golds),
                           per_document(align9(aligner), golds))  # fmt: skip
            run_system(f"ours without the encoder, {label}", (docs, golds),
                       per_document(ours(supplied=supplied, **zh_en), golds))  # fmt: skip
            baselines(label, (docs, golds), supplied=supplied, **zh_en)
        run_system("Gale-Church (classic, characters)", (without, golds),
                   per_document(gale_church(), golds))  # fmt: skip
        run_system("Gale-Church (UTF-8 bytes, as Bertalign ran it)", (without, golds),
                   per_document(gale_church("bytes"), golds))  # fmt: skip
        if use is not None:  # the held-out set's size: 24 chapters (MAC-Dev's six, four times)
            run_system(f"ours ({ALIGNER_VERSION} + encoder), no MT, 24 chapters (MAC-Dev x4; time)",
                       (without * 4, golds * 4), ours(encoder=use, **zh_en))  # fmt: skip
    if not DEV.exists():
        print("(../shared/data/align-dev not here: real suites skipped)")
        return
    gold = dev_gold()
    lines = {p.name: p.read_text(encoding="utf-8").splitlines() for p in DEV.glob("eval1957.*")}
    doc = Document(lines["eval1957.de"], lines["eval1957.fr"])
    print(f"\n### 2. Real: Bleualign's de-fr dev article ({len(doc.src)} / {len(doc.tgt)} "
          f"sentences, {len(gold)} gold beads, {sum(1 for s, t in gold if not s or not t)} "
          "of them unaligned)\n")  # fmt: skip
    print(HEADER)
    de_fr = {"src_language": "de", "tgt_language": "fr"}
    for mt in ("europarlfull", "google", None):
        label = f"{mt} MT both ways" if mt else "no MT"
        docs = [Document(doc.src, doc.tgt, src_mt=lines[f"eval1957.{mt}.fr"],
                         tgt_mt=lines[f"eval1957.{mt}.de"]) if mt else doc]  # fmt: skip
        if use is not None:
            aligner = ours(supplied=mt is not None, encoder=use, **de_fr)
            run_system(f"ours ({ALIGNER_VERSION} + encoder), {label}", (docs, [gold]),
                       per_document(aligner, [gold]))  # fmt: skip
            run_system(f"align-9 + encoder, {label}", (docs, [gold]), align9(aligner))
        run_system(f"ours without the encoder, {label}", (docs, [gold]),
                   ours(supplied=mt is not None, **de_fr))  # fmt: skip
        baselines(label, (docs, [gold]), supplied=mt is not None, **de_fr)
    run_system("Gale-Church (classic, characters)", ([doc], [gold]), gale_church())
    run_system("Gale-Church (UTF-8 bytes)", ([doc], [gold]), gale_church("bytes"))


# ---------------------------------------------------------------- NTREX material


def documents(language: str, other: str = "en") -> list[tuple[list[str], list[str]]]:
    ids = (NTREX / "docs.ids").read_text(encoding="utf-8").splitlines()
    src = (NTREX / f"docs.{language}").read_text(encoding="utf-8").splitlines()
    tgt = (NTREX / f"docs.{other}").read_text(encoding="utf-8").splitlines()
    docs: dict[str, tuple[list[str], list[str]]] = {}
    for doc_id, s, t in zip(ids, src, tgt, strict=True):
        docs.setdefault(doc_id, ([], []))
        docs[doc_id][0].append(s.strip())
        docs[doc_id][1].append(t.strip())
    return list(docs.values())


def joined(docs: list[tuple[list[str], list[str]]], size: int) -> list[tuple[list[str], list[str]]]:
    """Consecutive documents joined into documents of about `size` sentences."""
    out: list[tuple[list[str], list[str]]] = []
    for src, tgt in docs:
        if not out or len(out[-1][0]) >= size:
            out.append(([], []))
        out[-1][0].extend(src)
        out[-1][1].extend(tgt)
    return out


def zh_translations(sentences: list[str]) -> list[str] | None:
    """The zh->en package's translations, cached in the temp directory between runs."""
    if not PACKAGE.exists():
        return None
    cache = Path(tempfile.gettempdir()) / f"bitext-bench-zh-en-{len(sentences)}.json"
    if cache.exists():
        cached = json.loads(cache.read_text(encoding="utf-8"))
        if cached.get("src") == sentences:
            return cached["mt"]
    from pipeline.argos import install_package
    from pipeline.translate import Engine

    work = Path(tempfile.mkdtemp(prefix="bench-align-"))
    install_package(PACKAGE, work)
    started = time.perf_counter()
    translated = Engine("zh", "en", packages_dir=work).translate(sentences)
    print(f"(translated {len(sentences)} zh sentences in {time.perf_counter() - started:.0f} s)")
    cache.write_text(json.dumps({"src": sentences, "mt": translated}), encoding="utf-8")
    return translated


_SCORER: list = []


def zh_scorer() -> Callable[..., list[float]] | None:
    """The zh->en package's own scoring (CTranslate2 score_batch), counting the pairs it
    scores (None where the package is absent)."""
    if not PACKAGE.exists():
        return None
    if not _SCORER:
        from pipeline.argos import install_package
        from pipeline.translate import Engine

        work = Path(tempfile.mkdtemp(prefix="bench-align-"))
        install_package(PACKAGE, work)
        _SCORER.append(Engine("zh", "en", packages_dir=work).scorer())
    score = _SCORER[0]

    def counted(sources: list[str], targets: list[str], *, total: bool = False) -> list[float]:
        SCORED[0] += len(sources)
        return score(sources, targets, total=total)

    return counted


SCORED = [0]  # pairs the model scored in the current row


CLAUSE = re.compile(r"(?<=[,;:،؛，；：])\s*")


def clauses(text: str) -> list[str]:
    return [c for c in CLAUSE.split(text) if c.strip()]


def join_text(parts: list[str], language: str) -> str:
    return ("" if language == "zh" else " ").join(p.strip() for p in parts)


# How often each restructuring happens (cumulative thresholds on one roll per sentence) and the
# share of unaligned sentences: "news" as before; "literary" as the held-out literary zh-en set
# is described (the English splits long sentences in 2-4 and merges freely, 1% null beads).
STYLES = {
    "news": {"split": 0.18, "move": 0.26, "merge2": 0.36, "merge3": 0.39, "two_as_three": 0.43,
             "split_chars": 80, "nulls": (0.01, 0.10), "min_piece": 0},
    "literary": {"split": 0.30, "move": 0.36, "merge2": 0.48, "merge3": 0.52, "two_as_three": 0.56,
                 "split_chars": 60, "nulls": (0.005, 0.02), "min_piece": 25},
    # the held-out book's shape: 1.36 English sentences a Chinese one, so splits dominate
    "literary-split": {"split": 0.62, "move": 0.68, "merge2": 0.74, "merge3": 0.75,
                       "two_as_three": 0.79, "split_chars": 40, "nulls": (0.005, 0.02),
                       "min_piece": 20},
}  # fmt: skip


def restructure(
    src: list[str], tgt: list[str], rng: random.Random, language: str, style: str = "news"
) -> tuple[list[str], list[str], Gold]:
    """Source and target rewritten as real translations differ, and the gold beads."""
    odds = STYLES[style]
    units: list[tuple[list[int], list[str]]] = [([i], [t]) for i, t in enumerate(tgt)]
    out: list[tuple[list[int], list[str]]] = []
    k = 0
    while k < len(units):
        s_ids, texts = units[k]
        roll = rng.random()
        nxt = units[k + 1] if k + 1 < len(units) else None
        parts = clauses(texts[0])
        if roll < odds["split"] and (len(parts) < 2 or len(texts[0]) <= odds["split_chars"]):
            roll = 1.0  # only long sentences with clauses are split
        if roll < odds["split"]:  # split in 2-4
            pieces = min(len(parts), rng.choice((2, 2, 3, 4)))
            cuts = sorted(rng.sample(range(1, len(parts)), pieces - 1))
            bounds = [0, *cuts, len(parts)]
            for _ in range(20):  # literary English splits into sentences, not 1-word scraps
                shortest = min(len(join_text(parts[x:y], language))
                               for x, y in itertools.pairwise(bounds))  # fmt: skip
                if shortest >= odds["min_piece"] or pieces == 2:
                    break
                cuts = sorted(rng.sample(range(1, len(parts)), pieces - 1))
                bounds = [0, *cuts, len(parts)]
            out.append((s_ids, [join_text(parts[x:y], language)
                                for x, y in itertools.pairwise(bounds)]))  # fmt: skip
        elif odds["split"] <= roll < odds["move"] and (not nxt or len(parts) < 2):
            out.append((s_ids, texts))
        elif roll < odds["move"] and nxt:  # last clause moved to the next sentence
            moved = join_text([parts[-1], nxt[1][0]], language)
            out.append((s_ids + nxt[0], [join_text(parts[:-1], language), moved]))
            k += 1
        elif roll < odds["merge2"] and nxt:  # two merged into one
            out.append((s_ids + nxt[0], [join_text([texts[0], nxt[1][0]], language)]))
            k += 1
        elif roll < odds["merge3"] and k + 2 < len(units):  # three merged into one
            three = [texts[0], units[k + 1][1][0], units[k + 2][1][0]]
            out.append((s_ids + units[k + 1][0] + units[k + 2][0], [join_text(three, language)]))
            k += 2
        elif roll < odds["two_as_three"] and nxt:  # two said as three
            whole = clauses(join_text([texts[0], nxt[1][0]], language))
            if len(whole) >= 3:
                a, b = sorted(rng.sample(range(1, len(whole)), 2))
                out.append(
                    (
                        s_ids + nxt[0],
                        [
                            join_text(whole[:a], language),
                            join_text(whole[a:b], language),
                            join_text(whole[b:], language),
                        ],
                    )
                )
                k += 2
                continue
            out.append((s_ids, texts))
        else:
            out.append((s_ids, texts))
        k += 1
    # unaligned sentences, 1-10% of the document, in runs of 1-6, on either side
    total = len(src) + sum(len(t) for _, t in out)
    budget = int(total * rng.uniform(*odds["nulls"]))
    dropped_src: set[int] = set()
    while budget > 0:
        run = min(budget, rng.choice((1, 2, 2, 3, 4, 6)))
        start = rng.randrange(max(1, len(out) - run))
        if any(not s or not t for s, t in out[start : start + run]):
            budget -= 1
            continue
        if rng.random() < 0.5:  # the target leaves out a passage: its source becomes 1-0
            for q in range(start, min(start + run, len(out))):
                out[q] = (out[q][0], [])
        else:  # the target adds a passage: drop its source sentences (0-1)
            for q in range(start, min(start + run, len(out))):
                dropped_src.update(out[q][0])
                out[q] = ([], out[q][1])
        budget -= run
    kept = [i for i in range(len(src)) if i not in dropped_src]
    renumber = {i: k for k, i in enumerate(kept)}
    new_src = [src[i] for i in kept]
    new_tgt: list[str] = []
    gold: Gold = []
    for s_ids, texts in out:
        t_ids = tuple(range(len(new_tgt), len(new_tgt) + len(texts)))
        new_tgt.extend(texts)
        live = tuple(renumber[i] for i in s_ids if i in renumber)
        if live and t_ids:
            gold.append((live, t_ids))
        else:
            gold += [((i,), ()) for i in live] + [((), (j,)) for j in t_ids]
    return new_src, new_tgt, gold


def perturb(tgt: list[str], rng: random.Random, language: str) -> tuple[list[str], Gold]:
    """The older perturbation (kept for the no-regression rows): merges, comma splits, a dropped
    run of three, single drops, one boilerplate line."""
    units: list[tuple[list[int], list[str]]] = [([i], [t]) for i, t in enumerate(tgt)]
    n = len(units)
    if n >= 8:
        start = rng.randrange(1, n - 4)
        for k in range(start, start + 3):
            units[k] = (units[k][0], [])
    for _ in range(max(1, n // 10)):
        k = rng.randrange(n)
        if units[k][1]:
            units[k] = (units[k][0], [])
    merged: list[tuple[list[int], list[str]]] = []
    for unit in units:
        if merged and unit[1] and merged[-1][1] and len(merged[-1][1]) == 1 and rng.random() < 0.12:
            merged[-1] = (merged[-1][0] + unit[0], [merged[-1][1][0] + " " + unit[1][0]])
        else:
            merged.append(unit)
    out: list[tuple[list[int], list[str]]] = []
    for src_ids, texts in merged:
        text = texts[0] if texts else None
        comma = "،" if language == "ar" else ","
        if text and len(src_ids) == 1 and len(text) > 120 and comma in text and rng.random() < 0.3:
            cut = text.index(comma, len(text) // 3) if comma in text[len(text) // 3 :] else -1
            if 0 < cut < len(text) - 20:
                out.append((src_ids, [text[: cut + 1], text[cut + 1 :].strip()]))
                continue
        out.append((src_ids, texts))
    out.insert(rng.randrange(len(out) + 1), ([], [BOILERPLATE[language]]))
    new_tgt: list[str] = []
    gold: Gold = []
    for src_ids, texts in out:
        tgt_ids = tuple(range(len(new_tgt), len(new_tgt) + len(texts)))
        new_tgt.extend(texts)
        if src_ids and tgt_ids:
            gold.append((tuple(src_ids), tgt_ids))
        else:
            gold += [((i,), ()) for i in src_ids] + [((), (j,)) for j in tgt_ids]
    return new_tgt, gold


def weakened(lines: list[str] | None, keep: float, rng: random.Random) -> list[str] | None:
    """A translation that shares less with the target: each word kept with probability `keep`,
    the rest shuffled below 0.5 (word order gone too). A stand-in for a free (literary)
    translation or a poor MT, where right beads share few words with the translation."""
    if lines is None:
        return None
    out = []
    for line in lines:
        words = [w for w in line.split() if rng.random() < keep]
        if keep < 0.5:
            rng.shuffle(words)
        out.append(" ".join(words))
    return out


def weak_suites(suites: dict[str, Suite], names: list[str]) -> dict[str, Suite]:
    """The named suites again with their translations weakened to 50% and 30% of the words."""
    out: dict[str, Suite] = {}
    for name in names:
        if name not in suites:
            continue
        docs, golds = suites[name]
        for keep in (0.5, 0.3):
            rng = random.Random(7)
            out[f"{name}, weak MT ({keep:.0%} of its words)"] = (
                [Document(d.src, d.tgt, src_mt=weakened(d.src_mt, keep, rng),
                          tgt_mt=weakened(d.tgt_mt, keep, rng)) for d in docs],
                golds,
            )  # fmt: skip
    return out


def realistic_suites(seed: int) -> dict[str, Suite]:
    suites: dict[str, Suite] = {}
    rng = random.Random(seed)
    docs, golds = [], []
    for src, tgt in joined(documents("en", "ar"), 120):
        s, t, g = restructure(src, tgt, rng, "ar")
        docs.append(Document(s, t))
        golds.append(g)
    suites["en-ar"] = (docs, golds)
    if (NTREX / "docs.zh").exists():
        zh = documents("zh", "en")
        mt = zh_translations([s for src, _ in zh for s in src])
        rng = random.Random(seed)
        docs, golds = [], []
        for src, tgt in joined(zh, 120):
            s, t, g = restructure(src, tgt, rng, "en")
            docs.append(Document(s, t))
            golds.append(g)
        suites["zh-en, no MT"] = (docs, golds)
        by_text = dict(zip([s for src, _ in zh for s in src], mt or [], strict=False))
        if mt is not None:
            suites["zh-en"] = ([Document(d.src, d.tgt, src_mt=[by_text[s] for s in d.src])
                                for d in docs], golds)  # fmt: skip
        def styled(style: str) -> Suite:
            rng = random.Random(seed)
            docs, golds = [], []
            for src, tgt in joined(zh, 120):
                s, t, g = restructure(src, tgt, rng, "en", style=style)
                docs.append(Document(s, t, src_mt=[by_text[x] for x in s] if mt else None))
                golds.append(g)
            return docs, golds

        # literary-like: long English sentences split in 2-4, free merges, ~1% unaligned
        docs, golds = styled("literary")
        if mt is not None:
            suites["zh-en literary"] = (docs, golds)
        suites["zh-en literary, no MT"] = ([Document(d.src, d.tgt) for d in docs], golds)
        # split-heavy literary-like: 1.3 English sentences a Chinese one, as in the held-out book
        if mt is not None:
            suites["zh-en literary, split-heavy"] = styled("literary-split")
        suites |= weak_suites(suites, ["zh-en", "zh-en literary", "zh-en literary, split-heavy"])
    return suites


def perturbed_suites(seed: int) -> dict[str, Suite]:
    suites: dict[str, Suite] = {}
    rng = random.Random(seed)
    docs, golds = [], []
    for src, tgt in documents("en", "ar"):
        t, g = perturb(tgt, rng, "ar")
        docs.append(Document(src, t))
        golds.append(g)
    suites["en-ar"] = (docs, golds)
    if (NTREX / "docs.zh").exists():
        zh = documents("zh", "en")
        mt = zh_translations([s for src, _ in zh for s in src])
        rng = random.Random(seed)
        docs, golds = [], []
        k = 0
        for src, tgt in zh:
            t, g = perturb(tgt, rng, "en")
            docs.append(Document(src, t, src_mt=mt[k : k + len(src)] if mt else None))
            golds.append(g)
            k += len(src)
        suites["zh-en"] = (docs, golds)
    return suites


ENCODER: list[SentenceEncoder] = []  # the encoder, where installed, for the NTREX rows


def ntrex_rows(title: str, suites: dict[str, Suite], baseline: ModuleType | None) -> None:
    print(f"\n### {title}\n")
    print(HEADER)
    dictionary = bundled_dictionary("en", "ar")
    en_ar = {"src_language": "en", "tgt_language": "ar"}
    zh_en = {"src_language": "zh", "tgt_language": "en"}
    if "en-ar" in suites:
        suite = suites["en-ar"]
        run_system("ours, en-ar, no MT: dictionary + learned lexicon", suite,
                   ours(dictionary=dictionary, **en_ar))  # fmt: skip
        run_system("ours, en-ar, no MT: learned lexicon only", suite, ours(**en_ar))
        for use in ENCODER:
            aligner = ours(dictionary=dictionary, encoder=use, **en_ar)
            run_system("ours + encoder, en-ar, no MT (dictionary + lexicon)", suite, aligner)
            run_system("align-9 + encoder, en-ar, no MT (dictionary + lexicon)", suite,
                       align9(aligner))  # fmt: skip
        baselines("en-ar, dictionary + lexicon", suite, dictionary=dictionary, **en_ar)
        baselines("en-ar, learned lexicon only", suite, **en_ar)
        run_system("Gale-Church, en-ar", suite, gale_church(**en_ar))
    scorer = zh_scorer()

    def rescored(name: str, suite: Suite) -> None:
        if scorer is None:
            return
        SCORED[0] = 0
        run_system(name, suite, ours(scorer=scorer, **zh_en))
        print(f"|   (the model scored {SCORED[0]} bead pairs) | | | | | | | |")

    if "zh-en" in suites:
        suite = suites["zh-en"]
        run_system("ours, zh-en with zh->en MT", suite, ours(**zh_en))
        for use in ENCODER:
            run_system("ours + encoder, zh-en with zh->en MT", suite, ours(encoder=use, **zh_en))
            run_system("align-9 + encoder, zh-en with zh->en MT", suite,
                       align9(ours(encoder=use, **zh_en)))  # fmt: skip
        rescored("ours + the model's rescoring (score_batch), zh-en with MT", suite)
        baselines("zh-en with MT", suite, **zh_en)
    if "zh-en literary" in suites:
        suite = suites["zh-en literary"]
        run_system("ours, literary-like zh-en with zh->en MT", suite, ours(**zh_en))
        rescored("ours + the model's rescoring, literary-like zh-en with MT", suite)
        baselines("literary-like zh-en with MT", suite, **zh_en)
    if "zh-en literary, split-heavy" in suites:
        suite = suites["zh-en literary, split-heavy"]
        docs = suite[0]
        ratio = sum(len(d.tgt) for d in docs) / max(sum(len(d.src) for d in docs), 1)
        run_system(f"ours, split-heavy literary-like zh-en ({ratio:.2f} en a zh) with MT", suite,
                   ours(**zh_en))  # fmt: skip
        rescored("ours + the model's rescoring, split-heavy literary-like zh-en with MT", suite)
        baselines("split-heavy literary-like zh-en with MT", suite, **zh_en)
    if "zh-en literary, no MT" in suites:
        suite = suites["zh-en literary, no MT"]
        run_system("ours, literary-like zh-en, no MT", suite, ours(**zh_en))
        baselines("literary-like zh-en, no MT", suite, **zh_en)
    for name, suite in suites.items():
        if "weak MT" in name:
            run_system(f"ours, {name}", suite, ours(**zh_en))
            baselines(name, suite, **zh_en)
    no_mt = suites.get("zh-en, no MT") or (
        ([Document(d.src, d.tgt) for d in suites["zh-en"][0]], suites["zh-en"][1])
        if "zh-en" in suites
        else None
    )
    if no_mt is not None:
        run_system("ours, zh-en, no MT: learned lexicon", no_mt, ours(**zh_en))
        for use in ENCODER:
            run_system("ours + encoder, zh-en, no MT", no_mt, ours(encoder=use, **zh_en))
        baselines("zh-en, no MT", no_mt, **zh_en)
        run_system("Gale-Church, zh-en", no_mt, gale_church(**zh_en))


# ---------------------------------------------------------------- speed


def speed(baseline: ModuleType | None, label: str = "previous (align-4)") -> None:
    """Time by document length, and a 5,000-sentence corpus without translation."""
    print("\n### Speed (median of 3, old and new interleaved)\n")
    zh = documents("zh", "en") if (NTREX / "docs.zh").exists() else documents("en", "ar")
    pool_src = [s for src, _ in zh for s in src]
    pool_tgt = [t for _, tgt in zh for t in tgt]
    rng = random.Random(5)

    cpu_of_last: list[float] = [0.0]

    def timed(fn: Callable[[], object]) -> float:
        started, cpu = time.perf_counter(), time.process_time()
        fn()
        cpu_of_last[0] = time.process_time() - cpu
        return time.perf_counter() - started

    def median(fns: list[Callable[[], object]]) -> list[float]:
        runs, cpus = [], []
        for _ in range(3):
            runs.append([timed(f) for f in fns])
            cpus.append(cpu_of_last[0])  # ours is the last
        cpu_of_last[0] = sorted(cpus)[1]
        return [sorted(r[k] for r in runs)[1] for k in range(len(fns))]

    print(f"| case | {label} s | ours s | ours CPU s | ratio |")
    print("|---|---:|---:|---:|---:|")
    for size in (200, 800, 3200):
        reps = size // len(pool_src) + 1
        src = (pool_src * reps)[:size]
        tgt = (pool_tgt * reps)[:size]
        stand_in = [pool_tgt[(k + 1) % len(pool_tgt)] if k % 50 == 0 else t
                    for k, t in enumerate(tgt)]  # fmt: skip
        for label, mt in (("with translation", stand_in), ("no translation, no lexicon", None)):
            fns: list[Callable[[], object]] = [
                lambda src=src, tgt=tgt, mt=mt: align(
                    Document(src, tgt, src_mt=mt), src_language="zh", tgt_language="en",
                    diff=False)
            ]  # fmt: skip
            if baseline is not None and size <= 800:
                fns.insert(0, lambda src=src, tgt=tgt, mt=mt: baseline.align(
                    baseline.Document(src, tgt, src_mt=mt), src_language="zh",
                    tgt_language="en", diff=False))  # fmt: skip
            times = median(fns)
            old = f"{times[0]:.2f}" if len(times) == 2 else "-"
            ratio = f"{times[0] / times[1]:.1f}x" if len(times) == 2 else "-"
            print(f"| {size} sentences, one document, {label} | {old} | {times[-1]:.2f} "
                  f"| {cpu_of_last[0]:.2f} | {ratio} |")  # fmt: skip
    # a 5,000-sentence corpus, chapters of ~200, no translation: learned lexicon, two passes
    chapters, k = [], 0
    while sum(len(c.src) for c in chapters) < 5000:
        size = rng.randint(150, 260)
        src = [pool_src[(k + q) % len(pool_src)] for q in range(size)]
        tgt = [pool_tgt[(k + q) % len(pool_tgt)] for q in range(size)]
        chapters.append(Document(src, tgt))
        k += size
    n = sum(len(c.src) for c in chapters)
    fns = [lambda: align_corpus(chapters, src_language="zh", tgt_language="en", diff=False)]
    if baseline is not None:
        old_docs = as_module_docs(baseline, chapters)
        fns.insert(0, lambda: baseline.align_corpus(old_docs, src_language="zh",
                                                    tgt_language="en", diff=False))  # fmt: skip
    times = [timed(f) for f in fns]  # once: the old one is slow
    old = f"{times[0]:.1f}" if len(times) == 2 else "-"
    ratio = f"{times[0] / times[1]:.1f}x" if len(times) == 2 else "-"
    print(f"| {n}-sentence corpus ({len(chapters)} chapters), no translation, learned lexicon "
          f"| {old} | {times[-1]:.1f} | {cpu_of_last[0]:.1f} | {ratio} |")  # fmt: skip
    whole = Document([s for c in chapters for s in c.src], [t for c in chapters for t in c.tgt])
    seconds = timed(lambda: align_corpus([whole], src_language="zh", tgt_language="en",
                                         diff=False))  # fmt: skip
    print(f"| the same as one {n}-sentence document | - | {seconds:.1f} "
          f"| {cpu_of_last[0]:.1f} | - |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--baseline-commit", default=BASELINE_COMMIT)
    parser.add_argument("--before-commit", default=BEFORE_COMMIT,
                        help="the aligner before this round (main's align-10)")  # fmt: skip
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--speed-only", action="store_true")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--real-only", action="store_true", help="MAC-Dev and de-fr only")
    parser.add_argument("--perturbed-only", action="store_true", help="perturbed NTREX only")
    args = parser.parse_args()
    use = encoder()
    ENCODER.extend([use] if use is not None else [])
    baseline = None
    if args.baseline_commit and not args.no_baseline:
        baseline = load_baseline(args.baseline_commit)
    if baseline is None and args.baseline_commit and not args.no_baseline:
        print(f"(previous aligner {args.baseline_commit} not loadable from git: no baseline)")
    if baseline is not None:
        BASELINES.append((f"previous ({baseline.ALIGNER_VERSION})", baseline))
    before = None if args.no_baseline else load_baseline(args.before_commit, "align_before")
    if before is not None:
        label = f"before ({getattr(before, 'ALIGNER_VERSION', '?')}, {args.before_commit})"
        BASELINES.append((label, before))
    if not args.speed_only and not args.perturbed_only:
        real_suite(use)
    if not args.speed_only and not args.real_only and not args.perturbed_only:
        realistic = realistic_suites(args.seed)
        ntrex_rows(f"2. Realistic NTREX (seed {args.seed}): "
                   + ", ".join(f"{k} {sum(len(d.src) for d in s[0])} source sentences in "
                               f"{len(s[0])} documents" for k, s in realistic.items()),
                   realistic, baseline)  # fmt: skip
    if not args.speed_only and not args.real_only:
        ntrex_rows(f"3. Perturbed NTREX (seed {args.seed}; the no-regression check)",
                   perturbed_suites(args.seed), baseline)  # fmt: skip
    if not args.no_speed and not args.real_only and not args.perturbed_only:
        if before is not None:
            speed(before, label)
        else:
            speed(baseline)


if __name__ == "__main__":
    main()
