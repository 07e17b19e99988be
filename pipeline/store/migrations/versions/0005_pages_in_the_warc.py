"""the raw pages live in the WARC: versions.raw_html_z goes, captures say where each record is

versions.raw_html_z (a zlib copy of every page, beside the WARC record holding the same bytes)
is dropped. Its data is moved, not deleted, into `version_pages`: a migration runs on whatever
machine opens the store, where the WARC files may not be (another machine, a moved folder, a
PostgreSQL server), so it cannot prove that a page is in a WARC record, and a page it dropped
unchecked might be the only copy. Reads go to the WARC first and to this copy only where the
WARC cannot give the page; `bitext warc-check --drop-store-copies` drops each copy that its WARC
record holds byte for byte (same SHA-256 as the version's raw_html_sha256). New versions keep
no copy when they have a WARC record (every crawled one does).

captures.warc_offset: where each record starts in its file (read back with one seek); rows of
earlier crawls keep None and their files are scanned once when read.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import zlib

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 500


def _copy(source: sa.TableClause, target: sa.TableClause, source_id: str, target_id: str) -> None:
    """Copy (id, raw_html_z) rows batch by batch, by id (pages are large: never all at once)."""
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(source.c[source_id], source.c.raw_html_z)
            .where(source.c[source_id] > last, source.c.raw_html_z.is_not(None))
            .order_by(source.c[source_id])
            .limit(BATCH)
        ).all()
        if not rows:
            break
        connection.execute(target.insert(), [{target_id: r[0], "raw_html_z": r[1]} for r in rows])
        last = rows[-1][0]


def upgrade() -> None:
    op.create_table(
        "version_pages",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("raw_html_z", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"]),
        sa.PrimaryKeyConstraint("version_id"),
    )
    versions = sa.table("versions", sa.column("id", sa.Integer), sa.column("raw_html_z"))
    pages = sa.table("version_pages", sa.column("version_id", sa.Integer), sa.column("raw_html_z"))
    _copy(versions, pages, "id", "version_id")
    # in place (SQLite 3.35+, PostgreSQL): batch mode would copy the table, which the foreign
    # keys of texts and pairs forbid
    op.execute("ALTER TABLE versions DROP COLUMN raw_html_z")
    op.add_column("captures", sa.Column("warc_offset", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE captures DROP COLUMN warc_offset")
    op.add_column("versions", sa.Column("raw_html_z", sa.LargeBinary(), nullable=True))
    versions = sa.table("versions", sa.column("id", sa.Integer), sa.column("raw_html_z"))
    pages = sa.table("version_pages", sa.column("version_id", sa.Integer), sa.column("raw_html_z"))
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(pages.c.version_id, pages.c.raw_html_z)
            .where(pages.c.version_id > last)
            .order_by(pages.c.version_id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        for version_id, blob in rows:
            connection.execute(
                versions.update().where(versions.c.id == version_id).values(raw_html_z=blob)
            )
        last = rows[-1][0]
    # the earlier schema wants a page in every row: one the WARC holds is left empty there
    connection.execute(
        versions.update()
        .where(versions.c.raw_html_z.is_(None))
        .values(raw_html_z=zlib.compress(b""))
    )
    op.drop_table("version_pages")
