"""Reviews: a review file out of the store, edited as a translator would, imported back (all or
nothing, idempotent, never overwritten by re-aligning), and carried by every export, which
validates against the XLIFF 2.0 core schema and the TMX 1.4 DTD."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from pipeline.exports import ExportFilter, exported_pairs, segments, write_tmx, write_xliff
from pipeline.models import ReviewBead, ReviewFile
from pipeline.review import ReviewRefused, coverage_error, export_reviews, import_reviews
from pipeline.store import SqlCorpusStore, open_store
from tests.conftest import store_at_revision
from tests.test_exports import AR_PARAGRAPHS, EN_PARAGRAPHS, make_pair

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = Path(__file__).parent / "schemas"
XLIFF = "{urn:oasis:names:tc:xliff:document:2.0}"


def xliff_errors(path: Path) -> list[str]:
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "xliff_core_2.0.xsd")))
    schema.validate(etree.parse(str(path)))
    return [str(e) for e in schema.error_log]


def tmx_errors(path: Path) -> list[str]:
    dtd = etree.DTD(str(SCHEMAS / "tmx14.dtd"))
    dtd.validate(etree.parse(str(path)))
    return [str(e) for e in dtd.error_log]


def bitext(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.sqlite"
    store = open_store(path)
    store.save_pair(make_pair("one", AR_PARAGRAPHS, EN_PARAGRAPHS))
    store.save_pair(make_pair("two", AR_PARAGRAPHS, EN_PARAGRAPHS))
    store.close()
    return path


def merged_and_approved(review_file: Path) -> dict:
    """The edit of the issue's done-when: the first two beads merged, approved, commented."""
    data = json.loads(review_file.read_text(encoding="utf-8"))
    pair = next(p for p in data["pairs"] if p["pair_id"] == "enab:one")
    first, second, *rest = pair["beads"]
    merged = {
        "src": first["src"] + second["src"],
        "tgt": first["tgt"] + second["tgt"],
        "status": "approved",
        "comment": "one sentence in the English, two in the Arabic? no: both merged & <ok>",
    }
    pair["beads"] = [merged, *rest]
    pair["beads"][-1]["status"] = "rejected"
    data["pairs"] = [pair]
    return data


def test_coverage_errors_name_the_problem() -> None:
    def beads(*spans: tuple[list[int], list[int]]) -> list[ReviewBead]:
        return [ReviewBead(src=s, tgt=t) for s, t in spans]

    assert coverage_error(beads(([0], [0]), ([1], [1, 2])), 2, 3) is None
    assert coverage_error(beads(([0], [0]), ([0, 1], [1])), 2, 2) == (
        "source sentence 0 is in two beads (0 and 1)"
    )
    assert coverage_error(beads(([1], [0]), ([0], [1])), 2, 2) == (
        "bead 0: source sentence 1 is out of order (expected 0)"
    )
    assert coverage_error(beads(([0], [0])), 2, 1) == "source sentence 1 is in no bead"
    assert coverage_error(beads(([0], [0, 5])), 1, 2) == (
        "bead 0: target sentence 5 does not exist (0..1)"
    )
    assert coverage_error(beads(([0], [0]), ([], [])), 1, 1) == "bead 1 holds no sentence"


