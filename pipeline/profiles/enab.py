"""Enab Baladi: everything the crawler knows about english.enabbaladi.net and enabbaladi.net.

Selectors follow ../shared/reference/enab-site.md and are pinned by the saved-page tests; a theme
change on either site is a change to this file only: a new dated `Layout` of that side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pipeline.patterns import PathPattern
from pipeline.profile import ExtractionRules, LanguageSite, Layout, Pairing, SiteProfile

ENGLISH_RULES = ExtractionRules(
    prune_xpaths=(
        "//*[@id='related-posts']",
        "//*[@id='comments']",
        "//*[@id='breadcrumb']",
        "//*[@id='go-to-top']",
        "//*[contains(@class,'donation')]",
        "//*[contains(@class,'stream-item')]",  # ADVERTISEMENT slots
        "//*[contains(@class,'font-size-controls')]",
        "//*[contains(@class,'post-meta')]",
        "//*[contains(@class,'post-bottom-meta')]",
        "//*[contains(@class,'mobile-header')]",
        "//*[contains(@class,'top-bar')]",
        "//figure",
        "//figcaption",
        "//nav",
        "//footer",
    ),
    # the generic rules (pipeline/boilerplate.py) take the captions, the plea, the read-also
    # lines and the share bar: nothing after extraction is this site's alone
)

ARABIC_RULES = ExtractionRules(
    prune_xpaths=(
        "//header",
        "//footer",
        "//aside",
        "//nav",
        "//*[contains(@class,'breadcrumb')]",
        "//*[contains(@class,'correction')]",
        "//*[contains(@class,'font-controls')]",
        "//*[contains(@class,'tags')]",
        "//*[contains(@class,'article-meta')]",
        "//*[contains(@class,'post-meta')]",
        "//*[contains(@class,'donate')]",
        "//*[contains(@class,'one-post')]",
    ),
    # everything it needs after extraction is in the generic rules (pipeline/boilerplate.py)
)

ENGLISH = LanguageSite(
    language="en",
    base_url="https://english.enabbaladi.net",
    # /archives/YYYY/MM/<ascii-slug>/ ; the slug path is the key (no numeric id in the URL)
    article_path=PathPattern(r"^/archives/(?P<year>\d{4})/(?P<month>\d{2})/[^/]+/?$"),
    title=(
        "h1.post-title.entry-title::text",
        "meta[property='og:title']::attr(content)",
        "title::text",
    ),
    body=("#the-post .entry-content", ".entry-content"),
    published=("meta[property='article:published_time']::attr(content)", "time::attr(datetime)"),
    modified=("meta[property='article:modified_time']::attr(content)",),
    authors=(".post-meta .meta-author a::text", "meta[name='author']::attr(content)"),
    categories=("#breadcrumb a::text",),
    tags=(".post-bottom-meta a::text",),
    post_id=(("link[rel='shortlink']::attr(href)", r"[?&]p=(?P<id>\d+)"),),
    ignore_labels=frozenset({"Home"}),
    extraction=ENGLISH_RULES,
)

# The Arabic site's themes. The dates are those of the oldest saved page of each theme
# (tests/fixtures/enab), not the day the theme went live, which we do not know.
ARABIC_2023 = Layout(
    since=date(2023, 1, 1),
    title=("h1.entry-title::text",),
    body=("div.entry-content",),
    categories=("ul.breadcrumb a::text",),
)
ARABIC_2025 = Layout(
    since=date(2025, 1, 1),
    title=("h1.post-title::text",),
    body=("div.content-article",),
    categories=("nav.breadcrumb a::text",),
)

ARABIC = LanguageSite(
    language="ar",
    base_url="https://www.enabbaladi.net",
    # /<id>/<slug>/ (2025), /<id>/ , /archives/<id> (older form)
    article_path=PathPattern(r"^/(?:archives/)?(?P<id>\d+)(?:/[^/]*)?/?$"),
    # shared by both themes, after theirs
    title=("meta[property='og:title']::attr(content)", "title::text"),
    body=(),
    published=("meta[property='article:published_time']::attr(content)", "time::attr(datetime)"),
    modified=("meta[property='article:modified_time']::attr(content)",),
    authors=(".author a::text", "meta[name='author']::attr(content)"),
    tags=(".tags a::text",),
    ignore_labels=frozenset({"الرئيسية"}),
    fallback_encodings=("windows-1256",),
    extraction=ARABIC_RULES,
).with_layouts(ARABIC_2025, ARABIC_2023)


@dataclass(frozen=True)
class EnabBaladi(SiteProfile):
    """English articles, each linking to its Arabic original with «النسخة العربية من المقال»."""

    name: str = "enab"
    translation: LanguageSite = ENGLISH
    original: LanguageSite = ARABIC
    pairing: Pairing = "link"
    original_link_texts: tuple[str, ...] = ("النسخة العربية من المقال",)
    feed_paths: tuple[str, ...] = ("/feed/",)
    sitemap_paths: tuple[str, ...] = ("/sitemap.xml",)
    listing_paths: tuple[str, ...] = ("/archives/category/news/",)
    next_page: tuple[str, ...] = ("a.next::attr(href)", "link[rel='next']::attr(href)")
    user_agent_name: str = "bitext-enab"
    site_names: tuple[str, ...] = ("Enab Baladi", "عنب بلدي")
    source: dict[str, object] = field(default_factory=lambda: {"registered": "enab"})


PROFILE = EnabBaladi()
