"""The extraction stage: the clean text of a page (boilerplate out, language checked, sentences).

The rule: a version's clean text is made when it has none or another extractor (an older
release) made it; `--redo` makes it again regardless.

The entry points, on pages parsed once (pipeline.pages.ParsedPage): `extract_page` for one page
with what its site's other pages taught so far (the crawl, page by page), and `extract_batch`
for pages read together, each site's repeated paragraphs learned across them (`bitext extract`
on saved pages, and `extract_stored` over a store's versions).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from pipeline.boilerplate import SiteBoilerplate
from pipeline.deadline import Overtime, Runner, in_process
from pipeline.extract import (
    EXTRACTOR,
    PageBlocks,
    clean_page,
    learn_boilerplate,
    read_page,
    text_votes,
)
from pipeline.models import ArticleText, ArticleVersion
from pipeline.pages import ParsedPage
from pipeline.profile import LanguageSite, SiteProfile
from pipeline.stages.sides import original, translation, with_texts
from pipeline.store.interface import CorpusReader, CorpusStore


def extraction_stale(extractor: str | None, *, redo: bool = False) -> bool:
    """Is a version's clean text to be made (again)? `extractor`: the one that made its stored
    text, None where it has none."""
    return redo or extractor != EXTRACTOR


@dataclass
class PageInput:
    """A page to extract and what is known of it: its language (detected when None), its
    site's side (found among `profiles` by the page's own clues when None), where it came from,
    the version it is."""

    page: ParsedPage
    language: str | None = None
    side: LanguageSite | None = None
    url: str | None = None
    site: str | None = None
    content_sha256: str | None = None
    profiles: Sequence[SiteProfile] = ()


def extract_page(
    source: PageInput,
    *,
    repeated: Mapping[str, int] | None = None,
    max_chars: int | None = None,
) -> ArticleText:
    """One page's clean text, with `repeated` (its site's learned boilerplate: comparison form
    -> pages it is on) taken out; a page longer than `max_chars` raises PageTooLarge."""
    return clean_page(_read(source, max_chars), repeated)


Watch = Callable[[Iterable[int]], Iterable[int]]  # e.g. rich.progress.track over the pages


def _read(source: PageInput, max_chars: int | None = None) -> PageBlocks:
    return read_page(
        source.page,
        language=source.language,
        side=source.side,
        url=source.url,
        site=source.site,
        content_sha256=source.content_sha256,
        profiles=source.profiles,
        max_chars=max_chars,
    )


def _clean(job: tuple[PageBlocks, Mapping[str, int]]) -> ArticleText:
    return clean_page(*job)


def extract_batch(
    sources: Sequence[PageInput],
    *,
    learned: SiteBoilerplate | None = None,
    watch: Watch | None = None,
    runner: Runner = in_process,
) -> list[ArticleText | Overtime]:
    """The clean texts of pages read together: every page votes for its site's boilerplate
    (with the votes already in `learned`), then each is cleaned of what its site repeats.
    `watch` wraps the reading of the pages (a progress bar); `runner` runs each page's reading
    and cleaning (pipeline.deadline.WithDeadline: in a worker, within a time limit; a page over
    it is an Overtime, and votes for nothing)."""
    reads = runner(_read, sources, watch)
    learned = learn_boilerplate([r for r in reads if not isinstance(r, Overtime)], learned)
    cleaned = runner(
        _clean, [(r, learned.repeated(r.home)) for r in reads if not isinstance(r, Overtime)]
    )
    found = iter(cleaned)
    return [r if isinstance(r, Overtime) else next(found) for r in reads]


# -- a whole store ------------------------------------------------------------------------------

SideOf = Callable[[str, str], LanguageSite | None]  # (site, language) -> the profile's side


def stored_votes(
    corpus: CorpusReader, skip: set[tuple[str, str, str]], learned: SiteBoilerplate
) -> SiteBoilerplate:
    """Stored texts vote too (what trafilatura gave: kept paragraphs and those removed by rule),
    one vote an article, but those in `skip` (site, language, article id: being redone)."""
    for pair, original_text, translation_text in with_texts(corpus.iter_pairs(), corpus.texts_of):
        for version, text in (
            (translation(pair), translation_text),
            (original(pair), original_text),
        ):
            if version is None or (version.site, version.language, version.site_article_id) in skip:
                continue
            if text is None:
                continue
            home = f"{version.site}/{version.language}"
            learned.add_page(home, version.canonical_url, text_votes(text))
    return learned


def extract_stored(
    corpus: CorpusStore,
    side_of: SideOf,
    *,
    redo: bool = False,
    watch: Watch | None = None,
    runner: Runner = in_process,
    overtime: Callable[[ArticleVersion, Overtime], None] | None = None,
) -> Counter[str]:
    """Stored versions without a current clean text (all with `redo`) extracted again from
    their pages, with their site's side (`side_of`) and boilerplate learned from every version
    being extracted now and the texts already stored for other articles; each text saved.
    Counts "<language> <status>", "versions" (extracted) and the versions whose page neither the
    WARC files nor the store could give back. A version whose reading `runner` gave up on (over
    its time) keeps what it had, is counted "<language> <reason>" and told to `overtime`."""
    chosen = [
        (version_id, version)
        for version_id, version, extractor in corpus.version_extractors()
        if extraction_stale(extractor, redo=redo)
    ]
    pages = corpus.raw_pages([version_id for version_id, _ in chosen])
    todo = [(version_id, version, pages[version_id]) for version_id, version in chosen
            if version_id in pages]  # fmt: skip
    being_done = {(v.site, v.language, v.site_article_id) for _, v, _ in todo}
    sources = [_stored_page(version, raw, side_of) for _, version, raw in todo]
    texts = extract_batch(
        sources,
        learned=stored_votes(corpus, being_done, SiteBoilerplate()),
        watch=watch,
        runner=runner,
    )
    done: Counter[str] = Counter({"versions": len(todo)})
    if len(todo) < len(chosen):  # said, not skipped in silence: the WARC file is not there
        done["no page (WARC record not found; see --warc-dir)"] = len(chosen) - len(todo)
    for (version_id, version, _), source, text in zip(todo, sources, texts, strict=True):
        if isinstance(text, Overtime):
            done[f"{version.language} {text.reason}"] += 1
            if overtime is not None:
                overtime(version, text)
            continue
        corpus.save_text(version_id, text)
        done[f"{version.language} {text.status.value}"] += 1
        if source.side is None:  # said: no profile's rules or selectors were applied
            done[f"without a site profile ({version.site})"] += 1
    return done


def _stored_page(version: ArticleVersion, raw: bytes, side_of: SideOf) -> PageInput:
    return PageInput(
        ParsedPage(raw.decode(version.encoding, errors="replace"), version.encoding),
        language=version.language,
        side=side_of(version.site, version.language),
        url=version.url,
        site=version.site,
        content_sha256=version.content_sha256,
    )
