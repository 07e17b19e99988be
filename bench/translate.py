"""Translation speed and fidelity on real weights: 200 NTREX Chinese sentences, zh->en.

    python bench/translate.py [--sentences 200] [--batch-size 32]

In one run, on the real Argos package in ../shared/models: (1) our engine (batched across
sentences); (2) argostranslate's `translate()` one sentence at a time, its Stanza sentence
splitter bypassed (it downloads at run time) so it runs offline; (3) a bare
`ctranslate2.Translator.translate_batch` on the same tokens with the same options; (4) our engine
again through the store cache (every sentence a hit). Prints sentences/s, the share of outputs
identical to argostranslate's (and every difference), and peak RSS.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PACKAGE = REPO.parent / "shared" / "models" / "translate-zh_en.argosmodel"
ZH = REPO.parent / "shared" / "data" / "ntrex-en-ar" / "docs.zh"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=32)
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
    sentences = [s.strip() for s in ZH.read_text(encoding="utf-8").splitlines()][: args.sentences]
    rows = []

    engine = Engine("zh", "en", settings=EngineSettings(batch_size=args.batch_size))
    engine.translate(sentences[:2])  # load the model outside the timing
    start = time.perf_counter()
    ours = engine.translate(sentences)
    rows.append(("ours (batched, our segmentation)", time.perf_counter() - start))

    import argostranslate.translate

    translation = argostranslate.translate.get_translation_from_codes("zh", "en")
    inner = getattr(translation, "underlying", translation)

    class WholeInput:
        def split_sentences(self, text: str) -> list[str]:
            return [text]

    inner.sentencizer = WholeInput()
    translation.translate(sentences[0])  # load
    start = time.perf_counter()
    theirs = [translation.translate(s) for s in sentences]
    rows.append(("argostranslate translate(), one at a time", time.perf_counter() - start))

    step = engine.steps[0]
    tokens = step.tokenize(sentences)
    start = time.perf_counter()
    step._translator.translate_batch(
        tokens,
        replace_unknowns=True,
        max_batch_size=args.batch_size,
        beam_size=BEAM_SIZE,
        num_hypotheses=1,
        length_penalty=LENGTH_PENALTY,
    )
    rows.append(("bare ctranslate2 translate_batch, same tokens", time.perf_counter() - start))

    store = open_store(work / "cache.sqlite")
    translate_cached(
        engine, sentences, lookup=store.cached_translations, save=store.save_translations
    )
    start = time.perf_counter()
    cached = translate_cached(
        engine, sentences, lookup=store.cached_translations, save=store.save_translations
    )
    rows.append(("ours, second run (cache hits)", time.perf_counter() - start))
    assert cached == ours

    n = len(sentences)
    rates = {name: n / seconds for name, seconds in rows}
    print(
        f"\n{n} sentences of NTREX docs.zh, zh->en, batch size {args.batch_size}, "
        f"{os.cpu_count()} CPUs\n"
    )
    print("| system | seconds | sentences/s |")
    print("|---|---:|---:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} | {n / seconds:.1f} |")
    same = sum(a == b for a, b in zip(ours, theirs, strict=True))
    ours_rate = rates["ours (batched, our segmentation)"]
    argos_rate = rates["argostranslate translate(), one at a time"]
    bare_rate = rates["bare ctranslate2 translate_batch, same tokens"]
    print(f"\nours / argostranslate: {ours_rate / argos_rate:.1f}x (target >= 5x)")
    print(f"ours / bare ctranslate2: {ours_rate / bare_rate:.2f}x (target >= 0.9x)")
    print(
        f"cache hit run: {rates['ours, second run (cache hits)'] / ours_rate:.0f}x faster "
        "(target >= 100x)"
    )
    print(f"identical to argostranslate: {same}/{n} = {100 * same / n:.1f}% (target >= 99%)")
    for a, b, src in zip(ours, theirs, sentences, strict=True):
        if a != b:
            print(f"  differs: {src}\n    ours:  {a}\n    argos: {b}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
