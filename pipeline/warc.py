"""Raw captures in WARC (ISO 28500) through warcio.

Each crawl run writes one gzip WARC file, named `*.warc.gz.open` while written and renamed when
closed; every record is flushed before the store refers to it. A file left `.open` by a killed
run is cut back to its last complete record and closed on the next start, so the archive never
holds a half record. A response whose payload is byte-identical to the URL's previous capture
becomes a `revisit` record (identical-payload-digest), as Heritrix and wget do.

A 304 answer to a conditional GET becomes a `revisit` with the server-not-modified profile whose
WARC-Refers-To, WARC-Refers-To-Target-URI and WARC-Refers-To-Date name the URL's last full
capture, and whose block is empty; the 304's status line and headers, as received, go into a
`metadata` record (application/warc-fields) concurrent to it. Why not the 304 head in the
revisit's block: pywb (2.10, `ResolvingLoader.load_headers_and_payload`) replays any revisit
whose block holds a 3xx status as that status with an empty body, so the page would replay
blank; an empty revisit block makes it replay the referred-to capture's headers and payload, and
pywb's indexer skips warc-fields metadata, so the 304 record never shadows the page either.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import io
import os
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

if TYPE_CHECKING:
    from pipeline.models import WarcCapture

PROFILE_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
PROFILE_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
WARC_FORMAT = "WARC File Format 1.1"
WARC_CONFORMS_TO = "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
# The fields of the metadata record that keeps a 304 as it was received.
FIELD_STATUS_LINE = "http-status-line"
FIELD_HEADER = "http-header"
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
    offset: int | None = None  # where the record starts in the file (its gzip member)


def payload_digest(body: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def warc_date(moment: datetime) -> str:
    if moment.tzinfo is None:  # as SQLite gives them back: stored in UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def software_name() -> str:
    """This program and the libraries that shape its records, with their versions."""
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for name in ("bitext", "warcio", "scrapy"):
        try:
            parts.append(f"{name}/{version(name)}")
        except PackageNotFoundError:
            parts.append(name)
    return f"{parts[0]} ({', '.join(parts[1:])})"


def warcinfo_fields(
    *,
    crawl_id: str | None = None,
    user_agent: str | None = None,
    robots_obey: bool | None = None,
    operator: str | None = None,
    hostname: bool = True,
    description: str | None = None,
) -> dict[str, str]:
    """The fields the WARC 1.1 spec (and IIPC practice) recommends for a crawl's `warcinfo`
    record, beyond software and format, which the archive adds itself. Unset ones are left out
    rather than written empty."""
    fields: dict[str, str] = {}
    if crawl_id:
        fields["isPartOf"] = crawl_id
    if description:
        fields["description"] = description
    if operator:
        fields["operator"] = operator
    if hostname:
        fields["hostname"] = socket.gethostname()
    if user_agent:
        fields["http-header-user-agent"] = user_agent
    if robots_obey is not None:
        # "classic": robots.txt obeyed as written; "ignore": not consulted (the spec's terms).
        fields["robots"] = "classic" if robots_obey else "ignore"
    return fields


class WarcArchive:
    """Appends HTTP exchanges to one WARC file per run in `directory`."""

    def __init__(
        self,
        directory: Path,
        *,
        prefix: str = "crawl",
        software: str | None = None,
        info: Mapping[str, str] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.recovered = recover_open_files(self.directory)
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        self.filename = f"{prefix}-{stamp}-{os.getpid()}.warc.gz"
        self._path = self.directory / (self.filename + ".open")
        self._file = open(self._path, "ab")  # noqa: SIM115 - kept open for the whole run
        fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)  # "being written" (see recovery)
        self._writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
        fields = {
            "software": software or software_name(),
            "format": WARC_FORMAT,
            "conformsTo": WARC_CONFORMS_TO,
            **(info or {}),
        }
        self._write(self._writer.create_warcinfo_record(self.filename, fields))

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
        """Append one exchange; `record_id` lets the caller name the record before it exists.

        `previous` is the URL's last full (`response`) capture, if any."""
        headers = [(k, v) for k, v in ex.response_headers if k.lower() not in _DROP_HEADERS]
        http_headers = StatusAndHeaders(
            f"{ex.status} {ex.reason}".strip(), headers, protocol=ex.protocol or "HTTP/1.1"
        )
        digest = payload_digest(ex.body)
        date = warc_date(ex.fetched_at)
        extra = []
        not_modified = ex.status == 304 and previous is not None
        if not_modified or (previous is not None and previous.payload_digest == digest):
            assert previous is not None
            record = self._writer.create_revisit_record(
                ex.url,
                digest=previous.payload_digest,
                refers_to_uri=ex.url,
                refers_to_date=warc_date(previous.fetched_at),
                # a 304 revisit's block stays empty (see the module docstring)
                http_headers=None if not_modified else http_headers,
            )
            record.rec_headers.replace_header(
                "WARC-Profile", PROFILE_NOT_MODIFIED if not_modified else PROFILE_IDENTICAL
            )
            record.rec_headers.add_header("WARC-Refers-To", previous.record_id)
            rtype, digest = "revisit", previous.payload_digest
        else:
            # Includes a 304 with no earlier capture to refer to: kept as the response it was.
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
        if not_modified:
            extra.append(
                self._writer.create_warc_record(
                    ex.url,
                    "metadata",
                    payload=io.BytesIO(_response_head_fields(http_headers)),
                    warc_content_type="application/warc-fields",
                    warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
                )
            )
        offset = self._file.tell()
        self._write(record, request, *extra)
        return WrittenRecord(record_id, rtype, digest, self.filename, offset)

    def close(self) -> Path:
        self._file.close()
        final = self.directory / self.filename
        self._path.replace(final)
        return final


