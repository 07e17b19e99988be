"""Corpus exports: JSONL, TMX 1.4b, Moses parallel text, XLIFF 2.x; all written atomically."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO

import psutil  # pid_exists: a killed writer's leftovers are stale
from lxml import etree

from pipeline.labels import mode_words
from pipeline.models import ArticlePair, Bead, ExportedPair, PairAlignment, ReviewStatus
from pipeline.provenance import (
    CrawlOf,
    PairProvenance,
    SideProvenance,
    crawl_lookup,
    iso,
    no_crawls,
    readable_iri,
)
from pipeline.store.interface import AlignmentKey, CorpusReader

try:
    TOOL_VERSION = version("bitext")
except PackageNotFoundError:  # run from a checkout without installing
    TOOL_VERSION = "0"


STALE_AFTER_S = 3600  # a temp file of the older naming (no process id) this old is abandoned
# Our temp files: ".NAME.PID.xxxxxxxx.part" (mkstemp's eight characters), and before process ids
# were in the name ".NAME.xxxxxxxx.part".
_OUR_TEMP = re.compile(r"\..+?\.(?:(?P<pid>\d+)\.)?[a-z0-9_]{8}\.part")
_swept: set[Path] = set()  # folders whose stale temp files this process has removed
_FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)  # the disk, a size limit, a quota


class EmptyExport(ValueError):
    """Nothing to export: refused so that a wrong or empty store never replaces a good export."""


def _temp_name(path: Path) -> str:
    return f".{path.name}.{os.getpid()}."


def remove_stale_parts(folder: Path) -> list[Path]:
    """Temp files killed writers left in `folder` (kill -9, power cut): those of a process that
    is gone, and those of the older naming over an hour old; a live writer's stay. Interrupted
    multi-file commits there are completed first: their temp files are the new outputs."""
    for journal in folder.glob(".*.commit"):
        recover_files(folder / journal.name[1 : -len(".commit")])
    removed = []
    for part in folder.glob(".*.part"):
        ours = _OUR_TEMP.fullmatch(part.name)
        if ours is None:
            continue
        if ours.group("pid"):
            pid = int(ours.group("pid"))
            stale = pid != os.getpid() and not psutil.pid_exists(pid)
        else:
            try:
                stale = time.time() - part.stat().st_mtime > STALE_AFTER_S
            except FileNotFoundError:
                continue
        if stale:
            with contextlib.suppress(FileNotFoundError):
                part.unlink()
                removed.append(part)
    return removed


def _sweep_once(folder: Path) -> None:
    """remove_stale_parts, once per folder and process: a report writes a thousand files."""
    key = folder.resolve()
    if key not in _swept:
        remove_stale_parts(folder)
        _swept.add(key)


def _publishable(tmp: str) -> None:
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a corpus file is not


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _temp_file(path: Path, mode: str) -> Iterator[tuple[IO, str]]:
    """A complete, fsynced temp file beside `path` (the caller renames it); removed on any
    failure, KeyboardInterrupt and SystemExit (SIGTERM in the CLI) included."""
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a directory, not a file", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    _sweep_once(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=_temp_name(path), suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8") as handle:
            yield handle, tmp
            handle.flush()
            os.fsync(handle.fileno())
        _publishable(tmp)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.filename is None and exc.errno in _FULL:
            # a full disk says which output it could not write
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise


@contextlib.contextmanager
def atomic_writer(path: Path, *, mode: str = "w") -> Iterator[IO]:
    """Write to a temporary file beside `path`, then rename it over `path`: a crash leaves the
    old file or the new one, never half of one; a failure (a full disk) leaves the old file and
    no temp file."""
    path = Path(path)
    with _temp_file(path, mode) as (handle, tmp):
        yield handle
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _journal(first: Path) -> Path:
    return first.with_name(f".{first.name}.commit")


def recover_files(first: Path) -> list[Path]:
    """Finish a commit of several files (see `atomic_writers`) that a kill interrupted: its
    journal lists temp files that were all complete, so the renames are rolled forward."""
    journal = _journal(first)
    try:
        renames = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except ValueError:  # a journal cut short: the commit had not begun, the temps are stale
        journal.unlink()
        return []
    done = []
    for tmp, final in renames:
        with contextlib.suppress(FileNotFoundError):  # renamed already (by its writer, or us)
            os.replace(tmp, final)
            done.append(Path(final))
    _fsync_directory(first.parent)
    with contextlib.suppress(FileNotFoundError):
        journal.unlink()
    return done


@contextlib.contextmanager
def atomic_writers(paths: list[Path], *, mode: str = "w") -> Iterator[list[IO]]:
    """Several files that belong together (Moses: PREFIX.ar and PREFIX.en, line for line): all
    new or all old. Each is written to a complete temp file; then a journal naming the renames
    is written and fsynced, the renames done, the journal removed. A kill between two renames
    leaves the journal, and the next writer of these files (or `recover_files`) completes the
    renames first. Why not a directory swap: the files sit beside the user's other files."""
    paths = [Path(p) for p in paths]
    recover_files(paths[0])
    temps: list[str] = []
    try:
        with contextlib.ExitStack() as stack:
            opened = [stack.enter_context(_temp_file(p, mode)) for p in paths]
            temps = [tmp for _, tmp in opened]
            yield [handle for handle, _ in opened]
        # every temp is complete and fsynced: the commit may begin
        with atomic_writer(_journal(paths[0])) as journal:
            json.dump([[tmp, str(p)] for tmp, p in zip(temps, paths, strict=True)], journal)
    except BaseException:
        for tmp in temps:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise
    recover_files(paths[0])


