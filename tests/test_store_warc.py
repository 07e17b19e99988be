"""The corpus store (versions, pairing rules, atomicity) and the WARC archive (revisits,
recovery of a file cut off mid-record)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from pipeline.models import (
    ArticlePair,
    ArticleVersion,
    CrawlError,
    CrawlErrorKind,
    FeedRecord,
    PairStatus,
    UnpairedReason,
    WarcCapture,
    json_schema,
)
from pipeline.store import SqlCorpusStore, open_store
from pipeline.warc import (
    PROFILE_IDENTICAL,
    PROFILE_NOT_MODIFIED,
    HttpExchange,
    PreviousCapture,
    WarcArchive,
    check_archive,
    parse_warc_fields,
    read_records,
    recover_open_files,
    warcinfo_fields,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def version(lang: str, key: str, body: str, at: datetime = T0) -> ArticleVersion:
    raw = f"<html><body>{body}</body></html>".encode()
    return ArticleVersion(
        site="enab",
        language=lang,
        url=f"https://x/{key}",
        requested_url=f"https://x/{key}",
        canonical_url=f"https://x/{key}/",
        site_article_id=key,
        title=body[:10],
        raw_html_sha256=hashlib.sha256(raw).hexdigest(),
        content_sha256=hashlib.sha256(body.encode()).hexdigest(),
        fetched_at=at,
        http_status=200,
        encoding="utf-8",
        etag=f'"{key}-{len(body)}"',
    ).with_raw_html(raw)


def paired(en: ArticleVersion, ar: ArticleVersion) -> ArticlePair:
    return ArticlePair(
        site="enab", status=PairStatus.paired, translation=en, original=ar, original_url=ar.url
    )


def unpaired(en: ArticleVersion, reason: UnpairedReason) -> ArticlePair:
    return ArticlePair(
        site="enab", status=PairStatus.unpaired, translation=en, reason=reason, reason_detail="x"
    )


@pytest.fixture
def store(tmp_path: Path) -> SqlCorpusStore:
    return open_store(tmp_path / "corpus.sqlite")


def test_unchanged_content_is_stored_once_and_an_edit_is_a_new_version(store) -> None:
    first = store.save_pair(paired(version("en", "e1", "text"), version("ar", "1", "نص")))
    assert sorted(first.new_versions) == ["ar:1", "en:e1"] and first.pair_created
    again = store.save_pair(
        paired(
            version("en", "e1", "text", T0 + timedelta(days=1)),
            version("ar", "1", "نص", T0 + timedelta(days=1)),
        )
    )
    assert again.new_versions == [] and not again.pair_created and not again.pair_changed
    edited = store.save_pair(paired(version("en", "e1", "text"), version("ar", "1", "نص معدل")))
    assert edited.new_versions == ["ar:1"]
    history = store.versions("enab", "ar", "1")
    assert [v.title for v in history] == ["نص", "نص معدل"]
    assert store.raw_html("enab", "ar", "1") == "<html><body>نص معدل</body></html>".encode()
    assert store.counts()["versions"] == 3


def test_a_transient_arabic_failure_never_erases_a_pairing(store) -> None:
    en = version("en", "e1", "text")
    store.save_pair(paired(en, version("ar", "1", "نص")))
    result = store.save_pair(unpaired(en, UnpairedReason.original_fetch_failed))
    assert not result.pair_changed
    assert store.pair_for("enab", "e1").status == PairStatus.paired
    # ...but the English page losing its link does change it.
    result = store.save_pair(
        unpaired(version("en", "e1", "edited"), UnpairedReason.no_original_link)
    )
    assert result.pair_changed
    assert store.pair_for("enab", "e1").reason == UnpairedReason.no_original_link


def test_a_pair_is_saved_whole_or_not_at_all(store, monkeypatch) -> None:
    original = SqlCorpusStore._save_version
    calls = []

    def failing(self, c, v, result):
        calls.append(v.language)
        if v.language == "ar":
            raise RuntimeError("disk full")
        return original(self, c, v, result)

    monkeypatch.setattr(SqlCorpusStore, "_save_version", failing)
    with pytest.raises(RuntimeError):
        store.save_pair(paired(version("en", "e1", "text"), version("ar", "1", "نص")))
    assert calls == ["en", "ar"]
    counts = store.counts()
    assert counts["articles"] == counts["versions"] == counts["pairs"] == 0
    assert not [key for key in counts if key.startswith("articles_")]  # no language held


def test_errors_are_counted_and_settled_by_a_later_success(store) -> None:
    error = CrawlError(
        site="enab",
        url="https://x/e1",
        kind=CrawlErrorKind.http_error,
        detail="HTTP 503",
        http_status=503,
        language="en",
        at=T0,
    )
    store.record_error(error)
    store.record_error(error)
    assert [(e.url, e.kind) for e in store.errors()] == [("https://x/e1", "http_error")]
    store.save_pair(unpaired(version("en", "e1", "text"), UnpairedReason.no_original_link))
    assert store.errors() == []


def test_validators_follow_the_latest_fetch(store) -> None:
    assert store.validators("enab", "en", "e1") == (None, None)
    store.save_pair(unpaired(version("en", "e1", "text"), UnpairedReason.no_original_link))
    assert store.validators("enab", "en", "e1") == ('"e1-4"', None)


def test_raw_html_is_pickled_with_the_item_but_never_exported() -> None:
    import pickle

    v = version("ar", "1", "نص")
    assert pickle.loads(pickle.dumps(v)).raw_html == v.raw_html
    assert "raw_html" not in v.model_dump() and '"raw_html"' not in v.model_dump_json()
    schema = json_schema()
    assert set(schema["records"]) == {
        "ExportedPair",
        "PairAlignment",
        "ArticleVersion",
        "ArticlePair",
        "CrawlError",
        "WarcCapture",
        "ArticleText",
        "FeedRecord",
        "UnpairedOriginal",
    }
    assert "raw_html" not in schema["records"]["ArticleVersion"]["properties"]


def test_every_feed_record_says_its_type() -> None:
    feed = TypeAdapter(FeedRecord)
    pair = paired(version("en", "e1", "text"), version("ar", "1", "نص"))
    alone = unpaired(version("en", "e2", "text"), UnpairedReason.no_original_link)
    error = CrawlError(
        site="enab", url="https://x/", kind=CrawlErrorKind.empty_page, detail="x", at=T0
    )
    assert [r.model_dump()["type"] for r in (pair, alone, error)] == [
        "pair",
        "unpaired",
        "crawl_error",
    ]
    for record in (pair, alone, error):
        assert feed.validate_json(record.model_dump_json()).model_dump() == record.model_dump()
    with pytest.raises(ValueError, match="contradicts status"):
        ArticlePair.model_validate({**alone.model_dump(), "type": "pair"})
    mapping = json_schema()["records"]["FeedRecord"]["discriminator"]["mapping"]
    assert set(mapping) == {"pair", "unpaired", "crawl_error", "unpaired_original"}


def exchange(
    url: str,
    body: bytes,
    status: int = 200,
    *,
    at: datetime = T0,
    headers: list[tuple[str, str]] | None = None,
) -> HttpExchange:
    return HttpExchange(
        url=url,
        method="GET",
        request_headers=[("User-Agent", "t")],
        status=status,
        reason="Not Modified" if status == 304 else "OK",
        protocol="HTTP/1.1",
        response_headers=[("Content-Type", "text/html; charset=utf-8"), *(headers or [])],
        body=body,
        fetched_at=at,
    )


def test_warc_response_revisit_and_not_modified(tmp_path: Path) -> None:
    archive = WarcArchive(tmp_path)
    first = archive.write(exchange("https://x/a", "<p>عربي</p>".encode()))
    previous = PreviousCapture(first.record_id, first.payload_digest, T0)
    later = T0 + timedelta(days=1)
    same = archive.write(exchange("https://x/a", "<p>عربي</p>".encode(), at=later), previous)
    etag = ("ETag", '"v1"')
    not_modified = archive.write(exchange("https://x/a", b"", 304, headers=[etag]), previous)
    named = archive.write(exchange("https://x/b", b"<p>b</p>"), record_id="<urn:uuid:given>")
    # A 304 with no earlier capture to refer to is kept as the response it was.
    orphan = archive.write(exchange("https://x/c", b"", 304))
    path = archive.close()
    records = read_records(path)
    assert [r["type"] for r in records] == [
        "warcinfo",
        "response",
        "request",
        "revisit",
        "request",
        "revisit",
        "request",
        "metadata",
        "response",
        "request",
        "response",
        "request",
    ]
    assert records[1]["payload"] == "<p>عربي</p>".encode()
    identical, revisit_304, kept_304 = records[3], records[5], records[7]
    assert identical["profile"] == PROFILE_IDENTICAL and identical["status"] == "200"
    assert revisit_304["profile"] == PROFILE_NOT_MODIFIED
    for revisit in (identical, revisit_304):
        # what pywb resolves a revisit by: the original's URI, date and payload digest
        assert revisit["refers_to"] == first.record_id == records[1]["id"]
        assert revisit["refers_to_uri"] == "https://x/a"
        assert revisit["refers_to_date"] == records[1]["date"] == "2026-01-01T00:00:00Z"
        assert revisit["payload_digest"] == records[1]["payload_digest"]
    assert identical["date"] == "2026-01-02T00:00:00Z"
    # The 304: an empty revisit block (pywb replays the original's headers and payload) and,
    # beside it, the status line and headers exactly as the server sent them.
    assert revisit_304["payload"] == b"" and revisit_304["status"] is None
    assert kept_304["concurrent_to"] == revisit_304["id"] == not_modified.record_id
    assert kept_304["content_type"] == "application/warc-fields"
    assert parse_warc_fields(kept_304["payload"]) == [
        ("http-status-line", "HTTP/1.1 304 Not Modified"),
        ("http-header", "Content-Type: text/html; charset=utf-8"),
        ("http-header", 'ETag: "v1"'),
    ]
    assert records[6]["concurrent_to"] == revisit_304["id"]  # the conditional request
    assert (same.record_type, not_modified.record_type) == ("revisit", "revisit")
    # the store learns the digest of the payload the capture stands for, not an empty one
    assert same.payload_digest == not_modified.payload_digest == first.payload_digest
    assert named.record_id == records[8]["id"] == "<urn:uuid:given>"
    assert orphan.record_type == "response" and records[10]["status"] == "304"
    assert check_archive([path]) == []


def test_the_archive_check_finds_revisits_that_cannot_resolve(tmp_path: Path) -> None:
    archive = WarcArchive(tmp_path)
    first = archive.write(exchange("https://x/a", b"<p>a</p>"))
    wrong_date = PreviousCapture(first.record_id, first.payload_digest, T0 + timedelta(hours=1))
    archive.write(exchange("https://x/a", b"", 304), wrong_date)
    lost = PreviousCapture("<urn:uuid:lost>", first.payload_digest, T0)
    archive.write(exchange("https://x/a", b"<p>a</p>"), lost)
    path = archive.close()
    problems = check_archive([path])
    assert len(problems) == 2
    assert (
        "refers_to_date is '2026-01-01T01:00:00Z', the original has '2026-01-01T00:00:00Z'"
        in (problems[0])
    )
    assert problems[1].endswith("refers to no response record (<urn:uuid:lost>)")


def test_warcinfo_describes_the_crawl(tmp_path: Path) -> None:
    info = warcinfo_fields(
        crawl_id="enab-crawl-7",
        user_agent="bitext/0.1 (+https://example.org)",
        robots_obey=True,
        operator="Corpus Team <corpus@example.org>",
        hostname=False,
        description="test",
    )
    archive = WarcArchive(tmp_path, info=info)
    path = archive.close()
    warcinfo = read_records(path)[0]
    assert warcinfo["type"] == "warcinfo"
    fields = dict(parse_warc_fields(warcinfo["payload"]))
    assert fields["software"].startswith("bitext/0.1.0 (warcio/1.")
    assert fields["format"] == "WARC File Format 1.1"
    assert fields["conformsTo"].endswith("/warc-1.1/")
    assert fields["isPartOf"] == "enab-crawl-7"
    assert fields["http-header-user-agent"] == "bitext/0.1 (+https://example.org)"
    assert fields["robots"] == "classic"
    assert fields["operator"] == "Corpus Team <corpus@example.org>"
    assert "hostname" not in fields
    with open(path, "rb") as f:
        assert f.read(2) == b"\x1f\x8b"  # gzip, one member a record
    assert warcinfo_fields(robots_obey=False)["robots"] == "ignore"
    assert warcinfo_fields()["hostname"]  # written unless turned off


def test_a_warc_file_cut_mid_record_is_recovered_to_its_last_whole_record(tmp_path: Path) -> None:
    archive = WarcArchive(tmp_path)
    for n in range(3):
        archive.write(exchange(f"https://x/{n}", b"<p>" + bytes(str(n), "ascii") * 500 + b"</p>"))
    archive._file.close()  # a crash: the file stays .open
    path = tmp_path / (archive.filename + ".open")
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.truncate(size - 40)  # the last request record is torn
    fake_dead = tmp_path / "crawl-1-999999999.warc.gz.open"  # its lock went with the "crash"
    path.rename(fake_dead)  # written by a process that no longer exists
    recovered = recover_open_files(tmp_path)
    assert [p.name for p in recovered] == ["crawl-1-999999999.warc.gz"]
    records = read_records(recovered[0])
    assert [r["type"] for r in records][-2:] == ["request", "response"]
    assert len([r for r in records if r["type"] == "response"]) == 3


def test_an_open_file_of_a_live_crawl_is_left_alone(tmp_path: Path) -> None:
    live = WarcArchive(tmp_path)  # holds its lock
    live.write(exchange("https://x/a", b"<p>a</p>"))
    assert recover_open_files(tmp_path) == []
    assert (tmp_path / (live.filename + ".open")).exists()
    live.close()


def test_a_revisit_never_names_a_failed_try(store) -> None:
    def capture(record_id: str, status: int, record_type: str = "response") -> WarcCapture:
        return WarcCapture(
            url="https://x/a",
            warc_filename="f.warc.gz",
            warc_record_id=record_id,
            record_type=record_type,
            payload_sha1="sha1:X",
            http_status=status,
            fetched_at=T0,
        )

    store.record_capture(capture("<urn:uuid:page>", 200))
    store.record_capture(capture("<urn:uuid:failed-try>", 500))
    store.record_capture(capture("<urn:uuid:revisit>", 200, "revisit"))
    for _ in range(2):
        # what a 304 confirms: the last successful fetch
        assert store.last_capture("https://x/a", successful=True).warc_record_id == (
            "<urn:uuid:page>"
        )
        # what an identical payload repeats: the last full capture, a failed one too
        assert store.last_capture("https://x/a").warc_record_id == "<urn:uuid:failed-try>"
        store.flush_captures()
        store._capture_index = None  # as a new crawl reads it back


def test_the_archive_check_flags_a_304_revisit_that_replays_blank(tmp_path: Path) -> None:
    """As this project wrote them before: the 304's head in the revisit's block, no metadata."""
    from warcio.statusandheaders import StatusAndHeaders

    archive = WarcArchive(tmp_path)
    first = archive.write(exchange("https://x/a", b"<p>a</p>"))
    old_style = archive._writer.create_revisit_record(
        "https://x/a",
        digest=first.payload_digest,
        refers_to_uri="https://x/a",
        refers_to_date="2026-01-01T00:00:00Z",
        http_headers=StatusAndHeaders("304 Not Modified", [], protocol="HTTP/1.1"),
    )
    old_style.rec_headers.replace_header("WARC-Profile", PROFILE_NOT_MODIFIED)
    old_style.rec_headers.add_header("WARC-Refers-To", first.record_id)
    archive._write(old_style)
    problems = check_archive([archive.close()])
    assert [p.split(": ", 1)[1] for p in problems] == [
        "its block holds an HTTP 304 head",
        "no metadata record keeps its 304",
    ]
