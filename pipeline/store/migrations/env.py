"""Alembic's environment: always run on a connection handed in by pipeline.store.migrations."""

from __future__ import annotations

from alembic import context

from pipeline.store.migrations import target_metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through pipeline.store.migrations.upgrade(engine)")
context.configure(
    connection=connection,
    target_metadata=target_metadata(),
    render_as_batch=True,  # SQLite alters tables by copying them: batch mode does that
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
