"""The store's schema, created and migrated by Alembic; run by `open_store` on every open.

A store made before Alembic (tables there, no `alembic_version`) is stamped at the baseline and
upgraded in place. Several processes opening one PostgreSQL store at once take turns on an
advisory lock, so the schema is migrated once.

Adding a table or a column (one small step; see README "Scaling out"):
  1. change the SQLAlchemy classes in pipeline/store/tables.py (every table lives there: the
     migrations import that module and nothing else of the store);
  2. `python -m pipeline.store.migrations revision "add review revisions"` writes
     pipeline/store/migrations/versions/<rev>_add_review_revisions.py by comparing the classes
     with a store migrated to the current head (autogenerate); read it, fix what autogenerate
     guesses;
  3. `pytest tests/test_distributed.py -k migrations`: the migrated schema must equal the
     classes.
"""

from __future__ import annotations

import logging
import tempfile
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine

HERE = Path(__file__).resolve().parent
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # a line per plugin
BASELINE = "0001"  # the schema as it was before Alembic: what an old store is stamped at
PG_LOCK_KEY = 0x62697478  # "bitx": one advisory lock for schema changes of a bitext store


def target_metadata() -> MetaData:
    """Every table of the store (pipeline/store/tables.py)."""
    from pipeline.store.tables import Base

    return Base.metadata


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


@cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(config()).get_current_head()
    assert head is not None, "no migration scripts in pipeline/store/migrations/versions"
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the store's schema to the head revision (nothing to do: one small query)."""
    with engine.connect() as probe:
        if current_revision(probe) == head_revision():
            return
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})
        current = current_revision(connection)
        if current == head_revision():
            return  # another process migrated it while this one waited for the lock
        cfg = config(connection)
        if current is None and inspect(connection).has_table("articles"):
            command.stamp(cfg, BASELINE)  # made by create_all before Alembic: the baseline
        command.upgrade(cfg, "head")


def revision(message: str) -> Path:
    """Autogenerate a migration from the difference between the classes and the head."""
    target_metadata()
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/head.sqlite")
        upgrade(engine)
        with engine.begin() as connection:
            script = command.revision(
                config(connection),
                message=message,
                autogenerate=True,
                rev_id=f"{int(head_revision()) + 1:04d}",  # 0001, 0002, ...: files sort in order
            )
        engine.dispose()
    head_revision.cache_clear()
    assert script is not None and not isinstance(script, list)
    return Path(script.path)