# Characters XML 1.0 cannot carry (C0 controls but tab/newline/CR, lone surrogates, U+FFFE/F):
# they are dropped from TMX and XLIFF, and kept in JSONL.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Line breaks a reader of one-segment-a-line files would split on (str.splitlines' set).
_LINE_BREAKS = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


_SURROGATES = re.compile("[\ud800-\udfff]")  # lone: UTF-8 cannot encode them


def one_line(text: str) -> str:
    return _SURROGATES.sub("", _LINE_BREAKS.sub(" ", text)).strip()


@dataclass(frozen=True)
class ExportFilter:
    """Which beads go out: a minimum score, no flagged beads, articles published since a date."""

    min_score: float | None = None
    skip_flagged: bool = False
    since: date | None = None
    reviewed_only: bool = False  # only beads a translator approved
    languages: tuple[str, str] | None = None  # (original, translation): one language pair

    def keeps_language_pair(self, pair: ExportedPair) -> bool:
        return self.languages is None or self.languages == language_pair(pair)

    def keeps_pair(self, pair: ExportedPair) -> bool:
        if self.since is None:
            return True
        when = pair.translation.published or pair.original.published or pair.translation.fetched_at
        return when.date() >= self.since

    def keeps_bead(self, bead: Bead) -> bool:
        if self.min_score is not None and bead.score < self.min_score:
            return False
        if self.reviewed_only and bead.status != ReviewStatus.approved:
            return False
        return not (self.skip_flagged and bead.flags)


@dataclass(frozen=True)
class Segment:
    """One aligned bead as text: what TMX, Moses and XLIFF carry."""

    src: str
    tgt: str
    url: str
    src_url: str
    score: float
    flags: tuple[str, ...]
    key: str  # article id and bead number
    article: str = ""  # site and translation article id: one XLIFF <file> each
    status: str | None = None  # pending | approved (rejected beads are not exported as segments)
    comment: str | None = None
    reviewer: str | None = None
    bead: int = 0  # the bead's index in its alignment
    provenance: PairProvenance | None = None
    changed_at: datetime | None = None  # when a translator last changed the bead (review)


def language_pair(pair: ExportedPair | ArticlePair) -> tuple[str, str]:
    """(original language, translation language): a TMX, Moses or XLIFF file holds one."""
    original = pair.original.language if pair.original is not None else ""
    return (original, pair.translation.language)


