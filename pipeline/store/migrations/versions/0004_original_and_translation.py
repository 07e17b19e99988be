"""one vocabulary for the two sides: the original and its translation, not ar/en

pairs.en_article_id -> translation_article_id, pairs.ar_article_id -> original_article_id,
pairs.arabic_url -> original_url; the unpaired reasons arabic_* -> original_*; the stored
alignment and review records' en_article_id -> translation_article_id (schema version 2).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = {
    "en_article_id": "translation_article_id",
    "ar_article_id": "original_article_id",
    "arabic_url": "original_url",
}
REASONS = {
    "no_arabic_link": "no_original_link",
    "arabic_link_offsite": "original_link_offsite",
    "arabic_link_not_article": "original_link_not_article",
    "arabic_fetch_failed": "original_fetch_failed",
    "arabic_robots_disallowed": "original_robots_disallowed",
    "arabic_redirect_offsite": "original_redirect_offsite",
    "arabic_page_empty": "original_page_empty",
}
RECORD_KEYS = {"en_article_id": "translation_article_id"}
RECORD_TABLES = ("alignments", "reviews")  # their `record` is a PairAlignment


def _rename_columns(names: dict[str, str]) -> None:
    # RENAME COLUMN in place (SQLite 3.25+, PostgreSQL): keys and constraints follow; batch mode
    # would copy the table, which other tables' foreign keys forbid
    for old, new in names.items():
        op.execute(f"ALTER TABLE pairs RENAME COLUMN {old} TO {new}")


def _rename_reasons(names: dict[str, str]) -> None:
    pairs = sa.table("pairs", sa.column("reason", sa.String))
    for old, new in names.items():
        op.execute(pairs.update().where(pairs.c.reason == old).values(reason=new))


def _rename_record_keys(names: dict[str, str]) -> None:
    """Rewrite the JSON records key by key (JSON functions differ between SQLite and
    PostgreSQL; these tables hold one row per aligned pair, read in batches)."""
    connection = op.get_bind()
    for name in RECORD_TABLES:
        table = sa.table(name, sa.column("id", sa.Integer), sa.column("record", sa.JSON))
        last = 0
        while True:
            rows = connection.execute(
                sa.select(table.c.id, table.c.record)
                .where(table.c.id > last)
                .order_by(table.c.id)
                .limit(500)
            ).all()
            if not rows:
                break
            for row_id, record in rows:
                if isinstance(record, dict) and any(k in record for k in names):
                    renamed = {names.get(k, k): v for k, v in record.items()}
                    connection.execute(
                        table.update().where(table.c.id == row_id).values(record=renamed)
                    )
            last = rows[-1][0]


def upgrade() -> None:
    _rename_columns(COLUMNS)
    _rename_reasons(REASONS)
    _rename_record_keys(RECORD_KEYS)


def downgrade() -> None:
    _rename_record_keys({v: k for k, v in RECORD_KEYS.items()})
    _rename_reasons({v: k for k, v in REASONS.items()})
    _rename_columns({v: k for k, v in COLUMNS.items()})
