"""Enab Baladi: everything the crawler knows about english.enabbaladi.net and enabbaladi.net.

Selectors follow ../shared/reference/enab-site.md and are pinned by the saved-page tests; a theme
change on either site is a change to this file only.
"""

from __future__ import annotations

import re

from pipeline.profile import LanguageSite, SiteProfile

ENGLISH = LanguageSite(
    language="en",
    base_url="https://english.enabbaladi.net",
    # /archives/YYYY/MM/<ascii-slug>/ ; the slug path is the key (no numeric id in the URL)
    article_path=re.compile(r"^/archives/(?P<year>\d{4})/(?P<month>\d{2})/[^/]+/?$"),
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
)

ARABIC = LanguageSite(
    language="ar",
    base_url="https://www.enabbaladi.net",
    # /<id>/<slug>/ (2025), /<id>/ , /archives/<id> (older form)
    article_path=re.compile(r"^/(?:archives/)?(?P<id>\d+)(?:/[^/]*)?/?$"),
    title=(
        "h1.post-title::text",
        "h1.entry-title::text",
        "meta[property='og:title']::attr(content)",
        "title::text",
    ),
    body=("div.content-article", "div.entry-content"),
    published=("meta[property='article:published_time']::attr(content)", "time::attr(datetime)"),
    modified=("meta[property='article:modified_time']::attr(content)",),
    authors=(".author a::text", "meta[name='author']::attr(content)"),
    categories=("nav.breadcrumb a::text", "ul.breadcrumb a::text"),
    tags=(".tags a::text",),
    ignore_labels=frozenset({"الرئيسية"}),
    fallback_encodings=("windows-1256",),
)

PROFILE = SiteProfile(
    name="enab",
    source=ENGLISH,
    original=ARABIC,
    original_link_texts=("النسخة العربية من المقال",),
    feed_paths=("/feed/",),
    sitemap_paths=("/sitemap.xml",),
    listing_paths=("/archives/category/news/",),
    next_page=("a.next::attr(href)", "link[rel='next']::attr(href)"),
    user_agent_name="bitext-enab",
)
