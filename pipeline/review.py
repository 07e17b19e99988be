"""Translators' reviews: review files out of the store and back in.

A review file (`ReviewFile`, format "bitext-review/3") holds, per article pair, its stored
sentences, the segments a translator cut them into (split inside a sentence, joined, edited:
none means one segment a sentence) and the beads over the segments, each pending, approved or
rejected, with a comment, who made it (aligner, translator, re-alignment) and who last changed
it, when. Import checks the whole file before writing anything, then stores each pair's review
as a revision of its own beside the machine alignment, which re-aligning may replace but never
the review. `--realign` re-runs the aligner between the translator's fixed rows first.
Older files are read as /3: "bitext-review/1" (read as Arabic source, English target: src is
the original, tgt its translation, in the languages the file names) and "bitext-review/2"
(sentences, beads, statuses and comments only).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pipeline.align import Document, align_corpus, word_diff
from pipeline.evidence import hand_flags
from pipeline.models import (
    MAX_REVIEW_FILE_BYTES,
    MAX_REVIEWER_CHARS,
    OLD_REVIEW_FORMATS,
    REVIEW_FORMAT,
    Bead,
    BeadOrigin,
    ExportedPair,
    PairAlignment,
    PairReview,
    ReviewBead,
    ReviewFile,
    ReviewStatus,
    Segment,
)
from pipeline.store.interface import CorpusReader, CorpusStore, ReviewConflict


class ReviewRefused(ValueError):
    """A review file that cannot be imported; the message is one line and names the pair."""


def pair_id(site: str, translation_article_id: str) -> str:
    return f"{site}:{translation_article_id}"


def split_pair_id(value: str) -> tuple[str, str]:
    site, sep, article = value.partition(":")
    if not (sep and site and article):
        raise ReviewRefused(f"pair {value!r}: not a pair id (SITE:TRANSLATION_ARTICLE_ID)")
    return site, article


# -- segments: the stored sentences as a review cut them ------------------------------------------


def whole_segments(sentences: list[str]) -> list[Segment]:
    """One segment a stored sentence: what a review that cut nothing has."""
    return [Segment(first=k, last=k, end=len(x)) for k, x in enumerate(sentences)]


def stored_text(segment: Segment, sentences: list[str]) -> str:
    """The stored text a segment covers (the sentences it joins, by a space)."""
    if segment.first == segment.last:
        return sentences[segment.first][segment.start : segment.end].strip()
    parts = [sentences[segment.first][segment.start :]]
    parts += sentences[segment.first + 1 : segment.last]
    parts.append(sentences[segment.last][: segment.end])
    return " ".join(p.strip() for p in parts if p.strip())


def segment_text(segment: Segment, sentences: list[str]) -> str:
    """What the segment reads: the translator's text, else the stored one."""
    return segment.text if segment.text is not None else stored_text(segment, sentences)


def is_whole(segment: Segment, sentences: list[str]) -> bool:
    """Exactly one stored sentence, as stored."""
    return (
        segment.first == segment.last
        and segment.start == 0
        and segment.end == len(sentences[segment.first])
        and segment.text is None
    )


def segmentation_error(segments: list[Segment], sentences: list[str], side: str) -> str | None:
    """Why the segments do not cover the stored text once, in order (the spaces between them
    aside); None when they do."""
    at = (0, 0)  # (sentence, offset) where the next segment may start
    for number, seg in enumerate(segments):
        where = f"{side} segment {number}"
        if seg.last >= len(sentences) or seg.first > seg.last:
            return (
                f"{where}: sentences {seg.first}..{seg.last} do not exist (0..{len(sentences) - 1})"
            )
        if seg.start > len(sentences[seg.first]) or seg.end > len(sentences[seg.last]):
            return f"{where}: offset beyond its sentence"
        if seg.first == seg.last and seg.start >= seg.end:
            return f"{where}: empty (start {seg.start}, end {seg.end})"
        if not stored_text(seg, sentences):
            return f"{where}: covers only spaces"
        if _gap(sentences, at, (seg.first, seg.start)) is None:
            return f"{where}: overlaps the segment before it or is out of order"
        if _gap(sentences, at, (seg.first, seg.start)):
            return f"{where}: text before it is in no segment"
        at = (seg.last, seg.end)
    if _gap(sentences, at, (len(sentences), 0)):
        return f"{side} text after segment {len(segments) - 1} is in no segment"
    return None


