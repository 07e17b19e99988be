"""`bitext stats --json`: the store's counts as one JSON object (for scripts and comparisons)."""

from __future__ import annotations

from typing import Any

from pipeline.corpus import CorpusReader


def pending_sentences(corpus: CorpusReader) -> dict[str, dict[str, Any]]:
    """Per direction: distinct sentences of paired clean texts, how many the engine that would
    translate them has done, and that engine (None: no package installed, all pending)."""
    from pipeline.argos import find_route, installed_packages
    from pipeline.stages import paired_sentences, store_directions, untranslated
    from pipeline.translate import Engine

    packages = installed_packages()
    out: dict[str, dict[str, Any]] = {}
    for source, target in store_directions(corpus.iter_pairs()):
        sentences = paired_sentences(corpus, source)
        engine = Engine(source, target).key if find_route(source, target, packages) else None
        done = (
            len(sentences) - len(untranslated(engine, sentences, corpus.cached_translations))
            if engine
            else 0
        )
        out[f"{source}-{target}"] = {"sentences": len(sentences), "done": done, "engine": engine}
    return out


def corpus_stats(corpus: CorpusReader) -> dict[str, Any]:
    counts = corpus.counts()
    directions = pending_sentences(corpus)
    return {
        "pairs": counts["pairs"],
        "unpaired": counts["unpaired"],
        "crawl_errors": counts["errors"],
        "versions": counts["versions"],
        "texts": counts["texts"],
        "translations_pending": sum(d["sentences"] - d["done"] for d in directions.values()),
        "translations": counts["translations"],
        "alignments": counts["alignments"],
        "articles": counts["articles"],
        **{k: v for k, v in counts.items() if k.startswith("articles_")},
        "captures": counts["captures"],
        "crawls": counts["crawls"],
        "translation": directions,
    }
