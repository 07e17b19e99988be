"""Profiles without code: a profile file (TOML or JSON, validated by `ProfileFile`), or just a
site and its two languages for a site with hreflang alternates (`hreflang_profile`).

    scrapy crawl bilingual -a site=https://example.org -a languages=ar,en
    scrapy crawl bilingual -a profile=mysite.toml

The first language is the original's, the second its translation's. Whatever a file leaves
out falls back to selectors most WordPress-style themes answer (GENERIC below).
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from pipeline.patterns import (
    PathPattern,
    css_selector,
    linear_regex,
    python_regex,
    xpath_expression,
)
from pipeline.profile import ExtractionRules, LanguageSite, Pairing, SiteProfile

# Any path below the root that is not a WordPress listing, feed, asset or a bare language
# prefix (/en/): what a generic site's article URLs look like. RE2 has no lookahead, so what is
# not an article is a list of exclusions (a profile file may give its own: article_path_exclude).
GENERIC_ARTICLE_PATH = r"^/[^?#]+$"
GENERIC_NOT_ARTICLE = (
    r"^/[a-z]{2,3}(?:-[a-zA-Z]{2,4})?/?$",
    r"^/(?:[a-z]{2,3}(?:-[a-zA-Z]{2,4})?/)?"
    r"(?:feed|tag|category|author|page|search|comments|wp-[a-z-]+)(?:/|$)",
    r"\.(?:xml|css|js|json|png|jpe?g|gif|svg|webp|pdf|ico|txt)$",
)
GENERIC_PATH = PathPattern(GENERIC_ARTICLE_PATH, GENERIC_NOT_ARTICLE)

GENERIC = {
    "title": (
        "meta[property='og:title']::attr(content)",
        "h1.entry-title::text",
        "h1::text",
        "title::text",
    ),
    "body": (".entry-content", "article .post-content", "article", "main"),
    "published": (
        "meta[property='article:published_time']::attr(content)",
        "time::attr(datetime)",
    ),
    "modified": ("meta[property='article:modified_time']::attr(content)",),
    "authors": ("meta[name='author']::attr(content)", "a[rel='author']::text"),
    "categories": ("meta[property='article:section']::attr(content)",),
    "tags": ("meta[property='article:tag']::attr(content)",),
}
GENERIC_DISCOVERY = {
    "feed_paths": ("/feed/",),
    "sitemap_paths": ("/sitemap.xml", "/wp-sitemap.xml"),
    "listing_paths": ("/",),
    "next_page": ("a.next::attr(href)", "link[rel='next']::attr(href)"),
}

Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
Name = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


def _site_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) site URL: {value!r}")
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


class SideFile(BaseModel):
    """One language side; every field optional (the generic selectors stand in)."""

    model_config = ConfigDict(extra="forbid")
    base_url: str | None = None
    article_path: str | None = Field(
        default=None,
        description="RE2 regex on the URL path; a group named id is the article key",
    )
    article_path_exclude: list[str] | None = Field(
        default=None, description="RE2 regexes: a path in which one is found is not an article"
    )
    title: list[str] | None = None
    body: list[str] | None = None
    published: list[str] | None = None
    modified: list[str] | None = None
    authors: list[str] | None = None
    categories: list[str] | None = None
    tags: list[str] | None = None
    post_id: list[tuple[str, str]] = []
    ignore_labels: list[str] = []
    fallback_encodings: list[str] = []
    prune_xpaths: list[str] = []
    drop_patterns: list[tuple[str, str]] = []

    @model_validator(mode="after")
    def _check(self) -> SideFile:
        if self.base_url is not None:
            self.base_url = _site_url(self.base_url)
        for pattern in [self.article_path or "", *(self.article_path_exclude or ())]:
            linear_regex(pattern)
        for selector, pattern in self.post_id:
            css_selector(selector)
            if "id" not in linear_regex(pattern).groupindex:
                raise ValueError(f"post_id regex {pattern!r} has no group named id")
        for name in SELECTOR_FIELDS:
            for selector in getattr(self, name) or ():
                css_selector(selector)
        for query in self.prune_xpaths:
            xpath_expression(query)
        for pattern, _ in self.drop_patterns:
            python_regex(pattern)
        return self


SELECTOR_FIELDS = ("title", "body", "published", "modified", "authors", "categories", "tags")


class ProfileFile(BaseModel):
    """A site profile as a file: `scrapy crawl bilingual -a profile=FILE`."""

    model_config = ConfigDict(extra="forbid")
    name: Name = Field(description="The site's name in the store, the feed and the WARC files")
    site: str = Field(description="The site's base URL (each side may have its own)")
    languages: tuple[Language, Language] = Field(
        description="The original's, then its translation's"
    )
    pairing: Pairing = Field(
        default="hreflang",
        description="How a translation is paired with its original: link (a link with a known "
        "text), hreflang (alternates), content (by what the two say: no link between editions)",
    )
    original_link_texts: list[str] = Field(
        default=[], description='"link" pairing: the text of the link to the original'
    )
    pairing_window_days: int | None = Field(
        default=None,
        ge=0,
        le=366,
        description='"content" pairing: a translation appears 0..N days after its original '
        "(default: the crawl's BITEXT_PAIRING_WINDOW_DAYS, 7)",
    )
    feed_paths: list[str] = list(GENERIC_DISCOVERY["feed_paths"])
    sitemap_paths: list[str] = list(GENERIC_DISCOVERY["sitemap_paths"])
    listing_paths: list[str] = list(GENERIC_DISCOVERY["listing_paths"])
    next_page: list[str] = list(GENERIC_DISCOVERY["next_page"])
    site_names: list[str] = []
    sides: dict[Language, SideFile] = {}

    @model_validator(mode="after")
    def _check(self) -> ProfileFile:
        self.site = _site_url(self.site)
        if self.languages[0] == self.languages[1]:
            raise ValueError(f"the two languages are the same: {self.languages[0]}")
        stray = sorted(set(self.sides) - set(self.languages))
        if stray:
            raise ValueError(f"sides {', '.join(stray)} are not among languages")
        if self.pairing == "link" and not self.original_link_texts:
            raise ValueError('pairing "link" needs original_link_texts')
        for selector in self.next_page:
            css_selector(selector)
        return self

    def profile(self) -> SiteProfile:
        original, translation = (self._side(lang) for lang in self.languages)
        return SiteProfile(
            name=self.name,
            translation=translation,
            original=original,
            pairing=self.pairing,
            original_link_texts=tuple(self.original_link_texts),
            feed_paths=tuple(self.feed_paths),
            sitemap_paths=tuple(self.sitemap_paths),
            listing_paths=tuple(self.listing_paths),
            next_page=tuple(self.next_page),
            user_agent_name=f"bitext-{self.name}",
            site_names=tuple(self.site_names),
            pairing_window_days=self.pairing_window_days,
            source={"profile_file": self.model_dump(mode="json")},
        )

    def _side(self, language: str) -> LanguageSite:
        side = self.sides.get(language) or SideFile()

        def pick(name: str) -> tuple[str, ...]:
            given = getattr(side, name)
            return tuple(given) if given is not None else GENERIC[name]

        return LanguageSite(
            language=language,
            base_url=side.base_url or self.site,
            article_path=(
                PathPattern(side.article_path, tuple(side.article_path_exclude or ()))
                if side.article_path
                else PathPattern(
                    GENERIC_ARTICLE_PATH,
                    tuple(
                        side.article_path_exclude
                        if side.article_path_exclude is not None
                        else GENERIC_NOT_ARTICLE
                    ),
                )
            ),
            title=pick("title"),
            body=pick("body"),
            published=pick("published"),
            modified=pick("modified"),
            authors=pick("authors"),
            categories=pick("categories"),
            tags=pick("tags"),
            post_id=tuple(side.post_id),
            ignore_labels=frozenset(side.ignore_labels),
            fallback_encodings=tuple(side.fallback_encodings),
            extraction=ExtractionRules(
                prune_xpaths=tuple(side.prune_xpaths), drop_patterns=tuple(side.drop_patterns)
            ),
        )


class ProfileRefused(ValueError):
    """A profile file or site argument that cannot be used; the message is one line."""


def _one_line(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    return (f"{where}: " if where else "") + " ".join(message.split())


def load_profile_file(path: Path, *, pairing: str | None = None) -> SiteProfile:
    """A profile from a TOML (.toml) or JSON file; ProfileRefused says what is wrong.
    `pairing` (-a pairing=) overrides the file's."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ProfileRefused(f"profile {path}: not readable: {exc}".replace("\n", " ")) from exc
    if pairing is not None and isinstance(data, dict):
        data = {**data, "pairing": pairing}
    try:
        return ProfileFile.model_validate(data).profile()
    except ValidationError as exc:
        raise ProfileRefused(f"profile {path}: {_one_line(exc)}") from exc


