"""The corpus store over SQLAlchemy: every concern's queries on one engine.

SQLite under `data/output/` is the embedded default; PostgreSQL (any SQLAlchemy URL) gives the
same behaviour. Each pair is saved in one transaction (both versions and the pair row, or
nothing), so a killed crawl leaves a consistent store. Versions are keyed by content hash: an
unchanged article is never stored twice, an edited one gets a new version (edit history).

The queries, by concern: crawl_records (runs, errors, captures, validators), pairs (articles,
versions, pairs), outputs (texts, translations, alignments, reviews, stage failures),
embeddings (the sentence encoder's cache), claims (the stage workers' queue), content (content
pairing's single articles), on core (engine, statements, guard) and tables (the schema).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select

from pipeline.models import PairStatus
from pipeline.store.claims import ClaimQueue
from pipeline.store.content import ContentRecords
from pipeline.store.embeddings import StoredEmbeddings
from pipeline.store.pages import default_warc_dir
from pipeline.store.tables import (
    AlignmentRow,
    ArticleRow,
    Base,
    CaptureRow,
    CrawlRow,
    EmbeddingRow,
    ErrorRow,
    PairRow,
    StageFailureRow,
    TextRow,
    TranslationRow,
    UnpairedOriginalRow,
    VersionRow,
)


def open_store(location: str | Path, *, warc_dir: Path | None = None) -> SqlCorpusStore:
    """A store from a SQLAlchemy URL, or a path to a SQLite file (created with its folder).
    `warc_dir`: where the WARC files holding its pages are (default: `warc/` beside a SQLite
    file, as a crawl writes them; none for other databases)."""
    text = str(location)
    if "://" not in text:
        path = Path(text).expanduser().resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        text = f"sqlite:///{path}"
    return SqlCorpusStore(
        create_engine(text, future=True), warc_dir=warc_dir or default_warc_dir(location)
    )


class SqlCorpusStore(ContentRecords, StoredEmbeddings):
    """Every concern's queries on one engine (pipeline.store.interface.CorpusStore)."""

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
                # pairs_<method>: link, hreflang, content; pairs_method_unknown: a pair stored
                # before migration 0007 whose crawl could not say
                **{
                    f"pairs_{method or 'method_unknown'}": n
                    for method, n in s.execute(
                        select(PairRow.pairing_method, func.count())
                        .where(PairRow.status == PairStatus.paired.value)
                        .group_by(PairRow.pairing_method)
                    ).all()
                },
                "unpaired": count(PairRow, PairRow.status == PairStatus.unpaired.value),
                "unpaired_originals": count(UnpairedOriginalRow),
                "errors": count(ErrorRow),
                "texts": count(TextRow, TextRow.status == "ok"),
                "texts_no_body": count(TextRow, TextRow.status == "no_body"),
                "texts_wrong_language": count(TextRow, TextRow.language_ok == 0),
                "captures": count(CaptureRow),
                "translations": count(TranslationRow),
                "alignments": count(AlignmentRow),
                "embeddings": count(EmbeddingRow),
                "stage_failures": count(StageFailureRow),
                "crawls": count(CrawlRow),
            }

    def claims(self, stage: str, scope: str, *, worker: str, lease_s: float) -> ClaimQueue:
        return ClaimQueue(self, stage, scope, worker=worker, lease_s=lease_s)

    def close(self) -> None:
        self.flush_captures()
        self.engine.dispose()
