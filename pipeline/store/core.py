"""What every part of the SQL store shares: the engine, SQLite's settings, the hot-path
statements built once, the read-only guard, and row-to-record helpers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from sqlalchemy import (
    bindparam,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from pipeline.models import (
    ArticleVersion,
    WarcCapture,
)
from pipeline.store.tables import (
    AlignmentRow,
    ArticleRow,
    PairRow,
    TextRow,
    VersionRow,
)

CAPTURE_BATCH = 200
TEXT_BATCH = 200  # versions whose texts are read in one query (4 bound values each)
PAIR_BATCH = 200  # pairs whose latest versions are read in one query


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


class StoreCore:
    """The engine and what the queries of every concern build on."""

    def __init__(self, engine: Engine, *, warc_dir: Path | None = None) -> None:
        self.engine = engine
        self.warc_dir = warc_dir  # where the WARC files holding the versions' pages are
        self.file: Path | None = None  # a SQLite store's file, and what it was when opened
        self._file_identity: tuple[int, int] | None = None
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
            if engine.url.database not in (None, "", ":memory:"):
                self.file = Path(str(engine.url.database))
        from pipeline.store.migrations import upgrade  # Alembic: created, or migrated in place

        upgrade(engine)
        if self.file is not None:
            stat = self.file.stat()
            self._file_identity = (stat.st_dev, stat.st_ino)
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._pending_captures: list[dict[str, Any]] = []
        self._capture_index: dict[tuple[str, bool], WarcCapture] | None = None
        self._validators: dict[tuple[str, str, str], tuple[str | None, str | None]] | None = None
        # One writer per store is assumed for these two caches (a crawl); constraints still hold.
        self._error_url_set: set[str] | None = None
        self._prepared: dict[str, Any] | None = None

    def lost(self) -> str | None:
        """Why this store is no longer where it was opened (its SQLite file removed or replaced:
        what is written now goes into a file nobody will read), or None."""
        if self.file is None or self._file_identity is None:
            return None
        try:
            stat = self.file.stat()
        except FileNotFoundError:
            return f"the store file {self.file} was removed"
        except OSError as exc:
            return f"the store file {self.file} cannot be read: {exc.strerror or exc}"
        if (stat.st_dev, stat.st_ino) != self._file_identity:
            return f"the store file {self.file} was replaced by another file"
        if stat.st_size == 0:
            return f"the store file {self.file} was emptied (0 bytes)"
        return None

    def only_reads(self, *, except_tables: Iterable[str] = ()) -> Self:
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
                    articles.c.site_article_id == bindparam("translation_article_id"),
                ),
                "pair_select": select(pairs).where(
                    pairs.c.translation_article_id == bindparam("translation_id")
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
                            "pairing_method",
                            "pairing_score",
                        )
                    }
                ),
            }
        return self._prepared


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
        warc_offset=row.warc_offset,
        record_type=row.record_type,
        payload_sha1=row.payload_sha1,
        http_status=row.http_status,
        fetched_at=row.fetched_at,
    )
