"""A fetched page decoded once and parsed once (`ParsedPage`), and its metadata read with a site
profile: HTML text in, plain data out.

Profiles write selectors in CSS (with parsel's ::text and ::attr()); each is translated to XPath
and compiled once, and evaluated on a plain lxml tree: per-result selector objects cost more
than the parse itself at crawl rates (bench/crawl.py).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TypeAlias

from lxml import etree
from lxml import html as lxml_html

from pipeline.encoding import decode_html
from pipeline.patterns import css_xpath, linear_regex
from pipeline.profile import LanguageSite
from pipeline.text import strip_unprintable

_SPACE = re.compile(r"\s+")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_VISIBLE_TEXT = etree.XPath(".//text()[not(ancestor::script) and not(ancestor::style)]")
_HAS_TEXT = etree.XPath(
    "boolean(//body//text()[normalize-space()][not(ancestor::script)][not(ancestor::style)])"
)

Page: TypeAlias = lxml_html.HtmlElement


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


def parse_page(page: str | Page) -> Page:
    """Pages are parsed once: every reader here takes the HTML text or its parsed tree."""
    if not isinstance(page, str):
        return page
    # lxml refuses a str that starts with an XML declaration (XHTML pages): it goes
    page = _XML_DECLARATION.sub("", page, count=1)
    try:
        return lxml_html.fromstring(page) if page.strip() else lxml_html.fromstring("<html/>")
    except (etree.ParserError, ValueError):  # markup lxml cannot make a tree of
        return lxml_html.fromstring("<html/>")


# trafilatura's parser (trafilatura.utils.HTML_PARSER) with comments and processing
# instructions kept: the page readers see the tree the default lxml parser gives (the content
# hash of a version is unchanged), and extraction takes both out in place, which leaves the very
# tree trafilatura's own parse gives (tests/test_pages.py, on the 990 real pages too).
_PARSER = lxml_html.HTMLParser(
    collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=False
)


def _parse_once(text: str) -> Page:
    """The steps of trafilatura.utils.load_html on a str (repair, parse, the bytes fallback, the
    dubious-HTML check), comments kept; parse_page where it gives up, as read_page did."""
    from trafilatura.utils import is_dubious_html, repair_faulty_html

    if not text.strip():
        return parse_page(text)
    beginning = text[:50].lower()
    repaired = _XML_DECLARATION.sub("", repair_faulty_html(text, beginning), count=1)
    tree: Page | None
    try:
        tree = lxml_html.fromstring(repaired, parser=_PARSER)
    except (etree.ParserError, ValueError):
        tree = None
    if tree is None or len(tree) < 1:
        try:
            tree = lxml_html.fromstring(repaired.encode("utf8", "surrogatepass"), parser=_PARSER)
        except (etree.ParserError, ValueError):
            tree = None
    if tree is None or (is_dubious_html(beginning) and len(tree) < 2):
        return parse_page(text)
    return tree


@dataclass
class ParsedPage:
    """One fetched page, decoded once and parsed once (as Fundus's `Precomputed`), handed to
    everything that reads it: discovery, pairing, the version's metadata, then extraction, which
    takes the tree last (`for_extraction`: it prunes and moves parts of it).

    Control characters are taken out of the text before the parse (one U+0001 made trafilatura
    drop a whole body); a page that held any is read for its metadata from a parse of its text
    as it came, so that its content hash, and so its version, stays what it always was."""

    html: str
    encoding: str = "utf-8"
    encoding_note: str | None = None
    _consumed: bool = field(default=False, repr=False)

    @classmethod
    def from_bytes(
        cls, body: bytes, *, content_type: str | None = None, fallbacks: tuple[str, ...] = ()
    ) -> ParsedPage:
        decoded = decode_html(body, content_type=content_type, fallbacks=fallbacks)
        return cls(decoded.text, decoded.encoding, decoded.note)

    @cached_property
    def _printable(self) -> tuple[str, list[str]]:
        return strip_unprintable(self.html)

    @property
    def unprintable(self) -> list[str]:
        """What strip_unprintable took out of the text before the parse (e.g. "U+0001 x2")."""
        return self._printable[1]

    @property
    def text(self) -> str:
        """The decoded text, control characters out: what was parsed."""
        return self._printable[0]

    @cached_property
    def _tree(self) -> Page:
        return _parse_once(self.text)

    @cached_property
    def _as_it_came(self) -> Page:
        return parse_page(self.html)

    @property
    def tree(self) -> Page:
        if self._consumed:
            raise RuntimeError("the page's tree went to extraction: read everything before it")
        return self._tree

    @property
    def metadata_tree(self) -> Page:
        """The tree version metadata and the content hash are read from (see the class doc)."""
        return self.tree if self.text == self.html else self._as_it_came

    def for_extraction(self) -> Page:
        """The tree, comments and processing instructions taken out, for extraction to change
        at will; the page's tree is not to be read again."""
        tree = self.tree
        etree.strip_tags(tree, etree.Comment, etree.ProcessingInstruction)
        self._consumed = True
        return tree


def _strings(root: Page, css: str) -> list[str]:
    found = css_xpath(css)(root)
    out = []
    for item in found if isinstance(found, list) else [found]:
        text = item if isinstance(item, str) else " ".join(_VISIBLE_TEXT(item))
        out.append(str(text))
    return out


def _first(root: Page, queries: tuple[str, ...]) -> str | None:
    for query in queries:
        for value in _strings(root, query):
            if tidy(value):
                return tidy(value)
    return None


def _all(root: Page, queries: tuple[str, ...], ignore: frozenset[str] = frozenset()) -> list[str]:
    for query in queries:
        values = [tidy(v) for v in _strings(root, query)]
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


def is_blank(page: str | Page) -> bool:
    """True for a page with no visible text at all (an empty 200 response, a bare shell)."""
    if isinstance(page, str) and not page.strip():
        return True
    return not _HAS_TEXT(parse_page(page))


def read_article_page(page: str | Page, side: LanguageSite) -> PageMetadata:
    root = parse_page(page)
    title = _first(root, side.title)
    body_text, has_body = "", False
    for query in side.body:
        nodes = css_xpath(query)(root)
        if nodes:
            has_body = True
            # Join text nodes with spaces: inline links otherwise glue words together.
            body_text = tidy(" ".join(_VISIBLE_TEXT(nodes[0])))
            break
    if not has_body:
        body = root.find("body")
        body_text = tidy(" ".join(_VISIBLE_TEXT(body if body is not None else root)))
    post_id = None
    for query, pattern in side.post_id:
        match = linear_regex(pattern).search(_first(root, (query,)) or "")
        if match:
            post_id = match.group("id")
            break
    fingerprint = f"{title or ''}\n{body_text}".encode()
    return PageMetadata(
        title=title,
        authors=_all(root, side.authors),
        published=parse_datetime(_first(root, side.published)),
        modified=parse_datetime(_first(root, side.modified)),
        categories=_all(root, side.categories, side.ignore_labels),
        tags=_all(root, side.tags),
        post_id=post_id,
        has_body=has_body,
        content_sha256=hashlib.sha256(fingerprint).hexdigest(),
    )


def links_with_text(page: str | Page, texts: tuple[str, ...]) -> list[str]:
    """hrefs of the <a> elements whose visible text is one of `texts` (whitespace-insensitive)."""
    wanted = {tidy(t) for t in texts}
    return [
        href.strip()
        for a in parse_page(page).iter("a")
        if (href := a.get("href", "")).strip() and tidy(" ".join(a.itertext())) in wanted
    ]


def links(page: str | Page, queries: tuple[str, ...] = ("a::attr(href)",)) -> list[str]:
    root = parse_page(page)
    found: list[str] = []
    for query in queries:
        found.extend(v.strip() for v in _strings(root, query) if v.strip())
    return found
