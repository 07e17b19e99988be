"""Item pipelines: records from the spider into the corpus store."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawler.resources import close_writer, store_for, writer_for
from crawler.writer import WriterFailed, WriterReport
from pipeline.boilerplate import SiteBoilerplate
from pipeline.extract import extract_article, text_votes
from pipeline.models import ArticlePair, ArticleText, CrawlError

logger = logging.getLogger(__name__)


def _extract_texts(
    jobs: list[tuple[str, str, str, str, str, str | None, dict[str, int]]],
) -> list[ArticleText]:
    """Worker-process side: (profile, language, html, url, site, sha, the site's learned
    boilerplate) -> ArticleText each."""
    from crawler.profiles import PROFILES

    texts = []
    for profile_name, language, html, url, site, sha, repeated in jobs:
        profile = PROFILES.get(profile_name)
        side = profile.side(language) if profile is not None else None
        texts.append(
            extract_article(
                html,
                language=language,
                side=side,
                url=url,
                site=site,
                content_sha256=sha,
                repeated=repeated,
            )
        )
    return texts


class ArticleTextPipeline:
    """Extracts the clean body of each freshly fetched version (boilerplate out, language
    checked, sentences) and attaches it to the item, so the store keeps it with the version.

    Extraction is CPU work (~7 ms a page): it runs in BITEXT_EXTRACT_WORKERS worker processes
    (0: in the crawler process) while the reactor goes on crawling. BITEXT_EXTRACT=0 turns it
    off; `bitext extract` works on saved pages at any time."""

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("BITEXT_EXTRACT", True):
            raise NotConfigured("BITEXT_EXTRACT is off")
        self.crawler = crawler
        # paragraphs repeated across the site's pages, learned as the crawl goes (pages met
        # before it is learned keep it: `bitext extract --from-store --redo` re-applies it)
        self.learned = SiteBoilerplate()
        workers = crawler.settings.getint("BITEXT_EXTRACT_WORKERS", 1)
        self.pool = (
            ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) if workers else None
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArticleTextPipeline:
        return cls(crawler)

    async def process_item(self, item: object) -> object:
        if not isinstance(item, ArticlePair):
            return item
        profile = getattr(self.crawler.spider, "profile", None)
        todo = [
            v
            for v in (item.en, item.ar)
            # a version read back from the store (after a 304) has its text stored already
            if v is not None and v.raw_html and v.text is None
        ]
        if not todo:
            return item
        jobs = [
            (
                profile.name if profile else "",
                v.language,
                v.raw_html.decode(v.encoding, errors="replace"),
                v.url,
                v.site,
                v.content_sha256,
                self.learned.repeated(f"{v.site}/{v.language}"),
            )
            for v in todo
        ]
        if self.pool is None:
            texts = _extract_texts(jobs)
        else:
            texts = await asyncio.wrap_future(self.pool.submit(_extract_texts, jobs))
        for version, text in zip(todo, texts, strict=True):
            version.text = text
            self.learned.add_page(
                f"{version.site}/{version.language}", version.canonical_url, text_votes(text)
            )
            self.crawler.stats.inc_value(f"bitext/texts/{version.language}/{text.status.value}")
            if text.status == "ok" and not text.language_ok:
                self.crawler.stats.inc_value(f"bitext/texts/{version.language}/wrong_language")
        return item

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)


class TranslationPipeline:
    """Translates each new clean text (Arabic -> English, English -> Arabic) with the installed
    Argos packages, through the store's cache, in a worker thread: CTranslate2 releases the GIL,
    so the reactor goes on crawling while a batch decodes. Where no package serves a direction
    the pair is left "translation pending" (counted, said once in the log) and the crawl goes on;
    `bitext translate` finishes it later. BITEXT_TRANSLATE=0 turns this off."""

    DIRECTIONS = (("ar", "en"), ("en", "ar"))

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("BITEXT_TRANSLATE", True):
            raise NotConfigured("BITEXT_TRANSLATE is off")
        from pipeline.translate import EngineSettings

        s = crawler.settings
        self.crawler = crawler
        self.settings = EngineSettings(
            device=s.get("BITEXT_TRANSLATE_DEVICE", "cpu"),
            compute_type=s.get("BITEXT_TRANSLATE_COMPUTE_TYPE", "auto"),
            intra_threads=s.getint("BITEXT_TRANSLATE_THREADS", 0),
            batch_size=s.getint("BITEXT_TRANSLATE_BATCH_SIZE", 32),
        )
        self.engines: dict[tuple[str, str], object] = {}
        self.one_at_a_time = asyncio.Semaphore(1)  # one decode at a time; it uses every core

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TranslationPipeline:
        return cls(crawler)

    def _engine(self, source: str, target: str):  # type: ignore[no-untyped-def]
        from pipeline.argos import installed_packages, route_advice
        from pipeline.translate import engine_or_none

        if (source, target) not in self.engines:
            self.engines[(source, target)] = engine_or_none(source, target, settings=self.settings)
            if self.engines[(source, target)] is None:
                logger.warning(
                    "translation pending for %s->%s: %s",
                    source,
                    target,
                    route_advice(source, target, installed_packages()),
                )
        return self.engines[(source, target)]

    async def process_item(self, item: object) -> object:
        from pipeline.translate import translate_cached

        if not isinstance(item, ArticlePair) or item.ar is None:
            return item
        store = store_for(self.crawler)
        for source, target in self.DIRECTIONS:
            version = item.ar if source == "ar" else item.en
            if version.text is None or version.text.status != "ok":
                continue
            engine = self._engine(source, target)
            if engine is None:
                self.crawler.stats.inc_value(f"bitext/translation/{source}-{target}/pending")
                continue
            sentences = [s.text for s in version.text.sentences]
            async with self.one_at_a_time:
                await asyncio.to_thread(
                    translate_cached,
                    engine,
                    sentences,
                    lookup=store.cached_translations,
                    save=store.save_translations,
                )
            self.crawler.stats.inc_value(f"bitext/translation/{source}-{target}/done")
        return item


class AlignmentPipeline:
    """Aligns each freshly extracted pair (Arabic original as source, English as target) with
    whatever translations the store's cache holds (TranslationPipeline runs first), and attaches
    the alignment to the pair so the store saves both in one transaction. With no translation
    the alignment is made in mode "none", one document at a time, with the bundled Arabic-English
    word list; `bitext align` later redoes it with the corpus-wide lexicon added, or with
    translations once a package is installed.
    BITEXT_ALIGN=0 turns this off."""

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("BITEXT_ALIGN", True):
            raise NotConfigured("BITEXT_ALIGN is off")
        self.crawler = crawler
        self.engine_keys: dict[tuple[str, str], str | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AlignmentPipeline:
        return cls(crawler)

    def _engine_key(self, source: str, target: str) -> str | None:
        from pipeline.translate import engine_or_none

        if (source, target) not in self.engine_keys:
            engine = engine_or_none(source, target)  # the key names the packages; nothing loads
            self.engine_keys[(source, target)] = engine.key if engine else None
        return self.engine_keys[(source, target)]

    async def process_item(self, item: object) -> object:
        from pipeline.align import align, document_of, pair_alignment
        from pipeline.dictionary import bundled_dictionary
        from pipeline.translate import cached_only

        if not isinstance(item, ArticlePair) or item.ar is None:
            return item
        ar_text, en_text = item.ar.text, item.en.text
        if ar_text is None or en_text is None or ar_text.status != "ok" or en_text.status != "ok":
            return item
        store = store_for(self.crawler)
        translations: dict[str, list[str] | None] = {}
        for source, target, text in (("ar", "en", ar_text), ("en", "ar", en_text)):
            key = self._engine_key(source, target)
            sentences = [s.text for s in text.sentences]
            translations[source] = (
                cached_only(key, sentences, lookup=store.cached_translations) if key else None
            )
        doc = document_of(ar_text, en_text, ar_mt=translations["ar"], en_mt=translations["en"])
        # no translation: the bundled word list stands in (loaded once, in the worker thread)
        lexicon = (
            None
            if doc.src_mt or doc.tgt_mt
            else await asyncio.to_thread(bundled_dictionary, "ar", "en")
        )
        alignment = await asyncio.to_thread(
            align, doc, src_language="ar", tgt_language="en", lexicon=lexicon
        )
        item.alignment = pair_alignment(item, doc, alignment)
        self.crawler.stats.inc_value(f"bitext/alignment/{alignment.mode}")
        return item


class CorpusStorePipeline:
    """Hands each pair (saved with both versions in one transaction) and each crawl error to
    the store writer, and folds the writer's counts into the crawl stats."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CorpusStorePipeline:
        return cls(crawler)

    def process_item(self, item: object) -> object:
        writer = writer_for(self.crawler)
        try:
            if isinstance(item, ArticlePair):
                writer.pair(item)
            elif isinstance(item, CrawlError):
                writer.error(item)
                logger.warning("recorded %s for %s: %s", item.kind.value, item.url, item.detail)
        except WriterFailed as exc:
            logger.error("store writer failed, stopping the crawl: %s", exc)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="writer_failed"))  # type: ignore[union-attr]
            raise
        self._fold(writer.poll())
        return item

    def close_spider(self) -> None:
        report = close_writer(self.crawler)
        if report is not None:
            self._fold(report)
            if report.warc_file:
                logger.info("WARC file written: %s", report.warc_file)
            for failure in report.failures:
                logger.error("store writer failure: %s", failure)

    def _fold(self, report: WriterReport) -> None:
        for key, value in report.stats.items():
            self.stats.inc_value(key, value)
        report.stats.clear()