def _gap(sentences: list[str], since: tuple[int, int], until: tuple[int, int]) -> str | None:
    """The text from `since` to `until` (None when `until` comes first)."""
    if until < since:
        return None
    (a, x), (b, y) = since, until
    if a == b:
        return sentences[a][x:y].strip() if a < len(sentences) else ""
    parts = (
        [sentences[a][x:]]
        + sentences[a + 1 : b]
        + ([sentences[b][:y]] if b < len(sentences) else [])
    )
    return "".join(parts).strip()


def _segments_kept(segments: list[Segment], sentences: list[str]) -> list[Segment] | None:
    """None where the segments are the stored sentences unchanged (nothing to keep)."""
    if len(segments) == len(sentences) and all(is_whole(s, sentences) for s in segments):
        return None
    return segments


# -- review files out of the store -----------------------------------------------------------------


def review_of(
    alignment: PairAlignment,
    stored: tuple[list[str], list[str]] | None = None,
) -> PairReview:
    """The review-file form of an alignment: a reviewed one carries its segments, statuses,
    comments and who made and changed each bead; a machine one starts every bead pending.
    `stored`: the sentences as stored (original, translation), needed where a review re-cut
    them (the alignment's sentences are then the reviewed segments)."""
    sides: list[tuple[list[str], list[Segment] | None]] = []
    for segments, sentences, k in (
        (alignment.src_segments, alignment.src_sentences, 0),
        (alignment.tgt_segments, alignment.tgt_sentences, 1),
    ):
        if segments is None:
            sides.append((sentences, None))
        elif stored is None:
            raise ValueError("a review with segments needs the stored sentences")
        else:
            sides.append((stored[k], segments))
    reviewed = alignment.reviewed_at is not None
    return PairReview(
        pair_id=pair_id(alignment.site, alignment.translation_article_id),
        src_lang=alignment.src_language,
        tgt_lang=alignment.tgt_language,
        src_sentences=sides[0][0],
        tgt_sentences=sides[1][0],
        src_segments=sides[0][1],
        tgt_segments=sides[1][1],
        beads=[
            ReviewBead(
                src=b.src,
                tgt=b.tgt,
                status=b.status or ReviewStatus.pending,
                comment=b.comment or "",
                origin=b.origin or BeadOrigin.aligner,
                reviewer=b.reviewer if reviewed else None,
                reviewed_at=b.reviewed_at if reviewed else None,
            )
            for b in alignment.beads
        ],
    )


def review_of_pair(pair: ExportedPair) -> PairReview | None:
    """The review-file form of an exported pair's current alignment (None: not aligned)."""
    if pair.alignment is None:
        return None
    texts = (pair.original.text, pair.translation.text)
    stored = (
        ([s.text for s in texts[0].sentences], [s.text for s in texts[1].sentences])
        if texts[0] is not None and texts[1] is not None
        else None
    )
    return review_of(pair.alignment, stored)


def export_reviews(pairs: Iterable[ExportedPair], wanted: list[str] | None = None) -> ReviewFile:
    """A review file of the current alignments of `pairs` (all, or the ids in `wanted`)."""
    found: dict[str, PairReview] = {}
    for pair in pairs:
        review = review_of_pair(pair)
        if review is not None and (wanted is None or review.pair_id in wanted):
            found[review.pair_id] = review
    if wanted is not None:
        missing = [w for w in wanted if w not in found]
        if missing:
            raise ReviewRefused(
                f"pair {missing[0]}: no current alignment in the store "
                "(unknown, unpaired, or texts changed since: run bitext align)"
            )
        return ReviewFile(pairs=[found[w] for w in dict.fromkeys(wanted)])
    return ReviewFile(pairs=list(found.values()))