def language_pairs(corpus: CorpusReader) -> list[tuple[str, str]]:
    """The language pairs of the store's paired articles, most frequent first."""
    found: Counter[tuple[str, str]] = Counter(
        language_pair(p) for p in corpus.iter_pairs() if p.status == "paired" and p.original
    )
    return [pair for pair, _ in found.most_common()]


def _describes(alignment: PairAlignment | None, pair: ArticlePair) -> bool:
    """Was this alignment (or review) made on the pair's current versions? (the stage rule)"""
    from pipeline.stages.align import alignment_state, alignment_usable

    key = None if alignment is None else AlignmentKey.of(alignment)
    mode = "none" if alignment is None else alignment.mode
    return alignment_usable(alignment_state(key, pair, mode_now=mode))


def exported_pairs(
    corpus: CorpusReader, keep: ExportFilter = ExportFilter(), counts: Counter[str] | None = None
) -> Iterator[ExportedPair]:
    """Every paired article with both versions, its clean texts and its current alignment
    (beads filtered by `keep`); a stale alignment (a version changed since) is left out."""
    from pipeline.stages.sides import with_texts

    counts = counts if counts is not None else Counter()
    alignments = {(a.site, a.translation_article_id): a for a in corpus.iter_alignments()}
    reviews = {(a.site, a.translation_article_id): a for a in corpus.iter_reviews()}
    paired = (p for p in corpus.iter_pairs() if p.status == "paired" and p.original is not None)
    for pair, original_text, translation_text in with_texts(paired, corpus.texts_of):
        assert pair.original is not None
        translation = pair.translation.model_copy(update={"text": translation_text})
        original = pair.original.model_copy(update={"text": original_text})
        alignment = alignments.get((pair.site, pair.translation.site_article_id))
        review = reviews.get((pair.site, pair.translation.site_article_id))
        if review is not None:
            # A translator's review of these very versions wins over the machine alignment.
            if _describes(review, pair):
                alignment = review
                counts["reviewed pairs"] += 1
            else:
                counts["review outdated (texts changed since; review again)"] += 1
        if alignment is not None and not _describes(alignment, pair):
            counts["alignment stale (run bitext align)"] += 1
            alignment = None
        elif alignment is None:
            counts["not aligned yet (run bitext align)"] += 1
        record = ExportedPair(
            site=pair.site, original=original, translation=translation, alignment=alignment,
            pairing_method=pair.pairing_method, pairing_score=pair.pairing_score,
        )  # fmt: skip
        if not keep.keeps_language_pair(record):
            counts["other language pairs (see --languages)"] += 1
            continue
        if not keep.keeps_pair(record):
            counts["before --since"] += 1
            continue
        if alignment is not None:
            kept = [b for b in alignment.beads if keep.keeps_bead(b)]
            counts["beads filtered out"] += len(alignment.beads) - len(kept)
            record.alignment = alignment.model_copy(update={"beads": kept})
        counts["pairs"] += 1
        yield record


def segments(
    pairs: Iterable[ExportedPair],
    *,
    dedup: bool = False,
    counts: Counter[str] | None = None,
    crawl_of: CrawlOf = no_crawls,
    keep: ExportFilter | None = None,
) -> Iterator[Segment]:
    """The beads with text on both sides that `keep` keeps, as segment pairs (duplicates
    dropped if `dedup`), each with its pair's provenance (`crawl_of` names the crawl of a WARC
    record) and its bead's index in the pair's alignment: give `keep` here, not to
    exported_pairs, so that the indices are the stored ones (a tuid or a .ids line names the
    same bead whatever the filters)."""
    from pipeline.stages.align import bead_text

    counts = counts if counts is not None else Counter()
    seen: set[bytes] = set()
    for pair in pairs:
        alignment = pair.alignment
        if alignment is None:
            continue
        provenance = PairProvenance.of(pair, alignment, crawl_of)
        for number, bead in enumerate(alignment.beads):
            if keep is not None and not keep.keeps_bead(bead):
                counts["beads filtered out"] += 1
                continue
            if not (bead.src and bead.tgt):
                continue
            if bead.status == ReviewStatus.rejected:
                counts["beads rejected in review"] += 1
                continue
            src, tgt = bead_text(alignment, bead)
            if dedup:
                digest = hashlib.blake2b(f"{src}\x00{tgt}".encode(), digest_size=16).digest()
                if digest in seen:
                    counts["duplicate segments removed"] += 1
                    continue
                seen.add(digest)
            counts["segments"] += 1
            yield Segment(
                src=src,
                tgt=tgt,
                url=pair.translation.canonical_url,
                src_url=pair.original.canonical_url,
                score=bead.score,
                flags=tuple(bead.flags),
                key=f"{pair.site}-{pair.translation.site_article_id}-{number}",
                article=f"{pair.site}:{pair.translation.site_article_id}",
                status=bead.status.value if bead.status else None,
                comment=bead.comment,
                reviewer=bead.reviewer or alignment.reviewer,
                bead=number,
                provenance=provenance,
                changed_at=bead.reviewed_at or alignment.reviewed_at,
            )


