"""Speed work on the aligner (pipeline/align.py) changes no output: its fast paths against the
straightforward code they replaced, bit for bit, on real text (NTREX, bundled), and the whole
aligner against its last commit before the speed work on the real de-fr dev article where git
and ../shared have them (bench/align_identical.py runs every bench case the same way)."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from pipeline import align
from pipeline.align import cosine, dp, features, search
from pipeline.dictionary import bundled_dictionary

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / "data" / "sample_site" / "sources"  # NTREX en/ar, line-aligned (CC BY-SA 4.0)
DEV = REPO.parent / "shared" / "data" / "align-dev" / "bleualign-eval1957"
BEFORE_SPEED = "2e37ebe"  # the aligner (align-7, branch q12) before the speed work merged into it


# The bead search as it was before its speed work (6cfce6d), kept verbatim as the reference:
# every cell's choice stored on the way forward.
def reference_dp(
    n: int,
    m: int,
    steps: dict[tuple[int, int], np.ndarray],
    nulls: dp._NullCosts,
    src_weight: np.ndarray | None = None,
    tgt_weight: np.ndarray | None = None,
) -> list[tuple[int, int, int, int]]:
    """Cheapest path through beads and runs of unaligned sentences (a run pays its opening
    once, each sentence its extension times its weight); returns beads as (i, a, j, b) starts
    and sizes, unaligned sentences one a bead."""
    src_extend = nulls.src_extend * (src_weight if src_weight is not None else np.ones(n))
    tgt_extend = nulls.tgt_extend * (tgt_weight if tgt_weight is not None else np.ones(m))
    # cost of leaving out target sentences 0..j-1, so a run k..j-1 is a difference
    tgt_cumulative = np.concatenate([[0.0], np.cumsum(tgt_extend, dtype=np.float64)])
    types = list(steps)
    inf = np.inf
    pad = max((max(t) for t in types), default=0)
    # cost with `pad` rows and columns of inf before it: every bead type's predecessor cell,
    # for all types and target ends at once, is one gather from the flat array
    padded = np.full((n + 1 + pad, m + 1 + pad), inf)
    cost = padded[pad:, pad:]
    width = m + 1 + pad
    gather = np.array([(pad - a) * width + (pad - b) for a, b in types], dtype=np.int64)
    gather = gather[:, None] + np.arange(m + 1)[None, :]
    # each type's step cost by the bead's end (i, j); inf where no bead of the type ends there
    stacked = np.full((n + 1, len(types), m + 1), inf, dtype=np.float32)
    for k, (a, b) in enumerate(types):
        table = steps[(a, b)]
        stacked[a : a + table.shape[0], k, b : b + table.shape[1]] = table
    flat = padded.ravel()
    type_ids = np.arange(len(types), dtype=np.int16)[:, None]
    run_src = np.full((n + 1, m + 1), inf)  # ending in a run of left-out source sentences
    chosen = np.full(
        (n + 1, m + 1), dp._NONE, dtype=np.int16
    )  # bead type, or dp._V, before any 0-1
    run_src_continues = np.zeros((n + 1, m + 1), dtype=bool)
    tgt_run_from = np.full((n + 1, m + 1), -1, dtype=np.int32)  # start of a 0-1 run, or -1
    for i in range(n + 1):
        base = np.full(m + 1, inf)
        pick = np.full(m + 1, dp._NONE, dtype=np.int16)
        if i == 0:
            base[0] = 0.0
        else:
            opened = cost[i - 1] + nulls.src_open + src_extend[i - 1]
            extended = run_src[i - 1] + src_extend[i - 1]
            run_src_continues[i] = extended < opened
            run_src[i] = np.minimum(opened, extended)
            pick[run_src[i] < inf] = dp._V
            if types:
                candidates = flat[gather + i * width] + stacked[i]
                k = candidates.argmin(axis=0)  # the first type at the minimum, as in order
                best = np.take_along_axis(candidates, k[None, :], axis=0)[0]
                beads_win = best < run_src[i]  # a run of left-out sources wins ties
                base = np.where(beads_win, best, run_src[i])
                pick = np.where(beads_win, type_ids[k, 0], pick)
            else:
                base = run_src[i].copy()
        # a run of target sentences left out: from base[k] to j, open + their extensions
        shifted = base - tgt_cumulative
        running = np.minimum.accumulate(shifted)
        where = np.maximum.accumulate(np.where(shifted <= running, np.arange(m + 1), 0))
        run_tgt = np.full(m + 1, inf)
        run_tgt[1:] = running[:-1] + nulls.tgt_open + tgt_cumulative[1:]
        from_tgt = run_tgt < base
        cost[i] = np.where(from_tgt, run_tgt, base)
        chosen[i] = pick
        tgt_run_from[i][1:][from_tgt[1:]] = where[:-1][from_tgt[1:]]
    beads: list[tuple[int, int, int, int]] = []
    i, j, state = n, m, "any"
    while (i, j) != (0, 0):
        if state == "any" and tgt_run_from[i, j] >= 0:
            start = int(tgt_run_from[i, j])
            beads.extend((i, 0, k, 1) for k in range(j - 1, start - 1, -1))
            j, state = start, "base"
            continue
        if state == "run_src" or (state in ("any", "base") and chosen[i, j] == dp._V):
            beads.append((i - 1, 1, j, 0))
            state = "run_src" if run_src_continues[i, j] else "any"
            i -= 1
            continue
        a, b = types[int(chosen[i, j])]
        beads.append((i - a, a, j - b, b))
        i, j, state = i - a, j - b, "any"
    beads.reverse()
    return beads


def ntrex(first: int, count: int) -> tuple[list[str], list[str]]:
    en = (SOURCES / "docs.en").read_text(encoding="utf-8").splitlines()[first : first + count]
    ar = (SOURCES / "docs.ar").read_text(encoding="utf-8").splitlines()[first : first + count]
    return en, ar


def restructured(count: int = 160) -> align.Document:
    """English NTREX against its Arabic with sentences dropped (runs and single ones), two
    pairs merged and one sentence split at a comma: every kind of bead and null run. The
    source's translation (src_mt) is its own professional Arabic, line by line."""
    en, ar = ntrex(40, count)
    tgt: list[str] = []
    for k, line in enumerate(ar):
        if k in (7, 8, 9, 31, 77):
            continue  # left out of the translation
        if k in (15, 50) and tgt:
            tgt[-1] = f"{tgt[-1]} {line}"  # merged into the sentence before
        elif k == 60 and "،" in line:
            cut = line.index("،") + 1
            tgt += [line[:cut], line[cut:].strip()]
        else:
            tgt.append(line)
    kept = [k for k in range(len(en)) if k not in (100, 101)]  # an added passage
    return align.Document([en[k] for k in kept], tgt, src_mt=[ar[k] for k in kept])


