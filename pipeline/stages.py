"""The pipeline's stages, each with its one rule for "is this to be done (again)?".

Extraction, translation and alignment are written here once. The crawl's item pipelines
(crawler/pipelines.py) and the CLI (pipeline/cli.py, pipeline/align_store.py, the stage
workers) are adapters: they bring the inputs (an item, the store) and take the outputs away
(the store writer, the store). Nothing here imports Scrapy; `pipeline.align` stays pure.

The rules:
  * extraction: a version's clean text is made when it has none or another extractor (an older
    release) made it; `--redo` makes it again regardless;
  * translation: a sentence is decoded once per engine (package ids and versions in its key);
    the cache holds it after that;
  * alignment: a pair's stored alignment is `current` when it was made on these versions by
    this aligner with a translation; `weaker` when an older aligner made it or it was made
    without translation (redone: the shared lexicon grows with the corpus, or a translation
    is there now); `outdated` when a version changed since (not exported); `missing`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from enum import StrEnum

from pipeline.align import (
    ALIGNER_VERSION,
    Alignment,
    Document,
    Lexicon,
    align,
    align_corpus,
    document_of,
)
from pipeline.align import pair_alignment as alignment_record
from pipeline.corpus import AlignmentKey, CorpusReader
from pipeline.extract import EXTRACTOR
from pipeline.models import (
    DIRECTIONS,
    ArticlePair,
    ArticleText,
    ArticleVersion,
    Bead,
    PairAlignment,
)
from pipeline.translate import Engine, source_key, translate_cached

Lookup = Callable[[str, list[str]], dict[str, str]]
Save = Callable[[str, dict[str, str]], None]


# -- the two sides of a pair ---------------------------------------------------------------------


def original(pair: ArticlePair) -> ArticleVersion | None:
    """The original (the alignment's source side)."""
    return pair.original


def translation(pair: ArticlePair) -> ArticleVersion:
    """The translation (the alignment's target side); the version a pair is keyed by."""
    return pair.translation


def directions(pair: ArticlePair) -> tuple[tuple[str, str], ...]:
    """The translation directions alignment uses for a pair: the original into the
    translation's language, and back."""
    source = original(pair)
    if source is None:
        return ()
    target = translation(pair)
    return ((source.language, target.language), (target.language, source.language))


TextsOf = Callable[[Sequence[ArticleVersion]], list[ArticleText | None]]
PAIRS_PER_READ = 100  # pairs whose texts are read together (SqlCorpusStore.texts_of)


def with_texts(
    pairs: Iterable[ArticlePair], texts_of: TextsOf
) -> Iterator[tuple[ArticlePair, ArticleText | None, ArticleText | None]]:
    """Each pair with the stored texts of its original and its translation, read for many
    pairs at once."""
    chunk: list[ArticlePair] = []

    def flush() -> Iterator[tuple[ArticlePair, ArticleText | None, ArticleText | None]]:
        sources = [original(p) for p in chunk]
        wanted = [v for v in sources if v is not None] + [translation(p) for p in chunk]
        texts = dict(zip(map(id, wanted), texts_of(wanted), strict=True))
        for pair, source in zip(chunk, sources, strict=True):
            yield (
                pair,
                texts[id(source)] if source is not None else None,
                texts[id(translation(pair))],
            )

    for pair in pairs:
        chunk.append(pair)
        if len(chunk) >= PAIRS_PER_READ:
            yield from flush()
            chunk = []
    if chunk:
        yield from flush()




def paired_sentences(corpus: CorpusReader, language: str) -> list[str]:
    """Distinct non-blank sentences of the stored clean texts of paired articles in
    `language` (what translation works on), texts read many pairs at a time."""
    seen: dict[str, None] = {}
    paired = (p for p in corpus.iter_pairs() if p.status == "paired" and original(p) is not None)
    for pair, original_text, translation_text in with_texts(paired, corpus.texts_of):
        for version, text in (
            (original(pair), original_text),
            (translation(pair), translation_text),
        ):
            if version is not None and version.language == language and text is not None:
                seen.update((s, None) for s in sentences_of(text) if s.strip())
    return list(seen)


def store_directions(pairs: Iterable[ArticlePair]) -> list[tuple[str, str]]:
    """Every translation direction the paired articles need, in a stable order."""
    found = dict.fromkeys(d for p in pairs if p.status == "paired" for d in directions(p))
    return list(found) or list(DIRECTIONS)


# -- extraction -----------------------------------------------------------------------------------


def extraction_stale(extractor: str | None, *, redo: bool = False) -> bool:
    """Is a version's clean text to be made (again)? `extractor`: the one that made its stored
    text, None where it has none."""
    return redo or extractor != EXTRACTOR


# -- translation ----------------------------------------------------------------------------------


def sentences_of(text: ArticleText) -> list[str]:
    return [s.text for s in text.sentences]


def untranslated(engine_key: str, sentences: Iterable[str], lookup: Lookup) -> list[str]:
    """The distinct non-blank sentences the cache holds no translation of by this engine."""
    unique = list(dict.fromkeys(s for s in sentences if s.strip()))
    known = lookup(engine_key, [source_key(s) for s in unique])
    return [s for s in unique if source_key(s) not in known]


def translate_texts(
    engine: Engine,
    sentences: Sequence[str],
    *,
    lookup: Lookup,
    save: Save | None,
    progress: Callable[[int], None] | None = None,
) -> list[str] | None:
    """The translation of every sentence: decoded where the cache lacks it when `save` is
    given (what is decoded goes to `save`); from the cache only otherwise, None if any is
    missing there."""
    if save is not None:
        return translate_cached(engine, sentences, lookup=lookup, save=save, progress=progress)
    return cached_translation(engine.key, sentences, lookup=lookup)


def cached_translation(
    engine_key: str, sentences: Sequence[str], *, lookup: Lookup
) -> list[str] | None:
    """The cached translation of every sentence, or None if any is missing (nothing decoded)."""
    if untranslated(engine_key, sentences, lookup):
        return None
    keys = [source_key(s) for s in sentences if s.strip()]
    known = lookup(engine_key, list(dict.fromkeys(keys)))
    return [known[source_key(s)] if s.strip() else "" for s in sentences]


# -- alignment ------------------------------------------------------------------------------------


class AlignmentState(StrEnum):
    missing = "missing"
    outdated = "outdated"  # a version changed since: it describes other texts
    weaker = "weaker"  # these texts, but an older aligner or no translation: to be redone
    current = "current"


def alignment_state(
    stored: AlignmentKey | None, pair: ArticlePair, *, mode_now: str
) -> AlignmentState:
    """The one alignment rule. `mode_now`: the mode an alignment made now would have
    ("translation" where translations are there, "none" otherwise)."""
    source = original(pair)
    if stored is None or source is None:
        return AlignmentState.missing
    if (stored.src_sha256, stored.tgt_sha256) != (
        source.content_sha256,
        translation(pair).content_sha256,
    ):
        return AlignmentState.outdated
    if stored.aligner != ALIGNER_VERSION or (stored.mode, mode_now) != ("translation",) * 2:
        return AlignmentState.weaker
    return AlignmentState.current


def alignment_usable(state: AlignmentState) -> bool:
    """May a stored alignment be exported and reviewed? When it describes these versions."""
    return state in (AlignmentState.weaker, AlignmentState.current)


def alignable(original_text: ArticleText | None, translation_text: ArticleText | None) -> bool:
    """Both sides have a clean text."""
    return (
        original_text is not None
        and translation_text is not None
        and original_text.status == "ok"
        and translation_text.status == "ok"
    )


def document(
    pair: ArticlePair,
    original_text: ArticleText,
    translation_text: ArticleText,
    mt: dict[str, list[str] | None],
) -> Document:
    """The document to align: the original as source, its translation as target, with the
    machine translations there are (by the language they were translated from)."""
    source = original(pair)
    assert source is not None, "only a pair with its original is aligned"
    return document_of(
        original_text,
        translation_text,
        original_mt=mt.get(source.language),
        translation_mt=mt.get(translation(pair).language),
    )


def mode_of(doc: Document) -> str:
    return "translation" if doc.src_mt or doc.tgt_mt else "none"


def align_pair(
    pair: ArticlePair, doc: Document, *, lexicon: Lexicon | None = None
) -> PairAlignment:
    """Align one pair on its own (the crawl: one pair at a time)."""
    source = original(pair)
    target = translation(pair)
    assert source is not None, "only a pair with its original is aligned"
    result: Alignment = align(
        doc,
        src_language=source.language,
        tgt_language=target.language,
        lexicon=lexicon,
    )
    return alignment_record(pair, doc, result)


def align_pairs(
    todo: Sequence[tuple[ArticlePair, Document]],
    *,
    dictionary: Callable[[str, str], Lexicon | None] | None = None,
) -> Iterator[PairAlignment]:
    """Align pairs together (the CLI: those without translation share the lexicon learned over
    all of them), one corpus per language pair; `dictionary`: the word list of a language pair."""
    groups: dict[tuple[str, str], list[tuple[ArticlePair, Document]]] = {}
    for pair, doc in todo:
        source = original(pair)
        assert source is not None, "only a pair with its original is aligned"
        groups.setdefault((source.language, translation(pair).language), []).append((pair, doc))
    for (src, tgt), group in groups.items():
        results = align_corpus(
            [d for _, d in group],
            src_language=src,
            tgt_language=tgt,
            dictionary=dictionary(src, tgt) if dictionary else None,
        )
        for (pair, doc), result in zip(group, results, strict=True):
            yield alignment_record(pair, doc, result)


# -- beads as text --------------------------------------------------------------------------------


def bead_text(alignment: PairAlignment, bead: Bead) -> tuple[str, str]:
    """A bead's source and target sentences, each side joined by a space."""
    return (
        " ".join(alignment.src_sentences[i] for i in bead.src),
        " ".join(alignment.tgt_sentences[j] for j in bead.tgt),
    )
