"""What a site profile is: declarative knowledge about one bilingual publisher.

Instances live in `crawler/profiles/` (one module per publisher); everything here is plain data
plus the pure functions that read pages with it, so a theme change is a one-file fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ExtractionRules:
    """What the generic extractor gets wrong on a site: elements to prune before extraction
    and whole paragraphs to drop after it, each with the reason recorded."""

    prune_xpaths: tuple[str, ...] = ()
    drop_patterns: tuple[tuple[str, str], ...] = ()  # (regex matched against a paragraph, reason)


@dataclass(frozen=True)
class LanguageSite:
    """One language side of a publisher."""

    language: str
    base_url: str
    article_path: re.Pattern[str]  # group "id" when the URL carries the stable id
    title: tuple[str, ...]  # CSS selectors ending in ::text / ::attr(), tried in order
    body: tuple[str, ...]  # CSS selectors of the article body container
    published: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    post_id: tuple[tuple[str, str], ...] = ()  # (selector, regex with group "id")
    ignore_labels: frozenset[str] = frozenset()  # breadcrumb labels that are not categories
    fallback_encodings: tuple[str, ...] = ()
    extraction: ExtractionRules = ExtractionRules()


@dataclass(frozen=True)
class SiteProfile:
    name: str
    source: LanguageSite  # the side the crawl starts from (English on Enab Baladi)
    original: LanguageSite  # the side the link points to (the Arabic original)
    original_link_texts: tuple[str, ...]  # text of the link from source to original
    feed_paths: tuple[str, ...] = ()
    sitemap_paths: tuple[str, ...] = ()
    listing_paths: tuple[str, ...] = ()
    next_page: tuple[str, ...] = ()
    user_agent_name: str = "bitext"
    extra: dict[str, object] = field(default_factory=dict)

    def side(self, language: str) -> LanguageSite | None:
        """The side of the site in `language`, if the publisher has one."""
        return next((s for s in (self.source, self.original) if s.language == language), None)

    def article_id(self, side: LanguageSite, path: str) -> str | None:
        """The stable id in an article URL path, the path itself for sides without ids."""
        match = side.article_path.match(path)
        if match is None:
            return None
        return match.groupdict().get("id") or path
