"""`bitext`: the pipeline's command line. Each stage runs alone from here."""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, TextColumn, track
from rich.table import Table

from pipeline.models import json_schema
from pipeline.store import open_store
from pipeline.warc import read_records

app = typer.Typer(help="Bilingual news corpus pipeline.", no_args_is_help=True)
console = Console()
progress_console = Console(stderr=True)  # progress and notices; stdout carries the data

DataDir = Annotated[Path, typer.Option("--data-dir", help="Where the crawl wrote its output.")]
StoreOpt = Annotated[str | None, typer.Option("--store", help="SQLAlchemy URL or SQLite path.")]


def _store(data_dir: Path, store: str | None):  # type: ignore[no-untyped-def]
    return open_store(store or data_dir / "corpus.sqlite")


@app.command()
def stats(data_dir: DataDir = Path("data/output"), store: StoreOpt = None) -> None:
    """Counts by stage, and every unpaired article and failure by reason."""
    corpus = _store(data_dir, store)
    counts = corpus.counts()
    table = Table(title="Corpus")
    table.add_column("stage")
    table.add_column("count", justify="right")
    for key in (
        "crawls",
        "articles_en",
        "articles_ar",
        "versions",
        "pairs",
        "unpaired",
        "errors",
        "captures",
        "texts",
        "texts_no_body",
        "texts_wrong_language",
        "translations",
        "alignments",
    ):
        table.add_row(key, str(counts[key]))
    console.print(table)
    translation = Table(title="Translation (for alignment)")
    for column in ("direction", "sentences", "translated", "status"):
        translation.add_column(column)
    from pipeline.argos import find_route, installed_packages
    from pipeline.translate import Engine, source_key

    packages = installed_packages()
    for source, target in (("ar", "en"), ("en", "ar")):
        sentences = {s for chunk in _stored_sentences(corpus, source, 10_000) for s in chunk}
        if find_route(source, target, packages) is None:
            translation.add_row(
                f"{source}->{target}",
                str(len(sentences)),
                "0",
                "pending: no package installed (bitext models check)",
            )
            continue
        engine = Engine(source, target)
        done = len(corpus.cached_translations(engine.key, [source_key(s) for s in sentences]))
        translation.add_row(
            f"{source}->{target}",
            str(len(sentences)),
            str(done),
            "done" if done == len(sentences) else "pending: bitext translate",
        )
    console.print(translation)
    from pipeline.align_store import summarize

    summary = summarize(corpus.iter_alignments())
    aligned = Table(title="Aligned")
    aligned.add_column("")
    aligned.add_column("count", justify="right")
    aligned.add_row("pairs aligned", str(sum(summary.modes.values())))
    for mode, n in sorted(summary.modes.items()):
        aligned.add_row(
            f"  mode {mode}" + (" (degraded: no translation)" if mode == "none" else ""), str(n)
        )
    aligned.add_row("beads", str(summary.beads))
    for flag, n in sorted(summary.flags.items()):
        aligned.add_row(f"  flagged {flag}", str(n))
    console.print(aligned)
    reasons = Counter(p.reason.value for p in corpus.iter_pairs() if p.reason)
    errors = Counter(e.kind.value for e in corpus.errors())
    if reasons or errors:
        why = Table(title="Not paired / failed, by reason")
        why.add_column("record")
        why.add_column("reason")
        why.add_column("count", justify="right")
        for reason, n in sorted(reasons.items()):
            why.add_row("unpaired article", reason, str(n))
        for kind, n in sorted(errors.items()):
            why.add_row("crawl error", kind, str(n))
        console.print(why)
    corpus.close()


def _side(site: str | None, lang: str):  # type: ignore[no-untyped-def]
    from crawler.profiles import PROFILES

    if site is None:
        return None
    if site not in PROFILES:
        raise typer.BadParameter(f"unknown site {site!r}; known: {', '.join(PROFILES)}")
    return PROFILES[site].side(lang)


