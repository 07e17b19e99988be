"""URLs of any length: captures and errors keyed by the URL's sha256, not a btree on its text

PostgreSQL refuses a btree index row over ~2.7 kB: a 4,000-character URL in `captures.url`
(ix_captures_url) or `errors` (unique url, kind) failed the whole transaction (issue 26 case
11). Both tables get `url_sha256` (filled here for every row), indexed instead of the text:
captures by ix_captures_url_sha256, errors unique on (url_sha256, kind).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from hashlib import sha256

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BATCH = 2000
# SQLite's reflection names no unique constraint: batch mode names them by this convention
SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s_%(column_1_name)s"}


def _hash(url: str) -> str:
    return sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


def _fill(table_name: str) -> None:
    bind = op.get_bind()
    table = sa.table(table_name, sa.column("id", sa.Integer), sa.column("url", sa.Text),
                     sa.column("url_sha256", sa.String))  # fmt: skip
    last = 0
    while True:
        rows = bind.execute(
            sa.select(table.c.id, table.c.url)
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        bind.execute(
            table.update()
            .where(table.c.id == sa.bindparam("row_id"))
            .values(url_sha256=sa.bindparam("sha")),
            [{"row_id": r.id, "sha": _hash(r.url)} for r in rows],
        )
        last = rows[-1].id


def _unique_name(table: str, columns: list[str]) -> str | None:
    """The name of the table's unique constraint on `columns`; SQLite reflects an unnamed one
    as None: batch mode then knows it by the SQLITE_NAMES convention."""
    for constraint in sa.inspect(op.get_bind()).get_unique_constraints(table):
        if constraint["column_names"] == columns:
            return constraint["name"] or f"uq_{table}_{'_'.join(columns)}"
    return None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column("captures", sa.Column("url_sha256", sa.String(length=64), nullable=True))
    op.add_column("errors", sa.Column("url_sha256", sa.String(length=64), nullable=True))
    _fill("captures")
    _fill("errors")
    with op.batch_alter_table("captures") as batch:
        batch.alter_column("url_sha256", existing_type=sa.String(length=64), nullable=False)
        batch.drop_index("ix_captures_url")
        batch.create_index("ix_captures_url_sha256", ["url_sha256"], unique=False)
    old_unique = _unique_name("errors", ["url", "kind"])
    with op.batch_alter_table(
        "errors", naming_convention=SQLITE_NAMES if sqlite else None
    ) as batch:
        batch.alter_column("url_sha256", existing_type=sa.String(length=64), nullable=False)
        if old_unique:
            batch.drop_constraint(old_unique, type_="unique")
        batch.create_unique_constraint("uq_errors_url_sha256_kind", ["url_sha256", "kind"])


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    new_unique = _unique_name("errors", ["url_sha256", "kind"])
    with op.batch_alter_table(
        "errors", naming_convention=SQLITE_NAMES if sqlite else None
    ) as batch:
        if new_unique:
            batch.drop_constraint(new_unique, type_="unique")
        batch.create_unique_constraint("errors_url_kind_key", ["url", "kind"])
        batch.drop_column("url_sha256")
    with op.batch_alter_table("captures") as batch:
        batch.drop_index("ix_captures_url_sha256")
        batch.create_index("ix_captures_url", ["url"], unique=False)
        batch.drop_column("url_sha256")