def with_crawls(pairs: Iterable[ExportedPair], crawl_of: CrawlOf) -> Iterator[ExportedPair]:
    """Each pair with the crawls that captured its two versions."""
    for pair in pairs:
        pair.original_crawl = crawl_of(pair.original.warc_record_id)
        pair.translation_crawl = crawl_of(pair.translation.warc_record_id)
        yield pair


def _refuse_empty(written: int, allow_empty: bool, path: Path, unit: str) -> None:
    if not written and not allow_empty:
        raise EmptyExport(f"0 {unit} to write; {path} left as it was")


def write_jsonl(pairs: Iterable[ExportedPair], path: Path, *, allow_empty: bool = True) -> int:
    written = 0
    with atomic_writer(path) as out:
        for pair in pairs:
            out.write(pair.model_dump_json() + "\n")
            written += 1
        _refuse_empty(written, allow_empty, path, "article pairs")
    return written


def tmx_date(moment: datetime) -> str:
    """TMX's date form: ISO 8601 basic, UTC (20240601T080000Z)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def provenance_fields(seg: Segment) -> list[tuple[str, str]]:
    """A segment's provenance as (name, value) pairs, exact values (URLs as stored), empty ones
    left out: TMX props (`x-` + name) and the XLIFF unit's metadata carry the same fields."""
    p = seg.provenance
    fields = [("pair", p.pair_id if p else seg.article), ("bead", str(seg.bead))]
    if p is not None:
        for side, version in (("source", p.original), ("target", p.translation)):
            fields += side_fields(side, version)
        fields += [
            ("alignment-mode", p.mode),
            ("aligner", p.aligner),
            ("aligned-at", iso(p.aligned_at)),
            ("review-revision", str(p.review_revision or "")),
        ]
    return [(name, value) for name, value in fields if value]


def side_fields(side: str, version: SideProvenance) -> list[tuple[str, str]]:
    """One version's provenance fields, each name prefixed with its side."""
    return [
        (f"{side}-url", version.url),
        (f"{side}-warc-record-id", version.warc_record_id or ""),
        (f"{side}-crawl", version.crawl or ""),
        (f"{side}-published", iso(version.published)),
        (f"{side}-fetched", iso(version.fetched)),
    ]


def readable_note(seg: Segment) -> str | None:
    """The two URLs as a person reads them (decoded slugs), where they differ from the exact
    URLs the props carry; None where they do not."""
    readable = [(name, url, readable_iri(url)) for name, url in
                (("original", seg.src_url), ("translation", seg.url))]  # fmt: skip
    if all(url == shown for _, url, shown in readable):
        return None
    return "; ".join(f"{name}: {shown}" for name, _, shown in readable)


