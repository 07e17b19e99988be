"""Downloader middlewares, and the one spider middleware that stands in for Scrapy's URL-length
filter: one job each."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import (
    RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware,
)
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers, Response
from scrapy.robotstxt import RobotParser
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from crawler.resources import CrawlResources
from pipeline.models import CrawlError, CrawlErrorKind
from pipeline.warc import HttpExchange

logger = logging.getLogger(__name__)


class OffsiteRequest(IgnoreRequest):
    """A request (usually a redirect) to a host the spider was not told to crawl."""


class RequestNotSent(IgnoreRequest):
    """A request the crawl will not send (`kind`: url_too_long, ...): its errback records it."""

    def __init__(self, kind: CrawlErrorKind, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


class RequestLimitsMiddleware(BaseSpiderMiddleware):
    """Scrapy's UrlLengthMiddleware drops a request over URLLENGTH_LIMIT with an INFO line, and
    the article it was for vanished from the crawl. This one (in its place) hands the request to
    its own errback instead, so the spider records it: a translation as a crawl error
    `url_too_long`, an original as its translation's unpaired reason `original_url_too_long`."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.maxlength = crawler.settings.getint("URLLENGTH_LIMIT")
        crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)

    def request_dropped(self, request: Request) -> None:
        """The scheduler refused a request (its duplicate filter): said and counted, never
        silent. On one machine the spider's requests bypass the filter, so this is a redirect
        to a page already fetched, or, on a shared frontier, a page another crawler has."""
        self.crawler.stats.inc_value("bitext/not_sent/request_dropped")
        shared = bool(self.crawler.settings.get("BITEXT_REDIS_URL"))  # routine there: quiet
        logger.log(
            logging.DEBUG if shared else logging.INFO,
            "request dropped by the scheduler (a duplicate): %s",
            request.url[:300],
        )

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for o in start:
            for out in self._checked(o):
                yield out

    def process_spider_output(
        self, response: Response | None, result: Iterable[Any], spider: Any = None
    ) -> Iterable[Any]:
        for o in result:
            yield from self._checked(o)

    async def process_spider_output_async(
        self, response: Response | None, result: AsyncIterator[Any], spider: Any = None
    ) -> AsyncIterator[Any]:
        async for o in result:
            for out in self._checked(o):
                yield out

    def _checked(self, o: Any) -> Iterable[Any]:
        if not isinstance(o, Request) or not self.maxlength or len(o.url) <= self.maxlength:
            return (o,)
        self.crawler.stats.inc_value("bitext/not_sent/url_too_long")
        detail = (
            f"URL of {len(o.url)} characters, over URLLENGTH_LIMIT ({self.maxlength}): "
            f"not requested ({o.url[:200]}...)"
        )
        logger.warning("%s", detail)
        if o.errback is None:
            return ()
        failure = Failure(RequestNotSent(CrawlErrorKind.url_too_long, detail))
        failure.request = o  # type: ignore[attr-defined]  # as Scrapy gives errbacks theirs
        return o.errback(failure) or ()


