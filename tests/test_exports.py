"""Exports: every format round-trips hostile text (Arabic, emoji, <, &, quotes, control
characters); filters, dedup and atomic writes."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from pipeline.align import align, document_of, pair_alignment
from pipeline.exports import (
    ExportFilter,
    atomic_writer,
    exported_pairs,
    segments,
    write_jsonl,
    write_moses,
    write_tmx,
    write_xliff,
)
from pipeline.models import ArticleText, ExportedPair, TextStatus
from pipeline.segment import segment
from pipeline.store import SqlCorpusStore, open_store
from tests.test_store_warc import paired, version

AR_PARAGRAPHS = [
    'قال المسؤول: "الأرقام < ٥٠٠ & النتائج جيدة" 😀 اليوم.',
    "وأضاف أن الوضع مستقر\x07 في المدينة.",
    "هذه جملة محذوفة من النسخة الإنجليزية تماما ولا مقابل لها.",
]
EN_PARAGRAPHS = [
    'The official said: "figures < 500 & results are good" 😀 today.',
    "He added that the situation is stable\x07 in the city.",
    "<script>alert('x')</script>",
]
HOSTILE_SEGMENTS = [
    (AR_PARAGRAPHS[0], EN_PARAGRAPHS[0]),
    (AR_PARAGRAPHS[1], EN_PARAGRAPHS[1]),
]


def text_of(paragraphs: list[str], language: str, sha: str) -> ArticleText:
    return ArticleText(
        language=language,
        content_sha256=sha,
        extractor="test",
        status=TextStatus.ok,
        paragraphs=paragraphs,
        sentences=segment(paragraphs, language),
        language_ok=True,
    )


def make_pair(key: str, ar_paragraphs: list[str], en_paragraphs: list[str]):  # type: ignore[no-untyped-def]
    en = version("en", key, "|".join(en_paragraphs))
    ar = version("ar", f"ar-{key}", "|".join(ar_paragraphs))
    en.text = text_of(en_paragraphs, "en", en.content_sha256)
    ar.text = text_of(ar_paragraphs, "ar", ar.content_sha256)
    pair = paired(en, ar)
    doc = document_of(ar.text, en.text)
    # the translation is supplied: the English itself where it corresponds
    doc.src_mt = [EN_PARAGRAPHS[0], EN_PARAGRAPHS[1], "A sentence dropped from the English."]
    # priced as in a corpus where omissions are common: the unrelated last pair is an omission
    # and an addition (with no such evidence it would be one doubtful bead)
    pair.alignment = pair_alignment(pair, doc, align(doc, null_rate=0.15))
    return pair


@pytest.fixture
def corpus(tmp_path: Path) -> SqlCorpusStore:
    store = open_store(tmp_path / "corpus.sqlite")
    store.save_pair(make_pair("one", AR_PARAGRAPHS, EN_PARAGRAPHS))
    store.save_pair(make_pair("two", AR_PARAGRAPHS, EN_PARAGRAPHS))  # the same text again
    return store


def test_the_hand_made_alignment_is_as_expected(corpus) -> None:
    alignment = corpus.alignment_of("enab", "one")
    assert [(b.src, b.tgt, b.flags) for b in alignment.beads] == [
        ([0], [0], []),
        ([1], [1], []),
        ([], [2], ["added"]),
        ([2], [], ["omitted"]),
    ]


def test_jsonl_round_trip_keeps_everything(corpus, tmp_path: Path) -> None:
    out = tmp_path / "corpus.jsonl"
    assert write_jsonl(exported_pairs(corpus), out) == 2
    records = [ExportedPair.model_validate_json(line) for line in out.read_text().splitlines()]
    first = records[0]
    assert first.schema_version == "2"
    assert first.original.text.paragraphs == AR_PARAGRAPHS  # control character kept in JSONL
    assert first.translation.text.paragraphs == EN_PARAGRAPHS
    assert first.alignment.src_sentences[0] == AR_PARAGRAPHS[0]
    assert first.translation.canonical_url == "https://x/one/" and first.translation.content_sha256
    assert len(first.alignment.beads) == 4
    # plain JSON, UTF-8: Arabic and emoji readable, not escaped
    raw = out.read_text(encoding="utf-8")
    assert "😀" in raw and "الأرقام" in raw


def test_tmx_round_trip_with_translate_toolkit(corpus, tmp_path: Path) -> None:
    from translate.storage.tmx import tmxfile

    out = tmp_path / "corpus.tmx"
    assert write_tmx(segments(exported_pairs(corpus)), out, src_lang="ar", tgt_lang="en") == 4
    store = tmxfile.parsefile(str(out))
    units = [(u.source, u.target) for u in store.units]
    expected = [(a.replace("\x07", ""), e.replace("\x07", "")) for a, e in HOSTILE_SEGMENTS]
    assert units == expected * 2
    header = store.document.getroot().find("header")
    for attribute in (
        "creationtool",
        "creationtoolversion",
        "segtype",
        "o-tmf",
        "adminlang",
        "srclang",
        "datatype",
    ):
        assert header.get(attribute), attribute
    assert header.get("srclang") == "ar"
    unit = store.document.getroot().find("body/tu")
    props = {p.get("type"): p.text for p in unit.findall("prop")}
    assert props["x-url"] == "https://x/one/" and float(props["x-score"]) > 0
    assert [t.get("{http://www.w3.org/XML/1998/namespace}lang") for t in unit.findall("tuv")] == [
        "ar",
        "en",
    ]


def test_xliff2_round_trip(corpus, tmp_path: Path) -> None:
    from translate.storage.xliff2 import Xliff2File

    out = tmp_path / "corpus.xlf"
    write_xliff(segments(exported_pairs(corpus), dedup=True), out, src_lang="ar", tgt_lang="en")
    store = Xliff2File.parsefile(str(out))
    assert store.sourcelanguage == "ar" and store.targetlanguage == "en"
    expected = [(a.replace("\x07", ""), e.replace("\x07", "")) for a, e in HOSTILE_SEGMENTS]
    assert [(u.source, u.target) for u in store.units] == expected  # deduplicated
    assert 'version="2.0"' in out.read_text(encoding="utf-8")


def test_moses_files_are_line_parallel(corpus, tmp_path: Path) -> None:
    prefix = tmp_path / "train"
    pair = make_pair(
        "three", ["سطر\u2028ثان.", "جملة\nأخرى."], ["Line\u2028two.", "Another\nsentence."]
    )
    record = ExportedPair(
        site="enab", original=pair.original, translation=pair.translation, alignment=pair.alignment
    )
    n = write_moses(segments([record]), prefix, src_lang="ar", tgt_lang="en")
    ar = (tmp_path / "train.ar").read_text(encoding="utf-8").split("\n")[:-1]
    en = (tmp_path / "train.en").read_text(encoding="utf-8").split("\n")[:-1]
    assert len(ar) == len(en) == n
    assert all("\u2028" not in line for line in ar + en)
    assert (tmp_path / "train.en").read_text(encoding="utf-8").splitlines() == en


def test_filters_and_dedup(corpus) -> None:
    all_segments = list(segments(exported_pairs(corpus)))
    assert len(all_segments) == 4
    assert len(list(segments(exported_pairs(corpus), dedup=True))) == 2
    assert list(segments(exported_pairs(corpus, ExportFilter(min_score=1.01)))) == []
    unflagged = list(exported_pairs(corpus, ExportFilter(skip_flagged=True)))
    assert all(not b.flags for p in unflagged for b in p.alignment.beads)
    assert list(exported_pairs(corpus, ExportFilter(since=date(2030, 1, 1)))) == []
    assert len(list(exported_pairs(corpus, ExportFilter(since=date(2025, 1, 1))))) == 2


def test_a_stale_alignment_is_not_exported(corpus) -> None:
    edited = make_pair("one", AR_PARAGRAPHS, [*EN_PARAGRAPHS[:2], "An edit."])
    edited.alignment = None
    corpus.save_pair(edited)
    record = next(p for p in exported_pairs(corpus) if p.translation.site_article_id == "one")
    assert record.alignment is None


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    out = tmp_path / "corpus.jsonl"
    out.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_writer(out) as handle:
        handle.write("half of the new")
        raise RuntimeError("crash")
    assert out.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["corpus.jsonl"]


def test_export_cli_and_schema(corpus, tmp_path: Path) -> None:
    corpus.close()
    repo = Path(__file__).resolve().parents[1]
    store = str(tmp_path / "corpus.sqlite")
    for fmt, name in (("jsonl", "c.jsonl"), ("tmx", "c.tmx"), ("moses", "c"), ("xliff", "c.xlf")):
        result = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "export", "--format", fmt, "--store", store,
             "-o", str(tmp_path / name), "--dedup"],
            cwd=repo, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "c.ar").exists() and (tmp_path / "c.en").exists()
    schema = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "schema"],
        cwd=repo, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    records = json.loads(schema.stdout)["records"]
    assert "ExportedPair" in records and "PairAlignment" in records
    assert (repo / "data" / "schema.json").read_text(encoding="utf-8") == schema.stdout


def test_every_xml_export_is_valid_against_the_standard_schemas(corpus, tmp_path: Path) -> None:
    """XLIFF against the OASIS XLIFF 2.0 core schema, TMX against the TMX 1.4 DTD (copies in
    tests/schemas/), hostile text and all; one XLIFF <file> per article, with `original`."""
    from lxml import etree

    schemas = Path(__file__).parent / "schemas"
    xlf, tmx = tmp_path / "c.xlf", tmp_path / "c.tmx"
    write_xliff(segments(exported_pairs(corpus)), xlf, src_lang="ar", tgt_lang="en")
    write_tmx(segments(exported_pairs(corpus)), tmx, src_lang="ar", tgt_lang="en")
    xsd = etree.XMLSchema(etree.parse(str(schemas / "xliff_core_2.0.xsd")))
    assert xsd.validate(etree.parse(str(xlf))), xsd.error_log
    dtd = etree.DTD(str(schemas / "tmx14.dtd"))
    assert dtd.validate(etree.parse(str(tmx))), dtd.error_log
    ns = "{urn:oasis:names:tc:xliff:document:2.0}"
    root = etree.parse(str(xlf)).getroot()
    files = root.findall(f"{ns}file")
    assert [(f.get("id"), f.get("original")) for f in files] == [
        ("f1", "https://x/one/"),
        ("f2", "https://x/two/"),
    ]
    unit = files[0].find(f"{ns}unit")
    notes = {n.get("category"): n.text for n in unit.iter(f"{ns}note")}
    assert notes["url"] == "https://x/one/" and float(notes["score"]) > 0
    assert unit.find(f"{ns}segment").get("state") == "translated"  # not reviewed yet
    assert etree.parse(str(tmx)).getroot().find("header").get("o-tmf") == "bitext"
    # an export with nothing in it is valid too
    write_xliff(iter(()), xlf, src_lang="ar", tgt_lang="en")
    assert xsd.validate(etree.parse(str(xlf))), xsd.error_log


def test_a_store_of_two_language_pairs_exports_one_pair_a_file(corpus, tmp_path: Path) -> None:
    """A French original translated into English beside the Arabic ones: segment formats hold
    one language pair, so the export asks which (naming both), then writes exactly that pair,
    the Moses files named by its codes and the counts by language."""
    fr_paragraphs = ["Le responsable a dit que les chiffres sont bons aujourd'hui."]
    en_paragraphs = ["The official said that the figures are good today."]
    en = version("en", "fr-one-en", "|".join(en_paragraphs))
    fr = version("fr", "fr-one", "|".join(fr_paragraphs))
    en.text = text_of(en_paragraphs, "en", en.content_sha256)
    fr.text = text_of(fr_paragraphs, "fr", fr.content_sha256)
    pair = paired(en, fr)
    doc = document_of(fr.text, en.text)
    pair.alignment = pair_alignment(pair, doc, align(doc))
    corpus.save_pair(pair)
    counts = corpus.counts()
    assert (counts["articles_ar"], counts["articles_en"], counts["articles_fr"]) == (2, 3, 1)
    corpus.close()
    repo = Path(__file__).resolve().parents[1]

    def export(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "export", "--store",
             str(tmp_path / "corpus.sqlite"), *args],
            cwd=repo, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    refused = export("--format", "tmx", "-o", str(tmp_path / "all.tmx"))
    assert refused.returncode == 1 and not (tmp_path / "all.tmx").exists()
    assert "2 language pairs (ar,en, fr,en)" in refused.stderr and "--languages" in refused.stderr
    moses = export("--format", "moses", "--languages", "fr,en", "-o", str(tmp_path / "c"))
    assert moses.returncode == 0, moses.stderr
    assert (tmp_path / "c.fr").read_text(encoding="utf-8").splitlines() == fr_paragraphs
    assert (tmp_path / "c.en").read_text(encoding="utf-8").splitlines() == en_paragraphs
    assert not (tmp_path / "c.ar").exists()
    tmx_ar = export("--format", "tmx", "--languages", "ar,en", "-o", str(tmp_path / "ar.tmx"))
    assert tmx_ar.returncode == 0, tmx_ar.stderr
    tmx = (tmp_path / "ar.tmx").read_text(encoding="utf-8")
    assert 'srclang="ar"' in tmx and "Le responsable" not in tmx and "figures" in tmx
    jsonl = export("--format", "jsonl", "-o", str(tmp_path / "all.jsonl"))  # JSONL holds both
    assert jsonl.returncode == 0
    languages = sorted(
        json.loads(line)["original"]["language"]
        for line in (tmp_path / "all.jsonl").read_text(encoding="utf-8").splitlines()
    )
    assert languages == ["ar", "ar", "fr"]
    bad = export("--format", "tmx", "--languages", "arabic", "-o", str(tmp_path / "x.tmx"))
    assert bad.returncode == 2 and "two language codes" in bad.stderr
