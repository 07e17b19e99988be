"""What the store holds, counted once for everyone: `bitext stats` (its tables, and `--json`
with every number the tables show) and the review report's index (its summary and charts).

`AlignmentTally` counts the exported pairs, each with its current alignment (a translator's
review replaces the machine's, as in every export): articles, beads, flags, review progress,
scores, per site. The report adds each pair it writes to one; `corpus_overview` adds the same
pairs to another, so both say the same numbers. (They did not: stats summed every stored
machine alignment, 631 beads in the demo, where the report counted the reviewed one that
merged two beads, 630.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pipeline.models import CrawlRun, ExportedPair, ReviewStatus
from pipeline.store.interface import CorpusReader

SCORE_BINS = 10  # the score histogram: [0, 0.1), [0.1, 0.2) ... [0.9, 1.0]
# how many flagged beads an article has, grouped: the "flags per article" chart
FLAGGED_GROUPS = ((0, 0), (1, 1), (2, 2), (3, 5), (6, 10), (11, None))


def score_bin(score: float) -> int:
    return min(max(int(score * SCORE_BINS), 0), SCORE_BINS - 1)


def flagged_group(n: int) -> str:
    for low, high in FLAGGED_GROUPS:
        if n >= low and (high is None or n <= high):
            return str(low) if low == high else f"{low}+" if high is None else f"{low}-{high}"
    return str(n)


@dataclass
class SiteTally:
    """One site's share: pairs, beads, review progress, publication dates."""

    pairs: int = 0
    aligned: int = 0
    beads: int = 0
    flagged_beads: int = 0
    approved: int = 0
    rejected: int = 0
    pending: int = 0
    first_published: date | None = None
    last_published: date | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "pairs": self.pairs,
            "aligned": self.aligned,
            "beads": self.beads,
            "flagged_beads": self.flagged_beads,
            "review": {"approved": self.approved, "rejected": self.rejected,
                       "pending": self.pending},
            "published": {"first": _day(self.first_published),
                          "last": _day(self.last_published)},
        }  # fmt: skip

    def published(self, day: date) -> None:
        self.first_published = min(day, self.first_published or day)
        self.last_published = max(day, self.last_published or day)


@dataclass
class AlignmentTally:
    """The exported pairs counted (see the module's doc): `add` each pair."""

    pairs: int = 0  # paired articles with both versions
    aligned: int = 0  # with a current alignment (the others: not aligned yet, or stale)
    beads: int = 0
    flagged_beads: int = 0  # beads with at least one flag
    flags: Counter[str] = field(default_factory=Counter)  # beads by flag (one bead, many flags)
    modes: Counter[str] = field(default_factory=Counter)  # aligned pairs by alignment mode
    review: Counter[str] = field(default_factory=Counter)  # beads: approved, rejected, pending
    reviewed_pairs: int = 0  # pairs with a review stored (bitext review import)
    scores: list[int] = field(default_factory=lambda: [0] * SCORE_BINS)
    flagged_per_article: Counter[str] = field(default_factory=Counter)  # FLAGGED_GROUPS
    sites: dict[str, SiteTally] = field(default_factory=dict)
    published: Counter[str] = field(default_factory=Counter)  # pairs by month (YYYY-MM)
    first_published: date | None = None
    last_published: date | None = None

    def add(self, pair: ExportedPair) -> None:
        site = self.sites.setdefault(pair.site, SiteTally())
        self.pairs += 1
        site.pairs += 1
        when = pair.translation.published or pair.original.published
        if when is not None:
            day = when.date()
            site.published(day)
            self.first_published = min(day, self.first_published or day)
            self.last_published = max(day, self.last_published or day)
            self.published[day.strftime("%Y-%m")] += 1
        alignment = pair.alignment
        if alignment is None:
            return
        self.aligned += 1
        site.aligned += 1
        self.modes[alignment.mode] += 1
        self.reviewed_pairs += alignment.reviewer is not None or alignment.reviewed_at is not None
        flagged = 0
        for bead in alignment.beads:
            self.beads += 1
            site.beads += 1
            self.scores[score_bin(bead.score)] += 1
            self.flags.update(bead.flags)
            flagged += bool(bead.flags)
            status = bead.status.value if bead.status else ReviewStatus.pending.value
            self.review[status] += 1
            if status == "approved":
                site.approved += 1
            elif status == "rejected":
                site.rejected += 1
            else:
                site.pending += 1
        self.flagged_beads += flagged
        site.flagged_beads += flagged
        self.flagged_per_article[flagged_group(flagged)] += 1

    def as_dict(self) -> dict[str, Any]:
        """Every count, as JSON takes it (dates as YYYY-MM-DD)."""
        return {
            "pairs": self.pairs,
            "aligned": self.aligned,
            "not_aligned": self.pairs - self.aligned,
            "beads": self.beads,
            "flagged_beads": self.flagged_beads,
            "flags": dict(sorted(self.flags.items())),
            "modes": dict(sorted(self.modes.items())),
            "review": {k: self.review.get(k, 0) for k in ("approved", "rejected", "pending")},
            "reviewed_pairs": self.reviewed_pairs,
            "scores": {
                f"{k / SCORE_BINS:.1f}-{(k + 1) / SCORE_BINS:.1f}": n
                for k, n in enumerate(self.scores)
            },
            "flagged_per_article": {
                group: self.flagged_per_article.get(group, 0)
                for group in (flagged_group(low) for low, _ in FLAGGED_GROUPS)
            },
            "published": {
                "first": _day(self.first_published),
                "last": _day(self.last_published),
                "by_month": dict(sorted(self.published.items())),
            },
            "sites": {name: site.as_dict() for name, site in sorted(self.sites.items())},
        }


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None


