"""What content pairing keeps in the store: versions saved before they are paired, the originals
it left without a translation, and every article of a site for the next crawl's pairing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select

from pipeline.models import ArticleVersion, UnpairedOriginal, UnpairedReason
from pipeline.store.interface import SaveResult
from pipeline.store.pairs import PairRecords
from pipeline.store.tables import ArticleRow, UnpairedOriginalRow, VersionRow

ID_BATCH = 500  # keys looked up in one query


class ContentRecords(PairRecords):
    def save_version(self, version: ArticleVersion) -> SaveResult:
        """One article version (and its clean text) with no pair yet: a crawl that pairs by
        content stores each article as it is fetched, and pairs them when both editions are in."""
        result = SaveResult()
        with self.engine.begin() as c:
            self._save_version(c, version, result)
        return result

    def save_unpaired_original(self, record: UnpairedOriginal) -> SaveResult:
        """An original content pairing left alone: its version, and why (a later pairing of it
        deletes the row: PairRecords.save_pair)."""
        result = SaveResult()
        table = UnpairedOriginalRow.__table__
        with self.engine.begin() as c:
            article_id = self._save_version(c, record.original, result)
            best_id = (
                c.execute(
                    select(ArticleRow.__table__.c.id).where(
                        ArticleRow.site == record.site,
                        ArticleRow.site_article_id == record.best_candidate,
                        ArticleRow.language != record.original.language,
                    )
                ).scalar()
                if record.best_candidate
                else None
            )
            values = {
                "reason": record.reason.value,
                "reason_detail": record.reason_detail,
                "best_article_id": best_id,
                "best_score": record.best_score,
            }
            row = c.execute(select(table).where(table.c.article_id == article_id)).first()
            now = datetime.now(UTC)
            if row is None:
                c.execute(
                    table.insert(),
                    {
                        "site": record.site,
                        "article_id": article_id,
                        "first_seen": now,
                        "updated_at": now,
                        **values,
                    },
                )
                result.pair_created = True
            elif _changed(row, values):
                c.execute(
                    table.update().where(table.c.id == row.id).values(updated_at=now, **values)
                )
                result.pair_changed = True
        return result

    def unpaired_originals(self, site: str | None = None) -> list[UnpairedOriginal]:
        table, articles = UnpairedOriginalRow.__table__, ArticleRow.__table__
        best = articles.alias("best")
        query = (
            select(table, articles.c.site_article_id, best.c.site_article_id.label("best_key"))
            .join(articles, articles.c.id == table.c.article_id)
            .outerjoin(best, best.c.id == table.c.best_article_id)
            .order_by(table.c.id)
        )
        if site:
            query = query.where(table.c.site == site)
        with self.engine.connect() as c:
            rows = c.execute(query).all()
        latest = self._latest_versions([r.article_id for r in rows])
        return [
            UnpairedOriginal(
                site=r.site,
                original=latest[r.article_id],
                reason=UnpairedReason(r.reason),
                reason_detail=r.reason_detail,
                best_candidate=r.best_key,
                best_score=r.best_score,
            )
            for r in rows
            if r.article_id in latest
        ]

    def site_versions(self, site: str, language: str) -> list[ArticleVersion]:
        """The latest version of every article of a site in one language (no text: texts_of)."""
        articles = ArticleRow.__table__
        with self.engine.connect() as c:
            ids = [
                r[0]
                for r in c.execute(
                    select(articles.c.id).where(
                        articles.c.site == site, articles.c.language == language
                    )
                )
            ]
        return list(self._latest_versions(ids).values())

    def _latest_versions(self, article_ids: Sequence[int]) -> dict[int, ArticleVersion]:
        versions = VersionRow.__table__
        out: dict[int, ArticleVersion] = {}
        with self.engine.connect() as c:
            for start in range(0, len(article_ids), ID_BATCH):
                chunk = article_ids[start : start + ID_BATCH]
                newest = (
                    select(func.max(versions.c.id))
                    .where(versions.c.article_id.in_(chunk))
                    .group_by(versions.c.article_id)
                )
                for article_id, record in c.execute(
                    select(versions.c.article_id, versions.c.record).where(
                        versions.c.id.in_(newest)
                    )
                ):
                    out[article_id] = ArticleVersion.model_validate(record)
        return out


def _changed(row: object, values: dict[str, object]) -> bool:
    for name, value in values.items():
        old = getattr(row, name)
        if name == "best_score" and isinstance(old, float) and isinstance(value, float):
            if abs(old - value) >= 0.01:
                return True
        elif old != value:
            return True
    return False
