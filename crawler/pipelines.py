"""Item pipelines: records from the spider into the corpus store."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.settings import BaseSettings

from crawler.resources import CrawlResources
from crawler.supervision import stop_crawl
from crawler.writer import WriterFailed, WriterReport
from pipeline.models import (
    ArticlePair,
    ArticleText,
    CrawlError,
    PairAlignment,
    PipelineStage,
    UnpairedOriginal,
)
from pipeline.stages.align import EngineTranslations, align_with_texts
from pipeline.stages.sides import directions, original, translation
from pipeline.stages.translate import sentences_of, translate_texts
from pipeline.translate import Engine

if TYPE_CHECKING:
    from pipeline.stages.embed import CachedEncoder

logger = logging.getLogger(__name__)


def _failed(
    crawler: Crawler,
    item: ArticlePair,
    stage: PipelineStage,
    scope: str,
    reason: str,
    detail: str,
    *,
    log: bool = True,
) -> None:
    """Record a stage's failure on the pair (stored with it) and in the crawl's stats."""
    item.stage_failed(stage, scope, reason, detail)
    crawler.stats.inc_value(f"bitext/stage_failures/{stage.value}/{reason}")
    if log:
        logger.warning(
            "%s (%s) failed for %s: %s: %s",
            stage.value,
            scope,
            item.translation.url,
            reason,
            detail,
        )


class ArticleTextPipeline:
    """Records, with each pair, how extraction went for its freshly fetched versions: the text
    itself was made where the page was read, once (crawler/pages.py, pipeline.stages.read), and
    rides on the version (the store keeps it with the version); a failure is recorded on the
    pair (stage failed, the pair stored all the same) and counted. BITEXT_EXTRACT=0 turns
    extraction off; `bitext extract` works on stored pages at any time."""

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("BITEXT_EXTRACT", True):
            raise NotConfigured("BITEXT_EXTRACT is off")
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArticleTextPipeline:
        return cls(crawler)

    def process_item(self, item: object) -> object:
        if not isinstance(item, ArticlePair):
            return item
        # a version read back from the store (after a 304) has neither text nor failure
        for version in (item.translation, item.original):
            if version is None:
                continue
            if version.extraction_failure is not None:
                reason, detail = version.extraction_failure
                _failed(self.crawler, item, PipelineStage.extraction, version.language, reason,
                        detail)  # fmt: skip
            elif version.text is not None:
                text = version.text
                item.stage_ok(PipelineStage.extraction, version.language)
                self.crawler.stats.inc_value(f"bitext/texts/{version.language}/{text.status.value}")
                if text.status == "ok" and not text.language_ok:
                    self.crawler.stats.inc_value(f"bitext/texts/{version.language}/wrong_language")
        return item


class TranslationPipeline:
    """Translates each new clean text of a pair (its original into the translation's language,
    and back) with the installed Argos packages, through the crawl's cache (the translation
    stage's entry point, pipeline.stages.translate.translate_texts), in a worker thread:
    CTranslate2 releases the GIL, so the reactor goes on crawling while a batch decodes. Where
    no package serves a direction the pair is left "translation pending" (counted, said once in
    the log) and the crawl goes on;
    `bitext translate` finishes it later. BITEXT_TRANSLATE=0 turns this off.

    What is decoded goes to the store through the writer process, like every other record
    (the crawler process only reads the store); `CrawlTranslations` keeps it at hand meanwhile
    for the alignment stage."""

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("BITEXT_TRANSLATE", True):
            raise NotConfigured("BITEXT_TRANSLATE is off")
        from pipeline.translate import EngineSettings

        s = crawler.settings
        self.crawler = crawler
        self.resources = CrawlResources.of(crawler)
        self.settings = EngineSettings(
            device=s.get("BITEXT_TRANSLATE_DEVICE", "cpu"),
            compute_type=s.get("BITEXT_TRANSLATE_COMPUTE_TYPE", "auto"),
            intra_threads=s.getint("BITEXT_TRANSLATE_THREADS", 0),
            batch_size=s.getint("BITEXT_TRANSLATE_BATCH_SIZE", 32),
            batching=s.get("BITEXT_TRANSLATE_BATCHING", "exact"),  # checked at start
        )
        self.engines: dict[tuple[str, str], Engine | None] = {}
        # direction -> why its package could not be loaded (tried once per crawl)
        self.broken: dict[tuple[str, str], str | None] = {}
        self.one_at_a_time = asyncio.Semaphore(1)  # one decode at a time; it uses every core

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TranslationPipeline:
        return cls(crawler)

    def _engine(self, source: str, target: str) -> Engine | None:
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
        if not isinstance(item, ArticlePair) or item.original is None:
            return item
        cache = self.resources.translations
        versions = {v.language: v for v in (original(item), translation(item)) if v is not None}
        for source, target in directions(item):
            version = versions[source]
            if version.text is None or version.text.status != "ok":
                continue
            engine = self._engine(source, target)
            if engine is None:
                self.crawler.stats.inc_value(f"bitext/translation/{source}-{target}/pending")
                continue
            scope = f"{source}-{target}"
            broken = await self._load(engine, source, target)
            if broken is not None:
                # said once in the log when loading failed, not once per article
                _failed(
                    self.crawler,
                    item,
                    PipelineStage.translation,
                    scope,
                    "model_load_failed",
                    broken,
                    log=False,
                )
                continue
            sentences = sentences_of(version.text)
            try:
                async with self.one_at_a_time:
                    await asyncio.to_thread(translate_texts, engine, sentences, cache)
            except Exception as exc:  # this article's failure; the crawl and the pair go on
                _failed(
                    self.crawler,
                    item,
                    PipelineStage.translation,
                    scope,
                    "translate_error",
                    f"{type(exc).__name__}: {exc}",
                )
                continue
            item.stage_ok(PipelineStage.translation, scope)
            self.crawler.stats.inc_value(f"bitext/translation/{source}-{target}/done")
        return item

    async def _load(self, engine: Engine, source: str, target: str) -> str | None:
        """Load the direction's packages once (a one-word translation runs the whole path:
        SentencePiece, CTranslate2 on the configured device); why it failed, or None."""
        async with self.one_at_a_time:  # also makes the first article's load the only one
            if (source, target) not in self.broken:
                try:
                    await asyncio.to_thread(engine.translate, ["test"])
                    self.broken[(source, target)] = None
                except Exception as exc:
                    why = f"{type(exc).__name__}: {exc}".strip()
                    self.broken[(source, target)] = why
                    logger.error(
                        "translation %s->%s unavailable in this crawl, the package does not "
                        "load (%s); pairs are stored with translation marked failed",
                        source,
                        target,
                        why,
                    )
        return self.broken[(source, target)]


class AlignmentPipeline:
    """Aligns each freshly extracted pair (the original as source, its translation as target) with
    whatever translations the crawl's cache holds (TranslationPipeline runs first), and attaches
    the alignment to the pair so the store saves both in one transaction: the alignment stage's
    entry point (pipeline.stages.align.align_with_texts) on one pair. The sentence encoder takes
    part where the embedding stage (crawler/embedding.py) cached every sentence of the pair
    (nothing is embedded here, in the crawler process: a pair it could not embed is aligned
    without it, and its mode says so). With no translation the alignment is made in mode
    "encoder" (or "none" without the encoder), one document at a time, with the bundled word
    list of the language pair; `bitext align` later redoes it with the corpus-wide lexicon
    added, or with translations once a package is installed. BITEXT_ALIGN=0 turns this off."""

    def __init__(self, crawler: Crawler) -> None:
        from crawler.embedding import encoder_setting
        from pipeline.stages.embed import load_encoder

        if not crawler.settings.getbool("BITEXT_ALIGN", True):
            raise NotConfigured("BITEXT_ALIGN is off")
        self.crawler = crawler
        self.resources = CrawlResources.of(crawler)
        self.translations: EngineTranslations | None = None
        # the crawl's cache is made on the first pair (it starts the writer)
        self.inner = load_encoder(1) if encoder_setting(crawler) else None
        self.encoder: CachedEncoder | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AlignmentPipeline:
        return cls(crawler)

    async def process_item(self, item: object) -> object:
        from pipeline.dictionary import bundled_dictionary

        source_version = original(item) if isinstance(item, ArticlePair) else None
        if not isinstance(item, ArticlePair) or source_version is None:
            return item
        if self.translations is None:  # cached translations only: the crawl decodes nothing here
            cache = self.resources.translations
            self.translations = EngineTranslations(cache, settings=None, decode=False)
        store = self.resources.store
        key = translation(item).site_article_id

        def attach(alignment: PairAlignment) -> None:
            item.alignment = alignment

        texts = (source_version.text, translation(item).text)
        try:
            encoder = await asyncio.to_thread(self._embedded, texts)
            counts = await asyncio.to_thread(
                align_with_texts,
                [(item, *texts)],
                stored=lambda p: store.alignment_key(p.site, key),
                translations=self.translations,
                save=attach,
                dictionary=bundled_dictionary,
                together=False,
                encoder=encoder,
            )
        except Exception as exc:  # this pair's failure; stored without an alignment
            _failed(
                self.crawler,
                item,
                PipelineStage.alignment,
                "-".join(directions(item)[0]),  # original-translation, e.g. ar-en
                "align_error",
                f"{type(exc).__name__}: {exc}",
            )
            return item
        if counts["unchanged"]:
            # a re-crawled pair whose versions did not change: its alignment stands
            self.crawler.stats.inc_value("bitext/alignment/unchanged")
        elif item.alignment is not None:
            item.stage_ok(PipelineStage.alignment, "-".join(directions(item)[0]))
            self.crawler.stats.inc_value(f"bitext/alignment/{item.alignment.mode}")
        return item

    def _embedded(
        self, texts: tuple[ArticleText | None, ArticleText | None]
    ) -> CachedEncoder | None:
        """The encoder, where every sentence of both texts is in the crawl's cache."""
        from pipeline.stages.embed import CachedEncoder, missing

        if self.inner is None or any(t is None for t in texts):
            return None
        if self.encoder is None:
            self.encoder = CachedEncoder(self.inner, self.resources.embeddings)
        sentences = [s for t in texts if t is not None for s in sentences_of(t)]
        return None if missing(self.encoder, sentences, self.encoder.cache) else self.encoder


