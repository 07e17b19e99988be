"""A small bilingual site (ar originals, en translations, hreflang both ways) served on
127.0.0.1, with the traps of issue 26 switched on by a JSON config; and a spider middleware
that holds the crawler's main thread in C code (for the Ctrl-C tests).

    python tests/hostile_site.py --config site.json --ready-file ready.json

Config keys (all optional):
  articles: int             pairs /en/news/story-N/ <-> /ar/news/N/ (default 6)
  listed: int               how many the home page (/) links (default: all)
  endless_pages: bool       / links /page/2/, which links /page/3/ ... forever, none with
                            an article
  sitemap: bool             /sitemap.xml is an index of /sitemap-1.xml.gz (gzipped, served as
                            application/x-gzip, every article), /sitemap-2.xml.gz (cut short)
                            and /sitemap-3.xml (an HTML page)
  long_original: int        article N's original link is over 2,083 characters long
  long_translation: bool    / also links a translation whose URL is over 2,083 characters
  catastrophic_paragraph: bool   every English page has a paragraph on which ^(\\w+\\s?)*$
                            backtracks for years
  backtracking_link: bool   / links /en/news/wordword...word!/ (2,000 characters of words):
                            ^/en/news/([\\w-]+)*/$ would backtrack on it for years
  stuck: bool               / links /en/news/stuck/, whose page sends the crawler's main
                            thread into that backtracking (StuckMainThread, if loaded)
Every request's path is appended to requests.log beside the config.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import threading
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

LONG_SLUG = "long-" + "x" * 2100
EN_TEXT = (
    "The municipal council approved a new budget for the water network on Tuesday.",
    "Residents of the northern districts have complained about shortages for months.",
    "The engineers said the repairs would take at least three weeks to finish.",
    "Local traders welcomed the decision but asked for a clear timetable.",
)
AR_TEXT = (
    "وافق المجلس البلدي يوم الثلاثاء على ميزانية جديدة لشبكة المياه في المدينة.",
    "يشتكي سكان الأحياء الشمالية من نقص المياه منذ أشهر طويلة.",
    "قال المهندسون إن أعمال الإصلاح ستستغرق ثلاثة أسابيع على الأقل.",
    "رحب التجار المحليون بالقرار لكنهم طالبوا بجدول زمني واضح.",
)
# ^(\w+\s?)*$ tries 2^n ways to split n words before failing on the "!"
CATASTROPHIC = " ".join(["word"] * 40) + "!"


def page(lang: str, title: str, paragraphs: tuple[str, ...], alternates: dict[str, str]) -> str:
    links = "".join(
        f'<link rel="alternate" hreflang="{code}" href="{url}" />'
        for code, url in alternates.items()
    )
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8" />'
        f'<title>{title}</title><meta property="og:title" content="{title}" />'
        '<meta property="article:published_time" content="2024-03-04T08:00:00+00:00" />'
        f'{links}</head><body><main><h1>{title}</h1><div class="entry-content">{body}</div>'
        "</main></body></html>"
    )


class Site:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.articles = int(config.get("articles", 6))

    def en_path(self, n: int) -> str:
        return f"/en/news/{LONG_SLUG}/" if n == 0 else f"/en/news/story-{n}/"

    def ar_path(self, n: int) -> str:
        if n == self.config.get("long_original"):
            return f"/ar/news/{n}/{LONG_SLUG}/"
        return f"/ar/news/{n}/"

    def answer(self, path: str) -> tuple[int, str, bytes]:
        html = "text/html; charset=utf-8"
        if path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nAllow: /\n"
        if path == "/":
            listed = int(self.config.get("listed", self.articles))
            hrefs = [self.en_path(n) for n in range(1, listed + 1)]
            if self.config.get("long_translation"):
                hrefs.append(self.en_path(0))
            if self.config.get("stuck"):
                hrefs.append("/en/news/stuck/")
            if self.config.get("backtracking_link"):
                hrefs.append("/en/news/" + "word" * 500 + "!/")
            nxt = (
                '<a class="next" href="/page/2/">Older</a>'
                if self.config.get("endless_pages")
                else ""
            )
            links = "".join(f'<a href="{h}">story</a> ' for h in hrefs)
            return 200, html, f"<html><body>{links}{nxt}</body></html>".encode()
        found = re.fullmatch(r"/page/(\d+)/", path)
        if found and self.config.get("endless_pages"):
            n = int(found[1])
            return (
                200,
                html,
                (
                    f"<html><body><p>Page {n}: nothing here.</p>"
                    f'<a class="next" href="/page/{n + 1}/">Older</a></body></html>'
                ).encode(),
            )
        if self.config.get("sitemap"):
            if path == "/sitemap.xml":
                locs = "".join(
                    f"<sitemap><loc>{self.base}{p}</loc></sitemap>"
                    for p in ("/sitemap-1.xml.gz", "/sitemap-2.xml.gz", "/sitemap-3.xml")
                )
                return (
                    200,
                    "application/xml",
                    (
                        '<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
                        f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</sitemapindex>'
                    ).encode(),
                )
            urlset = (
                '<?xml version="1.0" encoding="UTF-8"?><urlset '
                'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                + "".join(
                    f"<url><loc>{self.base}{self.en_path(n)}</loc></url>"
                    for n in range(1, self.articles + 1)
                )
                + "</urlset>"
            ).encode()
            if path == "/sitemap-1.xml.gz":
                return 200, "application/x-gzip", gzip.compress(urlset)
            if path == "/sitemap-2.xml.gz":
                return 200, "application/x-gzip", gzip.compress(urlset)[:40]
            if path == "/sitemap-3.xml":
                return 200, "text/html", b"<html><body><p>Not a sitemap</p></body></html>"
        for n in range(0 if self.config.get("long_translation") else 1, self.articles + 1):
            en, ar = self.en_path(n), (self.ar_path(n) if n else "/ar/news/100/")
            alternates = {"ar": self.base + ar, "en": self.base + en}
            if path == en:
                paragraphs = EN_TEXT
                if self.config.get("catastrophic_paragraph"):
                    paragraphs = (*EN_TEXT[:2], CATASTROPHIC, *EN_TEXT[2:])
                return 200, html, page("en", f"Story {n}", paragraphs, alternates).encode()
            if path == ar:
                return 200, html, page("ar", f"خبر {n}", AR_TEXT, alternates).encode()
        if self.config.get("stuck") and path == "/en/news/stuck/":
            return 200, html, page("en", "Stuck", EN_TEXT, {}).encode()
        return 404, "text/plain", b"not found"

    base = ""


class Handler(BaseHTTPRequestHandler):
    def __init__(self, *args: Any, site: Site, log: Path, **kwargs: Any) -> None:
        self.site = site
        self.log = log
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        with self.log.open("a", encoding="utf-8") as out:
            out.write(self.path + "\n")
        status, content_type, body = self.site.answer(self.path.split("?")[0])
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class StuckMainThread:
    """A spider middleware (tests only) that, on a page whose URL has /stuck/, writes the file
    named by HOSTILE_STUCK_MARK and then runs a backtracking regex in the crawler's main thread:
    C code holding the GIL for years, deaf to Python's signal handlers."""

    def process_spider_input(self, response: Any) -> None:
        if "/stuck/" in response.url:
            Path(os.environ["HOSTILE_STUCK_MARK"]).write_text("stuck", encoding="utf-8")
            re.match(r"^(\w+\s?)*$", " ".join(["word"] * 60) + "!")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--ready-file", type=Path, required=True)
    args = parser.parse_args()
    site = Site(json.loads(args.config.read_text(encoding="utf-8")))
    log = args.config.parent / "requests.log"
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, site=site, log=log))
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    tmp = args.ready_file.with_suffix(".tmp")
    tmp.write_text(json.dumps({"site": site.base}), encoding="utf-8")
    tmp.replace(args.ready_file)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    thread.join()


if __name__ == "__main__":
    main()
