"""Article text: HTML in, a checked, segmented `ArticleText` out.

trafilatura finds the main text; a site profile's rules (pruning XPaths before, paragraph
patterns after) take out what it leaves in on that site; generic rules take out the boilerplate
every news site has. Every paragraph taken out is kept in `removed` with its reason.
"""

from __future__ import annotations

import copy
import inspect
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import Any

import trafilatura
import trafilatura.core
from lxml import etree
from lxml import html as lxml_html
from trafilatura.metadata import extract_title
from trafilatura.settings import Extractor
from trafilatura.xml import xmltotxt

from pipeline.boilerplate import (
    RELATED_HEADINGS,
    SiteBoilerplate,
    compiled_rules,
    rule_reason,
    rules_for,
)
from pipeline.language import detect_language, in_other_script, script_language
from pipeline.models import ArticleText, RemovedBlock, TextStatus
from pipeline.pages import PageMetadata, ParsedPage, css_xpath, read_article_page
from pipeline.profile import LanguageSite, PageClues, SiteProfile, find_profile, host_of
from pipeline.segment import segment
from pipeline.text import UNPRINTABLE_REASON, clean_text, comparison_form

EXTRACTOR = f"bitext-extract/2 trafilatura/{trafilatura.__version__}"
MIN_BODY_LETTERS = 200  # less than this after cleaning is not a news site's article body
MIN_TEXT_LETTERS = 50  # on a page of no known site: a short poem is still its main text
OTHER_SCRIPT_MAX = 80  # characters: with the language guessed, only a line like a link goes
NOT_MAIN = "not main text (trafilatura)"
HEADLINE_MIN = 15  # characters: shorter link text is navigation ("a", "Home"), not a headline
HEADLINE_MAX = 200  # characters: a link-only paragraph longer than this is not a headline


@lru_cache(maxsize=1024)  # a profile's expressions, compiled once per process
def _xpath(expression: str) -> etree.XPath:
    return etree.XPath(expression)


@lru_cache(maxsize=2)  # Extractor() reads a dozen settings from its ConfigParser
def _extractor_options(in_container: bool) -> Extractor:
    return Extractor(
        output_format="python",  # the body as a tree and as trafilatura's text, both used
        comments=False,
        tables=True,
        images=False,
        dedup=False,
        recall=in_container,  # the container is already the article...
        fast=in_container,  # ...so trafilatura's fallback extractors add nothing
    )


_CELL_SEPARATOR = re.compile(r"(?<!\\) \| ")  # between two cells of a row: an escaped \| is text
_HEAD_RULE = re.compile(r"^\|(?:-+\|)+$")  # the line trafilatura draws under a table's head row


# trafilatura's extraction cascade as bare_extraction runs it, on a tree it may change (2.x)
_SEQUENCE: Any = getattr(trafilatura.core, "trafilatura_sequence", None)
_SEQUENCE_ON_TREE = _SEQUENCE is not None and list(inspect.signature(_SEQUENCE).parameters) == [
    "tree",
    "options",
    "url",
]


def _extracted_body(main: Any, options: Extractor) -> tuple[Any, str | None]:
    """The body and text of trafilatura.bare_extraction(main, options=options), on `main`
    itself: the public call first copies the tree so that its caller keeps it unchanged (1.4 ms
    a page, 5% of our whole time; read_page has no further use for it). The same steps as
    bare_extraction takes with these options (no metadata, language or duplicate filter, no
    tree size cap), else the public call (tests/test_extract.py compares the two)."""
    if not _SEQUENCE_ON_TREE or (
        options.with_metadata or options.lang or options.dedup or options.max_tree_size
    ):
        document = trafilatura.bare_extraction(main, options=options)
        return getattr(document, "body", None), getattr(document, "text", None)
    try:
        body, text, _, comments = _SEQUENCE(main, options, options.url)
    except (TypeError, ValueError):
        return None, None
    if len(text) < options.min_output_size and len(comments) < options.min_output_comm_size:
        return None, None  # as bare_extraction: too short to be the text
    return body, xmltotxt(body, options.formatting)  # as bare_extraction writes it for "python"


def _text_blocks(text: str, has_lists: bool) -> list[str]:
    """Paragraph-level blocks of trafilatura's text output (what plain `trafilatura.extract`
    returns, word for word): a line each, a table row's cells a block each, a list item without
    the "- " trafilatura writes before it."""
    blocks: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if has_lists and line.startswith("- "):
            line = line[2:]
        if _HEAD_RULE.match(line):
            continue
        if len(line) > 1 and line.startswith("|") and line.endswith("|"):  # "| a | b |"
            cells = _CELL_SEPARATOR.split(f" {line[1:-1]} ")
            blocks.extend(t for cell in cells if (t := clean_text(cell.replace("\\|", "|"))))
        elif block := clean_text(line):
            blocks.append(block)
    return blocks


BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "td", "figcaption")


@dataclass(frozen=True)
class Candidate:
    """A paragraph-level block of the page (or container), before extraction."""

    text: str  # as the page has it (cleaned only if it is recorded)
    link_only: bool  # all its text is link text: a headline pointing elsewhere, or navigation


def _text_content(element: Any) -> str:
    """element.text_content(), without its XPath call where there is no markup inside."""
    return element.text_content() if len(element) else element.text or ""


def _candidate_blocks(root: Any) -> list[Candidate]:
    """Every paragraph-level block of a container, so what the extractor drops is accounted for."""
    blocks: list[Candidate] = []
    if next(root.iterancestors(*BLOCK_TAGS), None) is not None:
        return blocks  # the container is inside a block: so is every block in it
    elements = root.iter(*BLOCK_TAGS)
    for element in elements:
        if len(element):  # the blocks inside it, next in document order, are taken whole with it
            inside = sum(1 for _ in element.iter(*BLOCK_TAGS)) - 1
            next(islice(elements, inside, inside), None)
        text = _text_content(element)
        length = len(text.strip())
        if not length:
            continue
        link_only = False
        if length <= 2 * HEADLINE_MAX and len(element):  # a headline-sized block with links
            link_letters = sum(len(_text_content(a).strip()) for a in element.iter("a"))
            link_only = link_letters >= 0.9 * length
        blocks.append(Candidate(text, link_only))
    return blocks


_HEADING_KEYS = frozenset(RELATED_HEADINGS)
_LONGEST_HEADING = max(map(len, RELATED_HEADINGS))
SHORT_TEXT = etree.XPath(  # text nodes short enough to be a heading: cheap on big pages
    # (descendant::, not .//: libxml2 walks that as every node's children, then sorts them)
    f"descendant::text()[string-length(normalize-space()) >= 5]"
    f"[string-length(normalize-space()) <= {_LONGEST_HEADING}]"
)


def _is_link_only(element: Any) -> bool:
    """A block whose text is all link text, of a headline's length."""
    if element.tag in ("ul", "ol", "script", "style") or not isinstance(element.tag, str):
        return False
    text = element.text_content().strip()
    if not text or len(text) > HEADLINE_MAX:
        return False
    return sum(len(a.text_content().strip()) for a in element.iter("a")) >= 0.9 * len(text)


def _drop_related_lists(root: Any) -> list[RemovedBlock]:
    """A link list right after a "Related Articles" heading, wherever the theme puts it (inside
    the body on some pages): trafilatura keeps such lists when they look like body text."""
    removed: list[RemovedBlock] = []
    for text in SHORT_TEXT(root):
        if " ".join(text.split()) not in _HEADING_KEYS:
            continue
        heading = text.getparent()
        if heading is not root and root not in heading.iterancestors():
            continue  # inside a list an earlier heading's drop took out of the page
        # the heading may sit alone in a wrapper: the list then follows the wrapper
        while heading is not root and heading.getnext() is None:
            heading = heading.getparent()
        following = heading.getnext() if heading is not root else None
        if following is not None and following.tag in ("ul", "ol"):
            items = (clean_text(li.text_content()) for li in following.iter("li"))
            removed.extend(RemovedBlock(text=i, reason="related-articles list") for i in items if i)
            following.drop_tree()
            continue
        # or the headlines follow one a block, each nothing but a link
        while following is not None and _is_link_only(following):
            after = following.getnext()
            headline = clean_text(following.text_content())
            removed.append(RemovedBlock(text=headline, reason="related-articles list"))
            following.drop_tree()
            following = after
    return removed


def _main_tree(
    tree: Any, side: LanguageSite | None
) -> tuple[Any, bool, list[Candidate], list[RemovedBlock]]:
    """The profile's body container (pruned) as a document of its own when the page has one,
    else the whole page; whether it is the container; the candidate blocks; and what was pruned
    by rule before extraction. Changes `tree`: the page is parsed once, its metadata read
    first, and trafilatura takes the tree."""
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
        return tree, False, blocks, pruned
    document = lxml_html.fromstring("<html><body><article></article></body></html>")
    document.find(".//article").append(container)  # moved, not copied
    return document, True, blocks, pruned