def test_export_edit_import_then_tmx_and_xliff_carry_the_review(
    store_path: Path, tmp_path: Path
) -> None:
    review_file = tmp_path / "review.json"
    out = bitext("review", "export", "--store", str(store_path), "-o", str(review_file))
    assert out.returncode == 0, out.stderr
    exported = ReviewFile.model_validate_json(review_file.read_text(encoding="utf-8"))
    assert [p.pair_id for p in exported.pairs] == ["enab:one", "enab:two"]
    one = exported.pairs[0]
    assert (one.src_lang, one.tgt_lang) == ("ar", "en")
    assert [(b.src, b.tgt, b.status) for b in one.beads] == [
        ([0], [0], "pending"),
        ([1], [1], "pending"),
        ([], [2], "pending"),
        ([2], [], "pending"),
    ]
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(merged_and_approved(review_file), ensure_ascii=False))
    result = bitext("review", "import", str(edited), "--store", str(store_path),
                    "--reviewer", "Lina")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "1 reviews stored as new revisions, 0 unchanged" in " ".join(result.stdout.split())
    again = bitext("review", "import", str(edited), "--store", str(store_path))
    assert "0 reviews stored as new revisions, 1 unchanged" in " ".join(again.stdout.split())

    for fmt, name in (("tmx", "c.tmx"), ("xliff", "c.xlf"), ("jsonl", "c.jsonl")):
        done = bitext("export", "--format", fmt, "--store", str(store_path),
                      "-o", str(tmp_path / name))  # fmt: skip
        assert done.returncode == 0, done.stderr
    assert tmx_errors(tmp_path / "c.tmx") == []
    assert xliff_errors(tmp_path / "c.xlf") == []

    ar = [p.replace("\x07", "") for p in AR_PARAGRAPHS]
    en = [p.replace("\x07", "") for p in EN_PARAGRAPHS]
    tmx = etree.parse(str(tmp_path / "c.tmx")).getroot()
    units = {u.find("prop[@type='x-id']").text: u for u in tmx.iter("tu")}
    unit = units["enab-one-0"]
    segs = [tuv.find("seg").text for tuv in unit.findall("tuv")]
    assert segs == [f"{ar[0]} {ar[1]}", f"{en[0]} {en[1]}"]  # both sentences, one unit
    props = {p.get("type"): p.text for p in unit.findall("prop")}
    assert props["x-bitext-status"] == "approved" and props["x-bitext-reviewer"] == "Lina"
    assert unit.find("note").text.endswith("both merged & <ok>")
    assert "enab-one-1" not in units  # the merged bead's second half is no unit of its own
    assert "x-bitext-status" not in {
        p.get("type") for p in units["enab-two-0"].findall("prop")
    }  # pair two was not reviewed

    xliff = etree.parse(str(tmp_path / "c.xlf")).getroot()
    files = xliff.findall(f"{XLIFF}file")
    assert [f.get("original") for f in files] == ["https://x/one/", "https://x/two/"]
    segment = xliff.find(f".//{XLIFF}unit[@id='enab-one-0']/{XLIFF}segment")
    assert segment.get("state") == "reviewed"
    assert segment.find(f"{XLIFF}source").text == f"{ar[0]} {ar[1]}"
    notes = {
        n.get("category"): n.text
        for n in xliff.findall(f".//{XLIFF}unit[@id='enab-one-0']/{XLIFF}notes/{XLIFF}note")
    }
    assert notes["url"] == "https://x/one/" and float(notes["score"]) > 0
    assert notes["review-status"] == "approved" and "merged & <ok>" in notes["comment"]
    other = xliff.find(f".//{XLIFF}unit[@id='enab-two-0']/{XLIFF}segment")
    assert other.get("state") == "translated"

    record = json.loads((tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()[0])
    alignment = record["alignment"]
    assert alignment["reviewer"] == "Lina" and alignment["review_revision"] == 1
    assert [(b["src"], b["tgt"], b["status"]) for b in alignment["beads"]] == [
        ([0, 1], [0, 1], "approved"),
        ([], [2], "pending"),
        ([2], [], "rejected"),
    ]


def test_reviewed_only_exports_approved_beads(store_path: Path, tmp_path: Path) -> None:
    corpus = open_store(store_path)
    review_file = tmp_path / "review.json"
    review_file.write_text(export_reviews(exported_pairs(corpus)).model_dump_json())
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(merged_and_approved(review_file)))
    import_reviews(corpus, edited, reviewer="Lina")
    segs = list(segments(exported_pairs(corpus, ExportFilter(reviewed_only=True))))
    assert [(s.key, s.status) for s in segs] == [("enab-one-0", "approved")]
    write_xliff(iter(segs), tmp_path / "r.xlf", src_lang="ar", tgt_lang="en")
    write_tmx(iter(segs), tmp_path / "r.tmx", src_lang="ar", tgt_lang="en")
    assert xliff_errors(tmp_path / "r.xlf") == [] and tmx_errors(tmp_path / "r.tmx") == []
    corpus.close()


def state_of(corpus: SqlCorpusStore) -> tuple:
    return (
        [corpus.latest_review("enab", k) for k in ("one", "two")],
        [a.model_dump() for a in corpus.iter_alignments()],
    )


