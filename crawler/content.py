"""The bilingual spider's content mode (`-a pairing=content`, or `pairing = "content"` in a
profile file): for sites whose two editions do not link to each other.

Both editions are discovered (each side's feed, sitemap and listing, the sitemaps robots.txt
names, the feeds and edition pages a listing page links to; where both languages share one base
URL, also under /<language>/), every article of either language is fetched (the WARC keeps
it), read once (language by the page's own declaration, else by its text) and stored as it comes
(`StoreWriter.version`). When the crawl has nothing left to fetch, the content pairing stage
(pipeline/stages/pairing.py) pairs this crawl's articles with each other and with the store's
earlier ones; its records (pairs, unpaired translations, unpaired originals) go through the item
pipelines like any other (translation, alignment, the store, the feed).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import scrapy
from parsel import Selector
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.resources import CrawlResources
from crawler.supervision import stop_crawl
from crawler.writer import WriterFailed
from pipeline.models import (
    ArticlePair,
    ArticleVersion,
    CrawlError,
    PairingMethod,
    PairStatus,
    UnpairedOriginal,
)
from pipeline.profile import LanguageSite
from pipeline.urls import canonical_url, request_url, same_site

if TYPE_CHECKING:
    from crawler.spiders.bilingual import BilingualSpider
    from pipeline.stages.pairing import PairingResult, PairingSettings

logger = logging.getLogger(__name__)

NOT_MODIFIED = 304
_SITEMAP_LINE = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class ContentEditions:
    """Discovery, fetching and pairing of both editions for one BilingualSpider."""

    def __init__(self, spider: BilingualSpider) -> None:
        self.spider = spider
        self.sides: tuple[LanguageSite, LanguageSite] = (spider.original, spider.source)
        # this crawl's articles, "<language>:<article id>" -> version (with its clean text)
        self.fetched: dict[str, ArticleVersion] = {}
        self.scheduled: Counter[str] = Counter()  # articles requested, by language ("?": either)
        self.task: asyncio.Future[None] | None = None
        self.finished = False

    def connect(self) -> None:
        self.spider.crawler.signals.connect(self.idle, signal=signals.spider_idle)

    # -- discovery ------------------------------------------------------------------------------

    def discovery(self) -> Iterator[scrapy.Request]:
        spider, profile = self.spider, self.spider.profile
        bases = list(dict.fromkeys(side.base_url for side in self.sides))
        roots = [(base, False) for base in bases]
        if len(bases) == 1:  # one site for both: each edition under /<language>/, if it has one
            roots += [(f"{bases[0]}/{side.language}", True) for side in self.sides]
        hosts = dict.fromkeys(f"{urlsplit(b).scheme}://{urlsplit(b).netloc}" for b in bases)
        for host in hosts:
            request = spider.discovery_request(
                f"{host}/robots.txt", self.parse_robots, optional=True
            )
            if request is not None:
                yield request
        for root, extra in roots:
            for path in profile.feed_paths:
                request = spider.discovery_request(root + path, spider.parse_feed, optional=True)
                if request is not None:
                    yield request
            for path in profile.sitemap_paths:
                request = spider.discovery_request(root + path, spider.parse_sitemap, optional=True)
                if request is not None:
                    yield request
            for path in profile.listing_paths:
                request = spider.discovery_request(
                    root + path, spider.parse_listing, optional=extra
                )
                if request is not None:
                    yield request

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        """The sitemaps robots.txt names (RFC 9309 keeps the Sitemap line from the sitemaps
        protocol), where they are on the site."""
        text = response.text if isinstance(response, scrapy.http.TextResponse) else ""
        for match in _SITEMAP_LINE.finditer(text):
            url = urljoin(response.url, match[1])
            if any(same_site(url, side.base_url) for side in self.sides):
                request = self.spider.discovery_request(
                    url, self.spider.parse_sitemap, optional=True
                )
                if request is not None:
                    yield request

    def listing_links(self, response: Response) -> Iterator[scrapy.Request]:
        """What a listing page links to besides articles: its feeds (RSS/Atom autodiscovery) and
        its other-language editions (hreflang alternates), each a discovery of its own."""
        sel = Selector(text=response.text)
        feeds = sel.css(
            "link[rel~='alternate'][type*='rss']::attr(href), "
            "link[rel~='alternate'][type*='atom']::attr(href)"
        ).getall()
        for href in feeds:
            url = urljoin(response.url, href.strip())
            if any(same_site(url, s.base_url) for s in self.sides):
                request = self.spider.discovery_request(url, self.spider.parse_feed, optional=True)
                if request is not None:
                    yield request
        languages = {s.language for s in self.sides}
        for link in sel.css("link[rel~='alternate'][hreflang], a[hreflang]"):
            lang = (link.attrib.get("hreflang") or "").split("-")[0].lower()
            href = link.attrib.get("href") or ""
            if lang not in languages or not href:
                continue
            url = urljoin(response.url, href.strip())
            if any(same_site(url, s.base_url) for s in self.sides) and not self.sides_of(url):
                request = self.spider.discovery_request(
                    url, self.spider.parse_listing, optional=True
                )
                if request is not None:
                    yield request

    def sides_of(self, url: str) -> list[LanguageSite]:
        """The sides whose article URLs this can be (two where both editions look alike)."""
        path = urlsplit(url).path
        found = []
        for side in self.sides:
            prefix = urlsplit(side.base_url).path.rstrip("/")
            if (
                same_site(url, side.base_url)
                and (not prefix or path == prefix or path.startswith(prefix + "/"))
                and side.article_path.match(path) is not None
            ):
                found.append(side)
        return found

    def is_article_url(self, url: str) -> bool:
        return bool(self.sides_of(url))

    def article_request(self, url: str, *, source: str) -> scrapy.Request | None:
        """An article of either edition, once per canonical URL, at most `limit` a language."""
        spider = self.spider
        sides = self.sides_of(url)
        if not sides:
            if source == "urls":
                spider.logger.error("not an article URL of either edition: %s", url)
            return None
        canonical = canonical_url(url, base_url=sides[0].base_url)
        scheduled: set[str] = spider.state.setdefault("scheduled", set())
        if canonical in scheduled:
            return None
        language = sides[0].language if len(sides) == 1 else "?"
        if spider.limit is not None:
            cap = spider.limit if language != "?" else 2 * spider.limit
            if self.scheduled[language] >= cap:
                return None
        scheduled.add(canonical)
        self.scheduled[language] += 1
        spider.crawler.stats.inc_value(f"bitext/discovered/{source}")
        keys = {
            side.language: spider.profile.article_id(side, urlsplit(canonical).path) or canonical
            for side in sides
        }
        validated, headers = None, {}
        for side in sides:
            headers = spider.conditional_headers(side.language, keys[side.language])
            if headers:
                validated = side.language
                break
        return scrapy.Request(
            request_url(canonical),
            callback=self.parse_article,
            errback=self.article_failed,
            headers=headers,
            dont_filter=spider.bypass_dupefilter,
            meta={
                "content_keys": keys,
                "validated_as": validated,
                "handle_httpstatus_list": [NOT_MODIFIED],
            },
        )

    # -- articles -------------------------------------------------------------------------------

    def _side(self, language: str) -> LanguageSite:
        return next(s for s in self.sides if s.language == language)

    def _other(self, side: LanguageSite) -> LanguageSite:
        return self.sides[1] if side is self.sides[0] else self.sides[0]

    async def parse_article(self, response: Response) -> AsyncIterator[Any]:
        spider = self.spider
        keys: dict[str, str] = response.meta["content_keys"]
        if response.status == NOT_MODIFIED:
            self._not_modified(response.meta["validated_as"], keys)
            return
        sides = [self._side(lang) for lang in keys]
        side = sides[0]
        reading = await spider.read(response, side, "article", check_language=True)
        declared = reading.declared_language
        if declared is not None:
            if declared != self._other(side).language:
                spider.crawler.stats.inc_value("bitext/discovered/other_language")
                return
            side = self._other(side)  # the page says it is the other edition's
            reading = await spider.read(response, side, "article", check_language=False)
        elif len(sides) > 1 and reading.text is not None:
            detected = reading.text.detected_language
            if detected == self._other(side).language:  # undeclared: its text says
                side = self._other(side)
                reading = await spider.read(response, side, "article", check_language=False)
        key = keys.get(side.language) or spider.profile.article_id(
            side, urlsplit(response.url).path
        )
        version = spider.version(response, side, key or response.url, reading)
        if isinstance(version, CrawlError):
            yield version
            return
        if not spider.in_window(version.published):
            spider.crawler.stats.inc_value("bitext/outside_window")
            return
        if version.extraction_failure is not None:
            reason, detail = version.extraction_failure
            spider.crawler.stats.inc_value(f"bitext/stage_failures/extraction/{reason}")
            logger.warning("extraction failed for %s: %s: %s", version.url, reason, detail)
        try:
            CrawlResources.of(spider.crawler).writer.version(version)
        except WriterFailed as exc:
            stop_crawl(spider.crawler, "writer_died", f"the store writer is gone ({exc})")
            return
        self.fetched[f"{side.language}:{version.site_article_id}"] = version
        spider.crawler.stats.inc_value(f"bitext/content/fetched/{side.language}")

    def _not_modified(self, language: str | None, keys: dict[str, str]) -> None:
        """An article unchanged since the last crawl: its stored version, with its text."""
        if language is None:
            return
        spider = self.spider
        spider.crawler.stats.inc_value(f"bitext/not_modified/{language}")
        store = spider.store
        stored = store.latest_version(spider.profile.name, language, keys[language])
        if stored is not None:
            text = store.text_of(stored)
            self.fetched[f"{language}:{stored.site_article_id}"] = stored.model_copy(
                update={"text": text}
            )

    def article_failed(self, failure: Failure) -> Iterator[CrawlError]:
        request = failure.request  # type: ignore[attr-defined]  # Scrapy sets it on errbacks
        language = next(iter(request.meta.get("content_keys", {})), self.sides[0].language)
        yield self.spider.crawl_error(request.url, failure, language=language)

    # -- pairing, once nothing is left to fetch -------------------------------------------------

    def idle(self, spider: scrapy.Spider) -> None:
        if self.finished:
            return
        if self.task is None:
            self.task = asyncio.ensure_future(self._pair_and_emit())
        if not self.task.done():
            raise DontCloseSpider("pairing the editions by content")
        self.finished = True
        error = self.task.exception()
        if error is not None:
            self.spider.crawler.stats.inc_value("bitext/content/pairing_failed")
            logger.error(
                "content pairing failed: %s: %s (every article is stored; the next crawl "
                "pairs them)",
                type(error).__name__,
                error,
                exc_info=error,
            )

    async def _pair_and_emit(self) -> None:
        if CrawlResources.of(self.spider.crawler).stopping:
            return  # a crawl being stopped stores what it fetched and pairs next time
        records = await asyncio.to_thread(self.pair)
        engine = self.spider.crawler.engine
        assert engine is not None and engine.scraper is not None
        for record in records:
            await engine.scraper.start_itemproc_async(record, response=None)

    def settings(self) -> PairingSettings:
        from pipeline.stages.pairing import PairingSettings

        s = self.spider.crawler.settings
        window = self.spider.profile.pairing_window_days
        return PairingSettings(
            window_days=window if window is not None else s.getint("BITEXT_PAIRING_WINDOW_DAYS", 7),
            early_days=s.getint("BITEXT_PAIRING_EARLY_DAYS", 1),
            threshold=s.getfloat("BITEXT_PAIRING_THRESHOLD", 0.5),
            assignment=s.get("BITEXT_PAIRING_ASSIGNMENT", "greedy"),
        )

    def pair(self) -> list[ArticlePair | UnpairedOriginal]:
        """This crawl's articles and the store's earlier ones of the site (those a link or
        hreflang pairing holds left out), paired by content; the records to emit."""
        from pipeline.stages.pairing import (
            PairingDocument,
            default_embedder,
            pair_by_content,
            word_list,
        )

        spider, store = self.spider, self.spider.store
        site = spider.profile.name
        settings = self.settings()
        original, translation = self.sides
        versions: dict[str, ArticleVersion] = {}
        for side in self.sides:
            for v in store.site_versions(site, side.language):
                versions[f"{side.language}:{v.site_article_id}"] = v
        versions.update(self.fetched)
        stored: dict[tuple[str, str], float | None] = {}
        held: set[str] = set()  # articles a link or hreflang pair holds
        for pair in store.iter_pairs(site):
            if pair.status != PairStatus.paired or pair.original is None:
                continue
            o = f"{pair.original.language}:{pair.original.site_article_id}"
            t = f"{pair.translation.language}:{pair.translation.site_article_id}"
            if pair.pairing_method == PairingMethod.content:
                stored[(o, t)] = pair.pairing_score
            else:
                held.update((o, t))
        chosen = self._in_reach(versions, held, settings)
        missing = [v for k, v in chosen.items() if v.text is None and k not in self.fetched]
        for v, text in zip(missing, store.texts_of(missing), strict=True):
            chosen[f"{v.language}:{v.site_article_id}"] = v.model_copy(update={"text": text})
        docs = {
            key: PairingDocument.of_text(
                key, v.language, v.text, title=v.title, published=v.published
            )
            for key, v in chosen.items()
        }
        originals = [d for d in docs.values() if d.language == original.language]
        translations = [d for d in docs.values() if d.language == translation.language]
        # through the crawl's embeddings cache (the store, and this crawl's writer): a recrawl
        # embeds none of these sentences again, nor does the pairs' alignment
        embedder, degraded = default_embedder(parts=CrawlResources.of(spider.crawler).embeddings)
        if embedder is not None and not (
            embedder.covers(original.language) and embedder.covers(translation.language)
        ):
            degraded = (
                f"the sentence encoder does not cover {original.language}-{translation.language}"
            )
            embedder = None
        translated = None
        if embedder is None:
            translated = self._machine_translations(originals)
        result = pair_by_content(
            originals,
            translations,
            settings=settings,
            embedder=embedder,
            degraded=degraded,
            words=word_list(original.language, translation.language),
            translated=translated,
            stored={k: v for k, v in stored.items() if k[0] in docs and k[1] in docs},
        )
        self._report(result, embedder)
        return self._records(result, chosen, stored)

    def _in_reach(
        self, versions: dict[str, ArticleVersion], held: set[str], settings: PairingSettings
    ) -> dict[str, ArticleVersion]:
        """The articles worth pairing now: this crawl's, and the store's within reach of their
        dates (a candidate window either way); none a link or hreflang pair holds."""
        free = {k: v for k, v in versions.items() if k not in held}
        dates = [v.published for k, v in free.items() if k in self.fetched and v.published]
        if not dates or any(v.published is None for k, v in free.items() if k in self.fetched):
            return free
        reach = timedelta(days=settings.window_days + settings.early_days + 1)
        start, end = min(dates) - reach, max(dates) + reach
        return {
            k: v
            for k, v in free.items()
            if k in self.fetched or v.published is None or start <= v.published <= end
        }

    def _machine_translations(self, originals: list[Any]) -> dict[str, str] | None:
        """Without the encoder: the originals machine-translated (through the crawl's
        translation cache), where a package serves the direction."""
        from pipeline.stages.pairing import machine_translations
        from pipeline.translate import engine_or_none, translate_cached

        original, translation = self.sides
        engine = engine_or_none(original.language, translation.language)
        if engine is None or not originals:
            return None
        cache = CrawlResources.of(self.spider.crawler).translations
        try:
            return machine_translations(
                originals,
                lambda sentences: translate_cached(
                    engine,
                    sentences,
                    lookup=cache.cached_translations,
                    save=cache.save_translations,
                ),
            )
        except Exception as exc:  # a package that does not load: the word list stands in
            logger.error("content pairing without machine translation: %s", exc)
            return None

    def _report(self, result: PairingResult, embedder: Any) -> None:
        from pipeline.stages.embed import CachedEncoder

        stats = self.spider.crawler.stats
        stats.set_value("bitext/content/evidence", result.evidence)
        for change in result.changes:
            logger.warning("content pairing %s", change)
            stats.inc_value("bitext/content/repaired")
        if result.degraded:
            logger.warning("content pairing degraded: %s", result.degraded)
        embedding = ""
        if embedder is not None:
            # the span-parts cache, where there is one, knows what was embedded and found
            counted = embedder.encoder if isinstance(embedder.encoder, CachedEncoder) else embedder
            embedding = (
                f"; embedding {embedder.seconds:.1f} s ({counted.embedded} sentences, "
                f"{counted.cached} from a cache)"
            )
        logger.info(
            "content pairing (%s): %d pairs, %d originals and %d translations without a "
            "counterpart, %d re-paired; scoring %.1f s%s",
            result.evidence,
            len(result.pairs),
            len(result.unpaired_originals),
            len(result.unpaired_translations),
            len(result.changes),
            result.seconds.get("scoring", 0.0),
            embedding,
        )

    def _records(
        self,
        result: PairingResult,
        versions: dict[str, ArticleVersion],
        stored: dict[tuple[str, str], float | None],
    ) -> list[ArticlePair | UnpairedOriginal]:
        """A record for every article this crawl fetched and every one whose pairing changed
        (a stored pair left as it was, of articles not fetched again, says nothing new)."""
        site = self.spider.profile.name
        stored_keys = {k for pair in stored for k in pair}
        out: list[ArticlePair | UnpairedOriginal] = []
        for p in result.pairs:
            if p.kept and p.original not in self.fetched and p.translation not in self.fetched:
                continue
            out.append(
                ArticlePair(
                    site=site,
                    status=PairStatus.paired,
                    translation=versions[p.translation],
                    original=versions[p.original],
                    pairing_method=PairingMethod.content,
                    pairing_score=p.score,
                )
            )
        for u in result.unpaired_translations:
            if u.key not in self.fetched and u.key not in stored_keys:
                continue
            out.append(
                ArticlePair(
                    site=site,
                    status=PairStatus.unpaired,
                    translation=versions[u.key],
                    reason=u.reason,
                    reason_detail=u.detail,
                    pairing_method=PairingMethod.content,
                    pairing_score=u.best_score,
                )
            )
        for u in result.unpaired_originals:
            if u.key not in self.fetched and u.key not in stored_keys:
                continue
            out.append(
                UnpairedOriginal(
                    site=site,
                    original=versions[u.key],
                    reason=u.reason,
                    reason_detail=u.detail,
                    best_candidate=u.best.split(":", 1)[1] if u.best else None,
                    best_score=u.best_score,
                )
            )
        stats = self.spider.crawler.stats
        stats.set_value("bitext/content/paired", len(result.pairs))
        stats.set_value("bitext/content/unpaired_originals", len(result.unpaired_originals))
        stats.set_value("bitext/content/unpaired_translations", len(result.unpaired_translations))
        return out
