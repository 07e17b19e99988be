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
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError

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


class StoreNotFound(RuntimeError):
    """No corpus store where one was expected: a missing or empty file, or a database with no
    store tables. Never made silently by a command that only reads (issue 26 case 14)."""


class StoreUnavailable(RuntimeError):
    """The store's database cannot be reached (server down, refused, timed out)."""


PG_CONNECT_TIMEOUT_S = 10  # an unreachable server is reported, not waited on for minutes


def describe(location: str | Path) -> str:
    """The store's location as it may be shown: a database URL without its password."""
    text = str(location)
    if "://" not in text:
        return text
    from sqlalchemy.engine import make_url

    try:
        return make_url(text).render_as_string(hide_password=True)
    except Exception:  # an unparseable URL: say so without echoing it (it may hold a secret)
        return "(unreadable database URL)"


def first_line(exc: BaseException) -> str:
    """The driver's own message, on one line (psycopg's run over several)."""
    text = str(getattr(exc, "orig", None) or exc)
    return " ".join(text.split())[:300]


def open_store(
    location: str | Path, *, warc_dir: Path | None = None, create: bool = True
) -> SqlCorpusStore:
    """A store from a SQLAlchemy URL, or a path to a SQLite file (created with its folder).
    `warc_dir`: where the WARC files holding its pages are (default: `warc/` beside a SQLite
    file, as a crawl writes them; none for other databases). `create=False`: the store must
    exist (StoreNotFound), as for every command that reads one. An existing SQLite file of 0
    bytes is never taken for a new store (StoreNotFound): it is what a full disk or a bad copy
    leaves. A database that cannot be reached raises StoreUnavailable."""
    text = str(location)
    file: Path | None = None
    if "://" not in text:
        file = Path(text).expanduser().resolve()
        text = f"sqlite:///{file}"
    else:
        from sqlalchemy.engine import make_url

        url = make_url(text)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            file = Path(url.database).expanduser().resolve()
    if file is not None:
        if file.is_file() and file.stat().st_size == 0:
            raise StoreNotFound(
                f"{file} is an empty file (0 bytes), not a corpus store: restore it, or remove "
                "it and crawl again to make a new one"
            )
        if not create and not file.is_file():
            raise StoreNotFound(f"no corpus store {file}")
        if create:
            file.parent.mkdir(parents=True, exist_ok=True)
    connect_args = (
        {"connect_timeout": PG_CONNECT_TIMEOUT_S} if text.startswith("postgresql") else {}
    )
    engine = create_engine(text, future=True, connect_args=connect_args)
    try:
        if not create and not _holds_a_store(engine):
            engine.dispose()
            raise StoreNotFound(
                f"{describe(location)} holds no corpus store (no store tables): point at the "
                "store a crawl made"
            )
        return SqlCorpusStore(engine, warc_dir=warc_dir or default_warc_dir(location))
    except (OperationalError, InterfaceError) as exc:
        engine.dispose()
        raise StoreUnavailable(
            f"cannot reach the store {describe(location)}: {first_line(exc)}"
        ) from exc


def _holds_a_store(engine: Engine) -> bool:
    from sqlalchemy import inspect

    with engine.connect() as c:
        tables = set(inspect(c).get_table_names())
    return "articles" in tables or "alembic_version" in tables


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
