"""One parse per page, and pages kept in the WARC only.

A fetched page is decoded once and parsed once (pipeline.pages.ParsedPage): its metadata,
content hash, pairing links and clean text must be what the two parses before gave (the
spider's lxml parse, then trafilatura's own in extraction), on our pages and on real ones. The
store keeps each version's WARC record (file, offset) instead of a copy of the page, and reads
pages back from the WARC: `extract --from-store` on a crawled store, and on a store made before
migration 0005 (its copies moved to `version_pages`, read where the WARC is not there)."""

from __future__ import annotations

import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import column, create_engine, select, table, text, update
from trafilatura.utils import load_html

from pipeline.extract import extract_article
from pipeline.pages import ParsedPage, is_blank, links_with_text, parse_page, read_article_page
from pipeline.pairing import declared_language, hreflang_alternates
from pipeline.profiles.enab import PROFILE as ENAB
from pipeline.profiles.files import hreflang_profile
from tests.conftest import REPO, SHARED, Site, run_crawl, store_at_revision, store_of

GENERIC = hreflang_profile("https://example.org", "ar,en")
CLI = [sys.executable, "-m", "pipeline.cli"]


class TwoParses(ParsedPage):
    """The page as it was read before: extraction parsed it again with trafilatura's parser."""

    def for_extraction(self):  # type: ignore[no-untyped-def]
        tree = load_html(self.text) if self.text.strip() else None
        return tree if tree is not None else parse_page(self.text)


def _pages() -> list[tuple[str, str, object]]:
    """(name, html, side) of our pages of every kind (decoded as the crawl decodes them)."""
    from pipeline.encoding import decode_html

    def read(path: Path) -> str:
        return decode_html(path.read_bytes()).text

    found = []
    for path in sorted((REPO / "data" / "sample_site" / "www").rglob("*.html"))[:60]:
        side = ENAB.side("ar" if "/ar/" in str(path) else "en")
        found.append((str(path.relative_to(REPO)), read(path), side))
    for path in sorted((REPO / "data" / "sample_site_hreflang" / "www").rglob("*.html")):
        found.append((str(path.relative_to(REPO)), read(path), GENERIC.translation))
    for path in sorted((REPO / "tests").glob("*/**/*.html")):
        side = ENAB.side("ar" if path.name.startswith("ar") else "en")
        found.append((str(path.relative_to(REPO)), read(path), side))
    return found


def _real_pages(limit: int) -> list[tuple[str, str, object]]:
    sys.path.insert(0, str(REPO / "bench"))
    from real_pages import read_real_pages

    from pipeline.encoding import decode_html

    pages = read_real_pages(limit, lambda raw: decode_html(raw).text)
    return [(url, html, GENERIC.translation) for url, _, html in pages]


def _same_reading(name: str, html: str, side: object) -> None:
    once = ParsedPage(html)
    tree, before = once.metadata_tree, parse_page(html)
    assert read_article_page(tree, side) == read_article_page(before, side), name  # type: ignore[arg-type]
    assert is_blank(tree) == is_blank(before), name
    assert declared_language(tree) == declared_language(before), name
    assert hreflang_alternates(tree, "https://x/") == hreflang_alternates(before, "https://x/")
    texts = ENAB.original_link_texts
    assert links_with_text(tree, texts) == links_with_text(before, texts), name
    kept = extract_article(once, side=side)  # type: ignore[arg-type]
    assert kept == extract_article(TwoParses(html), side=side), name  # type: ignore[arg-type]


def test_one_parse_reads_what_two_parses_read() -> None:
    pages = _pages()
    assert len(pages) > 60
    for name, html, side in pages:
        _same_reading(name, html, side)


@pytest.mark.skipif(not (SHARED / "data" / "real-pages").exists(), reason="no ../shared here")
def test_one_parse_reads_what_two_parses_read_on_real_pages() -> None:
    """Real pages have what ours lack: comments inside text, control characters, XHTML."""
    for name, html, side in _real_pages(200):
        _same_reading(name, html, side)


