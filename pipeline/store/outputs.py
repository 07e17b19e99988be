"""What the stages make: clean texts, translations, alignments, reviews, and the failures
of stages the crawl recorded."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import (
    Text,
    cast,
    delete,
    func,
    insert,
    select,
    text,
    tuple_,
)
from sqlalchemy.engine import Connection

from pipeline.models import (
    ArticleText,
    ArticleVersion,
    PairAlignment,
    StageFailure,
)
from pipeline.store.core import (
    TEXT_BATCH,
    StoreCore,
    _version_key,
)
from pipeline.store.interface import AlignmentKey, ReviewConflict, ReviewRevision
from pipeline.store.tables import (
    AlignmentRow,
    ArticleRow,
    PairRow,
    ReviewRow,
    StageFailureRow,
    TextRow,
    TranslationRow,
    VersionRow,
    now,
)

REVIEW_LOCK_KEY = 0x62697472  # "bitr": PostgreSQL advisory lock serialising review writes


class StageOutputs(StoreCore):
    def text_of(self, version: ArticleVersion) -> ArticleText | None:
        """The stored clean text of a version, if extraction ran on it."""
        with self._sessions() as s:
            record = s.scalar(
                select(TextRow.record)
                .join(VersionRow, TextRow.version_id == VersionRow.id)
                .join(ArticleRow)
                .where(
                    ArticleRow.site == version.site,
                    ArticleRow.language == version.language,
                    ArticleRow.site_article_id == version.site_article_id,
                    VersionRow.content_sha256 == version.content_sha256,
                )
            )
            return None if record is None else ArticleText.model_validate(record)

    def texts_of(self, versions: Sequence[ArticleVersion]) -> list[ArticleText | None]:
        """The stored clean texts of many versions (None where extraction has not run), in a
        query per TEXT_BATCH versions rather than one a version."""
        texts, versions_t, articles = TextRow.__table__, VersionRow.__table__, ArticleRow.__table__
        found: dict[tuple[str, str, str, str], ArticleText] = {}
        keys = list(dict.fromkeys(_version_key(v) for v in versions))
        with self.engine.connect() as c:
            for start in range(0, len(keys), TEXT_BATCH):
                query = (
                    select(
                        articles.c.site,
                        articles.c.language,
                        articles.c.site_article_id,
                        versions_t.c.content_sha256,
                        texts.c.record,
                    )
                    .join(versions_t, texts.c.version_id == versions_t.c.id)
                    .join(articles, versions_t.c.article_id == articles.c.id)
                    .where(
                        tuple_(
                            articles.c.site,
                            articles.c.language,
                            articles.c.site_article_id,
                            versions_t.c.content_sha256,
                        ).in_(keys[start : start + TEXT_BATCH])
                    )
                )
                for r in c.execute(query):
                    found[r[0], r[1], r[2], r[3]] = ArticleText.model_validate(r[4])
        return [found.get(_version_key(v)) for v in versions]

    def version_extractors(self) -> list[tuple[int, ArticleVersion, str | None]]:
        """(version id, version, the extractor of its stored text or None) of every version,
        without their pages: what the extraction rule (pipeline.stages) decides on."""
        versions, texts = VersionRow.__table__, TextRow.__table__
        query = (
            select(versions.c.id, versions.c.record, texts.c.extractor)
            .outerjoin(texts, texts.c.version_id == versions.c.id)
            .order_by(versions.c.id)
        )
        with self.engine.connect() as c:
            return [
                (version_id, ArticleVersion.model_validate(record), extractor)
                for version_id, record, extractor in c.execute(query)
            ]

    def save_text(self, version_id: int, text: ArticleText) -> None:
        with self.engine.begin() as c:
            c.execute(
                self._statements()["text"],
                {
                    "version_id": version_id,
                    "extractor": text.extractor,
                    "status": text.status.value,
                    "language_ok": text.language_ok,
                    "record": text.model_dump(mode="json"),
                },
            )
            # extracted now: an extraction failure the crawl recorded for it is settled
            versions, pairs = VersionRow.__table__, PairRow.__table__
            failures = StageFailureRow.__table__
            article = select(versions.c.article_id).where(versions.c.id == version_id)
            c.execute(
                delete(failures).where(
                    failures.c.stage == "extraction",
                    failures.c.scope == text.language,
                    failures.c.pair_id.in_(
                        select(pairs.c.id).where(
                            pairs.c.translation_article_id.in_(article)
                            | pairs.c.original_article_id.in_(article)
                        )
                    ),
                )
            )

    def cached_translations(self, engine: str, source_keys: list[str]) -> dict[str, str]:
        """Translations already made by `engine`, by source sentence hash."""
        table = TranslationRow.__table__
        found: dict[str, str] = {}
        with self.engine.connect() as c:
            for start in range(0, len(source_keys), 500):  # bound the IN list
                rows = c.execute(
                    select(table.c.source_sha256, table.c.target).where(
                        table.c.engine == engine,
                        table.c.source_sha256.in_(source_keys[start : start + 500]),
                    )
                )
                found.update({key: target for key, target in rows})
        return found

    def save_translations(self, engine: str, translations: dict[str, str]) -> None:
        table = TranslationRow.__table__
        rows = [
            {"engine": engine, "source_sha256": k, "target": v} for k, v in translations.items()
        ]
        if rows:
            with self.engine.begin() as c:
                c.execute(
                    self._upsert(table).on_conflict_do_nothing(
                        index_elements=["engine", "source_sha256"]
                    ),
                    rows,
                )

    def _save_alignment(self, c: Connection, alignment: PairAlignment) -> None:
        sql = self._statements()
        pair_id = c.execute(
            sql["pair_id"],
            {"site": alignment.site, "translation_article_id": alignment.translation_article_id},
        ).scalar_one()
        c.execute(
            sql["alignment"],
            {
                "pair_id": pair_id,
                "src_sha256": alignment.src_sha256,
                "tgt_sha256": alignment.tgt_sha256,
                "aligner": alignment.aligner,
                "mode": alignment.mode,
                "aligned_at": alignment.aligned_at,
                "record": alignment.model_dump(mode="json"),
            },
        )

    def save_alignment(self, alignment: PairAlignment) -> None:
        with self.engine.begin() as c:
            self._save_alignment(c, alignment)
            pair_id = c.execute(
                self._statements()["pair_id"],
                {
                    "site": alignment.site,
                    "translation_article_id": alignment.translation_article_id,
                },
            ).scalar_one()
            failures = StageFailureRow.__table__
            c.execute(  # aligned now: an alignment failure from the crawl is settled
                delete(failures).where(
                    failures.c.pair_id == pair_id, failures.c.stage == "alignment"
                )
            )

    def alignment_of(self, site: str, translation_article_id: str) -> PairAlignment | None:
        with self.engine.connect() as c:
            pair_id = c.execute(
                self._statements()["pair_id"],
                {"site": site, "translation_article_id": translation_article_id},
            ).scalar()
            if pair_id is None:
                return None
            record = c.execute(
                select(AlignmentRow.record).where(AlignmentRow.pair_id == pair_id)
            ).scalar()
        return None if record is None else PairAlignment.model_validate(record)

    def alignment_key(self, site: str, translation_article_id: str) -> AlignmentKey | None:
        """What a pair's stored alignment was made on and by, if it has one."""
        al = AlignmentRow.__table__
        with self.engine.connect() as c:
            pair_id = c.execute(
                self._statements()["pair_id"],
                {"site": site, "translation_article_id": translation_article_id},
            ).scalar()
            row = c.execute(
                select(al.c.src_sha256, al.c.tgt_sha256, al.c.aligner, al.c.mode).where(
                    al.c.pair_id == pair_id
                )
            ).first()
        return None if row is None else AlignmentKey(row[0], row[1], row[2], row[3])

    def alignment_keys(self) -> dict[tuple[str, str], AlignmentKey]:
        """(site, en article id) -> (src sha, tgt sha, aligner, mode) of every stored alignment."""
        articles, pairs, al = ArticleRow.__table__, PairRow.__table__, AlignmentRow.__table__
        query = (
            select(
                articles.c.site,
                articles.c.site_article_id,
                al.c.src_sha256,
                al.c.tgt_sha256,
                al.c.aligner,
                al.c.mode,
            )
            .join(pairs, pairs.c.id == al.c.pair_id)
            .join(articles, articles.c.id == pairs.c.translation_article_id)
        )
        with self.engine.connect() as c:
            return {(r[0], r[1]): AlignmentKey(r[2], r[3], r[4], r[5]) for r in c.execute(query)}

    def iter_alignments(self) -> Iterator[PairAlignment]:
        with self.engine.connect() as c:
            rows = c.execute(select(AlignmentRow.record).order_by(AlignmentRow.id)).scalars().all()
        for record in rows:
            yield PairAlignment.model_validate(record)

    def latest_review(self, site: str, translation_article_id: str) -> PairAlignment | None:
        """The newest review revision of a pair, whatever versions it was made on."""
        reviews = ReviewRow.__table__
        with self.engine.connect() as c:
            pair_id = c.execute(
                self._statements()["pair_id"],
                {"site": site, "translation_article_id": translation_article_id},
            ).scalar()
            record = c.execute(
                select(reviews.c.record)
                .where(reviews.c.pair_id == pair_id)
                .order_by(reviews.c.revision.desc())
                .limit(1)
            ).scalar()
        return None if record is None else PairAlignment.model_validate(record)

    @contextmanager
    def _review_writes(self) -> Iterator[Connection]:
        """One transaction no other review import or drop interleaves with: SQLite's write
        lock taken at its start (BEGIN IMMEDIATE; pysqlite would begin only at the first
        insert, after the reads it decides on), PostgreSQL's advisory lock for reviews."""
        with self.engine.connect() as c:
            if self.engine.dialect.name == "sqlite":
                c.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                c.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": REVIEW_LOCK_KEY})
            try:
                yield c
            except BaseException:
                c.rollback()
                raise
            c.commit()

    def latest_revisions(self) -> dict[tuple[str, str], int]:
        """(site, translation article id) -> its newest review revision, for reviewed pairs."""
        table, pairs, articles = ReviewRow.__table__, PairRow.__table__, ArticleRow.__table__
        query = (
            select(articles.c.site, articles.c.site_article_id, func.max(table.c.revision))
            .join(pairs, pairs.c.id == table.c.pair_id)
            .join(articles, articles.c.id == pairs.c.translation_article_id)
            .group_by(articles.c.site, articles.c.site_article_id)
        )
        with self.engine.connect() as c:
            return {(r[0], r[1]): r[2] for r in c.execute(query)}

    def save_reviews(
        self,
        reviews: list[tuple[PairAlignment, str]],
        expected: dict[tuple[str, str], int | None] | None = None,
    ) -> list[bool]:
        """Store (review, digest) pairs in one transaction, each as a new revision unless the
        pair's newest revision has the same digest; says which were new. `expected`: each
        pair's newest revision when the import read the store (None: none); if another import
        stored one since, ReviewConflict and nothing is stored."""
        table = ReviewRow.__table__
        saved: list[bool] = []
        with self._review_writes() as c:
            for review, digest in reviews:
                key = (review.site, review.translation_article_id)
                pair_id = c.execute(
                    self._statements()["pair_id"],
                    {"site": review.site, "translation_article_id": review.translation_article_id},
                ).scalar_one()
                last = c.execute(
                    select(table.c.revision, table.c.digest)
                    .where(table.c.pair_id == pair_id)
                    .order_by(table.c.revision.desc())
                    .limit(1)
                ).first()
                newest = None if last is None else last.revision
                if expected is not None and expected.get(key) != newest:
                    was = expected.get(key)
                    raise ReviewConflict(
                        f"pair {key[0]}:{key[1]}: revision {newest} was stored by another "
                        f"import while this one ran (it read "
                        f"{'no review' if was is None else f'revision {was}'}); nothing of this "
                        "import is stored: import the file again to make it the newest"
                    )
                if last is not None and last.digest == digest:
                    saved.append(False)
                    continue
                revision = 1 if last is None else last.revision + 1
                record = review.model_copy(update={"review_revision": revision})
                c.execute(
                    insert(table),
                    {
                        "pair_id": pair_id,
                        "revision": revision,
                        "src_sha256": review.src_sha256,
                        "tgt_sha256": review.tgt_sha256,
                        "reviewer": review.reviewer,
                        "reviewed_at": review.reviewed_at or now(),
                        "digest": digest,
                        "record": record.model_dump(mode="json"),
                    },
                )
                saved.append(True)
        return saved

    def review_revisions(self, site: str, translation_article_id: str) -> list[ReviewRevision]:
        """Every stored review revision of a pair, oldest first."""
        table = ReviewRow.__table__
        with self.engine.connect() as c:
            pair_id = c.execute(
                self._statements()["pair_id"],
                {"site": site, "translation_article_id": translation_article_id},
            ).scalar()
            rows = c.execute(
                select(
                    table.c.revision,
                    table.c.reviewer,
                    table.c.reviewed_at,
                    func.length(cast(table.c.record, Text)),
                )
                .where(table.c.pair_id == pair_id)
                .order_by(table.c.revision)
            ).all()
        return [ReviewRevision(r[0], r[1], r[2], int(r[3] or 0)) for r in rows]

    def drop_review_revision(self, site: str, translation_article_id: str, revision: int) -> bool:
        """Delete one review revision of a pair (a revision too big, or imported by mistake);
        the newest left becomes the current review. False: there is no such revision."""
        table = ReviewRow.__table__
        with self._review_writes() as c:
            pair_id = c.execute(
                self._statements()["pair_id"],
                {"site": site, "translation_article_id": translation_article_id},
            ).scalar()
            if pair_id is None:
                return False
            deleted = c.execute(
                delete(table).where(table.c.pair_id == pair_id, table.c.revision == revision)
            ).rowcount
        return bool(deleted)

    def iter_reviews(self) -> Iterator[PairAlignment]:
        """The newest review revision of every reviewed pair."""
        table = ReviewRow.__table__
        newest = (
            select(table.c.pair_id, func.max(table.c.revision).label("revision"))
            .group_by(table.c.pair_id)
            .subquery()
        )
        query = (
            select(table.c.record)
            .join(
                newest,
                (newest.c.pair_id == table.c.pair_id) & (newest.c.revision == table.c.revision),
            )
            .order_by(table.c.pair_id)
        )
        with self.engine.connect() as c:
            rows = c.execute(query).scalars().all()
        for record in rows:
            yield PairAlignment.model_validate(record)

    def settle_stage_failures(self, stage: str, scope: str) -> int:
        """Forget every failure of `stage` on `scope` (it has since been run for the whole
        store, e.g. `bitext translate`); how many there were."""
        table = StageFailureRow.__table__
        with self.engine.begin() as c:
            return c.execute(
                delete(table).where(table.c.stage == stage, table.c.scope == scope)
            ).rowcount

    def stage_failures(self) -> list[tuple[str, str, StageFailure]]:
        """(site, translation article id, failure) of every stage failure on record."""
        table, pairs, articles = (
            StageFailureRow.__table__,
            PairRow.__table__,
            ArticleRow.__table__,
        )
        query = (
            select(articles.c.site, articles.c.site_article_id, table)
            .join(pairs, pairs.c.id == table.c.pair_id)
            .join(articles, articles.c.id == pairs.c.translation_article_id)
            .order_by(table.c.id)
        )
        with self.engine.connect() as c:
            return [
                (
                    r.site,
                    r.site_article_id,
                    StageFailure(
                        stage=r.stage,
                        scope=r.scope,
                        reason=r.reason,
                        detail=r.detail,
                        at=r.last_seen,
                    ),
                )
                for r in c.execute(query)
            ]
