"""The corpus store's tables, every one of them: one ORM row class each, the schema Alembic
migrates (pipeline/store/migrations imports this module and nothing else of the store). Queries
use the tables through SQLAlchemy Core (pipeline/store/*.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from hashlib import sha256
from typing import ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


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
    # the site's profile as the crawl used it (SiteProfile.source): what later stages read the
    # site with (migration 0006; None for crawls recorded before it)
    profile: Mapped[dict | None] = mapped_column(JSON, nullable=True)
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
    # ArticleVersion, raw html excluded: the page is its WARC record (record.warc_record_id, the
    # capture row says where), or a VersionPageRow where no WARC record holds it
    record: Mapped[dict] = mapped_column(JSON)


class VersionPageRow(Base):
    """A version's page kept in the store, where no WARC record holds it: a version saved without
    a capture (no WARC writer), or a page migration 0005 moved here out of `versions`, whose WARC
    record it could not check (`bitext warc-check --drop-store-copies` drops those a WARC record
    holds byte for byte)."""

    __tablename__ = "version_pages"
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), primary_key=True)
    raw_html_z: Mapped[bytes] = mapped_column(LargeBinary)  # zlib


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


class EmbeddingRow(Base):
    """What the sentence encoder keeps of a sentence (pipeline.stages.embed: its span parts,
    packed), by encoder (id, version and stored form) and sentence hash: never embedded twice."""

    __tablename__ = "embeddings"
    __table_args__ = (UniqueConstraint("encoder", "text_sha256"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    encoder: Mapped[str] = mapped_column(String(128))
    text_sha256: Mapped[str] = mapped_column(String(64))
    parts: Mapped[bytes] = mapped_column(LargeBinary)


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
    # how the pair was found, link / hreflang / content (migration 0007, which filled it in for
    # older rows from their crawl's profile; None where that could not say), and the content
    # pairing's score (an unpaired translation: its best candidate's)
    pairing_method: Mapped[str | None] = mapped_column(String(16), nullable=True)
    pairing_score: Mapped[float | None] = mapped_column(Float, nullable=True)


class UnpairedOriginalRow(Base):
    """An original that content pairing left without a translation (an unpaired translation is
    a `pairs` row): why, and its best candidate and score; deleted when the original is paired.
    Migration 0007."""

    __tablename__ = "unpaired_originals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(64))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(64))
    reason_detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    best_article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), nullable=True)
    best_score: Mapped[float | None] = mapped_column(Float, nullable=True)
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
    # pipeline.modes: "translation+encoder" is 19 characters (16 until migration 0008)
    mode: Mapped[str] = mapped_column(String(32))
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


def url_sha256(url: str) -> str:
    """The key a URL is indexed by: a URL may be any length, and PostgreSQL's btree refuses
    index rows over ~2.7 kB (a 4,000-character URL lost a whole capture batch; migration 0009)."""
    return sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


class ErrorRow(Base):
    __tablename__ = "errors"
    __table_args__ = (UniqueConstraint("url_sha256", "kind", name="uq_errors_url_sha256_kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    url_sha256: Mapped[str] = mapped_column(String(64))  # url_sha256(url): the unique key
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
    url: Mapped[str] = mapped_column(Text)
    url_sha256: Mapped[str] = mapped_column(String(64), index=True)  # url_sha256(url)
    warc_filename: Mapped[str] = mapped_column(String(256))
    warc_record_id: Mapped[str] = mapped_column(String(128), unique=True)
    # where the record starts in the file (its gzip member): read back with one seek; None for
    # rows written before migration 0005 (the file is scanned once for them)
    warc_offset: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    record_type: Mapped[str] = mapped_column(String(16))
    payload_sha1: Mapped[str] = mapped_column(String(64))
    http_status: Mapped[int] = mapped_column(Integer)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ClaimRow(Base):
    """A unit of stage work and who holds it (a worker's lease), or when it was done (see
    pipeline/workers.py; the queue's statements are pipeline/store/claims.py)."""

    __tablename__ = "stage_claims"
    __table_args__ = (
        UniqueConstraint("stage", "scope", "item"),
        Index("ix_stage_claims_open", "stage", "scope", "done_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(32))  # "translate" / "align"
    scope: Mapped[str] = mapped_column(String(512))  # translate: the engine key
    item: Mapped[str] = mapped_column(String(256))  # translate: sentence sha256; align: pair
    payload: Mapped[str | None] = mapped_column(Text, nullable=True)  # translate: the sentence
    worker: Mapped[str | None] = mapped_column(String(128), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
