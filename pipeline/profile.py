"""What a site profile is: declarative knowledge about one bilingual publisher.

Profiles live in `pipeline/profiles/` (one class per publisher, or a profile file for a site
that needs no code); everything here is plain data plus the pure functions that read pages with
it, so a theme change is a one-file fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal
from urllib.parse import urlsplit

from pipeline.patterns import PathPattern


@dataclass(frozen=True)
class ExtractionRules:
    """What the generic extractor gets wrong on a site: elements to prune before extraction
    and whole paragraphs to drop after it, each with the reason recorded."""

    prune_xpaths: tuple[str, ...] = ()
    drop_patterns: tuple[tuple[str, str], ...] = ()  # (regex matched against a paragraph, reason)


@dataclass(frozen=True)
class Layout:
    """One theme of a side, live from `since`: the selectors that changed with it. A side's
    layouts are its history; pages of every era are read by the union, newest first."""

    since: date
    title: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


LAYOUT_FIELDS = ("title", "body", "authors", "categories", "tags")


@dataclass(frozen=True)
class LanguageSite:
    """One language side of a publisher."""

    language: str
    base_url: str
    # matched in linear time (RE2, pipeline/patterns.py): it runs on every link discovery finds;
    # group "id" when the URL carries the stable id
    article_path: PathPattern
    title: tuple[str, ...]  # CSS selectors ending in ::text / ::attr(), tried in order
    body: tuple[str, ...]  # CSS selectors of the article body container
    published: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    post_id: tuple[tuple[str, str], ...] = ()  # (selector, RE2 regex with group "id")
    ignore_labels: frozenset[str] = frozenset()  # breadcrumb labels that are not categories
    fallback_encodings: tuple[str, ...] = ()
    extraction: ExtractionRules = ExtractionRules()
    layouts: tuple[Layout, ...] = ()  # the theme history, newest first (see with_layouts)

    def with_layouts(self, *layouts: Layout) -> LanguageSite:
        """This side reading every layout: each selector list is the layouts' (newest first),
        then this side's own (those every theme shares)."""
        ordered = tuple(sorted(layouts, key=lambda layout: layout.since, reverse=True))
        merged: dict[str, Any] = {  # selector tuples by field name, for replace()
            name: tuple(
                dict.fromkeys(
                    [s for layout in ordered for s in getattr(layout, name)]
                    + list(getattr(self, name))
                )
            )
            for name in LAYOUT_FIELDS
        }
        return replace(self, layouts=ordered, **merged)

    def only(self, layout: Layout) -> LanguageSite:
        """This side as it was under one layout alone (what a saved page of that era needs)."""
        shared = {name: getattr(self, name) for name in LAYOUT_FIELDS}
        for older in self.layouts:
            for name in LAYOUT_FIELDS:
                shared[name] = tuple(s for s in shared[name] if s not in getattr(older, name))
        return replace(
            self,
            layouts=(layout,),
            **{name: getattr(layout, name) + shared[name] for name in LAYOUT_FIELDS},
        )


# How a translation's page names its original: a link with a known text on the page ("link",
# Enab Baladi), or <link rel="alternate" hreflang="..."> in its head ("hreflang", WordPress
# with WPML or Polylang and most multilingual news CMSs); or it does not, and the two editions'
# articles are paired by what they say ("content": pipeline/stages/pairing.py).
Pairing = Literal["link", "hreflang", "content"]
PAIRINGS: tuple[Pairing, ...] = ("link", "hreflang", "content")


@dataclass(frozen=True)
class SiteProfile:
    name: str
    translation: LanguageSite  # the side the crawl starts from (English on Enab Baladi)
    original: LanguageSite  # the side its pages point to (Enab: the Arabic original)
    pairing: Pairing = "link"
    original_link_texts: tuple[str, ...] = ()  # "link": text of the link to the original
    feed_paths: tuple[str, ...] = ()
    sitemap_paths: tuple[str, ...] = ()
    listing_paths: tuple[str, ...] = ()
    next_page: tuple[str, ...] = ()
    user_agent_name: str = "bitext"
    site_names: tuple[str, ...] = ()  # as og:site_name gives them, in each language
    # "content": how many days after its original a translation may appear (None: the crawl's
    # setting, BITEXT_PAIRING_WINDOW_DAYS)
    pairing_window_days: int | None = None
    extra: dict[str, object] = field(default_factory=dict)
    # How to make this profile again, stored with each crawl (plain JSON): {"registered": NAME}
    # for a profile of pipeline/profiles, {"profile_file": {...}} for one read from a file or
    # made from -a site= -a languages= (pipeline.profiles.profile_of rebuilds it)
    source: dict[str, object] = field(default_factory=dict)

    def side(self, language: str) -> LanguageSite | None:
        """The side of the site in `language`, if the publisher has one."""
        return next((s for s in (self.translation, self.original) if s.language == language), None)

    def article_id(self, side: LanguageSite, path: str) -> str | None:
        """The stable id in an article URL path, the path itself for sides without ids."""
        match = side.article_path.match(path)
        if match is None:
            return None
        return match.groupdict().get("id") or path


def host_of(url: str | None) -> str | None:
    """The host of a URL, lower case, without "www.": the same site whichever form is linked."""
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


@dataclass(frozen=True)
class PageClues:
    """What a page says about where it is from."""

    urls: tuple[str, ...] = ()  # canonical URL, og:url, the URL it was fetched from
    site_name: str | None = None  # og:site_name
    language: str | None = None  # <html lang>, or the language the caller was told


def find_profile(
    clues: PageClues, profiles: Iterable[SiteProfile]
) -> tuple[SiteProfile, LanguageSite] | None:
    """The profile and side a page belongs to: by the host of its canonical URL, og:url or
    fetch URL, else by its og:site_name (the side then by its language)."""
    profiles = list(profiles)
    for url in clues.urls:
        host = host_of(url)
        for profile in profiles:
            for side in (profile.translation, profile.original):
                if host and host == host_of(side.base_url):
                    return profile, side
    name = " ".join(clues.site_name.split()).casefold() if clues.site_name else None
    for profile in profiles if name else ():
        if name in {n.casefold() for n in profile.site_names}:
            language = (clues.language or "").split("-")[0].lower()
            named = profile.side(language)
            if named is not None:
                return profile, named
    return None
