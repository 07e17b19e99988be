"""The content pairing's scorer: how strongly two documents in two languages say the same thing.

Evidence, each a number in [0, 1] for an (original, translation) pair:
- `encoder`: the cosine of order-aware document vectors (Thompson & Koehn 2020): each sentence's
  multilingual embedding (pipeline.encoder) spread over a few position bins by where it stands in
  its document, weighted by its length and down-weighted where the same sentence recurs in the
  site (boilerplate); a document vector is its bins side by side, so two documents agree only
  where they say similar things in a similar order.
- `sequence`: the re-scoring of the best candidates: the sentence embeddings aligned in order (a
  monotone one-to-one path through the sentence similarities, as a light Vecalign), the share of
  the shorter document that finds its counterpart; and `coverage`, the share of the longer one.
  Same-event reports in the two languages are close as documents and far apart here; a short
  report whose every sentence is in a longer one of the other language (a rewrite of the same
  wire story) has a high `sequence` and a low `coverage`.
- `lexical`: where no encoder is installed or covers the pair, or beside it: the original's
  words carried into the other language by a machine translation or the bundled word list
  (pipeline/dictionaries), compared with the translation's by TF-IDF cosine (Buck & Koehn 2016).
- `anchors`: what a translation keeps whatever its language: numbers on unified digits
  (pipeline.text.comparison_form), dates (day and month, by month names in several languages),
  names in Latin script; IDF-weighted cosine, so a year every article mentions weighs little.

They are combined by a logistic model whose weights were fitted on development documents
(bench/pair_dev.py: NTREX-128 ar/zh/en news, MAC-Dev literary zh-en chapters, Bleualign's de-fr
article, with condensation and same-topic distractors); the result is the pair's score, the
probability-like number the threshold applies to.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from scipy import sparse

from pipeline.align import lexicon_words
from pipeline.text import comparison_form

UNSEGMENTED = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo"})  # no spaces between words
LATIN_SCRIPT = frozenset({"en", "fr", "de", "es", "it", "nl", "pt", "pl", "tr", "id", "ms"})


# -- documents --------------------------------------------------------------------------------


@dataclass
class ScoredDocument:
    """What the scorer reads of a document: its sentences (the title first, where it has one)
    in its language."""

    key: str
    language: str
    sentences: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.sentences)


class Embedder(Protocol):
    """Sentence vectors by the multilingual encoder (pipeline.encoder.SentenceEncoder, or a
    cached front of it): (n, d) float32, rows unit length."""

    encoder_id: str

    def covers(self, language: str) -> bool: ...
    def embed(self, sentences: Sequence[str]) -> np.ndarray: ...


Translate = Callable[[Sequence[str]], Sequence[str | None]]


@dataclass(frozen=True)
class ScorerSettings:
    bins: int = 8  # position bins of a document vector
    spread: float = 0.7  # a sentence's reach over the bins (Gaussian sigma, in bins)
    max_sentences: int = 120  # a longer document is read this far (its opening carries it)
    candidates: int = 6  # re-scored by sentence sequence, per document on each side
    sequence_floor: float = 0.4  # a sentence cosine below it is no evidence of a match
    sequence_full: float = 0.7  # at or above it, a full match


# -- anchors ----------------------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?![\w])")
_LATIN_WORD = re.compile(r"(?<![A-Za-z])[A-Za-z][A-Za-z0-9&'-]{1,30}")
_CAPITALISED = re.compile(r"(?<=[\w,;:] )[A-Z][A-Za-z&-]{2,30}")
MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan janvier januar يناير جانفي",
        "february feb février fevrier februar فبراير شباط فيفري",
        "march mar mars märz maerz مارس آذار",
        "april apr avril أبريل ابريل إبريل نيسان أفريل",
        "may mai مايو أيار ماي",
        "june jun juin juni يونيو حزيران جوان",
        "july jul juillet juli يوليو تموز جويلية",
        "august aug août aout أغسطس اغسطس آب أوت",
        "september sep sept septembre سبتمبر أيلول",
        "october oct octobre oktober أكتوبر اكتوبر",
        "november nov novembre نوفمبر",
        "december dec décembre decembre dezember ديسمبر",
    ),
    start=1,
):
    for _name in _names.split():
        MONTHS.setdefault(comparison_form(_name), _number)
# the Levantine months of two words
for _name, _number in (
    ("كانون الثاني", 1),
    ("تشرين الأول", 10),
    ("تشرين الثاني", 11),
    ("كانون الأول", 12),
):
    MONTHS[comparison_form(_name)] = _number
_MONTH = "(?:" + "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True)) + r")\.?"
# 22 April, 22. April, 22 من نيسان, 22 de abril / April 22 / 4月22日
_DAY_MONTH = re.compile(rf"(?<!\d)(\d{{1,2}})\.?\s+(?:(?:من|de|of)\s+)?({_MONTH})(?!\w)")
_MONTH_DAY = re.compile(rf"(?<!\w)({_MONTH})\s+(\d{{1,2}})(?!\d)")
_CJK_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")


def _number_anchor(token: str) -> str | None:
    """A number as a translation keeps it: thousands separators dropped, a decimal comma read as
    a point; single digits say too little to count."""
    digits = token.replace(",", "") if re.fullmatch(r"\d{1,3}(?:,\d{3})+", token) else token
    digits = digits.replace(",", ".").rstrip(".")
    if len(digits) < 2 or not digits.strip("0."):
        return None
    return "n:" + digits


def _date(month_word: str, day: str) -> str | None:
    month = MONTHS.get(month_word.rstrip("."))
    return f"d:{month}-{int(day)}" if month and 1 <= int(day) <= 31 else None


def anchors_of(text: str, language: str) -> Counter[str]:
    """The anchors of a text: "n:1200" numbers, "d:4-22" dates (month-day), "w:nato" names in
    Latin script (any Latin word in a text of another script; a capitalised word within a
    sentence of a Latin-script text)."""
    form = comparison_form(text)
    found: Counter[str] = Counter()
    for match in _DAY_MONTH.finditer(form):
        found.update(a for a in [_date(match[2], match[1])] if a)
    for match in _MONTH_DAY.finditer(form):
        found.update(a for a in [_date(match[1], match[2])] if a)
    for match in _CJK_DATE.finditer(form):
        if 1 <= int(match[1]) <= 12 and 1 <= int(match[2]) <= 31:
            found[f"d:{int(match[1])}-{int(match[2])}"] += 1
    for match in _NUMBER.finditer(form):
        anchor = _number_anchor(match[0])
        if anchor:
            found[anchor] += 1
    if language.split("-")[0] in LATIN_SCRIPT:
        for line in text.splitlines():
            found.update("w:" + m[0].casefold() for m in _CAPITALISED.finditer(line))
    else:
        found.update("w:" + m[0].casefold() for m in _LATIN_WORD.finditer(text))
    return found


# -- sparse bags ------------------------------------------------------------------------------


def _bags(rows: Sequence[Mapping[str, int] | set[str]], vocab: dict[str, int]) -> sparse.csr_matrix:
    cols: list[int] = []
    indptr = [0]
    for row in rows:
        cols.extend(vocab.setdefault(word, len(vocab)) for word in row)
        indptr.append(len(cols))
    return sparse.csr_matrix(
        (np.ones(len(cols), dtype=np.float32), np.asarray(cols, dtype=np.int64), indptr),
        shape=(len(rows), max(len(vocab), 1)),
    )


def _widen(x: sparse.csr_matrix, width: int) -> sparse.csr_matrix:
    return sparse.csr_matrix((x.data, x.indices, x.indptr), shape=(x.shape[0], width))


def _idf_cosine(left: sparse.csr_matrix, right: sparse.csr_matrix) -> np.ndarray:
    """Dense (len(left), len(right)) cosines of binary bags weighted by IDF over both sides."""
    width = max(left.shape[1], right.shape[1])
    left, right = _widen(left, width), _widen(right, width)
    df = np.asarray(left.sum(axis=0) + right.sum(axis=0)).ravel()
    docs = left.shape[0] + right.shape[0]
    idf = (np.log((docs + 1) / (df + 1)) + 1.0).astype(np.float32)
    weight = sparse.diags(idf)
    lw, rw = left @ weight, right @ weight
    dots = np.asarray((lw @ rw.T).todense())
    ln = np.sqrt(np.asarray(lw.multiply(lw).sum(axis=1)).ravel())
    rn = np.sqrt(np.asarray(rw.multiply(rw).sum(axis=1)).ravel())
    with np.errstate(divide="ignore", invalid="ignore"):
        out = dots / np.outer(ln, rn)
    return np.nan_to_num(out, nan=0.0, posinf=0.0).astype(np.float64)


def anchor_scores(
    originals: Sequence[ScoredDocument], translations: Sequence[ScoredDocument]
) -> np.ndarray:
    """IDF-weighted cosines of the documents' anchors. Where the originals are not in Latin
    script, a Latin name counts on the translation's side only if some original has it (a
    translation's capitalised words are mostly names an Arabic original writes in Arabic)."""
    left = [anchors_of(d.text, d.language) for d in originals]
    right = [anchors_of(d.text, d.language) for d in translations]
    if any(d.language.split("-")[0] not in LATIN_SCRIPT for d in originals):
        names = {a for bag in left for a in bag if a.startswith("w:")}
        right = [
            Counter({a: n for a, n in bag.items() if not a.startswith("w:")})
            + Counter({w: 1 for w in _latin_words(d.text) if w in names})
            for bag, d in zip(right, translations, strict=True)
        ]
    vocab: dict[str, int] = {}
    return _idf_cosine(_bags(left, vocab), _bags(right, vocab))