def site_name(site: str) -> str:
    """A store name for a site URL: its host without www., dots as dashes (the port left out:
    a mirror or a local copy on another port is the same site)."""
    host = (urlsplit(site).hostname or "site").removeprefix("www.")
    return re.sub(r"[^a-z0-9_-]+", "-", host.lower()).strip("-")[:64] or "site"


def hreflang_profile(site: str, languages: str, pairing: str = "hreflang") -> SiteProfile:
    """The profile of a site declaring its language versions with hreflang alternates:
    `languages` is "ORIGINAL,TRANSLATION" (e.g. ar,en); with `pairing` "content", of a site
    whose two editions do not link to each other (their articles paired by what they say)."""
    codes = [c.strip().lower() for c in languages.split(",") if c.strip()]
    if len(codes) != 2:
        raise ProfileRefused(
            f"-a languages= takes two language codes, the original's first (e.g. ar,en); "
            f"got {languages!r}"
        )
    if pairing not in ("hreflang", "content"):
        raise ProfileRefused(
            f"-a pairing= takes hreflang or content with -a site= (link needs a profile file "
            f"naming the link's text), got {pairing!r}"
        )
    try:
        model = ProfileFile.model_validate(
            {
                "name": site_name(site),
                "site": site,
                "languages": (codes[0], codes[1]),
                "pairing": pairing,
            }
        )
    except ValidationError as exc:
        raise ProfileRefused(_one_line(exc).replace("Value error, ", "")) from exc
    return model.profile()
