"""A fetched article page read once: decoded once, parsed once (pipeline.pages.ParsedPage), and
everything the crawl needs from it taken from that one tree, extraction last (it takes the
tree): whether the page is blank, its metadata and content hash, where it says its original is
(a translation) or whether it agrees to the pairing (an original), and its clean text.

Plain data in (`PageJob`: the page's bytes, the profile, the sides), plain data out
(`PageReading`), so it runs where it can in a crawl (crawler/pages.py: a worker process beside
the crawler, or the crawler itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from pipeline.extract import PageTooLarge
from pipeline.models import ArticleText
from pipeline.pages import PageMetadata, ParsedPage, is_blank, read_article_page
from pipeline.pairing import (
    Alternate,
    NoOriginal,
    OriginalLink,
    check_original,
    declared_language,
    find_original,
    hreflang_alternates,
)
from pipeline.profile import LanguageSite, SiteProfile
from pipeline.stages.extract import PageInput, extract_page

# "article": a page of either edition in a crawl that pairs by content (no page names another)
Role = Literal["translation", "original", "article"]


@dataclass(frozen=True)
class PageJob:
    """One fetched page to read: as a translation (discovery's side; its original is looked for)
    or as an original (checked against the translation that named it, `translation_urls`)."""

    body: bytes
    content_type: str | None
    url: str
    role: Role
    profile: SiteProfile
    side: LanguageSite  # the page's side (its base URL as crawled)
    other: LanguageSite  # the other side
    site: str
    check_language: bool = False  # where both languages' URLs look alike (hreflang sites)
    translation_urls: tuple[str, ...] = ()
    since: date | None = None  # a translation outside the window is not extracted
    until: date | None = None
    extract: bool = True
    repeated: Mapping[str, int] = field(default_factory=dict)  # the site's boilerplate so far
    max_chars: int | None = None


@dataclass
class PageReading:
    """What one page said. `declared_language` is set only for a page in another language than
    the one expected (`alternates`: its language alternates, when it is the original's)."""

    encoding: str
    encoding_note: str | None
    declared_language: str | None = None
    alternates: list[Alternate] = field(default_factory=list)
    blank: bool = False
    metadata: PageMetadata | None = None
    original: OriginalLink | NoOriginal | None = None  # a translation's
    refused: NoOriginal | None = None  # an original's
    text: ArticleText | None = None
    failure: tuple[str, str] | None = None  # extraction's (reason, detail)


def in_window(moment: datetime | date | None, since: date | None, until: date | None) -> bool:
    """Published between `since` and `until` (both included); no date: in."""
    if moment is None:
        return True
    day = moment.date() if isinstance(moment, datetime) else moment
    return not ((since and day < since) or (until and day > until))


def read_fetched_page(job: PageJob) -> PageReading:
    page = ParsedPage.from_bytes(
        job.body, content_type=job.content_type, fallbacks=job.side.fallback_encodings
    )
    reading = PageReading(page.encoding, page.encoding_note)
    tree = page.metadata_tree  # everything before extraction reads this one tree
    if job.check_language:
        declared = declared_language(tree)
        if declared not in (None, job.side.language):
            reading.declared_language = declared
            if declared == job.other.language:
                reading.alternates = hreflang_alternates(tree, job.url)
            return reading
    if is_blank(tree):
        reading.blank = True
        return reading
    reading.metadata = read_article_page(tree, job.side)
    if job.role == "translation":
        reading.original = find_original(tree, job.url, job.profile, job.other)
        wanted = in_window(reading.metadata.published, job.since, job.until)
    elif job.role == "article":
        wanted = in_window(reading.metadata.published, job.since, job.until)
    else:
        reading.refused = check_original(
            tree, job.url, job.profile, job.side, job.other, job.translation_urls
        )
        wanted = reading.refused is None
    if job.extract and wanted:
        source = PageInput(
            page,
            language=job.side.language,
            side=job.side,
            url=job.url,
            site=job.site,
            content_sha256=reading.metadata.content_sha256,
        )
        try:
            reading.text = extract_page(source, repeated=job.repeated, max_chars=job.max_chars)
        except PageTooLarge as exc:
            reading.failure = ("too_large", str(exc))
        except Exception as exc:  # one page's failure is recorded with its pair, never fatal
            reading.failure = ("extract_error", f"{type(exc).__name__}: {exc}")
    return reading