def write_tmx(
    segs: Iterable[Segment], path: Path, *, src_lang: str, tgt_lang: str, allow_empty: bool = True
) -> int:
    """TMX 1.4b through translate-toolkit, with the header attributes OmegaT and Okapi read
    (creationtool, creationtoolversion, segtype, o-tmf, adminlang, srclang, datatype). Each
    <tu> has a `tuid` (SITE-ID-BEAD), `creationdate` (when it was aligned), `changedate` and
    `changeid` once a translator changed it, and props for its provenance (`x-pair`,
    `x-bead`, both sides' URL, WARC record id, crawl, publication and fetch dates; the
    alignment's mode and aligner), its score and flags; a review travels as `<prop
    type="x-bitext-status">` and its comment as a `<note>`, readable URLs as another."""
    from translate.storage.tmx import tmxfile

    store = tmxfile(sourcelanguage=src_lang, targetlanguage=tgt_lang)
    store.addheader()
    header = next(store.document.getroot().iterchildren(store.namespaced("header")))
    header.set("creationtool", "bitext")
    header.set("creationtoolversion", TOOL_VERSION)
    header.set("creationdate", tmx_date(datetime.now(UTC)))
    # o-tmf names the format of the memory the file was made from (toolkit default: "UTF-8",
    # an encoding): ours is the bitext corpus store.
    header.set("o-tmf", "bitext")
    written = 0
    for seg in segs:
        unit = store.addsourceunit(xml_safe(seg.src))
        unit.target = xml_safe(seg.tgt)
        tu = unit.xmlelement
        tu.set("tuid", xml_safe(seg.key))
        if seg.provenance is not None:
            tu.set("creationdate", tmx_date(seg.provenance.aligned_at))
        if seg.changed_at is not None:
            tu.set("changedate", tmx_date(seg.changed_at))
            if seg.reviewer:
                tu.set("changeid", xml_safe(seg.reviewer))
        tuv = tu.find(store.namespaced("tuv"))
        for text in (seg.comment, readable_note(seg)):
            if text:
                note = etree.Element("note")
                note.text = xml_safe(text)
                tuv.addprevious(note)
        for kind, value in (
            ("x-url", seg.url),
            ("x-source-url", seg.src_url),
            ("x-score", f"{seg.score:.4f}"),
            ("x-flags", " ".join(seg.flags)),
            ("x-id", seg.key),
            ("x-bitext-status", seg.status or ""),
            ("x-bitext-reviewer", seg.reviewer or ""),
            *((f"x-{name}", value) for name, value in provenance_fields(seg)
              if name not in ("source-url", "target-url")),
        ):  # fmt: skip
            if not value:
                continue
            prop = etree.Element("prop", type=kind)
            prop.text = xml_safe(value)
            tuv.addprevious(prop)  # the DTD wants (note|prop)*, then tuv+
        written += 1
    _refuse_empty(written, allow_empty, path, "segment pairs")
    with atomic_writer(path, mode="wb") as out:
        out.write(bytes(store))
    return written


def write_moses(
    segs: Iterable[Segment], prefix: Path, *, src_lang: str, tgt_lang: str, allow_empty: bool = True
) -> int:
    """Three files, line for line: PREFIX.<src> and PREFIX.<tgt>, one segment a line, and
    PREFIX.ids, where each line says where the segment pair came from (MOSES_IDS_COLUMNS,
    tab-separated: pair id, bead index, the original's and the translation's exact URLs); all
    three replaced or none (`atomic_writers`)."""
    src_path = prefix.with_name(f"{prefix.name}.{src_lang}")
    tgt_path = prefix.with_name(f"{prefix.name}.{tgt_lang}")
    written = 0
    with atomic_writers([src_path, tgt_path, moses_ids_path(prefix)]) as (src_out, tgt_out, ids):
        for seg in segs:
            src_out.write(one_line(seg.src) + "\n")
            tgt_out.write(one_line(seg.tgt) + "\n")
            pair_id = seg.provenance.pair_id if seg.provenance else seg.article
            columns = (pair_id, str(seg.bead), seg.src_url, seg.url)
            ids.write("\t".join(_TABS.sub(" ", one_line(c)) for c in columns) + "\n")
            written += 1
        _refuse_empty(written, allow_empty, prefix, "segment pairs")
    return written


MOSES_IDS_COLUMNS = ("pair", "bead", "original_url", "translation_url")
_TABS = re.compile("\t")


def moses_ids_path(prefix: Path) -> Path:
    return prefix.with_name(f"{prefix.name}.ids")