class CorpusStorePipeline:
    """Hands each pair (saved with both versions in one transaction) and each crawl error to
    the store writer, and folds the writer's counts into the crawl stats."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.resources = CrawlResources.of(crawler)
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CorpusStorePipeline:
        return cls(crawler)

    def process_item(self, item: object) -> object:
        writer = self.resources.writer
        if isinstance(item, ArticlePair | CrawlError | UnpairedOriginal):
            self.stats.inc_value(f"bitext/feed/{item.type}")
        try:
            if isinstance(item, ArticlePair):
                writer.pair(item)
                if item.status.value == "paired" and item.pairing_method is not None:
                    self.stats.inc_value(f"bitext/feed/pair/{item.pairing_method.value}")
            elif isinstance(item, UnpairedOriginal):
                writer.unpaired_original(item)
            elif isinstance(item, CrawlError):
                writer.error(item)
                logger.warning("recorded %s for %s: %s", item.kind.value, item.url, item.detail)
        except WriterFailed as exc:
            reason, message = writer.stop_reason()
            stop_crawl(self.crawler, reason, f"the store writer is gone ({exc}): {message}")
            raise DropItem(
                "not stored: the store writer is gone; the next crawl fetches it again"
            ) from exc
        self._fold(writer.poll())
        return item

    def close_spider(self) -> None:
        report = self.resources.close_writer()
        if report is not None:
            self._fold(report)
            if report.fatal is not None:  # it stopped on its own as the crawl ended: say why
                self.stats.set_value("bitext/writer/fatal", report.fatal[0])
            if report.warc_file:
                logger.info("WARC file written: %s", report.warc_file)
            for failure in report.failures:
                logger.error("store writer failure: %s", failure)
        stats = self.stats.get_stats()
        nothing = not any(k.startswith("bitext/feed/") for k in stats)
        # an empty feed is worth a warning: it looks like a lost crawl
        logger.log(
            logging.WARNING if nothing else logging.INFO,
            "%s",
            feed_summary(stats, self.crawler.settings),
        )

    def _fold(self, report: WriterReport) -> None:
        for key, value in report.stats.items():
            self.stats.inc_value(key, value)
        report.stats.clear()


def feed_summary(stats: dict[str, Any], settings: BaseSettings) -> str:
    """One line on what this crawl's feed holds: a re-crawl's feed is mostly articles that did
    not change, and an empty one must not look like a lost crawl."""
    pairs, unpaired, errors = (
        stats.get(f"bitext/feed/{t}", 0) for t in ("pair", "unpaired", "crawl_error")
    )
    unchanged = stats.get("bitext/pairs/unchanged", 0)
    feeds = ", ".join(str(uri) for uri in settings.getdict("FEEDS")) or "no feed (-O/-o)"
    content = ""
    if "bitext/content/paired" in stats:  # -a pairing=content: the pairing over the store too
        originals = stats.get("bitext/feed/unpaired_original", 0)
        unpaired += originals
        unchanged += stats.get("bitext/unpaired_originals/unchanged", 0)
        content = (
            f" (content pairing, {stats.get('bitext/content/evidence', '?')}: "
            f"{stats.get('bitext/feed/pair/content', 0)} pairs by content in this feed; "
            f"the site now has {stats['bitext/content/paired']} content pairs, and "
            f"{stats.get('bitext/content/unpaired_originals', 0)} originals and "
            f"{stats.get('bitext/content/unpaired_translations', 0)} translations in reach "
            f"stay unpaired; {stats.get('bitext/content/repaired', 0)} re-paired)"
        )
    elif stats.get("bitext/content/pairing_failed"):
        content = " (content pairing failed: see the log)"
    return (
        f"{feeds}: {pairs} pairs, {unpaired} unpaired articles and {errors} crawl errors"
        f"{content}; of the {pairs + unpaired} articles, {pairs + unpaired - unchanged} are new "
        f"or changed since the last crawl and {unchanged} unchanged (checked again, included "
        "all the same); the whole corpus: `bitext export`"
    )