def _latin_words(text: str) -> set[str]:
    return {"w:" + m[0].casefold() for m in _LATIN_WORD.finditer(text)}


# -- lexical evidence: a word list or a machine translation -----------------------------------


def content_words(text: str, language: str) -> set[str]:
    """The words compared across languages, as the aligner's lexicon and the bundled word list
    key them (pipeline.align.lexicon_words: lower case, Arabic clitics stripped, cut to five
    letters; character pairs where words have no spaces)."""
    return lexicon_words(text, language.split("-")[0])


@dataclass
class WordList:
    """A bilingual word list over `content_words` forms: source word -> target words."""

    pairs: Mapping[str, frozenset[str]]
    name: str = "dictionary"


def mt_scores(
    originals: Sequence[ScoredDocument],
    translations: Sequence[ScoredDocument],
    translated: Sequence[str],
) -> np.ndarray:
    """TF-IDF cosines of each original's machine translation's words with each translation's
    words (Buck & Koehn 2016, as Bitextor's default document aligner)."""
    target = translations[0].language if translations else "en"
    vocab: dict[str, int] = {}
    left = _bags([content_words(t, target) for t in translated], vocab)
    right = _bags([content_words(d.text, d.language) for d in translations], vocab)
    return _idf_cosine(left, right)


def dictionary_scores(
    originals: Sequence[ScoredDocument],
    translations: Sequence[ScoredDocument],
    words: WordList,
) -> np.ndarray:
    """TF-IDF cosines of each original's words carried through the word list (every
    translation it gives) with each translation's words."""
    rows: list[set[str]] = []
    for doc in originals:
        carried: set[str] = set()
        for w in content_words(doc.text, doc.language):
            carried.update(words.pairs.get(w, ()))
        rows.append(carried)
    vocab: dict[str, int] = {}
    left = _bags(rows, vocab)
    right = _bags([content_words(d.text, d.language) for d in translations], vocab)
    return _idf_cosine(left, right)