XLIFF2 = "urn:oasis:names:tc:xliff:document:2.0"
XLIFF_MDA = "urn:oasis:names:tc:xliff:metadata:2.0"  # the Metadata module
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
# XLIFF 2.0 segment states: a bead the machine made is "translated", one a translator approved
# "reviewed".
XLIFF_STATE = {None: "translated", "pending": "translated", "approved": "reviewed"}


def nmtoken(text: str) -> str:
    return re.sub(r"[^\w.\-]", "_", text, flags=re.ASCII) or "_"


def _metadata(parent: etree._Element, category: str, fields: list[tuple[str, str]]) -> None:
    """An XLIFF 2.0 Metadata module block (mda:metadata > mda:metaGroup > mda:meta type=...):
    the exact values, for programs; the notes beside it are for people."""
    if not fields:
        return
    metadata = etree.SubElement(parent, f"{{{XLIFF_MDA}}}metadata")
    group = etree.SubElement(metadata, f"{{{XLIFF_MDA}}}metaGroup", category=category)
    for name, value in fields:
        meta = etree.SubElement(group, f"{{{XLIFF_MDA}}}meta", type=name)
        meta.text = xml_safe(value)


def _notes(parent: etree._Element, notes: list[tuple[str, str]]) -> None:
    notes = [(category, value) for category, value in notes if value]
    if not notes:
        return
    element = etree.SubElement(parent, f"{{{XLIFF2}}}notes")
    for category, value in notes:
        note = etree.SubElement(element, f"{{{XLIFF2}}}note", category=category)
        note.text = xml_safe(value)


def xliff_document(segs: Iterable[Segment], *, src_lang: str, tgt_lang: str) -> tuple[bytes, int]:
    """XLIFF 2.0 core: one <file> per article (`original` its translation's exact URL), with
    its provenance in the Metadata module (both sides' URL, WARC record id, crawl, dates; the
    alignment's mode, aligner and date) and notes for people (readable URLs); one <unit> per
    bead, its metadata the bead (index, score, flags, review), notes for score, flags, the URL
    and the reviewer's comment, its segment's state "reviewed" when approved. Built with lxml:
    translate-toolkit's Xliff2File writes a single <file> and puts xml:space on <segment>,
    which the OASIS core schema forbids."""
    root = etree.Element(
        f"{{{XLIFF2}}}xliff",
        nsmap={None: XLIFF2, "mda": XLIFF_MDA},
        version="2.0",
        srcLang=src_lang,
        trgLang=tgt_lang,
    )
    files: dict[str, etree._Element] = {}
    written = 0
    ids: set[str] = set()
    for seg in segs:
        article = seg.article or seg.url
        file = files.get(article)
        if file is None:
            file = etree.SubElement(
                root, f"{{{XLIFF2}}}file", id=f"f{len(files) + 1}", original=xml_safe(seg.url)
            )
            pair_fields = [
                (name, value)
                for name, value in provenance_fields(seg)
                if name not in ("bead", "review-revision")
            ]
            if seg.provenance is not None and seg.provenance.reviewed_at is not None:
                pair_fields += [
                    ("reviewer", seg.provenance.reviewer or ""),
                    ("reviewed-at", iso(seg.provenance.reviewed_at)),
                    ("review-revision", str(seg.provenance.review_revision or "")),
                ]
            _metadata(file, "provenance", [(n, v) for n, v in pair_fields if v])
            _notes(
                file,
                [
                    ("article", article),
                    ("source-url", readable_iri(seg.src_url)),
                    ("url", readable_iri(seg.url)),
                    ("alignment", mode_words(seg.provenance.mode) if seg.provenance else ""),
                ],
            )
            files[article] = file
        # a unique, non-empty NMTOKEN (ASCII: "²" is a word character but not a name character)
        unit_id = nmtoken(seg.key)
        while unit_id in ids:
            unit_id += "_"
        ids.add(unit_id)
        unit = etree.SubElement(file, f"{{{XLIFF2}}}unit", id=unit_id)
        _metadata(
            unit,
            "bead",
            [
                (name, value)
                for name, value in (
                    ("bead", str(seg.bead)),
                    ("score", f"{seg.score:.4f}"),
                    ("flags", " ".join(seg.flags)),
                    ("review-status", seg.status or ""),
                    ("reviewer", seg.reviewer or ""),
                    ("changed-at", iso(seg.changed_at)),
                )
                if value
            ],
        )
        _notes(
            unit,
            [
                ("score", f"{seg.score:.4f}"),
                ("flags", " ".join(seg.flags)),
                ("url", readable_iri(seg.url)),
                ("review-status", seg.status or ""),
                ("reviewer", seg.reviewer or ""),
                ("comment", seg.comment or ""),
            ],
        )
        segment = etree.SubElement(
            unit, f"{{{XLIFF2}}}segment", id="s1", state=XLIFF_STATE.get(seg.status, "translated")
        )
        source = etree.SubElement(segment, f"{{{XLIFF2}}}source")
        source.set(XML_SPACE, "preserve")
        source.text = xml_safe(seg.src)
        target = etree.SubElement(segment, f"{{{XLIFF2}}}target")
        target.set(XML_SPACE, "preserve")
        target.text = xml_safe(seg.tgt)
        written += 1
    if not files:  # the schema wants at least one <file> holding at least one unit
        file = etree.SubElement(root, f"{{{XLIFF2}}}file", id="f1", translate="no")
        unit = etree.SubElement(file, f"{{{XLIFF2}}}unit", id="empty")
        note = etree.SubElement(etree.SubElement(unit, f"{{{XLIFF2}}}notes"), f"{{{XLIFF2}}}note")
        note.text = "no segments matched the export filters"
        etree.SubElement(etree.SubElement(unit, f"{{{XLIFF2}}}ignorable"), f"{{{XLIFF2}}}source")
    document = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return document, written


