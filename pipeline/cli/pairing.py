"""`bitext pair-docs`: a user's own documents of two languages paired by content (no links)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.app import USAGE, CliError, console
from pipeline.cli.options import output_file


def pair_docs(
    originals_dir: Annotated[
        Path, typer.Argument(help="Folder of the originals: one document a file.")
    ],
    translations_dir: Annotated[
        Path, typer.Argument(help="Folder of the translations: one document a file.")
    ],
    languages: Annotated[
        str, typer.Option("--languages", help="The originals' language, then the translations'.")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="JSON Lines written here.")],
    threshold: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="The score a pair needs.")
    ] = 0.5,
    window_days: Annotated[
        int,
        typer.Option(min=0, help="Saved pages with dates: a translation appears 0..N days after."),
    ] = 7,
    optimal: Annotated[
        bool,
        typer.Option(help="The assignment of greatest total score instead of best-first."),
    ] = False,
) -> None:
    """Pair documents that do not link to each other by what they say (saved pages or plain
    UTF-8 text, one document a file): each original with at most one translation, none below
    the threshold. One JSON line a pair (both paths, the score, its evidence), then one a
    document left unpaired (why, its best candidate and that score)."""
    from pipeline.stages.pairing import PairingSettings, document_files, pair_files

    codes = [c.strip().lower() for c in languages.split(",") if c.strip()]
    if len(codes) != 2 or codes[0] == codes[1]:
        raise CliError(
            f"--languages takes two codes, the originals' first (e.g. ar,en): {languages!r}", USAGE
        )
    for folder in (originals_dir, translations_dir):
        if not folder.is_dir():
            raise CliError(f"no such folder: {folder}", USAGE)
    output_file(output)
    settings = PairingSettings(
        window_days=window_days, threshold=threshold, assignment="optimal" if optimal else "greedy"
    )
    done = pair_files(
        document_files(originals_dir),
        document_files(translations_dir),
        (codes[0], codes[1]),
        settings=settings,
    )
    result = done.result
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8") as out:
        for p in result.pairs:
            line = {"original": p.original, "translation": p.translation, "score": p.score,
                    "evidence": p.evidence}  # fmt: skip
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        for side, alone in (("original", result.unpaired_originals),
                            ("translation", result.unpaired_translations)):  # fmt: skip
            for u in alone:
                line = {side: u.key, "unpaired": u.reason.value, "detail": u.detail,
                        "best_candidate": u.best, "best_score": u.best_score}  # fmt: skip
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        for path, why in done.unreadable.items():
            out.write(json.dumps({"path": path, "unreadable": why}, ensure_ascii=False) + "\n")
    console.print(
        f"{len(result.pairs)} pairs; {len(result.unpaired_originals)} originals and "
        f"{len(result.unpaired_translations)} translations unpaired; "
        f"{len(done.unreadable)} files unreadable -> {output}"
    )
    console.print(f"evidence: {result.evidence}")
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    console.print(
        f"time: embedding {done.embedding_seconds:.1f} s ({done.embedded} sentences), {timing}"
    )
    if result.degraded:
        console.print(f"[yellow]degraded:[/yellow] {result.degraded}")