def _links_and_metas(tree: Any) -> Iterator[Any]:
    """The document's <link> and <meta> elements, in document order, in one walk of the tree
    (an XPath "//meta[...]" for each clue walked all of it once each)."""
    return tree.getroottree().getroot().iter("link", "meta")


class PageTooLarge(ValueError):
    """A page over the caller's size cap, refused before parsing (a 20 MB page took 21.7 s and
    766 MB): the caller records it (the crawl as a stage failure, reason too_large)."""


def _page_title(tree: Any) -> str | None:
    """og:title, else trafilatura's reading of <h1> and <title> (its full metadata pass also
    dates the page: several times the cost of extraction, for a field we do not use here)."""
    for element in _links_and_metas(tree):
        if element.tag != "meta" or element.get("property") != "og:title":
            continue
        if (value := element.get("content")) is not None and (title := clean_text(value)):
            return title
    found = extract_title(tree)
    return clean_text(found) if found else None


@dataclass
class PageBlocks:
    """One page read: trafilatura's body blocks and everything around them, before the text
    rules. `clean_page` turns it into the ArticleText; a batch votes with it first."""

    language: str | None
    side: LanguageSite | None
    url: str | None
    site: str | None
    content_sha256: str | None
    title: str | None
    meta: PageMetadata | None
    blocks: list[str]
    candidates: list[Candidate]
    pruned: list[RemovedBlock]
    clues: PageClues = field(default_factory=PageClues)
    in_container: bool = False  # trafilatura ran on the profile's body container
    unprintable: list[str] = field(default_factory=list)  # control characters removed, noted

    @property
    def home(self) -> str | None:
        """The site whose pages share boilerplate with this one: the profile's side, else the
        host the page names as its own (pages of no known host learn nothing)."""
        if self.side is not None:
            return f"{self.site or host_of(self.side.base_url)}/{self.side.language}"
        return next((h for u in self.clues.urls if (h := host_of(u))), None)

    @property
    def identity(self) -> str | None:
        """One article whatever copy of it this is (its versions vote once)."""
        return next(iter(self.clues.urls), None) or self.title


def page_clues(tree: Any, url: str | None, language: str | None) -> PageClues:
    """Where the page says it is from: canonical URL, og:url, og:site_name, <html lang>."""
    urls: list[str] = []
    names: list[str] = []
    for element in _links_and_metas(tree):
        if element.tag == "link":
            value = element.get("href") if element.get("rel") == "canonical" else None
            if value is not None:
                urls.append(value)
            continue
        found = element.get("property")
        if found in ("og:url", "og:site_name") and (value := element.get("content")) is not None:
            (urls if found == "og:url" else names).append(value)
    urls += [url] if url else []
    root = tree.getroottree().getroot()
    lang = language or (root.get("lang") if root.tag == "html" else None)
    return PageClues(tuple(urls), names[0] if names else None, lang)


def read_page(
    page: str | ParsedPage,
    *,
    language: str | None = None,
    side: LanguageSite | None = None,
    url: str | None = None,
    site: str | None = None,
    content_sha256: str | None = None,
    profiles: Sequence[SiteProfile] = (),
    max_chars: int | None = None,
) -> PageBlocks:
    """Find the page's profile among `profiles` when no `side` is given, read the metadata, run
    trafilatura (on the profile's container if the page has one): the blocks the text rules will
    judge. The page's tree is taken (a ParsedPage: the one parse of a fetched page, read for
    everything else first; a str is parsed here). A page longer than `max_chars` raises
    PageTooLarge, before anything is parsed."""
    parsed = page if isinstance(page, ParsedPage) else ParsedPage(page)
    if max_chars is not None and len(parsed.html) > max_chars:
        raise PageTooLarge(f"{len(parsed.html)} characters, over the extraction cap of {max_chars}")
    # control characters out before the parse (one \x01 made trafilatura drop the whole body);
    # the tree as trafilatura's own parser makes it (comments and processing instructions out,
    # broken markup repaired): its extraction is tuned on the trees it makes
    text, unprintable = parsed.text, parsed.unprintable
    tree = parsed.for_extraction()
    clues = page_clues(tree, url, language)
    if side is None and profiles and (found := find_profile(clues, profiles)):
        side, site = found[1], site or found[0].name
    meta = read_article_page(tree, side) if side is not None else None
    title = meta.title if meta and meta.title else None
    blocks: list[str] = []
    candidates: list[Candidate] = []
    pruned: list[RemovedBlock] = []
    in_container = False
    if text.strip():
        if title is None:
            title = _page_title(tree)
        main, in_container, candidates, pruned = _main_tree(tree, side)
        # bare_extraction: the body as a tree, without the XML round trip and the content
        # fingerprint that trafilatura.extract adds for XML output
        options = copy.copy(_extractor_options(in_container))
        options.url = options.source = url
        body, extracted = _extracted_body(main, options)
        # its text as plain trafilatura.extract writes it: a block of ours is a line of it, so
        # no word it keeps is lost or run into the next by a conversion of our own
        has_lists = body is not None and body.find(".//item") is not None
        blocks = _text_blocks(extracted, has_lists) if extracted else []
    return PageBlocks(
        language,
        side,
        url,
        site,
        content_sha256,
        title,
        meta,
        blocks,
        candidates,
        pruned,
        clues,
        in_container,
        unprintable,
    )


