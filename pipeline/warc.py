"""Raw captures in WARC (ISO 28500) through warcio.

Each crawl run writes one gzip WARC file, named `*.warc.gz.open` while written and renamed when
closed; every record is flushed before the store refers to it. A file left `.open` by a killed
run is cut back to its last complete record and closed on the next start, so the archive never
holds a half record. A response whose payload is byte-identical to the URL's previous capture
becomes a `revisit` record (identical-payload-digest), as Heritrix and wget do; a 304 becomes a
revisit with the server-not-modified profile.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import io
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

PROFILE_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
PROFILE_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
# Hop-by-hop framing that no longer describes the stored bytes.
_DROP_HEADERS = {"transfer-encoding"}


@dataclass(frozen=True)
class HttpExchange:
    url: str
    method: str
    request_headers: list[tuple[str, str]]
    status: int
    reason: str
    protocol: str
    response_headers: list[tuple[str, str]]
    body: bytes
    fetched_at: datetime


@dataclass(frozen=True)
class PreviousCapture:
    record_id: str
    payload_digest: str
    fetched_at: datetime


@dataclass(frozen=True)
class WrittenRecord:
    record_id: str
    record_type: str
    payload_digest: str
    filename: str


def payload_digest(body: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def warc_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class WarcArchive:
    """Appends HTTP exchanges to one WARC file per run in `directory`."""

    def __init__(self, directory: Path, *, prefix: str = "crawl", software: str = "bitext") -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.recovered = recover_open_files(self.directory)
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        self.filename = f"{prefix}-{stamp}-{os.getpid()}.warc.gz"
        self._path = self.directory / (self.filename + ".open")
        self._file = open(self._path, "ab")  # noqa: SIM115 - kept open for the whole run
        fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)  # "being written" (see recovery)
        self._writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
        info = self._writer.create_warcinfo_record(
            self.filename, {"software": software, "format": "WARC File Format 1.1"}
        )
        self._write(info)

    def _write(self, *records: object) -> None:
        for record in records:
            self._writer.write_record(record)
        self._file.flush()

    def write(
        self,
        ex: HttpExchange,
        previous: PreviousCapture | None = None,
        *,
        record_id: str | None = None,
    ) -> WrittenRecord:
        """Append one exchange; `record_id` lets the caller name the record before it exists."""
        headers = [(k, v) for k, v in ex.response_headers if k.lower() not in _DROP_HEADERS]
        http_headers = StatusAndHeaders(
            f"{ex.status} {ex.reason}".strip(), headers, protocol=ex.protocol or "HTTP/1.1"
        )
        digest = payload_digest(ex.body)
        date = warc_date(ex.fetched_at)
        if ex.status == 304 or (previous is not None and previous.payload_digest == digest):
            profile = PROFILE_NOT_MODIFIED if ex.status == 304 else PROFILE_IDENTICAL
            record = self._writer.create_revisit_record(
                ex.url,
                digest=previous.payload_digest if previous else digest,
                refers_to_uri=ex.url,
                refers_to_date=warc_date(previous.fetched_at) if previous else date,
                http_headers=http_headers,
            )
            record.rec_headers.replace_header("WARC-Profile", profile)
            if previous is not None:
                record.rec_headers.add_header("WARC-Refers-To", previous.record_id)
            rtype = "revisit"
        else:
            record = self._writer.create_warc_record(
                ex.url,
                "response",
                payload=io.BytesIO(ex.body),
                http_headers=http_headers,
                warc_headers_dict={"WARC-Date": date},
            )
            rtype = "response"
        record.rec_headers.replace_header("WARC-Date", date)
        if record_id:
            record.rec_headers.replace_header("WARC-Record-ID", record_id)
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        request = self._writer.create_warc_record(
            ex.url,
            "request",
            payload=io.BytesIO(b""),
            http_headers=StatusAndHeaders(
                f"{ex.method} {_target(ex.url)} HTTP/1.1", ex.request_headers, is_http_request=True
            ),
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
        )
        self._write(record, request)
        return WrittenRecord(record_id, rtype, digest, self.filename)

    def close(self) -> Path:
        self._file.close()
        final = self.directory / self.filename
        self._path.replace(final)
        return final


def _target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def recover_open_files(directory: Path) -> list[Path]:
    """Cut every `*.warc.gz.open` back to its last complete record and close it."""
    recovered = []
    for path in sorted(directory.glob("*.warc.gz.open")):
        good_end = 0
        with open(path, "rb") as f:
            try:  # the writing process holds this lock until it dies, however it dies
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            iterator = ArchiveIterator(f)
            try:
                for record in iterator:
                    record.content_stream().read()
                    good_end = iterator.get_record_offset() + iterator.get_record_length()
            except Exception:  # a torn gzip member or header: everything before it is sound
                pass
        with open(path, "r+b") as f:
            f.truncate(good_end)
        final = path.with_name(path.name.removesuffix(".open"))
        path.replace(final)
        recovered.append(final)
    return recovered


def read_records(path: Path) -> list[dict[str, object]]:
    """Every record of a WARC file as plain data (type, uri, id, http status, payload)."""
    out = []
    with open(path, "rb") as f:
        for record in ArchiveIterator(f):
            out.append(
                {
                    "type": record.rec_type,
                    "uri": record.rec_headers.get_header("WARC-Target-URI"),
                    "id": record.rec_headers.get_header("WARC-Record-ID"),
                    "profile": record.rec_headers.get_header("WARC-Profile"),
                    "status": record.http_headers.get_statuscode() if record.http_headers else None,
                    "payload": record.content_stream().read(),
                }
            )
    return out
