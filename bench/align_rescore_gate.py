"""Issue 23 experiment: the model's rescoring between aligned beads (_rescored_pairs) scoring
only the cuts whose span cosines come within `close` of the chosen cut's, on MAC-Dev with the
supplied Google MT and the real zh->en package: F1 and pairs scored for each `close`, the one
shipped (AlignParams.rescore_close) beside every cut in the same run, CPU and wall time of both
from a fresh cache, and `close` chosen leave-one-chapter-out (best five-chapter F1, ties to
fewer pairs). (A gate on the beads' search scores was tried first and dropped: it kept the gain
only at 2,500 of 3,050 pairs.)

    python bench/align_rescore_gate.py
"""

from __future__ import annotations

import math
import pickle
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import align as bench
from align_rescore_pairs import CAPTURED, capture, counts, memo_scorer, strict

import pipeline.align.corpus as corpus
from pipeline.align import align_corpus
from pipeline.align.params import AlignParams
from pipeline.align.rescore import _rescored_pairs

MARGIN = 6.0
FAST = "--fast" in sys.argv  # model scores from the last full run's MEMO: no CPU measured
MEMO = "/tmp/rescore-gate-memo.pickle"


def main() -> None:
    from pipeline.argos import install_package
    from pipeline.translate import Engine

    work = Path(tempfile.mkdtemp(prefix="rescore-gate-"))
    install_package(bench.PACKAGE, work)
    step = Engine("zh", "en", packages_dir=work).steps[0]
    memo: dict[tuple[str, str, bool], float] = {}
    if FAST:
        memo.update(pickle.loads(Path(MEMO).read_bytes()))
    asked: set[tuple[str, str, bool]] = set()
    scorer = memo_scorer(step, memo, asked)
    corpus._rescored_pairs = capture  # type: ignore[assignment]
    with_mt, _, golds = bench.mac_dev()  # type: ignore[misc]
    align_corpus(
        with_mt, supplied=True, encoder=bench.encoder(), scorer=scorer, diff=False,
        src_language="zh", tgt_language="en",
    )  # fmt: skip
    paths = [p for p, _ in CAPTURED]
    feats = [f for _, f in CAPTURED]
    print(f"baseline (no pair rescoring): {strict(counts(paths, golds)):.4f}")

    def run(close: float, fresh: bool) -> tuple[list, int, float, float]:
        if fresh:
            memo.clear()
        asked.clear()
        started, wall = time.process_time(), time.perf_counter()
        out = [
            _rescored_pairs(p, f, scorer, MARGIN, close=close)
            for p, f in zip(paths, feats, strict=True)
        ]
        return out, len(asked), time.process_time() - started, time.perf_counter() - wall

    shipped = AlignParams().rescore_close
    for close in [] if FAST else [math.inf, shipped]:  # fresh cache each: the cost measured
        out, pairs, cpu, wall = run(close, True)
        print(f"fresh, close {close}: F1 {strict(counts(out, golds)):.4f}, {pairs} pairs, "
              f"CPU {cpu:.1f} s, wall {wall:.1f} s", flush=True)  # fmt: skip
    if not FAST:
        Path(MEMO).write_bytes(pickle.dumps(memo))
    closes = [0.0, 0.02, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.15, 0.2, 0.3, 0.5, math.inf]
    per: dict[float, tuple[list, int]] = {}
    for close in closes:
        out, pairs, _, _ = run(close, False)
        per[close] = (out, pairs)
        print(f"close {close}: F1 {strict(counts(out, golds)):.4f}, {pairs} pairs; per chapter "
              + " ".join(f"{strict(counts([p], [g])):.3f}" for p, g in zip(out, golds,
                                                                           strict=True)),
              flush=True)  # fmt: skip
    loo = [0] * 8
    for held in range(len(golds)):
        rest = [d for d in range(len(golds)) if d != held]

        def fit(close: float, rest: list[int] = rest) -> tuple[float, int]:
            f = strict(counts([per[close][0][d] for d in rest], [golds[d] for d in rest]))
            return round(f, 4), -per[close][1]

        best = max(closes, key=fit)
        c = counts([per[best][0][held]], [golds[held]])
        loo = [x + y for x, y in zip(loo, c, strict=True)]
        print(
            f"held out chapter {held + 1}: close {best}, "
            f"{strict(counts([per[math.inf][0][held]], [golds[held]])):.3f} (every cut) -> "
            f"{strict(c):.3f}"
        )
    print(
        f"leave-one-chapter-out pooled: every cut {strict(counts(per[math.inf][0], golds)):.4f}, "
        f"gated {strict(loo):.4f}; shipped {shipped}: {strict(counts(per[shipped][0], golds)):.4f}"
    )


if __name__ == "__main__":
    main()
