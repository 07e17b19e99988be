"""The store's capture rows against the WARC files: compared both ways, and repaired.

Every `response` and `revisit` record a crawl writes has a `captures` row (file, offset, id).
A crash, a full disk or a lost database can leave records whose rows were never committed
(the record is flushed first, by design); `repair_captures` adds them back from the records'
own headers. The crawl's writer runs `repair_unmarked` at start, over the files no earlier
writer closed cleanly with every row committed: a file it closed so gets a mark beside it
(`NAME.warc.gz.rows`, holding how many captures the file has) and is read again only if the
store holds fewer rows for it than that (a store removed and made again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.models import WarcCapture
from pipeline.store.interface import CorpusStore
from pipeline.warc import capture_records, read_records

MARK_SUFFIX = ".rows"


@dataclass
class ArchiveComparison:
    """What `bitext warc-check` reports: the store and the WARC files, both ways."""

    captures: int = 0  # capture rows in the store
    records: int = 0  # records in the WARC files
    rows_without_record: list[WarcCapture] = field(default_factory=list)
    records_without_row: list[WarcCapture] = field(default_factory=list)


def compare(store: CorpusStore, paths: list[Path]) -> ArchiveComparison:
    """Store rows pointing at no WARC record, and captured records with no store row."""
    ids: set[str] = set()
    captured: list[WarcCapture] = []
    for path in paths:
        ids.update(str(r["id"]) for r in read_records(path))
        captured += capture_records(path)
    rows = store.captures()
    stored = {c.warc_record_id for c in rows}
    return ArchiveComparison(
        captures=len(rows),
        records=len(ids),
        rows_without_record=[c for c in rows if c.warc_record_id not in ids],
        records_without_row=[c for c in captured if c.warc_record_id not in stored],
    )


def repair_captures(store: CorpusStore, paths: list[Path]) -> int:
    """Add the capture row of every captured record the store lacks; how many were added."""
    added = 0
    for path in paths:
        have = store.capture_ids_in(path.name)
        missing = [c for c in capture_records(path) if c.warc_record_id not in have]
        store.add_captures(missing)
        added += len(missing)
    return added


def mark(path: Path, captures: int) -> None:
    """Say beside a closed WARC file that all its `captures` rows are committed."""
    path.with_name(path.name + MARK_SUFFIX).write_text(f"{captures}\n", encoding="ascii")


def marked_count(path: Path) -> int | None:
    try:
        return int(path.with_name(path.name + MARK_SUFFIX).read_text(encoding="ascii"))
    except (OSError, ValueError):
        return None


def repair_unmarked(store: CorpusStore, directory: Path) -> int:
    """Before a crawl writes: repair the rows of every closed WARC file in `directory` whose
    mark is missing or promises more rows than the store holds; mark each once repaired."""
    if not directory.is_dir():
        return 0
    counts = store.capture_counts()
    added = 0
    for path in sorted(directory.glob("*.warc.gz")):
        promised = marked_count(path)
        if promised is not None and counts.get(path.name, 0) >= promised:
            continue
        n = repair_captures(store, [path])
        added += n
        counts[path.name] = counts.get(path.name, 0) + n
        mark(path, counts[path.name])
    return added
