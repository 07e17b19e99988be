"""Word pairs for aligning without a translation: a bilingual word list, or learned from
confident beads (Hunalign's automatic dictionary)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy import sparse

from pipeline.align.cosine import _counts, _scaled_columns
from pipeline.align.words import lexicon_words

# ---------------------------------------------------------------- lexicon


@dataclass
class Lexicon:
    """Word pairs: a bilingual word list, or learned from confident beads (Hunalign's
    automatic dictionary)."""

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
    word keeps the target words within 80% of its best Dice. Counted with one sparse product."""
    src_vocab: dict[str, int] = {}
    tgt_vocab: dict[str, int] = {}
    src_rows, tgt_rows = [], []
    for src, tgt in pairs:
        src_rows.append(lexicon_words(src, src_language))
        tgt_rows.append(lexicon_words(tgt, tgt_language))
    if not src_rows:
        return Lexicon(src_language, tgt_language, {})
    s, t = _counts(src_rows, src_vocab), _counts(tgt_rows, tgt_vocab)
    joint = (s.T @ t).tocoo()
    src_counts = np.asarray(s.sum(axis=0)).ravel()
    tgt_counts = np.asarray(t.sum(axis=0)).ravel()
    dice = 2 * joint.data / (src_counts[joint.row] + tgt_counts[joint.col])
    keep = (joint.data >= min_count) & (dice >= min_dice)
    rows, cols, dice = joint.row[keep], joint.col[keep], dice[keep]
    best = np.zeros(len(src_counts))
    np.maximum.at(best, rows, dice)
    keep = dice >= 0.8 * best[rows]
    src_words, tgt_words = list(src_vocab), list(tgt_vocab)
    found: dict[str, set[str]] = {}
    for r, c in zip(rows[keep].tolist(), cols[keep].tolist(), strict=True):
        found.setdefault(src_words[r], set()).add(tgt_words[c])
    return Lexicon(src_language, tgt_language, {w: frozenset(ts) for w, ts in found.items()})


def _lexicon_pair(
    src_words: Sequence[set[str]], tgt_words: Sequence[set[str]], lexicon: Lexicon
) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Source sentences mapped onto the target words their known words translate to (each word's
    weight shared among its translations found in this document), and the target sentences'
    words that some source word here can produce."""
    src_vocab: dict[str, int] = {}
    tgt_vocab: dict[str, int] = {}
    known = lexicon.targets
    src = _counts([{w for w in ws if w in lexicon.pairs} for ws in src_words], src_vocab)
    tgt = _counts([{w for w in ws if w in known} for ws in tgt_words], tgt_vocab)
    rows, cols, weights = [], [], []
    for word, i in src_vocab.items():
        found = [tgt_vocab[t] for t in lexicon.pairs[word] if t in tgt_vocab]
        if not found:
            continue
        rows += [i] * len(found)
        cols += found
        weights += [1.0 / len(found)] * len(found)
    links = sparse.csr_matrix(
        (np.asarray(weights, dtype=np.float32), (rows, cols)), shape=(src.shape[1], tgt.shape[1])
    )
    reachable = np.asarray(links.sum(axis=0)).ravel() > 0
    return (src @ links).tocsr(), _scaled_columns(tgt, reachable.astype(np.float32))