@app.command()
def extract(
    page: Annotated[Path | None, typer.Argument(help="A saved HTML page.")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="The page's language.")] = None,
    site: Annotated[str | None, typer.Option("--site", help="Site profile, e.g. enab.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Where the page came from.")] = None,
    from_store: Annotated[
        bool, typer.Option("--from-store", help="Extract every stored version lacking text.")
    ] = False,
    redo: Annotated[bool, typer.Option("--redo", help="With --from-store: all versions.")] = False,
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
) -> None:
    """Clean body text (boilerplate out, language checked, sentences): of one page as JSON, or
    of the stored versions (--from-store), e.g. after a crawl with -s BITEXT_EXTRACT=0."""
    from pipeline.encoding import decode_html
    from pipeline.extract import extract_article

    if from_store:
        corpus = _store(data_dir, store)
        done = Counter()
        todo = list(corpus.versions_needing_text(redo=redo))
        for version_id, version, raw in track(todo, description="extracting", console=console):
            text = extract_article(
                raw.decode(version.encoding, errors="replace"),
                language=version.language,
                side=_side(version.site, version.language),
                url=version.url,
                site=version.site,
                content_sha256=version.content_sha256,
            )
            corpus.save_text(version_id, text)
            done[f"{version.language} {text.status.value}"] += 1
        corpus.close()
        console.print(
            f"{len(todo)} versions extracted: "
            + ", ".join(f"{k}: {v}" for k, v in sorted(done.items()))
        )
        return
    if page is None or lang is None:
        raise typer.BadParameter("give PAGE and --lang, or --from-store")
    side = _side(site, lang)
    if site is not None and side is None:
        raise typer.BadParameter(f"site {site!r} has no {lang!r} side")
    decoded = decode_html(page.read_bytes(), fallbacks=side.fallback_encodings if side else ())
    result = extract_article(decoded.text, language=lang, side=side, url=url, site=site)
    typer.echo(result.model_dump_json(indent=2))


models_app = typer.Typer(
    help="Argos Translate packages (ARGOS_PACKAGES_DIR).", no_args_is_help=True
)
app.add_typer(models_app, name="models")


@models_app.command("list")
def models_list() -> None:
    """Installed packages."""
    from pipeline.argos import installed_packages, packages_dir

    table = Table(title=f"Argos packages in {packages_dir()}")
    for column in ("package", "from", "to", "version"):
        table.add_column(column)
    for p in installed_packages():
        table.add_row(p.name, p.from_code, p.to_code, p.package_version)
    console.print(table)


@models_app.command("install")
def models_install(file: Annotated[Path, typer.Argument(help="An .argosmodel file.")]) -> None:
    """Validate a package file completely, then install it (nothing is written if it is bad)."""
    from pipeline.argos import InvalidPackage, install_package

    try:
        info = install_package(file)
    except (InvalidPackage, OSError) as exc:
        console.print(f"[red]not installed:[/red] {exc}")
        raise typer.Exit(1) from exc
    console.print(
        f"installed {info.name} ({info.from_code}->{info.to_code} "
        f"v{info.package_version}) in {info.path}"
    )


@models_app.command("remove")
def models_remove(name: Annotated[str, typer.Argument(help="Package name, or FROM-TO.")]) -> None:
    """Remove an installed package."""
    from pipeline.argos import remove_package

    try:
        info = remove_package(name)
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"removed {info.name}")


@models_app.command("check")
def models_check(from_code: str, to_code: str) -> None:
    """Which package serves a pair, or exactly what to install and how."""
    from pipeline.argos import find_route, installed_packages, route_advice

    packages = installed_packages()
    console.print(route_advice(from_code, to_code, packages))
    if find_route(from_code, to_code, packages) is None:
        raise typer.Exit(1)


