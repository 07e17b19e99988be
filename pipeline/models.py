"""The one schema for every record that crosses a boundary.

Scrapy items, store rows and exports are these pydantic models; JSON Schema is generated from
them (`pipeline.models.json_schema`), never written by hand.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    TypeAdapter,
    model_validator,
)

SCHEMA_VERSION = "2"  # 2: the original and its translation, not ar/en field names


def _no_lone_surrogates(text: str) -> str:
    # JSON may carry "\ud800"; no UTF-8 store or export can: each becomes U+FFFD
    return re.sub("[\ud800-\udfff]", "\ufffd", text)


# Free text a person typed into a file we read (a reviewer's comment): storable whatever it holds.
TypedText = Annotated[str, AfterValidator(_no_lone_surrogates)]

LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]

MAX_ARTICLE_KEY = 512  # the store's column; every key up to it is kept as the site gives it


def bounded_article_key(key: str) -> str:
    """An article key of any length, as the store can index it: a key over MAX_ARTICLE_KEY
    characters (a 4,000-character URL where no id pattern matched) keeps its start and ends
    in the sha256 of the whole, so it stays unique and stable (issue 26 case 11)."""
    if len(key) <= MAX_ARTICLE_KEY:
        return key
    from hashlib import sha256

    digest = sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{key[: MAX_ARTICLE_KEY - len(digest) - 1]}~{digest}"


ArticleKey = Annotated[str, AfterValidator(bounded_article_key)]


class Record(BaseModel):
    # defer_build: a model's validator is built when first used, not at import (start-up time)
    model_config = ConfigDict(
        extra="forbid", frozen=False, validate_assignment=True, defer_build=True
    )


class Sentence(Record):
    text: str
    paragraph: int = Field(description="Index of the paragraph in ArticleText.paragraphs")
    start: int = Field(description="Offset in ArticleText.text (paragraphs joined by a blank line)")
    end: int


class RemovedBlock(Record):
    """Text taken out of the body, kept so nothing is silently lost."""

    text: str
    reason: str


class TextStatus(StrEnum):
    ok = "ok"
    no_body = "no_body"


class ArticleText(Record):
    """The clean body of one article version, as extracted, checked and segmented."""

    site: str | None = None
    url: str | None = None
    language: LanguageCode = Field(description="The language the page should be in")
    content_sha256: str | None = Field(default=None, description="The version it came from")
    extractor: str
    status: TextStatus
    status_detail: str | None = None
    title: str | None = None
    authors: list[str] = Field(default_factory=list)
    published: datetime | None = None
    categories: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    paragraphs: list[str] = Field(default_factory=list)
    sentences: list[Sentence] = Field(default_factory=list)
    removed: list[RemovedBlock] = Field(default_factory=list)
    detected_language: str | None = None
    language_confidence: float = 0.0
    language_ok: bool = Field(description="The whole body is in the expected language")

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


class ArticleVersion(Record):
    """One capture of one language version of an article, as fetched."""

    site: str
    language: LanguageCode
    url: str = Field(description="URL of the final response (after redirects)")
    requested_url: str = Field(description="URL the crawler asked for")
    canonical_url: str
    site_article_id: ArticleKey = Field(
        description="Stable key of the article on its site (Enab's Arabic: the numeric id)"
    )
    title: str | None = None
    authors: list[str] = Field(default_factory=list)
    published: datetime | None = None
    modified: datetime | None = None
    categories: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    raw_html_sha256: Sha256
    content_sha256: Sha256 = Field(
        description="Hash of the title and body region: a new value means a new version"
    )
    fetched_at: datetime
    http_status: int
    encoding: str = Field(description="Encoding the page was decoded with")
    encoding_note: str | None = Field(
        default=None, description="Set when the declared encoding was wrong and was repaired"
    )
    etag: str | None = None
    last_modified: str | None = None
    warc_record_id: str | None = None
    text: ArticleText | None = Field(
        default=None, description="The clean body, when extraction ran (in the crawl or later)"
    )
    # The raw page travels with a version only where no WARC record holds it (a version saved
    # without a capture): the store keeps it then. Private: never part of an export or a feed.
    _raw_html: bytes = PrivateAttr(default=b"")
    # Why extraction failed for this version in the crawl ((reason, detail)), until the item
    # pipelines record it with the pair (pickled with the version under JOBDIR).
    _extraction_failure: tuple[str, str] | None = PrivateAttr(default=None)

    @property
    def raw_html(self) -> bytes:
        return self._raw_html

    def with_raw_html(self, body: bytes) -> ArticleVersion:
        self._raw_html = body
        return self

    @property
    def extraction_failure(self) -> tuple[str, str] | None:
        return self._extraction_failure

    def extraction_failed(self, reason: str, detail: str) -> ArticleVersion:
        self._extraction_failure = (reason, detail)
        return self


# What a bead can be flagged with (pipeline.align sets them; the report explains each).
BEAD_FLAGS = (
    "omitted",
    "added",
    "number_mismatch",
    "name_mismatch",
    "low_similarity",
    "doubtful",
)
BeadFlag = Annotated[str, StringConstraints(pattern=rf"^({'|'.join(BEAD_FLAGS)})$")]


class DiffOp(Record):
    """One step of the word-level diff from the machine translation to the target sentence."""

    op: str = Field(
        description="equal | replace | delete (only in the MT) | insert (only in target)"
    )
    mt: str
    tgt: str


class ReviewStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class BeadOrigin(StrEnum):
    aligner = "aligner"  # as the machine alignment has it
    translator = "translator"  # made or changed by hand: a fixed row for re-aligning
    realigned = "realigned"  # re-aligned between a translator's fixed rows


# Caps on what a review file may hold (a 200 MB comment once swelled every export with it).
MAX_REVIEW_FILE_BYTES: Final = 64 * 1024 * 1024
MAX_COMMENT_CHARS: Final = 5_000
MAX_SEGMENT_CHARS: Final = 10_000  # a translator's text for one segment
MAX_REVIEWER_CHARS: Final = 200  # the store's column holds 256


def _capped(limit: int, what: str) -> AfterValidator:
    def check(text: str) -> str:
        if len(text) > limit:
            raise ValueError(f"{what} of {len(text):,} characters, over the {limit:,} limit")
        return text

    return AfterValidator(check)


# Free text from a review file, capped: a comment, a segment's text, a reviewer's name.
CommentText = Annotated[TypedText, _capped(MAX_COMMENT_CHARS, "a comment")]
ReviewText = Annotated[TypedText, _capped(MAX_SEGMENT_CHARS, "a segment's text")]
ReviewerName = Annotated[TypedText, _capped(MAX_REVIEWER_CHARS, "a reviewer's name")]


class Bead(Record):
    """Sentences that correspond: indices into the source and target sentence lists."""

    src: list[int]
    tgt: list[int]
    score: float = Field(
        description="Confidence in [0, 1]; below the threshold it is flagged doubtful"
    )
    flags: list[BeadFlag] = Field(default_factory=list)
    diff: list[DiffOp] | None = None
    status: ReviewStatus | None = Field(
        default=None, description="A translator's verdict; None in a machine alignment"
    )
    comment: str | None = Field(default=None, description="A translator's comment, if any")
    origin: BeadOrigin | None = Field(
        default=None,
        description="Who made the bead in a review: the aligner, a translator, or a re-alignment "
        "between a translator's fixed rows; None in a machine alignment",
    )
    reviewer: str | None = Field(default=None, description="Who last changed the bead in review")
    reviewed_at: datetime | None = Field(default=None, description="When they did")


class Segment(Record):
    """One unit of a side as a review cut it: the stretch of the stored sentences from offset
    `start` of sentence `first` to offset `end` of sentence `last` (offsets in Unicode code points,
    as Python counts them; the sentences between are whole), or the translator's own `text` for
    it. The stored text is never changed: a split keeps its offsets, an edit is a revision."""

    first: int = Field(ge=0, description="The stored sentence the segment starts in")
    start: int = Field(default=0, ge=0, description="Its offset in that sentence")
    last: int = Field(ge=0, description="The stored sentence it ends in (joined: after `first`)")
    end: int = Field(ge=0, description="The offset in `last` where it ends (exclusive)")
    text: ReviewText | None = Field(
        default=None, description="The translator's text for the segment; None: the stored text"
    )


class PairAlignment(Record):
    """The alignment of one article pair's latest versions. In corpus records src is the
    original and tgt its translation (the generic src/tgt of the aligner and align-files)."""

    site: str
    translation_article_id: ArticleKey = Field(
        description="The pair's key: its translation's id"
    )
    src_language: LanguageCode
    tgt_language: LanguageCode
    src_sha256: Sha256
    tgt_sha256: Sha256
    mode: str = Field(
        description="What the similarity rested on (pipeline/modes.py): translation | supplied "
        "| encoder | translation+encoder | supplied+encoder | none (neither translation nor "
        "sentence encoder); a later version may name others"
    )
    aligner: str
    src_sentences: list[str]
    tgt_sentences: list[str]
    src_translation: list[str] | None = None
    beads: list[Bead]
    aligned_at: datetime
    reviewer: str | None = Field(
        default=None, description="Set on a reviewed alignment (a revision of its own)"
    )
    reviewed_at: datetime | None = None
    review_revision: int | None = Field(
        default=None, description="1, 2, ...: the review revisions of this pair, in order"
    )
    src_segments: list[Segment] | None = Field(
        default=None,
        description="Set on a review that split, joined or edited the original's sentences: "
        "where each of src_sentences (then the reviewed segments' text) lies in the stored ones",
    )
    tgt_segments: list[Segment] | None = Field(
        default=None, description="The same for the translation's sentences"
    )


class PairStatus(StrEnum):
    paired = "paired"
    unpaired = "unpaired"


class PairingMethod(StrEnum):
    """How a pair was found: the translation's page links to its original (`link`, Enab's
    «النسخة العربية من المقال»), the two pages name each other as hreflang alternates
    (`hreflang`), or no page says so and the two texts were paired by what they say
    (`content`, pipeline/stages/pairing.py)."""

    link = "link"
    hreflang = "hreflang"
    content = "content"


class UnpairedReason(StrEnum):
    no_original_link = "no_original_link"
    original_link_offsite = "original_link_offsite"
    original_link_not_article = "original_link_not_article"
    original_fetch_failed = "original_fetch_failed"
    original_robots_disallowed = "original_robots_disallowed"
    original_redirect_offsite = "original_redirect_offsite"
    original_page_empty = "original_page_empty"
    # hreflang pairing: the fetched original declares another language, or names another page
    # (or none) as its translation
    original_wrong_language = "original_wrong_language"
    original_not_reciprocal = "original_not_reciprocal"
    # content pairing: no article of the other language scored at or above the threshold (the
    # best one and its score are kept: a later crawl may still bring the counterpart), or the
    # article has no clean text to compare
    no_counterpart_found = "no_counterpart_found"
    no_comparable_text = "no_comparable_text"
    original_url_too_long = "original_url_too_long"  # its link is over URLLENGTH_LIMIT


# Reasons that say something about the translation's page itself; the others are failures to
# fetch the original, which must not erase a pairing found earlier and are worth retrying.
CONTENT_REASONS = frozenset(
    {
        UnpairedReason.no_original_link,
        UnpairedReason.original_link_offsite,
        UnpairedReason.original_link_not_article,
        UnpairedReason.original_wrong_language,
        UnpairedReason.original_not_reciprocal,
        UnpairedReason.no_counterpart_found,
        UnpairedReason.no_comparable_text,
    }
)


class PipelineStage(StrEnum):
    extraction = "extraction"
    translation = "translation"
    alignment = "alignment"


class StageFailure(Record):
    """A processing stage that failed for one pair in the crawl: the pair is stored anyway, with
    this record, and counted by reason in `bitext stats`; a later run that succeeds clears it."""

    stage: PipelineStage
    scope: str = Field(
        description="What the stage worked on: a language (extraction), a direction such as "
        "ar-en (translation, alignment)"
    )
    reason: str = Field(
        description="Countable cause: too_large, extract_error, worker_died, model_load_failed, "
        "translate_error, align_error"
    )
    detail: str
    at: datetime


class ArticlePair(Record):
    """A translated article and its original (each with its language), or the translation alone
    with the reason its original was not found. Discovery starts from the translation (Enab: the
    English article, which links to its Arabic original)."""

    type: Literal["pair", "unpaired"] = Field(
        default="pair",
        description="The record's type in the crawl feed; follows status (paired: pair)",
    )
    site: str
    status: PairStatus
    translation: ArticleVersion
    original: ArticleVersion | None = None
    original_url: str | None = Field(
        default=None, description="Where the translation's page said its original is"
    )
    reason: UnpairedReason | None = None
    reason_detail: str | None = None
    alignment: PairAlignment | None = Field(
        default=None, description="Set in the crawl when both clean texts are there"
    )
    stage_failures: list[StageFailure] = Field(
        default_factory=list, description="Stages that failed for this pair in the crawl"
    )
    pairing_method: PairingMethod | None = Field(
        default=None,
        description="How the pair was found (link, hreflang, content); None: not recorded (a "
        "pair stored before migration 0007 whose crawl's profile could not say)",
    )
    pairing_score: float | None = Field(
        default=None,
        description="Content pairing: the pair's score in [0, 1]; on an unpaired translation, "
        "its best candidate's (below the threshold); None for link and hreflang pairs",
    )
    # (stage, scope) that ran and succeeded in the crawl: the store clears their old failures.
    _stages_ok: set[tuple[str, str]] = PrivateAttr(default_factory=set)

    def version_in(self, language: str) -> ArticleVersion | None:
        """The side of the pair in `language`: the original or the translation (None: neither)."""
        for version in (self.original, self.translation):
            if version is not None and version.language == language:
                return version
        return None

    def stage_ok(self, stage: PipelineStage, scope: str) -> None:
        self._stages_ok.add((stage.value, scope))

    def stage_failed(self, stage: PipelineStage, scope: str, reason: str, detail: str) -> None:
        self.stage_failures.append(
            StageFailure(
                stage=stage, scope=scope, reason=reason, detail=detail[:2000], at=datetime.now(UTC)
            )
        )

    @property
    def stages_ok(self) -> set[tuple[str, str]]:
        return self._stages_ok

    @model_validator(mode="before")
    @classmethod
    def _type_follows_status(cls, data: Any) -> Any:
        if isinstance(data, dict) and "status" in data:
            kind = "pair" if PairStatus(data["status"]) == PairStatus.paired else "unpaired"
            if data.get("type", kind) != kind:
                raise ValueError(f"type {data['type']!r} contradicts status {data['status']!r}")
            data = {**data, "type": kind}
        return data


class UnpairedOriginal(Record):
    """An article of the original's language that content pairing left without a translation
    (a translation left alone is an unpaired ArticlePair): stored with why, and how close its
    best candidate came, so that a later crawl can still pair it."""

    type: Literal["unpaired_original"] = Field(
        default="unpaired_original", description="The record's type in the crawl feed"
    )
    site: str
    original: ArticleVersion
    reason: UnpairedReason
    reason_detail: str | None = None
    best_candidate: str | None = Field(
        default=None, description="The best-scoring translation's article id (below threshold)"
    )
    best_score: float | None = None


class CrawlErrorKind(StrEnum):
    http_error = "http_error"
    network_error = "network_error"
    robots_disallowed = "robots_disallowed"
    redirect_offsite = "redirect_offsite"
    empty_page = "empty_page"
    robots_unavailable = "robots_unavailable"
    not_an_article = "not_an_article"
    parse_error = "parse_error"
    url_too_long = "url_too_long"  # over URLLENGTH_LIMIT: never requested


class CrawlError(Record):
    """A page that could not be turned into a record, and why: nothing is dropped silently."""

    type: Literal["crawl_error"] = Field(
        default="crawl_error", description="The record's type in the crawl feed"
    )
    site: str
    url: str
    kind: CrawlErrorKind
    detail: str
    http_status: int | None = None
    language: LanguageCode | None = None
    at: datetime


class CrawlRun(Record):
    """One run of a crawl as the store recorded it (the `crawls` table)."""

    id: int
    spider: str
    site: str = Field(description="The site's profile name (the spider's, where none)")
    args: dict[str, Any] = Field(default_factory=dict)
    started_at: datetime
    finished_at: datetime | None = None
    finish_reason: str | None = None
    stats: dict[str, Any] = Field(
        default_factory=dict, description="The crawl's counters (Scrapy's and bitext/...)"
    )

    @property
    def crawl_id(self) -> str:
        """The run's name in its WARC files' warcinfo (isPartOf): SITE-crawl-ID."""
        return f"{self.site}-crawl-{self.id}"

    def covers(self, moment: datetime) -> bool:
        """Was the run going at `moment`? (a run with no end: one still going, or killed)"""
        def utc(t: datetime) -> datetime:
            return t if t.tzinfo is not None else t.replace(tzinfo=UTC)

        started = utc(self.started_at)
        return started <= utc(moment) and (
            self.finished_at is None or utc(moment) <= utc(self.finished_at)
        )


class WarcCapture(Record):
    """Where one fetched page lies in the WARC archive."""

    url: str
    warc_filename: str
    warc_record_id: str
    warc_offset: int | None = Field(
        default=None, description="Where the record starts in its file (None: not recorded)"
    )
    record_type: str  # response | revisit
    payload_sha1: str  # WARC-Payload-Digest, base32 as WARC writes it
    http_status: int
    fetched_at: datetime


class ExportedPair(Record):
    """One line of the JSONL export: an article pair with both clean texts, metadata,
    provenance (URLs, fetch times, content hashes, WARC record ids, crawls) and its
    alignment."""

    schema_version: str = SCHEMA_VERSION
    site: str
    original: ArticleVersion
    translation: ArticleVersion
    alignment: PairAlignment | None = Field(
        default=None, description="None when the pair is not aligned yet, or its texts changed"
    )
    pairing_method: PairingMethod | None = Field(
        default=None, description="How the pair was found (None: stored before it was recorded)"
    )
    pairing_score: float | None = Field(
        default=None, description="content pairing: the pair's score (0..1)"
    )
    original_crawl: str | None = Field(
        default=None,
        description="The crawl that captured the original's version, as its WARC file's "
        "warcinfo names it (isPartOf, e.g. enab-crawl-3); None where unknown",
    )
    translation_crawl: str | None = Field(
        default=None, description="The crawl that captured the translation's version"
    )


REVIEW_FORMAT: Final = "bitext-review/3"
# /1 had /2's fields, documented as Arabic source and English target; /2 had no segments, no
# bead origin and no reviewer: both are read as /3 on import.
OLD_REVIEW_FORMATS = ("bitext-review/1", "bitext-review/2")


class ReviewBead(Record):
    """One bead as a translator leaves it: 0-based indices (as in align-files) into the side's
    segments, or into its sentences where the pair has no segments."""

    src: list[int] = Field(description="Indices into src_segments, else src_sentences")
    tgt: list[int] = Field(description="Indices into tgt_segments, else tgt_sentences")
    status: ReviewStatus = ReviewStatus.pending
    comment: CommentText = ""
    origin: BeadOrigin = Field(
        default=BeadOrigin.aligner,
        description="translator: made or changed by hand (a fixed row when re-aligning, as are "
        "approved rows); realigned: placed by re-aligning between fixed rows",
    )
    reviewer: ReviewerName | None = Field(default=None, description="Who last changed the bead")
    reviewed_at: datetime | None = Field(default=None, description="When they did")


class PairReview(Record):
    """The review of one article pair: its stored sentences, the segments a translator cut
    them into (split, joined, edited; none: one segment a sentence) and the beads over them."""

    pair_id: str = Field(description="SITE:TRANSLATION_ARTICLE_ID, as `bitext review export` wrote")
    src_lang: LanguageCode
    tgt_lang: LanguageCode
    src_sentences: list[str] = Field(description="The original's sentences as stored")
    tgt_sentences: list[str] = Field(description="The translation's sentences as stored")
    src_segments: list[Segment] | None = Field(
        default=None, description="The original cut by the review; None: one a sentence"
    )
    tgt_segments: list[Segment] | None = Field(
        default=None, description="The translation cut by the review; None: one a sentence"
    )
    beads: list[ReviewBead]


class ReviewFile(Record):
    """A review file: written by `bitext review export` and the report, read by `bitext review
    import`. Every segment in exactly one bead, in order; the segments cover every sentence's
    text once, in order. Its JSON Schema is shipped on its own, data/review.schema.json
    (`bitext review schema`)."""

    format: Literal["bitext-review/3"] = REVIEW_FORMAT
    reviewer: ReviewerName | None = Field(
        default=None, description="Who wrote the file (the name set once in the report)"
    )
    pairs: list[PairReview]


# One line of the crawl feed (`scrapy crawl enab -O feed.jsonl`), told apart by `type`.
FeedRecord = Annotated[ArticlePair | UnpairedOriginal | CrawlError, Field(discriminator="type")]


def json_schema() -> dict[str, Any]:
    """JSON Schema of every top-level record, generated from the models."""
    models: list[type[BaseModel]] = [
        ArticleVersion,
        ArticlePair,
        UnpairedOriginal,
        CrawlError,
        WarcCapture,
        ArticleText,
        PairAlignment,
        ExportedPair,
    ]
    records = {m.__name__: m.model_json_schema(mode="serialization") for m in models}
    records["FeedRecord"] = TypeAdapter(FeedRecord).json_schema(mode="serialization")
    return {"schema_version": SCHEMA_VERSION, "records": records}
