"""content pairing (issue 25): pairs.pairing_method and pairing_score, unpaired_originals

How each pair was found (link, hreflang, content) and the content pairing's score; the
originals content pairing left without a translation (sentence vectors are not cached here:
the embeddings table is issue 23's, migration 0008). Older pairs get their method from the
profile their site's crawls stored (crawls.profile: a profile file's `pairing`, or a
registered profile's, as registered when this migration was written), else from the crawl's
spider arguments (`-a site=` alone: hreflang); where neither says, it stays None ("not recorded").

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Registered profiles (pipeline/profiles) as they pair when this was written: a migration is a
# snapshot, it imports nothing of the code it migrates for.
REGISTERED_PAIRING = {"enab": "link"}


def upgrade() -> None:
    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pairing_method", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("pairing_score", sa.Float(), nullable=True))
    op.create_table(
        "unpaired_originals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("reason_detail", sa.Text(), nullable=True),
        sa.Column("best_article_id", sa.Integer(), nullable=True),
        sa.Column("best_score", sa.Float(), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"]),
        sa.ForeignKeyConstraint(["best_article_id"], ["articles.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id"),
    )
    _backfill(op.get_bind())


def _site_pairing(spider: str, args: Any, profile: Any) -> tuple[str | None, str | None]:
    """(site name, pairing) of one recorded crawl, where its record says."""
    profile = _json(profile)
    args = _json(args) or {}
    if isinstance(profile, dict):
        if "registered" in profile:
            name = str(profile["registered"])
            return name, REGISTERED_PAIRING.get(name)
        data = profile.get("profile_file")
        if isinstance(data, dict) and data.get("name"):
            return str(data["name"]), str(data.get("pairing") or "hreflang")
    if spider in REGISTERED_PAIRING:
        return spider, REGISTERED_PAIRING[spider]
    if isinstance(args, dict) and args.get("site") and not args.get("profile"):
        return None, "hreflang"  # -a site= -a languages=: the site by its host, below
    return None, None


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _host_name(site: str) -> str:
    """As pipeline.profiles.files.site_name made a store name of a site URL then."""
    import re
    from urllib.parse import urlsplit

    host = (urlsplit(site).hostname or "site").removeprefix("www.")
    return re.sub(r"[^a-z0-9_-]+", "-", host.lower()).strip("-")[:64] or "site"


def _backfill(connection: sa.engine.Connection) -> None:
    methods: dict[str, str] = {}
    rows = connection.execute(sa.text("SELECT spider, args, profile FROM crawls ORDER BY id"))
    for spider, args, profile in rows:
        name, pairing = _site_pairing(spider, args, profile)
        if name is None and pairing is not None:
            site = (_json(args) or {}).get("site")
            name = _host_name(str(site)) if site else None
        if name and pairing in ("link", "hreflang"):
            methods[name] = pairing  # the latest crawl of a site says
    for site, method in methods.items():
        connection.execute(
            sa.text(
                "UPDATE pairs SET pairing_method = :method "
                "WHERE site = :site AND pairing_method IS NULL"
            ),
            {"method": method, "site": site},
        )


def downgrade() -> None:
    op.drop_table("unpaired_originals")
    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.drop_column("pairing_score")
        batch_op.drop_column("pairing_method")
