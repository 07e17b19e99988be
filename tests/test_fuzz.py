"""Property-based fuzzing (hypothesis) of `align-files`, the exporters and `review import`
(issue 14): whatever the text, no crash; every sentence of both sides in exactly one bead, in
order; TMX and XLIFF well-formed XML holding every segment (only what XML 1.0 cannot carry
removed); Moses line for line; JSONL exact; a review file stored exactly when valid, refused
whole in one line otherwise. (`extract` is fuzzed in test_resilience_text.py.)"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from pipeline.cli import app
from pipeline.exports import Segment, one_line, write_moses, write_tmx, write_xliff, xml_safe

EXAMPLES = int(os.environ.get("BITEXT_FUZZ_EXAMPLES", "25"))  # more for a deep run
FAST = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
HOSTILE = ["\x00", "\x01", "\x1b", "\x7f", "\ud800", "\ufffe", "\uffff", "]]>", "<tu>", "&amp;"]
HOSTILE += ["\u200f", "\u2028", "\r", "\t", "😀", "\U0010fffe", '"', "'", "دمشق", "Damascus"]
# Any text at all, hostile pieces over-represented.
TEXT = st.lists(
    st.one_of(st.text(max_size=12), st.sampled_from(HOSTILE)), min_size=0, max_size=8
).map("".join)
# What a line of a one-sentence-a-line file can be: no line break, not blank (a blank line
# separates documents).
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
LINE = (
    st.text(
        alphabet=st.characters(blacklist_characters=LINE_BREAKS, blacklist_categories=("Cs",)),
        min_size=1,
        max_size=40,
    )
    .map(lambda s: s + " .")
    .filter(lambda s: s.strip() != ".")
)
WORDS = st.sampled_from(
    ["The council met.", "Prices rose 5%.", "قال المجلس.", "ارتفعت الأسعار ٥٪.", "Damascus", "٢٠٢٤"]
)
SENTENCE = st.one_of(LINE, WORDS)


@pytest.fixture(scope="module")
def folder() -> Path:
    with tempfile.TemporaryDirectory(prefix="bitext-fuzz-") as name:
        os.environ.setdefault("ARGOS_PACKAGES_DIR", str(Path(name) / "no-packages"))
        yield Path(name)


def _align_files(folder: Path, src: list[list[str]], tgt: list[list[str]]) -> list[dict]:
    (folder / "src.txt").write_text("\n\n".join("\n".join(d) for d in src) + "\n", "utf-8")
    (folder / "tgt.txt").write_text("\n\n".join("\n".join(d) for d in tgt) + "\n", "utf-8")
    out = folder / "beads.jsonl"
    args = ["align-files", str(folder / "src.txt"), str(folder / "tgt.txt"), "-o", str(out)]
    with pytest.raises(SystemExit) as ended:
        app([*args, "--src-lang", "ar", "--tgt-lang", "en"])
    assert ended.value.code == 0
    return [json.loads(line) for line in out.read_text("utf-8").splitlines()]


@FAST
@given(
    docs=st.lists(
        st.tuples(
            st.lists(SENTENCE, min_size=1, max_size=12), st.lists(SENTENCE, min_size=1, max_size=12)
        ),
        min_size=1,
        max_size=3,
    )
)
def test_fuzz_align_files_puts_every_sentence_in_exactly_one_bead_in_order(
    folder: Path, docs: list[tuple[list[str], list[str]]]
) -> None:
    beads = _align_files(folder, [s for s, _ in docs], [t for _, t in docs])
    for k, (src, tgt) in enumerate(docs):
        mine = [b for b in beads if b["doc"] == k]
        assert [i for b in mine for i in b["src"]] == list(range(len(src)))
        assert [j for b in mine for j in b["tgt"]] == list(range(len(tgt)))
        assert all(b["src"] or b["tgt"] for b in mine)
        assert all(0.0 <= b["score"] <= 1.0 for b in mine)
    assert {b["doc"] for b in beads} == set(range(len(docs)))


SEGMENTS = st.lists(
    st.builds(
        Segment,
        src=TEXT,
        tgt=TEXT,
        url=st.just("https://x/a/"),
        src_url=TEXT,
        score=st.floats(0, 1),
        flags=st.just(()),
        key=TEXT,
    ),
    min_size=1,
    max_size=6,
)


def _texts(tree: etree._ElementTree, path: str, namespaces: dict[str, str] | None = None) -> list:
    return ["".join(e.itertext()) for e in tree.iterfind(path, namespaces)]


def _xml_text(text: str) -> str:
    """What an XML reader gets back for `text` written into an element."""
    return xml_safe(text)


@FAST
@given(segs=SEGMENTS)
def test_fuzz_tmx_is_well_formed_and_keeps_every_segment(folder: Path, segs: list[Segment]) -> None:
    out = folder / "c.tmx"
    assert write_tmx(segs, out, src_lang="ar", tgt_lang="en") == len(segs)
    tree = etree.parse(str(out))  # raises on anything not well-formed
    sources = _texts(tree, "body/tu/tuv[1]/seg")
    targets = _texts(tree, "body/tu/tuv[2]/seg")
    assert sources == [_xml_text(s.src) for s in segs]
    assert targets == [_xml_text(s.tgt) for s in segs]


@FAST
@given(segs=SEGMENTS)
def test_fuzz_xliff_is_well_formed_and_keeps_every_segment(
    folder: Path, segs: list[Segment]
) -> None:
    out = folder / "c.xlf"
    assert write_xliff(segs, out, src_lang="ar", tgt_lang="en") == len(segs)
    tree = etree.parse(str(out))
    ns = {"x": "urn:oasis:names:tc:xliff:document:2.0"}
    assert _texts(tree, ".//x:unit//x:source", ns) == [_xml_text(s.src) for s in segs]
    assert _texts(tree, ".//x:unit//x:target", ns) == [_xml_text(s.tgt) for s in segs]
    ids = [u.get("id") for u in tree.iterfind(".//x:unit", ns)]
    assert len(ids) == len(segs)


@FAST
@given(segs=SEGMENTS)
def test_fuzz_moses_is_line_for_line(folder: Path, segs: list[Segment]) -> None:
    assert write_moses(segs, folder / "c", src_lang="ar", tgt_lang="en") == len(segs)
    ar = (folder / "c.ar").read_text("utf-8").split("\n")
    en = (folder / "c.en").read_text("utf-8").split("\n")
    assert ar == [one_line(s.src) for s in segs] + [""]
    assert en == [one_line(s.tgt) for s in segs] + [""]
    assert all(len(line.splitlines()) <= 1 for line in ar + en)


def test_moses_drops_lone_surrogates_utf8_cannot_encode(folder: Path) -> None:
    segment = Segment("a\ud800b", "c", "", "", 0.5, (), "k")
    assert write_moses([segment], folder / "d", src_lang="ar", tgt_lang="en") == 1
    assert (folder / "d.ar").read_text("utf-8") == "ab\n"


def test_xml_safe_removes_exactly_what_xml_cannot_carry() -> None:
    allowed = [c for c in map(chr, range(0x20)) if xml_safe(c)]
    assert allowed == ["\t", "\n", "\r"]
    assert xml_safe("a\ud800\ufffe\uffffb") == "ab"
    assert all(xml_safe(c) == c for c in "دمشق😀&<>\"'" if unicodedata.category(c) != "Cs")


# -- review import (issue 14): any file a translator's tools could send --------------------------

STATUS = st.sampled_from(["pending", "approved", "rejected"])


@st.composite
def bead_lists(draw: st.DrawFn, n_src: int, n_tgt: int) -> list[dict]:
    """Beads over the sentences: mostly a partition in order (what a review is), sometimes
    broken (an index repeated, dropped, out of range, moved, or a bead left empty)."""
    beads: list[dict] = []
    i = j = 0
    while i < n_src or j < n_tgt:
        take_src = draw(st.integers(0, min(4, n_src - i)))
        take_tgt = draw(st.integers(0, min(4, n_tgt - j)))
        if take_src == take_tgt == 0:
            take_src, take_tgt = (1, 0) if i < n_src else (0, 1)
        beads.append(
            {
                "src": list(range(i, i + take_src)),
                "tgt": list(range(j, j + take_tgt)),
                "status": draw(STATUS),
                "comment": draw(TEXT),
            }
        )
        i, j = i + take_src, j + take_tgt
    breakage = draw(st.sampled_from(["none"] * 3 + ["repeat", "drop", "range", "swap", "empty"]))
    bead = draw(st.integers(0, len(beads) - 1))
    side = draw(st.sampled_from(["src", "tgt"]))
    if breakage == "repeat" and beads[bead][side]:
        beads[bead][side].append(beads[bead][side][-1])
    elif breakage == "drop" and beads[bead][side]:
        beads[bead][side].pop()
    elif breakage == "range":
        beads[bead][side].append(n_src + n_tgt + 7)
    elif breakage == "swap" and len(beads) > 1:
        beads[0], beads[-1] = beads[-1], beads[0]
    elif breakage == "empty":
        beads.insert(bead, {"src": [], "tgt": [], "status": "pending", "comment": ""})
    return beads


@pytest.fixture(scope="module")
def review_store(folder: Path) -> tuple[Path, dict]:
    from pipeline.exports import exported_pairs
    from pipeline.review import export_reviews
    from pipeline.store import open_store
    from tests.test_exports import AR_PARAGRAPHS, EN_PARAGRAPHS, make_pair

    path = folder / "reviews.sqlite"
    corpus = open_store(path)
    corpus.save_pair(make_pair("one", AR_PARAGRAPHS, EN_PARAGRAPHS))
    exported = json.loads(export_reviews(exported_pairs(corpus)).model_dump_json())
    corpus.close()
    return path, exported["pairs"][0]


@FAST
@given(data=st.data())
def test_review_import_stores_exactly_a_valid_file_and_refuses_the_rest_whole(
    review_store: tuple[Path, dict], folder: Path, data: st.DataObject
) -> None:
    from pipeline.models import ReviewBead
    from pipeline.review import ReviewRefused, coverage_error, import_reviews
    from pipeline.store import open_store

    path, pair = review_store
    n_src, n_tgt = len(pair["src_sentences"]), len(pair["tgt_sentences"])
    beads = data.draw(bead_lists(n_src, n_tgt))
    review = {"format": "bitext-review/1", "pairs": [{**pair, "beads": beads}]}
    file = folder / "review.json"
    file.write_text(json.dumps(review), encoding="utf-8")  # \ud800 escaped, as a tool may write
    problem = coverage_error([ReviewBead.model_validate(b) for b in beads], n_src, n_tgt)
    corpus = open_store(path)
    before = corpus.latest_review("enab", "one")
    try:
        import_reviews(corpus, file, reviewer=data.draw(TEXT))
    except ReviewRefused as refused:  # refused: one line naming the pair, nothing stored
        message = str(refused)
        assert problem is not None, message
        assert message.startswith("pair enab:one: ") and "\n" not in message
        after = corpus.latest_review("enab", "one")
        assert (after and after.model_dump()) == (before and before.model_dump())
    else:  # stored: the beads exactly as the translator left them, every sentence once
        assert problem is None
        stored = corpus.latest_review("enab", "one")
        assert stored is not None
        assert [(b.src, b.tgt, b.status, b.comment or "") for b in stored.beads] == [
            (b["src"], b["tgt"], b["status"], re.sub("[\ud800-\udfff]", "\ufffd", b["comment"]))
            for b in beads
        ]
    finally:
        corpus.close()
