"""Where the aligner misses on the real dev sets, and which signal said what: error analysis.

    python bench/align_errors.py [SET ...] [--regions N] [--commit REV]

SET: mac-mt, mac-no (MAC-Dev's six literary zh-en chapters with Google MT / without), defr-europarl,
defr-google, defr-no (Bleualign's de-fr article with MT both ways / without); all by default.
Each runs as bench/align.py runs "ours + encoder" (align_corpus, the encoder on).

Prints, per set:
  - each region where the chosen path and the gold differ (cut at the boundaries both paths
    share), the first N in full: every bead of both paths with its score in the search and the
    parts it is made of (the encoder's span cosine, its neighbours' margin, the translation's
    n-gram cosine, the length fit log2(1 + shorter / longer) at the document's ratio);
  - the regions by kind (the chosen path's bead types against the gold's): more beads than the
    gold (a split), fewer (a merge), as many (a boundary one sentence off);
  - for each signal alone, in how many regions it favours the gold path over the chosen one
    (summed over the region's beads; the chosen path wins every region on the search's score);
  - the omitted/added flags, right or wrong, with the gold bead the sentence is in.
With --commit REV the aligner at that commit (bench/git_aligner.py) chooses the paths instead.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ (run from anywhere)

from align import DEV, REPO, Gold, dev_gold, encoder, mac_dev
from git_aligner import load_aligner

import pipeline.align.corpus as corpus
from pipeline.align import Document, align_corpus
from pipeline.align.cosine import _corrected
from pipeline.align.features import _Features

Bead = tuple[tuple[int, ...], tuple[int, ...]]
SIGNALS = ("encoder cosine", "encoder - margin", "translation", "length fit", "search score")


def suites() -> dict[str, Callable[[], tuple[list[Document], list[Gold], tuple[str, str]]]]:
    def mac(with_mt: bool) -> tuple[list[Document], list[Gold], tuple[str, str]]:
        found = mac_dev()
        if found is None:
            raise SystemExit("../shared/data/align-dev/mac-dev is not here")
        return (found[0] if with_mt else found[1]), found[2], ("zh", "en")

    def defr(mt: str | None) -> tuple[list[Document], list[Gold], tuple[str, str]]:
        if not DEV.exists():
            raise SystemExit("../shared/data/align-dev/bleualign-eval1957 is not here")
        lines = {p.name: p.read_text(encoding="utf-8").splitlines() for p in DEV.glob("eval1957.*")}
        doc = Document(
            lines["eval1957.de"],
            lines["eval1957.fr"],
            src_mt=lines[f"eval1957.{mt}.fr"] if mt else None,
            tgt_mt=lines[f"eval1957.{mt}.de"] if mt else None,
        )
        return [doc], [dev_gold()], ("de", "fr")

    return {
        "mac-mt": lambda: mac(True),
        "mac-no": lambda: mac(False),
        "defr-europarl": lambda: defr("europarlfull"),
        "defr-google": lambda: defr("google"),
        "defr-no": lambda: defr(None),
    }


def regions(
    chosen: Sequence[Bead], gold: Sequence[Bead]
) -> Iterator[tuple[list[Bead], list[Bead]]]:
    """The stretches where the two paths differ, cut at the (source, target) boundaries both
    have. Gold beads that are not contiguous or cross (the de-fr article has a few) make their
    stretch run on to the next boundary both share."""

    def ends(path: Sequence[Bead]) -> dict[tuple[int, int], int]:
        """(i, j) after bead k where beads 0..k reach sentences < i and targets < j, and the
        later beads none of those (a sentence the gold leaves out of every bead is no matter)."""
        out: dict[tuple[int, int], int] = {}
        low = [[10**9, 10**9] for _ in range(len(path) + 1)]  # the least index from bead k on
        for k in range(len(path) - 1, -1, -1):
            low[k] = [min([low[k + 1][side], *path[k][side]]) for side in (0, 1)]
        high = [-1, -1]
        for k, bead in enumerate(path):
            high = [max([high[side], *bead[side]]) for side in (0, 1)]
            if high[0] < low[k + 1][0] and high[1] < low[k + 1][1]:
                out[(high[0] + 1, high[1] + 1)] = k
        return out

    mine, theirs = ends(chosen), ends(gold)
    p = g = 0
    for boundary in sorted(set(mine) & set(theirs)):
        p_end, g_end = mine[boundary] + 1, theirs[boundary] + 1
        if list(chosen[p:p_end]) != list(gold[g:g_end]):
            yield list(chosen[p:p_end]), list(gold[g:g_end])
        p, g = p_end, g_end


class Parts:
    """A document's signals for any bead, as the search saw them (its features, whole)."""

    def __init__(self, features: _Features) -> None:
        self.features = features
        n, m = len(features.doc.src), len(features.doc.tgt)
        self.scores = features.scores(0, n, 0, m)
        self.encoder = features.encoder.window(0, n, 0, m) if features.encoder else None
        self.mt = [x.window(0, n, 0, m) for x in features.mt]

    def of(self, bead: Bead) -> dict[str, float] | None:
        """The bead's signals; None where its type is not searched (or it is not contiguous)."""
        (src, tgt), f = bead, self.features
        a, b = len(src), len(tgt)
        if (
            (a, b) not in self.scores.combined
            or src[-1] - src[0] != a - 1
            or tgt[-1] - tgt[0] != b - 1
        ):
            return None
        i, j = src[0], tgt[0]
        out = {"search score": float(self.scores.combined[(a, b)][i, j])}
        if self.encoder is not None:
            cosine = float(self.encoder.cosine(a, b)[i, j])
            out["encoder cosine"] = cosine
            out["encoder - margin"] = cosine - float(self.encoder.margin(a, b)[i, j])
        if self.mt:
            hub = f.params.hubness
            out["translation"] = float(
                np.mean([_corrected(x.cosine(a, b), hub)[i, j] for x in self.mt])
            )
        ls = (f.src_len[i : i + a].sum() + a - 1) * f.ratio
        lt = f.tgt_len[j : j + b].sum() + b - 1
        out["length fit"] = float(np.log2(1 + min(ls, lt) / max(ls, lt, 1)))
        return out