# -- encoder evidence -------------------------------------------------------------------------


def sentence_weights(
    sides: Sequence[Sequence[ScoredDocument]],
) -> dict[str, Counter[str]]:
    """How many documents of each language hold each sentence (comparison form): a sentence on
    many pages of a site is boilerplate and weighs little in a document vector."""
    seen: dict[str, Counter[str]] = {}
    for docs in sides:
        for doc in docs:
            counts = seen.setdefault(doc.language, Counter())
            counts.update({comparison_form(s) for s in doc.sentences})
    return seen


def document_vector(
    vectors: np.ndarray, sentences: Sequence[str], recurring: Counter[str], s: ScorerSettings
) -> np.ndarray:
    """Thompson & Koehn's order-aware pooling: sentence k of n, at relative position
    (k + 0.5) / n, adds its vector to each of `bins` position bins with a Gaussian weight by
    its distance to the bin's centre, times sqrt(length) / (documents holding it); each bin is
    normalised, the bins put side by side, the whole normalised."""
    n = len(sentences)
    dims = vectors.shape[1] if vectors.ndim == 2 else 512
    if n == 0:
        return np.zeros(s.bins * dims, dtype=np.float32)
    position = (np.arange(n) + 0.5) / n
    centre = (np.arange(s.bins) + 0.5) / s.bins
    sigma = s.spread / s.bins
    spread = np.exp(-((position[None, :] - centre[:, None]) ** 2) / (2 * sigma * sigma))
    weight = np.array(
        [
            math.sqrt(max(len(t), 1)) / max(recurring.get(comparison_form(t), 1), 1)
            for t in sentences
        ],
        dtype=np.float32,
    )
    bins = (spread * weight[None, :]).astype(np.float32) @ vectors
    norms = np.linalg.norm(bins, axis=1, keepdims=True)
    bins = bins / np.where(norms > 0, norms, 1)
    flat = bins.reshape(-1)
    total = float(np.linalg.norm(flat))
    return (flat / total if total > 0 else flat).astype(np.float32)