def test_the_tree_goes_to_extraction_last() -> None:
    page = ParsedPage("<html><body><p>one<!-- a comment -->two</p></body></html>")
    assert [c.text for c in page.tree.iter() if c.tag is etree.Comment] == [" a comment "]
    extract_article(page)
    with pytest.raises(RuntimeError, match="went to extraction"):
        _ = page.tree


# -- the pages in the WARC --------------------------------------------------------------------


def _texts(data: Path) -> dict[str, list[str]]:
    store = store_of(data)
    out = {}
    for pair in store.iter_pairs():
        for v in (pair.translation, pair.original):
            if v is not None and (t := store.text_of(v)) is not None:
                out[f"{v.language}:{v.site_article_id}"] = t.paragraphs
    store.close()
    return out


def _crawl_two(site: Site, data: Path) -> None:
    m = site.manifest
    urls = ",".join(f"{site.en}{m[k]['en_path']}" for k in ("pair-01", "pair-02"))
    run_crawl(site, data, "-a", f"urls={urls}")


def test_a_crawl_keeps_its_pages_in_the_warc_only(sample_site: Site, tmp_path: Path) -> None:
    _crawl_two(sample_site, tmp_path)
    crawled = _texts(tmp_path)
    store = store_of(tmp_path)
    with store.engine.connect() as c:
        copies = c.execute(text("SELECT count(*) FROM version_pages")).scalar()
        offsets = c.execute(text("SELECT warc_offset FROM captures")).scalars().all()
    assert copies == 0 and offsets and all(o is not None for o in offsets)
    pair = next(p for p in store.iter_pairs() if p.original is not None)
    page = store.raw_html("enab", "ar", pair.original.site_article_id)
    assert page is not None and b"<html" in page.lower()
    with store.engine.begin() as c:  # as a crawl killed before its capture rows were written
        c.execute(text("DELETE FROM captures"))
    assert store.raw_html("enab", "ar", pair.original.site_article_id) == page  # files scanned
    store.close()
    done = subprocess.run([*CLI, "extract", "--from-store", "--redo", "--data-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "4 versions extracted: ar ok: 2, en ok: 2" in done.stdout
    assert _texts(tmp_path) == crawled


def test_an_old_store_with_its_pages_still_re_extracts(sample_site: Site, tmp_path: Path) -> None:
    """A store of the previous schema keeps a copy of each page in versions.raw_html_z:
    migration 0005 moves the copies to version_pages; they are read where the WARC is not
    there, and `warc-check --drop-store-copies` drops those the WARC holds."""
    data = tmp_path / "out"
    _crawl_two(sample_site, data)
    crawled = _texts(data)
    store = store_of(data)
    pages = store.raw_pages([1, 2, 3, 4])
    store.close()
    url = f"sqlite:///{data / 'corpus.sqlite'}"
    store_at_revision(url, "0004")
    engine = create_engine(url)
    with engine.begin() as c:  # as the previous release wrote them: every page in the store
        versions = table("versions", column("id"), column("raw_html_z"))
        for version_id, page in pages.items():
            c.execute(update(versions).where(versions.c.id == version_id)
                      .values(raw_html_z=zlib.compress(page)))  # fmt: skip
    engine.dispose()
    (data / "warc").rename(data / "warc-elsewhere")  # the WARC files not at hand
    done = subprocess.run([*CLI, "extract", "--from-store", "--redo", "--data-dir", str(data)],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "4 versions extracted: ar ok: 2, en ok: 2" in done.stdout
    assert _texts(data) == crawled
    (data / "warc-elsewhere").rename(data / "warc")
    check = subprocess.run([*CLI, "warc-check", "--drop-store-copies", "--data-dir", str(data)],
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    assert "4 store copies of pages dropped (their WARC records hold them), 0 kept" in check.stdout
    store = store_of(data)
    with store.engine.connect() as c:
        assert c.execute(select(text("count(*)")).select_from(text("version_pages"))).scalar() == 0
    assert store.raw_pages(list(pages)) == pages
    store.close()
