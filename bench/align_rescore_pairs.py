"""Issue 23 experiment: the translation model re-deciding the boundary BETWEEN neighbouring
aligned beads (pipeline.align.rescore._rescored_pairs), on MAC-Dev with the supplied Google MT
and the real zh->en package (today's rescoring next to unaligned sentences on in both), its
margin chosen leave-one-chapter-out; then perturbed NTREX zh-en with the package.

    python bench/align_rescore_pairs.py          # MAC-Dev
    python bench/align_rescore_pairs.py --ntrex  # perturbed NTREX zh-en (seed 1)
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import align as bench

import pipeline.align.corpus as corpus
from pipeline.align import align_corpus
from pipeline.align.params import AlignParams
from pipeline.align.rescore import _rescored_pairs
from pipeline.align.search import _Placed

MARGINS = [0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, math.inf]
CAPTURED: list = []


def memo_scorer(step, memo: dict, asked: set | None = None):  # type: ignore[no-untyped-def]
    """The package's scorer, each (source, target, total) scored once into `memo`; what is
    asked noted in `asked`."""

    def scorer(
        sources: Sequence[str], targets: Sequence[str], *, total: bool = False
    ) -> list[float]:
        keys = [(s, t, total) for s, t in zip(sources, targets, strict=True)]
        if asked is not None:
            asked.update(keys)
        todo = [k for k in keys if k not in memo]
        if todo:
            got = step.score([k[0] for k in todo], [k[1] for k in todo], total=total)
            memo.update(zip(todo, got, strict=True))
        return [memo[k] for k in keys]

    return scorer


def capture(path: list[_Placed], features, scorer, margin, **_):  # type: ignore[no-untyped-def]
    """In place of _rescored_pairs: the path after today's rescoring kept, left as it is."""
    CAPTURED.append((path, features))
    return path


def beads_of(path: list[_Placed]) -> list:
    return [(tuple(range(x.i, x.i + x.a)), tuple(range(x.j, x.j + x.b))) for x in path]


def counts(paths: list[list[_Placed]], golds: list) -> list[int]:
    sums = [0] * 8
    for path, gold in zip(paths, golds, strict=True):
        for k, v in enumerate(bench.bleualign_counts(beads_of(path), gold)):
            sums[k] += v
    return sums


def strict(c: list[int]) -> float:
    return bench.f1(c[0] / max(c[0] + c[1], 1), c[4] / max(c[4] + c[5], 1))


def main() -> None:
    from pipeline.argos import install_package
    from pipeline.translate import Engine

    work = Path(tempfile.mkdtemp(prefix="rescore-pairs-"))
    install_package(bench.PACKAGE, work)
    step = Engine("zh", "en", packages_dir=work).steps[0]
    memo: dict[tuple[str, str, bool], float] = {}
    scorer = memo_scorer(step, memo)
    corpus._rescored_pairs = capture  # type: ignore[assignment]
    use = bench.encoder()
    zh_en = {"src_language": "zh", "tgt_language": "en"}
    if "--ntrex" in sys.argv:  # beads as align_corpus gives them (boilerplate lines put back)
        docs, golds = bench.perturbed_suites(1)["zh-en"]

        def f1_of(alignments: list) -> str:
            sums = [0] * 8
            for alignment, gold in zip(alignments, golds, strict=True):
                beads = [(tuple(b.src), tuple(b.tgt)) for b in alignment.beads]
                sums = [
                    x + y for x, y in zip(sums, bench.bleualign_counts(beads, gold), strict=True)
                ]
            return f"{strict(sums):.4f}"

        for label, enc in (("no encoder", None), ("encoder", use)):
            corpus._rescored_pairs = capture  # type: ignore[assignment]
            before = f1_of(align_corpus(docs, scorer=scorer, encoder=enc, diff=False, **zh_en))
            corpus._rescored_pairs = _rescored_pairs
            after = f1_of(align_corpus(docs, scorer=scorer, encoder=enc, diff=False, **zh_en))
            print(
                f"perturbed NTREX zh-en with the package, {label}: strict F1 {before} -> "
                f"{after} (margin {AlignParams().rescore_move})",
                flush=True,
            )
        return
    with_mt, _, golds = bench.mac_dev()  # type: ignore[misc]
    align_corpus(with_mt, supplied=True, encoder=use, scorer=scorer, diff=False, **zh_en)
    paths = [p for p, _ in CAPTURED]
    feats = [f for _, f in CAPTURED]
    print(
        f"baseline (today's rescoring): {strict(counts(paths, golds)):.4f}; per chapter "
        + " ".join(f"{strict(counts([p], [g])):.3f}" for p, g in zip(paths, golds, strict=True))
    )
    before = len(memo)
    started = time.process_time()
    default = [_rescored_pairs(p, f, scorer, 6.0) for p, f in zip(paths, feats, strict=True)]
    print(
        f"the new rescoring, 6 chapters, margin 6: CPU {time.process_time() - started:.1f} s, "
        f"{len(memo) - before} bead pairs scored"
    )
    per_margin = {
        m: [_rescored_pairs(p, f, scorer, m) for p, f in zip(paths, feats, strict=True)]
        for m in MARGINS
    }
    assert beads_of(per_margin[6.0][0]) == beads_of(default[0])
    for m in MARGINS:
        print(
            f"margin {m}: {strict(counts(per_margin[m], golds)):.4f}; per chapter "
            + " ".join(
                f"{strict(counts([p], [g])):.3f}" for p, g in zip(per_margin[m], golds, strict=True)
            )
        )
    loo = [0] * 8
    for held in range(len(golds)):
        rest = [d for d in range(len(golds)) if d != held]
        best = max(
            MARGINS,
            key=lambda m: (
                strict(counts([per_margin[m][d] for d in rest], [golds[d] for d in rest])),
                m,
            ),
        )
        c = counts([per_margin[best][held]], [golds[held]])
        loo = [x + y for x, y in zip(loo, c, strict=True)]
        print(
            f"held out chapter {held + 1}: margin {best} (fit on the other 5), "
            f"{strict(counts([paths[held]], [golds[held]])):.3f} -> {strict(c):.3f}"
        )
    print(f"leave-one-chapter-out: {strict(counts(paths, golds)):.4f} -> {strict(loo):.4f}")


if __name__ == "__main__":
    main()
