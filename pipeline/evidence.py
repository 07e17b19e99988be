"""What a translator is shown as evidence for a bead, and what the report's page re-aligns with.

- `numbers` / `latin_names`: the numbers (digits unified across scripts, on
  pipeline.text.comparison_form) and Latin-script names of a text; `hand_flags` flags a bead a
  translator made by the same evidence (the report's script marks the same tokens in the page).
- `similarity_items`: per stored sentence, the words that can match across the two sides (the
  translation's words; the original's machine translation, or its words through the bundled
  word list, and its numbers and Latin-script words), each at its offset, so the page can score
  any stretch of sentences, a split piece included, for its small re-aligning search.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

from pipeline.text import comparison_form

NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:/\d+)?")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’\-]*")
# A capitalised run not at a sentence's start: a name, as the aligner's own rule reads one.
NAME = re.compile(r"(?<=[^.!?:\"“\s]\s)[A-Z][\w\-']+(?:\s+[A-Z][\w\-']+)*")
WORD = re.compile(r"\w+")
LATIN_LANGUAGES = frozenset({"en", "de", "fr", "es", "it", "pt", "nl", "tr", "id", "pl", "sv"})


def numbers(text: str) -> Counter[str]:
    """The numbers of `text`, as the same key whatever digits wrote them: "١٢" and "12",
    "4,400,000" and "4400000", "1.50" and "1.5"."""
    found: Counter[str] = Counter()
    for raw in NUMBER.findall(comparison_form(text)):
        key = raw.replace(",", "")
        if "." in key and "/" not in key:
            key = key.rstrip("0").rstrip(".")
        found[key.lstrip("0") or "0"] += 1
    return found


def latin_names(text: str, language: str) -> set[str]:
    """Names in Latin script: capitalised words not opening a sentence in a Latin-script
    language; any Latin-script word in another script's text (a brand, an acronym)."""
    if language in LATIN_LANGUAGES:
        return {m.group().casefold() for m in NAME.finditer(text)}
    return {m.group().casefold() for m in LATIN_WORD.finditer(text) if len(m.group()) > 1}


def _name_in(name: str, text: str) -> bool:
    return name in text.casefold()


def hand_flags(
    src_text: str,
    tgt_text: str,
    *,
    src_language: str,
    tgt_language: str,
    src_mt: str | None,
) -> list[str]:
    """Flags for a bead a translator made: left out or added, numbers that differ, Latin-script
    names on one side only (against the original's machine translation where there is one)."""
    if not tgt_text.strip():
        return ["omitted"]
    if not src_text.strip():
        return ["added"]
    flags = []
    if numbers(src_text) != numbers(tgt_text):
        flags.append("number_mismatch")
    if names_differ(src_text, tgt_text, src_language, tgt_language, src_mt):
        flags.append("name_mismatch")
    return flags


def names_differ(
    src_text: str, tgt_text: str, src_language: str, tgt_language: str, src_mt: str | None
) -> bool:
    """A Latin-script name on one side only: between the translation and the original (or its
    machine translation) where both are in Latin script; a Latin-script word of an original in
    another script (a brand, an acronym) missing from the translation."""
    if src_language not in LATIN_LANGUAGES and any(
        not _name_in(n, tgt_text) for n in latin_names(src_text, src_language)
    ):
        return True
    left = src_mt or (src_text if src_language in LATIN_LANGUAGES else None)
    if left is None or tgt_language not in LATIN_LANGUAGES:
        return False
    return any(not _name_in(n, left) for n in latin_names(tgt_text, tgt_language)) or any(
        not _name_in(n, tgt_text) for n in latin_names(left, tgt_language)
    )


# -- the page's re-aligning data -------------------------------------------------------------------

Item = tuple[int, list[int]]  # offset in the sentence (code points), the concepts it stands for
WordForms = Callable[[str, str], set[str]]  # a word's forms as the word list has them


def _number_items(text: str) -> list[tuple[int, str]]:
    return [(m.start(), "#" + next(iter(numbers(m.group())), "")) for m in NUMBER.finditer(text)]


def similarity_items(
    src: Sequence[str],
    tgt: Sequence[str],
    *,
    src_language: str,
    tgt_language: str,
    src_mt: Sequence[str] | None,
    word_forms: WordForms,
    translations: dict[str, frozenset[str]] | None,
) -> tuple[list[list[Item]], list[list[Item]]]:
    """Per sentence of each side, its items: (offset, concept ids), kept only where a concept
    occurs on both sides of the article (nothing else can match). The original's words come
    from its machine translation (spread over the sentence by position) where there is one,
    else through `translations` (word -> the translation-language words it may be)."""
    concepts: dict[str, int] = {}

    def concept(key: str) -> int:
        return concepts.setdefault(key, len(concepts))

    def forms(word: str, language: str) -> set[str]:
        return set(word_forms(word, language)) if not word.isdigit() else set()

    tgt_raw: list[list[tuple[int, set[str]]]] = []
    for sentence in tgt:
        words = [(m.start(), forms(m.group(), tgt_language)) for m in WORD.finditer(sentence)]
        words += [(at, {key}) for at, key in _number_items(sentence)]
        tgt_raw.append(sorted((x for x in words if x[1]), key=lambda x: x[0]))
    src_raw: list[list[tuple[int, set[str]]]] = []
    for k, sentence in enumerate(src):
        items: list[tuple[int, set[str]]] = [(at, {key}) for at, key in _number_items(sentence)]
        mt = src_mt[k] if src_mt and k < len(src_mt) else ""
        if mt:
            scale = len(sentence) / max(len(mt), 1)
            items += [
                (int(m.start() * scale), forms(m.group(), tgt_language)) for m in WORD.finditer(mt)
            ]
        else:
            for m in WORD.finditer(sentence):
                word = m.group()
                found: set[str] = set()
                if LATIN_WORD.fullmatch(word):
                    found |= forms(word, tgt_language)  # a name or acronym written as is
                for form in forms(word, src_language):
                    found |= set((translations or {}).get(form, ()))
                items.append((m.start(), found))
        src_raw.append(sorted((x for x in items if x[1]), key=lambda x: x[0]))
    on_src = {key for items in src_raw for _, keys in items for key in keys}
    on_tgt = {key for items in tgt_raw for _, keys in items for key in keys}
    shared = on_src & on_tgt

    def kept(side: list[list[tuple[int, set[str]]]]) -> list[list[Item]]:
        return [
            [(at, sorted(concept(x) for x in keys & shared)) for at, keys in items if keys & shared]
            for items in side
        ]

    return kept(src_raw), kept(tgt_raw)


def span_similarity(src_items: Sequence[Item], tgt_items: Sequence[Item]) -> float:
    """The share of the items of two stretches that find a counterpart on the other side."""
    if not src_items and not tgt_items:
        return 0.0
    tgt_concepts = Counter(c for _, ids in tgt_items for c in ids)
    src_concepts = {c for _, ids in src_items for c in ids}
    matched = sum(1 for _, ids in src_items if any(c in tgt_concepts for c in ids))
    matched += sum(1 for _, ids in tgt_items if any(c in src_concepts for c in ids))
    return matched / (len(src_items) + len(tgt_items))
