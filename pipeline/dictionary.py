"""Bilingual word lists for aligning without a translation (Hunalign's dictionary).

A word list is a text file (gzipped or not) of "source word<TAB>target word" lines, `#` lines
being comments. The project bundles one, `dictionaries/ar-en.tsv.gz` (FreeDict, GPL-2.0-or-later;
see dictionaries/README.md); users may hand in their own for any pair.
"""

from __future__ import annotations

import gzip
import threading
from functools import lru_cache
from pathlib import Path

from pipeline.align import Lexicon, lexicon_words

BUNDLED = Path(__file__).parent / "dictionaries"


def load_dictionary(
    path: Path, src_language: str, tgt_language: str, *, reverse: bool = False
) -> Lexicon:
    """The word list as a lexicon over the aligner's word forms; `reverse` when the file's first
    column is in the target language."""
    opener = gzip.open if path.suffix == ".gz" else open
    pairs: dict[str, set[str]] = {}
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#") or "\t" not in line:
                continue
            left, right = line.rstrip("\n").split("\t", 1)
            src, tgt = (right, left) if reverse else (left, right)
            for s in lexicon_words(src, src_language):
                pairs.setdefault(s, set()).update(lexicon_words(tgt, tgt_language))
    return Lexicon(
        src_language,
        tgt_language,
        {s: frozenset(t) for s, t in pairs.items() if t},
        name="dictionary",
    )


_LOADING = threading.Lock()  # lru_cache alone lets each of the crawl's threads load it at once


def bundled_dictionary(src_language: str, tgt_language: str) -> Lexicon | None:
    """The bundled word list for this pair, in either direction; None where there is none."""
    with _LOADING:
        return _bundled_dictionary(src_language, tgt_language)


@lru_cache(maxsize=8)  # a read-only file in the package: loaded once per process and pair
def _bundled_dictionary(src_language: str, tgt_language: str) -> Lexicon | None:
    for first, second, reverse in (
        (src_language, tgt_language, False),
        (tgt_language, src_language, True),
    ):
        path = BUNDLED / f"{first}-{second}.tsv.gz"
        if path.exists():
            return load_dictionary(path, src_language, tgt_language, reverse=reverse)
    return None