def kind(chosen: list[Bead], gold: list[Bead]) -> str:
    aligned = [sum(1 for s, t in path if s and t) for path in (chosen, gold)]
    if aligned[0] > aligned[1]:
        return "split (more beads than the gold)"
    if aligned[0] < aligned[1]:
        return "merge (fewer beads than the gold)"
    return "boundary off (as many beads)"


def show(path: list[Bead], parts: Parts, label: str) -> None:
    for bead in path:
        found = parts.of(bead) if bead[0] and bead[1] else None
        where = f"{list(bead[0])}:{list(bead[1])}"
        if not bead[0] or not bead[1]:
            print(f"    {label} {where} unaligned")
        elif found is None:
            print(f"    {label} {where} (a bead type not searched)")
        else:
            print(f"    {label} {where} " + " ".join(f"{k}={v:.3f}" for k, v in found.items()))


def analyse(name: str, aligner: Any, shown: int) -> None:
    docs, golds, (src_language, tgt_language) = suites()[name]()
    captured: list[_Features] = []
    aligned = corpus._aligned

    def capture(features: _Features, *args: Any, **kwargs: Any) -> Any:
        captured.append(features)
        return aligned(features, *args, **kwargs)

    corpus._aligned = capture  # the features each document was searched with
    try:
        alignments = aligner(
            docs, src_language=src_language, tgt_language=tgt_language, supplied=True,
            diff=False, encoder=encoder(),
        )  # fmt: skip
    finally:
        corpus._aligned = aligned
    kinds: Counter[str] = Counter()
    types: Counter[str] = Counter()
    favours = {s: [0, 0] for s in SIGNALS}  # regions where the signal favours gold / chosen
    count = 0
    print(f"\n## {name}\n")
    for d, (alignment, gold) in enumerate(zip(alignments, golds, strict=True)):
        chosen = [(tuple(b.src), tuple(b.tgt)) for b in alignment.beads]
        parts = Parts(captured[d]) if len(captured) == len(docs) else None
        for mine, theirs in regions(chosen, gold):
            kinds[kind(mine, theirs)] += 1
            shape = [sorted(f"{len(s)}-{len(t)}" for s, t in p) for p in (mine, theirs)]
            if max(len(mine), len(theirs)) <= 4:
                types[f"{' + '.join(shape[0])}  instead of  {' + '.join(shape[1])}"] += 1
            if parts is None:
                continue
            if count < shown:
                print(f"  document {d}: chosen {mine}\n              gold   {theirs}")
                show(mine, parts, "chosen")
                show(theirs, parts, "gold  ")
            count += 1
            sums = []
            for path in (mine, theirs):
                found = [parts.of(b) for b in path if b[0] and b[1]]
                if any(x is None for x in found):
                    break
                sums.append({s: sum(x.get(s, 0.0) for x in found if x) for s in SIGNALS})
            if len(sums) == 2:
                for s in SIGNALS:
                    if sums[1][s] != sums[0][s]:
                        favours[s][0 if sums[1][s] > sums[0][s] else 1] += 1
        right = flagged = 0
        src_null = {i for s, t in gold if not t for i in s}
        tgt_null = {j for s, t in gold if not s for j in t}
        home = {("s", i): bead for bead in gold for i in bead[0]}
        home.update({("t", j): bead for bead in gold for j in bead[1]})
        for b in alignment.beads:
            if "omitted" in b.flags or "added" in b.flags:
                ok = (not b.tgt and b.src[0] in src_null) or (not b.src and b.tgt[0] in tgt_null)
                flagged, right = flagged + 1, right + ok
                key = ("s", b.src[0]) if b.src else ("t", b.tgt[0])
                print(f"  flag {'right' if ok else 'WRONG'}: document {d} {b.src}:{b.tgt} "
                      f"{b.flags} (gold bead {home.get(key)})")  # fmt: skip
    print(
        f"\n  regions: {sum(kinds.values())}; "
        + ", ".join(f"{k}: {v}" for k, v in kinds.most_common())
    )
    print("  most common: " + "; ".join(f"{k} ({v})" for k, v in types.most_common(6)))
    print("  each signal alone favours the gold / the chosen path (regions):")
    for s, (gold_wins, chosen_wins) in favours.items():
        if gold_wins or chosen_wins:
            print(f"    {s}: {gold_wins} / {chosen_wins}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", default=list(suites()))
    parser.add_argument("--regions", type=int, default=20, help="regions shown in full, per set")
    parser.add_argument("--commit", help="the aligner at this commit chooses the paths")
    args = parser.parse_args()
    aligner: Any = align_corpus
    if args.commit:
        module = load_aligner(REPO, args.commit, "align_at_commit")
        if module is None:
            raise SystemExit(f"no aligner at {args.commit}")
        # its own corpus module chose the paths: its features are its own, not shown
        aligner = module.align_corpus
    for name in args.sets:
        analyse(name, aligner, args.regions)


if __name__ == "__main__":
    main()
