"""sentence embeddings cached in the store (issue 23); alignments.mode wide enough for its modes

`embeddings`: what the sentence encoder keeps of each sentence (pipeline.stages.embed: the span
parts, packed), keyed by the encoder (id, version, stored form) and the sentence's SHA-256, so
re-aligning and the exports embed nothing twice. `alignments.mode` goes from 16 to 32
characters: align-9 names "translation+encoder" (19), which PostgreSQL refused in 16.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "embeddings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("encoder", sa.String(length=128), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("parts", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("encoder", "text_sha256"),
    )
    with op.batch_alter_table("alignments") as batch:
        batch.alter_column(
            "mode", existing_type=sa.String(length=16), type_=sa.String(length=32),
            existing_nullable=False,
        )  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("alignments") as batch:
        batch.alter_column(
            "mode", existing_type=sa.String(length=32), type_=sa.String(length=16),
            existing_nullable=False,
        )  # fmt: skip
    op.drop_table("embeddings")
