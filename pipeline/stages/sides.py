"""The two sides of an article pair, as every stage sees them: the original (the alignment's
source) and its translation (the target, the version a pair is keyed by), with their stored
clean texts read many pairs at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from pipeline.models import ArticlePair, ArticleText, ArticleVersion

TextsOf = Callable[[Sequence[ArticleVersion]], list[ArticleText | None]]
PAIRS_PER_READ = 100  # pairs whose texts are read together (CorpusReader.texts_of)


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


def store_directions(pairs: Iterable[ArticlePair]) -> list[tuple[str, str]]:
    """Every translation direction the paired articles need, in a stable order (none for a
    store without pairs: the language pair comes from the data)."""
    return list(dict.fromkeys(d for p in pairs if p.status == "paired" for d in directions(p)))


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


def paired(corpus_pairs: Iterable[ArticlePair]) -> Iterator[ArticlePair]:
    """The pairs with their original (what translation and alignment work on)."""
    return (p for p in corpus_pairs if p.status == "paired" and original(p) is not None)