def coverage_error(beads: list[ReviewBead], n_src: int, n_tgt: int) -> str | None:
    """Why the beads do not cover each segment exactly once, in order; None when they do."""
    for number, bead in enumerate(beads):
        if not (bead.src or bead.tgt):
            return f"bead {number} holds no sentence"
    for side, size, name in (("src", n_src, "source"), ("tgt", n_tgt, "target")):
        where: dict[int, int] = {}
        expected = 0
        for number, bead in enumerate(beads):
            for index in getattr(bead, side):
                if index in where:
                    return f"{name} sentence {index} is in two beads ({where[index]} and {number})"
                if not 0 <= index < size:
                    return f"bead {number}: {name} sentence {index} does not exist (0..{size - 1})"
                if index != expected:
                    return (
                        f"bead {number}: {name} sentence {index} is out of order "
                        f"(expected {expected})"
                    )
                where[index] = number
                expected += 1
        if expected != size:
            return f"{name} sentence {expected} is in no bead"
    return None


def load_review_file(path: Path) -> ReviewFile:
    """Parse and validate a review file; any problem is a one-line ReviewRefused. A file over
    MAX_REVIEW_FILE_BYTES is refused before it is read."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ReviewRefused(f"{path}: not a readable file: {exc}") from exc
    if size > MAX_REVIEW_FILE_BYTES:
        raise ReviewRefused(
            f"{path}: {size / 2**20:,.1f} MiB, over the {MAX_REVIEW_FILE_BYTES // 2**20} MiB limit "
            "for a review file (export fewer pairs at a time: bitext review export --pair)"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReviewRefused(f"{path}: not a readable JSON file: {exc}") from exc
    if isinstance(data, dict) and data.get("format") in OLD_REVIEW_FORMATS:
        data = {**data, "format": REVIEW_FORMAT}  # /3 only adds fields, each with a default
    try:
        return ReviewFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        pairs = data.get("pairs") if isinstance(data, dict) else None
        named = ""
        if first["loc"][:1] == ("pairs",) and len(first["loc"]) > 1 and isinstance(pairs, list):
            index = first["loc"][1]
            if isinstance(index, int) and index < len(pairs) and isinstance(pairs[index], dict):
                named = f"pair {str(pairs[index].get('pair_id', index))[:200]}: "
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ReviewRefused(
            f"{named}not a {REVIEW_FORMAT} file: {where}: {message}".replace("\n", " ")
        ) from exc


def _digest(alignment: PairAlignment) -> str:
    """What makes two reviews the same: the versions, the segments and the beads as the
    translator left them (who changed each, when, included)."""
    beads = [
        (b.src, b.tgt, b.status, b.comment, b.origin, b.reviewer, b.reviewed_at)
        for b in alignment.beads
    ]
    segments = [
        [s.model_dump() for s in side] if side is not None else None
        for side in (alignment.src_segments, alignment.tgt_segments)
    ]
    text = json.dumps(
        [alignment.src_sha256, alignment.tgt_sha256, segments, beads],
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- re-aligning between a translator's fixed rows -----------------------------------------------


def is_fixed(bead: ReviewBead) -> bool:
    """A row re-aligning never touches: approved or rejected, made or changed by hand, or
    commented."""
    return (
        bead.status != ReviewStatus.pending
        or bead.origin == BeadOrigin.translator
        or bool(bead.comment)
    )


def _aligner_beads(
    src: list[str],
    tgt: list[str],
    src_mt: list[str] | None,
    src_language: str,
    tgt_language: str,
) -> list[Bead]:
    """The one call into the aligner (its public entry points only): align a stretch as a
    document of its own; without a translation the bundled word list helps, as in bitext align."""
    from pipeline.dictionary import bundled_dictionary

    document = Document(src=src, tgt=tgt, src_mt=src_mt)
    [result] = align_corpus(
        [document],
        src_language=src_language,
        tgt_language=tgt_language,
        diff=src_mt is not None,
        dictionary=None if src_mt else bundled_dictionary(src_language, tgt_language),
    )
    return result.beads


def realign_between_fixed_rows(
    review: PairReview, src_mt: list[str] | None
) -> tuple[PairReview, dict[int, Bead]]:
    """The review with each run of rows between fixed ones (and before the first, after the
    last) aligned again by the aligner; the fixed rows are kept as they are. Returns the new
    review and, for each re-aligned row, the aligner's bead (score, flags, diff)."""
    src_texts = _texts(review.src_segments, review.src_sentences)
    tgt_texts = _texts(review.tgt_segments, review.tgt_sentences)
    beads: list[ReviewBead] = []
    placed: dict[int, Bead] = {}
    run: list[ReviewBead] = []

    def flush() -> None:
        src = [i for b in run for i in b.src]
        tgt = [j for b in run for j in b.tgt]
        if src and tgt:
            mt = [src_mt[i] for i in src] if src_mt is not None else None
            found = _aligner_beads(
                [src_texts[i] for i in src],
                [tgt_texts[j] for j in tgt],
                mt,
                review.src_lang,
                review.tgt_lang,
            )
            for bead in found:
                placed[len(beads)] = bead
                beads.append(
                    ReviewBead(
                        src=[src[i] for i in bead.src],
                        tgt=[tgt[j] for j in bead.tgt],
                        origin=BeadOrigin.realigned,
                    )
                )
        else:
            beads.extend(run)  # one side only: nothing to align
        run.clear()

    for bead in review.beads:
        if is_fixed(bead):
            flush()
            beads.append(bead)
        else:
            run.append(bead)
    flush()
    return review.model_copy(update={"beads": beads}), placed