def sequence_score(similarity: np.ndarray, s: ScorerSettings) -> float:
    """The share of the shorter document whose sentences find their counterparts, in order
    (sequence_match over its sentence count)."""
    rows, cols = similarity.shape
    return sequence_match(similarity, s) / min(rows, cols) if rows and cols else 0.0


def sequence_match(similarity: np.ndarray, s: ScorerSettings) -> float:
    """The best in-order one-to-one matching of the two documents' sentences, each cosine
    mapped to a match value from 0 at `sequence_floor` to 1 at `sequence_full`: how many
    sentences have their counterpart, in order."""
    rows, cols = similarity.shape
    if rows == 0 or cols == 0:
        return 0.0
    value = np.clip(
        (similarity - s.sequence_floor) / (s.sequence_full - s.sequence_floor), 0.0, 1.0
    )
    previous = np.zeros(cols + 1, dtype=np.float64)
    for i in range(rows):
        # best[i][j] = max(best[i-1][j], best[i][j-1], best[i-1][j-1] + value[i][j-1])
        step = np.maximum(previous[1:], previous[:-1] + value[i])
        current = np.empty_like(previous)
        current[0] = 0.0
        current[1:] = np.maximum.accumulate(step)
        previous = current
    return float(previous[-1])


@dataclass
class EncodedSide:
    """One side's documents as the encoder sees them: each document's sentence vectors (cut to
    `max_sentences`) and its document vector."""

    sentences: list[np.ndarray]
    documents: np.ndarray  # (n, bins * d)


