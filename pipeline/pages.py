"""Reading an article page's metadata with a site profile: HTML text in, plain data out."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from parsel import Selector

from pipeline.profile import LanguageSite

_SPACE = re.compile(r"\s+")


@dataclass
class PageMetadata:
    title: str | None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    modified: datetime | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    post_id: str | None = None
    has_body: bool = False
    content_sha256: str = ""


def tidy(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _first(sel: Selector, queries: tuple[str, ...]) -> str | None:
    for query in queries:
        for value in sel.css(query).getall():
            if tidy(value):
                return tidy(value)
    return None


def _all(
    sel: Selector, queries: tuple[str, ...], ignore: frozenset[str] = frozenset()
) -> list[str]:
    for query in queries:
        values = [tidy(v) for v in sel.css(query).getall()]
        kept = list(dict.fromkeys(v for v in values if v and v not in ignore))
        if kept:
            return kept
    return []


def parse_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def as_selector(page: str | Selector) -> Selector:
    """Pages are parsed once: every reader here takes the HTML text or its parsed Selector."""
    return page if isinstance(page, Selector) else Selector(text=page or "<html></html>")


def is_blank(page: str | Selector) -> bool:
    """True for a page with no visible text at all (an empty 200 response, a bare shell)."""
    if isinstance(page, str) and not page.strip():
        return True
    sel = as_selector(page)
    return (
        sel.xpath("boolean(//body//text()[normalize-space()][not(ancestor::script)])").get() != "1"
    )


def read_article_page(page: str | Selector, side: LanguageSite) -> PageMetadata:
    sel = as_selector(page)
    title = _first(sel, side.title)
    body_text = ""
    has_body = False
    for query in side.body:
        nodes = sel.css(query)
        if nodes:
            has_body = True
            # Join text nodes with spaces: inline links otherwise glue words together.
            body_text = tidy(" ".join(nodes[0].xpath(".//text()[not(ancestor::script)]").getall()))
            break
    if not has_body:
        body_text = tidy(" ".join(sel.xpath("//body//text()[not(ancestor::script)]").getall()))
    post_id = None
    for query, pattern in side.post_id:
        value = sel.css(query).get()
        match = re.search(pattern, value or "")
        if match:
            post_id = match.group("id")
            break
    fingerprint = f"{title or ''}\n{body_text}".encode()
    return PageMetadata(
        title=title,
        authors=_all(sel, side.authors),
        published=parse_datetime(_first(sel, side.published)),
        modified=parse_datetime(_first(sel, side.modified)),
        categories=_all(sel, side.categories, side.ignore_labels),
        tags=_all(sel, side.tags),
        post_id=post_id,
        has_body=has_body,
        content_sha256=hashlib.sha256(fingerprint).hexdigest(),
    )


def links_with_text(page: str | Selector, texts: tuple[str, ...]) -> list[str]:
    """hrefs of the <a> elements whose visible text is one of `texts` (whitespace-insensitive)."""
    wanted = {tidy(t) for t in texts}
    sel = as_selector(page)
    return [
        href.strip()
        for a in sel.css("a[href]")
        if tidy(" ".join(a.xpath(".//text()").getall())) in wanted
        and (href := a.attrib.get("href", ""))
    ]


def links(page: str | Selector, queries: tuple[str, ...] = ("a::attr(href)",)) -> list[str]:
    sel = as_selector(page)
    found: list[str] = []
    for query in queries:
        found.extend(v.strip() for v in sel.css(query).getall() if v.strip())
    return found
