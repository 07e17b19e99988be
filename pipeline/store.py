"""The corpus store: one small interface, SQLAlchemy underneath.

SQLite under `data/output/` is the embedded default; any SQLAlchemy URL (PostgreSQL later) gives
the same behaviour. Each pair is saved in one transaction (both versions and the pair row, or
nothing), so a killed crawl leaves a consistent store. Versions are keyed by content hash: an
unchanged article is never stored twice, an edited one gets a new version (edit history).

The interface is pipeline.corpus (CorpusReader, CorpusStore); the tables are pipeline.store_rows;
the queries, by concern: pipeline.store_crawl (runs, errors, captures, validators),
pipeline.store_pairs (articles, versions, pairs), pipeline.store_stages (texts, translations,
alignments, reviews, stage failures), on pipeline.store_core (engine, statements, guard).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select

from pipeline.corpus import AlignmentKey, CorpusReader, CorpusStore, SaveResult
from pipeline.models import PairStatus
from pipeline.store_core import CAPTURE_BATCH, PAIR_BATCH, TEXT_BATCH, ReadOnlyStore
from pipeline.store_pairs import PairRecords
from pipeline.store_rows import (
    AlignmentRow,
    ArticleRow,
    Base,
    CaptureRow,
    CrawlRow,
    ErrorRow,
    PairRow,
    ReviewRow,
    StageFailureRow,
    TextRow,
    TranslationRow,
    VersionRow,
    now,
)

__all__ = [  # what was defined here before the split is still importable from here
    "CAPTURE_BATCH",
    "PAIR_BATCH",
    "TEXT_BATCH",
    "AlignmentKey",
    "AlignmentRow",
    "ArticleRow",
    "Base",
    "CaptureRow",
    "CorpusReader",
    "CorpusStore",
    "CrawlRow",
    "ErrorRow",
    "PairRow",
    "ReadOnlyStore",
    "ReviewRow",
    "SaveResult",
    "SqlCorpusStore",
    "StageFailureRow",
    "TextRow",
    "TranslationRow",
    "VersionRow",
    "now",
    "open_store",
]


def open_store(location: str | Path) -> SqlCorpusStore:
    """A store from a SQLAlchemy URL, or a path to a SQLite file (created with its folder)."""
    text = str(location)
    if "://" not in text:
        path = Path(text).expanduser().resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        text = f"sqlite:///{path}"
    return SqlCorpusStore(create_engine(text, future=True))


class SqlCorpusStore(PairRecords):
    """Every concern's queries on one engine (pipeline.corpus.CorpusStore)."""

    def counts(self) -> dict[str, int]:
        with self._sessions() as s:

            def count(model: type[Base], *where: Any) -> int:
                return s.scalar(select(func.count()).select_from(model).where(*where)) or 0

            return {
                "articles": count(ArticleRow),
                # articles_<language> for every language the store holds (any language pair)
                **{
                    f"articles_{language}": n
                    for language, n in s.execute(
                        select(ArticleRow.language, func.count()).group_by(ArticleRow.language)
                    ).all()
                },
                "versions": count(VersionRow),
                "pairs": count(PairRow, PairRow.status == PairStatus.paired.value),
                "unpaired": count(PairRow, PairRow.status == PairStatus.unpaired.value),
                "errors": count(ErrorRow),
                "texts": count(TextRow, TextRow.status == "ok"),
                "texts_no_body": count(TextRow, TextRow.status == "no_body"),
                "texts_wrong_language": count(TextRow, TextRow.language_ok == 0),
                "captures": count(CaptureRow),
                "translations": count(TranslationRow),
                "alignments": count(AlignmentRow),
                "stage_failures": count(StageFailureRow),
                "crawls": count(CrawlRow),
            }

    def close(self) -> None:
        self.flush_captures()
        self.engine.dispose()
