"""Translation speed and fidelity on real weights: real Chinese sentences, zh->en.

    python bench/translate.py [--sentences 1024] [--argos 200] [--batch-size 32] [--repeat 2]

In one process, on the real Argos package in ../shared/models, on NTREX `docs.zh` (603 lines)
and then MAC-Dev's six novel chapters:

- our engine through `translate_cached` (the store's path: `bitext translate` hands it 2,048
  sentences at a time; decoded in calls of 512, sorted by token count in "exact" batching) with
  each batching: "exact" (batches of one token count: no padding) and "padded" (CTranslate2's
  own length-sorted, padded batches);
- the same, one call per 25 sentences (an article: the crawl's path);
- argostranslate's `translate()`, one sentence at a time, on the first --argos sentences (its
  Stanza splitter bypassed: it downloads at run time);
- a bare `ctranslate2.Translator.translate_batch` on the same tokens with the same options;
- our engine again through the store cache (every sentence a hit).

Rounds are interleaved (--repeat); the best wall time and CPU time of each row are printed
(the machine may be shared: CPU time is the steadier). Then how many of the first --argos
sentences each way translates exactly as argostranslate does, every difference shown.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PACKAGE = REPO.parent / "shared" / "models" / "translate-zh_en.argosmodel"
ZH = REPO.parent / "shared" / "data" / "ntrex-en-ar" / "docs.zh"
MORE_ZH = sorted((REPO.parent / "shared" / "data" / "align-dev" / "mac-dev" / "zh").glob("00?"))
ARTICLE = 25  # sentences per call on the crawl's path


def timed(run: Callable[[], list[str]]) -> tuple[list[str], float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = run()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=1024)
    parser.add_argument("--argos", type=int, default=200, help="sentences for argostranslate")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    if not PACKAGE.exists():
        raise SystemExit(f"needs {PACKAGE} (../shared)")
    work = Path(tempfile.mkdtemp(prefix="bench-translate-"))
    os.environ["ARGOS_PACKAGES_DIR"] = str(work / "packages")  # before argostranslate imports

    from pipeline.argos import install_package
    from pipeline.store import open_store
    from pipeline.translate import (
        BEAM_SIZE,
        LENGTH_PENALTY,
        Engine,
        EngineSettings,
        translate_cached,
    )

    install_package(PACKAGE, work / "packages")
    lines = ZH.read_text(encoding="utf-8").splitlines()
    lines += [line for f in MORE_ZH for line in f.read_text(encoding="utf-8").splitlines()]
    sentences = [s.strip() for s in lines if s.strip()][: args.sentences]
    n, n_argos = len(sentences), min(args.argos, len(sentences))
    engines = {
        batching: Engine(
            "zh", "en", settings=EngineSettings(batch_size=args.batch_size, batching=batching)
        )
        for batching in ("exact", "padded")
    }
    for engine in engines.values():
        engine.translate(sentences[:2])  # load the model outside the timing

    def store_path(engine: Engine) -> Callable[[], list[str]]:
        def run() -> list[str]:
            cache: dict[str, str] = {}
            out: list[str] = []
            for start in range(0, n, 2048):  # as `bitext translate` reads the store
                out += translate_cached(
                    engine,
                    sentences[start : start + 2048],
                    lookup=lambda _key, keys: {k: cache[k] for k in keys if k in cache},
                    save=lambda _key, new: cache.update(new),
                )
            return out

        return run

    def article_path(engine: Engine) -> Callable[[], list[str]]:
        def run() -> list[str]:
            out: list[str] = []
            for start in range(0, n, ARTICLE):
                out += engine.translate(sentences[start : start + ARTICLE])
            return out

        return run

    step = engines["exact"].steps[0]
    tokens = step.tokenize(sentences)

    def bare() -> list[str]:
        results = step._translator.translate_batch(
            tokens,
            replace_unknowns=True,
            max_batch_size=args.batch_size,
            beam_size=BEAM_SIZE,
            num_hypotheses=1,
            length_penalty=LENGTH_PENALTY,
        )
        return [step.decode(r.hypotheses[0]) for r in results]

    runs: dict[str, tuple[int, Callable[[], list[str]]]] = {
        "ours, exact batching, store path (calls of 512)": (n, store_path(engines["exact"])),
        "ours, padded batching, store path (calls of 512)": (n, store_path(engines["padded"])),
        f"ours, exact batching, calls of {ARTICLE} (an article)": (
            n,
            article_path(engines["exact"]),
        ),
        f"ours, padded batching, calls of {ARTICLE} (an article)": (
            n,
            article_path(engines["padded"]),
        ),
        "bare ctranslate2 translate_batch, same tokens, one call": (n, bare),
    }

    import argostranslate.translate

    translation = argostranslate.translate.get_translation_from_codes("zh", "en")
    inner = getattr(translation, "underlying", translation)

    class WholeInput:
        def split_sentences(self, text: str) -> list[str]:
            return [text]

    inner.sentencizer = WholeInput()
    translation.translate(sentences[0])  # load
    runs["argostranslate translate(), one at a time"] = (
        n_argos,
        lambda: [translation.translate(s) for s in sentences[:n_argos]],
    )

    best: dict[str, tuple[float, float]] = {}
    outputs: dict[str, list[str]] = {}
    for round_ in range(args.repeat):
        names = list(runs) if round_ % 2 == 0 else list(reversed(runs))
        for name in names:
            out, wall, cpu = timed(runs[name][1])
            if name in outputs:
                assert out == outputs[name], f"{name}: a second run gave other translations"
            outputs[name] = out
            old = best.get(name, (float("inf"), float("inf")))
            best[name] = (min(old[0], wall), min(old[1], cpu))
            print(f"  round {round_ + 1}: {name}: {wall:.1f} s, CPU {cpu:.1f} s", file=sys.stderr)

    store = open_store(work / "cache.sqlite")
    exact = engines["exact"]
    translate_cached(
        exact, sentences, lookup=store.cached_translations, save=store.save_translations
    )
    cached, wall, cpu = timed(
        lambda: translate_cached(
            exact, sentences, lookup=store.cached_translations, save=store.save_translations
        )
    )
    assert cached == outputs["ours, exact batching, store path (calls of 512)"]
    best["ours, second run (cache hits)"] = (wall, cpu)
    runs["ours, second run (cache hits)"] = (n, lambda: cached)

    print(
        f"\n{n} real Chinese sentences (NTREX, then MAC-Dev), zh->en, batch size "
        f"{args.batch_size}, {os.cpu_count()} CPUs, best of {args.repeat} interleaved rounds\n"
    )
    print("| system | sentences | seconds | CPU seconds | sentences/s | CPU ms/sentence |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, (wall, cpu) in best.items():
        count = runs[name][0]
        print(
            f"| {name} | {count} | {wall:.2f} | {cpu:.2f} | {count / max(wall, 1e-9):.1f} | "
            f"{1000 * cpu / count:.1f} |"
        )
    argos_name = "argostranslate translate(), one at a time"
    argos_cpu = best[argos_name][1] / n_argos
    print("\nCPU per sentence, argostranslate / ours (target >= 5x):")
    for name in runs:
        if name.startswith("ours") and "cache" not in name:
            print(f"- {name}: {argos_cpu / (best[name][1] / n):.1f}x")
    theirs = outputs[argos_name]
    for name in runs:
        if not name.startswith(("ours", "bare")) or "cache" in name:
            continue
        ours = outputs[name][:n_argos]
        same = sum(a == b for a, b in zip(ours, theirs, strict=True))
        print(f"\n{name}: identical to argostranslate {same}/{n_argos}")
        for a, b, src in zip(ours, theirs, sentences, strict=False):
            if a != b:
                print(f"  differs: {src}\n    ours:  {a}\n    argos: {b}")
    print(f"\npeak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
