"""The corpus run: documents aligned in two passes (the share of unaligned sentences and a
lexicon learned over the whole corpus), repeated boilerplate set apart, records made."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import numpy as np

from pipeline.align.dp import _NullEstimate
from pipeline.align.features import _Features, _mode
from pipeline.align.flags import (
    _continues_bead,
    _crossed_runs,
    _flags,
    _joins_neighbour,
    _run_lengths,
    _run_means,
    word_diff,
)
from pipeline.align.lexicon import Lexicon, learn_lexicon
from pipeline.align.params import (
    ALIGNER_VERSION,
    ENCODER_LITERAL_PARAMS,
    ENCODER_TRANSLATION_PARAMS,
    LITERAL_MATCH,
    Alignment,
    AlignParams,
    Document,
    default_params,
)
from pipeline.align.rescore import Scorer, _rescored, _rescored_pairs
from pipeline.align.search import _estimate, _null_count, _null_runs, _Placed, _search
from pipeline.encoder import Encoded, SentenceEncoder, blas_threads
from pipeline.models import ArticlePair, ArticleText, Bead, PairAlignment
from pipeline.text import comparison_form

# Told how far a long step has gone: (step, done, total), the step being "translate", "embed"
# or "align", done and total counted in sentences (documents for "align").
Progress = Callable[[str, int, int], None]


def align(
    doc: Document,
    *,
    src_language: str = "ar",
    tgt_language: str = "en",
    supplied: bool = False,
    lexicon: Lexicon | None = None,
    params: AlignParams | None = None,
    diff: bool = True,
    null_rate: float | None = None,
    scorer: Scorer | None = None,
    encoded: tuple[Encoded, Encoded] | None = None,
) -> Alignment:
    """Align one document. `supplied` says the translations came from the user, not our engine
    (it only changes the mode named in the output). `null_rate`: the share of unaligned
    sentences to price them from; estimated by a first pass over this document if not given."""
    chosen = params or default_params(bool(doc.src_mt or doc.tgt_mt), encoded is not None)
    with blas_threads(1):
        features = _Features(doc, chosen, lexicon, src_language, tgt_language, encoded)
        if params is None and chosen is ENCODER_LITERAL_PARAMS:
            first = _search(features, chosen.null_prior, evidence=False)
            if not _literal([first]):
                features = _Features(
                    doc, ENCODER_TRANSLATION_PARAMS, lexicon, src_language, tgt_language, encoded
                )
        return _aligned(features, null_rate, supplied=supplied, diff=diff, scorer=scorer)


def _literal(first_passes: Sequence[list[_Placed]]) -> bool:
    """Whether the translation is literal: the first passes' 1-1 beads' median translation
    similarity reaches LITERAL_MATCH (a free translation shares little with an MT)."""
    found = [x.lexical for path in first_passes for x in path if x.a == x.b == 1]
    values = [v for v in found if v is not None]
    return bool(values) and float(np.median(values)) >= LITERAL_MATCH


def _aligned(
    features: _Features,
    null_rate: _NullEstimate | float | None,
    *,
    supplied: bool,
    diff: bool,
    scorer: Scorer | None = None,
) -> Alignment:
    doc, params = features.doc, features.params
    lexical = bool(features.mt) or features.lexicon is not None
    beads: list[Bead] = []
    path = _search(features, null_rate)
    if scorer is not None:
        path = _rescored(path, features, scorer)
        path = _rescored_pairs(
            path, features, scorer, params.rescore_move, close=params.rescore_close
        )
    runs = _run_lengths(path)
    run_evidence = _run_means(path, runs)
    crossed = _crossed_runs(path, runs, params.flag_block)
    aligned = (
        {i for x in path if x.a and x.b for i in range(x.i, x.i + x.a)},
        {j for x in path if x.a and x.b for j in range(x.j, x.j + x.b)},
    )
    for k, (x, run, run_near) in enumerate(zip(path, runs, run_evidence, strict=True)):
        src, tgt = list(range(x.i, x.i + x.a)), list(range(x.j, x.j + x.b))
        strong = True
        if x.a and x.b:
            score = x.score
            mt_sim = x.lexical if features.mt else None
        else:  # a sentence left out: as sure as its best 1-1 match near its place is poor
            score = 1.0 - x.score
            mt_sim = None
            # flagged only on strong evidence: nothing near it matches, and it is part of a
            # passage left out or a long sentence (a short one is often half of a merge)
            text = doc.src[x.i] if x.a else doc.tgt[x.j]
            near = (x.lexical or 0.0) / x.typical
            strong = (
                not doc.src
                or not doc.tgt
                or (run >= params.flag_run and (not lexical or run_near < params.flag_below))
                or (
                    len(comparison_form(text)) >= params.flag_chars
                    and (not lexical or near < params.flag_below)
                )
            )
            if strong and lexical and _joins_neighbour(features, path, k, params):
                strong = False
            if strong and _continues_bead(doc, aligned, x):
                strong = False
            if strong and crossed[k] and x.typical < params.flag_block_below:
                strong = False
        bead = Bead(
            src=src,
            tgt=tgt,
            score=round(min(max(score, 0.0), 1.0), 4),
            flags=_flags(doc, src, tgt, score, mt_sim, params, strong, lexical),
        )
        if diff and x.a and x.b and doc.src_mt:
            bead.diff = word_diff(
                " ".join(doc.src_mt[k] for k in src), " ".join(doc.tgt[k] for k in tgt)
            )
        beads.append(bead)
    return Alignment(
        beads=beads,
        mode=_mode(doc, supplied, features.encoder is not None),
        signals=features.names,
        null_rate=null_rate.rate if isinstance(null_rate, _NullEstimate) else null_rate,
        search="summed" if params.summed else "relative",
    )


def _align_corpus(
    docs: Sequence[Document],
    *,
    src_language: str = "ar",
    tgt_language: str = "en",
    supplied: bool = False,
    params: AlignParams | None = None,
    diff: bool = True,
    dictionary: Lexicon | None = None,
    scorer: Scorer | None = None,
    encodings: Sequence[tuple[Encoded, Encoded] | None] | None = None,
    progress: Progress | None = None,
) -> list[Alignment]:
    """align_corpus's work, on documents without their repeated lines; `progress` told as each
    document's final pass ends (with a model's rescoring, the long part)."""
    languages = {"src_language": src_language, "tgt_language": tgt_language}
    encoded = list(encodings) if encodings is not None else [None] * len(docs)
    translated = [bool(d.src_mt or d.tgt_mt) for d in docs]
    chosen = [
        params or default_params(t, e is not None) for t, e in zip(translated, encoded, strict=True)
    ]
    features = [
        _Features(d, p, None if t else dictionary, **languages, encoded=e)
        for d, p, t, e in zip(docs, chosen, translated, encoded, strict=True)
    ]
    first = [
        _search(f, params.null_prior if params else f.params.null_prior, evidence=False)
        for f in features
    ]
    # with a translation and the encoder: align-8's relative costs where the translation is
    # literal, the sum of bead scores where it is free (over the corpus's such documents)
    hybrid = [k for k, p in enumerate(chosen) if params is None and p is ENCODER_LITERAL_PARAMS]
    if hybrid and not _literal([first[k] for k in hybrid]):
        for k in hybrid:
            chosen[k] = ENCODER_TRANSLATION_PARAMS
            features[k] = _Features(docs[k], chosen[k], None, **languages, encoded=encoded[k])
            first[k] = _search(features[k], chosen[k].null_prior, evidence=False)
    untranslated = [k for k, t in enumerate(translated) if not t]
    if untranslated:
        confident = [
            (docs[k].src[x.i], docs[k].tgt[x.j])
            for k in untranslated
            for x in first[k]
            if x.a == x.b == 1 and x.score >= chosen[k].doubtful_below
        ]
        learned = learn_lexicon(confident, src_language, tgt_language)
        if len(learned):
            lexicon = dictionary.merged(learned) if dictionary is not None else learned
            for k in untranslated:
                features[k] = _Features(
                    docs[k], chosen[k], lexicon, **languages, encoded=encoded[k]
                )
    for f, path in zip(features, first, strict=True):
        f.measure_ratio((x.i, x.a, x.j, x.b) for x in path)
    rates: dict[bool, _NullEstimate] = {}
    for estimate in range(max(p.null_passes for p in chosen) if chosen else 0):
        if estimate:  # again at the prices the last estimate gave
            first = [_search(f, rates[t]) for f, t in zip(features, translated, strict=True)]
        for group in (True, False):
            members = [k for k, t in enumerate(translated) if t == group]
            if members:
                nulls = sum(_null_count(first[k]) for k in members)
                sentences = sum(len(docs[k].src) + len(docs[k].tgt) for k in members)
                runs = sum(_null_runs(first[k]) for k in members)
                rates[group] = _estimate(nulls, runs, sentences, chosen[members[0]])
    out = []
    for f, t in zip(features, translated, strict=True):
        out.append(_aligned(f, rates[t], supplied=supplied, diff=diff, scorer=scorer))
        if progress is not None:
            progress("align", len(out), len(features))
    return out


REPEATED_DOCUMENTS = 3  # a line in this many documents of a corpus at least is boilerplate
REPEATED_CHARS = 25  # if it is this long at least (short lines repeat: "Yes.", "Photo: AFP")
REPEATED_SHARE = 0.25  # and such lines are this share of the side's lines at most


def _repeated(sides: Sequence[list[str]]) -> set[str]:
    """Lines that recur verbatim in several documents of one side: a site's boilerplate (a
    donation plea, a subscription line) that extraction left in, not a translation of anything."""
    seen: Counter[str] = Counter()
    for sentences in sides:
        seen.update({" ".join(s.split()) for s in sentences})
    found = {
        line
        for line, count in seen.items()
        if count >= REPEATED_DOCUMENTS and len(line) >= REPEATED_CHARS
    }
    lines = sum(len(sentences) for sentences in sides)
    repeats = sum(1 for sentences in sides for s in sentences if " ".join(s.split()) in found)
    # boilerplate is a line here and there; a corpus made of repeats is something else
    return found if repeats <= REPEATED_SHARE * lines else set()


def align_corpus(
    docs: Sequence[Document],
    *,
    src_language: str = "ar",
    tgt_language: str = "en",
    supplied: bool = False,
    params: AlignParams | None = None,
    diff: bool = True,
    dictionary: Lexicon | None = None,
    scorer: Scorer | None = None,
    encoder: SentenceEncoder | None = None,
    progress: Progress | None = None,
) -> list[Alignment]:
    """Align many documents in two passes. The first (with the bilingual `dictionary`, if given,
    where there is no translation) estimates how much is unaligned over the whole corpus; the
    second prices unaligned sentences from that, and, for documents without translations, adds
    a lexicon learned from the first pass's confident 1-1 beads over all documents (Hunalign's
    realign). A line repeated verbatim in three documents or more on one side (boilerplate) is
    left out of the search and comes back as its own unaligned bead, flagged added/omitted."""
    repeated_src = _repeated([d.src for d in docs])
    repeated_tgt = _repeated([d.tgt for d in docs])
    kept: list[tuple[list[int], list[int]]] = []
    reduced: list[Document] = []
    for d in docs:
        src_kept = [i for i, x in enumerate(d.src) if " ".join(x.split()) not in repeated_src]
        tgt_kept = [j for j, x in enumerate(d.tgt) if " ".join(x.split()) not in repeated_tgt]
        kept.append((src_kept, tgt_kept))

        def pick(lines: list | None, keep: list[int]) -> list | None:
            return [lines[k] for k in keep] if lines is not None else None

        reduced.append(
            Document(
                [d.src[i] for i in src_kept],
                [d.tgt[j] for j in tgt_kept],
                src_mt=pick(d.src_mt, src_kept),
                tgt_mt=pick(d.tgt_mt, tgt_kept),
                src_paragraphs=pick(d.src_paragraphs, src_kept),
                tgt_paragraphs=pick(d.tgt_paragraphs, tgt_kept),
            )
        )
    encodings = None
    if encoder is not None and encoder.covers(src_language) and encoder.covers(tgt_language):
        encodings = _encodings(encoder, reduced, progress)
    with blas_threads(1):
        alignments = _align_corpus(
            reduced,
            encodings=encodings,
            src_language=src_language,
            tgt_language=tgt_language,
            supplied=supplied,
            params=params,
            diff=diff,
            dictionary=dictionary,
            scorer=scorer,
            progress=progress,
        )
    for d, (src_kept, tgt_kept), alignment in zip(docs, kept, alignments, strict=True):
        if len(src_kept) < len(d.src) or len(tgt_kept) < len(d.tgt):
            alignment.beads = _with_repeated(alignment.beads, src_kept, tgt_kept, d)
    return alignments


def _encodings(
    encoder: SentenceEncoder, docs: Sequence[Document], progress: Progress | None = None
) -> list[tuple[Encoded, Encoded] | None]:
    """Every document's two sides embedded (a document at a time: the encoder batches by
    tokens, so nothing is gained by joining them), progress counted in sentences."""
    total = sum(len(d.src) + len(d.tgt) for d in docs)
    sides = [side for d in docs for side in (d.src, d.tgt)]
    ends = list(itertools.accumulate(len(side) for side in sides))

    def told(k: int) -> None:
        if progress is not None and k % 2 == 0:  # a document's two sides done
            progress("embed", ends[k - 1], total)

    encoded = encoder.encode_many(sides, told)
    return [(encoded[k], encoded[k + 1]) for k in range(0, len(encoded), 2)]


def _with_repeated(
    beads: list[Bead], src_kept: list[int], tgt_kept: list[int], doc: Document
) -> list[Bead]:
    """Beads of the reduced document in the full document's numbering, each repeated line back
    in its place as an unaligned bead of its own."""
    src_out = sorted(set(range(len(doc.src))) - set(src_kept))
    tgt_out = sorted(set(range(len(doc.tgt))) - set(tgt_kept))
    out: list[Bead] = []

    def flush(src_before: int, tgt_before: int) -> None:
        while src_out and src_out[0] < src_before:
            out.append(Bead(src=[src_out.pop(0)], tgt=[], score=1.0, flags=["omitted"]))
        while tgt_out and tgt_out[0] < tgt_before:
            out.append(Bead(src=[], tgt=[tgt_out.pop(0)], score=1.0, flags=["added"]))

    for bead in beads:
        bead.src = [src_kept[i] for i in bead.src]
        bead.tgt = [tgt_kept[j] for j in bead.tgt]
        flush(min(bead.src, default=-1), min(bead.tgt, default=-1))
        out.append(bead)
    flush(len(doc.src), len(doc.tgt))
    return out


def document_of(
    original: ArticleText,
    translation: ArticleText,
    *,
    original_mt: list[str] | None = None,
    translation_mt: list[str] | None = None,
) -> Document:
    """The original as source, its translation as target, paragraphs kept."""
    return Document(
        src=[s.text for s in original.sentences],
        tgt=[s.text for s in translation.sentences],
        src_mt=original_mt,
        tgt_mt=translation_mt,
        src_paragraphs=[s.paragraph for s in original.sentences],
        tgt_paragraphs=[s.paragraph for s in translation.sentences],
    )


def pair_alignment(
    pair: ArticlePair, doc: Document, alignment: Alignment, *, aligned_at: datetime | None = None
) -> PairAlignment:
    """The record stored and exported for one aligned article pair."""
    assert pair.original is not None
    return PairAlignment(
        site=pair.site,
        translation_article_id=pair.translation.site_article_id,
        src_language=pair.original.language,
        tgt_language=pair.translation.language,
        src_sha256=pair.original.content_sha256,
        tgt_sha256=pair.translation.content_sha256,
        mode=alignment.mode,
        aligner=ALIGNER_VERSION,
        src_sentences=doc.src,
        tgt_sentences=doc.tgt,
        src_translation=doc.src_mt,
        beads=alignment.beads,
        aligned_at=aligned_at or datetime.now(UTC),
    )
