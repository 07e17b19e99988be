"""Real crawls of the bundled sample site: `scrapy crawl enab` in a subprocess, a real server."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pipeline.warc import read_records
from tests.conftest import (
    REPO,
    Site,
    crawl_command,
    crawl_env,
    run_crawl,
    snapshot,
    store_of,
)

UNPAIRED = {
    "no-arabic-link": "no_original_link",
    "arabic-404": "original_fetch_failed",
    "arabic-offsite-link": "original_link_offsite",
    "arabic-redirect-offsite": "original_redirect_offsite",
    "arabic-empty": "original_page_empty",
    "arabic-robots": "original_robots_disallowed",
}
ERRORS = {
    "english-empty": "empty_page",
    "english-robots": "robots_disallowed",
    "english-404": "http_error",
}


def expected_pairs(site: Site) -> set[tuple[str, str]]:
    return {
        (m["en_path"], str(m["ar_id"])) for k, m in site.manifest.items() if k.startswith("pair-")
    }


@pytest.fixture(scope="module")
def full_crawl(sample_site: Site, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    data = tmp_path_factory.mktemp("full")
    result = run_crawl(sample_site, data, "-O", str(data / "items.jsonl"), encoder=True)
    return data, result.stderr


def unembedded(stored: dict[str, object]) -> dict[str, object]:
    """A snapshot less its embeddings count: the full crawl ran with the sentence encoder, the
    interrupted ones without it (it costs each crawl seconds and is not what they test)."""
    counts = stored["counts"]
    assert isinstance(counts, dict)
    return {**stored, "counts": {k: v for k, v in counts.items() if k != "embeddings"}}


def test_crawl_pairs_exactly_the_sample_articles(full_crawl, sample_site: Site) -> None:
    store = store_of(full_crawl[0])
    paired = {
        (urlsplit(p.translation.canonical_url).path, p.original.site_article_id)
        for p in store.iter_pairs()
        if p.status == "paired"
    }
    assert paired == expected_pairs(sample_site)
    assert len(paired) == 40


def test_unpaired_articles_are_kept_with_their_reason(full_crawl, sample_site: Site) -> None:
    store = store_of(full_crawl[0])
    unpaired = {
        urlsplit(p.translation.canonical_url).path: (p.reason.value, p.original)
        for p in store.iter_pairs()
        if p.status == "unpaired"
    }
    expected = {sample_site.manifest[k]["en_path"]: v for k, v in UNPAIRED.items()}
    assert {path: reason for path, (reason, _) in unpaired.items()} == expected
    assert all(ar is None for _, ar in unpaired.values())
    details = {p.reason.value: p.reason_detail for p in store.iter_pairs() if p.reason}
    assert details["original_fetch_failed"] == "HTTP 404"
    assert details["original_redirect_offsite"] == "off-site request refused: offsite.example"
    assert details["original_link_offsite"] == "link points to www.example.com"


def test_failed_english_pages_are_recorded_not_dropped(full_crawl, sample_site: Site) -> None:
    errors = {urlsplit(e.url).path: e.kind.value for e in store_of(full_crawl[0]).errors()}
    assert errors == {sample_site.manifest[k]["en_path"]: v for k, v in ERRORS.items()}


def test_no_duplicates_although_pages_link_url_variants(full_crawl) -> None:
    store = store_of(full_crawl[0])
    counts = store.counts()
    assert counts["articles_en"] == 46  # 40 paired + 6 unpaired; ?so=related copies collapsed
    assert counts["articles_ar"] == 40
    assert counts["versions"] == 86
    keys = [p.translation.site_article_id for p in store.iter_pairs()]
    assert len(keys) == len(set(keys)) == 46
    assert all(
        "?" not in p.translation.canonical_url and p.translation.canonical_url.endswith("/")
        for p in store.iter_pairs()
    )


def test_metadata_of_a_pair(full_crawl, sample_site: Site) -> None:
    store = store_of(full_crawl[0])
    m = sample_site.manifest["pair-00"]
    pair = store.pair_for("enab", m["en_path"])
    assert pair is not None and pair.original is not None
    assert pair.translation.title == m["title"]
    assert (
        pair.translation.published is not None
        and pair.translation.published.date().isoformat() == m["published"]
    )
    assert pair.translation.categories == ["News"]
    assert pair.translation.tags == ["Syria", "News"]
    assert pair.translation.authors and pair.original.authors
    assert re.search(r"[\u0600-\u06FF]", pair.original.title or "")
    assert pair.original.language == "ar" and pair.original.site_article_id == "700100"
    assert pair.original.canonical_url.startswith(sample_site.ar + "/700100/%D8")


def test_awkward_pages(full_crawl, sample_site: Site) -> None:
    store = store_of(full_crawl[0])
    m = sample_site.manifest
    # 500 then success (Arabic) and 503 then success (English): retried, paired.
    for key in ("pair-07", "pair-11"):
        assert store.pair_for("enab", m[key]["en_path"]).status == "paired"
    # Old /archives/<id> link, redirected to /<id>/<slug>/: keyed on the numeric id.
    older = store.pair_for("enab", m["pair-02"]["en_path"]).original
    assert urlsplit(older.requested_url).path == "/archives/700102"
    assert re.match(r"^/700102/%D9", urlsplit(older.url).path)
    assert older.site_article_id == "700102"
    # Served as windows-1256 under a header claiming UTF-8: repaired, and said so.
    wrong = store.pair_for("enab", m["pair-13"]["en_path"]).original
    assert wrong.encoding == "windows-1256"
    assert wrong.encoding_note == "declared utf-8 does not fit the bytes; decoded as windows-1256"
    assert "\ufffd" not in wrong.title and re.search(r"[\u0600-\u06FF]{3}", wrong.title)


def test_the_crawl_stores_clean_text_for_every_version(full_crawl, sample_site: Site) -> None:
    store = store_of(full_crawl[0])
    counts = store.counts()
    assert counts["texts"] == counts["versions"] == 86
    assert counts["texts_no_body"] == counts["texts_wrong_language"] == 0
    pair = store.pair_for("enab", sample_site.manifest["pair-13"]["en_path"])
    en, ar = store.text_of(pair.translation), store.text_of(pair.original)
    assert en.language_ok and ar.language_ok and ar.detected_language == "ar"
    assert ("other language (ar)", "النسخة العربية من المقال") in {
        (r.reason, r.text) for r in en.removed
    }
    assert all("عنب بلدي/" not in p for p in ar.paragraphs)  # caption gone (windows-1256 page)
    assert (
        ar.sentences
        and ar.text[ar.sentences[0].start : ar.sentences[0].end] == ar.sentences[0].text
    )
    feed = [json.loads(x) for x in (full_crawl[0] / "items.jsonl").read_text().splitlines()]
    assert all(d["translation"]["text"]["status"] == "ok" for d in feed if "status" in d)


def test_with_no_translation_package_the_crawl_completes_with_translation_pending(
    full_crawl,
) -> None:
    log = full_crawl[1]
    assert "'bitext/translation/ar-en/pending': 40" in log
    assert "'bitext/translation/en-ar/pending': 40" in log
    assert "translation pending for ar->en: no installed package translates ar to en" in log


def test_with_packages_installed_the_crawl_translates_both_ways(
    sample_site: Site, tmp_path: Path
) -> None:
    from pipeline.argos import install_package
    from tests.tiny_argos import build_tiny_package

    packages = tmp_path / "packages"
    install_package(build_tiny_package(tmp_path / "ar-en"), packages)
    install_package(build_tiny_package(tmp_path / "en-ar", from_code="en", to_code="ar"), packages)
    env_dir = tmp_path / "out"
    os.environ["ARGOS_PACKAGES_DIR"] = str(packages)
    try:
        m = sample_site.manifest
        urls = ",".join(f"{sample_site.en}{m[k]['en_path']}" for k in ("pair-01", "pair-02"))
        log = run_crawl(sample_site, env_dir, "-a", f"urls={urls}", encoder=True).stderr
    finally:
        del os.environ["ARGOS_PACKAGES_DIR"]
    match = re.search(r"'bitext/translation/ar-en/done': (\d+)", log)
    assert match, log[-3000:]
    assert int(match.group(1)) == 2 and "bitext/translation/ar-en/pending" not in log
    assert "'bitext/translation/en-ar/done'" in log
    store = store_of(env_dir)
    assert store.counts()["translations"] > 0
    # aligned in the crawl with those translations and the sentence encoder
    assert "'bitext/alignment/translation+encoder': 2" in log
    assert {a.mode for a in store.iter_alignments()} == {"translation+encoder"}


def test_the_crawl_aligns_every_pair_and_bitext_align_realigns(full_crawl) -> None:
    data = full_crawl[0]
    store = store_of(data)
    alignments = {a.translation_article_id: a for a in store.iter_alignments()}
    log = full_crawl[1]
    # no translation: the sentence encoder, its embeddings made in the crawl's worker process
    # and written by the writer, each distinct sentence once
    assert "'bitext/alignment/encoder': 40" in log
    assert len(alignments) == 40 and {a.mode for a in alignments.values()} == {"encoder"}
    written = re.search(r"'bitext/writer/embeddings': (\d+)", log)
    assert written, log[-3000:]
    assert store.counts()["embeddings"] == int(written.group(1)) > 0
    assert f"'bitext/embedding/sentences': {written.group(1)}" in log
    for pair in store.iter_pairs():
        if pair.status != "paired":
            continue
        alignment = alignments[pair.translation.site_article_id]
        ar_text, en_text = store.text_of(pair.original), store.text_of(pair.translation)
        assert alignment.src_sentences == [s.text for s in ar_text.sentences]
        assert alignment.tgt_sentences == [s.text for s in en_text.sentences]
        assert alignment.src_sha256 == pair.original.content_sha256
        # every sentence of both sides is in exactly one bead
        assert sorted(i for b in alignment.beads for i in b.src) == list(
            range(len(alignment.src_sentences))
        )
        assert sorted(j for b in alignment.beads for j in b.tgt) == list(
            range(len(alignment.tgt_sentences))
        )
    store.close()
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "align", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    # realigned (no translation: the lexicon grows with the corpus) from the cached embeddings
    assert "aligned: encoder" in result.stdout and "40" in result.stdout
    assert "degraded" not in result.stdout and "embedding" not in result.stderr
    assert store_of(data).counts()["embeddings"] == int(written.group(1))


def test_with_the_encoder_off_the_crawl_aligns_without_it_and_says_so(
    sample_site: Site, tmp_path: Path
) -> None:
    m = sample_site.manifest
    urls = ",".join(f"{sample_site.en}{m[k]['en_path']}" for k in ("pair-01", "pair-02"))
    log = run_crawl(sample_site, tmp_path, "-a", f"urls={urls}", "-s", "BITEXT_ENCODER=off").stderr
    assert "sentence encoder off (BITEXT_ENCODER=off): pairs are aligned without it" in log
    assert "'bitext/alignment/none': 2" in log and "bitext/embedding" not in log
    store = store_of(tmp_path)
    assert store.counts()["embeddings"] == 0
    assert {a.mode for a in store.iter_alignments()} == {"none"}
    store.close()
    # `bitext align` with the encoder on again: embeds the 2 pairs' sentences, redoes them
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "align", "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=300, env=crawl_env(tmp_path, encoder=True),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert re.search(r"embedding \d+ sentences with use-m3/", result.stderr), result.stderr
    assert re.search(r"aligned: encoder\s+│\s+2", result.stdout), result.stdout
    store = store_of(tmp_path)
    assert store.counts()["embeddings"] > 0
    assert {a.mode for a in store.iter_alignments()} == {"encoder"}
    store.close()


def test_every_page_is_archived_in_warc(full_crawl) -> None:
    data = full_crawl[0]
    records = [r for f in sorted((data / "warc").glob("*.warc.gz")) for r in read_records(f)]
    assert not list((data / "warc").glob("*.open"))
    responses = {r["id"]: r for r in records if r["type"] == "response"}
    store = store_of(data)
    for pair in store.iter_pairs():
        for v in (pair.translation, pair.original):
            if v is not None:
                record = responses[v.warc_record_id]
                assert record["payload"] == store.raw_html(v.site, v.language, v.site_article_id)
    statuses = sorted(r["status"] for r in records if r["type"] == "response")
    assert statuses.count("500") == 1 and statuses.count("503") == 1  # failures kept too
    assert statuses.count("301") == 13  # redirects archived
    assert sum(1 for r in records if r["type"] == "request") == len(responses)
    check = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "warc-check", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "0 missing" in check.stdout


def test_feed_export_keeps_arabic_as_utf8(full_crawl) -> None:
    text = (full_crawl[0] / "items.jsonl").read_text(encoding="utf-8")
    assert "\\u06" not in text
    records = [json.loads(line) for line in text.splitlines()]
    lines = [d for d in records if "status" in d]  # the pairs; the 3 others are crawl errors
    assert len(lines) == 46 and len(records) == 49
    titles = [(d["original"] or {}).get("title") or "" for d in lines]
    assert any(re.search(r"[\u0600-\u06FF]", title) for title in titles)
    assert all("raw_html" not in d["translation"] for d in lines)


def test_second_crawl_stores_nothing_new(sample_site: Site, tmp_path: Path) -> None:
    run_crawl(sample_site, tmp_path)
    first = snapshot(store_of(tmp_path))
    first_records = {
        r["id"] for f in (tmp_path / "warc").glob("*.warc.gz") for r in read_records(f)
    }
    log = run_crawl(sample_site, tmp_path).stderr
    assert snapshot(store_of(tmp_path)) == first
    assert "'bitext/not_modified/en': 46" in log
    assert "'bitext/not_modified/ar': 40" in log
    assert "'bitext/versions/new': 0," in log
    assert "bitext/pairs/created" not in log and "bitext/pairs/changed" not in log
    new = [
        r
        for f in (tmp_path / "warc").glob("*.warc.gz")
        for r in read_records(f)
        if r["id"] not in first_records and r["type"] not in ("warcinfo", "request", "metadata")
    ]
    # Re-fetched listings and feed are byte-identical: revisit records, no new payloads.
    assert new and all(r["type"] == "revisit" for r in new)


def test_changed_page_yields_a_second_version(fresh_site: Site, tmp_path: Path) -> None:
    data = tmp_path / "out"
    run_crawl(fresh_site, data)
    before = snapshot(store_of(data))
    page = fresh_site.root / "ar" / "700104" / "index.html"
    html = page.read_text(encoding="utf-8")
    edited = html.replace("</p>\n<p>", "</p>\n<p>تصحيح: أضيفت هذه الجملة بعد النشر.</p>\n<p>", 1)
    assert edited != html
    page.write_text(edited, encoding="utf-8")
    run_crawl(fresh_site, data)
    store = store_of(data)
    versions = store.versions("enab", "ar", "700104")
    assert len(versions) == 2
    assert versions[0].content_sha256 != versions[1].content_sha256
    assert b"\xd8\xaa\xd8\xb5\xd8\xad\xd9\x8a\xd8\xad" in store.raw_html("enab", "ar", "700104")
    after = snapshot(store)
    assert after["counts"]["versions"] == before["counts"]["versions"] + 1
    assert after["pairs"] == before["pairs"]


def test_interrupted_and_resumed_crawl_equals_uninterrupted(
    sample_site: Site, full_crawl, tmp_path: Path
) -> None:
    data, job = tmp_path / "out", tmp_path / "job"
    first = run_crawl(sample_site, data, "-s", f"JOBDIR={job}", "-s", "CLOSESPIDER_PAGECOUNT=30")
    assert "'finish_reason': 'closespider_pagecount'" in first.stderr
    partial = store_of(data).counts()
    assert 1 <= partial["pairs"] + partial["unpaired"] + partial["errors"] < 49
    run_crawl(sample_site, data, "-s", f"JOBDIR={job}")
    assert unembedded(snapshot(store_of(data))) == unembedded(snapshot(store_of(full_crawl[0])))


def test_killed_crawl_leaves_a_consistent_store(
    sample_site: Site, full_crawl, tmp_path: Path
) -> None:
    data = tmp_path / "out"
    # A slow crawl, killed with SIGKILL (the crawler and its writer process) once a few pairs
    # are stored.
    process = subprocess.Popen(
        [*crawl_command(sample_site), "-s", "DOWNLOAD_DELAY=0.2", "-s", "CONCURRENT_REQUESTS=1"],
        cwd=REPO,
        env=crawl_env(data),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    db = data / "corpus.sqlite"
    deadline = time.monotonic() + 60
    stored = 0
    while time.monotonic() < deadline and stored < 5:
        time.sleep(0.1)
        if db.exists():
            try:
                with sqlite3.connect(db) as con:
                    stored = con.execute("select count(*) from pairs").fetchone()[0]
            except sqlite3.OperationalError:
                pass
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert 5 <= stored < 46
    with sqlite3.connect(db) as con:
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
        orphans = con.execute(
            "select count(*) from pairs p where not exists "
            "(select 1 from versions v where v.article_id = p.translation_article_id)"
        ).fetchone()[0]
        assert orphans == 0
        half = con.execute(
            "select count(*) from pairs where status = 'paired' and original_article_id is null"
        ).fetchone()[0]
        assert half == 0
    assert list((data / "warc").glob("*.warc.gz.open"))  # the killed run's file, left open
    run_crawl(sample_site, data)  # the next run closes it at its last whole record, and goes on
    assert not list((data / "warc").glob("*.open"))
    for f in (data / "warc").glob("*.warc.gz"):
        read_records(f)  # every file reads to the end
    assert unembedded(snapshot(store_of(data))) == unembedded(snapshot(store_of(full_crawl[0])))


def test_crawl_without_extraction_then_extract_from_the_store(
    sample_site: Site, tmp_path: Path
) -> None:
    run_crawl(sample_site, tmp_path, "-s", "BITEXT_EXTRACT=0", "-a", "limit=4")
    assert store_of(tmp_path).counts()["texts"] == 0
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline.cli",
            "extract",
            "--from-store",
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    counts = store_of(tmp_path).counts()
    assert counts["texts"] == counts["versions"] > 0
    assert f"{counts['versions']} versions extracted" in result.stdout


def test_limit_argument(sample_site: Site, tmp_path: Path) -> None:
    run_crawl(sample_site, tmp_path, "-a", "limit=5")
    counts = store_of(tmp_path).counts()
    assert counts["pairs"] + counts["unpaired"] + counts["errors"] == 5


def test_since_until_arguments(sample_site: Site, tmp_path: Path) -> None:
    run_crawl(sample_site, tmp_path, "-a", "since=2024-06-01", "-a", "until=2024-06-30")
    store = store_of(tmp_path)
    got = {urlsplit(p.translation.canonical_url).path for p in store.iter_pairs()}
    got |= {urlsplit(e.url).path for e in store.errors()}
    june = {
        m["en_path"] for m in sample_site.manifest.values() if m["published"].startswith("2024-06")
    }
    assert got == june and len(june) >= 5


def test_urls_argument_with_url_variants(sample_site: Site, tmp_path: Path) -> None:
    m = sample_site.manifest
    urls = [
        f"{sample_site.en}{m['pair-03']['en_path']}?so=related",
        f"{sample_site.en}{m['pair-03']['en_path'].rstrip('/')}",  # same article, no slash
        f"{sample_site.en}{m['pair-20']['en_path']}#comments",
    ]
    run_crawl(sample_site, tmp_path, "-a", "urls=" + ",".join(urls))
    store = store_of(tmp_path)
    got = {
        (urlsplit(p.translation.canonical_url).path, p.original.site_article_id)
        for p in store.iter_pairs()
    }
    assert got == {(m["pair-03"]["en_path"], "700103"), (m["pair-20"]["en_path"], "700120")}