class AllowedHostsMiddleware:
    """Refuses any request outside `spider.allowed_hosts` (host:port), redirects included.

    Scrapy's own offsite filter lets `dont_filter` requests through; this one does not, so a
    redirect off-site is recorded as such instead of being fetched.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AllowedHostsMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        spider = self.crawler.spider
        allowed = getattr(spider, "allowed_hosts", None)
        if not allowed:
            return
        netloc = urlsplit(request.url).netloc.lower()
        if netloc not in allowed:
            self.crawler.stats.inc_value("bitext/offsite_refused")
            raise OffsiteRequest(f"off-site request refused: {netloc}")


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with every request waiting on a host's robots.txt judged,
    and an unreachable robots.txt meaning "disallow all" (RFC 9309, 2.3.1.4).

    In Scrapy 2.19 the requests that arrive while a host's robots.txt is being fetched await one
    shared Deferred; the first awaiter consumes its result and the others get None, which means
    "no robots.txt": they are let through. Reading the parser back from the cache fixes that.

    Scrapy parses a 5xx answer's error page as the rules (allow all) and lets everything through
    when robots.txt cannot be fetched; here both disallow the host for this run (after the usual
    retries), recorded as a robots_unavailable crawl error; the next run asks again.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.resources = CrawlResources.of(crawler)
        self.unavailable: dict[str, str] = {}  # netloc -> why its robots.txt could not be had
        self.schemes: dict[str, str] = {}

    async def robot_parser(self, request: Request) -> RobotParser | None:
        parsed = urlparse_cached(request)
        self.schemes.setdefault(parsed.netloc, parsed.scheme)
        parser = await super().robot_parser(request)
        if parser is None:
            cached = self._parsers.get(urlparse_cached(request).netloc)
            if cached is not None and not isinstance(cached, Deferred):
                return cached
        return parser

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._disallow_all(netloc, response.url, f"HTTP {response.status}", response.status)
            return
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, IgnoreRequest):
            super()._robots_error(exc, netloc)
            return
        url = f"{self.schemes.get(netloc, 'http')}://{netloc}/robots.txt"
        self._disallow_all(netloc, url, f"{type(exc).__name__}: {exc}", None)

    def _disallow_all(self, netloc: str, url: str, why: str, status: int | None) -> None:
        self.unavailable[netloc] = why
        self.crawler.stats.inc_value("bitext/robots/unavailable")
        logger.warning(
            "robots.txt of %s unavailable (%s): nothing on that host is fetched in this run "
            "(RFC 9309); the next run asks again",
            netloc,
            why,
        )
        spider = self.crawler.spider
        assert spider is not None  # a request is only answered during a crawl
        self.resources.writer.error(
            CrawlError(
                site=getattr(getattr(spider, "profile", None), "name", None) or spider.name,
                url=url,
                kind=CrawlErrorKind.robots_unavailable,
                detail=f"robots.txt unavailable ({why}): host disallowed for the run",
                http_status=status,
                at=datetime.now(UTC),
            )
        )
        parser = build_from_crawler(self._parserimpl, self.crawler, b"User-agent: *\nDisallow: /\n")
        pending = self._parsers[netloc]
        self._parsers[netloc] = parser
        if isinstance(pending, Deferred):
            pending.callback(parser)

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        why = self.unavailable.get(urlparse_cached(request).netloc)
        if why is None:
            super().process_request_2(rp, request)
            return
        self.crawler.stats.inc_value("robotstxt/forbidden")
        raise IgnoreRequest(f"robots.txt unavailable ({why}): disallowed by RFC 9309")


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries with an exponential pause before each new try, and a 429/503's
    Retry-After honoured for the whole host.

    RETRY_BACKOFF_BASE seconds before the first retry, doubling, capped at RETRY_BACKOFF_MAX;
    the pause is awaited, so other hosts go on meanwhile. A Retry-After (seconds or an HTTP
    date) holds every request to that host until it has passed; one longer than RETRY_AFTER_MAX
    is not waited for: the request is not retried and its HTTP error is recorded.
    """

    RETRY_AFTER_CODES = (429, 503)

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 120.0)
        self.host_paused_until: dict[str, float] = {}

    def _backoff(self, retry: Request) -> float:
        times = retry.meta.get("retry_times", 1)
        return min(self.backoff_base * 2 ** (times - 1), self.backoff_max)

    async def process_request(self, request: Request) -> None:
        netloc = urlparse_cached(request).netloc
        wait = self.host_paused_until.get(netloc, 0.0) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

    # Scrapy awaits a coroutine middleware method (the pause below must not block the reactor);
    # its type hints still describe the synchronous methods, with a `spider` argument.
    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        asked = (
            retry_after_seconds(response.headers.get("Retry-After"))
            if response.status in self.RETRY_AFTER_CODES
            else None
        )
        if asked is not None and asked > self.retry_after_max:
            logger.warning(
                "%s asks to retry after %.0f s, over RETRY_AFTER_MAX (%.0f s): not retried",
                request.url,
                asked,
                self.retry_after_max,
            )
            self.crawler.stats.inc_value("bitext/retry_after/too_long")
            return response
        result = super().process_response(request, response)
        if isinstance(result, Request):
            pause = self._backoff(result)
            if asked is not None:
                pause = max(pause, asked)
                netloc = urlparse_cached(request).netloc
                until = time.monotonic() + asked
                self.host_paused_until[netloc] = max(self.host_paused_until.get(netloc, 0), until)
                self.crawler.stats.inc_value("bitext/retry_after/honoured")
                logger.info("%s: Retry-After %.1f s honoured for %s", request.url, asked, netloc)
            await asyncio.sleep(pause)
        return result

    async def process_exception(  # type: ignore[override]  # a coroutine too
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await asyncio.sleep(self._backoff(result))
        return result


def retry_after_seconds(value: bytes | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


class WarcCaptureMiddleware:
    """Sends every response, as received, to the WARC archive; names its record up front so the
    spider can cite it (the writer process does the writing)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.resources = CrawlResources.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        fetched_at = datetime.now(UTC)
        record_id = f"<urn:uuid:{uuid.uuid4()}>"
        exchange = HttpExchange(
            url=response.url,
            method=request.method,
            request_headers=_pairs(request.headers),
            status=response.status,
            reason=_reason(response.status),
            protocol=getattr(response, "protocol", None) or "HTTP/1.1",
            response_headers=_pairs(response.headers),
            body=response.body,
            fetched_at=fetched_at,
        )
        self.resources.writer.capture(exchange, record_id)
        request.meta["warc_record_id"] = record_id
        request.meta["fetched_at"] = fetched_at
        return response


def _pairs(headers: Headers) -> list[tuple[str, str]]:
    out = []
    for key, values in headers.items():
        name = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        for value in values:
            out.append((name, value.decode("latin-1") if isinstance(value, bytes) else str(value)))
    return out


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
