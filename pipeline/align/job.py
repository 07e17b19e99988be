"""A corpus alignment as `bitext align-files` runs it: what it will do, said before it starts
(how many sentences get translated, and by which model; how many embedded, and by which encoder);
translation only where asked (`translate=False` never translates, even with a package
installed); progress reported as it goes; then align_corpus.

    job = plan_job(docs, "zh", "en", engine=engine_or_none("zh", "en"), translate=True,
                   encoder=default_encoder())
    for line in job.announcements():
        print(line)              # "translating 4,871 sentences with zh->en", "embedding ..."
    alignments = run_job(job, progress=lambda step, done, total: ...)

The CLI adapter owns the terminal (a progress bar on a terminal, quiet otherwise); this module
only counts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pipeline.align.corpus import Progress, align_corpus
from pipeline.align.lexicon import Lexicon
from pipeline.align.params import Alignment, Document
from pipeline.align.rescore import Scorer
from pipeline.encoder import SentenceEncoder

TRANSLATE_BATCH = 64  # sentences per translation call: progress is told this often


class Translator(Protocol):
    """What translates a side: pipeline.translate.Engine, or anything with its `translate`."""

    def translate(self, texts: list[str]) -> list[str]: ...


@dataclass
class AlignmentJob:
    docs: list[Document]
    src_language: str
    tgt_language: str
    engine: Translator | None  # translates the source side where set (and asked)
    encoder: SentenceEncoder | None  # None: not installed, or it does not cover the pair
    dictionary: Lexicon | None = None
    scorer: Scorer | None = None
    supplied: bool = False
    diff: bool = False
    encoder_note: str = ""  # why no encoder takes part, where none does

    @property
    def to_translate(self) -> int:
        return sum(len(d.src) for d in self.docs) if self.engine is not None else 0

    @property
    def to_embed(self) -> int:
        if self.encoder is None:
            return 0
        return sum(len(d.src) + len(d.tgt) for d in self.docs)

    @property
    def mode(self) -> str:
        """The mode the alignments will name (as pipeline.align.features._mode)."""
        translated = self.supplied or self.engine is not None
        base = ("supplied" if self.supplied else "translation") if translated else ""
        if self.encoder is not None:
            return f"{base}+encoder" if base else "encoder"
        return base or "none"

    def announcements(self) -> list[str]:
        """What the run will do, one line each, before it does it."""
        pair = f"{self.src_language}->{self.tgt_language}"
        lines = []
        if self.to_translate:
            lines.append(f"translating {self.to_translate:,} sentences with {pair}")
        if self.to_embed and self.encoder is not None:
            lines.append(f"embedding {self.to_embed:,} sentences with {self.encoder.encoder_id}")
        elif self.encoder_note:
            lines.append(self.encoder_note)
        lines.append(f"aligning {len(self.docs):,} documents (mode {self.mode})")
        return lines


def plan_job(
    docs: Sequence[Document],
    src_language: str,
    tgt_language: str,
    *,
    engine: Translator | None = None,
    translate: bool = True,
    encoder: SentenceEncoder | None = None,
    dictionary: Lexicon | None = None,
    scorer: Scorer | None = None,
    diff: bool = False,
) -> AlignmentJob:
    """The job, decided: documents with translations supplied keep them (no engine runs); an
    engine translates the others only with `translate`; the encoder takes part where it covers
    both languages (where not, the job says so and aligns on the other signals)."""
    supplied = any(d.src_mt or d.tgt_mt for d in docs)
    use_engine = engine if translate and not supplied else None
    note = ""
    if encoder is not None:
        missing = [x for x in (src_language, tgt_language) if not encoder.covers(x)]
        if missing:
            note = (
                f"no sentence encoder for {', '.join(missing)} ({encoder.encoder_id} does not "
                "cover it): aligning on the other signals"
            )
            encoder = None
    else:
        note = "no sentence encoder installed: aligning on the other signals"
    return AlignmentJob(
        list(docs),
        src_language,
        tgt_language,
        use_engine,
        encoder,
        dictionary=dictionary,
        scorer=scorer,
        supplied=supplied,
        diff=diff,
        encoder_note=note,
    )


def run_job(job: AlignmentJob, progress: Progress | None = None) -> list[Alignment]:
    """Translate (where the job says so), embed and align, telling `progress` as it goes."""
    docs = job.docs
    if job.engine is not None:
        flat = [s for d in docs for s in d.src]
        translated: list[str] = []
        for start in range(0, len(flat), TRANSLATE_BATCH):
            translated += job.engine.translate(flat[start : start + TRANSLATE_BATCH])
            if progress is not None:
                progress("translate", len(translated), len(flat))
        out, k = [], 0
        for d in docs:
            out.append(dataclasses.replace(d, src_mt=translated[k : k + len(d.src)]))
            k += len(d.src)
        docs = out
    alignments = align_corpus(
        docs,
        src_language=job.src_language,
        tgt_language=job.tgt_language,
        supplied=job.supplied,
        diff=job.diff,
        dictionary=job.dictionary,
        scorer=job.scorer,
        encoder=job.encoder,
        progress=progress,
    )
    if progress is not None:
        progress("align", len(docs), len(docs))
    return alignments
