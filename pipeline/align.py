"""Sentence alignment with divergence flags (Bleualign / Gale-Church / Hunalign family).

A dynamic programme over beads 1-1, 1-2, 2-1, 2-2, 1-3, 3-1, 1-0 and 0-1 (1-3 and 3-1 only where
a translation or a word list speaks: lengths alone cannot place them). Each bead with sentences on
both sides is scored from the signals that are there, combined as a weighted mean:
  - similarity of the machine translation to the other side: Dice over character trigrams (the
    set form of chrF's core), in either direction where translations exist, minus the
    sentence's mean similarity to everything else (hubness correction, as Vecalign does);
  - where there is no translation, dictionary coverage: the share of known words on each side
    whose translation is on the other, from a bilingual word list (bundled for Arabic-English)
    and a lexicon learned from the documents themselves (Hunalign's second pass: align, count
    word co-occurrences in the confident beads, align again with both);
  - length, Gale-Church's statistic against the document's own character ratio;
  - anchors that survive translation: numbers after digit unification, Latin-script tokens;
  - position: distance from the diagonal.
Three modes, named in the output: "translation" (our engine), "supplied" (the user's
translations), "none" (no translation).

Every pairwise signal is a matrix over (source span, target span) computed at once with sparse
products, and the DP runs a row at a time with numpy, so 800 sentences align in well under a
second (bench/align.py). Written here rather than taken from Bleualign or Vecalign: Bleualign is
not packaged for Python 3 and Vecalign needs sentence embeddings that cannot be had offline.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

import numpy as np
from scipy import sparse

from pipeline.models import ArticlePair, ArticleText, Bead, DiffOp, PairAlignment
from pipeline.text import comparison_form

ALIGNER_VERSION = "align-4"
# (source sentences, target sentences) per bead; skips are handled apart from these.
BEAD_TYPES = ((1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1))
WIDTHS = (1, 2, 3)  # sentences on one side of a bead
SKIP_SRC, SKIP_TGT = len(BEAD_TYPES), len(BEAD_TYPES) + 1  # 1-0 and 0-1 in the DP's choices
NUMBER = re.compile(r"\d+(?:\.\d+)?")
LATIN = re.compile(r"[a-z][a-z\-']{2,}")
WORD = re.compile(r"\w+")
UNSEGMENTED = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo"})  # written without spaces
# Capitalised words not at a sentence start: candidate names in Latin-script text.
NAME = re.compile(r"(?<=[^.!?:\"“\s]\s)[A-Z][\w\-']+(?:\s+[A-Z][\w\-']+)*")
_NAME_STOPWORDS = (
    "The A An In On At Of For And But Or To From By With As It He She They We I This That "
    "These Those His Her Their Our Its Mr Mrs Ms Dr Monday Tuesday Wednesday Thursday "
    "Friday Saturday Sunday January February March April May June July August September "
    "October November December"
)
NAME_STOPWORDS = frozenset(_NAME_STOPWORDS.split(" "))

# Arabic clitics stripped for the learned lexicon: conjunctions, prepositions, the article.
_AR_PREFIX = re.compile(r"^(?:و|ف)?(?:ب|ل|ك)?(?:ال|لل)?")


@dataclass(frozen=True)
class AlignParams:
    skip_cost: float = 0.44  # per unaligned sentence
    merge_penalty: float = 0.03  # per extra sentence in a bead
    weight_mt: float = 10.0
    weight_lexicon: float = 2.5
    weight_length: float = 0.5
    weight_anchor: float = 0.5
    weight_position: float = 1.0
    hubness: float = 1.0  # how much of a span's mean similarity is subtracted
    part_factor: float = 1.5  # a merged bead is no better than its weakest part allows
    doubtful_below: float = 0.3
    low_similarity_below: float = 0.12  # hubness-corrected translation similarity


# Tuned on bench/align.py's perturbation seed 7 (reported on seed 1): with a translation the
# similarity carries nearly everything; without one, dictionary coverage and anchors share it.
TRANSLATION_PARAMS = AlignParams()
NO_TRANSLATION_PARAMS = AlignParams(
    skip_cost=0.456,
    merge_penalty=0.114,
    weight_lexicon=4.337,
    weight_length=0.993,
    weight_anchor=2.408,
    weight_position=0.2,
    hubness=0.603,
    part_factor=3.0,
)


@dataclass
class Document:
    """One document to align: sentences, and optionally each side translated into the other's
    language, line by line (src_mt is src in tgt's language)."""

    src: list[str]
    tgt: list[str]
    src_mt: list[str] | None = None
    tgt_mt: list[str] | None = None
    src_paragraphs: list[int] | None = None  # paragraph index of each sentence, where known
    tgt_paragraphs: list[int] | None = None


@dataclass
class Alignment:
    beads: list[Bead]
    mode: str
    signals: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- features


def _trigrams(text: str) -> set[str]:
    padded = f" {comparison_form(text)} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _anchors(text: str) -> set[str]:
    form = comparison_form(text)
    return set(NUMBER.findall(form)) | set(LATIN.findall(form))


def numbers_of(text: str) -> Counter[str]:
    """Numbers on the unified-digit form; "1.0" and "1" compare equal."""
    found: Counter[str] = Counter()
    for n in NUMBER.findall(comparison_form(text)):
        found[n.rstrip("0").rstrip(".") if "." in n else n.lstrip("0") or "0"] += 1
    return found


def lexicon_words(text: str, language: str) -> set[str]:
    """Words as the learned lexicon sees them: lower case, Arabic clitics stripped, truncated to
    five letters (a crude stem that merges inflections, enough for co-occurrence counts)."""
    words = set()
    form = comparison_form(text)
    if language in UNSEGMENTED:  # no spaces between words: character bigrams stand in
        for run in WORD.findall(form):
            words.update(run[i : i + 2] for i in range(len(run) - 1) if not run[i].isascii())
    for w in WORD.findall(form):
        if w.isdigit():
            continue
        if language == "ar":
            w = _AR_PREFIX.sub("", w) if len(w) > 4 else w
        if len(w) > 2 and (language not in UNSEGMENTED or w.isascii()):
            words.add(w[:5])
    return words


def _binary(rows: Sequence[Iterable[str]], vocab: dict[str, int]) -> sparse.csr_matrix:
    indptr, indices = [0], []
    for row in rows:
        ids = {vocab.setdefault(x, len(vocab)) for x in row}
        indices.extend(sorted(ids))
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    return sparse.csr_matrix((data, indices, indptr), shape=(len(rows), max(len(vocab), 1)))


def _spans(matrix: sparse.csr_matrix, width: int) -> sparse.csr_matrix:
    """Rows i..i+width-1 or-ed together, for each i (a bead's side as one set)."""
    if width == 1:
        return matrix
    rows = matrix.shape[0] - width + 1
    if rows <= 0:
        return sparse.csr_matrix((0, matrix.shape[1]), dtype=matrix.dtype)
    joined = sum((matrix[k : k + rows] for k in range(1, width)), matrix[:rows])
    joined.data[:] = 1.0
    return joined.tocsr()


def _by_width(matrix: sparse.csr_matrix) -> dict[int, sparse.csr_matrix]:
    return {width: _spans(matrix, width) for width in WIDTHS}


def _overlap(a: sparse.csr_matrix, b: sparse.csr_matrix) -> np.ndarray:
    return np.asarray((a @ b.T).todense(), dtype=np.float32)


def _sizes(matrix: sparse.csr_matrix) -> np.ndarray:
    return np.asarray(matrix.sum(axis=1), dtype=np.float32).ravel()


class _SpanSignal:
    """A signal between source and target spans, for every bead type, from how many of each
    side's items (n-grams, known words) are found on the other side."""

    left: dict[int, sparse.csr_matrix]  # bead width -> (span x item) binary matrix
    right: dict[int, sparse.csr_matrix]

    def found(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """(left items found in the right span, right items found in the left span), each a
        (source span, target span) matrix of counts."""
        raise NotImplementedError

    def dice(self, a: int, b: int) -> np.ndarray:
        left_found, right_found = self.found(a, b)
        total = _sizes(self.left[a])[:, None] + _sizes(self.right[b])[None, :]
        return np.divide(
            left_found + right_found, total, out=np.zeros_like(left_found), where=total > 0
        )

    def weakest_part(self, a: int, b: int, hubness: float) -> np.ndarray | None:
        """For a many-sentence bead: the smallest share of one part's items found on the other
        side (background subtracted). A sentence that merely sits next to a merge adds
        nothing to it, and this catches it where the union's Dice barely moves."""
        parts = []
        if a > 1:
            contained = self.found(1, b)[0] / np.maximum(_sizes(self.left[1]), 1)[:, None]
            contained = _corrected(contained, hubness)
            rows = contained.shape[0] - a + 1
            parts += [contained[k : k + rows] for k in range(a)]
        if b > 1:
            contained = self.found(a, 1)[1] / np.maximum(_sizes(self.right[1]), 1)[None, :]
            contained = _corrected(contained, hubness)
            cols = contained.shape[1] - b + 1
            parts += [contained[:, k : k + cols] for k in range(b)]
        if not parts:
            return None
        return np.minimum.reduce(parts)


class _PairSignal(_SpanSignal):
    """Set overlap: the same items (n-grams, anchors) on both sides."""

    def __init__(self, left: Sequence[set[str]], right: Sequence[set[str]]) -> None:
        vocab: dict[str, int] = {}
        base_l, base_r = _binary(left, vocab), _binary(right, vocab)
        size = len(vocab) or 1
        base_l.resize((base_l.shape[0], size))
        base_r.resize((base_r.shape[0], size))
        self.left, self.right = _by_width(base_l), _by_width(base_r)
        self._overlaps: dict[tuple[int, int], np.ndarray] = {}

    def overlap(self, a: int, b: int) -> np.ndarray:
        key = (a, b)
        if key not in self._overlaps:
            self._overlaps[key] = _overlap(self.left[a], self.right[b])
        return self._overlaps[key]

    def found(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        overlap = self.overlap(a, b)
        return overlap, overlap

    def jaccard(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """Jaccard and a mask of where either side has anything at all."""
        left, right = self.left[a], self.right[b]
        overlap = self.overlap(a, b)
        union = _sizes(left)[:, None] + _sizes(right)[None, :] - overlap
        present = union > 0
        return np.divide(overlap, union, out=np.zeros_like(overlap), where=present), present


class _LexiconSignal(_SpanSignal):
    """Dictionary coverage (Hunalign's dictionary score): the share of words the lexicon knows,
    on both sides, that find a translation on the other side. Set-Dice over translated word
    sets would be swamped by words with many translations."""

    def __init__(
        self, src_words: Sequence[set[str]], tgt_words: Sequence[set[str]], lexicon: Lexicon
    ) -> None:
        src_vocab: dict[str, int] = {}
        tgt_vocab: dict[str, int] = {}
        known_tgt = lexicon.targets
        src = _binary([{w for w in ws if w in lexicon.pairs} for ws in src_words], src_vocab)
        tgt = _binary([{w for w in ws if w in known_tgt} for ws in tgt_words], tgt_vocab)
        rows, cols = [], []
        for word, i in src_vocab.items():
            for translation in lexicon.pairs[word]:
                j = tgt_vocab.get(translation)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
        src.resize((src.shape[0], max(len(src_vocab), 1)))
        tgt.resize((tgt.shape[0], max(len(tgt_vocab), 1)))
        self.dictionary = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)),
            shape=(max(len(src_vocab), 1), max(len(tgt_vocab), 1)),
        )
        self.left, self.right = _by_width(src), _by_width(tgt)
        self._found: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def found(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        key = (a, b)
        if key not in self._found:
            left, right = self.left[a], self.right[b]
            reach_t = (self.dictionary @ right.T).tocsr()  # source word -> target spans
            reach_t.data[:] = 1.0
            reach_s = (self.dictionary.T @ left.T).tocsr()  # target word -> source spans
            reach_s.data[:] = 1.0
            self._found[key] = (
                np.asarray((left @ reach_t).todense(), dtype=np.float32),
                np.asarray((right @ reach_s).todense(), dtype=np.float32).T,
            )
        return self._found[key]


def _similarity(signal: _SpanSignal, a: int, b: int, params: AlignParams) -> np.ndarray:
    sim = _corrected(signal.dice(a, b), params.hubness)
    weakest = signal.weakest_part(a, b, params.hubness)
    if weakest is not None:
        sim = np.minimum(sim, params.part_factor * weakest)
    return sim


def _corrected(sim: np.ndarray, hubness: float) -> np.ndarray:
    """Similarity minus the mean of its row's and column's other similarities (Vecalign's
    normalisation): a sentence that resembles everything gains nothing from resembling this."""
    if sim.size == 0:
        return sim
    rows, cols = sim.shape
    row_rest = (sim.sum(axis=1, keepdims=True) - sim) / max(cols - 1, 1)
    col_rest = (sim.sum(axis=0, keepdims=True) - sim) / max(rows - 1, 1)
    return np.clip(sim - hubness * (row_rest + col_rest) / 2, 0.0, 1.0)


# ---------------------------------------------------------------- lexicon


@dataclass
class Lexicon:
    """Word pairs learned from confident beads (Hunalign's automatic dictionary)."""

    src_language: str
    tgt_language: str
    pairs: dict[str, frozenset[str]] = field(default_factory=dict)
    name: str = "lexicon"  # the signal's name in the output: "lexicon", "dictionary" or both

    def __len__(self) -> int:
        return len(self.pairs)

    def merged(self, other: Lexicon) -> Lexicon:
        pairs = dict(self.pairs)
        for word, translations in other.pairs.items():
            pairs[word] = pairs.get(word, frozenset()) | translations
        return Lexicon(self.src_language, self.tgt_language, pairs, f"{self.name}+{other.name}")

    @cached_property
    def targets(self) -> frozenset[str]:
        """Every target word the lexicon can produce (once per lexicon, not per document)."""
        return frozenset().union(*self.pairs.values())


def learn_lexicon(
    pairs: Iterable[tuple[str, str]],
    src_language: str,
    tgt_language: str,
    *,
    min_count: int = 2,
    min_dice: float = 0.35,
) -> Lexicon:
    """Dice co-occurrence of (source word, target word) over aligned sentence pairs; each source
    word keeps the target words within 80% of its best Dice."""
    src_counts: Counter[str] = Counter()
    tgt_counts: Counter[str] = Counter()
    joint: Counter[tuple[str, str]] = Counter()
    for src, tgt in pairs:
        s_words, t_words = lexicon_words(src, src_language), lexicon_words(tgt, tgt_language)
        src_counts.update(s_words)
        tgt_counts.update(t_words)
        joint.update((s, t) for s in s_words for t in t_words)
    best: dict[str, list[tuple[float, str]]] = {}
    for (s, t), count in joint.items():
        if count < min_count:
            continue
        dice = 2 * count / (src_counts[s] + tgt_counts[t])
        if dice >= min_dice:
            best.setdefault(s, []).append((dice, t))
    pairs = {}
    for s, candidates in best.items():
        top = max(d for d, _ in candidates)
        pairs[s] = frozenset(t for d, t in candidates if d >= 0.8 * top)
    return Lexicon(src_language, tgt_language, pairs)


# ---------------------------------------------------------------- the aligner


def _mode(doc: Document, supplied: bool) -> str:
    if not doc.src_mt and not doc.tgt_mt:
        return "none"
    return "supplied" if supplied else "translation"


def _signals(
    doc: Document,
    params: AlignParams,
    lexicon: Lexicon | None,
    src_language: str,
    tgt_language: str,
) -> tuple[dict[tuple[int, int], np.ndarray], dict[tuple[int, int], np.ndarray], list[str]]:
    """Per bead type: the combined score matrix and the translation-similarity matrix (zeros
    where there is no translation)."""
    n, m = len(doc.src), len(doc.tgt)
    names: list[str] = []
    mt_signals: list[_PairSignal] = []
    if doc.src_mt:
        mt_signals.append(
            _PairSignal([_trigrams(s) for s in doc.src_mt], [_trigrams(t) for t in doc.tgt])
        )
    if doc.tgt_mt:
        mt_signals.append(
            _PairSignal([_trigrams(s) for s in doc.src], [_trigrams(t) for t in doc.tgt_mt])
        )
    if mt_signals:
        names.append("translation")
    lexicon_signal = None
    if lexicon is not None and len(lexicon) and not mt_signals:
        lexicon_signal = _LexiconSignal(
            [lexicon_words(s, src_language) for s in doc.src],
            [lexicon_words(t, tgt_language) for t in doc.tgt],
            lexicon,
        )
        names.append(lexicon.name)
    anchors = _PairSignal([_anchors(s) for s in doc.src], [_anchors(t) for t in doc.tgt])
    names += ["length", "anchors", "position"]

    src_len = np.array([len(comparison_form(s)) for s in doc.src], dtype=np.float32)
    tgt_len = np.array([len(comparison_form(t)) for t in doc.tgt], dtype=np.float32)
    # float32 throughout: the length and position scores are (n x m) matrices
    ratio = np.float32(float(tgt_len.sum() or 1) / float(src_len.sum() or 1))

    combined: dict[tuple[int, int], np.ndarray] = {}
    similarity: dict[tuple[int, int], np.ndarray] = {}
    lexical = bool(mt_signals) or lexicon_signal is not None
    for a, b in BEAD_TYPES:
        rows, cols = n - a + 1, m - b + 1
        if rows <= 0 or cols <= 0 or (max(a, b) > 2 and not lexical):
            continue  # lengths alone cannot tell a 3-1 bead from a 2-1 and a skip
        weighted = np.zeros((rows, cols), dtype=np.float32)
        weights = np.zeros((rows, cols), dtype=np.float32)
        if mt_signals:
            sim = sum(_similarity(s, a, b, params) for s in mt_signals) / len(mt_signals)
            weighted += params.weight_mt * sim
            weights += params.weight_mt
            similarity[(a, b)] = sim
        if lexicon_signal is not None:
            sim = _similarity(lexicon_signal, a, b, params)
            weighted += params.weight_lexicon * sim
            weights += params.weight_lexicon
        # length (Gale-Church): spans' character lengths, separators counted
        ls = np.convolve(src_len, np.ones(a, np.float32), "valid") + np.float32(a - 1)
        lt = np.convolve(tgt_len, np.ones(b, np.float32), "valid") + np.float32(b - 1)
        delta = (lt[None, :] - ls[:, None] * ratio) / np.sqrt(
            np.maximum((ls[:, None] + lt[None, :] / ratio) * np.float32(3.4), np.float32(1))
        )
        weighted += params.weight_length * np.exp(delta * delta * np.float32(-0.125))
        weights += params.weight_length
        agreement, present = anchors.jaccard(a, b)
        weighted += params.weight_anchor * agreement * present
        weights += params.weight_anchor * present
        i_centre = ((np.arange(rows) + a / 2) / max(n, 1)).astype(np.float32)
        j_centre = ((np.arange(cols) + b / 2) / max(m, 1)).astype(np.float32)
        drift = np.abs(i_centre[:, None] - j_centre[None, :])
        weighted += params.weight_position * np.clip(1 - 4 * drift, 0, 1)
        weights += params.weight_position
        score = weighted / weights
        if doc.src_paragraphs and a > 1:  # a bead does not join sentences across paragraphs
            crosses = np.array(
                [doc.src_paragraphs[i] != doc.src_paragraphs[i + a - 1] for i in range(rows)]
            )
            score[crosses, :] = 0.0
        if doc.tgt_paragraphs and b > 1:
            crosses = np.array(
                [doc.tgt_paragraphs[j] != doc.tgt_paragraphs[j + b - 1] for j in range(cols)]
            )
            score[:, crosses] = 0.0
        combined[(a, b)] = score
    return combined, similarity, names


def _dp(
    n: int, m: int, combined: dict[tuple[int, int], np.ndarray], params: AlignParams
) -> list[tuple[int, int, int, int]]:
    """Cheapest path; returns beads as (i, a, j, b) starts and sizes."""
    inf = np.float32(np.inf)
    cost = np.full((n + 1, m + 1), inf, dtype=np.float64)
    choice = np.full((n + 1, m + 1), -1, dtype=np.int8)  # index in BEAD_TYPES, or a skip
    steps = {
        (a, b): (1 - score) * (a + b) / 2 + params.merge_penalty * (a + b - 2)
        for (a, b), score in combined.items()
    }
    columns = np.arange(m + 1) * params.skip_cost
    for i in range(n + 1):
        base = np.full(m + 1, inf, dtype=np.float64)
        pick = np.full(m + 1, -1, dtype=np.int8)
        if i == 0:
            base[0], pick[0] = 0.0, -1
        else:
            candidate = cost[i - 1] + params.skip_cost  # 1-0: a source sentence left out
            better = candidate < base
            base[better], pick[better] = candidate[better], SKIP_SRC
            for k, (a, b) in enumerate(BEAD_TYPES):
                if i - a < 0 or (a, b) not in steps:
                    continue
                candidate = cost[i - a, : m + 1 - b] + steps[(a, b)][i - a]
                better = candidate < base[b:]
                base[b:][better] = candidate[better]
                pick[b:][better] = k
        # 0-1 beads chain along the row: cost[j] = min over k <= j of base[k] + (j - k) * skip
        running = np.minimum.accumulate(base - columns) + columns
        skipped = running < base - 1e-9
        pick[skipped] = SKIP_TGT
        cost[i], choice[i] = running, pick
    beads: list[tuple[int, int, int, int]] = []
    i, j = n, m
    while (i, j) != (0, 0):
        k = int(choice[i, j])
        a, b = BEAD_TYPES[k] if k < SKIP_SRC else ((1, 0) if k == SKIP_SRC else (0, 1))
        beads.append((i - a, a, j - b, b))
        i, j = i - a, j - b
    beads.reverse()
    return beads


def _names(text: str) -> set[str]:
    return {
        name.lower()
        for match in NAME.findall(text)
        for name in [" ".join(w for w in match.split() if w not in NAME_STOPWORDS)]
        if name
    }


def _name_found(name: str, other: str) -> bool:
    """A name counts as present when each of its words is found, allowing for spelling
    variants of transliterated names (similarity >= 0.75 with some word of the other text)."""
    words = WORD.findall(other.lower())
    for part in name.split():
        if part in words:
            continue
        if not any(difflib.SequenceMatcher(None, part, w).ratio() >= 0.75 for w in words):
            return False
    return True


def word_diff(translation: str, target: str) -> list[DiffOp]:
    """Word-level diff from the machine translation of the source to the target sentence."""
    left, right = translation.split(), target.split()
    ops = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
        None, left, right, autojunk=False
    ).get_opcodes():
        ops.append(DiffOp(op=tag, mt=" ".join(left[i1:i2]), tgt=" ".join(right[j1:j2])))
    return ops


def _flags(
    doc: Document,
    src: list[int],
    tgt: list[int],
    score: float,
    mt_sim: float | None,
    params: AlignParams,
) -> list[str]:
    if not tgt:
        return ["omitted"]
    if not src:
        return ["added"]
    flags = []
    src_text = " ".join(doc.src[i] for i in src)
    tgt_text = " ".join(doc.tgt[j] for j in tgt)
    if numbers_of(src_text) != numbers_of(tgt_text):
        flags.append("number_mismatch")
    if doc.src_mt or doc.tgt_mt:
        # names are compared in the Latin-script language, whichever side that is
        pairs = []
        if doc.src_mt:
            pairs.append((" ".join(doc.src_mt[i] for i in src), tgt_text))
        if doc.tgt_mt:
            pairs.append((src_text, " ".join(doc.tgt_mt[j] for j in tgt)))
        for left, right in pairs:
            if any(not _name_found(x, left) for x in _names(right)) or any(
                not _name_found(x, right) for x in _names(left)
            ):
                flags.append("name_mismatch")
                break
        if mt_sim is not None and mt_sim < params.low_similarity_below:
            flags.append("low_similarity")
    if score < params.doubtful_below:
        flags.append("doubtful")
    return flags


def align(
    doc: Document,
    *,
    src_language: str = "ar",
    tgt_language: str = "en",
    supplied: bool = False,
    lexicon: Lexicon | None = None,
    params: AlignParams | None = None,
    diff: bool = True,
) -> Alignment:
    """Align one document. `supplied` says the translations came from the user, not our engine
    (it only changes the mode named in the output)."""
    if params is None:
        params = TRANSLATION_PARAMS if doc.src_mt or doc.tgt_mt else NO_TRANSLATION_PARAMS
    n, m = len(doc.src), len(doc.tgt)
    combined, similarity, names = _signals(doc, params, lexicon, src_language, tgt_language)
    beads: list[Bead] = []
    for i, a, j, b in _dp(n, m, combined, params):
        src, tgt = list(range(i, i + a)), list(range(j, j + b))
        if a and b:
            score = float(combined[(a, b)][i, j])
            mt_sim = float(similarity[(a, b)][i, j]) if (a, b) in similarity else None
        else:  # a skip is as sure as the sentence's best 1-1 match elsewhere is poor
            row = combined[(1, 1)][i] if a and (1, 1) in combined else None
            col = combined[(1, 1)][:, j] if b and (1, 1) in combined else None
            best = row if row is not None else col
            score = 1.0 - float(best.max()) if best is not None and best.size else 1.0
            mt_sim = None
        bead = Bead(
            src=src,
            tgt=tgt,
            score=round(score, 4),
            flags=_flags(doc, src, tgt, score, mt_sim, params),
        )
        if diff and a and b and doc.src_mt:
            bead.diff = word_diff(
                " ".join(doc.src_mt[k] for k in src), " ".join(doc.tgt[k] for k in tgt)
            )
        beads.append(bead)
    return Alignment(beads=beads, mode=_mode(doc, supplied), signals=names)


def align_corpus(
    docs: Sequence[Document],
    *,
    src_language: str = "ar",
    tgt_language: str = "en",
    supplied: bool = False,
    params: AlignParams | None = None,
    diff: bool = True,
    dictionary: Lexicon | None = None,
) -> list[Alignment]:
    """Align many documents. Those without translations are aligned with the bilingual
    `dictionary` if one is given, then again with it plus a lexicon learned from the first pass's
    confident 1-1 beads over all documents (Hunalign's realign)."""
    untranslated = [k for k, d in enumerate(docs) if not d.src_mt and not d.tgt_mt]
    options = {
        "src_language": src_language,
        "tgt_language": tgt_language,
        "supplied": supplied,
        "params": params,
        "diff": diff,
    }
    first = [
        align(d, lexicon=None if d.src_mt or d.tgt_mt else dictionary, **options)  # type: ignore[arg-type]
        for d in docs
    ]
    if not untranslated:
        return first
    confident = [
        (docs[k].src[b.src[0]], docs[k].tgt[b.tgt[0]])
        for k in untranslated
        for b in first[k].beads
        if len(b.src) == 1 and len(b.tgt) == 1 and "doubtful" not in b.flags
    ]
    learned = learn_lexicon(confident, src_language, tgt_language)
    if not len(learned):
        return first
    lexicon = dictionary.merged(learned) if dictionary is not None else learned
    for k in untranslated:
        first[k] = align(docs[k], lexicon=lexicon, **options)  # type: ignore[arg-type]
    return first


__all__ = [
    "ALIGNER_VERSION",
    "AlignParams",
    "Alignment",
    "Document",
    "Lexicon",
    "align",
    "align_corpus",
    "document_of",
    "learn_lexicon",
    "pair_alignment",
    "word_diff",
]


def document_of(
    ar_text: ArticleText,
    en_text: ArticleText,
    *,
    ar_mt: list[str] | None = None,
    en_mt: list[str] | None = None,
) -> Document:
    """The Arabic original as source, the English version as target, paragraphs kept."""
    return Document(
        src=[s.text for s in ar_text.sentences],
        tgt=[s.text for s in en_text.sentences],
        src_mt=ar_mt,
        tgt_mt=en_mt,
        src_paragraphs=[s.paragraph for s in ar_text.sentences],
        tgt_paragraphs=[s.paragraph for s in en_text.sentences],
    )


def pair_alignment(
    pair: ArticlePair, doc: Document, alignment: Alignment, *, aligned_at: datetime | None = None
) -> PairAlignment:
    """The record stored and exported for one aligned article pair."""
    assert pair.ar is not None
    return PairAlignment(
        site=pair.site,
        en_article_id=pair.en.site_article_id,
        src_language="ar",
        tgt_language="en",
        src_sha256=pair.ar.content_sha256,
        tgt_sha256=pair.en.content_sha256,
        mode=alignment.mode,
        aligner=ALIGNER_VERSION,
        src_sentences=doc.src,
        tgt_sentences=doc.tgt,
        src_translation=doc.src_mt,
        beads=alignment.beads,
        aligned_at=aligned_at or datetime.now(UTC),
    )