def _stored_sentences(corpus, language: str, size: int) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """Sentences of the stored clean texts of paired articles in `language`, in chunks."""
    chunk: list[str] = []
    for pair in corpus.iter_pairs():
        version = pair.ar if language == "ar" else pair.en
        if pair.status != "paired" or version is None:
            continue
        text = corpus.text_of(version)
        chunk.extend(s.text for s in text.sentences) if text is not None else None
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@app.command()
def translate(
    file: Annotated[Path | None, typer.Argument(help="One sentence a line; - for stdin.")] = None,
    from_code: Annotated[str | None, typer.Option("--from")] = None,
    to_code: Annotated[str | None, typer.Option("--to")] = None,
    output: Annotated[Path | None, typer.Option("-o", help="Default: stdout.")] = None,
    device: Annotated[str, typer.Option(help="cpu or cuda.")] = "cpu",
    compute_type: Annotated[str, typer.Option(help="CTranslate2 compute type.")] = "auto",
    threads: Annotated[int, typer.Option(help="Threads per translation (0: auto).")] = 0,
    batch_size: Annotated[int, typer.Option(help="Sentences per batch.")] = 32,
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
) -> None:
    """Translate sentences with the installed packages, offline; cached in the store.

    With FILE: its lines, FROM -> TO. Without: every stored clean text that still lacks a
    translation (Arabic -> English and English -> Arabic, where a package serves them)."""
    from pipeline.translate import Engine, EngineSettings, NoRoute, translate_cached

    settings = EngineSettings(
        device=device, compute_type=compute_type, intra_threads=threads, batch_size=batch_size
    )
    corpus = _store(data_dir, store)
    jobs: list[tuple[str, str, Iterable[list[str]]]] = []
    if file is not None:
        if not (from_code and to_code):
            raise typer.BadParameter("--from and --to are needed with FILE")
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
        jobs.append((from_code, to_code, [text.splitlines()]))
    else:
        for source, target in (("ar", "en"), ("en", "ar")):
            jobs.append((source, target, _stored_sentences(corpus, source, batch_size * 64)))
    for source, target, chunks in jobs:
        try:
            engine = Engine(source, target, settings=settings)
        except NoRoute:
            from pipeline.argos import installed_packages, route_advice

            pending = len({s for chunk in chunks for s in chunk})
            progress_console.print(
                f"[yellow]translation pending[/yellow] for {pending} "
                f"{source} sentences: " + route_advice(source, target, installed_packages())
            )
            if file is not None:
                raise typer.Exit(1) from None
            continue
        with Progress(
            *Progress.get_default_columns(),
            TextColumn("{task.fields[rate]}"),
            console=progress_console,
            transient=file is not None and output is None,
        ) as bar:
            task = bar.add_task(f"{source}->{target}", total=None, rate="")
            started = time.monotonic()

            def advance(n: int, task: int = task, started: float = started) -> None:
                bar.advance(task, n)
                done = bar.tasks[0].completed
                bar.update(task, rate=f"{done / max(time.monotonic() - started, 1e-9):.1f} sent/s")

            for sentences in chunks:  # one bounded chunk at a time: memory is not corpus size
                bar.update(task, total=(bar.tasks[0].total or 0) + len(set(sentences)))
                result = translate_cached(
                    engine,
                    sentences,
                    lookup=corpus.cached_translations,
                    save=corpus.save_translations,
                    progress=advance,
                )
        if file is not None:
            out = "\n".join(result) + "\n"
            if output:
                output.write_text(out, encoding="utf-8")
            else:
                sys.stdout.write(out)
    corpus.close()


@app.command("align")
def align_command(
    redo: Annotated[bool, typer.Option(help="Realign every pair, even unchanged ones.")] = False,
    translate: Annotated[
        bool, typer.Option(help="Decode missing translations where a package is installed.")
    ] = True,
    device: Annotated[str, typer.Option(help="cpu or cuda, for decoding.")] = "cpu",
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
) -> None:
    """Align the stored article pairs sentence by sentence (Arabic original -> English) and flag
    where they diverge. Uses the installed packages' translations where there are any."""
    from pipeline.align_store import align_stored, summarize
    from pipeline.translate import EngineSettings

    corpus = _store(data_dir, store)
    counts = align_stored(
        corpus, redo=redo, translate=translate, settings=EngineSettings(device=device)
    )
    summary = summarize(corpus.iter_alignments())
    corpus.close()
    table = Table(title="Alignment")
    table.add_column("")
    table.add_column("count", justify="right")
    for key, value in sorted(counts.items()):
        table.add_row(key, str(value))
    for mode, value in sorted(summary.modes.items()):
        table.add_row(f"stored alignments, mode {mode}", str(value))
    for flag, value in sorted(summary.flags.items()):
        table.add_row(f"beads flagged {flag}", str(value))
    console.print(table)
    if summary.modes.get("none"):
        console.print(
            '[yellow]degraded:[/yellow] alignments in mode "none" rest on a word list, a learned '
            "lexicon, lengths and anchors, with no translation; install an ar->en package "
            "(`bitext models install`) and run `bitext align` again."
        )


