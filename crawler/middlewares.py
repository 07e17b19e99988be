"""Downloader middlewares: one job each."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime
from http import HTTPStatus
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import (
    RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware,
)
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from crawler.resources import writer_for
from pipeline.warc import HttpExchange

logger = logging.getLogger(__name__)


class OffsiteRequest(IgnoreRequest):
    """A request (usually a redirect) to a host the spider was not told to crawl."""


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
    """Scrapy's robots.txt middleware, with every request waiting on a host's robots.txt judged.

    In Scrapy 2.19 the requests that arrive while a host's robots.txt is being fetched await one
    shared Deferred; the first awaiter consumes its result and the others get None, which means
    "no robots.txt": they are let through. Reading the parser back from the cache fixes that.
    """

    async def robot_parser(self, request: Request) -> RobotParser | None:
        parser = await super().robot_parser(request)
        if parser is None:
            cached = self._parsers.get(urlparse_cached(request).netloc)
            if cached is not None and not isinstance(cached, Deferred):
                return cached
        return parser


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries with an exponential pause before each new try.

    RETRY_BACKOFF_BASE seconds before the first retry, doubling, capped at RETRY_BACKOFF_MAX;
    the pause is awaited, so other requests go on meanwhile.
    """

    def __init__(self, settings) -> None:  # type: ignore[no-untyped-def]
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    async def _pause(self, retry: Request | None) -> None:
        if retry is not None:
            times = retry.meta.get("retry_times", 1)
            await asyncio.sleep(min(self.backoff_base * 2 ** (times - 1), self.backoff_max))

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._pause(result)
        return result

    async def process_exception(
        self, request: Request, exception: Exception
    ) -> Request | Response | None:  # type: ignore[override]
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._pause(result)
        return result


class WarcCaptureMiddleware:
    """Sends every response, as received, to the WARC archive; names its record up front so the
    spider can cite it (the writer process does the writing)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

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
        writer_for(self.crawler).capture(exchange, record_id)
        request.meta["warc_record_id"] = record_id
        request.meta["fetched_at"] = fetched_at
        return response


def _pairs(headers) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
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