def tally(pairs: Iterable[ExportedPair]) -> AlignmentTally:
    counted = AlignmentTally()
    for pair in pairs:
        counted.add(pair)
    return counted


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


@dataclass
class Breakdown:
    """What is not paired or failed, by reason: unpaired articles, crawl errors, and stages
    that failed for stored pairs (to be run again); and the pairs by how they were paired."""

    unpaired: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    failed_stages: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    pairing_methods: Counter[str] = field(default_factory=Counter)


def breakdown(corpus: CorpusReader) -> Breakdown:
    pairs = list(corpus.iter_pairs())
    return Breakdown(
        unpaired=Counter(p.reason.value for p in pairs if p.reason),
        errors=Counter(e.kind.value for e in corpus.errors()),
        failed_stages=Counter(
            (f.stage.value, f.scope, f.reason) for _, _, f in corpus.stage_failures()
        ),
        # how each pair was found (link, hreflang, content); pairs stored before migration
        # 0007 whose crawl's profile could not say are "not recorded"
        pairing_methods=Counter(
            str(getattr(p, "pairing_method", None) or "not recorded")
            for p in pairs
            if p.status == "paired"
        ),
    )


def crawl_summary(run: CrawlRun) -> dict[str, Any]:
    """One crawl run, as the stats show it: when, how long, how it ended, what it fetched and
    stored (from the crawl's own counters)."""
    stats = run.stats or {}
    seconds = stats.get("elapsed_time_seconds")
    if seconds is None and run.finished_at is not None:
        seconds = (run.finished_at - run.started_at).total_seconds()
    return {
        "crawl": run.crawl_id,
        "site": run.site,
        "spider": run.spider,
        "started": _time(run.started_at),
        "finished": _time(run.finished_at),
        "seconds": round(float(seconds), 1) if seconds is not None else None,
        "finish_reason": run.finish_reason or "running or killed",
        "pages_fetched": int(stats.get("downloader/response_count", 0)),
        "not_modified": sum(
            int(v) for k, v in stats.items() if k.startswith("bitext/not_modified/")
        ),
        "new_versions": int(stats.get("bitext/versions/new", 0)),
        "pairs_created": int(stats.get("bitext/pairs/created", 0)),
        "crawl_errors": sum(int(v) for k, v in stats.items() if k.startswith("bitext/errors/")),
    }


def _time(moment: datetime | None) -> str | None:
    return moment.replace(microsecond=0).isoformat(sep=" ") if moment else None


def corpus_overview(corpus: CorpusReader) -> dict[str, Any]:
    """Everything `bitext stats` shows, as one JSON-ready object; the keys of the first rows
    are kept from earlier versions (`pairs`, `unpaired`, `crawl_errors`, ...)."""
    from pipeline.exports import exported_pairs

    counts = corpus.counts()
    directions = pending_sentences(corpus)
    export_counts: Counter[str] = Counter()
    aligned = tally(exported_pairs(corpus, counts=export_counts))
    why = breakdown(corpus)
    return {
        "pairs": counts["pairs"],
        "unpaired": counts["unpaired"],
        "unpaired_originals": counts.get("unpaired_originals", 0),
        "crawl_errors": counts["errors"],
        "versions": counts["versions"],
        "texts": counts["texts"],
        "texts_no_body": counts["texts_no_body"],
        "texts_wrong_language": counts["texts_wrong_language"],
        "translations_pending": sum(d["sentences"] - d["done"] for d in directions.values()),
        "translations": counts["translations"],
        "alignments": counts["alignments"],
        "embeddings": counts.get("embeddings", 0),
        "stage_failures": counts["stage_failures"],
        "articles": counts["articles"],
        **{k: v for k, v in counts.items() if k.startswith("articles_")},
        "captures": counts["captures"],
        "crawls": counts["crawls"],
        "translation": directions,
        "alignment": aligned.as_dict(),
        "alignment_not_exported": {
            k: v
            for k, v in sorted(export_counts.items())
            if k not in ("pairs", "reviewed pairs") and v
        },
        "unpaired_reasons": dict(sorted(why.unpaired.items())),
        "crawl_error_kinds": dict(sorted(why.errors.items())),
        "stage_failure_reasons": [
            {"stage": stage, "scope": scope, "reason": reason, "pairs": n}
            for (stage, scope, reason), n in sorted(why.failed_stages.items())
        ],
        "pairing_methods": dict(sorted(why.pairing_methods.items())),
        "crawl_runs": [crawl_summary(run) for run in corpus.crawl_runs()],
    }

