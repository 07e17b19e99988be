"""One crawl frontier shared by any number of `scrapy crawl` processes, in Redis.

`-s BITEXT_REDIS_URL=redis://HOST:PORT/DB` switches the crawl to scrapy-redis's scheduler and
duplicate filter: every process pushes the requests it discovers to one priority queue and one
fingerprint set, and pops its next request from that queue, so any number of processes on any
machines share the work and never fetch a page twice (start requests included: the second
process's feed, sitemap and listing requests are already in the fingerprint set). Each process
keeps its own WARC file (host and pid in the name); the store (`-s BITEXT_STORE=...`) is shared.

What scrapy-redis leaves to us, done here (`FrontierLifetime`):
  * when to stop: scrapy-redis's own spiders idle forever waiting for URLs; ours close once the
    shared queue has been empty, and no other live process has had requests in flight, for
    BITEXT_REDIS_IDLE_CLOSE_S seconds;
  * when to forget: the queue and fingerprints persist while any process of the run is alive,
    and the last process to leave deletes them, so the next crawl starts afresh (its conditional
    GETs re-check every known article) instead of finding every page "seen".
Processes of one run find each other by BITEXT_REDIS_RUN (default "bitext"): give concurrent
crawls of different sites or stores different run names.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import time
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.settings import BaseSettings
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

logger = logging.getLogger(__name__)

HEARTBEAT_S = 0.5
# Redis gone: the scheduler retries with backoff (REDIS_RETRY_FIRST_S doubling up to
# REDIS_RETRY_MAX_S) for BITEXT_REDIS_RETRY_S, then stops the crawl (frontier_unavailable)
REDIS_RETRY_FIRST_S, REDIS_RETRY_MAX_S = 0.5, 8.0
FRONTIER_UNAVAILABLE = "frontier_unavailable"
DEAD_AFTER_S = 30.0  # a member silent this long is taken for dead (killed, machine gone)

# Leave the run; the last live member out deletes the run's frontier. Atomic in Redis, so two
# processes closing together cannot both see the other as still there.
LEAVE_SCRIPT = """
redis.call('HDEL', KEYS[1], ARGV[1])
local now = tonumber(ARGV[2])
local dead_after = tonumber(ARGV[3])
local live = 0
for _, value in ipairs(redis.call('HVALS', KEYS[1])) do
  local beat = cjson.decode(value)
  if now - beat['t'] < dead_after then live = live + 1 end
end
if live == 0 then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
  return 1
end
return 0
"""


def process_name() -> str:
    """host-pid, safe in a file name: this process among the run's crawlers."""
    host = re.sub(r"[^A-Za-z0-9.-]+", "_", socket.gethostname()) or "host"
    return f"{host}-{os.getpid()}"


def run_keys(settings: BaseSettings, spider_name: str) -> dict[str, str]:
    run = settings.get("BITEXT_REDIS_RUN") or "bitext"
    base = f"{run}:{spider_name}"
    return {
        "requests": f"{base}:requests",
        "dupefilter": f"{base}:dupefilter",
        "members": f"{base}:crawlers",
    }


class SharedFrontier:
    """Scrapy add-on: with BITEXT_REDIS_URL set, the scheduler and duplicate filter live in
    Redis (scrapy-redis) and FrontierLifetime runs; without it, nothing changes."""

    def update_settings(self, settings: BaseSettings) -> None:
        url = settings.get("BITEXT_REDIS_URL")
        if not url:
            return
        run = settings.get("BITEXT_REDIS_RUN") or "bitext"
        settings.set("SCHEDULER", "crawler.distributed.FrontierScheduler", "addon")
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", "addon")
        settings.set("SCHEDULER_QUEUE_CLASS", "scrapy_redis.queue.PriorityQueue", "addon")
        settings.set("SCHEDULER_QUEUE_KEY", f"{run}:%(spider)s:requests", "addon")
        settings.set("SCHEDULER_DUPEFILTER_KEY", f"{run}:%(spider)s:dupefilter", "addon")
        # Never flushed by one process on close: FrontierLifetime clears it when the last leaves.
        settings.set("SCHEDULER_PERSIST", True, "addon")
        settings.set("SCHEDULER_FLUSH_ON_START", False, "addon")
        settings.set("REDIS_URL", url, "addon")
        # A WARC file per process: the host here, the writer adds its pid (unique on the host).
        host = process_name().rsplit("-", 1)[0]
        settings.set("BITEXT_WARC_PREFIX", f"%(spider)s-{host}", "addon")
        settings.set_in_component_priority_dict("EXTENSIONS", FrontierLifetime, 510)


