"""(being written)"""

from __future__ import annotations

from functools import lru_cache

from pipeline.docscore import WordList


@lru_cache(maxsize=8)
def word_list(src_language: str, tgt_language: str) -> WordList | None:
    """The bundled word list for the pair, as the scorer reads it; None where there is none."""
    from pipeline.dictionary import bundled_dictionary

    lexicon = bundled_dictionary(src_language, tgt_language)
    if lexicon is None:
        return None
    return WordList(lexicon.pairs, name=f"{lexicon.name} {src_language}-{tgt_language}")
