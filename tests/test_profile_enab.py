"""The Enab Baladi profile against saved pages: exact fields, both Arabic themes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.pages import links_with_text, read_article_page
from pipeline.profiles.enab import ARABIC, ARABIC_2023, ARABIC_2025, ENGLISH, PROFILE

FIXTURES = Path(__file__).parent / "fixtures" / "enab"
PAGES = sorted(FIXTURES.glob("*.html"))


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_profile_reads_saved_page(page: Path) -> None:
    expected = json.loads(page.with_suffix(".expected.json").read_text(encoding="utf-8"))
    html = page.read_text(encoding="utf-8")
    side = ENGLISH if expected["language"] == "en" else ARABIC
    meta = read_article_page(html, side)
    got = {
        "language": side.language,
        "title": meta.title,
        "authors": meta.authors,
        "published": meta.published.isoformat() if meta.published else None,
        "modified": meta.modified.isoformat() if meta.modified else None,
        "categories": meta.categories,
        "tags": meta.tags,
        "post_id": meta.post_id,
        "arabic_version_links": links_with_text(html, PROFILE.original_link_texts),
    }
    assert got == expected
    assert meta.has_body


def test_article_ids_from_urls() -> None:
    assert PROFILE.article_id(ARABIC, "/700100/%D8%A3%D8%B9%D8%B1%D8%A8/") == "700100"
    assert PROFILE.article_id(ARABIC, "/archives/700102") == "700102"
    assert PROFILE.article_id(ARABIC, "/700102/") == "700102"
    assert PROFILE.article_id(ARABIC, "/category/syria/news") is None
    assert (
        PROFILE.article_id(ENGLISH, "/archives/2024/01/some-slug/")
        == "/archives/2024/01/some-slug/"
    )
    assert PROFILE.article_id(ENGLISH, "/archives/category/news/") is None


def test_arabic_link_found_whatever_the_whitespace() -> None:
    html = '<p><a href="/1/x/">  النسخة   العربية\n من المقال </a></p><a href="/2/">other</a>'
    assert links_with_text(html, PROFILE.original_link_texts) == ["/1/x/"]


@pytest.mark.parametrize(
    ("page", "layout", "other"),
    [("ar-article-2023-theme", ARABIC_2023, ARABIC_2025),
     ("ar-article-2025-theme", ARABIC_2025, ARABIC_2023)],
)  # fmt: skip
def test_each_arabic_layout_reads_the_pages_of_its_era(page: str, layout, other) -> None:  # type: ignore[no-untyped-def]
    """The theme history is real: a page of one era is read whole by its layout alone, and the
    other layout alone misses its body and breadcrumb."""
    expected = json.loads((FIXTURES / f"{page}.expected.json").read_text(encoding="utf-8"))
    html = (FIXTURES / f"{page}.html").read_text(encoding="utf-8")
    own = read_article_page(html, ARABIC.only(layout))
    assert own.has_body and own.title == expected["title"]
    assert own.categories == expected["categories"]
    alien = read_article_page(html, ARABIC.only(other))
    assert not alien.has_body and alien.categories == []
    assert ARABIC.layouts == (ARABIC_2025, ARABIC_2023)  # newest first
