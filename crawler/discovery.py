"""When discovery stops: a crawl always ends, whatever a site's listings and sitemaps do.

- `-a limit=N` bounds discovery too: once N translated articles are scheduled (2N articles
  with content pairing: N of each edition), no further listing page, feed or sitemap is
  requested.
- A chain of discovery documents (a listing's next pages, a sitemap index's sitemaps) that
  brings nothing new for BITEXT_DISCOVERY_STALE_PAGES documents in a row is not followed
  further: an endless `/page/2` ... `/page/N` of empty pages, or of the same articles again,
  ends there. "New" is an article URL no document of that kind showed before in this run (the
  feed's articles on the listing's first pages do not make them stale).
Each stop is logged once and counted in the crawl's stats (`bitext/discovery/stopped/...`).

Sitemaps: a gzipped one (`sitemap-1.xml.gz`, served as application/x-gzip, not as a
Content-Encoding) is decompressed, capped at DOWNLOAD_MAXSIZE like any page; one that cannot be
read is a crawl error (`parse_error`) saying why, never an empty reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from scrapy.crawler import Crawler
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

logger = logging.getLogger(__name__)

STALE_META = "bitext_stale_pages"  # request meta: documents in a row before it with nothing new


class DiscoveryBounds:
    def __init__(self, crawler: Crawler, limit: int | None) -> None:
        self.stats = crawler.stats
        self.stale_after = max(1, crawler.settings.getint("BITEXT_DISCOVERY_STALE_PAGES", 5))
        self.limit = limit
        self.seen: dict[str, set[str]] = {}  # kind -> article URLs its documents showed
        self.stops: list[str] = []  # what stopped, for the summary
        self._limit_said = False

    def limit_reached(self, scheduled: int) -> bool:
        if self.limit is None or scheduled < self.limit:
            return False
        if not self._limit_said:
            self._limit_said = True
            self.stats.inc_value("bitext/discovery/stopped/limit")
            self.stops.append(f"the limit of {self.limit} articles was reached")
            logger.info("-a limit: %d articles scheduled, discovery stops", self.limit)
        return True

    def next_stale(self, kind: str, url: str, stale: int, articles: Iterable[str]) -> int | None:
        """After a document of `kind` showing `articles`: how many documents in a row (this one
        included) brought nothing new, or None when its chain is not to be followed further."""
        seen = self.seen.setdefault(kind, set())
        before = len(seen)
        seen.update(articles)
        stale = 0 if len(seen) > before else stale + 1
        if stale < self.stale_after:
            return stale
        self.stats.inc_value(f"bitext/discovery/stopped/stale_{kind}")
        self.stops.append(
            f"{kind} {url}: {stale} in a row with no new article "
            f"(BITEXT_DISCOVERY_STALE_PAGES={self.stale_after})"
        )
        logger.warning(
            "discovery: %s %s is the %d%s %s in a row with no new article: not following it "
            "further (BITEXT_DISCOVERY_STALE_PAGES=%d)",
            kind,
            url,
            stale,
            _ordinal(stale),
            "page" if kind == "listing" else "document",
            self.stale_after,
        )
        return None


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


GZIP_MAGIC = b"\x1f\x8b"


class UnreadableSitemap(ValueError):
    """A sitemap that cannot be read; the message says why, in one line."""


def read_sitemap(body: bytes, max_size: int) -> Sitemap:
    """A sitemap's entries, from its body as served (gzipped or not)."""
    if body.startswith(GZIP_MAGIC):
        try:
            body = gunzip(body, max_size=max_size)
        except Exception as exc:  # a truncated or corrupt stream, or over the size cap
            why = str(exc).strip() or type(exc).__name__
            raise UnreadableSitemap(f"gzip: cannot decompress ({why})") from None
    try:
        sitemap = Sitemap(body)
    except Exception as exc:  # lxml's parser, even in recover mode, or no root element at all
        why = " ".join(str(exc).split()) or "no XML element in it"
        raise UnreadableSitemap(f"not XML ({why}, {len(body)} bytes)") from None
    if sitemap.type not in ("urlset", "sitemapindex"):
        raise UnreadableSitemap(
            f"root element <{sitemap.type}> is neither <urlset> nor <sitemapindex>"
        )
    return sitemap
