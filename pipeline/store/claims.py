"""The stage workers' queue of claims, in the store itself (`stage_claims`): the statements
behind `CorpusStore.claims` (pipeline/workers.py says how workers use it).

One row per unit of work, claimed in batches with `SELECT ... FOR UPDATE SKIP LOCKED`
(PostgreSQL), so any number of workers on any machines share it and each unit goes to exactly
one of them; SQLite has no row locks: workers there take turns on the file's write lock.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update

from pipeline.store.core import StoreCore
from pipeline.store.interface import Claim
from pipeline.store.tables import ClaimRow, now


class ClaimQueue:
    """The claims of one stage and scope in a store: enqueue, claim, renew, finish
    (pipeline.store.interface.WorkQueue)."""

    def __init__(
        self, corpus: StoreCore, stage: str, scope: str, *, worker: str, lease_s: float
    ) -> None:
        self.corpus = corpus
        self.engine = corpus.engine
        self.stage, self.scope = stage, scope
        self.worker = worker
        self.lease = timedelta(seconds=lease_s)
        self.table = ClaimRow.__table__

    def _mine(self) -> Any:
        t = self.table
        return and_(t.c.stage == self.stage, t.c.scope == self.scope)

    def enqueue(self, items: dict[str, str | None]) -> int:
        """Add units (item -> payload); units already there, done or not, are left alone."""
        rows = [
            {"stage": self.stage, "scope": self.scope, "item": k, "payload": v, "attempts": 0}
            for k, v in items.items()
        ]
        for start in range(0, len(rows), 1000):
            with self.engine.begin() as c:
                c.execute(
                    self.corpus._upsert(self.table).on_conflict_do_nothing(
                        index_elements=["stage", "scope", "item"]
                    ),
                    rows[start : start + 1000],
                )
        return len(rows)

    def claim(self, limit: int) -> list[Claim]:
        """Up to `limit` open units nobody holds (or whose holder's lease ran out), now ours.

        One statement: UPDATE .. WHERE id IN (SELECT .. FOR UPDATE SKIP LOCKED) RETURNING. On
        PostgreSQL rows another worker is claiming are skipped, not waited for; on SQLite the
        UPDATE takes the file's write lock first, so workers there take turns."""
        t = self.table
        moment = now()
        open_units = (
            select(t.c.id)
            .where(
                self._mine(),
                t.c.done_at.is_(None),
                or_(t.c.lease_until.is_(None), t.c.lease_until < moment),
            )
            .order_by(t.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        with self.engine.begin() as c:
            rows = c.execute(
                update(t)
                .where(t.c.id.in_(open_units.scalar_subquery()))
                .values(
                    worker=self.worker, lease_until=moment + self.lease, attempts=t.c.attempts + 1
                )
                .returning(t.c.id, t.c.item, t.c.payload)
            ).all()
        return sorted((Claim(r.id, r.item, r.payload) for r in rows), key=lambda c: c.id)

    def renew(self) -> int:
        """Extend the lease of every unit this worker holds (the heartbeat)."""
        t = self.table
        with self.engine.begin() as c:
            return c.execute(
                update(t)
                .where(self._mine(), t.c.worker == self.worker, t.c.done_at.is_(None))
                .values(lease_until=now() + self.lease)
            ).rowcount

    def finish(self, claims: list[Claim]) -> int:
        """Mark units done; a unit another worker took over (our lease ran out) is not ours."""
        t = self.table
        ids = [c.id for c in claims]
        with self.engine.begin() as c:
            return c.execute(
                update(t)
                .where(t.c.id.in_(ids), t.c.worker == self.worker, t.c.done_at.is_(None))
                .values(done_at=now(), lease_until=None)
            ).rowcount

    def open_count(self) -> tuple[int, int]:
        """(units not done, of which held by a live lease)."""
        t = self.table
        moment = now()
        with self.engine.connect() as c:
            row = c.execute(
                select(
                    func.count(),
                    func.count().filter(t.c.lease_until >= moment),
                ).where(self._mine(), t.c.done_at.is_(None))
            ).one()
        return int(row[0]), int(row[1])
