"""Provenance in every export (issue 28): each TMX unit, XLIFF file and unit, and Moses line
says which pair and bead it is, where both versions were captured (exact URLs, WARC record ids,
the crawl named by the WARC file's warcinfo), when (publication, fetch, alignment, review) and
how it was aligned; TMX and XLIFF still valid against their standard schemas; an Arabic slug
shown decoded where a person reads it, exact in the data."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from pipeline.exports import XLIFF2, XLIFF_MDA, ExportFilter, write_export
from pipeline.models import ReviewStatus, WarcCapture
from pipeline.provenance import crawl_lookup, readable_iri
from pipeline.store import SqlCorpusStore, open_store
from pipeline.warc import HttpExchange, WarcArchive, warcinfo_fields
from tests.test_exports import AR_PARAGRAPHS, EN_PARAGRAPHS, make_pair

SCHEMAS = Path(__file__).parent / "schemas"
REPO = Path(__file__).resolve().parents[1]
AR_SLUG = "%D8%A7%D9%84%D8%A3%D8%B1%D9%82%D8%A7%D9%85"  # الأرقام, percent-encoded UTF-8
AR_URL = f"https://x/ar/{AR_SLUG}/"
PUBLISHED = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)
REVIEWED = datetime(2024, 7, 2, 9, 30, tzinfo=UTC)
META = "mda:metadata/mda:metaGroup/mda:meta"


def _exchange(url: str, body: bytes, at: datetime) -> HttpExchange:
    return HttpExchange(
        url=url, method="GET", request_headers=[("Host", "x")], status=200, reason="OK",
        protocol="HTTP/1.1", response_headers=[("Content-Type", "text/html")], body=body,
        fetched_at=at,
    )  # fmt: skip


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A store of two pairs whose pages are in a real WARC file of crawl `enab-crawl-1`, the
    first pair's original under an Arabic slug, its review approving one bead and rejecting
    none; the second pair unreviewed."""
    store = open_store(tmp_path / "corpus.sqlite")
    archive = WarcArchive(tmp_path / "warc", info=warcinfo_fields(crawl_id="enab-crawl-1"))
    for key in ("one", "two"):
        pair = make_pair(key, AR_PARAGRAPHS, EN_PARAGRAPHS)
        if key == "one":
            pair.original.canonical_url = pair.original.url = AR_URL
        for version in (pair.original, pair.translation):
            version.url = version.canonical_url  # captured where it says it lives
            version.published = PUBLISHED
            written = archive.write(
                _exchange(version.url, version.raw_html or b"", version.fetched_at)
            )
            version.warc_record_id = written.record_id
            store.record_capture(
                WarcCapture(
                    url=version.url, warc_filename=written.filename,
                    warc_record_id=written.record_id, warc_offset=written.offset,
                    record_type=written.record_type, payload_sha1=written.payload_digest,
                    http_status=200, fetched_at=version.fetched_at,
                )
            )  # fmt: skip
        store.save_pair(pair)
    archive.close()
    machine = store.alignment_of("enab", "one")
    assert machine is not None
    beads = [b.model_copy() for b in machine.beads]
    beads[1] = beads[1].model_copy(
        update={"status": ReviewStatus.approved, "reviewer": "Lina", "reviewed_at": REVIEWED}
    )
    review = machine.model_copy(update={"beads": beads, "reviewer": "Lina",
                                        "reviewed_at": REVIEWED})  # fmt: skip
    assert store.save_reviews([(review, "digest-1")]) == [True]
    store.close()
    return tmp_path


def _export(data: Path, fmt: str, out: Path, keep: ExportFilter | None = None) -> int:
    store = open_store(data / "corpus.sqlite")
    try:
        return write_export(
            store, fmt, out, keep or ExportFilter(), languages=("ar", "en"), warc_dir=data / "warc"
        )
    finally:
        store.close()


def _record_ids(data: Path) -> dict[str, str]:
    store = open_store(data / "corpus.sqlite")
    try:
        return {c.url: c.warc_record_id for c in store.captures()}
    finally:
        store.close()


def test_every_tmx_unit_carries_its_provenance_and_the_file_stays_valid(data: Path) -> None:
    out = data / "c.tmx"
    assert _export(data, "tmx", out) == 4
    tree = etree.parse(str(out))
    dtd = etree.DTD(str(SCHEMAS / "tmx14.dtd"))
    assert dtd.validate(tree), dtd.error_log
    units = tree.getroot().findall("body/tu")
    assert [u.get("tuid") for u in units] == ["enab-one-0", "enab-one-1", "enab-two-0",
                                              "enab-two-1"]  # fmt: skip
    ids = _record_ids(data)
    for unit in units:
        props = {p.get("type"): p.text for p in unit.findall("prop")}
        assert unit.get("creationdate", "").endswith("Z") and len(unit.get("creationdate")) == 16
        assert props["x-source-warc-record-id"] == ids[props["x-source-url"]]
        assert props["x-target-warc-record-id"] == ids[props["x-url"]]
        assert props["x-source-crawl"] == props["x-target-crawl"] == "enab-crawl-1"
        assert props["x-source-published"] == "2024-06-01T08:00:00Z"
        assert props["x-alignment-mode"] == "translation"
        assert props["x-aligner"].startswith("align-")
        assert props["x-pair"] in ("enab:one", "enab:two")
    first, reviewed = units[0], units[1]
    # the review's revision is the pair's alignment now: every unit of it changed by Lina then
    assert reviewed.get("changedate") == "20240702T093000Z" and reviewed.get("changeid") == "Lina"
    assert first.get("changedate") == "20240702T093000Z"
    assert units[2].get("changedate") is None and units[2].get("changeid") is None
    # the exact URL in the data; the Arabic slug readable in a note
    props = {p.get("type"): p.text for p in first.findall("prop")}
    assert props["x-source-url"] == AR_URL
    notes = [n.text for n in first.findall("note")]
    assert "original: https://x/ar/الأرقام/; translation: https://x/one/" in notes


