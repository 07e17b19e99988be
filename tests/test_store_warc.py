"""The corpus store (versions, pairing rules, atomicity) and the WARC archive (revisits,
recovery of a file cut off mid-record)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.models import (
    ArticlePair,
    ArticleVersion,
    CrawlError,
    CrawlErrorKind,
    PairStatus,
    UnpairedReason,
    json_schema,
)
from pipeline.store import SqlCorpusStore, open_store
from pipeline.warc import (
    PROFILE_IDENTICAL,
    PROFILE_NOT_MODIFIED,
    HttpExchange,
    PreviousCapture,
    WarcArchive,
    read_records,
    recover_open_files,
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
    return ArticlePair(site="enab", status=PairStatus.paired, en=en, ar=ar, arabic_url=ar.url)


def unpaired(en: ArticleVersion, reason: UnpairedReason) -> ArticlePair:
    return ArticlePair(
        site="enab", status=PairStatus.unpaired, en=en, reason=reason, reason_detail="x"
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
    result = store.save_pair(unpaired(en, UnpairedReason.arabic_fetch_failed))
    assert not result.pair_changed
    assert store.pair_for("enab", "e1").status == PairStatus.paired
    # ...but the English page losing its link does change it.
    result = store.save_pair(unpaired(version("en", "e1", "edited"), UnpairedReason.no_arabic_link))
    assert result.pair_changed
    assert store.pair_for("enab", "e1").reason == UnpairedReason.no_arabic_link


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
    assert counts["articles_en"] == counts["versions"] == counts["pairs"] == 0


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
    store.save_pair(unpaired(version("en", "e1", "text"), UnpairedReason.no_arabic_link))
    assert store.errors() == []


def test_validators_follow_the_latest_fetch(store) -> None:
    assert store.validators("enab", "en", "e1") == (None, None)
    store.save_pair(unpaired(version("en", "e1", "text"), UnpairedReason.no_arabic_link))
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
    }
    assert "raw_html" not in schema["records"]["ArticleVersion"]["properties"]


def exchange(url: str, body: bytes, status: int = 200) -> HttpExchange:
    return HttpExchange(
        url=url,
        method="GET",
        request_headers=[("User-Agent", "t")],
        status=status,
        reason="OK",
        protocol="HTTP/1.1",
        response_headers=[("Content-Type", "text/html; charset=utf-8")],
        body=body,
        fetched_at=T0,
    )


def test_warc_response_revisit_and_not_modified(tmp_path: Path) -> None:
    archive = WarcArchive(tmp_path)
    first = archive.write(exchange("https://x/a", "<p>عربي</p>".encode()))
    previous = PreviousCapture(first.record_id, first.payload_digest, T0)
    same = archive.write(exchange("https://x/a", "<p>عربي</p>".encode()), previous)
    not_modified = archive.write(exchange("https://x/a", b"", 304), previous)
    named = archive.write(exchange("https://x/b", b"<p>b</p>"), record_id="<urn:uuid:given>")
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
        "response",
        "request",
    ]
    assert records[1]["payload"] == "<p>عربي</p>".encode()
    assert records[3]["profile"] == PROFILE_IDENTICAL
    assert records[5]["profile"] == PROFILE_NOT_MODIFIED
    assert (same.record_type, not_modified.record_type) == ("revisit", "revisit")
    assert named.record_id == records[7]["id"] == "<urn:uuid:given>"


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
