"""Re-aligning the rest: a translator fixes two rows of a misaligned real article (Bleualign's
de-fr development article, aligned by hand, read from ../shared at test time and never copied
here) and `bitext review import --realign` aligns the rows between them again, through the
aligner's public entry points; the rows come out as the gold says and the fixed rows are kept."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.align import Alignment, Document, pair_alignment
from pipeline.models import ArticlePair, ArticleText, Bead, Sentence, TextStatus
from pipeline.store import open_store
from tests.test_store_warc import paired, version

REPO = Path(__file__).resolve().parents[1]
DEV = REPO.parent / "shared" / "data" / "align-dev" / "bleualign-eval1957"
# Gold beads 160..173 of the article: twelve rows between two fixed ones, six of them not 1-1
# (2-1, 1-2, 3-1 beads), the aligner's and the page's re-alignment both find them.
WINDOW = (160, 174)

Gold = list[tuple[list[int], list[int]]]


def dev_window() -> tuple[list[str], list[str], list[str], Gold]:
    """The window's German sentences, French sentences, the German's machine translation into
    French, and the gold beads over them (numbered from the window's first sentence)."""
    if not DEV.exists():
        pytest.skip("../shared absent: the real hand-aligned de-fr dev article")
    lines = {p.name: p.read_text(encoding="utf-8").splitlines() for p in DEV.glob("eval1957.*")}
    namespace: dict = {}
    exec((DEV / "golddev.py").read_text(encoding="utf-8"), namespace)  # the gold is a literal
    gold = namespace["goldalign"][WINDOW[0] : WINDOW[1]]
    s0, t0 = gold[0][0][0], gold[0][1][0]
    s1, t1 = max(gold[-1][0]) + 1, max(gold[-1][1]) + 1
    local = [([i - s0 for i in s], [j - t0 for j in t]) for s, t in gold]
    src, tgt = lines["eval1957.de"][s0:s1], lines["eval1957.fr"][t0:t1]
    return src, tgt, lines["eval1957.google.fr"][s0:s1], local


def text_of_lines(lines: list[str], language: str, sha: str) -> ArticleText:
    """One paragraph and one sentence a line (the article's own sentence breaks)."""
    offsets = [sum(len(y) + 2 for y in lines[:k]) for k in range(len(lines))]
    return ArticleText(
        language=language,
        content_sha256=sha,
        extractor="test",
        status=TextStatus.ok,
        paragraphs=lines,
        sentences=[
            Sentence(text=x, paragraph=k, start=at, end=at + len(x))
            for k, (x, at) in enumerate(zip(lines, offsets, strict=True))
        ],
        language_ok=True,
    )


def misaligned_dev_pair() -> tuple[ArticlePair, Gold]:
    """The window as a stored pair whose machine alignment has the first and last rows right
    and every sentence between paired 1-1 in order (what a length-only aligner gives): wrong."""
    src, tgt, mt, gold = dev_window()
    fr = version("fr", "dev-1957", "|".join(tgt))
    de = version("de", "dev-1957-de", "|".join(src))
    fr.text = text_of_lines(tgt, "fr", fr.content_sha256)
    de.text = text_of_lines(src, "de", de.content_sha256)
    pair = paired(fr, de)
    inner_src = [i for s, _ in gold[1:-1] for i in s]
    inner_tgt = [j for _, t in gold[1:-1] for j in t]
    beads = [Bead(src=gold[0][0], tgt=gold[0][1], score=0.9)]
    for k in range(max(len(inner_src), len(inner_tgt))):
        beads.append(
            Bead(
                src=inner_src[k : k + 1],
                tgt=inner_tgt[k : k + 1],
                score=0.5,
                flags=[] if k < min(len(inner_src), len(inner_tgt)) else ["added"],
            )
        )
    beads.append(Bead(src=gold[-1][0], tgt=gold[-1][1], score=0.9))
    doc = Document(src=src, tgt=tgt, src_mt=mt)
    pair.alignment = pair_alignment(pair, doc, Alignment(beads=beads, mode="supplied"))
    return pair, gold


def bitext(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_realign_between_two_fixed_rows_of_a_real_article_gives_the_gold(tmp_path: Path) -> None:
    pair, gold = misaligned_dev_pair()
    store_path = tmp_path / "corpus.sqlite"
    store = open_store(store_path)
    store.save_pair(pair)
    store.close()
    exported = tmp_path / "review.json"
    assert (
        bitext("review", "export", "--store", str(store_path), "-o", str(exported)).returncode == 0
    )
    data = json.loads(exported.read_text(encoding="utf-8"))
    rows = data["pairs"][0]["beads"]
    assert [(b["src"], b["tgt"]) for b in rows[1:-1]] != [list(g) for g in gold[1:-1]]
    rows[0].update(status="approved", reviewer="Lina")
    rows[-1].update(status="approved", comment="checked against the print edition")
    rows[1]["status"] = "pending"
    exported.write_text(json.dumps(data, ensure_ascii=False))
    result = bitext("review", "import", str(exported), "--store", str(store_path), "--realign",
                    "--reviewer", "Lina")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "dev-1957: 12 rows re-aligned between the fixed rows" in " ".join(result.stdout.split())
    store = open_store(store_path)
    review = store.latest_review("enab", "dev-1957")
    store.close()
    assert [(b.src, b.tgt) for b in review.beads] == [(list(s), list(t)) for s, t in gold]
    assert [b.origin for b in review.beads] == ["aligner"] + ["realigned"] * 12 + ["aligner"]
    assert review.beads[0].status == "approved" and review.beads[0].reviewer == "Lina"
    assert review.beads[-1].comment == "checked against the print edition"
    assert all(b.status == "pending" for b in review.beads[1:-1])
    assert all(b.diff for b in review.beads[1:-1] if b.src and b.tgt)  # scored by the aligner


def test_realign_leaves_every_fixed_row_alone(tmp_path: Path) -> None:
    """Rejected, commented and hand-made rows are fixed too; with nothing between fixed rows
    there is nothing to re-align."""
    from pipeline.models import PairReview, ReviewBead
    from pipeline.review import realign_between_fixed_rows

    review = PairReview(
        pair_id="enab:x", src_lang="ar", tgt_lang="en",
        src_sentences=["أ.", "ب."], tgt_sentences=["A.", "B."],
        beads=[ReviewBead(src=[0], tgt=[1], status="rejected"),
               ReviewBead(src=[1], tgt=[], comment="keep"), ReviewBead(src=[], tgt=[0])],
    )  # fmt: skip
    # out of order on purpose: a rejected row is kept even as it stands
    again, placed = realign_between_fixed_rows(review, None)
    assert placed == {} and again.beads[:2] == review.beads[:2]
