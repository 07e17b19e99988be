"""The corpus store: one small interface, SQLAlchemy underneath.

SQLite under `data/output/` is the embedded default; any SQLAlchemy URL (PostgreSQL later) gives
the same behaviour. Each pair is saved in one transaction (both versions and the pair row, or
nothing), so a killed crawl leaves a consistent store. Versions are keyed by content hash: an
unchanged article is never stored twice, an edited one gets a new version (edit history).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from pipeline.corpus import AlignmentKey, CorpusReader, CorpusStore, SaveResult
from pipeline.models import (
    CONTENT_REASONS,
    ArticlePair,
    ArticleText,
    ArticleVersion,
    CrawlError,
    PairAlignment,
    PairStatus,
    StageFailure,
    UnpairedReason,
    WarcCapture,
)

__all__ = [  # the interface lives in pipeline.corpus; imported from here as before
    "AlignmentKey",
    "CorpusReader",
    "CorpusStore",
    "ReadOnlyStore",
    "SaveResult",
    "SqlCorpusStore",
    "open_store",
]

CAPTURE_BATCH = 200
TEXT_BATCH = 200  # versions whose texts are read in one query (4 bound values each)
PAIR_BATCH = 200  # pairs whose latest versions are read in one query


def now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    # Every row class here is mapped to a Table (declared, never a join or a subquery): typed
    # so, Core statements take `Row.__table__` as it is.
    __table__: ClassVar[Table]


class CrawlRow(Base):
    __tablename__ = "crawls"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spider: Mapped[str] = mapped_column(String(64))
    args: Mapped[dict] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finish_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    stats: Mapped[dict] = mapped_column(JSON, default=dict)


class ArticleRow(Base):
    __tablename__ = "articles"
    __table_args__ = (UniqueConstraint("site", "language", "site_article_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    site_article_id: Mapped[str] = mapped_column(String(512))
    canonical_url: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_checked: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    etag: Mapped[str | None] = mapped_column(String(256), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(64), nullable=True)


class VersionRow(Base):
    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("article_id", "content_sha256"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    content_sha256: Mapped[str] = mapped_column(String(64))
    raw_html_sha256: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    record: Mapped[dict] = mapped_column(JSON)  # ArticleVersion, raw html excluded
    raw_html_z: Mapped[bytes] = mapped_column(LargeBinary)  # zlib; the WARC keeps the capture too


class TextRow(Base):
    """The clean text of a version; replaced when a better extractor runs again."""

    __tablename__ = "texts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), unique=True)
    extractor: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    language_ok: Mapped[bool] = mapped_column(Integer)
    record: Mapped[dict] = mapped_column(JSON)  # ArticleText


class TranslationRow(Base):
    """A sentence translated by one engine (package ids and versions): never decoded twice."""

    __tablename__ = "translations"
    __table_args__ = (UniqueConstraint("engine", "source_sha256"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    engine: Mapped[str] = mapped_column(String(256))
    source_sha256: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(Text)


class PairRow(Base):
    __tablename__ = "pairs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(64))
    translation_article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), unique=True)
    original_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason_detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    original_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AlignmentRow(Base):
    """The alignment of a pair's versions (by content hash); replaced when either changes or a
    better mode or aligner runs."""

    __tablename__ = "alignments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"), unique=True)
    src_sha256: Mapped[str] = mapped_column(String(64))
    tgt_sha256: Mapped[str] = mapped_column(String(64))
    aligner: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))
    aligned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    record: Mapped[dict] = mapped_column(JSON)  # PairAlignment


class ReviewRow(Base):
    """A translator's review of a pair's alignment: a revision of its own, never overwritten by
    re-aligning (which only replaces the machine alignment in `alignments`)."""

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("pair_id", "revision"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    src_sha256: Mapped[str] = mapped_column(String(64))
    tgt_sha256: Mapped[str] = mapped_column(String(64))
    reviewer: Mapped[str | None] = mapped_column(String(256), nullable=True)
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    digest: Mapped[str] = mapped_column(String(64))  # of the beads reviewed: import is idempotent
    record: Mapped[dict] = mapped_column(JSON)  # PairAlignment with statuses and comments


class StageFailureRow(Base):
    """A stage that failed for a pair in the crawl (one row per pair, stage and scope); deleted
    when the stage later succeeds. A table of its own, so stores made before it keep working
    (a migration adds it: 0003)."""

    __tablename__ = "stage_failures"
    __table_args__ = (UniqueConstraint("pair_id", "stage", "scope"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    count: Mapped[int] = mapped_column(Integer, default=1)


class ErrorRow(Base):
    __tablename__ = "errors"
    __table_args__ = (UniqueConstraint("url", "kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)
    http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    count: Mapped[int] = mapped_column(Integer, default=1)


class CaptureRow(Base):
    __tablename__ = "captures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, index=True)
    warc_filename: Mapped[str] = mapped_column(String(256))
    warc_record_id: Mapped[str] = mapped_column(String(128), unique=True)
    record_type: Mapped[str] = mapped_column(String(16))
    payload_sha1: Mapped[str] = mapped_column(String(64))
    http_status: Mapped[int] = mapped_column(Integer)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cursor.execute(
        "PRAGMA synchronous=NORMAL"
    )  # WAL + NORMAL: durable at checkpoint, never corrupt
    cursor.execute("PRAGMA foreign_keys=ON")
    # stage workers (`--workers N`) take turns on the write lock, and a crawl records its run
    # beside its writer process
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class ReadOnlyStore(RuntimeError):
    """A write through a store opened for reading (the crawler process: the writer writes)."""


_WRITE = re.compile(
    r"\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM|CREATE|ALTER|DROP)\s+"
    r"(?:\w+\s+)*?[\"`]?(\w+)",
    re.IGNORECASE,
)


def open_store(location: str | Path) -> SqlCorpusStore:
    """A store from a SQLAlchemy URL, or a path to a SQLite file (created with its folder)."""
    text = str(location)
    if "://" not in text:
        path = Path(text).expanduser().resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        text = f"sqlite:///{path}"
    return SqlCorpusStore(create_engine(text, future=True))


class SqlCorpusStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        from pipeline.migrations import upgrade  # Alembic: created, or migrated in place

        upgrade(engine)
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._pending_captures: list[dict[str, Any]] = []
        self._capture_index: dict[tuple[str, bool], WarcCapture] | None = None
        self._validators: dict[tuple[str, str, str], tuple[str | None, str | None]] | None = None
        # One writer per store is assumed for these two caches (a crawl); constraints still hold.
        self._error_url_set: set[str] | None = None
        self._prepared: dict[str, Any] | None = None

    def only_reads(self, *, except_tables: Iterable[str] = ()) -> SqlCorpusStore:
        """From now on, refuse (ReadOnlyStore) every statement that writes, but to
        `except_tables`: checked on the SQL sent to the database, whatever sends it."""
        allowed = frozenset(except_tables)

        def refuse(
            _conn: Any, _cursor: Any, statement: str, _params: Any, _ctx: Any, _many: bool
        ) -> None:
            write = _WRITE.match(statement)
            if write is not None and write.group(1).lower() not in allowed:
                raise ReadOnlyStore(f"this process only reads the store: {statement[:80]!r}")

        event.listen(self.engine, "before_cursor_execute", refuse)
        return self

    # -- crawl runs ---------------------------------------------------------------------------

    def begin_crawl(self, spider: str, args: dict[str, Any]) -> int:
        with self._sessions.begin() as s:
            row = CrawlRow(spider=spider, args=args, started_at=now(), stats={})
            s.add(row)
            s.flush()
            return row.id

    def finish_crawl(self, crawl_id: int, reason: str, stats: dict[str, Any]) -> None:
        with self._sessions.begin() as s:
            row = s.get(CrawlRow, crawl_id)
            if row is not None:
                row.finished_at = now()
                row.finish_reason = reason
                row.stats = {
                    k: v if isinstance(v, int | float | str) else str(v) for k, v in stats.items()
                }

    # -- articles -----------------------------------------------------------------------------

    # Write paths use Core statements on one connection: the ORM's unit of work cost more than
    # the crawl itself (bench/crawl.py); the ORM classes above remain the schema.

    def _upsert(self, table: Any) -> Any:
        """INSERT .. ON CONFLICT for this engine's dialect (SQLite and PostgreSQL have it)."""
        dialect = self.engine.dialect.name
        if dialect == "sqlite":
            return sqlite_insert(table)
        if dialect == "postgresql":
            return postgresql_insert(table)
        raise NotImplementedError(f"no upsert for {dialect}: use SQLite or PostgreSQL")

    def _statements(self) -> dict[str, Any]:
        """The hot-path statements, built once: building a statement per row cost more than
        running it (bench/crawl.py); rows go in as parameter dicts."""
        if self._prepared is None:
            articles, versions, pairs = (
                ArticleRow.__table__,
                VersionRow.__table__,
                PairRow.__table__,
            )
            upsert = self._upsert(articles)
            self._prepared = {
                "article": upsert.on_conflict_do_update(
                    index_elements=["site", "language", "site_article_id"],
                    set_={
                        "canonical_url": upsert.excluded.canonical_url,
                        "last_checked": upsert.excluded.last_checked,
                        "etag": func.coalesce(upsert.excluded.etag, articles.c.etag),
                        "last_modified": func.coalesce(
                            upsert.excluded.last_modified, articles.c.last_modified
                        ),
                    },
                ).returning(articles.c.id),
                "version": self._upsert(versions)
                .on_conflict_do_nothing(index_elements=["article_id", "content_sha256"])
                .returning(versions.c.id),
                "version_id": select(versions.c.id).where(
                    versions.c.article_id == bindparam("a_id"),
                    versions.c.content_sha256 == bindparam("sha"),
                ),
                "text": (text_upsert := self._upsert(TextRow.__table__)).on_conflict_do_update(
                    index_elements=["version_id"],
                    set_={
                        c: text_upsert.excluded[c]
                        for c in ("extractor", "status", "language_ok", "record")
                    },
                ),
                "alignment": (
                    al_upsert := self._upsert(AlignmentRow.__table__)
                ).on_conflict_do_update(
                    index_elements=["pair_id"],
                    set_={
                        c: al_upsert.excluded[c]
                        for c in (
                            "src_sha256",
                            "tgt_sha256",
                            "aligner",
                            "mode",
                            "aligned_at",
                            "record",
                        )
                    },
                ),
                "pair_id": select(pairs.c.id)
                .join(articles, articles.c.id == pairs.c.translation_article_id)
                .where(
                    articles.c.site == bindparam("site"),
                    articles.c.language == "en",
                    articles.c.site_article_id == bindparam("translation_article_id"),
                ),
                "pair_select": select(pairs).where(
                    pairs.c.translation_article_id == bindparam("en_id")
                ),
                "pair_insert": insert(pairs),
                "pair_update": update(pairs)
                .where(pairs.c.id == bindparam("row_id"))
                .values(
                    {
                        col: bindparam(f"new_{col}")
                        for col in (
                            "original_article_id",
                            "status",
                            "reason",
                            "reason_detail",
                            "original_url",
                            "updated_at",
                        )
                    }
                ),
            }
        return self._prepared

    def _save_version(self, c: Connection, v: ArticleVersion, result: SaveResult) -> int:
        sql = self._statements()
        article_id = c.execute(
            sql["article"],
            {
                "site": v.site,
                "language": v.language,
                "site_article_id": v.site_article_id,
                "canonical_url": v.canonical_url,
                "first_seen": v.fetched_at,
                "last_checked": v.fetched_at,
                "etag": v.etag,
                "last_modified": v.last_modified,
            },
        ).scalar_one()
        if self._validators is not None and (v.etag or v.last_modified):
            self._validators[(v.site, v.language, v.site_article_id)] = (v.etag, v.last_modified)
        if v.raw_html:  # a version read back from the store (after a 304) carries no capture
            inserted = c.execute(
                sql["version"],
                {
                    "article_id": article_id,
                    "content_sha256": v.content_sha256,
                    "raw_html_sha256": v.raw_html_sha256,
                    "fetched_at": v.fetched_at,
                    "record": v.model_dump(mode="json", exclude={"text"}),
                    "raw_html_z": zlib.compress(v.raw_html, 6),
                },
            ).first()
            if inserted is not None:
                result.new_versions.append(f"{v.language}:{v.site_article_id}")
            if v.text is not None:
                version_id = (
                    inserted[0]
                    if inserted is not None
                    else c.execute(
                        sql["version_id"], {"a_id": article_id, "sha": v.content_sha256}
                    ).scalar_one()
                )
                c.execute(
                    sql["text"],
                    {
                        "version_id": version_id,
                        "extractor": v.text.extractor,
                        "status": v.text.status.value,
                        "language_ok": v.text.language_ok,
                        "record": v.text.model_dump(mode="json"),
                    },
                )
        # A successful fetch settles earlier errors about the same URL.
        settled = {v.url, v.requested_url} & self._error_urls()
        if settled:
            errors = ErrorRow.__table__
            c.execute(delete(errors).where(errors.c.url.in_(settled)))
            self._error_urls().difference_update(settled)
        return article_id

    def _error_urls(self) -> set[str]:
        if self._error_url_set is None:
            with self.engine.connect() as c:
                self._error_url_set = set(c.execute(select(ErrorRow.__table__.c.url)).scalars())
        return self._error_url_set

    def save_pair(self, pair: ArticlePair) -> SaveResult:
        result = SaveResult()
        sql = self._statements()
        with self.engine.begin() as c:
            en_id = self._save_version(c, pair.translation, result)
            ar_id = (
                self._save_version(c, pair.original, result) if pair.original is not None else None
            )
            row = c.execute(sql["pair_select"], {"en_id": en_id}).first()
            stamp = pair.translation.fetched_at
            values = {
                "original_article_id": ar_id,
                "status": pair.status.value,
                "reason": pair.reason.value if pair.reason else None,
                "reason_detail": pair.reason_detail,
                "original_url": pair.original_url,
                "updated_at": stamp,
            }
            if row is None:
                c.execute(
                    sql["pair_insert"],
                    {
                        "site": pair.site,
                        "translation_article_id": en_id,
                        "first_seen": stamp,
                        **values,
                    },
                )
                result.pair_created = True
            elif self._should_update(row, pair, ar_id):
                c.execute(
                    sql["pair_update"],
                    {"row_id": row.id, **{f"new_{k}": val for k, val in values.items()}},
                )
                result.pair_changed = True
            if pair.alignment is not None:
                self._save_alignment(c, pair.alignment)
            if pair.stage_failures or pair.stages_ok:
                pair_id = (
                    row.id
                    if row is not None
                    else c.execute(sql["pair_select"], {"en_id": en_id}).one().id
                )
                self._save_stage_outcomes(c, pair_id, pair)
        return result

    def _save_stage_outcomes(self, c: Connection, pair_id: int, pair: ArticlePair) -> None:
        table = StageFailureRow.__table__
        for stage, scope in pair.stages_ok:
            c.execute(
                delete(table).where(
                    table.c.pair_id == pair_id, table.c.stage == stage, table.c.scope == scope
                )
            )
        for failure in pair.stage_failures:
            upsert = self._upsert(table)
            c.execute(
                upsert.on_conflict_do_update(
                    index_elements=["pair_id", "stage", "scope"],
                    set_={
                        "reason": upsert.excluded.reason,
                        "detail": upsert.excluded.detail,
                        "last_seen": upsert.excluded.last_seen,
                        "count": table.c.count + 1,
                    },
                ),
                {
                    "pair_id": pair_id,
                    "stage": failure.stage.value,
                    "scope": failure.scope,
                    "reason": failure.reason,
                    "detail": failure.detail,
                    "first_seen": failure.at,
                    "last_seen": failure.at,
                    "count": 1,
                },
            )

    def settle_stage_failures(self, stage: str, scope: str) -> int:
        """Forget every failure of `stage` on `scope` (it has since been run for the whole
        store, e.g. `bitext translate`); how many there were."""
        table = StageFailureRow.__table__
        with self.engine.begin() as c:
            return c.execute(
                delete(table).where(table.c.stage == stage, table.c.scope == scope)
            ).rowcount

    def stage_failures(self) -> list[tuple[str, str, StageFailure]]:
        """(site, English article id, failure) of every stage failure on record."""
        table, pairs, articles = (
            StageFailureRow.__table__,
            PairRow.__table__,
            ArticleRow.__table__,
        )
        query = (
            select(articles.c.site, articles.c.site_article_id, table)
            .join(pairs, pairs.c.id == table.c.pair_id)
            .join(articles, articles.c.id == pairs.c.translation_article_id)
            .order_by(table.c.id)
        )
        with self.engine.connect() as c:
            return [
                (
                    r.site,
                    r.site_article_id,
                    StageFailure(
                        stage=r.stage,
                        scope=r.scope,
                        reason=r.reason,
                        detail=r.detail,
                        at=r.last_seen,
                    ),
                )
                for r in c.execute(query)
            ]

    def pair_keys(self, site: str, *, checked_since: datetime | None = None) -> set[str]:
        """English article ids of the stored pairs of a site (paired or not); with
        `checked_since`, only those whose English page was fetched since then."""
        pairs, articles = PairRow.__table__, ArticleRow.__table__
        with self.engine.connect() as c:
            rows = c.execute(
                select(articles.c.site_article_id, articles.c.last_checked)
                .join(pairs, pairs.c.translation_article_id == articles.c.id)
                .where(pairs.c.site == site)
            ).all()
        return {
            key for key, checked in rows if checked_since is None or _utc(checked) >= checked_since
        }

    def _save_alignment(self, c: Connection, alignment: PairAlignment) -> None:
        sql = self._statements()
        pair_id = c.execute(
            sql["pair_id"],
            {"site": alignment.site, "translation_article_id": alignment.translation_article_id},
        ).scalar_one()
        c.execute(
            sql["alignment"],
            {
                "pair_id": pair_id,
                "src_sha256": alignment.src_sha256,
                "tgt_sha256": alignment.tgt_sha256,
                "aligner": alignment.aligner,
                "mode": alignment.mode,
                "aligned_at": alignment.aligned_at,
                "record": alignment.model_dump(mode="json"),
            },
        )

    def save_alignment(self, alignment: PairAlignment) -> None:
        with self.engine.begin() as c:
            self._save_alignment(c, alignment)
            pair_id = c.execute(
                self._statements()["pair_id"],
                {
                    "site": alignment.site,
                    "translation_article_id": alignment.translation_article_id,
                },
            ).scalar_one()
            failures = StageFailureRow.__table__
            c.execute(  # aligned now: an alignment failure from the crawl is settled
                delete(failures).where(
                    failures.c.pair_id == pair_id, failures.c.stage == "alignment"
                )
            )

    def alignment_of(self, site: str, translation_article_id: str) -> PairAlignment | None:
        with self.engine.connect() as c:
            pair_id = c.execute(
                self._statements()["pair_id"],
                {"site": site, "translation_article_id": translation_article_id},
            ).scalar()
            if pair_id is None:
                return None
            record = c.execute(
                select(AlignmentRow.record).where(AlignmentRow.pair_id == pair_id)
            ).scalar()
        return None if record is None else PairAlignment.model_validate(record)

    def alignment_key(self, site: str, translation_article_id: str) -> AlignmentKey | None:
        """What a pair's stored alignment was made on and by, if it has one."""
        al = AlignmentRow.__table__
        with self.engine.connect() as c:
            pair_id = c.execute(
                self._statements()["pair_id"],
                {"site": site, "translation_article_id": translation_article_id},
            ).scalar()
            row = c.execute(
                select(al.c.src_sha256, al.c.tgt_sha256, al.c.aligner, al.c.mode).where(
                    al.c.pair_id == pair_id
                )
            ).first()
        return None if row is None else AlignmentKey(row[0], row[1], row[2], row[3])

    def alignment_keys(self) -> dict[tuple[str, str], AlignmentKey]:
        """(site, en article id) -> (src sha, tgt sha, aligner, mode) of every stored alignment."""
        articles, pairs, al = ArticleRow.__table__, PairRow.__table__, AlignmentRow.__table__
        query = (
            select(
                articles.c.site,
                articles.c.site_article_id,
                al.c.src_sha256,
                al.c.tgt_sha256,
                al.c.aligner,
                al.c.mode,
            )
            .join(pairs, pairs.c.id == al.c.pair_id)
            .join(articles, articles.c.id == pairs.c.translation_article_id)
        )
        with self.engine.connect() as c:
            return {(r[0], r[1]): AlignmentKey(r[2], r[3], r[4], r[5]) for r in c.execute(query)}

    def iter_alignments(self) -> Iterator[PairAlignment]:
        with self.engine.connect() as c:
            rows = c.execute(select(AlignmentRow.record).order_by(AlignmentRow.id)).scalars().all()
        for record in rows:
            yield PairAlignment.model_validate(record)

    # -- reviews (additive: a store made before them gets the table on open) ------------------

    def latest_review(self, site: str, translation_article_id: str) -> PairAlignment | None:
        """The newest review revision of a pair, whatever versions it was made on."""
        reviews = ReviewRow.__table__
        with self.engine.connect() as c:
            pair_id = c.execute(
                self._statements()["pair_id"],
                {"site": site, "translation_article_id": translation_article_id},
            ).scalar()
            record = c.execute(
                select(reviews.c.record)
                .where(reviews.c.pair_id == pair_id)
                .order_by(reviews.c.revision.desc())
                .limit(1)
            ).scalar()
        return None if record is None else PairAlignment.model_validate(record)

    def save_reviews(self, reviews: list[tuple[PairAlignment, str]]) -> list[bool]:
        """Store (review, digest) pairs in one transaction, each as a new revision unless the
        pair's newest revision has the same digest; says which were new."""
        table = ReviewRow.__table__
        saved: list[bool] = []
        with self.engine.begin() as c:
            for review, digest in reviews:
                pair_id = c.execute(
                    self._statements()["pair_id"],
                    {"site": review.site, "translation_article_id": review.translation_article_id},
                ).scalar_one()
                last = c.execute(
                    select(table.c.revision, table.c.digest)
                    .where(table.c.pair_id == pair_id)
                    .order_by(table.c.revision.desc())
                    .limit(1)
                ).first()
                if last is not None and last.digest == digest:
                    saved.append(False)
                    continue
                revision = 1 if last is None else last.revision + 1
                record = review.model_copy(update={"review_revision": revision})
                c.execute(
                    insert(table),
                    {
                        "pair_id": pair_id,
                        "revision": revision,
                        "src_sha256": review.src_sha256,
                        "tgt_sha256": review.tgt_sha256,
                        "reviewer": review.reviewer,
                        "reviewed_at": review.reviewed_at or now(),
                        "digest": digest,
                        "record": record.model_dump(mode="json"),
                    },
                )
                saved.append(True)
        return saved

    def iter_reviews(self) -> Iterator[PairAlignment]:
        """The newest review revision of every reviewed pair."""
        table = ReviewRow.__table__
        newest = (
            select(table.c.pair_id, func.max(table.c.revision).label("revision"))
            .group_by(table.c.pair_id)
            .subquery()
        )
        query = (
            select(table.c.record)
            .join(
                newest,
                (newest.c.pair_id == table.c.pair_id) & (newest.c.revision == table.c.revision),
            )
            .order_by(table.c.pair_id)
        )
        with self.engine.connect() as c:
            rows = c.execute(query).scalars().all()
        for record in rows:
            yield PairAlignment.model_validate(record)

    @staticmethod
    def _should_update(row: Any, pair: ArticlePair, ar_id: int | None) -> bool:
        new = (
            pair.status.value,
            ar_id,
            pair.reason.value if pair.reason else None,
            pair.original_url,
        )
        if new == (row.status, row.original_article_id, row.reason, row.original_url):
            return False
        # A transient failure to fetch the Arabic page never erases a pairing already found.
        return not (
            row.status == PairStatus.paired
            and pair.status == PairStatus.unpaired
            and pair.reason not in CONTENT_REASONS
        )

    def record_error(self, error: CrawlError) -> None:
        self._error_urls().add(error.url)
        with self._sessions.begin() as s:
            row = s.scalar(
                select(ErrorRow).where(ErrorRow.url == error.url, ErrorRow.kind == error.kind.value)
            )
            if row is None:
                s.add(
                    ErrorRow(
                        site=error.site,
                        url=error.url,
                        kind=error.kind.value,
                        detail=error.detail,
                        http_status=error.http_status,
                        language=error.language,
                        first_seen=error.at,
                        last_seen=error.at,
                    )
                )
            else:
                row.detail, row.http_status, row.last_seen = (
                    error.detail,
                    error.http_status,
                    error.at,
                )
                row.count += 1

    # -- WARC captures ------------------------------------------------------------------------

    def record_capture(self, capture: WarcCapture) -> None:
        """Buffered: the WARC record is already flushed, so a row lost in a crash never points
        at a missing record; rows are written every CAPTURE_BATCH and on close."""
        self._pending_captures.append(capture.model_dump())
        if capture.record_type == "response":
            self._last_captures()[capture.url, False] = capture
            if 200 <= capture.http_status < 300:
                self._last_captures()[capture.url, True] = capture
        if len(self._pending_captures) >= CAPTURE_BATCH:
            self.flush_captures()

    def flush_captures(self) -> None:
        if self._pending_captures:
            with self.engine.begin() as c:
                c.execute(insert(CaptureRow.__table__), self._pending_captures)
            self._pending_captures = []

    def _last_captures(self) -> dict[tuple[str, bool], WarcCapture]:
        """(url, successful) -> the URL's last full capture, of any status or a 2xx one."""
        if self._capture_index is None:
            captures = CaptureRow.__table__
            with self.engine.connect() as c:
                rows = c.execute(
                    select(captures)
                    .where(captures.c.record_type == "response")
                    .order_by(captures.c.id)
                )
                self._capture_index = {}
                for r in rows:
                    self._capture_index[r.url, False] = _capture(r)
                    if 200 <= r.http_status < 300:
                        self._capture_index[r.url, True] = self._capture_index[r.url, False]
        return self._capture_index

    def last_capture(self, url: str, *, successful: bool = False) -> WarcCapture | None:
        """The URL's last `response` capture; `successful`: its last 2xx one (what a 304
        confirms, never a failed try before a retry)."""
        return self._last_captures().get((url, successful))

    def captures(self) -> list[WarcCapture]:
        self.flush_captures()
        with self._sessions() as s:
            return [_capture(r) for r in s.scalars(select(CaptureRow).order_by(CaptureRow.id))]

    # -- reading ------------------------------------------------------------------------------

    def validators(
        self, site: str, language: str, site_article_id: str
    ) -> tuple[str | None, str | None]:
        """ETag and Last-Modified of an article's last fetch (for conditional GETs); read once
        per store and kept current by save_pair, since the crawl asks for every article."""
        if self._validators is None:
            articles = ArticleRow.__table__
            with self.engine.connect() as c:
                rows = c.execute(
                    select(
                        articles.c.site,
                        articles.c.language,
                        articles.c.site_article_id,
                        articles.c.etag,
                        articles.c.last_modified,
                    )
                )
                self._validators = {(r[0], r[1], r[2]): (r[3], r[4]) for r in rows}
        return self._validators.get((site, language, site_article_id), (None, None))

    def latest_version(
        self, site: str, language: str, site_article_id: str
    ) -> ArticleVersion | None:
        with self._sessions() as s:
            row = s.scalar(
                select(VersionRow)
                .join(ArticleRow)
                .where(
                    ArticleRow.site == site,
                    ArticleRow.language == language,
                    ArticleRow.site_article_id == site_article_id,
                )
                .order_by(VersionRow.id.desc())
                .limit(1)
            )
            return None if row is None else _version(row)

    def versions(self, site: str, language: str, site_article_id: str) -> list[ArticleVersion]:
        with self._sessions() as s:
            rows = s.scalars(
                select(VersionRow)
                .join(ArticleRow)
                .where(
                    ArticleRow.site == site,
                    ArticleRow.language == language,
                    ArticleRow.site_article_id == site_article_id,
                )
                .order_by(VersionRow.id)
            )
            return [_version(r) for r in rows]

    def pair_for(self, site: str, translation_article_id: str) -> ArticlePair | None:
        pairs, articles = PairRow.__table__, ArticleRow.__table__
        query = (
            select(pairs)
            .join(articles, pairs.c.translation_article_id == articles.c.id)
            .where(pairs.c.site == site, articles.c.site_article_id == translation_article_id)
        )
        with self.engine.connect() as c:
            row = c.execute(query).first()
        return None if row is None else self._pairs_of([row])[0]

    def iter_pairs(self, site: str | None = None) -> Iterator[ArticlePair]:
        for _, pair in self.pairs_with_ids(site=site):
            yield pair

    def pairs_with_ids(
        self,
        ids: Sequence[int] | None = None,
        *,
        site: str | None = None,
        paired_only: bool = False,
    ) -> Iterator[tuple[int, ArticlePair]]:
        """(pair id, pair) of the stored pairs (those of `ids`, of `site`, paired only), in id
        order, their latest versions read PAIR_BATCH pairs at a time."""
        pairs = PairRow.__table__
        query = select(pairs).order_by(pairs.c.id)
        if ids is not None:
            query = query.where(pairs.c.id.in_(ids))
        if site:
            query = query.where(pairs.c.site == site)
        if paired_only:
            query = query.where(pairs.c.status == PairStatus.paired.value)
        with self.engine.connect() as c:
            rows = c.execute(query).all()
        for start in range(0, len(rows), PAIR_BATCH):
            chunk = rows[start : start + PAIR_BATCH]
            yield from zip((r.id for r in chunk), self._pairs_of(chunk), strict=True)

    def _pairs_of(self, rows: Sequence[Any]) -> list[ArticlePair]:
        """Pair rows as records, with their articles' latest versions (one query)."""
        article_ids = {r.translation_article_id for r in rows}
        article_ids.update(r.original_article_id for r in rows if r.original_article_id is not None)
        versions = VersionRow.__table__
        newest = (
            select(func.max(versions.c.id))
            .where(versions.c.article_id.in_(article_ids))
            .group_by(versions.c.article_id)
        )
        with self.engine.connect() as c:
            latest = {
                article_id: ArticleVersion.model_validate(record)
                for article_id, record in c.execute(
                    select(versions.c.article_id, versions.c.record).where(
                        versions.c.id.in_(newest)
                    )
                )
            }
        return [
            ArticlePair(
                site=r.site,
                status=PairStatus(r.status),
                # a pair row always has its translation's version (saved together)
                translation=latest[r.translation_article_id],
                original=(
                    latest.get(r.original_article_id) if r.original_article_id is not None else None
                ),
                original_url=r.original_url,
                reason=UnpairedReason(r.reason) if r.reason else None,
                reason_detail=r.reason_detail,
            )
            for r in rows
        ]

    def errors(self) -> list[CrawlError]:
        with self._sessions() as s:
            return [
                CrawlError(
                    site=r.site,
                    url=r.url,
                    kind=r.kind,
                    detail=r.detail,
                    http_status=r.http_status,
                    language=r.language,
                    at=r.last_seen,
                )
                for r in s.scalars(select(ErrorRow).order_by(ErrorRow.id))
            ]

    def raw_html(self, site: str, language: str, site_article_id: str) -> bytes | None:
        with self._sessions() as s:
            blob = s.scalar(
                select(VersionRow.raw_html_z)
                .join(ArticleRow)
                .where(
                    ArticleRow.site == site,
                    ArticleRow.language == language,
                    ArticleRow.site_article_id == site_article_id,
                )
                .order_by(VersionRow.id.desc())
                .limit(1)
            )
            return None if blob is None else zlib.decompress(blob)

    def text_of(self, version: ArticleVersion) -> ArticleText | None:
        """The stored clean text of a version, if extraction ran on it."""
        with self._sessions() as s:
            record = s.scalar(
                select(TextRow.record)
                .join(VersionRow, TextRow.version_id == VersionRow.id)
                .join(ArticleRow)
                .where(
                    ArticleRow.site == version.site,
                    ArticleRow.language == version.language,
                    ArticleRow.site_article_id == version.site_article_id,
                    VersionRow.content_sha256 == version.content_sha256,
                )
            )
            return None if record is None else ArticleText.model_validate(record)

    def texts_of(self, versions: Sequence[ArticleVersion]) -> list[ArticleText | None]:
        """The stored clean texts of many versions (None where extraction has not run), in a
        query per TEXT_BATCH versions rather than one a version."""
        texts, versions_t, articles = TextRow.__table__, VersionRow.__table__, ArticleRow.__table__
        found: dict[tuple[str, str, str, str], ArticleText] = {}
        keys = list(dict.fromkeys(_version_key(v) for v in versions))
        with self.engine.connect() as c:
            for start in range(0, len(keys), TEXT_BATCH):
                query = (
                    select(
                        articles.c.site,
                        articles.c.language,
                        articles.c.site_article_id,
                        versions_t.c.content_sha256,
                        texts.c.record,
                    )
                    .join(versions_t, texts.c.version_id == versions_t.c.id)
                    .join(articles, versions_t.c.article_id == articles.c.id)
                    .where(
                        tuple_(
                            articles.c.site,
                            articles.c.language,
                            articles.c.site_article_id,
                            versions_t.c.content_sha256,
                        ).in_(keys[start : start + TEXT_BATCH])
                    )
                )
                for r in c.execute(query):
                    found[r[0], r[1], r[2], r[3]] = ArticleText.model_validate(r[4])
        return [found.get(_version_key(v)) for v in versions]

    def version_extractors(self) -> list[tuple[int, ArticleVersion, str | None]]:
        """(version id, version, the extractor of its stored text or None) of every version,
        without their pages: what the extraction rule (pipeline.stages) decides on."""
        versions, texts = VersionRow.__table__, TextRow.__table__
        query = (
            select(versions.c.id, versions.c.record, texts.c.extractor)
            .outerjoin(texts, texts.c.version_id == versions.c.id)
            .order_by(versions.c.id)
        )
        with self.engine.connect() as c:
            return [
                (version_id, ArticleVersion.model_validate(record), extractor)
                for version_id, record, extractor in c.execute(query)
            ]

    def raw_pages(self, version_ids: Sequence[int]) -> dict[int, bytes]:
        """The stored pages of many versions, by version id, TEXT_BATCH a query."""
        versions = VersionRow.__table__
        pages: dict[int, bytes] = {}
        with self.engine.connect() as c:
            for start in range(0, len(version_ids), TEXT_BATCH):
                rows = c.execute(
                    select(versions.c.id, versions.c.raw_html_z).where(
                        versions.c.id.in_(version_ids[start : start + TEXT_BATCH])
                    )
                )
                pages.update((version_id, zlib.decompress(blob)) for version_id, blob in rows)
        return pages

    def save_text(self, version_id: int, text: ArticleText) -> None:
        with self.engine.begin() as c:
            c.execute(
                self._statements()["text"],
                {
                    "version_id": version_id,
                    "extractor": text.extractor,
                    "status": text.status.value,
                    "language_ok": text.language_ok,
                    "record": text.model_dump(mode="json"),
                },
            )
            # extracted now: an extraction failure the crawl recorded for it is settled
            versions, pairs = VersionRow.__table__, PairRow.__table__
            failures = StageFailureRow.__table__
            article = select(versions.c.article_id).where(versions.c.id == version_id)
            c.execute(
                delete(failures).where(
                    failures.c.stage == "extraction",
                    failures.c.scope == text.language,
                    failures.c.pair_id.in_(
                        select(pairs.c.id).where(
                            pairs.c.translation_article_id.in_(article)
                            | pairs.c.original_article_id.in_(article)
                        )
                    ),
                )
            )

    def cached_translations(self, engine: str, source_keys: list[str]) -> dict[str, str]:
        """Translations already made by `engine`, by source sentence hash."""
        table = TranslationRow.__table__
        found: dict[str, str] = {}
        with self.engine.connect() as c:
            for start in range(0, len(source_keys), 500):  # bound the IN list
                rows = c.execute(
                    select(table.c.source_sha256, table.c.target).where(
                        table.c.engine == engine,
                        table.c.source_sha256.in_(source_keys[start : start + 500]),
                    )
                )
                found.update({key: target for key, target in rows})
        return found

    def save_translations(self, engine: str, translations: dict[str, str]) -> None:
        table = TranslationRow.__table__
        rows = [
            {"engine": engine, "source_sha256": k, "target": v} for k, v in translations.items()
        ]
        if rows:
            with self.engine.begin() as c:
                c.execute(
                    self._upsert(table).on_conflict_do_nothing(
                        index_elements=["engine", "source_sha256"]
                    ),
                    rows,
                )

    def counts(self) -> dict[str, int]:
        with self._sessions() as s:

            def count(model: type[Base], *where: Any) -> int:
                return s.scalar(select(func.count()).select_from(model).where(*where)) or 0

            return {
                "articles_en": count(ArticleRow, ArticleRow.language == "en"),
                "articles_ar": count(ArticleRow, ArticleRow.language == "ar"),
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


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stamp we write is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _version_key(version: ArticleVersion) -> tuple[str, str, str, str]:
    return (version.site, version.language, version.site_article_id, version.content_sha256)


def _version(row: VersionRow) -> ArticleVersion:
    return ArticleVersion.model_validate(row.record)


def _capture(row: Any) -> WarcCapture:
    return WarcCapture(
        url=row.url,
        warc_filename=row.warc_filename,
        warc_record_id=row.warc_record_id,
        record_type=row.record_type,
        payload_sha1=row.payload_sha1,
        http_status=row.http_status,
        fetched_at=row.fetched_at,
    )
