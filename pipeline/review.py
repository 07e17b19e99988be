"""Translators' reviews: review files out of the store and back in.

A review file (`ReviewFile`, format "bitext-review/2") holds, per article pair, its sentences and
the beads a translator left over them, each pending, approved or rejected, with a comment.
Import checks the whole file before writing anything, then stores each pair's review as a
revision of its own beside the machine alignment, which re-aligning may replace but never
the review. A "bitext-review/1" file (same fields, read as Arabic source, English target) is
imported as /2: src is the original, tgt its translation, in the languages the file names.
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

from pipeline.align import NO_TRANSLATION_PARAMS, TRANSLATION_PARAMS, Document, word_diff
from pipeline.align import _flags as bead_flags
from pipeline.models import (
    OLD_REVIEW_FORMATS,
    REVIEW_FORMAT,
    Bead,
    ExportedPair,
    PairAlignment,
    PairReview,
    ReviewBead,
    ReviewFile,
    ReviewStatus,
)
from pipeline.store.interface import CorpusReader, CorpusStore


class ReviewRefused(ValueError):
    """A review file that cannot be imported; the message is one line and names the pair."""


def pair_id(site: str, translation_article_id: str) -> str:
    return f"{site}:{translation_article_id}"


def split_pair_id(value: str) -> tuple[str, str]:
    site, sep, article = value.partition(":")
    if not (sep and site and article):
        raise ReviewRefused(f"pair {value!r}: not a pair id (SITE:TRANSLATION_ARTICLE_ID)")
    return site, article


def review_of(alignment: PairAlignment) -> PairReview:
    """The review-file form of an alignment: a reviewed one carries its statuses and comments,
    a machine one starts every bead pending."""
    return PairReview(
        pair_id=pair_id(alignment.site, alignment.translation_article_id),
        src_lang=alignment.src_language,
        tgt_lang=alignment.tgt_language,
        src_sentences=alignment.src_sentences,
        tgt_sentences=alignment.tgt_sentences,
        beads=[
            ReviewBead(
                src=b.src,
                tgt=b.tgt,
                status=b.status or ReviewStatus.pending,
                comment=b.comment or "",
            )
            for b in alignment.beads
        ],
    )


def export_reviews(pairs: Iterable[ExportedPair], wanted: list[str] | None = None) -> ReviewFile:
    """A review file of the current alignments of `pairs` (all, or the ids in `wanted`)."""
    found: dict[str, PairReview] = {}
    for pair in pairs:
        if pair.alignment is None:
            continue
        review = review_of(pair.alignment)
        if wanted is None or review.pair_id in wanted:
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
    """Why the beads do not cover each sentence exactly once, in order; None when they do."""
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
    """Parse and validate a review file; any problem is a one-line ReviewRefused."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReviewRefused(f"{path}: not a readable JSON file: {exc}") from exc
    if isinstance(data, dict) and data.get("format") in OLD_REVIEW_FORMATS:
        data = {**data, "format": REVIEW_FORMAT}  # the same fields: only the name changed
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
                named = f"pair {pairs[index].get('pair_id', index)}: "
        raise ReviewRefused(
            f"{named}not a {REVIEW_FORMAT} file: {where}: {first['msg']}".replace("\n", " ")
        ) from exc


def _digest(alignment: PairAlignment) -> str:
    """What makes two reviews the same: the versions and the beads as the translator left them."""
    beads = [(b.src, b.tgt, b.status, b.comment) for b in alignment.beads]
    text = json.dumps([alignment.src_sha256, alignment.tgt_sha256, beads], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def reviewed_alignment(
    machine: PairAlignment, review: PairReview, *, reviewer: str | None, at: datetime
) -> PairAlignment:
    """The review as an alignment revision. A bead the machine also made keeps its score, flags
    and diff; a bead the translator made is flagged by the aligner's own rules (numbers, names,
    omitted, added) and scored as the sentence-weighted mean of the machine beads it covers."""
    by_span = {(tuple(b.src), tuple(b.tgt)): b for b in machine.beads}
    owner_src = {i: b for b in machine.beads for i in b.src}
    owner_tgt = {j: b for b in machine.beads for j in b.tgt}
    translation = machine.src_translation
    doc = Document(src=review.src_sentences, tgt=review.tgt_sentences, src_mt=translation)
    params = TRANSLATION_PARAMS if translation else NO_TRANSLATION_PARAMS
    beads = []
    for rb in review.beads:
        verdict = {"status": rb.status, "comment": rb.comment or None}
        same = by_span.get((tuple(rb.src), tuple(rb.tgt)))
        if same is not None:
            beads.append(same.model_copy(update=verdict))
            continue
        covered = [owner_src[i] for i in rb.src] + [owner_tgt[j] for j in rb.tgt]
        score = round(sum(b.score for b in covered) / len(covered), 4)
        diff = None
        if translation and rb.src and rb.tgt:
            diff = word_diff(
                " ".join(translation[i] for i in rb.src),
                " ".join(review.tgt_sentences[j] for j in rb.tgt),
            )
        flags = bead_flags(doc, rb.src, rb.tgt, score, None, params)
        beads.append(Bead(src=rb.src, tgt=rb.tgt, score=score, flags=flags, diff=diff, **verdict))
    return machine.model_copy(
        update={
            "beads": beads,
            "reviewer": reviewer,
            "reviewed_at": at,
            "review_revision": None,  # numbered by the store
        }
    )


@dataclass
class ImportResult:
    new: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def plan_import(
    corpus: CorpusReader, review_file: ReviewFile, *, reviewer: str | None = None
) -> list[tuple[PairAlignment, str]]:
    """Check every pair of the file against the store; the reviews to save, with their digests.
    Nothing is written here; the first problem raises ReviewRefused naming its pair."""
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
        problem = coverage_error(review.beads, len(review.src_sentences), len(review.tgt_sentences))
        if problem:
            raise ReviewRefused(f"pair {name}: {problem}")
        machine = corpus.alignment_of(site, article)
        if machine is None or (machine.src_sha256, machine.tgt_sha256) != (
            pair.original.content_sha256,
            pair.translation.content_sha256,
        ):
            raise ReviewRefused(f"pair {name}: no current machine alignment; run bitext align")
        alignment = reviewed_alignment(machine, review, reviewer=reviewer, at=at)
        planned.append((alignment, _digest(alignment)))
    return planned


def import_reviews(corpus: CorpusStore, path: Path, *, reviewer: str | None = None) -> ImportResult:
    """Check the whole file, then store every pair's review in one transaction (idempotent: a
    review identical to the pair's newest revision is not stored again)."""
    if reviewer is not None:  # a name from argv may hold undecodable bytes (surrogateescape)
        reviewer = reviewer.encode("utf-8", "replace").decode("utf-8")
    planned = plan_import(corpus, load_review_file(path), reviewer=reviewer)
    result = ImportResult()
    for (alignment, _), new in zip(planned, corpus.save_reviews(planned), strict=True):
        name = pair_id(alignment.site, alignment.translation_article_id)
        (result.new if new else result.unchanged).append(name)
    return result


def review_schema() -> dict[str, Any]:
    """The JSON Schema of the review file, generated from the model."""
    return ReviewFile.model_json_schema(mode="serialization")
