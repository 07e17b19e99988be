"""Where an exported segment pair came from, for the exports (TMX props, XLIFF metadata, the
Moses `.ids` file) and for people: the pair and bead, both versions' exact URLs, WARC record
ids, crawls, publication and fetch dates, and the alignment that paired them (mode, aligner,
when, and the review that changed it).

A version's crawl is the one that captured it: the `isPartOf` of the warcinfo record that
opens its WARC file (the name the archive itself carries, `enab-crawl-3`); where the WARC file
is not at hand, the one crawl of the store whose run covers the capture's time, else unknown.

`readable_iri` is the form a person reads: percent-encoded UTF-8 decoded (an Arabic slug as
Arabic letters), the exact URL staying in every data field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pipeline.models import ArticleVersion, CrawlRun, ExportedPair, PairAlignment, WarcCapture

CrawlOf = Callable[[str | None], str | None]  # WARC record id -> crawl id

_ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def _shown_decoded(char: str) -> bool:
    """A character RFC 3987 (section 3.2) lets an IRI show decoded: not ASCII (whose escapes
    carry syntax: %2F, %3F, %20), not a control, format (bidi), space or private-use one."""
    return ord(char) > 0x7F and unicodedata.category(char) not in (
        "Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp",
    )  # fmt: skip


def _decode_escapes(match: re.Match[str]) -> str:
    raw = bytes.fromhex(match.group(0).replace("%", ""))
    text = raw.decode("utf-8", errors="surrogateescape")
    out = []
    for char in text:
        if _shown_decoded(char):
            out.append(char)
        else:  # kept as it came: the bytes of an ASCII escape, an unsafe or broken sequence
            out.append("".join(f"%{b:02X}" for b in char.encode("utf-8", "surrogateescape")))
    return "".join(out)


def readable_iri(url: str) -> str:
    """The URL as a person reads it: UTF-8 escapes of letters decoded (`/%D8%B3%D9%88` ->
    `/سو`), a punycode host shown in Unicode; reserved and unsafe characters stay escaped, so
    the IRI maps back to the same URL. Hand-written: urllib's unquote decodes everything,
    `%2F` and bidi controls included."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    host = parts.netloc
    if "xn--" in host.lower():
        try:
            name, sep, port = host.rpartition(":") if host.count(":") == 1 else (host, "", "")
            host = name.encode("ascii").decode("idna") + sep + port
        except (UnicodeError, ValueError):
            host = parts.netloc
    return urlunsplit(
        (
            parts.scheme,
            host,
            _ESCAPES.sub(_decode_escapes, parts.path),
            _ESCAPES.sub(_decode_escapes, parts.query),
            _ESCAPES.sub(_decode_escapes, parts.fragment),
        )
    )


def warcinfo_crawls(captures: Iterable[WarcCapture], warc_dir: Path | None) -> dict[str, str]:
    """WARC record id -> the crawl named by the warcinfo record opening its file (isPartOf),
    for the captures whose file is in `warc_dir`."""
    from pipeline.warc import file_of, warcinfo_of

    if warc_dir is None or not warc_dir.is_dir():
        return {}
    by_file: dict[str, list[str]] = {}
    for capture in captures:
        by_file.setdefault(capture.warc_filename, []).append(capture.warc_record_id)
    found: dict[str, str] = {}
    for filename, record_ids in by_file.items():
        path = file_of(warc_dir, filename)
        crawl = warcinfo_of(path).get("isPartOf") if path is not None else None
        if crawl:
            found.update(dict.fromkeys(record_ids, crawl))
    return found


def crawl_lookup(
    captures: list[WarcCapture], runs: list[CrawlRun], warc_dir: Path | None
) -> CrawlOf:
    """The crawl of a WARC record: its file's warcinfo; else the one crawl whose run covers the
    capture's time (none where two runs overlap: crawls of a shared frontier); else None."""
    named = warcinfo_crawls(captures, warc_dir)
    fetched = {c.warc_record_id: c.fetched_at for c in captures}

    def by_time(moment: datetime) -> str | None:
        covering = [r for r in runs if r.covers(moment)]
        return covering[0].crawl_id if len(covering) == 1 else None

    def crawl_of(record_id: str | None) -> str | None:
        if not record_id:
            return None
        if record_id in named:
            return named[record_id]
        moment = fetched.get(record_id)
        return by_time(moment) if moment is not None else None

    return crawl_of


def no_crawls(record_id: str | None) -> str | None:
    return None


@dataclass(frozen=True)
class SideProvenance:
    """One version of a pair as the archive has it."""

    language: str
    url: str  # exact, as stored (canonical)
    warc_record_id: str | None
    crawl: str | None
    published: datetime | None
    fetched: datetime

    @classmethod
    def of(cls, version: ArticleVersion, crawl_of: CrawlOf) -> SideProvenance:
        return cls(
            language=version.language,
            url=version.canonical_url,
            warc_record_id=version.warc_record_id,
            crawl=crawl_of(version.warc_record_id),
            published=version.published,
            fetched=version.fetched_at,
        )


@dataclass(frozen=True)
class PairProvenance:
    """A pair's provenance: both versions, and the alignment its beads come from."""

    pair_id: str  # SITE:TRANSLATION_ARTICLE_ID, as review files name it
    original: SideProvenance
    translation: SideProvenance
    mode: str
    aligner: str
    aligned_at: datetime
    reviewer: str | None = None
    reviewed_at: datetime | None = None
    review_revision: int | None = None

    @classmethod
    def of(
        cls, pair: ExportedPair, alignment: PairAlignment, crawl_of: CrawlOf = no_crawls
    ) -> PairProvenance:
        return cls(
            pair_id=f"{pair.site}:{pair.translation.site_article_id}",
            original=SideProvenance.of(pair.original, crawl_of),
            translation=SideProvenance.of(pair.translation, crawl_of),
            mode=alignment.mode,
            aligner=alignment.aligner,
            aligned_at=alignment.aligned_at,
            reviewer=alignment.reviewer,
            reviewed_at=alignment.reviewed_at,
            review_revision=alignment.review_revision,
        )


def iso(moment: datetime | None) -> str:
    """An ISO 8601 time in UTC (`2024-06-01T08:00:00Z`); "" for none."""
    if moment is None:
        return ""
    from datetime import UTC

    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None, microsecond=0).isoformat() + "Z"