def cases() -> list[tuple[str, features._Features]]:
    doc = restructured()
    plain = align.Document(doc.src, doc.tgt)
    languages = {"src_language": "en", "tgt_language": "ar"}
    length_only = align.AlignParams(
        weight_mt=0, weight_lexicon=0, weight_anchor=0, weight_position=0
    )
    dictionary = bundled_dictionary("en", "ar")
    return [
        (
            "dictionary",
            features._Features(plain, align.NO_TRANSLATION_PARAMS, dictionary, **languages),
        ),
        ("lengths only", features._Features(plain, length_only, None, **languages)),
        ("translation", features._Features(doc, align.TRANSLATION_PARAMS, None, **languages)),
    ]


@pytest.mark.parametrize("rate", [None, 0.005, 0.03, 0.3])
def test_the_bead_search_finds_the_reference_path(rate: float | None) -> None:
    """The search that keeps costs only, and asks again which choice made a cell on the way
    back, returns the path the search that stored every choice returned: bead for bead, for
    each signal, null price and window (the whole document, and a window inside it)."""
    kinds: set[tuple[int, int]] = set()
    for name, window_features in cases():
        n, m = len(window_features.doc.src), len(window_features.doc.tgt)
        for i0, i1, j0, j1 in ((0, n, 0, m), (20, 90, 18, 95)):
            scores = window_features.scores(i0, i1, j0, j1)
            steps = search._steps(scores, window_features.params)
            weights = search._null_weights(scores, window_features.params)
            nulls = dp._null_costs(window_features.params, rate)
            expected = reference_dp(i1 - i0, j1 - j0, steps, nulls, *weights)
            assert dp._dp(i1 - i0, j1 - j0, steps, nulls, *weights) == expected, name
            if i0 == 0:
                kinds |= {(a, b) for _, a, _, b in expected}
    if rate in (None, 0.03):  # every kind of bead was on a path (dear nulls make fewer)
        assert {(1, 0), (0, 1), (1, 1), (1, 2), (2, 1)} <= kinds