def test_a_sentence_in_two_beads_is_refused_whole(store_path: Path, tmp_path: Path) -> None:
    corpus = open_store(store_path)
    data = json.loads(export_reviews(exported_pairs(corpus)).model_dump_json())
    before = state_of(corpus)
    corpus.close()
    data["pairs"][0]["beads"][0]["status"] = "approved"  # pair one is fine...
    beads = data["pairs"][1]["beads"]  # ...pair two has source sentence 0 in two beads
    beads[1]["src"] = [0, 1]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    result = bitext("review", "import", str(bad), "--store", str(store_path))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "pair enab:two: source sentence 0 is in two beads (0 and 1)" in lines[0]
    corpus = open_store(store_path)
    assert state_of(corpus) == before  # pair one, valid, was not stored either
    assert state_of(corpus)[0] == [None, None]
    corpus.close()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda p: p.update(pair_id="enab:nope"), "pair enab:nope: no such article pair"),
        (
            lambda p: p["tgt_sentences"].__setitem__(1, "Edited."),
            "pair enab:one: target sentences differ from the store's current version "
            "(first at sentence 1",
        ),
        (lambda p: p.update(src_lang="fa"), "pair enab:one: languages fa->en"),
        (lambda p: p["beads"].pop(), "pair enab:one: source sentence 2 is in no bead"),
        (lambda p: p["beads"][0].update(status="done"), "pair enab:one: not a bitext-review/3"),
        (
            lambda p: p["beads"][0].update(comment="x" * 5_001),
            "pair enab:one: not a bitext-review/3 file: pairs.0.beads.0.comment: a comment of "
            "5,001 characters, over the 5,000 limit",
        ),
        (
            lambda p: p.update(tgt_segments=[{"first": 0, "last": 1, "end": 3}]),
            "pair enab:one: target text after segment 0 is in no segment",
        ),
        (
            lambda p: p.update(
                tgt_segments=[
                    {"first": 0, "last": 0, "end": 10},
                    {"first": 0, "start": 5, "last": 2, "end": 10},
                ]
            ),
            "pair enab:one: target segment 1: overlaps the segment before it or is out of order",
        ),
    ],
)
def test_refusals_are_one_line_and_name_the_pair(
    store_path: Path, tmp_path: Path, change, expected: str
) -> None:
    corpus = open_store(store_path)
    data = json.loads(export_reviews(exported_pairs(corpus), ["enab:one"]).model_dump_json())
    change(data["pairs"][0])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(ReviewRefused) as refused:
        import_reviews(corpus, bad)
    assert expected in str(refused.value) and "\n" not in str(refused.value)
    assert corpus.latest_review("enab", "one") is None
    corpus.close()


def test_realigning_never_overwrites_a_review(store_path: Path, tmp_path: Path) -> None:
    from pipeline.stages.align import align_stored

    corpus = open_store(store_path)
    review_file = tmp_path / "review.json"
    review_file.write_text(export_reviews(exported_pairs(corpus)).model_dump_json())
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(merged_and_approved(review_file)))
    import_reviews(corpus, edited)
    machine_before = corpus.alignment_of("enab", "one")
    counts = align_stored(corpus, redo=True, translate=False)  # the machine alignment is redone
    assert counts["aligned: encoder"] == 2  # no translation: the sentence encoder
    assert corpus.alignment_of("enab", "one").aligned_at > machine_before.aligned_at
    corpus.save_pair(make_pair("one", AR_PARAGRAPHS, EN_PARAGRAPHS))  # as a crawl saves it
    record = next(p for p in exported_pairs(corpus) if p.translation.site_article_id == "one")
    assert [b.status for b in record.alignment.beads] == ["approved", "pending", "rejected"]
    assert corpus.alignment_of("enab", "one").reviewer is None  # the machine one is kept apart
    # the same review again: no new revision; an edited one: revision 2
    import_reviews(corpus, edited)
    assert corpus.latest_review("enab", "one").review_revision == 1
    data = json.loads(edited.read_text())
    data["pairs"][0]["beads"][1]["comment"] = "added by the English desk"
    edited.write_text(json.dumps(data))
    assert import_reviews(corpus, edited).new == ["enab:one"]
    assert corpus.latest_review("enab", "one").review_revision == 2
    corpus.close()


def test_a_review_of_older_texts_is_not_exported(store_path: Path, tmp_path: Path) -> None:
    corpus = open_store(store_path)
    review_file = tmp_path / "review.json"
    review_file.write_text(export_reviews(exported_pairs(corpus)).model_dump_json())
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(merged_and_approved(review_file)))
    import_reviews(corpus, edited)
    corpus.save_pair(make_pair("one", AR_PARAGRAPHS, [*EN_PARAGRAPHS[:2], "An edit."]))
    counts: Counter[str] = Counter()
    record = next(
        p for p in exported_pairs(corpus, counts=counts) if p.translation.site_article_id == "one"
    )
    assert all(b.status is None for b in record.alignment.beads)
    assert counts["review outdated (texts changed since; review again)"] == 1
    corpus.close()


