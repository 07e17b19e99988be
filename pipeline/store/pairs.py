"""Articles, their versions and their pairs: saved a pair in one transaction, read back a
batch of pairs at a time."""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from pipeline.models import (
    CONTENT_REASONS,
    ArticlePair,
    ArticleVersion,
    PairingMethod,
    PairStatus,
    UnpairedReason,
)
from pipeline.store.core import (
    PAIR_BATCH,
    _utc,
    _version,
)
from pipeline.store.crawl_records import CrawlRecords
from pipeline.store.interface import SaveResult
from pipeline.store.outputs import StageOutputs
from pipeline.store.pages import StoredPages
from pipeline.store.tables import (
    ArticleRow,
    ErrorRow,
    PairRow,
    StageFailureRow,
    UnpairedOriginalRow,
    VersionPageRow,
    VersionRow,
    url_sha256,
)

# Scores closer than this are the same evidence read twice (a document vector weighs each
# sentence by how many pages of the batch hold it): not a change worth a write.
SCORE_TOLERANCE = 0.01


def _fits(value: str | None, limit: int) -> str | None:
    return value if value is None or len(value) <= limit else None


class PairRecords(CrawlRecords, StageOutputs, StoredPages):
    def _save_version(self, c: Connection, v: ArticleVersion, result: SaveResult) -> int:
        sql = self._statements()
        article_id = c.execute(
            sql["article"],
            {
                "site": v.site,
                "language": v.language,
                "site_article_id": v.site_article_id,
                "canonical_url": v.canonical_url,
                "first_seen": v.fetched_at,
                "last_checked": v.fetched_at,
                # a validator longer than its column (a hostile server's) is not kept: the
                # next fetch is a plain GET, never a lost pair (PostgreSQL refuses the row)
                "etag": _fits(v.etag, 256),
                "last_modified": _fits(v.last_modified, 64),
            },
        ).scalar_one()
        if self._validators is not None and (v.etag or v.last_modified):
            self._validators[(v.site, v.language, v.site_article_id)] = (v.etag, v.last_modified)
        # a version read back from the store (after a 304) is there already: nothing inserted
        inserted = c.execute(
            sql["version"],
            {
                "article_id": article_id,
                "content_sha256": v.content_sha256,
                "raw_html_sha256": v.raw_html_sha256,
                "fetched_at": v.fetched_at,
                "record": v.model_dump(mode="json", exclude={"text"}),
            },
        ).first()
        if inserted is not None:
            result.new_versions.append(f"{v.language}:{v.site_article_id}")
            if v.raw_html and v.warc_record_id is None:  # no WARC record holds this page
                c.execute(
                    insert(VersionPageRow.__table__),
                    {"version_id": inserted[0], "raw_html_z": zlib.compress(v.raw_html, 6)},
                )
        if v.text is not None:
            version_id = (
                inserted[0]
                if inserted is not None
                else c.execute(
                    sql["version_id"], {"a_id": article_id, "sha": v.content_sha256}
                ).scalar_one()
            )
            c.execute(
                sql["text"],
                {
                    "version_id": version_id,
                    "extractor": v.text.extractor,
                    "status": v.text.status.value,
                    "language_ok": v.text.language_ok,
                    "record": v.text.model_dump(mode="json"),
                },
            )
        # A successful fetch settles earlier errors about the same URL.
        settled = {v.url, v.requested_url} & self._error_urls()
        if settled:
            errors = ErrorRow.__table__
            c.execute(
                delete(errors).where(errors.c.url_sha256.in_([url_sha256(u) for u in settled]))
            )
            self._error_urls().difference_update(settled)
        return article_id

    def save_pair(self, pair: ArticlePair) -> SaveResult:
        try:
            return self._save_pair(pair)
        except IntegrityError:
            if not self._pending_captures:
                raise
            # a capture row the store refuses must not take every later pair with it: the
            # captures go alone (a refused one is left out: warc-check --repair names it)
            self.flush_captures_apart()
            return self._save_pair(pair)

    def _save_pair(self, pair: ArticlePair) -> SaveResult:
        result = SaveResult()
        sql = self._statements()
        captured = len(self._pending_captures)
        with self.engine.begin() as c:
            # the captures buffered before this pair (its pages' among them) commit with it
            self.flush_captures(c)
            translation_id = self._save_version(c, pair.translation, result)
            original_id = (
                self._save_version(c, pair.original, result) if pair.original is not None else None
            )
            row = c.execute(sql["pair_select"], {"translation_id": translation_id}).first()
            stamp = pair.translation.fetched_at
            values = {
                "original_article_id": original_id,
                "status": pair.status.value,
                "reason": pair.reason.value if pair.reason else None,
                "reason_detail": pair.reason_detail,
                "original_url": pair.original_url,
                "updated_at": stamp,
                "pairing_method": pair.pairing_method.value if pair.pairing_method else None,
                "pairing_score": pair.pairing_score,
            }
            if original_id is not None and pair.status == PairStatus.paired:
                # an original content pairing had left alone has its translation now
                singles = UnpairedOriginalRow.__table__
                c.execute(delete(singles).where(singles.c.article_id == original_id))
            if row is None:
                c.execute(
                    sql["pair_insert"],
                    {
                        "site": pair.site,
                        "translation_article_id": translation_id,
                        "first_seen": stamp,
                        **values,
                    },
                )
                result.pair_created = True
            elif self._should_update(row, pair, original_id):
                c.execute(
                    sql["pair_update"],
                    {"row_id": row.id, **{f"new_{k}": val for k, val in values.items()}},
                )
                result.pair_changed = True
            if pair.alignment is not None:
                self._save_alignment(c, pair.alignment)
            if pair.stage_failures or pair.stages_ok:
                pair_id = (
                    row.id
                    if row is not None
                    else c.execute(sql["pair_select"], {"translation_id": translation_id}).one().id
                )
                self._save_stage_outcomes(c, pair_id, pair)
        del self._pending_captures[:captured]  # committed with the pair
        return result

    def _save_stage_outcomes(self, c: Connection, pair_id: int, pair: ArticlePair) -> None:
        table = StageFailureRow.__table__
        for stage, scope in pair.stages_ok:
            c.execute(
                delete(table).where(
                    table.c.pair_id == pair_id, table.c.stage == stage, table.c.scope == scope
                )
            )
        for failure in pair.stage_failures:
            upsert = self._upsert(table)
            c.execute(
                upsert.on_conflict_do_update(
                    index_elements=["pair_id", "stage", "scope"],
                    set_={
                        "reason": upsert.excluded.reason,
                        "detail": upsert.excluded.detail,
                        "last_seen": upsert.excluded.last_seen,
                        "count": table.c.count + 1,
                    },
                ),
                {
                    "pair_id": pair_id,
                    "stage": failure.stage.value,
                    "scope": failure.scope,
                    "reason": failure.reason,
                    "detail": failure.detail,
                    "first_seen": failure.at,
                    "last_seen": failure.at,
                    "count": 1,
                },
            )

    @staticmethod
    def _should_update(row: Any, pair: ArticlePair, original_id: int | None) -> bool:
        new = (
            pair.status.value,
            original_id,
            pair.reason.value if pair.reason else None,
            pair.original_url,
            pair.pairing_method.value if pair.pairing_method else None,
        )
        old = (row.status, row.original_article_id, row.reason, row.original_url)
        if new == (*old, row.pairing_method) and _same_score(row.pairing_score, pair.pairing_score):
            return False
        # A transient failure to fetch the original never erases a pairing already found.
        return not (
            row.status == PairStatus.paired
            and pair.status == PairStatus.unpaired
            and pair.reason not in CONTENT_REASONS
        )

    def pair_keys(self, site: str, *, checked_since: datetime | None = None) -> set[str]:
        """Translation article ids of the stored pairs of a site (paired or not); with
        `checked_since`, only those whose English page was fetched since then."""
        pairs, articles = PairRow.__table__, ArticleRow.__table__
        with self.engine.connect() as c:
            rows = c.execute(
                select(articles.c.site_article_id, articles.c.last_checked)
                .join(pairs, pairs.c.translation_article_id == articles.c.id)
                .where(pairs.c.site == site)
            ).all()
        return {
            key for key, checked in rows if checked_since is None or _utc(checked) >= checked_since
        }

    def latest_version(
        self, site: str, language: str, site_article_id: str
    ) -> ArticleVersion | None:
        with self._sessions() as s:
            row = s.scalar(
                _versions_of(site, language, site_article_id)
                .order_by(VersionRow.id.desc())
                .limit(1)
            )
            return None if row is None else _version(row)

    def versions(self, site: str, language: str, site_article_id: str) -> list[ArticleVersion]:
        with self._sessions() as s:
            rows = s.scalars(_versions_of(site, language, site_article_id).order_by(VersionRow.id))
            return [_version(r) for r in rows]

    def pair_for(self, site: str, translation_article_id: str) -> ArticlePair | None:
        pairs, articles = PairRow.__table__, ArticleRow.__table__
        query = (
            select(pairs)
            .join(articles, pairs.c.translation_article_id == articles.c.id)
            .where(pairs.c.site == site, articles.c.site_article_id == translation_article_id)
        )
        with self.engine.connect() as c:
            row = c.execute(query).first()
        return None if row is None else self._pairs_of([row])[0]

    def iter_pairs(self, site: str | None = None) -> Iterator[ArticlePair]:
        for _, pair in self.pairs_with_ids(site=site):
            yield pair

    def pairs_with_ids(
        self,
        ids: Sequence[int] | None = None,
        *,
        site: str | None = None,
        paired_only: bool = False,
    ) -> Iterator[tuple[int, ArticlePair]]:
        """(pair id, pair) of the stored pairs (those of `ids`, of `site`, paired only), in id
        order, their latest versions read PAIR_BATCH pairs at a time."""
        pairs = PairRow.__table__
        query = select(pairs).order_by(pairs.c.id)
        if ids is not None:
            query = query.where(pairs.c.id.in_(ids))
        if site:
            query = query.where(pairs.c.site == site)
        if paired_only:
            query = query.where(pairs.c.status == PairStatus.paired.value)
        with self.engine.connect() as c:
            rows = c.execute(query).all()
        for start in range(0, len(rows), PAIR_BATCH):
            chunk = rows[start : start + PAIR_BATCH]
            yield from zip((r.id for r in chunk), self._pairs_of(chunk), strict=True)

    def _pairs_of(self, rows: Sequence[Any]) -> list[ArticlePair]:
        """Pair rows as records, with their articles' latest versions (one query)."""
        article_ids = {r.translation_article_id for r in rows}
        article_ids.update(r.original_article_id for r in rows if r.original_article_id is not None)
        versions = VersionRow.__table__
        newest = (
            select(func.max(versions.c.id))
            .where(versions.c.article_id.in_(article_ids))
            .group_by(versions.c.article_id)
        )
        with self.engine.connect() as c:
            latest = {
                article_id: ArticleVersion.model_validate(record)
                for article_id, record in c.execute(
                    select(versions.c.article_id, versions.c.record).where(
                        versions.c.id.in_(newest)
                    )
                )
            }
        return [
            ArticlePair(
                site=r.site,
                status=PairStatus(r.status),
                # a pair row always has its translation's version (saved together)
                translation=latest[r.translation_article_id],
                original=(
                    latest.get(r.original_article_id) if r.original_article_id is not None else None
                ),
                original_url=r.original_url,
                reason=UnpairedReason(r.reason) if r.reason else None,
                reason_detail=r.reason_detail,
                pairing_method=PairingMethod(r.pairing_method) if r.pairing_method else None,
                pairing_score=r.pairing_score,
            )
            for r in rows
        ]


def _same_score(old: float | None, new: float | None) -> bool:
    if old is None or new is None:
        return old is new
    return abs(old - new) < SCORE_TOLERANCE


def _versions_of(site: str, language: str, site_article_id: str) -> Select[VersionRow]:
    """Every stored version of one article (unordered)."""
    return (
        select(VersionRow)
        .join(ArticleRow)
        .where(
            ArticleRow.site == site,
            ArticleRow.language == language,
            ArticleRow.site_article_id == site_article_id,
        )
    )