def test_the_bead_search_on_edge_shapes() -> None:
    """Empty sides, one sentence, and no bead types at all (every sentence unaligned)."""
    nulls = dp._NullCosts(0.8, 0.25, 0.8, 0.25)
    for n, m in ((0, 0), (0, 3), (3, 0), (1, 1), (2, 5)):
        steps = {(1, 1): np.zeros((max(n, 0), max(m, 0)), dtype=np.float32)} if n and m else {}
        assert dp._dp(n, m, steps, nulls) == reference_dp(n, m, steps, nulls)
    rng = np.random.default_rng(3)
    steps = {
        t: rng.random((9 - t[0] + 1, 7 - t[1] + 1), dtype=np.float32) for t in align.BEAD_TYPES
    }
    assert dp._dp(9, 7, steps, nulls) == reference_dp(9, 7, steps, nulls)


def test_columns_and_sums_as_numpy_makes_them() -> None:
    """The n-gram columns from one stable sort are np.unique's; cumulative sums a row at a time
    are np.cumsum's, bit for bit; the division fixed up after is the masked one."""
    en, ar = ntrex(0, 120)
    _, keys = cosine._ngram_keys(en + ar, (1, 2, 3, 4))
    assert np.array_equal(cosine._ranks(keys), np.unique(keys, return_inverse=True)[1].ravel())
    x, y = cosine._ngram_pair(en, ar, (1, 2, 3, 4))
    dots = np.asarray((x @ y.T).todense(), dtype=np.float32)
    for values in (dots, dots.T):
        out = np.empty_like(values)
        cosine._cumsum_rows(values, out)
        assert out.tobytes() == values.cumsum(axis=0).tobytes()
    den = np.outer(np.arange(len(en)) % 7, np.arange(len(ar)) % 5).astype(np.float32)
    masked = np.divide(dots, den, out=np.zeros_like(dots), where=den > 0)
    assert cosine._divide(dots, den).tobytes() == masked.tobytes()


def _before_speed(folder: Path) -> ModuleType:
    """The aligner at BEFORE_SPEED, from git; skips where it cannot be had or scores otherwise."""
    try:
        source = subprocess.run(
            ["git", "show", f"{BEFORE_SPEED}:pipeline/align.py"],
            cwd=REPO, capture_output=True, text=True, timeout=30, check=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        pytest.skip(f"git or commit {BEFORE_SPEED} not here (a shallow clone)")
    if 'ALIGNER_VERSION = "align-7"' not in source:
        pytest.skip(f"{BEFORE_SPEED} is not align-7 (the commit moved)")
    path = folder / "align_before_speed.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("align_before_speed", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_real_article_aligns_as_before_the_speed_work(tmp_path: Path) -> None:
    """Bleualign's de-fr dev article (real translation, aligned by hand) as `bitext align-files`
    aligns it, with MT both ways and without: the same beads, flags and scores as before, once
    align-8's two changes (the unsupported-bead penalty and the weakest-part cap's lift by the
    document's evidence) are unset, and align-9's two fixes of the length-only search (Gale-Church's
    variance in the target's units; 1-3 and 3-1 beads where lengths alone speak)."""
    if not DEV.exists():
        pytest.skip("../shared/data/align-dev absent")
    before = _before_speed(tmp_path)
    lines = {p.name: p.read_text(encoding="utf-8").splitlines() for p in DEV.glob("eval1957.*")}
    src, tgt = lines["eval1957.de"], lines["eval1957.fr"]
    for src_mt, tgt_mt in ((lines["eval1957.google.fr"], lines["eval1957.google.de"]),
                           (None, None)):  # fmt: skip
        outputs = []
        as_align_8 = {
            "length_in_target_units": False,
            "length_only_types": ((1, 1), (1, 2), (2, 1), (2, 2)),
        }
        as_align_7 = dataclasses.replace(
            align.TRANSLATION_PARAMS,
            unsupported_rate=(0.0, 0.0),
            unsupported_match=(0.0, 0.0),
            cap_lift_fit=0.0,
            **as_align_8,
        )
        no_lift = dataclasses.replace(align.NO_TRANSLATION_PARAMS, cap_lift_fit=0.0, **as_align_8)
        for module, params in ((before, None), (align, as_align_7 if src_mt else no_lift)):
            doc = module.Document(src, tgt, src_mt=src_mt, tgt_mt=tgt_mt)
            (result,) = module.align_corpus(
                [doc], src_language="de", tgt_language="fr", supplied=src_mt is not None,
                diff=False, params=params,
            )  # fmt: skip
            outputs.append(
                [json.dumps(b.model_dump(mode="json")) for b in result.beads] + [result.mode]
            )
        assert outputs[0] == outputs[1]
        assert len(outputs[1]) > 400
