"""`scrapy crawl bilingual` on the second sample site (WordPress-style, hreflang alternates,
served on 127.0.0.1): the exact pairs and unpaired reasons of its awkward cases, with no code
and no profile file for the site; then the same from a profile file, and a re-crawl."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from sqlalchemy import text

from tests.conftest import (
    HreflangSite,
    bilingual_crawl,
    build_hreflang_site,
    start_hreflang_site,
    store_of,
)

NAME = "127-0-0-1"  # the store's name for the site: its host


def path(url: str | None) -> str | None:
    return unquote(urlsplit(url).path) if url else None


@pytest.fixture(scope="module")
def sada(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HreflangSite]:
    site = start_hreflang_site(build_hreflang_site(tmp_path_factory.mktemp("sada") / "www"))
    yield site
    site.stop()


@pytest.fixture(scope="module")
def crawled(sada: HreflangSite, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("data")
    first = bilingual_crawl(
        data, "-a", f"site={sada.base}", "-a", "languages=ar,en", "-O", str(data / "feed.jsonl")
    )
    assert first.returncode == 0, first.stderr[-4000:]
    (data / "crawl-1.log").write_text(first.stderr, encoding="utf-8")
    return data


def expected(sada: HreflangSite) -> dict[str, tuple[str, str | None, str | None]]:
    return {
        m["en_path"]: (m["status"], m["reason"], unquote(m["ar_path"]) if m["ar_path"] else None)
        for m in sada.manifest.values()
        if m["en_path"]
    }


def test_exact_pairs_and_unpaired_reasons(crawled: Path, sada: HreflangSite) -> None:
    store = store_of(crawled)
    got = {
        path(p.translation.canonical_url): (
            p.status.value,
            p.reason.value if p.reason else None,
            path(p.original.url) if p.original else None,
        )
        for p in store.iter_pairs()
    }
    assert got == expected(sada)
    details = {p.reason.value: p.reason_detail for p in store.iter_pairs() if p.reason}
    assert details == {
        "no_original_link": "no hreflang alternate for ar on the page",
        "original_link_offsite": "link points to elsewhere.example",
        "original_fetch_failed": "HTTP 404",
        "original_not_reciprocal": (
            f"the original's en alternate is {sada.base}{sada.manifest['a05']['en_path']}, "
            "not this page"
        ),
        "original_wrong_language": "the page declares lang en, not ar",
    }
    for pair in store.iter_pairs():
        assert pair.site == NAME and pair.translation.language == "en"
        if pair.original is not None:
            assert pair.original.language == "ar"
            assert pair.original.title and re.search(r"[\u0600-\u06FF]", pair.original.title)
    # the redirecting alternate: asked for at its old address, stored at the new one
    moved = store.pair_for(NAME, sada.manifest["a10"]["en_path"])
    assert moved is not None and moved.original is not None
    assert path(moved.original.requested_url) == "/archives/5010/"
    assert path(moved.original.url) == unquote(sada.manifest["a10"]["ar_path"])
    assert path(moved.original_url) == "/archives/5010/"
    store.close()


def test_texts_are_extracted_and_aligned(crawled: Path, sada: HreflangSite) -> None:
    store = store_of(crawled)
    pair = store.pair_for(NAME, sada.manifest["a01"]["en_path"])
    assert pair is not None and pair.original is not None
    en, ar = store.text_of(pair.translation), store.text_of(pair.original)
    assert en is not None and ar is not None and en.status == ar.status == "ok"
    assert en.title == sada.manifest["a01"]["en_title"]
    assert en.language_ok and ar.language_ok
    assert not any("WordPress" in p or "Leave a reply" in p for p in en.paragraphs)
    alignment = store.alignment_of(NAME, sada.manifest["a01"]["en_path"])
    assert alignment is not None and (alignment.src_language, alignment.tgt_language) == (
        "ar",
        "en",
    )
    assert alignment.src_sha256 == pair.original.content_sha256
    store.close()


def test_feed_and_warc_name_the_profile(crawled: Path) -> None:
    records = [
        json.loads(line) for line in (crawled / "feed.jsonl").read_text("utf-8").splitlines()
    ]
    assert {r["site"] for r in records} == {NAME}
    assert sum(r["type"] == "pair" for r in records) == 7
    warcs = sorted(p.name for p in (crawled / "warc").glob("*.warc.gz"))
    assert warcs and all(name.startswith(f"{NAME}-") for name in warcs)


def test_a_second_crawl_stores_nothing_new(crawled: Path, sada: HreflangSite) -> None:
    before = store_of(crawled)
    counts = before.counts()
    before.close()
    again = bilingual_crawl(crawled, "-a", f"site={sada.base}", "-a", "languages=ar,en",
                            "-s", "LOG_LEVEL=INFO")  # fmt: skip
    assert again.returncode == 0, again.stderr[-4000:]
    assert "'bitext/not_modified/en'" in again.stderr
    after = store_of(crawled)
    assert after.counts()["versions"] == counts["versions"]
    assert after.counts()["pairs"] == counts["pairs"]
    after.close()


def test_a_profile_file_crawls_the_same(sada: HreflangSite, tmp_path: Path) -> None:
    profile = tmp_path / "sada.toml"
    profile.write_text(
        f'name = "sada"\nsite = "{sada.base}"\nlanguages = ["ar", "en"]\npairing = "hreflang"\n'
        'feed_paths = ["/en/feed/"]\nsitemap_paths = []\nlisting_paths = []\n',
        encoding="utf-8",
    )
    result = bilingual_crawl(tmp_path, "-a", f"profile={profile}")
    assert result.returncode == 0, result.stderr[-4000:]
    store = store_of(tmp_path)
    got = {
        path(p.translation.canonical_url): (
            p.status.value,
            p.reason.value if p.reason else None,
            path(p.original.url) if p.original else None,
        )
        for p in store.iter_pairs()
    }
    assert got == expected(sada)
    assert {p.site for p in store.iter_pairs()} == {"sada"}
    store.close()
    assert all(p.name.startswith("sada-") for p in (tmp_path / "warc").glob("*.warc.gz"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "which site? give -a site=https://... -a languages=ORIGINAL,TRANSLATION"),
        (("-a", "site=http://x.example"), "which site?"),
        (("-a", "site=http://x.example", "-a", "languages=ar"), "takes two language codes"),
        (("-a", "site=x.example", "-a", "languages=ar,en"), "not an http(s) site URL"),
        (("-a", "profile=nope.toml"), "profile nope.toml: not readable"),
        (("-a", "site=http://x.example", "-a", "languages=ar,en", "-a", "base_url_fr=http://y"),
         "unknown spider argument -a base_url_fr=http://y; valid: site, languages, profile"),
    ],
)  # fmt: skip
def test_bad_arguments_are_refused_before_crawling(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = bilingual_crawl(tmp_path, *args, timeout=60)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_generic_crawls_of_two_sites_are_named_apart() -> None:
    """The shared frontier's Redis keys and the logs carry the spider's name: two sites crawled
    by the generic spider must not share them; `scrapy crawl enab` keeps its name."""
    from crawler.spiders.bilingual import BilingualSpider
    from crawler.spiders.enab import EnabSpider

    names = {
        BilingualSpider(site=site, languages="ar,en").name
        for site in ("https://example.org", "https://news.example.net")
    }
    assert names == {"bilingual-example-org", "bilingual-news-example-net"}
    assert EnabSpider().name == "enab"


# -- the profile a crawl used is stored with it: later stages read the site as the crawl did --

CLI = [sys.executable, "-m", "pipeline.cli"]


def _texts(data: Path) -> dict[str, tuple[str | None, list[str]]]:
    store = store_of(data)
    out = {}
    for pair in store.iter_pairs():
        for v in (pair.translation, pair.original):
            if v is not None and (t := store.text_of(v)) is not None:
                out[f"{v.language}:{v.site_article_id}"] = (t.title, t.paragraphs)
    store.close()
    return out


def _re_extract(data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "extract", "--from-store", "--redo", "--data-dir", str(data)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_a_store_crawled_by_site_re_extracts_with_its_profile(
    crawled: Path, tmp_path: Path
) -> None:
    """`-a site=URL -a languages=ar,en`: no registered profile, no file; `extract --from-store`
    reads the site with the profile the crawl stored (it refused the site before)."""
    data = tmp_path / "copy"
    shutil.copytree(crawled, data)
    before = _texts(data)
    done = _re_extract(data)
    assert done.returncode == 0, done.stderr
    assert f"{len(before)} versions extracted: ar ok: " in done.stdout
    assert "without a site profile" not in done.stdout
    assert _texts(data) == before
    # a crawl recorded before profiles were stored: made again from its spider arguments
    store = store_of(data)
    with store.engine.begin() as c:
        c.execute(text("UPDATE crawls SET profile = NULL"))
    store.close()
    again = _re_extract(data)
    assert again.returncode == 0 and "without a site profile" not in again.stdout
    assert _texts(data) == before


def test_a_store_crawled_from_a_profile_file_re_extracts_without_the_file(
    sada: HreflangSite, tmp_path: Path
) -> None:
    profile = tmp_path / "sada.toml"
    profile.write_text(
        f'name = "sada"\nsite = "{sada.base}"\nlanguages = ["ar", "en"]\npairing = "hreflang"\n'
        'feed_paths = ["/en/feed/"]\nsitemap_paths = []\nlisting_paths = []\n'
        'sides.en.title = ["h1.entry-title::text"]\n',
        encoding="utf-8",
    )
    data = tmp_path / "out"
    result = bilingual_crawl(data, "-a", f"profile={profile}")
    assert result.returncode == 0, result.stderr[-4000:]
    profile.unlink()  # the crawl stored the profile: the file is no longer needed
    before = _texts(data)
    assert before and all(title for title, _ in before.values())
    done = _re_extract(data)
    assert done.returncode == 0, done.stderr
    assert "without a site profile" not in done.stdout
    assert _texts(data) == before