def _response_head_fields(head: StatusAndHeaders) -> bytes:
    """A response's status line and headers as application/warc-fields, in received order."""
    lines = [f"{FIELD_STATUS_LINE}: {head.protocol} {head.statusline}"]
    lines += [f"{FIELD_HEADER}: {name}: {value}" for name, value in head.headers]
    # warc-fields values are one line each; a folded or hostile header value must not add lines
    text = "\r\n".join(line.replace("\r", " ").replace("\n", " ") for line in lines) + "\r\n"
    return text.encode("utf-8", errors="replace")


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


def read_records(path: Path) -> list[dict[str, Any]]:
    """Every record of a WARC file as plain data (type, uri, id, http status, payload): header
    values are str or None, "payload" is bytes."""
    out = []
    with open(path, "rb") as f:
        for record in ArchiveIterator(f):
            h = record.rec_headers
            out.append(
                {
                    "type": record.rec_type,
                    "uri": h.get_header("WARC-Target-URI"),
                    "id": h.get_header("WARC-Record-ID"),
                    "date": h.get_header("WARC-Date"),
                    "profile": h.get_header("WARC-Profile"),
                    "payload_digest": h.get_header("WARC-Payload-Digest"),
                    "refers_to": h.get_header("WARC-Refers-To"),
                    "refers_to_uri": h.get_header("WARC-Refers-To-Target-URI"),
                    "refers_to_date": h.get_header("WARC-Refers-To-Date"),
                    "concurrent_to": h.get_header("WARC-Concurrent-To"),
                    "content_type": h.get_header("Content-Type"),
                    "status": record.http_headers.get_statuscode() if record.http_headers else None,
                    "payload": record.content_stream().read(),
                }
            )
    return out


def parse_warc_fields(block: bytes) -> list[tuple[str, str]]:
    """application/warc-fields: one `name: value` a line."""
    fields = []
    for line in block.decode("utf-8", errors="replace").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields.append((name.strip(), value.strip()))
    return fields


def check_archive(paths: Iterable[Path]) -> list[str]:
    """What would keep these WARC files from replaying, one line each (empty: all is well).

    Each file opens with a `warcinfo` record; each revisit names, by WARC-Refers-To, a
    `response` record in these files whose URI, date and payload digest match its
    WARC-Refers-To-Target-URI, WARC-Refers-To-Date and WARC-Payload-Digest (what a replay tool
    resolves it by); each server-not-modified revisit has an empty block and the metadata
    record that keeps its 304."""
    problems: list[str] = []
    records: list[dict[str, Any]] = []
    for path in paths:
        these = read_records(path)
        if not these or these[0]["type"] != "warcinfo":
            problems.append(f"{path.name}: does not open with a warcinfo record")
        records += these
    by_id = {r["id"]: r for r in records}
    kept_304 = {
        r["concurrent_to"]
        for r in records
        if r["type"] == "metadata"
        and dict(parse_warc_fields(r["payload"])).get(FIELD_STATUS_LINE, "").split(" ")[1:2]
        == ["304"]
    }
    for r in records:
        if r["type"] != "revisit":
            continue
        name = f"revisit {r['id']} of {r['uri']}"
        original = by_id.get(r["refers_to"])
        if original is None or original["type"] != "response":
            problems.append(f"{name}: refers to no response record ({r['refers_to']})")
            continue
        for field, want in (
            ("refers_to_uri", original["uri"]),
            ("refers_to_date", original["date"]),
            ("payload_digest", original["payload_digest"]),
        ):
            if r[field] != want:
                problems.append(f"{name}: {field} is {r[field]!r}, the original has {want!r}")
        if r["profile"] == PROFILE_NOT_MODIFIED:
            if r["status"] is not None:  # pywb replays a 3xx head as it is: a blank page
                problems.append(f"{name}: its block holds an HTTP {r['status']} head")
            if r["id"] not in kept_304:
                problems.append(f"{name}: no metadata record keeps its 304")
    return problems


