"""Sentence embeddings by encoder and sentence hash (the embedding stage's cache: bytes in, bytes
out; pipeline.stages.embed packs and reads them)."""

from __future__ import annotations

from sqlalchemy import func, select

from pipeline.store.core import StoreCore
from pipeline.store.tables import EmbeddingRow

LOOKUP_BATCH = 500  # sentence hashes in one IN list


class StoredEmbeddings(StoreCore):
    def embedding_keys(self, encoder: str, text_keys: list[str]) -> set[str]:
        """Which of these sentences this encoder's embeddings are stored for."""
        table = EmbeddingRow.__table__
        found: set[str] = set()
        with self.engine.connect() as c:
            for start in range(0, len(text_keys), LOOKUP_BATCH):
                found.update(
                    c.scalars(
                        select(table.c.text_sha256).where(
                            table.c.encoder == encoder,
                            table.c.text_sha256.in_(text_keys[start : start + LOOKUP_BATCH]),
                        )
                    )
                )
        return found

    def cached_embeddings(self, encoder: str, text_keys: list[str]) -> dict[str, bytes]:
        table = EmbeddingRow.__table__
        found: dict[str, bytes] = {}
        with self.engine.connect() as c:
            for start in range(0, len(text_keys), LOOKUP_BATCH):
                rows = c.execute(
                    select(table.c.text_sha256, table.c.parts).where(
                        table.c.encoder == encoder,
                        table.c.text_sha256.in_(text_keys[start : start + LOOKUP_BATCH]),
                    )
                )
                found.update({key: bytes(parts) for key, parts in rows})
        return found

    def save_embeddings(self, encoder: str, embeddings: dict[str, bytes]) -> None:
        """Saved, or replaced (a row that could not be read is embedded again and rewritten)."""
        table = EmbeddingRow.__table__
        rows = [{"encoder": encoder, "text_sha256": k, "parts": v} for k, v in embeddings.items()]
        if rows:
            upsert = self._upsert(table)
            with self.engine.begin() as c:
                c.execute(
                    upsert.on_conflict_do_update(
                        index_elements=["encoder", "text_sha256"],
                        set_={"parts": upsert.excluded.parts},
                    ),
                    rows,
                )

    def embedding_counts(self) -> dict[str, int]:
        """Sentences embedded, by encoder key."""
        table = EmbeddingRow.__table__
        with self.engine.connect() as c:
            rows = c.execute(select(table.c.encoder, func.count()).group_by(table.c.encoder))
            return {encoder: n for encoder, n in rows}