def _key(text: str) -> str:
    """For matching blocks within one page: case and spacing aside, the text itself (the
    comparison form, digits and diacritics unified, is for matching across pages)."""
    return " ".join(text.casefold().split())


def _rule_reason(
    block: str, rules: Any, language: str | None, given: bool, is_link: bool = False
) -> str | None:
    """The first rule a paragraph breaks. A paragraph in another writing system goes when the
    page's language was given (the other side of a bilingual site); when it was only guessed,
    just a short link does (a language switch: on the 990 real pages the other-script lines
    that were not links were all main text, lyrics and names)."""
    reason = rule_reason(block, rules)
    if (
        reason is None
        and language
        and (given or (is_link and len(block) <= OTHER_SCRIPT_MAX))
        and (other := in_other_script(block, language))
    ):
        reason = f"other language ({other})"
    return reason


def _is_link_text(block: str, link_only: set[str], links: list[str]) -> bool:
    """A block that is link text only: one link-only block of the page, or several run together
    (trafilatura's fallback joins a list's items into one block)."""
    if _key(block) in link_only:
        return len(block) <= HEADLINE_MAX
    rest, found = block, 0
    for link in links:
        if HEADLINE_MIN <= len(link) <= HEADLINE_MAX and link in rest:
            rest, found = rest.replace(link, ""), found + 1
    letters = sum(map(str.isalpha, rest))
    return found >= 2 and letters <= 0.1 * sum(map(str.isalpha, block))


def _link_texts(candidates: list[Candidate]) -> list[str]:
    """The page's link-only blocks, cleaned as the blocks are (a tatweel in a headline made it
    another text), longest first."""
    headlines = {" ".join(clean_text(c.text).split()) for c in candidates if c.link_only}
    return sorted(headlines, key=len)[::-1]


def _headline_run(decided: list[tuple[str, str | None]], links: list[str]) -> list[int]:
    """Indexes of the link-only headlines that end the body: two or more in a row (or run
    together in one block), or one that the page's closing boilerplate follows (a related story
    between body and footer)."""
    link_only = {_key(h) for h in links}
    run: list[int] = []
    boilerplate_after = False
    joined = False
    for k in range(len(decided) - 1, -1, -1):
        text, reason = decided[k]
        if reason is not None:
            if run:
                break
            boilerplate_after = True
            continue
        if _is_link_text(text, link_only, links):
            run.append(k)
            joined = joined or _key(text) not in link_only
            continue
        break
    return run if len(run) >= 2 or (run and (boilerplate_after or joined)) else []


