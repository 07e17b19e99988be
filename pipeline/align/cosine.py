"""Cosines between spans of sentences over sparse count vectors (character n-grams, anchors,
lexicon links): the sentence-by-sentence dot products once, then box sums, so every bead of every
size costs O(1). Sentences joined in a bead add their counts, as the concatenation would."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse

from pipeline.align.params import AlignParams
from pipeline.text import comparison_form


def _counts(rows: Sequence[Iterable[str]], vocab: dict[str, int]) -> sparse.csr_matrix:
    """One row per sentence, one column per item, how often the item occurs there."""
    lists = [list(row) for row in rows]
    flat = [item for row in lists for item in row]
    for item in dict.fromkeys(flat):  # distinct items, first-seen order
        if item not in vocab:
            vocab[item] = len(vocab)
    cols = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
    row_ids = np.repeat(np.arange(len(lists)), [len(row) for row in lists])
    return sparse.csr_matrix(
        (np.ones(len(flat), dtype=np.float32), (row_ids, cols)),
        shape=(len(lists), len(vocab) + 1),
    )


def _pair(
    left: Sequence[Iterable[str]], right: Sequence[Iterable[str]], idf: bool = False
) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Count matrices over a shared vocabulary; with `idf`, each item weighted by its inverse
    document frequency over both sides' sentences (an n-gram in every sentence says nothing)."""
    vocab: dict[str, int] = {}
    x, y = _counts(left, vocab), _counts(right, vocab)
    size = len(vocab) + 1
    x.resize((x.shape[0], size))
    y.resize((y.shape[0], size))
    if idf:
        sentences = x.shape[0] + y.shape[0]
        df = np.bincount(x.indices, minlength=size) + np.bincount(y.indices, minlength=size)
        # smoothed, and never zero: in a one-sentence document every item is everywhere
        weight = sparse.diags((np.log((sentences + 1) / (df + 1)) + 0.1).astype(np.float32))
        x, y = (x @ weight).tocsr(), (y @ weight).tocsr()
    return x, y