def _texts(segments: list[Segment] | None, sentences: list[str]) -> list[str]:
    return sentences if segments is None else [segment_text(s, sentences) for s in segments]


def _segment_mt(
    segments: list[Segment] | None, sentences: list[str], mt: list[str] | None
) -> list[str] | None:
    """The machine translation of each segment: a whole sentence's, or the sentences' a join
    covers whole; "" for a piece of a sentence (no translation of a part exists)."""
    if mt is None or segments is None:
        return mt
    found = []
    for seg in segments:
        whole = seg.start == 0 and seg.end == len(sentences[seg.last])
        found.append(" ".join(mt[seg.first : seg.last + 1]) if whole else "")
    return found


# -- review files into the store -------------------------------------------------------------------


def reviewed_alignment(
    machine: PairAlignment,
    review: PairReview,
    *,
    reviewer: str | None,
    at: datetime,
    placed: dict[int, Bead] | None = None,
) -> PairAlignment:
    """The review as an alignment revision. A bead the machine also made keeps its score, flags
    and diff, as does one the aligner placed on re-aligning (`placed`); a bead the translator
    made is flagged by the evidence a translator is shown (left out, added, numbers, names) and
    scored as the sentence-weighted mean of the machine beads it covers. Split, joined or edited
    sentences: the revision's sentences are the segments' text, `*_segments` says where each
    lies in the stored ones."""
    src_segments = review.src_segments or whole_segments(review.src_sentences)
    tgt_segments = review.tgt_segments or whole_segments(review.tgt_sentences)
    src_texts = [segment_text(s, review.src_sentences) for s in src_segments]
    tgt_texts = [segment_text(s, review.tgt_sentences) for s in tgt_segments]
    translation = machine.src_translation
    segment_mt = _segment_mt(src_segments, review.src_sentences, translation)
    by_span = {(tuple(b.src), tuple(b.tgt)): b for b in machine.beads}
    owner_src = {i: b for b in machine.beads for i in b.src}
    owner_tgt = {j: b for b in machine.beads for j in b.tgt}
    beads = []
    for number, rb in enumerate(review.beads):
        verdict = {
            "status": rb.status,
            "comment": rb.comment or None,
            "origin": rb.origin,
            "reviewer": rb.reviewer,
            "reviewed_at": rb.reviewed_at,
        }
        src_whole = [
            s.first for s in (src_segments[i] for i in rb.src) if is_whole(s, review.src_sentences)
        ]
        tgt_whole = [
            s.first for s in (tgt_segments[j] for j in rb.tgt) if is_whole(s, review.tgt_sentences)
        ]
        same = None
        if len(src_whole) == len(rb.src) and len(tgt_whole) == len(rb.tgt):
            same = by_span.get((tuple(src_whole), tuple(tgt_whole)))
        if placed and number in placed:
            same = placed[number]
        if same is not None:
            beads.append(
                Bead(
                    src=rb.src,
                    tgt=rb.tgt,
                    score=same.score,
                    flags=same.flags,
                    diff=same.diff,
                    **verdict,
                )
            )
            continue
        covered = [
            owner_src[k]
            for i in rb.src
            for k in range(src_segments[i].first, src_segments[i].last + 1)
            if k in owner_src
        ] + [
            owner_tgt[k]
            for j in rb.tgt
            for k in range(tgt_segments[j].first, tgt_segments[j].last + 1)
            if k in owner_tgt
        ]
        score = round(sum(b.score for b in covered) / len(covered), 4) if covered else 0.0
        src_text = " ".join(src_texts[i] for i in rb.src)
        tgt_text = " ".join(tgt_texts[j] for j in rb.tgt)
        mt = None
        if segment_mt is not None and rb.src and all(segment_mt[i] for i in rb.src):
            mt = " ".join(segment_mt[i] for i in rb.src)
        diff = word_diff(mt, tgt_text) if mt and rb.tgt else None
        flags = hand_flags(
            src_text,
            tgt_text,
            src_language=review.src_lang,
            tgt_language=review.tgt_lang,
            src_mt=mt,
        )
        beads.append(Bead(src=rb.src, tgt=rb.tgt, score=score, flags=flags, diff=diff, **verdict))
    src_kept = _segments_kept(src_segments, review.src_sentences)
    tgt_kept = _segments_kept(tgt_segments, review.tgt_sentences)
    return machine.model_copy(
        update={
            "beads": beads,
            "src_sentences": src_texts if src_kept else machine.src_sentences,
            "tgt_sentences": tgt_texts if tgt_kept else machine.tgt_sentences,
            "src_translation": segment_mt if src_kept else translation,
            "src_segments": src_kept,
            "tgt_segments": tgt_kept,
            "reviewer": reviewer,
            "reviewed_at": at,
            "review_revision": None,  # numbered by the store
        }
    )