class FrontierLifetime:
    """Membership, idle close and clean-up of a shared frontier (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.get("BITEXT_REDIS_URL"):
            raise NotConfigured("no shared frontier (BITEXT_REDIS_URL unset)")
        import redis

        self.crawler = crawler
        self.redis = redis.Redis.from_url(settings.get("BITEXT_REDIS_URL"))
        self.idle_close_s = settings.getfloat("BITEXT_REDIS_IDLE_CLOSE_S", 5.0)
        self.member = process_name()
        self.keys: dict[str, str] = {}
        self.empty_since: float | None = None
        self.heartbeat: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierLifetime:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self.keys = run_keys(self.crawler.settings, spider.name)
        self.beat()
        self.heartbeat = task.LoopingCall(self.beat)
        self.heartbeat.start(HEARTBEAT_S, now=False)
        logger.info(
            "shared frontier %s: %d requests queued, %d crawlers in the run",
            self.keys["requests"],
            self.redis.zcard(self.keys["requests"]),
            self.redis.hlen(self.keys["members"]),
        )

    def busy(self) -> bool:
        engine = self.crawler.engine
        return engine is not None and not engine.spider_is_idle()

    def beat(self) -> None:
        try:
            self._beat()
        except _redis_errors():
            pass  # the scheduler reports Redis gone, retries, and stops the crawl in time

    def _beat(self) -> None:
        busy = self.busy()
        state = {"t": time.time(), "busy": busy}
        self.redis.hset(self.keys["members"], self.member, json.dumps(state))
        if not busy and self.redis.zcard(self.keys["requests"]):
            self.wake()

    def wake(self) -> None:
        """An idle engine looks at its scheduler only every 5 s (its heartbeat); other processes
        fill the shared queue meanwhile, so ask for the next look now. Scrapy has no public call
        for this: the engine's own `nextcall` is what a finished download schedules."""
        slot = getattr(self.crawler.engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()

    def peers_busy(self) -> bool:
        now = time.time()
        for member, value in self.redis.hgetall(self.keys["members"]).items():
            if (member.decode() if isinstance(member, bytes) else member) == self.member:
                continue
            beat: dict[str, Any] = json.loads(value)
            if now - beat["t"] < DEAD_AFTER_S and beat["busy"]:
                return True
        return False

    def spider_idle(self, spider: Spider) -> None:
        """Called while this process has nothing in flight: wait while the run has work."""
        try:
            has_work = bool(self.redis.zcard(self.keys["requests"]) or self.peers_busy())
        except _redis_errors() as exc:  # the scheduler retries, then stops the crawl
            raise DontCloseSpider("the shared frontier is unreachable") from exc
        if has_work:
            self.empty_since = None
            raise DontCloseSpider("the shared frontier has work")
        if self.empty_since is None:
            self.empty_since = time.monotonic()
        if time.monotonic() - self.empty_since < self.idle_close_s:
            raise DontCloseSpider("the shared frontier is empty: waiting before closing")
        self.crawler.stats.set_value("bitext/frontier/closed_idle_s", self.idle_close_s)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.heartbeat is not None and self.heartbeat.running:
            self.heartbeat.stop()
        try:
            last = self.redis.eval(
                LEAVE_SCRIPT,
                3,
                self.keys["members"],
                self.keys["requests"],
                self.keys["dupefilter"],
                self.member,
                time.time(),
                DEAD_AFTER_S,
            )
        except _redis_errors() as exc:
            logger.warning("could not leave the shared frontier (Redis unreachable): %s", exc)
            return
        if last:
            logger.info("last crawler of the run out: shared frontier cleared")
        self.redis.close()


def _redis_errors() -> tuple[type[Exception], ...]:
    import redis

    return (redis.ConnectionError, redis.TimeoutError)


class FrontierScheduler(Scheduler):
    """scrapy-redis's scheduler, bounded when Redis goes away: each call that cannot reach it
    is retried with backoff (meanwhile nothing is popped, and what is discovered is held here
    to push once it is back), one warning when it goes and one when it is back, and after
    BITEXT_REDIS_RETRY_S without it the crawl stops (finish reason frontier_unavailable, exit
    status 1): no traceback per call, no crawl idling forever. A rerun resumes from what the
    store holds."""

    crawler: Crawler
    retry_s: float
    outage_since: float | None
    next_try: float
    wait: float
    held: list[Any]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierScheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        scheduler.retry_s = crawler.settings.getfloat("BITEXT_REDIS_RETRY_S", 60.0)
        scheduler.outage_since = None
        scheduler.next_try = 0.0
        scheduler.wait = REDIS_RETRY_FIRST_S
        scheduler.held = []
        return scheduler

    def _call(self, call: Any, default: Any) -> Any:
        now = time.monotonic()
        if self.outage_since is not None:
            if now - self.outage_since > self.retry_s:
                from crawler.supervision import stop_crawl

                stop_crawl(
                    self.crawler,
                    FRONTIER_UNAVAILABLE,
                    f"the shared frontier (Redis) has been unreachable for {self.retry_s:.0f} s; "
                    "stopping: what was stored stays, a rerun fetches the rest",
                )
                return default
            if now < self.next_try:
                return default
        try:
            result = call()
        except _redis_errors() as exc:
            if self.outage_since is None:
                self.outage_since = now
                logger.warning(
                    "the shared frontier (Redis) is unreachable (%s): retrying with backoff for "
                    "up to %.0f s",
                    exc,
                    self.retry_s,
                )
            self.next_try = now + self.wait
            self.wait = min(self.wait * 2, REDIS_RETRY_MAX_S)
            return default
        if self.outage_since is not None:
            logger.warning(
                "the shared frontier (Redis) is back after %.0f s", now - self.outage_since
            )
            self.outage_since, self.wait = None, REDIS_RETRY_FIRST_S
        return result

    def _push(self, request: Any) -> bool | None:
        """scrapy-redis's enqueue (None: Redis unreachable, the request not pushed)."""
        result: bool | None = self._call(lambda: Scheduler.enqueue_request(self, request), None)
        return result

    def _push_held(self) -> None:
        while self.held and self.outage_since is None:
            if self._push(self.held[0]) is None:
                return
            self.held.pop(0)

    def enqueue_request(self, request: Any) -> bool:
        self._push_held()
        if self.held:  # keep their order: this one waits behind them
            self.held.append(request)
            return True
        done = self._push(request)
        if done is None:
            self.held.append(request)
            return True
        return done

    def next_request(self) -> Any:
        self._push_held()
        return self._call(super().next_request, None)

    def has_pending_requests(self) -> bool:
        # while Redis is away the crawl is not idle (it must not close as "finished")
        return bool(self.held) or bool(self._call(super().has_pending_requests, True))

    def close(self, reason: str) -> None:
        if self.held:
            logger.warning(
                "%d discovered requests were never pushed to the shared frontier (Redis "
                "unreachable): a rerun discovers them again",
                len(self.held),
            )
        try:
            super().close(reason)
        except _redis_errors() as exc:
            logger.warning("the shared frontier (Redis) is unreachable at close: %s", exc)