def test_xliff_holds_the_same_provenance_and_stays_valid(data: Path) -> None:
    out = data / "c.xlf"
    assert _export(data, "xliff", out) == 4
    tree = etree.parse(str(out))
    xsd = etree.XMLSchema(etree.parse(str(SCHEMAS / "xliff_core_2.0.xsd")))
    assert xsd.validate(tree), xsd.error_log
    ns = {"x": XLIFF2, "mda": XLIFF_MDA}
    first = tree.getroot().find("x:file", ns)
    meta = {m.get("type"): m.text for m in first.iterfind(META, ns)}
    ids = _record_ids(data)
    assert meta["source-url"] == AR_URL and meta["target-url"] == "https://x/one/"
    assert meta["source-warc-record-id"] == ids[AR_URL]
    assert meta["target-warc-record-id"] == ids["https://x/one/"]
    assert meta["source-crawl"] == "enab-crawl-1" and meta["alignment-mode"] == "translation"
    assert meta["reviewer"] == "Lina" and meta["reviewed-at"] == "2024-07-02T09:30:00Z"
    notes = {n.get("category"): n.text for n in first.iterfind("x:notes/x:note", ns)}
    assert notes["source-url"] == "https://x/ar/الأرقام/"
    unit_meta = [
        {m.get("type"): m.text for m in unit.iterfind(META, ns)}
        for unit in first.iterfind("x:unit", ns)
    ]
    assert [m["bead"] for m in unit_meta] == ["0", "1"]
    assert unit_meta[1]["review-status"] == "approved" and unit_meta[1]["reviewer"] == "Lina"


def test_the_moses_ids_file_names_each_line_with_bead_indices_that_filters_keep(
    data: Path,
) -> None:
    prefix = data / "train"
    assert _export(data, "moses", prefix) == 4
    lines = {lang: (data / f"train.{lang}").read_text(encoding="utf-8").splitlines()
             for lang in ("ar", "en", "ids")}  # fmt: skip
    assert len(lines["ar"]) == len(lines["en"]) == len(lines["ids"]) == 4
    rows = [line.split("\t") for line in lines["ids"]]
    assert rows[0] == ["enab:one", "0", AR_URL, "https://x/one/"]
    assert [r[:2] for r in rows] == [["enab:one", "0"], ["enab:one", "1"], ["enab:two", "0"],
                                     ["enab:two", "1"]]  # fmt: skip
    # only the reviewed bead: still bead 1 of its alignment, not the first line's 0
    assert _export(data, "moses", prefix, ExportFilter(reviewed_only=True)) == 1
    assert (data / "train.ids").read_text(encoding="utf-8").split("\t")[:2] == ["enab:one", "1"]
    assert (data / "train.ar").read_text(encoding="utf-8").count("\n") == 1


def test_the_jsonl_export_names_the_crawls(data: Path) -> None:
    out = data / "c.jsonl"
    assert _export(data, "jsonl", out) == 2
    text = out.read_text(encoding="utf-8")
    assert text.count('"original_crawl":"enab-crawl-1"') == 2
    assert text.count('"translation_crawl":"enab-crawl-1"') == 2


def test_a_crawl_is_found_by_time_where_the_warc_file_is_not_at_hand(tmp_path: Path) -> None:
    store: SqlCorpusStore = open_store(tmp_path / "corpus.sqlite")
    first = store.begin_crawl("enab", {}, {"registered": "enab"})
    store.finish_crawl(first, "finished", {})
    second = store.begin_crawl("enab", {}, {"registered": "enab"})
    runs = store.crawl_runs()
    store.close()
    assert [r.crawl_id for r in runs] == [f"enab-crawl-{first}", f"enab-crawl-{second}"]
    during_second = runs[1].started_at + timedelta(seconds=1)
    capture = WarcCapture(
        url="https://x/a", warc_filename="gone.warc.gz", warc_record_id="<urn:uuid:1>",
        record_type="response", payload_sha1="sha1:X", http_status=200, fetched_at=during_second,
    )  # fmt: skip
    crawl_of = crawl_lookup([capture], runs, tmp_path / "no-warc-here")
    assert crawl_of("<urn:uuid:1>") == f"enab-crawl-{second}"
    assert crawl_of("<urn:uuid:unknown>") is None and crawl_of(None) is None


@pytest.mark.parametrize(
    "url,shown",
    [
        (AR_URL, "https://x/ar/الأرقام/"),
        ("https://x/a%2Fb?q=%D8%A7%20b", "https://x/a%2Fb?q=ا%20b"),  # / and space stay escaped
        ("https://x/%E2%80%AE", "https://x/%E2%80%AE"),  # a bidi override stays escaped
        ("https://x/%D8", "https://x/%D8"),  # a broken sequence stays as it came
        ("https://xn--mgbh0fb.xn--kgbechtv/", "https://مثال.إختبار/"),
        ("https://x/plain/", "https://x/plain/"),
    ],
)
def test_readable_iri_decodes_letters_only(url: str, shown: str) -> None:
    assert readable_iri(url) == shown


def test_export_cli_writes_the_ids_file_and_says_so(data: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "export", "--data-dir", str(data),
         "--format", "moses", "-o", str(data / "cli")],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"{data / 'cli'}.ids" in " ".join(done.stdout.split())
    assert len((data / "cli.ids").read_text(encoding="utf-8").splitlines()) == 4