@dataclass(frozen=True)
class StoredRecord:
    """One record read back from a WARC file: what the store needs to give a page back."""

    record_type: str
    record_id: str
    refers_to: str | None  # a revisit's WARC-Refers-To
    payload: bytes  # the HTTP body as the server sent it, transfer and content coding undone


def file_of(directory: Path, filename: str) -> Path | None:
    """A WARC file by the name the store gave it: closed, or still being written (`.open`)."""
    for path in (directory / filename, directory / f"{filename}.open"):
        if path.is_file():
            return path
    return None


def record_offsets(path: Path) -> dict[str, int]:
    """Record id -> where the record starts, for every record of a file (one pass)."""
    offsets: dict[str, int] = {}
    with open(path, "rb") as f:
        iterator = ArchiveIterator(f)
        try:
            for record in iterator:
                offsets[record.rec_headers.get_header("WARC-Record-ID")] = (
                    iterator.get_record_offset()
                )
        except Exception:  # a file still being written ends mid-record: what came before holds
            pass
    return offsets


def warcinfo_of(path: Path) -> dict[str, str]:
    """The fields of the warcinfo record opening a WARC file ({} where it opens otherwise)."""
    try:
        with open(path, "rb") as f:
            record = next(iter(ArchiveIterator(f)))
            if record.rec_type != "warcinfo":
                return {}
            return dict(parse_warc_fields(record.content_stream().read()))
    except Exception:  # an unreadable or damaged file names no crawl
        return {}


def record_at(path: Path, offset: int) -> StoredRecord | None:
    """The record that starts at `offset` of a WARC file (None: no record there)."""
    with open(path, "rb") as f:
        f.seek(offset)
        try:
            record = next(iter(ArchiveIterator(f)))
        except (StopIteration, Exception):
            return None
        headers = record.rec_headers
        return StoredRecord(
            record_type=record.rec_type,
            record_id=headers.get_header("WARC-Record-ID") or "",
            refers_to=headers.get_header("WARC-Refers-To"),
            payload=record.content_stream().read() if record.rec_type == "response" else b"",
        )


def capture_records(path: Path) -> list[WarcCapture]:
    """The captures a crawl's store rows describe (its `response` and `revisit` records), read
    back from a WARC file's headers: what the store is repaired from when its rows were lost.
    A torn end (a crash mid-record) ends the list; what came before holds."""
    from pipeline.models import WarcCapture

    found: list[WarcCapture] = []
    with open(path, "rb") as f:
        iterator = ArchiveIterator(f)
        try:
            for record in iterator:
                if record.rec_type not in ("response", "revisit"):
                    continue
                h = record.rec_headers
                status = record.http_headers.get_statuscode() if record.http_headers else None
                if status is None and h.get_header("WARC-Profile") == PROFILE_NOT_MODIFIED:
                    status = "304"  # its block is empty: the 304 is in its metadata record
                found.append(
                    WarcCapture(
                        url=h.get_header("WARC-Target-URI") or "",
                        warc_filename=path.name.removesuffix(".open"),
                        warc_record_id=h.get_header("WARC-Record-ID") or "",
                        warc_offset=iterator.get_record_offset(),
                        record_type=record.rec_type,
                        payload_sha1=h.get_header("WARC-Payload-Digest") or "",
                        http_status=int(status or 0),
                        fetched_at=datetime.fromisoformat(
                            (h.get_header("WARC-Date") or "").replace("Z", "+00:00")
                        ),
                    )
                )
        except Exception:  # a torn record: everything before it is sound
            pass
    return found
