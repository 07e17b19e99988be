"""Article text: HTML in, a checked, segmented `ArticleText` out.

trafilatura finds the main text; a site profile's rules (pruning XPaths before, paragraph
patterns after) take out what it leaves in on that site; generic rules take out the boilerplate
every news site has. Every paragraph taken out is kept in `removed` with its reason.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from typing import Any

import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura.settings import Extractor
from trafilatura.xml import strip_double_tags

from pipeline.language import detect_language, in_other_script
from pipeline.models import ArticleText, RemovedBlock, TextStatus
from pipeline.pages import css_xpath, parse_page, read_article_page
from pipeline.profile import ExtractionRules, LanguageSite
from pipeline.segment import segment
from pipeline.text import UNPRINTABLE_REASON, clean_text, comparison_form, strip_unprintable

EXTRACTOR = f"bitext-extract/1 trafilatura/{trafilatura.__version__}"
MIN_BODY_LETTERS = 200  # less than this after cleaning is not an article body

RELATED_HEADINGS = ("Related Articles", "Related Posts", "Read also", "مقالات ذات صلة")
GENERIC_RULES = ExtractionRules(
    drop_patterns=(
        (r"^(?:ADVERTISEMENT|Advertisement|إعلان)$", "advertisement"),
        (r"^Back to top(?: button)?$", "navigation"),
        (r"^Please enter your (?:comment|name here)!?$", "comment form"),
        (f"^(?:{'|'.join(RELATED_HEADINGS)})$", "related-articles heading"),
        (r"^(?:A A A|ع ع ع)$", "font-size controls"),
        (r"^(?:All rights reserved|Copyright ©)", "copyright"),
        (r"^•?\s*(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, \d{1,2} \w+ \d{4}$", "date header"),
        (r"^logo$", "logo"),
    ),
)


@lru_cache(maxsize=64)
def _compiled(rules: ExtractionRules) -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(pattern), reason) for pattern, reason in rules.drop_patterns)


@lru_cache(maxsize=1024)  # a profile's expressions, compiled once per process
def _xpath(expression: str) -> etree.XPath:
    return etree.XPath(expression)


@lru_cache(maxsize=2)  # Extractor() reads a dozen settings from its ConfigParser
def _extractor_options(in_container: bool) -> Extractor:
    return Extractor(
        output_format="python",
        comments=False,
        tables=True,
        images=False,
        dedup=False,
        recall=in_container,  # the container is already the article...
        fast=in_container,  # ...so trafilatura's fallback extractors add nothing
    )


def _blocks(root: Any) -> list[str]:
    """Paragraph-level blocks of trafilatura's extracted body (its XML output's elements), in
    order."""
    strip_double_tags(root)  # as trafilatura does before writing XML: <p><p>..</p></p> is one
    blocks = []
    for element in root.iter("p", "head", "item", "quote", "cell"):
        if (
            element.tag in ("p", "quote")
            and element.getparent() is not None
            and element.getparent().tag in ("item", "quote", "cell")
        ):
            continue
        text = clean_text(" ".join(element.itertext()))
        if text:
            blocks.append(text)
    return blocks


BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "td", "figcaption")


def _candidate_blocks(root: lxml_html.HtmlElement) -> list[str]:
    """Every paragraph-level block of a container, so what the extractor drops is accounted for."""
    blocks = []
    for element in root.iter(*BLOCK_TAGS):
        if any(a.tag in BLOCK_TAGS for a in element.iterancestors()):
            continue
        text = clean_text(" ".join(element.itertext()))
        if text:
            blocks.append(text)
    return blocks


RELATED_XPATH = etree.XPath(  # text nodes only: cheap on big pages
    ".//text()[" + " or ".join(f"normalize-space()='{h}'" for h in RELATED_HEADINGS) + "]"
)


def _drop_related_lists(root: Any) -> list[RemovedBlock]:
    """A link list right after a "Related Articles" heading, wherever the theme puts it (inside
    the body on some pages): trafilatura keeps such lists when they look like body text."""
    removed = []
    for text in RELATED_XPATH(root):
        heading = text.getparent()
        # the heading may sit alone in a wrapper: the list then follows the wrapper
        while heading is not root and heading.getnext() is None:
            heading = heading.getparent()
        following = heading.getnext() if heading is not root else None
        if following is None or following.tag not in ("ul", "ol"):
            continue
        items = (clean_text(li.text_content()) for li in following.iter("li"))
        removed.extend(RemovedBlock(text=i, reason="related-articles list") for i in items if i)
        following.drop_tree()
    return removed


def _main_tree(tree: Any, side: LanguageSite | None) -> tuple[Any, list[str], list[RemovedBlock]]:
    """The profile's body container (pruned) as a document of its own when the page has one,
    else the whole page; the candidate blocks; and what was pruned by rule before extraction.
    Changes `tree`: the page is parsed once, its metadata read first, and trafilatura takes the
    tree."""
    for xpath in side.extraction.prune_xpaths if side else ():
        for element in _xpath(xpath)(tree):
            element.drop_tree()
    container = next(
        (found[0] for query in (side.body if side else ()) if (found := css_xpath(query)(tree))),
        None,
    )
    body = tree.find("body")
    root = container if container is not None else body if body is not None else tree
    pruned = _drop_related_lists(root)
    blocks = _candidate_blocks(root)
    if container is None:
        return tree, blocks, pruned
    document = lxml_html.fromstring("<html><body><article></article></body></html>")
    document.find(".//article").append(container)  # moved, not copied
    return document, blocks, pruned


def _rule_reason(
    block: str, rules: tuple[tuple[re.Pattern[str], str], ...], language: str
) -> str | None:
    reason = next((why for rx, why in rules if rx.search(block)), None)
    if reason is None and (other := in_other_script(block, language)):
        reason = f"other language ({other})"
    return reason


class PageTooLarge(ValueError):
    """A page over the caller's size cap, refused before parsing (a 20 MB page took 21.7 s and
    766 MB): the caller records it (the crawl as a stage failure, reason too_large)."""


def extract_article(
    page: str,
    *,
    language: str,
    side: LanguageSite | None = None,
    url: str | None = None,
    site: str | None = None,
    content_sha256: str | None = None,
    max_chars: int | None = None,
) -> ArticleText:
    """Clean body text of one page, in `language`, with the site's rules when `side` is given;
    a page longer than `max_chars` raises PageTooLarge."""
    if max_chars is not None and len(page) > max_chars:
        raise PageTooLarge(f"{len(page)} characters, over the extraction cap of {max_chars}")
    page, unprintable = strip_unprintable(page)  # one \x01 made trafilatura drop the whole body
    tree = parse_page(page)
    meta = read_article_page(tree, side) if side is not None else None
    removed: list[RemovedBlock] = []
    document, candidates = None, []
    if page.strip():
        main, candidates, removed = _main_tree(tree, side)
        # bare_extraction: the body as a tree, without the XML round trip and the content
        # fingerprint that trafilatura.extract adds for XML output
        options = copy.copy(_extractor_options(side is not None))
        options.url = options.source = url
        document = trafilatura.bare_extraction(main, options=options)
    title = meta.title if meta and meta.title else None
    if title is None and page.strip():
        found = trafilatura.extract_metadata(page)
        title = found.title if found else None
    body = getattr(document, "body", None)
    blocks = _blocks(body) if body is not None else []

    rules = _compiled(GENERIC_RULES) + (_compiled(side.extraction) if side else ())
    title_key = comparison_form(title) if title else None
    kept: list[str] = []
    seen: set[str] = set()
    for block in blocks:
        key = comparison_form(block)
        reason = _rule_reason(block, rules, language)
        if reason is None and title_key and key == title_key:
            reason = "title repeated in the body"
        if reason is None and key in seen:
            reason = "duplicate paragraph"
        if reason:
            removed.append(RemovedBlock(text=block, reason=reason))
        else:
            kept.append(block)
            seen.add(key)
    # What trafilatura left out of the container is recorded too, with the best reason known.
    accounted = {comparison_form(b) for b in blocks}
    for block in candidates:
        key = comparison_form(block)
        if key not in accounted and key != title_key:
            accounted.add(key)
            reason = _rule_reason(block, rules, language) or "not main text (trafilatura)"
            removed.append(RemovedBlock(text=block, reason=reason))

    letters = sum(sum(map(str.isalpha, p)) for p in kept)
    whole = detect_language("\n".join(kept)) if kept else None
    status, detail = TextStatus.ok, None
    if letters < MIN_BODY_LETTERS:
        status = TextStatus.no_body
        detail = (
            f"no body found: {letters} letters of text after removing "
            f"{len(removed)} boilerplate paragraph(s)"
        )
        removed.extend(RemovedBlock(text=p, reason="too short to be a body") for p in kept)
        kept = []
    return ArticleText(
        site=site,
        url=url,
        language=language,
        content_sha256=content_sha256,
        extractor=EXTRACTOR,
        status=status,
        status_detail=detail,
        title=title,
        authors=meta.authors if meta else [],
        published=meta.published if meta else None,
        categories=meta.categories if meta else [],
        tags=meta.tags if meta else [],
        paragraphs=kept,
        sentences=segment(kept, language),
        removed=removed + [RemovedBlock(text=n, reason=UNPRINTABLE_REASON) for n in unprintable],
        detected_language=whole.language if whole else None,
        language_confidence=whole.confidence if whole else 0.0,
        language_ok=bool(whole and whole.language == language),
    )