@dataclass
class ImportResult:
    new: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    realigned: dict[str, int] = field(default_factory=dict)  # pair id -> rows re-aligned


def plan_import(
    corpus: CorpusReader,
    review_file: ReviewFile,
    *,
    reviewer: str | None = None,
    realign: bool = False,
    realigned: dict[str, int] | None = None,
) -> list[tuple[PairAlignment, str]]:
    """Check every pair of the file against the store; the reviews to save, with their digests.
    Nothing is written here; the first problem raises ReviewRefused naming its pair. With
    `realign`, rows between the translator's fixed rows are aligned again first (counted in
    `realigned`)."""
    at = datetime.now(UTC)
    seen: set[str] = set()
    planned = []
    for review in review_file.pairs:
        name = review.pair_id
        if name in seen:
            raise ReviewRefused(f"pair {name}: appears twice in the file")
        seen.add(name)
        site, article = split_pair_id(name)
        pair = corpus.pair_for(site, article)
        if pair is None or pair.status != "paired" or pair.original is None:
            raise ReviewRefused(f"pair {name}: no such article pair in the store")
        if (review.src_lang, review.tgt_lang) != (
            pair.original.language,
            pair.translation.language,
        ):
            raise ReviewRefused(
                f"pair {name}: languages {review.src_lang}->{review.tgt_lang}, the store has "
                f"{pair.original.language}->{pair.translation.language}"
            )
        for side, version, sentences in (
            ("source", pair.original, review.src_sentences),
            ("target", pair.translation, review.tgt_sentences),
        ):
            text = corpus.text_of(version)
            stored = [s.text for s in text.sentences] if text is not None else []
            if sentences != stored:
                differs = next(
                    (k for k, (a, b) in enumerate(zip(sentences, stored, strict=False)) if a != b),
                    min(len(sentences), len(stored)),
                )
                raise ReviewRefused(
                    f"pair {name}: {side} sentences differ from the store's current version "
                    f"(first at sentence {differs}; {len(sentences)} in the file, "
                    f"{len(stored)} stored)"
                )
        for side, segments, sentences in (
            ("source", review.src_segments, review.src_sentences),
            ("target", review.tgt_segments, review.tgt_sentences),
        ):
            problem = (
                segmentation_error(segments, sentences, side) if segments is not None else None
            )
            if problem:
                raise ReviewRefused(f"pair {name}: {problem}")
        n_src = len(
            review.src_segments if review.src_segments is not None else review.src_sentences
        )
        n_tgt = len(
            review.tgt_segments if review.tgt_segments is not None else review.tgt_sentences
        )
        problem = coverage_error(review.beads, n_src, n_tgt)
        if problem:
            raise ReviewRefused(f"pair {name}: {problem}")
        machine = corpus.alignment_of(site, article)
        if machine is None or (machine.src_sha256, machine.tgt_sha256) != (
            pair.original.content_sha256,
            pair.translation.content_sha256,
        ):
            raise ReviewRefused(f"pair {name}: no current machine alignment; run bitext align")
        placed = None
        if realign:
            mt = _segment_mt(review.src_segments, review.src_sentences, machine.src_translation)
            review, placed = realign_between_fixed_rows(review, mt)
            if realigned is not None:
                realigned[name] = len(placed)
        who = reviewer if reviewer is not None else review_file.reviewer
        alignment = reviewed_alignment(machine, review, reviewer=who, at=at, placed=placed)
        planned.append((alignment, _digest(alignment)))
    return planned