def encode_side(
    docs: Sequence[ScoredDocument],
    embedder: Embedder,
    recurring: Mapping[str, Counter[str]],
    s: ScorerSettings,
) -> EncodedSide:
    cut = [d.sentences[: s.max_sentences] for d in docs]
    flat = [t for sentences in cut for t in sentences]
    vectors = embedder.embed(flat) if flat else np.zeros((0, 512), dtype=np.float32)
    out, start = [], 0
    for sentences in cut:
        out.append(vectors[start : start + len(sentences)])
        start += len(sentences)
    documents = (
        np.stack(
            [
                document_vector(v, t, recurring.get(d.language, Counter()), s)
                for v, t, d in zip(out, cut, docs, strict=True)
            ]
        )
        if docs
        else np.zeros((0, s.bins * 512), dtype=np.float32)
    )
    return EncodedSide(out, documents)


# -- the combination --------------------------------------------------------------------------

FEATURES = ("encoder", "sequence", "coverage", "mt", "dictionary", "anchors", "length")


@dataclass(frozen=True)
class Model:
    """A logistic combination of the evidence at hand: score = 1 / (1 + exp(-(bias + sum of
    weight * evidence)))."""

    name: str
    weights: Mapping[str, float]
    bias: float

    def score(self, features: Mapping[str, np.ndarray]) -> np.ndarray:
        z = np.full_like(next(iter(features.values())), self.bias, dtype=np.float64)
        for name, weight in self.weights.items():
            z = z + weight * features[name]
        return 1.0 / (1.0 + np.exp(-z))


# Fitted by `bench/pair_dev.py --fit` (logistic regression, every set; its leave-one-set-out
# precision and recall are in docs/pairing.md), one model per kind of evidence at hand. With the
# encoder, machine translation and the word list are left out: adding them did not raise
# leave-out recall or precision on the development sets (MT lowered ntrex-zh's precision).
MODELS: dict[str, Model] = {
    "encoder": Model("encoder", {"encoder": 20.19, "sequence": 16.75, "anchors": 0.0}, -9.44),
    "mt": Model("mt", {"mt": 67.9, "anchors": 0.0, "length": 0.29}, -10.97),
    # one development set has a word list (ntrex-ar): fitted on it, no leave-out
    "dictionary": Model("dictionary", {"dictionary": 83.72, "anchors": 5.7, "length": 7.09}, -13.6),
    "anchors": Model("anchors", {"anchors": 10.63, "length": 0.0}, -0.85),
}


