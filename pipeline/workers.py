"""Stage workers: `bitext translate --worker` and `bitext align --worker` on many machines.

Work is a table of claims in the store itself (`stage_claims`): one row per unit of work,
claimed in batches with `SELECT ... FOR UPDATE SKIP LOCKED` (PostgreSQL), so any number of
workers on any machines share it and each unit goes to exactly one of them. A claim holds a
lease that the worker's heartbeat renews; a worker that dies stops renewing, its lease runs out
and another worker takes the unit over, so a run resumes by itself. Nothing else is needed: no
queue server, no scheduler process.

Units:
  * translate: one distinct source sentence for one engine (the translation cache's key), so
    a sentence shared by two articles is still decoded once, by one worker, in batches as large
    as the engine wants (a GPU wants large ones);
  * align: one paired article at its current versions (pair id and both content hashes), so a
    re-crawled, changed article is aligned again.

SQLite has no row locks: workers there take turns on the file's write lock (one machine).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from pipeline.models import ArticlePair
from pipeline.store import Base, PairRow, now

logger = logging.getLogger(__name__)

LEASE_S = 120.0  # a claim lasts this long unless renewed; a dead worker's claims free after it
POLL_S = 1.0  # wait between looks when every unit left is held by another live worker


class ClaimRow(Base):
    """A unit of stage work and who holds it (a worker's lease), or when it was done."""

    __tablename__ = "stage_claims"
    __table_args__ = (
        UniqueConstraint("stage", "scope", "item"),
        Index("ix_stage_claims_open", "stage", "scope", "done_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(32))  # "translate" / "align"
    scope: Mapped[str] = mapped_column(String(512))  # translate: the engine key
    item: Mapped[str] = mapped_column(String(256))  # translate: sentence sha256; align: pair
    payload: Mapped[str | None] = mapped_column(Text, nullable=True)  # translate: the sentence
    worker: Mapped[str | None] = mapped_column(String(128), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass
class Claim:
    id: int
    item: str
    payload: str | None


@dataclass
class WorkerReport:
    worker: str
    stage: str
    claimed: int = 0
    done: int = 0
    counts: Counter[str] = field(default_factory=Counter)


class ClaimQueue:
    """The claims of one stage and scope in a store: enqueue, claim, renew, finish."""

    def __init__(
        self,
        corpus: Any,
        stage: str,
        scope: str,
        *,
        worker: str | None = None,
        lease_s: float = LEASE_S,
    ) -> None:
        self.corpus = corpus
        self.engine = corpus.engine
        self.stage, self.scope = stage, scope
        self.worker = worker or worker_name()
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


class Heartbeat:
    """Renews a worker's leases every third of the lease, in a thread, until stopped."""

    def __init__(self, queue: ClaimQueue) -> None:
        self.queue = queue
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="claims-heartbeat", daemon=True)

    def _run(self) -> None:
        interval = self.queue.lease.total_seconds() / 3
        while not self.stop_event.wait(interval):
            try:
                self.queue.renew()
            except Exception:  # a lost connection: the next beat tries again
                logger.warning("could not renew claims", exc_info=True)

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        self.thread.join(timeout=10)


def drain(
    queue: ClaimQueue,
    batch: int,
    work: Callable[[list[Claim]], None],
    *,
    deadline_s: float | None = None,
) -> WorkerReport:
    """Claim and work batches until every unit is done: while units are held by other live
    workers, wait for them (their leases run out if they die, and the units come back here)."""
    report = WorkerReport(queue.worker, queue.stage)
    started = time.monotonic()
    with Heartbeat(queue):
        while deadline_s is None or time.monotonic() - started < deadline_s:
            claims = queue.claim(batch)
            if not claims:
                open_units, _held = queue.open_count()
                if open_units == 0:
                    break
                time.sleep(POLL_S)
                continue
            report.claimed += len(claims)
            work(claims)
            report.done += queue.finish(claims)
    return report


# -- translate --------------------------------------------------------------------------------


def paired_sentences(corpus: Any, language: str) -> list[str]:
    """Distinct non-blank sentences of the clean texts of paired articles in `language`."""
    seen: dict[str, None] = {}
    for pair in corpus.iter_pairs():
        version = pair.version_in(language)
        if pair.status != "paired" or version is None:
            continue
        text = corpus.text_of(version)
        if text is not None:
            seen.update((s.text, None) for s in text.sentences if s.text.strip())
    return list(seen)


def enqueue_translations(corpus: Any, queue: ClaimQueue, source: str) -> int:
    """Every distinct sentence in `source` the engine has not translated yet, as a unit."""
    from pipeline.translate import source_key

    sentences = {source_key(s): s for s in paired_sentences(corpus, source)}
    cached = corpus.cached_translations(queue.scope, list(sentences))
    return queue.enqueue({k: s for k, s in sentences.items() if k not in cached})


def translate_worker(
    corpus: Any,
    engine: Any,
    source: str,
    *,
    lease_s: float = LEASE_S,
    progress: Callable[[int], None] | None = None,
) -> WorkerReport:
    """One worker of the translate stage for one engine (direction): enqueue what is pending
    (idempotent: every worker does it), then claim, decode and save batches until none is left.
    `counts["decoded"]` is how many sentences this worker decoded."""
    from pipeline.translate import SENTENCES_PER_CALL

    queue = ClaimQueue(corpus, "translate", engine.key, lease_s=lease_s)
    enqueue_translations(corpus, queue, source)
    batch = engine.steps[0].settings.batch_size * SENTENCES_PER_CALL
    counts: Counter[str] = Counter()

    def work(claims: list[Claim]) -> None:
        cached = corpus.cached_translations(engine.key, [c.item for c in claims])
        todo = [c for c in claims if c.item not in cached and c.payload]
        counts["already translated"] += len(claims) - len(todo)
        if todo:
            translated = engine.translate([c.payload for c in todo])
            corpus.save_translations(
                engine.key, {c.item: t for c, t in zip(todo, translated, strict=True)}
            )
            counts["decoded"] += len(todo)
        if progress:
            progress(len(claims))

    report = drain(queue, batch, work)
    report.counts = counts
    return report


# -- align ------------------------------------------------------------------------------------


def _pairs_by_id(corpus: Any, ids: list[int]) -> Iterator[ArticlePair]:
    with corpus._sessions() as s:
        for row in s.scalars(select(PairRow).where(PairRow.id.in_(ids)).order_by(PairRow.id)):
            yield corpus._pair(s, row)


def enqueue_alignments(corpus: Any, queue: ClaimQueue) -> int:
    """Every paired article at its current versions, as a unit (a changed version: a new one)."""
    items: dict[str, str | None] = {}
    with corpus._sessions() as s:
        for row in s.scalars(select(PairRow).where(PairRow.status == "paired")):
            pair = corpus._pair(s, row)
            if pair.original is not None:
                sides = (pair.original.content_sha256[:16], pair.translation.content_sha256[:16])
                key = f"{row.id}:{sides[0]}:{sides[1]}"
                items[key] = None
    return queue.enqueue(items)


def align_worker(
    corpus: Any,
    *,
    translate: bool,
    settings: Any,
    batch: int = 50,
    lease_s: float = LEASE_S,
    redo: bool = False,
) -> WorkerReport:
    """One worker of the align stage: claim batches of pairs and align each batch with
    `align_stored` (the same rules as one process: stale or weaker alignments redone).
    Pairs aligned without translation share a learned lexicon within a batch, not over the
    whole corpus as in one process: larger batches come closer."""
    from pipeline.align import ALIGNER_VERSION
    from pipeline.align_store import align_stored

    queue = ClaimQueue(corpus, "align", ALIGNER_VERSION, lease_s=lease_s)
    enqueue_alignments(corpus, queue)
    counts: Counter[str] = Counter()

    def work(claims: list[Claim]) -> None:
        ids = [int(c.item.split(":", 1)[0]) for c in claims]
        counts.update(
            align_stored(
                corpus,
                redo=redo,
                translate=translate,
                settings=settings,
                pairs=list(_pairs_by_id(corpus, ids)),
            )
        )

    report = drain(queue, batch, work)
    report.counts = counts
    return report
