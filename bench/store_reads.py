"""Reading the stored texts of every pair: two queries a pair and one a text (before) against
pairs and texts read many at once (SqlCorpusStore.pairs_with_ids, texts_of through
pipeline.stages.with_texts).

    python bench/store_reads.py [--pairs 2000] [--passes 5]

Builds a SQLite store of --pairs pairs (three sentences a side, the shape of tests/test_exports),
then times, interleaved in one process, the sentences of every paired Arabic text read both
ways; prints the median of the passes and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import select  # noqa: E402

from pipeline.models import ArticlePair, ArticleVersion, PairStatus  # noqa: E402
from pipeline.stages.translate import paired_sentences  # noqa: E402
from pipeline.store.core import PAIR_BATCH, TEXT_BATCH  # noqa: E402
from pipeline.store.sql import SqlCorpusStore, open_store  # noqa: E402
from pipeline.store.tables import PairRow, VersionRow  # noqa: E402
from tests.test_exports import make_pair  # noqa: E402


def _previous_iter_pairs(corpus: SqlCorpusStore) -> Iterator[ArticlePair]:
    """SqlCorpusStore.iter_pairs before the stage layer: two queries a pair (latest versions)."""
    with corpus._sessions() as s:
        for row in s.scalars(select(PairRow).order_by(PairRow.id)):

            def latest(article_id: int | None) -> ArticleVersion | None:
                if article_id is None:
                    return None
                v = s.scalar(
                    select(VersionRow)
                    .where(VersionRow.article_id == article_id)
                    .order_by(VersionRow.id.desc())
                    .limit(1)
                )
                return None if v is None else ArticleVersion.model_validate(v.record)

            en = latest(row.translation_article_id)
            assert en is not None
            yield ArticlePair(
                site=row.site,
                status=PairStatus(row.status),
                translation=en,
                original=latest(row.original_article_id),
            )


def one_query_a_text(corpus: SqlCorpusStore, language: str) -> list[str]:
    """The previous reading (pipeline/workers.py before the stage layer)."""
    seen: dict[str, None] = {}
    for pair in _previous_iter_pairs(corpus):
        version = pair.version_in(language)
        if pair.status != "paired" or version is None:
            continue
        text = corpus.text_of(version)
        if text is not None:
            seen.update((s.text, None) for s in text.sentences if s.text.strip())
    return list(seen)


def timed(action: Callable[[], list[str]]) -> tuple[float, list[str]]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--passes", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = open_store(Path(tmp) / "corpus.sqlite")
        for n in range(args.pairs):
            corpus.save_pair(
                make_pair(
                    f"k{n}",
                    [f"الجملة {n} الأولى.", f"الجملة {n} الثانية.", f"الجملة {n} الثالثة."],
                    [f"Sentence {n} one.", f"Sentence {n} two.", f"Sentence {n} three."],
                )
            )
        before: list[float] = []
        after: list[float] = []
        for _ in range(args.passes):
            t, old = timed(lambda: one_query_a_text(corpus, "ar"))
            before.append(t)
            t, new = timed(lambda: paired_sentences(corpus, "ar"))
            after.append(t)
            assert old == new, "both readings give the same sentences"
        b, a = statistics.median(before), statistics.median(after)
        print(f"| reading | pairs | median s ({args.passes} passes) |")
        print("|---|---|---|")
        print(f"| two queries a pair + one a text (before) | {args.pairs} | {b:.3f} |")
        batched = f"{PAIR_BATCH} pairs a query + {TEXT_BATCH} texts a query"
        print(f"| {batched} | {args.pairs} | {a:.3f} |")
        print(f"ratio before/after: {b / a:.2f}")
        corpus.close()


if __name__ == "__main__":
    main()
