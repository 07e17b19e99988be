"""The corpus store: its tables, its typed interface, the SQL implementation, its migrations.

    interface   CorpusReader / CorpusStore (Protocols), SaveResult, AlignmentKey, WorkQueue:
                what the crawl, the stages and the CLI may ask of a store (no SQLAlchemy)
    tables      every table (the schema; the migrations import it and nothing else here)
    sql         SqlCorpusStore and open_store: the interface over SQLAlchemy, its queries by
                concern in core, crawl_records, pairs, outputs and claims
    migrations  Alembic: a store is created or migrated in place when it is opened

`from pipeline.store import open_store` (and the names below) load the SQL implementation on
first use, so that importing the interface costs no SQLAlchemy import (the CLI starts fast).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what `__getattr__` below hands out, for the type checker
    from pipeline.store.core import ReadOnlyStore
    from pipeline.store.interface import AlignmentKey, CorpusReader, CorpusStore, SaveResult
    from pipeline.store.sql import SqlCorpusStore, open_store
    from pipeline.store.tables import Base, now

__all__ = [
    "AlignmentKey",
    "Base",
    "CorpusReader",
    "CorpusStore",
    "ReadOnlyStore",
    "SaveResult",
    "SqlCorpusStore",
    "now",
    "open_store",
]

_HOME = {
    "AlignmentKey": "interface",
    "CorpusReader": "interface",
    "CorpusStore": "interface",
    "SaveResult": "interface",
    "ReadOnlyStore": "core",
    "SqlCorpusStore": "sql",
    "open_store": "sql",
    "Base": "tables",
    "now": "tables",
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