def _documents(path: Path, separator: str) -> list[list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
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


@app.command("align-files")
def align_files(
    src: Annotated[Path, typer.Argument(help="Source: one sentence a line.")],
    tgt: Annotated[Path, typer.Argument(help="Target: one sentence a line.")],
    src_lang: Annotated[str, typer.Option("--src-lang")],
    tgt_lang: Annotated[str, typer.Option("--tgt-lang")],
    output: Annotated[Path, typer.Option("-o", help="JSONL, one bead a line.")],
    translation: Annotated[
        Path | None, typer.Option("--translation", help="SRC translated into TGT's language.")
    ] = None,
    tgt_translation: Annotated[
        Path | None, typer.Option("--tgt-translation", help="TGT translated into SRC's language.")
    ] = None,
    doc_separator: Annotated[
        str, typer.Option("--doc-separator", help="The line between documents.")
    ] = "",
    diff: Annotated[bool, typer.Option(help="Add the word-level diff to each bead.")] = False,
    dictionary: Annotated[
        Path | None,
        typer.Option(
            "--dictionary",
            help="Word list for aligning without translation: 'SRC word<TAB>TGT word' lines "
            "(.gz allowed). Default: the bundled one for the pair, if any.",
        ),
    ] = None,
) -> None:
    """Align your own documents (Bleualign's file conventions); beads as JSON lines:
    {"doc", "src", "tgt", "score", "flags", "mode"}, indices 0-based within document "doc"."""
    from pipeline.align import Document, align_corpus
    from pipeline.dictionary import bundled_dictionary, load_dictionary
    from pipeline.exports import atomic_writer
    from pipeline.translate import engine_or_none

    src_docs, tgt_docs = _documents(src, doc_separator), _documents(tgt, doc_separator)
    if len(src_docs) != len(tgt_docs):
        raise typer.BadParameter(
            f"{src} has {len(src_docs)} documents and {tgt} has {len(tgt_docs)}"
        )

    def side(path: Path | None, like: list[list[str]], name: str) -> list[list[str]] | None:
        if path is None:
            return None
        docs = _documents(path, doc_separator)
        if [len(d) for d in docs] != [len(d) for d in like]:
            docs = _line_parallel(path, like)  # a translation line left empty is no separator
        if docs is None:
            raise typer.BadParameter(f"{name} must have the same documents and lines as its side")
        return docs

    src_mt = side(translation, src_docs, "--translation")
    tgt_mt = side(tgt_translation, tgt_docs, "--tgt-translation")
    supplied = src_mt is not None or tgt_mt is not None
    engine = None if supplied else engine_or_none(src_lang, tgt_lang)
    if engine is not None:
        flat = engine.translate([s for d in src_docs for s in d])
        src_mt, k = [], 0
        for d in src_docs:
            src_mt.append(flat[k : k + len(d)])
            k += len(d)
    word_list = None
    if engine is None and not supplied:
        if dictionary is not None:
            if not dictionary.is_file():
                raise typer.BadParameter(f"{dictionary} is not a file")
            word_list = load_dictionary(dictionary, src_lang, tgt_lang)
        else:
            word_list = bundled_dictionary(src_lang, tgt_lang)
        words = (
            f"a {len(word_list)}-word dictionary, " if word_list is not None else "no dictionary, "
        )
        progress_console.print(
            f"[yellow]no {src_lang}->{tgt_lang} package installed:[/yellow] aligning without "
            f'translation (mode "none": {words}a learned lexicon, lengths, anchors)'
        )
    docs = [
        Document(s, t, src_mt=src_mt[k] if src_mt else None, tgt_mt=tgt_mt[k] if tgt_mt else None)
        for k, (s, t) in enumerate(zip(src_docs, tgt_docs, strict=True))
    ]
    alignments = align_corpus(
        docs,
        src_language=src_lang,
        tgt_language=tgt_lang,
        supplied=supplied,
        diff=diff,
        dictionary=word_list,
    )
    beads = 0
    with atomic_writer(output) as out:
        for k, alignment in enumerate(alignments):
            for bead in alignment.beads:
                line = {"doc": k, **bead.model_dump(exclude_none=True), "mode": alignment.mode}
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                beads += 1
    modes = Counter(a.mode for a in alignments)
    progress_console.print(
        f"{beads} beads from {len(docs)} documents written to {output} "
        f"(mode: {', '.join(f'{m} x{n}' for m, n in modes.items())})"
    )


@app.command("export")
def export_command(
    output: Annotated[Path, typer.Option("-o", help="File (Moses: a prefix, .ar/.en added).")],
    format: Annotated[str, typer.Option("--format", help="jsonl, tmx, moses or xliff.")] = "jsonl",
    min_score: Annotated[float | None, typer.Option("--min-score")] = None,
    skip_flagged: Annotated[bool, typer.Option("--skip-flagged")] = False,
    since: Annotated[str | None, typer.Option("--since", help="YYYY-MM-DD (publication).")] = None,
    dedup: Annotated[bool, typer.Option("--dedup", help="Drop repeated segment pairs.")] = False,
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
) -> None:
    """Export the aligned corpus: JSONL (one article pair a line, everything kept), TMX 1.4b,
    Moses parallel text or XLIFF 2.0 (one segment pair a bead). Written atomically."""
    from datetime import date

    from pipeline import exports

    if format not in ("jsonl", "tmx", "moses", "xliff"):
        raise typer.BadParameter("--format must be jsonl, tmx, moses or xliff")
    keep = exports.ExportFilter(
        min_score=min_score,
        skip_flagged=skip_flagged,
        since=date.fromisoformat(since) if since else None,
    )
    corpus = _store(data_dir, store)
    counts: Counter[str] = Counter()
    pairs = exports.exported_pairs(corpus, keep, counts)
    languages = {"src_lang": "ar", "tgt_lang": "en"}
    if format == "jsonl":
        if dedup:
            progress_console.print("[yellow]--dedup applies to segment formats; ignored[/yellow]")
        written = exports.write_jsonl(pairs, output)
    else:
        segs = exports.segments(pairs, dedup=dedup, counts=counts)
        writer = {
            "tmx": exports.write_tmx,
            "moses": exports.write_moses,
            "xliff": exports.write_xliff,
        }
        written = writer[format](segs, output, **languages)
    corpus.close()
    unit = "article pairs" if format == "jsonl" else "segment pairs"
    where = f"{output}.ar and {output}.en" if format == "moses" else str(output)
    console.print(f"{written} {unit} written to {where}")
    for key, value in sorted(counts.items()):
        if value and key not in ("pairs", "segments"):
            console.print(f"  {key}: {value}")


@app.command("report")
def report_command(
    output: Annotated[Path, typer.Option("-o", help="Directory for the HTML site.")] = Path(
        "data/output/report"
    ),
    data_dir: DataDir = Path("data/output"),
    store: StoreOpt = None,
) -> None:
    """Write the translators' review report: a static site, index plus one page per article."""
    from pipeline.exports import exported_pairs
    from pipeline.report import write_report

    corpus = _store(data_dir, store)
    counts: Counter[str] = Counter()
    summary = write_report(exported_pairs(corpus, counts=counts), output)
    corpus.close()
    flags = ", ".join(f"{k} {v}" for k, v in sorted(summary.flags.items())) or "none"
    console.print(
        f"report: {summary.index.resolve()} ({summary.articles} articles, {summary.beads} beads, "
        f"{summary.divergent_beads} with divergences: {flags})"
    )
    for key, value in sorted(counts.items()):
        if value and key not in ("pairs", "beads filtered out"):
            console.print(f"  {key}: {value}")


@app.command()
def schema(output: Annotated[Path | None, typer.Option("-o")] = None) -> None:
    """The JSON Schema of every record, generated from the pydantic models."""
    text = json.dumps(json_schema(), indent=2, ensure_ascii=False)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        typer.echo(text)


@app.command("warc-check")
def warc_check(data_dir: DataDir = Path("data/output"), store: StoreOpt = None) -> None:
    """Check that every capture the store refers to is a complete record in the WARC files."""
    corpus = _store(data_dir, store)
    ids: set[str] = set()
    for path in sorted((data_dir / "warc").glob("*.warc.gz")):
        ids.update(str(r["id"]) for r in read_records(path))
    captures = corpus.captures()
    missing = [c for c in captures if c.warc_record_id not in ids]
    console.print(f"{len(captures)} captures, {len(ids)} WARC records, {len(missing)} missing")
    corpus.close()
    if missing:
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