def write_xliff(
    segs: Iterable[Segment], path: Path, *, src_lang: str, tgt_lang: str, allow_empty: bool = True
) -> int:
    """XLIFF 2.0 (see `xliff_document`); one unit a bead, its id the article and bead."""
    document, written = xliff_document(segs, src_lang=src_lang, tgt_lang=tgt_lang)
    _refuse_empty(written, allow_empty, path, "segment pairs")
    with atomic_writer(path, mode="wb") as out:
        out.write(document)
    return written


FORMATS = ("jsonl", "tmx", "moses", "xliff")
# The language pair of a segment file when neither the store nor the user gives one (an empty
# store exported with --allow-empty): BCP 47's "undetermined", never a guessed pair.
UNDETERMINED = ("und", "und")


def write_export(
    corpus: CorpusReader,
    format: str,
    output: Path,
    keep: ExportFilter,
    *,
    languages: tuple[str, str],
    dedup: bool = False,
    allow_empty: bool = False,
    counts: Counter[str] | None = None,
    warc_dir: Path | None = None,
) -> int:
    """Write the store's exported pairs in one of FORMATS (JSONL: article pairs; the others:
    segment pairs of `languages`, original's first, with their provenance, crawls named from
    the WARC files in `warc_dir`); how many were written. EmptyExport when there are none and
    not `allow_empty`."""
    counts = counts if counts is not None else Counter()
    crawl_of = crawl_lookup(corpus.captures(), corpus.crawl_runs(), warc_dir)
    if format == "jsonl":
        pairs = exported_pairs(corpus, keep, counts)
        return write_jsonl(with_crawls(pairs, crawl_of), output, allow_empty=allow_empty)
    # the beads are filtered as segments, keeping their indices in the alignment
    every_bead = replace(keep, min_score=None, skip_flagged=False, reviewed_only=False)
    pairs = exported_pairs(corpus, every_bead, counts)
    segs = segments(pairs, dedup=dedup, counts=counts, crawl_of=crawl_of, keep=keep)
    writer = {"tmx": write_tmx, "moses": write_moses, "xliff": write_xliff}[format]
    src_lang, tgt_lang = languages
    return writer(segs, output, src_lang=src_lang, tgt_lang=tgt_lang, allow_empty=allow_empty)