def _ngram_keys(texts: Sequence[str], orders: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """chrF's items of each text (char_ngrams) as integers, without making a string per n-gram:
    the code points of an n-gram packed 16 bits each (exact in the Basic Multilingual Plane;
    no code point is 0, so orders never collide). Returns (text index, key) per n-gram."""
    forms = [" ".join(comparison_form(t).split()) for t in texts]
    # one array of code points, a 0 after each text so that no n-gram crosses two texts
    raw = np.frombuffer("\0".join([*forms, ""]).encode("utf-32-le"), dtype=np.uint32)
    # outside the BMP (rare: emoji, old scripts): folded into 16 bits, never onto the separator
    codes = np.where(raw > 0xFFFF, (raw & 0xFFFF) | 1, raw).astype(np.uint64)
    owner = np.cumsum(codes == 0) - (codes == 0)  # the text each position belongs to
    rows, keys = [], []
    for n in orders:
        count = len(codes) - n + 1
        if count <= 0:
            continue
        key = codes[:count].copy()
        ok = key != 0
        for k in range(1, n):
            part = codes[k : k + count]
            ok &= part != 0
            key = (key << np.uint64(16)) | part
        rows.append(owner[:count][ok])
        keys.append(key[ok])
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    return np.concatenate(rows), np.concatenate(keys)


def _ranks(keys: np.ndarray) -> np.ndarray:
    """Each key's index among the distinct keys in order: np.unique's return_inverse, from one
    stable argsort (timsort: about twice as fast as np.unique's on these n-gram keys)."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    new = np.empty(len(keys), dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    ranks = np.empty(len(keys), dtype=np.intp)
    ranks[order] = np.cumsum(new) - 1
    return ranks


def _ngram_pair(
    left: Sequence[str], right: Sequence[str], orders: Sequence[int]
) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """_pair(char_ngrams of left, char_ngrams of right, idf=True), vectorised: the n-grams as
    packed integers, one vocabulary for both sides by np.unique."""
    left_rows, left_keys = _ngram_keys(left, orders)
    right_rows, right_keys = _ngram_keys(right, orders)
    columns = _ranks(np.concatenate([left_keys, right_keys]))
    size = int(columns.max()) + 2 if len(columns) else 1

    def counts(rows: np.ndarray, cols: np.ndarray, texts: int) -> sparse.csr_matrix:
        out = sparse.csr_matrix(
            (np.ones(len(cols), dtype=np.float32), (rows, cols)), shape=(texts, size)
        )
        out.sum_duplicates()
        return out

    x = counts(left_rows, columns[: len(left_keys)], len(left))
    y = counts(right_rows, columns[len(left_keys) :], len(right))
    sentences = x.shape[0] + y.shape[0]
    df = np.bincount(x.indices, minlength=size) + np.bincount(y.indices, minlength=size)
    weight = (np.log((sentences + 1) / (df + 1)) + 0.1).astype(np.float32)
    return _scaled_columns(x, weight), _scaled_columns(y, weight)


def _scaled_columns(x: sparse.csr_matrix, weight: np.ndarray) -> sparse.csr_matrix:
    """x @ sparse.diags(weight) laid out as scipy's product lays it out (each row's entries in
    the reverse of x's order, zeros left out), the same float32 products: the order matters to
    the sums made from it later, and the product's two passes over x are not needed."""
    lengths = np.diff(x.indptr)
    mirrored = np.repeat(x.indptr[:-1] + x.indptr[1:] - 1, lengths) - np.arange(x.nnz)
    indices = x.indices[mirrored]
    data = x.data[mirrored] * weight[indices]
    indptr = x.indptr.copy()
    kept = data != 0
    if not kept.all():
        indices, data = indices[kept], data[kept]
        rows = np.repeat(np.arange(x.shape[0]), lengths)[kept]
        indptr = np.zeros_like(x.indptr)
        np.cumsum(np.bincount(rows, minlength=x.shape[0]), out=indptr[1:])
    return sparse.csr_matrix((data, indices, indptr), shape=x.shape)


def _cumsum_rows(values: np.ndarray, out: np.ndarray) -> None:
    """values.cumsum(axis=0) into `out`, the same sums in the same order, a row at a time:
    numpy's cumsum over the first axis of a large matrix walks it column by column (slow)."""
    if values.size < 65536:  # small: numpy's own walk is quicker than a loop in Python
        np.cumsum(values, axis=0, out=out)
        return
    if not values.flags.c_contiguous:  # a transposed view: rows of a contiguous copy
        values = np.ascontiguousarray(values)
    if out.flags.c_contiguous:
        out[0] = values[0]
        for i in range(1, len(values)):
            np.add(out[i - 1], values[i], out=out[i])
        return
    done = np.empty_like(values)
    _cumsum_rows(values, done)
    out[...] = done


def _neighbour_dots(x: sparse.csr_matrix, reach: int) -> list[np.ndarray]:
    """[x_i . x_{i+d} for each i] for d = 0 .. reach-1: a span's squared norm from its parts."""
    out = []
    for d in range(reach):
        rows = x.shape[0] - d
        if rows <= 0:
            out.append(np.zeros(0))
            continue
        out.append(np.asarray(x[:rows].multiply(x[d:]).sum(axis=1), dtype=np.float64).ravel())
    return out


def _span_norms(dots: list[np.ndarray], width: int) -> np.ndarray:
    rows = len(dots[0]) - width + 1
    if rows <= 0:
        return np.zeros(0)
    total = sum((dots[0][k : k + rows] for k in range(1, width)), dots[0][:rows].copy())
    for d in range(1, width):
        for k in range(width - d):
            total += 2 * dots[d][k : k + rows]
    return np.sqrt(np.maximum(total, 0))


def _corrected(sim: np.ndarray, hubness: float) -> np.ndarray:
    """Similarity minus the mean of its row's and column's other similarities (Vecalign's
    normalisation): a sentence that resembles everything gains nothing from resembling this."""
    if sim.size == 0 or hubness == 0:
        return sim
    rows, cols = sim.shape
    # the sentence itself left out of its mean; for the rest, a row's mean and a column's
    row_rest = (sim.sum(axis=1, keepdims=True) - sim) / max(cols - 1, 1)
    col_rest = (sim.sum(axis=0, keepdims=True) - sim) / max(rows - 1, 1)
    out = sim - np.float32(hubness / 2) * (row_rest + col_rest)
    return np.clip(out, 0.0, 1.0, out=out)


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, 0 where den is not above 0 (a plain division and a fix-up of the few zeros:
    numpy's masked division is several times slower)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.divide(num, den)
    nil = ~(den > 0)
    if nil.any():
        out[np.broadcast_to(nil, out.shape)] = 0
    return out


class _SpanCosine:
    """Cosine between the summed feature vectors of a source span and a target span, for every
    bead type in a window: the sentence-by-sentence dot products once (one sparse product), then
    box sums. Sentences joined in a bead add their counts, as the concatenation would."""

    def __init__(self, x: sparse.csr_matrix, y: sparse.csr_matrix, reach: int) -> None:
        self.x, self.y, self.reach = x, y, reach

    def window(self, i0: int, i1: int, j0: int, j1: int) -> _WindowCosine:
        x = self.x if (i0, i1) == (0, self.x.shape[0]) else self.x[i0:i1]  # no copy of all
        y = self.y if (j0, j1) == (0, self.y.shape[0]) else self.y[j0:j1]
        return _WindowCosine(x, y, self.reach)


class _WindowCosine:
    def __init__(self, x: sparse.csr_matrix, y: sparse.csr_matrix, reach: int) -> None:
        dots = np.asarray((x @ y.T).todense(), dtype=np.float32)
        n, m = dots.shape
        self.along_cols = np.zeros((n + 1, m), dtype=np.float32)
        _cumsum_rows(dots, self.along_cols[1:, :])
        self.box = np.zeros((n + 1, m + 1), dtype=np.float32)
        _cumsum_rows(self.along_cols[1:, :].T, self.box[1:, 1:].T)
        self.along_rows = np.zeros((n, m + 1), dtype=np.float32)  # cumulative over targets
        _cumsum_rows(dots.T, self.along_rows[:, 1:].T)
        x_dots, y_dots = _neighbour_dots(x, reach), _neighbour_dots(y, reach)
        self.x_norm = {w: _span_norms(x_dots, w).astype(np.float32) for w in range(1, reach + 1)}
        self.y_norm = {w: _span_norms(y_dots, w).astype(np.float32) for w in range(1, reach + 1)}
        self._sentence_to_span: dict[tuple[str, int, float], np.ndarray] = {}
        self._cosines: dict[tuple[int, int], np.ndarray] = {}
        self._log_cosines: dict[tuple[int, int], np.ndarray] = {}

    def cosine(self, a: int, b: int) -> np.ndarray:
        """Cosine of every source span of `a` sentences with every target span of `b` (kept:
        the bead search and the merge gains ask for each type several times)."""
        if (a, b) not in self._cosines:
            s = self.box
            n1, m1 = s.shape
            dot = s[a:, b:] - s[: n1 - a, b:] - s[a:, : m1 - b] + s[: n1 - a, : m1 - b]
            self._cosines[(a, b)] = _divide(dot, self.x_norm[a][:, None] * self.y_norm[b][None, :])
        return self._cosines[(a, b)]

    def _part(self, side: str, width: int, hubness: float) -> np.ndarray:
        """Hubness-corrected cosine of each source sentence with each target span of `width`
        ("src"), or of each source span with each target sentence ("tgt"), times the square
        root of the width (what one part of an even split scores)."""
        key = (side, width, hubness)
        if key not in self._sentence_to_span:
            if side == "src":
                r = self.along_rows
                box = r[:, width:] - r[:, : r.shape[1] - width]
                norms = self.x_norm[1][:, None] * self.y_norm[width][None, :]
            else:
                c = self.along_cols
                box = c[width:, :] - c[: c.shape[0] - width, :]
                norms = self.x_norm[width][:, None] * self.y_norm[1][None, :]
            self._sentence_to_span[key] = _corrected(_divide(box, norms), hubness) * np.float32(
                math.sqrt(width)
            )
        return self._sentence_to_span[key]

    def parts(self, a: int, b: int, hubness: float) -> np.ndarray | None:
        """For a many-sentence bead: the weakest of its sentences' scores against the other
        side's span. A sentence that merely sits next to a merge adds nothing to it."""
        weakest = None
        if a > 1:
            part = self._part("src", b, hubness)
            rows = part.shape[0] - a + 1
            weakest = part[:rows].copy()
            for k in range(1, a):
                np.minimum(weakest, part[k : k + rows], out=weakest)
        if b > 1:
            part = self._part("tgt", a, hubness)
            cols = part.shape[1] - b + 1
            if weakest is None:
                weakest = part[:, :cols].copy()
            for k in range(b):
                np.minimum(weakest, part[:, k : k + cols], out=weakest)
        return weakest

    def similarity(
        self,
        a: int,
        b: int,
        params: AlignParams,
        gain: np.ndarray | None = None,
        lift: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The span similarity, capped by the weakest part's score (the cap loosened by
        `part_factor_gained` as far as the bead's edge sentences each add to it: `gain`); and,
        where `lift` is given, the same with the cap lifted that far (0 .. 1)."""
        sim = _corrected(self.cosine(a, b), params.hubness)
        weakest = self.parts(a, b, params.hubness)
        if weakest is None:
            return sim, None if lift is None else sim
        factor: np.ndarray | float = params.part_factor
        if gain is not None and params.part_factor_gained:
            factor = params.part_factor + np.float32(params.part_factor_gained) * gain
        capped = np.minimum(sim, factor * weakest)
        return capped, None if lift is None else np.maximum(capped, sim * lift)

    def log_cosine(self, a: int, b: int) -> np.ndarray:
        if (a, b) not in self._log_cosines:
            self._log_cosines[(a, b)] = np.log(np.maximum(self.cosine(a, b), np.float32(1e-6)))
        return self._log_cosines[(a, b)]

    def gain_shares(self, a: int, b: int) -> np.ndarray:
        """For each bead of the type: the least, over its edge sentences, of what the sentence
        adds to the cosine (log of the ratio of the bead's cosine to the cosine without it)
        against what a sentence that is translated as well as the rest would add (log of the
        ratio of the norms). About 1 for each piece of a real merge, whatever its length; 0 or
        below for a sentence that only sits beside the bead."""
        log_full = self.log_cosine(a, b)
        rows, cols = log_full.shape
        least = np.full(log_full.shape, np.inf, dtype=np.float32)

        def log_norm(norms: np.ndarray) -> np.ndarray:
            return np.log(np.maximum(norms, np.float32(1e-6)))

        def worst(log_sub: np.ndarray, expected: np.ndarray) -> None:
            # expected: a vector along one axis; where a sentence adds no mass, nothing to judge
            share = (log_full - log_sub) / np.where(expected > 1e-4, expected, np.inf)
            idle = ~(expected > 1e-4)
            if idle.any():  # their rows or columns set to 1 (np.where on the matrix is slow)
                share[np.broadcast_to(idle, share.shape)] = np.float32(1)
            np.minimum(least, share, out=least)

        if a > 1:
            sub = self.log_cosine(a - 1, b)
            x_full, x_sub = log_norm(self.x_norm[a]), log_norm(self.x_norm[a - 1])
            worst(sub[:rows, :cols], (x_full - x_sub[:rows])[:, None])
            worst(sub[1 : rows + 1, :cols], (x_full - x_sub[1 : rows + 1])[:, None])
        if b > 1:
            sub = self.log_cosine(a, b - 1)
            y_full, y_sub = log_norm(self.y_norm[b]), log_norm(self.y_norm[b - 1])
            worst(sub[:rows, :cols], (y_full - y_sub[:cols])[None, :])
            worst(sub[:rows, 1 : cols + 1], (y_full - y_sub[1 : cols + 1])[None, :])
        unmatched = ~(self.cosine(a, b) > 0)
        if unmatched.any():
            least[unmatched] = np.float32(0)
        return least
