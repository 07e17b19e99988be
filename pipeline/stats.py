"""`bitext stats`: the store's counts (`--json`: one JSON object, for scripts and comparisons), the
translation still pending by direction, and what is not paired or failed, by reason."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pipeline.store.interface import CorpusReader


def pending_sentences(corpus: CorpusReader) -> dict[str, dict[str, Any]]:
    """Per direction: distinct sentences of paired clean texts, how many the engine that would
    translate them has done, and that engine (None: no package installed, all pending)."""
    from pipeline.argos import find_route, installed_packages
    from pipeline.stages.sides import store_directions
    from pipeline.stages.translate import paired_sentences, untranslated
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


@dataclass
class Breakdown:
    """What is not paired or failed, by reason: unpaired articles, crawl errors, and stages
    that failed for stored pairs (to be run again)."""

    unpaired: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    failed_stages: Counter[tuple[str, str, str]] = field(default_factory=Counter)


def breakdown(corpus: CorpusReader) -> Breakdown:
    return Breakdown(
        unpaired=Counter(p.reason.value for p in corpus.iter_pairs() if p.reason),
        errors=Counter(e.kind.value for e in corpus.errors()),
        failed_stages=Counter(
            (f.stage.value, f.scope, f.reason) for _, _, f in corpus.stage_failures()
        ),
    )
