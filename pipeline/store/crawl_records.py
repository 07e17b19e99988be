"""The crawl's own records: its runs, the errors it met, its WARC captures, and the
conditional-GET validators it sends."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    func,
    insert,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from pipeline.models import (
    CrawlError,
    CrawlRun,
    WarcCapture,
)
from pipeline.store.core import (
    CAPTURE_BATCH,
    StoreCore,
    _capture,
)
from pipeline.store.tables import (
    ArticleRow,
    CaptureRow,
    CrawlRow,
    ErrorRow,
    now,
    url_sha256,
)


class CrawlRecords(StoreCore):
    def begin_crawl(
        self, spider: str, args: dict[str, Any], profile: dict[str, Any] | None = None
    ) -> int:
        with self._sessions.begin() as s:
            row = CrawlRow(spider=spider, args=args, profile=profile, started_at=now(), stats={})
            s.add(row)
            s.flush()
            return row.id

    def finish_crawl(self, crawl_id: int, reason: str, stats: dict[str, Any]) -> None:
        with self._sessions.begin() as s:
            row = s.get(CrawlRow, crawl_id)
            if row is not None:
                row.finished_at = now()
                row.finish_reason = reason
                row.stats = {
                    k: v if isinstance(v, int | float | str) else str(v) for k, v in stats.items()
                }

    def close_unfinished_crawls(self, reason: str) -> list[int]:
        """Close every run's row still open (its crawl died without closing it: killed, its
        disk full); their ids. Only for a store no other crawl can be writing (see
        CrawlRunRecorder)."""
        crawls = CrawlRow.__table__
        with self.engine.begin() as c:
            ids = list(
                c.execute(select(crawls.c.id).where(crawls.c.finished_at.is_(None))).scalars()
            )
            if ids:
                c.execute(
                    crawls.update()
                    .where(crawls.c.id.in_(ids))
                    .values(finished_at=now(), finish_reason=reason)
                )
        return ids

    def crawled_sites(self) -> list[tuple[dict[str, Any] | None, dict[str, Any]]]:
        """(profile source, spider arguments) of every crawl, oldest first."""
        crawls = CrawlRow.__table__
        with self.engine.connect() as c:
            rows = c.execute(select(crawls.c.profile, crawls.c.args).order_by(crawls.c.id))
            return [(profile, args or {}) for profile, args in rows]

    def crawl_runs(self) -> list[CrawlRun]:
        """Every crawl run, oldest first, with its site's name as its WARC files give it."""
        crawls = CrawlRow.__table__
        with self.engine.connect() as c:
            rows = c.execute(select(crawls).order_by(crawls.c.id)).all()
        return [
            CrawlRun(
                id=r.id,
                spider=r.spider,
                site=_site_of(r.profile, r.spider),
                args=r.args or {},
                started_at=r.started_at,
                finished_at=r.finished_at,
                finish_reason=r.finish_reason,
                stats=r.stats or {},
            )
            for r in rows
        ]

    def _error_urls(self) -> set[str]:
        if self._error_url_set is None:
            with self.engine.connect() as c:
                self._error_url_set = set(c.execute(select(ErrorRow.__table__.c.url)).scalars())
        return self._error_url_set

    def record_error(self, error: CrawlError) -> None:
        self._error_urls().add(error.url)
        with self._sessions.begin() as s:
            row = s.scalar(
                select(ErrorRow).where(
                    ErrorRow.url_sha256 == url_sha256(error.url), ErrorRow.kind == error.kind.value
                )
            )
            if row is None:
                s.add(
                    ErrorRow(
                        site=error.site,
                        url=error.url,
                        url_sha256=url_sha256(error.url),
                        kind=error.kind.value,
                        detail=error.detail,
                        http_status=error.http_status,
                        language=error.language,
                        first_seen=error.at,
                        last_seen=error.at,
                    )
                )
            else:
                row.detail, row.http_status, row.last_seen = (
                    error.detail,
                    error.http_status,
                    error.at,
                )
                row.count += 1

    def errors(self) -> list[CrawlError]:
        with self._sessions() as s:
            return [
                CrawlError(
                    site=r.site,
                    url=r.url,
                    kind=r.kind,
                    detail=r.detail,
                    http_status=r.http_status,
                    language=r.language,
                    at=r.last_seen,
                )
                for r in s.scalars(select(ErrorRow).order_by(ErrorRow.id))
            ]

    def record_capture(self, capture: WarcCapture, *, flush: bool = True) -> None:
        """Buffered: the WARC record is already flushed, so a row lost in a crash never points
        at a missing record. The buffer is written with the next pair, in that pair's
        transaction (a pair is never stored without the captures before it), and every
        CAPTURE_BATCH (`flush`) and on close; rows a crash still loses are added back from the
        WARC files by the next crawl (pipeline.stages.archive)."""
        self._pending_captures.append(
            {**capture.model_dump(), "url_sha256": url_sha256(capture.url)}
        )
        if capture.record_type == "response":
            self._last_captures()[capture.url, False] = capture
            if 200 <= capture.http_status < 300:
                self._last_captures()[capture.url, True] = capture
        if flush and len(self._pending_captures) >= CAPTURE_BATCH:
            self.flush_captures()

    def flush_captures(self, connection: Connection | None = None) -> None:
        """Write the buffered capture rows (in `connection`'s transaction when given: the
        buffer is emptied only once that commits, see save_pair)."""
        if not self._pending_captures:
            return
        if connection is not None:
            connection.execute(insert(CaptureRow.__table__), self._pending_captures)
            return
        with self.engine.begin() as c:
            c.execute(insert(CaptureRow.__table__), self._pending_captures)
        self._pending_captures = []

    def flush_captures_apart(self) -> None:
        """Write the buffered capture rows one transaction each, leaving out any the store
        refuses (a duplicate record id)."""
        pending, self._pending_captures = self._pending_captures, []
        for row in pending:
            try:
                with self.engine.begin() as c:
                    c.execute(insert(CaptureRow.__table__), [row])
            except IntegrityError:
                continue

    def capture_counts(self) -> dict[str, int]:
        """WARC file name -> how many capture rows point into it."""
        captures = CaptureRow.__table__
        with self.engine.connect() as c:
            rows = c.execute(
                select(captures.c.warc_filename, func.count()).group_by(captures.c.warc_filename)
            )
            return {name: n for name, n in rows}

    def capture_ids_in(self, warc_filename: str) -> set[str]:
        captures = CaptureRow.__table__
        with self.engine.connect() as c:
            return set(
                c.execute(
                    select(captures.c.warc_record_id).where(
                        captures.c.warc_filename == warc_filename
                    )
                ).scalars()
            )

    def add_captures(self, captures: list[WarcCapture]) -> None:
        """Capture rows read back from a WARC file (a repair), in one transaction."""
        if captures:
            with self.engine.begin() as c:
                c.execute(
                    insert(CaptureRow.__table__),
                    [{**k.model_dump(), "url_sha256": url_sha256(k.url)} for k in captures],
                )
            self._capture_index = None  # read again: the repaired rows are the URLs' last

    def captures_full(self) -> bool:
        return len(self._pending_captures) >= CAPTURE_BATCH

    def _last_captures(self) -> dict[tuple[str, bool], WarcCapture]:
        """(url, successful) -> the URL's last full capture, of any status or a 2xx one."""
        if self._capture_index is None:
            captures = CaptureRow.__table__
            with self.engine.connect() as c:
                rows = c.execute(
                    select(captures)
                    .where(captures.c.record_type == "response")
                    .order_by(captures.c.id)
                )
                self._capture_index = {}
                for r in rows:
                    self._capture_index[r.url, False] = _capture(r)
                    if 200 <= r.http_status < 300:
                        self._capture_index[r.url, True] = self._capture_index[r.url, False]
        return self._capture_index

    def last_capture(self, url: str, *, successful: bool = False) -> WarcCapture | None:
        """The URL's last `response` capture; `successful`: its last 2xx one (what a 304
        confirms, never a failed try before a retry)."""
        return self._last_captures().get((url, successful))

    def captures(self) -> list[WarcCapture]:
        self.flush_captures()
        with self._sessions() as s:
            return [_capture(r) for r in s.scalars(select(CaptureRow).order_by(CaptureRow.id))]

    def validators(
        self, site: str, language: str, site_article_id: str
    ) -> tuple[str | None, str | None]:
        """ETag and Last-Modified of an article's last fetch (for conditional GETs); read once
        per store and kept current by save_pair, since the crawl asks for every article."""
        if self._validators is None:
            articles = ArticleRow.__table__
            with self.engine.connect() as c:
                rows = c.execute(
                    select(
                        articles.c.site,
                        articles.c.language,
                        articles.c.site_article_id,
                        articles.c.etag,
                        articles.c.last_modified,
                    )
                )
                self._validators = {(r[0], r[1], r[2]): (r[3], r[4]) for r in rows}
        return self._validators.get((site, language, site_article_id), (None, None))


def _site_of(profile: dict[str, Any] | None, spider: str) -> str:
    """A crawl's site name from its stored profile (a registered profile's name, a profile
    file's `name`), else its spider's."""
    profile = profile or {}
    named = profile.get("registered") or (profile.get("profile_file") or {}).get("name")
    return str(named) if named else spider
