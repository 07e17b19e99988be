"""The raw pages of stored versions, read back from the WARC files: a version names its WARC
record (`warc_record_id`), the capture row says in which file and where; a revisit leads to the
record it repeats. A page no WARC record gives back (its file gone, a record not found, a payload
that is not the version's bytes) comes from `version_pages`, the store's copy, where there is
one (a version saved without a WARC record, or a page of a store made before migration 0005)."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from pipeline.store.core import TEXT_BATCH, StoreCore
from pipeline.store.tables import ArticleRow, CaptureRow, VersionPageRow, VersionRow
from pipeline.warc import file_of, record_at, record_offsets

HOPS = 2  # revisits followed to the record holding the payload


class StoredPages(StoreCore):
    def raw_pages(self, version_ids: Sequence[int]) -> dict[int, bytes]:
        """The pages of many versions, by version id (from the WARC files, else the store's
        copy); a version whose page neither gives back is left out."""
        pages: dict[int, bytes] = {}
        reader = _WarcReader(self)
        for start in range(0, len(version_ids), TEXT_BATCH):
            chunk = list(version_ids[start : start + TEXT_BATCH])
            versions = VersionRow.__table__
            with self.engine.connect() as c:
                rows = c.execute(
                    select(versions.c.id, versions.c.record, versions.c.raw_html_sha256).where(
                        versions.c.id.in_(chunk)
                    )
                ).all()
            wanted = {r.id: (r.record.get("warc_record_id"), r.raw_html_sha256) for r in rows}
            reader.locate([record_id for record_id, _ in wanted.values() if record_id])
            for version_id, (record_id, sha) in wanted.items():
                page = reader.page(record_id, sha) if record_id else None
                if page is not None:
                    pages[version_id] = page
            pages.update(self._store_copies([v for v in wanted if v not in pages]))
        return pages

    def raw_html(self, site: str, language: str, site_article_id: str) -> bytes | None:
        """The page of an article's latest version."""
        versions, articles = VersionRow.__table__, ArticleRow.__table__
        with self.engine.connect() as c:
            version_id = c.execute(
                select(versions.c.id)
                .join(articles, versions.c.article_id == articles.c.id)
                .where(
                    articles.c.site == site,
                    articles.c.language == language,
                    articles.c.site_article_id == site_article_id,
                )
                .order_by(versions.c.id.desc())
                .limit(1)
            ).scalar()
        return None if version_id is None else self.raw_pages([version_id]).get(version_id)

    def _store_copies(self, version_ids: list[int]) -> dict[int, bytes]:
        if not version_ids:
            return {}
        table = VersionPageRow.__table__
        with self.engine.connect() as c:
            rows = c.execute(
                select(table.c.version_id, table.c.raw_html_z).where(
                    table.c.version_id.in_(version_ids)
                )
            ).all()
        return {version_id: zlib.decompress(blob) for version_id, blob in rows}

    def drop_store_copies(self) -> tuple[int, int]:
        """Drop every store copy of a page that its WARC record gives back byte for byte;
        (dropped, kept)."""
        table, versions = VersionPageRow.__table__, VersionRow.__table__
        with self.engine.connect() as c:
            rows = c.execute(
                select(table.c.version_id, versions.c.record, versions.c.raw_html_sha256).join(
                    versions, versions.c.id == table.c.version_id
                )
            ).all()
        reader = _WarcReader(self)
        reader.locate(
            [r.record.get("warc_record_id") for r in rows if r.record.get("warc_record_id")]
        )
        held = [
            r.version_id
            for r in rows
            if r.record.get("warc_record_id")
            and reader.page(r.record["warc_record_id"], r.raw_html_sha256) is not None
        ]
        for start in range(0, len(held), TEXT_BATCH):
            with self.engine.begin() as c:
                c.execute(
                    delete(table).where(table.c.version_id.in_(held[start : start + TEXT_BATCH]))
                )
        return len(held), len(rows) - len(held)


class _WarcReader:
    """WARC records by id for one read of many pages: capture rows looked up a batch at a time,
    each file scanned at most once where a row has no offset or a record has no row."""

    def __init__(self, store: StoreCore) -> None:
        self.store = store
        self.directory: Path | None = store.warc_dir
        self.where: dict[str, tuple[str, int | None]] = {}  # record id -> (file, offset)
        self.scanned: dict[str, dict[str, int]] = {}  # file name -> record id -> offset
        self.everywhere: dict[str, tuple[str, int]] | None = None  # every file's records

    def locate(self, record_ids: list[str]) -> None:
        captures = CaptureRow.__table__
        todo = [r for r in dict.fromkeys(record_ids) if r not in self.where]
        for start in range(0, len(todo), 500):
            with self.store.engine.connect() as c:
                rows = c.execute(
                    select(
                        captures.c.warc_record_id, captures.c.warc_filename, captures.c.warc_offset
                    ).where(captures.c.warc_record_id.in_(todo[start : start + 500]))
                ).all()
            self.where.update((r[0], (r[1], r[2])) for r in rows)

    def _offset(self, record_id: str) -> tuple[Path, int] | None:
        if self.directory is None:
            return None
        self.locate([record_id])
        filename, offset = self.where.get(record_id, ("", None))
        path = file_of(self.directory, filename) if filename else None
        if path is not None and offset is None:
            if filename not in self.scanned:
                self.scanned[filename] = record_offsets(path)
            offset = self.scanned[filename].get(record_id)
        if path is None or offset is None:  # no capture row (e.g. a crawl killed before its
            found = self._everywhere().get(record_id)  # rows were written): every file
            if found is None:
                return None
            path, offset = self.directory / found[0], found[1]
        return path, offset

    def _everywhere(self) -> dict[str, tuple[str, int]]:
        if self.everywhere is None:
            self.everywhere = {}
            assert self.directory is not None
            for path in sorted(self.directory.glob("*.warc.gz*")):
                if path.name.endswith((".warc.gz", ".warc.gz.open")):
                    for record_id, offset in record_offsets(path).items():
                        self.everywhere.setdefault(record_id, (path.name, offset))
        return self.everywhere

    def page(self, record_id: str, sha256: str, hops: int = HOPS) -> bytes | None:
        """The payload of a response record (a revisit followed), if it is the version's."""
        found = self._offset(record_id)
        record = record_at(*found) if found is not None else None
        if record is None:
            return None
        if record.record_type == "revisit" and record.refers_to and hops > 0:
            return self.page(record.refers_to, sha256, hops - 1)
        if record.record_type != "response":
            return None
        return record.payload if hashlib.sha256(record.payload).hexdigest() == sha256 else None


def default_warc_dir(location: Any) -> Path | None:
    """Where a SQLite store's crawl writes its WARC files by default: `warc/` beside the file
    (BITEXT_DATA_DIR/corpus.sqlite and BITEXT_DATA_DIR/warc); None for other databases."""
    from sqlalchemy.engine import make_url

    text = str(location)
    if "://" not in text:
        return Path(text).expanduser().resolve().parent / "warc"
    url = make_url(text)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).expanduser().resolve().parent / "warc"