def test_a_store_made_before_reviews_opens_and_takes_them(store_path: Path, tmp_path: Path) -> None:
    # as the release before reviews (and Alembic) made it: the pairs stay, the later tables go
    store_at_revision(f"sqlite:///{store_path}", "0001", before_alembic=True)
    corpus = open_store(store_path)
    assert corpus.latest_review("enab", "one") is None
    review_file = tmp_path / "review.json"
    review_file.write_text(export_reviews(exported_pairs(corpus)).model_dump_json())
    assert import_reviews(corpus, review_file).new == ["enab:one", "enab:two"]
    corpus.close()


def test_review_schema_is_shipped_and_generated() -> None:
    result = bitext("review", "schema")
    assert result.returncode == 0
    assert (REPO / "data" / "review.schema.json").read_text(encoding="utf-8") == result.stdout
    schema = json.loads(result.stdout)
    assert schema["properties"]["format"]["const"] == "bitext-review/3"
    assert set(schema["$defs"]["ReviewBead"]["properties"]) == {
        "src", "tgt", "status", "comment", "origin", "reviewer", "reviewed_at"
    }  # fmt: skip
    assert set(schema["$defs"]["Segment"]["properties"]) == {
        "first",
        "start",
        "last",
        "end",
        "text",
    }


def test_export_of_an_unknown_pair_is_refused(store_path: Path, tmp_path: Path) -> None:
    out = bitext("review", "export", "--store", str(store_path), "--pair", "enab:one",
                 "--pair", "enab:nope", "-o", str(tmp_path / "r.json"))  # fmt: skip
    assert out.returncode == 1 and not (tmp_path / "r.json").exists()
    assert "pair enab:nope: no current alignment in the store" in " ".join(out.stderr.split())
    one = bitext("review", "export", "--store", str(store_path), "--pair", "enab:one",
                 "-o", str(tmp_path / "r.json"))  # fmt: skip
    assert one.returncode == 0, one.stderr
    file = ReviewFile.model_validate_json((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [p.pair_id for p in file.pairs] == ["enab:one"]


def test_the_report_finds_archived_pages_through_revisits(tmp_path: Path) -> None:
    """The report's archive lookup (no browser needed): a record id, or a revisit of it."""
    from pipeline.models import WarcCapture
    from pipeline.report import WarcPages
    from pipeline.warc import PreviousCapture, WarcArchive
    from tests.test_store_warc import T0, exchange

    archive = WarcArchive(tmp_path)
    body = "<p>عربي</p>".encode()
    first = archive.write(exchange("https://x/a", body))
    again = archive.write(
        exchange("https://x/a", body), PreviousCapture(first.record_id, first.payload_digest, T0)
    )
    archive.close()
    captures = [
        WarcCapture(url="https://x/a", warc_filename=w.filename, warc_record_id=w.record_id,
                    record_type=w.record_type, payload_sha1=w.payload_digest, http_status=200,
                    fetched_at=T0)
        for w in (first, again)
    ]  # fmt: skip
    pages = WarcPages(tmp_path, captures)
    assert again.record_type == "revisit"
    for record_id in (first.record_id, again.record_id):
        page = pages.page(record_id)
        assert page is not None and page.body == body and page.record_id == first.record_id
    assert pages.page("<urn:uuid:unknown>") is None and pages.page(None) is None


def test_a_sentence_split_joined_and_edited_is_a_review_revision(
    store_path: Path, tmp_path: Path
) -> None:
    """Format 3: the translation's first sentence split at a chosen point (offsets kept, the
    piece a sentence of its own in the next row), the original's first sentence edited; the
    stored texts stay, the revision carries the segments, exports carry the reviewed text, and
    exporting the review again gives the same file."""
    corpus = open_store(store_path)
    data = json.loads(export_reviews(exported_pairs(corpus), ["enab:one"]).model_dump_json())
    pair = data["pairs"][0]
    first = pair["tgt_sentences"][0]
    cut = first.index("results")
    pair["tgt_segments"] = [
        {"first": 0, "start": 0, "last": 0, "end": cut},
        {"first": 0, "start": cut, "last": 0, "end": len(first)},
        *({"first": k, "last": k, "end": len(x)} for k, x in enumerate(pair["tgt_sentences"]) if k),
    ]
    pair["src_segments"] = [
        {"first": 0, "last": 0, "end": len(pair["src_sentences"][0]), "text": "نص مصحح ٥٠٠."},
        *({"first": k, "last": k, "end": len(x)} for k, x in enumerate(pair["src_sentences"]) if k),
    ]
    beads = [
        {"src": [0], "tgt": [0], "status": "approved", "origin": "translator",
         "reviewer": "Lina", "reviewed_at": "2025-01-02T03:04:05Z"},
        {"src": [], "tgt": [1], "status": "rejected", "origin": "translator"},
        {"src": [1], "tgt": [2], "status": "approved"},
        {"src": [], "tgt": [3]},
        {"src": [2], "tgt": []},
    ]  # fmt: skip
    pair["beads"] = beads
    data["format"] = "bitext-review/3"
    data["reviewer"] = "Lina"
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data, ensure_ascii=False))
    assert import_reviews(corpus, edited).new == ["enab:one"]
    review = corpus.latest_review("enab", "one")
    assert review.reviewer == "Lina"  # from the file: no --reviewer given
    assert review.tgt_sentences[:2] == [first[:cut].strip(), first[cut:]]
    assert review.tgt_segments[1].start == cut and review.src_sentences[0] == "نص مصحح ٥٠٠."
    assert review.beads[0].reviewer == "Lina" and review.beads[0].origin == "translator"
    assert review.beads[0].flags == []  # 500 and ٥٠٠ are the same number
    text = corpus.text_of(corpus.pair_for("enab", "one").translation)
    assert text.sentences[0].text == first  # the stored text stays
    again = export_reviews(exported_pairs(corpus), ["enab:one"])
    assert again.pairs[0].tgt_segments[1].start == cut
    assert again.pairs[0].src_sentences == pair["src_sentences"]  # the stored ones
    again_file = tmp_path / "again.json"
    again_file.write_text(again.model_dump_json())
    assert import_reviews(corpus, again_file).unchanged == ["enab:one"]
    segs = list(segments(exported_pairs(corpus, ExportFilter(reviewed_only=True))))
    assert [(s.src, s.tgt) for s in segs] == [
        ("نص مصحح ٥٠٠.", first[:cut].strip()),
        (pair["src_sentences"][1], pair["tgt_sentences"][1]),
    ]
    corpus.close()


