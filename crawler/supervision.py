"""Helper processes that die with the crawl, and a crawl that stops when a helper dies.

The crawl has two kinds of helper process: the store writer (crawler.writer, which notices its
crawler's death by end-of-file on its task pipe) and the extraction workers (a process pool,
which would sit on its queue forever: they ask the kernel for SIGKILL when the crawler dies).
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal

from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent: int) -> None:
    """In a helper process: ignore the terminal's Ctrl-C (the crawler decides how to stop) and
    be killed when the crawler (pid `parent`, given by the crawler: a helper that asked
    os.getppid() after a slow start would get the crawler's reaper and live on) dies (Linux;
    elsewhere the pool's own shutdown applies)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the crawler died before the request took effect
        os._exit(1)


def stop_crawl(crawler: Crawler, reason: str, message: str) -> None:
    """Stop the crawl with this finish reason (the first reason given wins: the crawl's
    resources keep it)."""
    from crawler.resources import CrawlResources

    resources = crawler.get_extension(CrawlResources)
    if crawler.engine is None or (resources is not None and resources.stopping is not None):
        return
    if resources is not None:
        resources.stopping = reason
    logger.error("%s (finish reason %s)", message, reason)
    done = deferred_from_coro(crawler.engine.close_spider_async(reason=reason))
    done.addErrback(lambda failure: logger.debug("crawl already closed: %s", failure.value))