def length_agreement(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The shorter document's length (in characters) over the longer's, for every pair."""
    a, b = np.maximum(left, 1)[:, None], np.maximum(right, 1)[None, :]
    return (np.minimum(a, b) / np.maximum(a, b)).astype(np.float64)


@dataclass
class ScoreTable:
    """Scores of every (original, translation) pair considered: `score[i, j]` (NaN where the
    pair was never a candidate: outside the date window), the evidence behind it by name, and
    which model combined it."""

    score: np.ndarray
    evidence: dict[str, np.ndarray]
    model: str
    notes: list[str] = field(default_factory=list)

    def evidence_of(self, i: int, j: int) -> dict[str, float]:
        return {
            name: round(float(values[i, j]), 4)
            for name, values in self.evidence.items()
            if not math.isnan(float(values[i, j]))
        }


def score_documents(
    originals: Sequence[ScoredDocument],
    translations: Sequence[ScoredDocument],
    allowed: np.ndarray,
    *,
    settings: ScorerSettings | None = None,
    embedder: Embedder | None = None,
    words: WordList | None = None,
    translated: Sequence[str] | None = None,
) -> ScoreTable:
    """Every allowed pair's evidence and score. `allowed` (len(originals), len(translations))
    bool: the candidates (the date window's); the sequence re-scoring runs on each document's
    `candidates` best by the document-level evidence. The evidence used, best first: the encoder
    where it covers both languages; else the originals' machine translations (`translated`, one
    text an original), else the word list, else anchors alone."""
    s = settings or ScorerSettings()
    shape = (len(originals), len(translations))
    notes: list[str] = []
    evidence: dict[str, np.ndarray] = {}
    nan = np.full(shape, np.nan, dtype=np.float64)
    anchors = anchor_scores(originals, translations) if all(shape) else nan
    evidence["anchors"] = np.where(allowed, anchors, np.nan)
    lengths_o = np.array([len(d.text) for d in originals], dtype=np.float64)
    lengths_t = np.array([len(d.text) for d in translations], dtype=np.float64)
    evidence["length"] = np.where(allowed, length_agreement(lengths_o, lengths_t), np.nan)
    languages = {d.language for d in (*originals, *translations)}
    covered = embedder is not None and all(embedder.covers(lang) for lang in languages)
    if embedder is not None and not covered:
        missing = sorted(lang for lang in languages if not embedder.covers(lang))
        notes.append(f"the encoder does not cover {', '.join(missing)}")
    if covered and all(shape):
        assert embedder is not None
        recurring = sentence_weights((originals, translations))
        left = encode_side(originals, embedder, recurring, s)
        right = encode_side(translations, embedder, recurring, s)
        cosine = np.clip(left.documents @ right.documents.T, 0.0, 1.0).astype(np.float64)
        evidence["encoder"] = np.where(allowed, cosine, np.nan)
        sequence = np.full(shape, np.nan, dtype=np.float64)
        coverage = np.full(shape, np.nan, dtype=np.float64)
        for i, j in _candidates(cosine, allowed, s.candidates):
            similarity = left.sentences[i] @ right.sentences[j].T
            matched = sequence_match(similarity, s)
            if matched > 0:
                sequence[i, j] = matched / min(similarity.shape)
                coverage[i, j] = matched / max(similarity.shape)
            else:
                sequence[i, j] = coverage[i, j] = 0.0
        evidence["sequence"] = sequence
        # the share of the longer document matched: a same-event report in the other language
        # matches a few sentences of a longer one (the shorter's share alone is high)
        evidence["coverage"] = coverage
        notes.insert(0, f"encoder {embedder.encoder_id}")
        name = "encoder"
    elif translated is not None and all(shape):
        evidence["mt"] = np.where(allowed, mt_scores(originals, translations, translated), np.nan)
        notes.append("machine translation")
        name = "mt"
    elif words is not None and all(shape):
        cosine = dictionary_scores(originals, translations, words)
        evidence["dictionary"] = np.where(allowed, cosine, np.nan)
        notes.append(words.name)
        name = "dictionary"
    else:
        name = "anchors"
    model = MODELS[name]
    features = {k: np.nan_to_num(evidence[k], nan=0.0) for k in model.weights}
    score = np.where(allowed, model.score(features), np.nan)
    if "sequence" in evidence:  # never re-scored: not among anyone's best candidates
        score = np.where(np.isnan(evidence["sequence"]) & allowed, 0.0, score)
    return ScoreTable(score, evidence, name, [n for n in notes if n])


def _candidates(score: np.ndarray, allowed: np.ndarray, k: int) -> set[tuple[int, int]]:
    """Each original's k best translations and each translation's k best originals (allowed
    pairs only)."""
    masked = np.where(allowed, score, -np.inf)
    out: set[tuple[int, int]] = set()
    rows, cols = masked.shape
    if rows == 0 or cols == 0:
        return out
    kr = min(k, cols)
    best_cols = np.argpartition(-masked, kr - 1, axis=1)[:, :kr]
    for i in range(rows):
        out.update((i, int(j)) for j in best_cols[i] if allowed[i, j])
    kc = min(k, rows)
    best_rows = np.argpartition(-masked, kc - 1, axis=0)[:kc, :]
    for j in range(cols):
        out.update((int(i), j) for i in best_rows[:, j] if allowed[i, j])
    return out


def text_key(text: str) -> str:
    """The key a sentence's embedding is cached under (with the encoder's id)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
