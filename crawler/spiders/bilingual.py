"""`scrapy crawl bilingual`: a bilingual site's translated articles, each paired with its
original, the site given by a profile.

The site, one of:
  -a site=https://... -a languages=ar,en      a site with hreflang alternates (no code, no file):
                                              the original's language first
  -a profile=FILE                             a profile file (TOML or JSON: ProfileFile in
                                              pipeline/profiles/files.py)
  -a pairing=content                          with either: the editions do not link to each
                                              other; both are crawled and their articles paired
                                              by what they say (crawler/content.py)
  (a profile in pipeline/profiles is a spider of its own name: `scrapy crawl enab`)
Arguments (all optional):
  -a since=YYYY-MM-DD -a until=YYYY-MM-DD   only articles published in that window
  -a limit=N                                 at most N translated articles (content pairing:
                                             N articles of each language)
  -a urls=URL,URL                            just these translated articles (no discovery)
  -a base_url_<language>=...                 a mirror, or a bundled sample site

Discovery: the feed, the sitemap (when the site has one) and the listing with its pagination,
all three; duplicates collapse on the canonical URL. Known articles are re-checked with
conditional GETs (ETag / Last-Modified): a 304 costs nothing and stores nothing. How a
translation names its original is the profile's pairing (pipeline/pairing.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from hashlib import sha256
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

import scrapy
from parsel import Selector
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.content import ContentEditions
from crawler.discovery import STALE_META, DiscoveryBounds, UnreadableSitemap, read_sitemap
from crawler.middlewares import OffsiteRequest, RequestNotSent
from crawler.pages import PageReader
from crawler.resources import CrawlResources
from pipeline.models import (
    CONTENT_REASONS,
    ArticlePair,
    ArticleVersion,
    CrawlError,
    CrawlErrorKind,
    PairingMethod,
    PairStatus,
    UnpairedReason,
)
from pipeline.pages import links, parse_page
from pipeline.pairing import NoOriginal
from pipeline.profile import PAIRINGS, LanguageSite, SiteProfile
from pipeline.profiles.files import ProfileRefused, hreflang_profile, load_profile_file
from pipeline.stages.read import PageJob, PageReading, Role, in_window
from pipeline.store.interface import CorpusReader
from pipeline.urls import canonical_url, request_url, same_site

NOT_MODIFIED = 304


def _date_arg(value: str | None, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"-a {name}= must be a date YYYY-MM-DD, got {value!r}") from exc


def _limit_arg(value: str | int | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        limit = int(value)
    except ValueError:
        limit = -1
    if limit < 0:
        raise ValueError(f"-a limit= must be a whole number, got {value!r}")
    return limit


BASE_URL_ARGUMENT = re.compile(r"^base_url_([a-z]{2,3})$")


class BilingualSpider(scrapy.Spider):
    name = "bilingual"
    # A subclass for a registered profile sets it (crawler/spiders/enab.py); otherwise it comes
    # from -a site= and -a languages=, or -a profile=FILE.
    registered_profile: ClassVar[SiteProfile | None] = None
    profile: SiteProfile  # this crawl's: the subclass's, or made from the arguments in __init__
    ARGUMENTS: tuple[str, ...] = (
        "site",
        "languages",
        "profile",
        "since",
        "until",
        "limit",
        "urls",
        "pairing",
        "base_url_<language>",
    )

    @classmethod
    def site_profile(cls, arguments: dict[str, str]) -> SiteProfile:
        """The profile this crawl is for; ValueError (one line) when the arguments name none."""
        pairing = arguments.get("pairing") or None
        if pairing is not None and pairing not in PAIRINGS:
            raise ValueError(f"-a pairing= takes {', '.join(PAIRINGS)}, got {pairing!r}")
        if cls.registered_profile is not None:
            if pairing not in (None, cls.registered_profile.pairing):
                raise ValueError(
                    f"-a pairing= is for -a site= or -a profile=; {cls.name} pairs by "
                    f"{cls.registered_profile.pairing}"
                )
            return cls.registered_profile
        site, languages, file = (arguments.get(k) for k in ("site", "languages", "profile"))
        if file and (site or languages):
            raise ValueError("give -a profile=FILE, or -a site= with -a languages=, not both")
        try:
            if file:
                return load_profile_file(Path(file), pairing=pairing)
            if site and languages:
                return hreflang_profile(site, languages, pairing or "hreflang")
        except ProfileRefused as exc:
            raise ValueError(str(exc)) from None
        raise ValueError(
            "which site? give -a site=https://... -a languages=ORIGINAL,TRANSLATION "
            "(e.g. ar,en), or -a profile=FILE"
        )

    @classmethod
    def _known(cls, argument: str, profile: SiteProfile) -> bool:
        if argument in cls.ARGUMENTS:
            return True
        match = BASE_URL_ARGUMENT.match(argument)
        languages = (profile.translation.language, profile.original.language)
        return bool(match and match[1] in languages)

    @classmethod
    def check_arguments(cls, arguments: dict[str, str]) -> None:
        """Raise ValueError (one line, the valid arguments listed) for an unknown argument or a
        bad value: checked before the crawl starts, so a typo never runs a full crawl."""
        profile = cls.site_profile(arguments)
        unknown = sorted(a for a in arguments if not cls._known(a, profile))
        if unknown:
            raise ValueError(
                f"unknown spider argument{'s' if len(unknown) > 1 else ''} "
                + ", ".join(f"-a {name}={arguments[name]}" for name in unknown)
                + "; valid: "
                + ", ".join(cls.ARGUMENTS)
            )
        since = _date_arg(arguments.get("since"), "since")
        until = _date_arg(arguments.get("until"), "until")
        if since and until and since > until:
            raise ValueError(f"-a since={since} is after -a until={until}")
        _limit_arg(arguments.get("limit"))

    def __init__(
        self,
        since: str | None = None,
        until: str | None = None,
        limit: str | int | None = None,
        urls: str | None = None,
        **kwargs: Any,
    ) -> None:
        given = {"since": since, "until": until, "limit": limit, "urls": urls}
        arguments = {k: str(v) for k, v in {**given, **kwargs}.items() if v is not None}
        self.check_arguments(arguments)
        profile = self.site_profile(arguments)
        bases = {k: kwargs.pop(k) for k in list(kwargs) if BASE_URL_ARGUMENT.match(k)}
        for k in ("site", "languages", "profile", "pairing"):
            kwargs.pop(k, None)
        if self.registered_profile is None:
            # named by its site, so that crawls of two sites never share a Redis frontier's keys
            kwargs.setdefault("name", f"{self.name}-{profile.name}")
        super().__init__(**kwargs)
        self.profile: SiteProfile = profile
        self.since = _date_arg(since, "since")
        self.until = _date_arg(until, "until")
        self.limit = _limit_arg(limit)
        self.urls = [u.strip() for u in (urls or "").split(",") if u.strip()]

        def based(side: LanguageSite) -> LanguageSite:
            base = bases.get(f"base_url_{side.language}") or side.base_url
            return replace(side, base_url=base.rstrip("/"))

        # `source`: the side discovery starts from, the translation
        self.source: LanguageSite = based(profile.translation)
        self.original: LanguageSite = based(profile.original)
        self.allowed_hosts = {
            urlsplit(self.source.base_url).netloc.lower(),
            urlsplit(self.original.base_url).netloc.lower(),
        }
        self.allowed_domains = sorted(
            {urlsplit(b).hostname or "" for b in (self.source.base_url, self.original.base_url)}
        )
        self.crawl_args = {
            "since": since,
            "until": until,
            "limit": self.limit,
            "urls": self.urls,
            **{
                k: v
                for k, v in arguments.items()
                if k in ("site", "languages", "profile", "pairing")
            },
            f"base_url_{self.source.language}": self.source.base_url,
            f"base_url_{self.original.language}": self.original.base_url,
        }
        self.state: dict[str, Any] = {}
        # the editions do not link to each other: both crawled, paired by content at the end
        self.content = ContentEditions(self) if profile.pairing == "content" else None

    @property
    def store(self) -> CorpusReader:
        """The crawl's store (crawler/resources.py), read only: the writer process writes. Scrapy
        makes the spider before the extensions, so it is taken when first needed (start)."""
        return CrawlResources.of(self.crawler).store

    @property
    def pages(self) -> PageReader:
        """The crawl's page reader (an extension: made once per crawl, from the crawler)."""
        reader = self.crawler.get_extension(PageReader)
        if reader is None:  # EXTENSIONS left it out: one of this spider's own
            reader = self.__dict__.setdefault("_own_pages", PageReader.from_crawler(self.crawler))
        return reader

    # -- discovery ------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.reconcile_with_store()
        if self.content is not None:
            self.content.connect()
        if self.urls:
            for url in self.urls:
                request = self.article_request(url, source="urls")
                if request is not None:
                    yield request
            return
        if self.content is not None:
            for request in self.content.discovery():
                yield request
            return
        base = self.source.base_url
        for path in self.profile.feed_paths:
            request = self.discovery_request(base + path, self.parse_feed, optional=True)
            if request is not None:
                yield request
        for path in self.profile.sitemap_paths:
            request = self.discovery_request(base + path, self.parse_sitemap, optional=True)
            if request is not None:
                yield request
        for path in self.profile.listing_paths:
            request = self.discovery_request(base + path, self.parse_listing)
            if request is not None:
                yield request

    # -- resuming: the store, not JOBDIR, says what is done ----------------------------------------

    def reconcile_with_store(self) -> None:
        """Under JOBDIR, what the store holds from this job is done; everything else is to do,
        whatever JOBDIR's queue, dupefilter and spider state remember.

        Those record requests when they are scheduled, not when their pair is stored, so a
        killed or force-stopped run leaves articles marked seen that the store lacks (and a
        killed run's request queue is dropped, see crawler.extensions). So discovery runs on
        every start (its requests bypass the dupefilter), an article stored since the job began
        is skipped, and any other article is requested, bypassing the dupefilter: a resumed
        crawl never skips a pair the store lacks."""
        # On a shared frontier (scrapy-redis) its duplicate filter decides, across processes:
        # bypassing it would have every process fetch every article. It lives in Redis and is
        # not a killed process's leftover, so it is kept.
        self.bypass_dupefilter = not self.crawler.settings.get("BITEXT_REDIS_URL")
        jobdir = self.crawler.settings.get("JOBDIR")
        since = _job_started(Path(jobdir)) if jobdir else None
        self.done_in_job: set[str] = set()
        if since is not None:
            self.done_in_job = self.store.pair_keys(self.profile.name, checked_since=since)
            self.done_in_job |= {
                e.url
                for e in self.store.errors()
                if e.site == self.profile.name and e.at.replace(tzinfo=e.at.tzinfo or UTC) >= since
            }
        scheduled: set[str] = self.state.setdefault("scheduled", set())
        missing = {c for c in scheduled if not self.is_done(c)}
        if missing:
            self.logger.info(
                "resuming: %d articles scheduled by the last run are not in the store; "
                "scheduling them again",
                len(missing),
            )
            scheduled -= missing
        self.discovery_seen: set[str] = set()

    def article_key(self, canonical: str) -> str:
        return self.profile.article_id(self.source, urlsplit(canonical).path) or canonical

    def is_done(self, canonical: str) -> bool:
        """Stored by a run of this JOBDIR job (never true without JOBDIR)."""
        return (
            self.article_key(canonical) in self.done_in_job
            or request_url(canonical) in self.done_in_job
        )

    @property
    def discovery_bounds(self) -> DiscoveryBounds:
        """When discovery stops (crawler/discovery.py): the limit, chains with nothing new."""
        bounds = self.__dict__.get("_discovery_bounds")
        if bounds is None:
            limit = self.limit
            if limit is not None and self.content is not None:  # a limit for each edition
                limit *= 2
            bounds = self.__dict__["_discovery_bounds"] = DiscoveryBounds(self.crawler, limit)
        return bounds

    def discovery_request(
        self, url: str, callback: Any, *, optional: bool = False, stale: int = 0
    ) -> scrapy.Request | None:
        """A feed, sitemap or listing request: once per run (no loop through pagination),
        fetched on every run (dont_filter: a resumed JOBDIR must discover again); none once
        the limit is reached."""
        if url in self.discovery_seen:
            return None
        if self.discovery_bounds.limit_reached(len(self.state.setdefault("scheduled", set()))):
            return None
        self.discovery_seen.add(url)
        meta: dict[str, Any] = {STALE_META: stale}
        if optional:
            meta["optional"] = True
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.discovery_failed,
            dont_filter=self.bypass_dupefilter,
            meta=meta,
        )

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        sel = Selector(text=response.text, type="xml")
        for item in sel.xpath("//item | //*[local-name()='entry']"):
            link = item.xpath("link/text() | *[local-name()='link']/@href").get()
            stamp = item.xpath("pubDate/text() | *[local-name()='published']/text()").get()
            published = _feed_date(stamp)
            if link and self.in_window(published):
                request = self.article_request(urljoin(response.url, link.strip()), source="feed")
                if request is not None:
                    yield request

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request | CrawlError]:
        max_size = response.meta.get("download_maxsize", self.settings.getint("DOWNLOAD_MAXSIZE"))
        try:
            sitemap = read_sitemap(response.body, max_size)
        except UnreadableSitemap as exc:  # recorded; the listing still covers discovery
            self.logger.warning("unreadable sitemap %s: %s", response.url, exc)
            yield CrawlError(
                site=self.profile.name,
                url=response.url,
                kind=CrawlErrorKind.parse_error,
                detail=f"unreadable sitemap: {exc}",
                http_status=response.status,
                language=self.source.language,
                at=_now(),
            )
            return
        if sitemap.type == "sitemapindex":  # sitemaps, no articles: a chain that may not end
            stale = self.discovery_bounds.next_stale(
                "sitemap", response.url, response.meta.get(STALE_META, 0), ()
            )
            for entry in sitemap if stale is not None else ():
                loc = urljoin(response.url, entry.get("loc", "").strip())
                if same_site(loc, self.source.base_url):
                    request = self.discovery_request(
                        loc, self.parse_sitemap, optional=True, stale=stale or 0
                    )
                    if request is not None:
                        yield request
            return
        for entry in sitemap:
            loc = urljoin(response.url, entry.get("loc", "").strip())
            lastmod = entry.get("lastmod")
            if self.since and lastmod and lastmod[:10] < self.since.isoformat():
                continue  # not modified since the window opened: published before it
            request = self.article_request(loc, source="sitemap")
            if request is not None:
                yield request

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        html = parse_page(response.text)
        found: list[str] = []
        older_than_window = 0
        for href in links(html):
            url = urljoin(response.url, href)
            if not self.is_article_url(url):
                continue
            found.append(canonical_url(url, base_url=self.source.base_url))
            if self.before_window(url):
                older_than_window += 1
            request = self.article_request(url, source="listing")
            if request is not None:
                yield request
        if self.content is not None:
            yield from self.content.listing_links(response)
        if found and older_than_window == len(found):
            return  # newest first: every later page is older still
        stale = self.discovery_bounds.next_stale(
            "listing", response.url, response.meta.get(STALE_META, 0), found
        )
        for href in links(html, self.profile.next_page)[:1] if stale is not None else ():
            request = self.discovery_request(
                urljoin(response.url, href), self.parse_listing, stale=stale or 0
            )
            if request is not None:
                yield request

    def discovery_failed(self, failure: Failure) -> Iterator[CrawlError]:
        request = _request_of(failure)
        if (
            request.meta.get("optional")
            and isinstance(failure.value, HttpError)
            and failure.value.response.status == 404
        ):
            self.crawler.stats.inc_value("bitext/discovery/absent")
            self.logger.info("no %s on this site (404)", request.url)
            return
        yield self.crawl_error(request.url, failure, language=self.source.language)

    # -- translated articles --------------------------------------------------------------------

    def is_article_url(self, url: str) -> bool:
        if self.content is not None:
            return self.content.is_article_url(url)
        return (
            same_site(url, self.source.base_url)
            and self.source.article_path.match(urlsplit(url).path) is not None
        )

    def _url_month(self, url: str) -> tuple[int, int] | None:
        """(year, month) from an article URL that carries them (Enab's English URLs do)."""
        match = self.source.article_path.match(urlsplit(url).path)
        if not match or "year" not in match.groupdict():
            return None
        return int(match["year"]), int(match["month"])

    def before_window(self, url: str) -> bool:
        month = self._url_month(url)
        return bool(self.since and month and month < (self.since.year, self.since.month))

    def after_window(self, url: str) -> bool:
        month = self._url_month(url)
        return bool(self.until and month and month > (self.until.year, self.until.month))

    def in_window(self, moment: datetime | date | None) -> bool:
        return in_window(moment, self.since, self.until)

    def article_request(self, url: str, *, source: str) -> scrapy.Request | None:
        """A request for a translated article, once per canonical URL, in window and limit."""
        if self.content is not None:
            return self.content.article_request(url, source=source)
        if not self.is_article_url(url):
            if source == "urls":
                self.logger.error("not an article URL of %s: %s", self.source.base_url, url)
            return None
        canonical = canonical_url(url, base_url=self.source.base_url)
        scheduled: set[str] = self.state.setdefault("scheduled", set())
        if canonical in scheduled or self.before_window(canonical) or self.after_window(canonical):
            return None
        if self.limit is not None and len(scheduled) >= self.limit:
            return None
        scheduled.add(canonical)
        if self.is_done(canonical):
            return None  # this JOBDIR job stored it already
        self.crawler.stats.inc_value(f"bitext/discovered/{source}")
        key = self.article_key(canonical)
        return scrapy.Request(
            request_url(canonical),
            callback=self.parse_translation,
            errback=self.translation_failed,
            headers=self.conditional_headers(self.source.language, key),
            # once per run by `scheduled`; never dropped because a killed run saw it (see above)
            dont_filter=self.bypass_dupefilter,
            meta={"translation_key": key, "handle_httpstatus_list": [NOT_MODIFIED]},
        )

    def conditional_headers(self, language: str, key: str) -> dict[str, str]:
        etag, last_modified = self.store.validators(self.profile.name, language, key)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return headers

    async def parse_translation(self, response: Response) -> AsyncIterator[Any]:
        key = response.meta["translation_key"]
        if response.status == NOT_MODIFIED:
            for record in self.recheck_original(response, key):
                yield record
            return
        reading = await self.read(response, self.source, "translation")
        if reading.declared_language is not None:
            for request in self.other_language(reading):
                yield request
            return
        version = self.version(response, self.source, key, reading)
        if isinstance(version, CrawlError):
            yield version
            return
        if not self.in_window(version.published):
            self.crawler.stats.inc_value("bitext/outside_window")
            return
        found = reading.original
        assert found is not None  # a translation's reading says where its original is
        if isinstance(found, NoOriginal):
            yield self.unpaired(version, found.reason, found.detail, found.url)
            return
        yield self.original_request(found.url, found.key, version)

    async def read(
        self,
        response: Response,
        side: LanguageSite,
        role: Role,
        translation_urls: tuple[str, ...] = (),
        *,
        check_language: bool | None = None,
    ) -> PageReading:
        """The page, read once (crawler/pages.py): the spider's reading, and its clean text."""
        other = self.original if side is self.source else self.source
        job = PageJob(
            body=response.body,
            content_type=(response.headers.get("Content-Type") or b"").decode("latin-1") or None,
            url=response.url,
            role=role,
            profile=self.profile,
            side=side,
            other=other,
            site=self.profile.name,
            # where both languages' URLs look alike, discovery also finds originals and pages
            # in other languages (by <html lang>); a body that is not text is for version()
            check_language=(
                check_language
                if check_language is not None
                else role == "translation" and self.profile.pairing == "hreflang"
            )
            and isinstance(response, scrapy.http.TextResponse),
            translation_urls=translation_urls,
            since=self.since,
            until=self.until,
        )
        return await self.pages.read(job)

    def other_language(self, reading: PageReading) -> list[scrapy.Request]:
        """A page found by discovery that is not a translation: an original leads to its
        translations through its own alternates, anything else is counted and left."""
        if reading.declared_language != self.original.language:
            self.crawler.stats.inc_value("bitext/discovered/other_language")
            return []
        self.crawler.stats.inc_value("bitext/discovered/original_page")
        requests = []
        for alternate in reading.alternates:
            if alternate.language == self.source.language:
                request = self.article_request(alternate.url, source="alternate")
                if request is not None:
                    requests.append(request)
        return requests

    def original_request(
        self, link: str, original_key: str, translation: ArticleVersion
    ) -> scrapy.Request:
        # dont_filter: two translations may share one original; each needs its pair.
        return scrapy.Request(
            request_url(link),
            callback=self.parse_original,
            errback=self.original_failed,
            headers=self.conditional_headers(self.original.language, original_key),
            dont_filter=True,
            meta={
                "translation": translation,
                "original_url": link,
                "original_key": original_key,
                "handle_httpstatus_list": [NOT_MODIFIED],
            },
        )

    def recheck_original(self, response: Response, key: str) -> Iterator[Any]:
        """The translation's page is unchanged; its original may not be."""
        self.crawler.stats.inc_value(f"bitext/not_modified/{self.source.language}")
        stored = self.store.pair_for(self.profile.name, key)
        if stored is None:  # validators without a pair: fetch again in full
            assert response.request is not None  # a callback's response has its request
            yield response.request.replace(headers={}, dont_filter=True)
            return
        if stored.original_url is None or stored.reason in CONTENT_REASONS:
            # Nothing to re-check: the stored record, so the crawl's feed holds every article
            # it checked (changed or not), as a first crawl's does.
            yield stored
            return
        original_key = (
            stored.original.site_article_id
            if stored.original
            else self.profile.article_id(
                self.original, urlsplit(request_url(stored.original_url)).path
            )
        )
        if original_key is not None:
            yield self.original_request(stored.original_url, original_key, stored.translation)

    # -- originals ------------------------------------------------------------------------------

    async def parse_original(self, response: Response) -> AsyncIterator[Any]:
        translation: ArticleVersion = response.meta["translation"]
        original_key = (
            self.profile.article_id(self.original, urlsplit(response.url).path)
            or response.meta["original_key"]
        )
        if response.status == NOT_MODIFIED:
            self.crawler.stats.inc_value(f"bitext/not_modified/{self.original.language}")
            stored_original = self.store.latest_version(
                self.profile.name, self.original.language, original_key
            )
            if stored_original is not None:
                yield self.paired(translation, stored_original, response.meta["original_url"])
            return
        urls = (translation.url, translation.requested_url, translation.canonical_url)
        reading = await self.read(response, self.original, "original", urls)
        version = self.version(response, self.original, original_key, reading)
        if isinstance(version, CrawlError):
            yield self.unpaired(
                translation,
                UnpairedReason.original_page_empty,
                version.detail,
                response.meta["original_url"],
            )
            return
        if reading.refused is not None:
            refused = reading.refused
            yield self.unpaired(
                translation, refused.reason, refused.detail, response.meta["original_url"]
            )
            return
        yield self.paired(translation, version, response.meta["original_url"])

    def original_failed(self, failure: Failure) -> Iterator[ArticlePair]:
        request = _request_of(failure)
        translation: ArticleVersion = request.meta["translation"]
        link = request.meta["original_url"]
        error = self.crawl_error(request.url, failure, language=self.original.language)
        reason = {
            CrawlErrorKind.robots_disallowed: UnpairedReason.original_robots_disallowed,
            CrawlErrorKind.redirect_offsite: UnpairedReason.original_redirect_offsite,
            CrawlErrorKind.url_too_long: UnpairedReason.original_url_too_long,
        }.get(error.kind, UnpairedReason.original_fetch_failed)
        yield self.unpaired(translation, reason, error.detail, link)

    def translation_failed(self, failure: Failure) -> Iterator[CrawlError]:
        yield self.crawl_error(_request_of(failure).url, failure, language=self.source.language)

    # -- records --------------------------------------------------------------------------------

    def version(
        self, response: Response, side: LanguageSite, key: str, reading: PageReading
    ) -> ArticleVersion | CrawlError:
        """The record of a fetched page of `side`, from what its reading found (a page with no
        visible text: a crawl error)."""
        if reading.blank or reading.metadata is None:
            return CrawlError(
                site=self.profile.name,
                url=response.url,
                kind=CrawlErrorKind.empty_page,
                detail=f"HTTP {response.status} with no visible text ({len(response.body)} bytes)",
                http_status=response.status,
                language=side.language,
                at=_now(),
            )
        meta = reading.metadata
        version = ArticleVersion(
            site=self.profile.name,
            language=side.language,
            url=response.url,
            requested_url=response.meta.get("redirect_urls", [response.url])[0],
            canonical_url=canonical_url(response.url, base_url=side.base_url),
            site_article_id=key,
            title=meta.title,
            authors=meta.authors,
            published=meta.published,
            modified=meta.modified,
            categories=meta.categories,
            tags=meta.tags,
            raw_html_sha256=sha256(response.body).hexdigest(),
            content_sha256=meta.content_sha256,
            fetched_at=response.meta.get("fetched_at") or _now(),
            http_status=response.status,
            encoding=reading.encoding,
            encoding_note=reading.encoding_note,
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
            warc_record_id=response.meta.get("warc_record_id"),
            text=reading.text,
        )
        if version.warc_record_id is None:  # no WARC record holds the page: the store keeps it
            version.with_raw_html(response.body)
        if reading.failure is not None:
            version.extraction_failed(*reading.failure)
        return version

    def paired(
        self, translation: ArticleVersion, original: ArticleVersion, link: str
    ) -> ArticlePair:
        return ArticlePair(
            site=self.profile.name,
            status=PairStatus.paired,
            translation=translation,
            original=original,
            original_url=link,
            pairing_method=PairingMethod(self.profile.pairing),
        )

    def unpaired(
        self,
        translation: ArticleVersion,
        reason: UnpairedReason,
        detail: str,
        link: str | None = None,
    ) -> ArticlePair:
        return ArticlePair(
            site=self.profile.name,
            status=PairStatus.unpaired,
            translation=translation,
            original_url=link,
            reason=reason,
            reason_detail=detail,
            pairing_method=PairingMethod(self.profile.pairing),
        )

    def crawl_error(self, url: str, failure: Failure, *, language: str) -> CrawlError:
        status = None
        if isinstance(failure.value, HttpError):
            status = failure.value.response.status
            kind, detail = CrawlErrorKind.http_error, f"HTTP {status}"
        elif isinstance(failure.value, RequestNotSent):
            kind, detail = failure.value.kind, failure.value.detail
        elif failure.check(OffsiteRequest):
            kind, detail = CrawlErrorKind.redirect_offsite, str(failure.value)
        elif failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
            kind, detail = CrawlErrorKind.robots_disallowed, "disallowed by robots.txt"
            if "unavailable" in str(failure.value):  # robots.txt 5xx: RFC 9309 says disallow
                detail = str(failure.value)
        else:
            kind = CrawlErrorKind.network_error
            detail = f"{type(failure.value).__name__}: {failure.getErrorMessage()}"
        return CrawlError(
            site=self.profile.name,
            url=url,
            kind=kind,
            detail=detail,
            http_status=status,
            language=language,
            at=_now(),
        )


def _now() -> datetime:
    return datetime.now(UTC)


JOB_FILE = "bitext-job.json"


def _job_started(jobdir: Path) -> datetime:
    """When this JOBDIR job began (written by its first run)."""
    path = jobdir / JOB_FILE
    try:
        return datetime.fromisoformat(json.loads(path.read_text(encoding="utf-8"))["started_at"])
    except (OSError, ValueError, KeyError, TypeError):
        started = _now()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"started_at": started.isoformat()}), encoding="utf-8")
        return started


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _feed_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None


def _request_of(failure: Failure) -> Request:
    """The request an errback's failure is about (Scrapy sets it on the failure)."""
    request = getattr(failure, "request", None)
    assert isinstance(request, Request), "Scrapy gives errbacks the failed request"
    return request