def clean_page(page: PageBlocks, repeated: Mapping[str, int] | None = None) -> ArticleText:
    """The text rules (generic, the profile's, and `repeated`: the site's learned boilerplate,
    comparison form -> pages it is on) applied to a read page, every drop recorded with why."""
    blocks = page.blocks
    language, given = page.language, page.language is not None
    if language is None:  # not given: its writing system stands in until the body is known
        language = script_language("\n".join(blocks)[:1200]) if blocks else None
    rules = compiled_rules(rules_for(page.side))
    title_key = _key(page.title) if page.title else None
    links = _link_texts(page.candidates)
    link_keys = {_key(h) for h in links}
    decided: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    keys = [_key(block) for block in blocks]
    for block, key in zip(blocks, keys, strict=True):
        reason = _rule_reason(block, rules, language, given, key in link_keys)
        if reason is None and repeated and (n := repeated.get(comparison_form(block))):
            reason = f"repeated on {n} pages of {page.home}"
        # the page's title heading the body is kept apart (the record's title), on any site:
        # an article body is what follows the headline (on the 990 real pages: 3 titles
        # annotated boilerplate out, 4 annotated main text lost, F1 -0.0002)
        if reason is None and title_key and key == title_key and not seen:
            reason = "title repeated in the body"
        # a repeat goes only when it is link text (a teaser shown twice): a table's cells, a
        # song's chorus, a forum's quotes repeat as main text (on the 990 real pages: 3049
        # repeats dropped, most of them main text; no boilerplate snippet among the others)
        if reason is None and key in seen and key in link_keys:
            reason = "duplicate paragraph"
        decided.append((block, reason))
        if reason is None:
            seen.add(key)
    for k in _headline_run(decided, links):
        decided[k] = (decided[k][0], "link-only headlines after the body")
    removed = list(page.pruned)
    kept = []
    for block, reason in decided:
        if reason:
            removed.append(RemovedBlock(text=block, reason=reason))
        else:
            kept.append(block)
    # What trafilatura left out is recorded too: of a profile's container, each block with the
    # best reason known; of a whole page (menus, teasers, footers, hundreds of them on some
    # pages), each as it is, the page's own HTML being kept for whoever wants more.
    accounted = set(keys)
    if title_key:
        accounted.add(title_key)
    in_container = page.in_container
    for candidate in page.candidates:
        flat = " ".join(candidate.text.split())
        key = flat.casefold()  # _key(candidate.text): case folding leaves every space a space
        if key in accounted:
            continue
        accounted.add(key)
        if not in_container:
            removed.append(RemovedBlock(text=flat, reason=NOT_MAIN))
            continue
        text = clean_text(candidate.text)
        if key != _key(text) and _key(text) in accounted:
            continue  # the same text once invisible characters are out
        reason = _rule_reason(text, rules, language, given, candidate.link_only)
        removed.append(RemovedBlock(text=text, reason=reason or NOT_MAIN))

    letters = sum(sum(map(str.isalpha, p)) for p in kept)
    whole = detect_language("\n".join(kept)) if kept else None
    status, detail = TextStatus.ok, None
    if letters < (MIN_BODY_LETTERS if page.side else MIN_TEXT_LETTERS):
        status = TextStatus.no_body
        detail = (
            f"no body found: {letters} letters of text after removing "
            f"{len(removed)} boilerplate paragraph(s)"
        )
        removed.extend(RemovedBlock(text=p, reason="too short to be a body") for p in kept)
        kept = []
    if not given:  # what the body is in; with no body, the side the page is on, if known
        side_language = page.side.language if page.side else "und"
        language = whole.language if whole and whole.language else side_language
    meta = page.meta
    return ArticleText(
        site=page.site,
        url=page.url,
        language=language,
        content_sha256=page.content_sha256,
        extractor=EXTRACTOR,
        status=status,
        status_detail=detail,
        title=page.title,
        authors=meta.authors if meta else [],
        published=meta.published if meta else None,
        categories=meta.categories if meta else [],
        tags=meta.tags if meta else [],
        paragraphs=kept,
        sentences=segment(kept, language or "und"),  # never None here: set just above
        removed=removed
        + [RemovedBlock(text=n, reason=UNPRINTABLE_REASON) for n in page.unprintable],
        detected_language=whole.language if whole else None,
        language_confidence=whole.confidence if whole else 0.0,
        language_ok=bool(whole and whole.language == language),
    )


def extract_article(
    page: str | ParsedPage,
    *,
    language: str | None = None,
    side: LanguageSite | None = None,
    url: str | None = None,
    site: str | None = None,
    content_sha256: str | None = None,
    repeated: Mapping[str, int] | None = None,
    profiles: Sequence[SiteProfile] = (),
    max_chars: int | None = None,
) -> ArticleText:
    """Clean body text of one page, in `language` (detected when not given), with the site's
    rules when `side` is given or found among `profiles`, and its learned boilerplate when
    `repeated` is; a page longer than `max_chars` raises PageTooLarge."""
    read = read_page(
        page,
        language=language,
        side=side,
        url=url,
        site=site,
        content_sha256=content_sha256,
        profiles=profiles,
        max_chars=max_chars,
    )
    return clean_page(read, repeated)


def learn_boilerplate(
    pages: Sequence[PageBlocks], learned: SiteBoilerplate | None = None
) -> SiteBoilerplate:
    """Each page's blocks as votes for its site's boilerplate (a batch of saved pages, the
    versions of a store)."""
    learned = learned if learned is not None else SiteBoilerplate()
    for number, page in enumerate(pages):
        if (home := page.home) is not None:
            learned.add_page(home, page.identity or f"#{number}", page.blocks)
    return learned


def text_votes(text: ArticleText) -> list[str]:
    """A stored text's votes for its site's boilerplate: the blocks trafilatura gave, kept or
    removed by a rule (not what it left out)."""
    return text.paragraphs + [
        r.text for r in text.removed if r.reason not in (NOT_MAIN, "related-articles list")
    ]