def import_reviews(
    corpus: CorpusStore, path: Path, *, reviewer: str | None = None, realign: bool = False
) -> ImportResult:
    """Check the whole file, then store every pair's review in one transaction (idempotent: a
    review identical to the pair's newest revision is not stored again)."""
    if reviewer is not None:  # a name from argv may hold undecodable bytes (surrogateescape)
        reviewer = reviewer.encode("utf-8", "replace").decode("utf-8")
        if len(reviewer) > MAX_REVIEWER_CHARS:
            raise ReviewRefused(
                f"--reviewer: {len(reviewer):,} characters, over the {MAX_REVIEWER_CHARS} limit"
            )
    result = ImportResult()
    review_file = load_review_file(path)
    # what is newest now, read before the checks: a revision another import stores while this
    # one runs makes the save refuse (ReviewConflict), so two imports never mix
    newest = corpus.latest_revisions()
    expected = {split_pair_id(p.pair_id): newest.get(split_pair_id(p.pair_id))
                for p in review_file.pairs}  # fmt: skip
    planned = plan_import(
        corpus, review_file, reviewer=reviewer, realign=realign, realigned=result.realigned,
    )  # fmt: skip
    try:
        saved = corpus.save_reviews(planned, expected)
    except ReviewConflict as exc:
        raise ReviewRefused(f"conflict: {exc}") from exc
    for (alignment, _), new in zip(planned, saved, strict=True):
        name = pair_id(alignment.site, alignment.translation_article_id)
        (result.new if new else result.unchanged).append(name)
    return result


def review_schema() -> dict[str, Any]:
    """The JSON Schema of the review file, generated from the model."""
    return ReviewFile.model_json_schema(mode="serialization")
