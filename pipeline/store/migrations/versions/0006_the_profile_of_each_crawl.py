"""the profile of each crawl: crawls.profile

The site profile a crawl used (SiteProfile.source: a registered profile's name, or a profile
file's fields, which -a site= -a languages= makes too), stored with the run, so that later
stages read the site as the crawl did (`bitext extract --from-store` on a store crawled from a
profile file or with -a site=). Crawls recorded before it keep None; their profile is made again
from their spider arguments where it can be.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("crawls", sa.Column("profile", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE crawls DROP COLUMN profile")