@pytest.mark.parametrize("old_format", ["bitext-review/1", "bitext-review/2"])
def test_older_review_files_are_imported(store_path: Path, tmp_path: Path, old_format) -> None:
    data = merged_and_approved_file(store_path, tmp_path)
    data["format"] = old_format
    for bead in data["pairs"][0]["beads"]:
        for new_field in ("origin", "reviewer", "reviewed_at"):
            bead.pop(new_field, None)
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data))
    corpus = open_store(store_path)
    assert import_reviews(corpus, old, reviewer="Lina").new == ["enab:one"]
    assert [b.status for b in corpus.latest_review("enab", "one").beads] == [
        "approved", "pending", "rejected"
    ]  # fmt: skip
    corpus.close()


def merged_and_approved_file(store_path: Path, tmp_path: Path) -> dict:
    corpus = open_store(store_path)
    review_file = tmp_path / "review.json"
    review_file.write_text(export_reviews(exported_pairs(corpus)).model_dump_json())
    corpus.close()
    return merged_and_approved(review_file)


def test_a_review_file_over_the_size_cap_is_refused_unread(
    store_path: Path, tmp_path: Path
) -> None:
    from pipeline.models import MAX_REVIEW_FILE_BYTES

    huge = tmp_path / "huge.json"
    with open(huge, "wb") as f:
        f.truncate(MAX_REVIEW_FILE_BYTES + 1)  # sparse: its size, not its bytes, is refused
    result = bitext("review", "import", str(huge), "--store", str(store_path))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "over the 64 MiB limit for a review file" in lines[0], lines
    long_name = bitext("review", "import", str(huge), "--store", str(store_path),
                       "--reviewer", "x" * 300)  # fmt: skip
    assert "--reviewer: 300 characters, over the 200 limit" in " ".join(long_name.stderr.split())
