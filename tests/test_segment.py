"""Sentence segmentation: tricky Arabic and English inputs, exact expected sentences."""

from __future__ import annotations

import pytest

from pipeline.segment import segment, split_sentences

CASES = [
    (
        "en",
        "The U.S. has some 2,500 troops. Dr. Smith said it cost 4,400,000 dollars, i.e. 3.5 times more.",
        [
            "The U.S. has some 2,500 troops.",
            "Dr. Smith said it cost 4,400,000 dollars, i.e. 3.5 times more.",
        ],
    ),
    (
        "en",
        "Idlib.. wheat season fails farmers. The end.",
        ["Idlib.. wheat season fails farmers.", "The end."],
    ),
    ("en", "He said: “It is over.” Then he left.", ["He said: “It is over.”", "Then he left."]),
    ("en", "Is it true? Yes! It is.", ["Is it true?", "Yes!", "It is."]),
    (
        "en",
        "Key points:\n- first point\n- second point",
        ["Key points:", "- first point", "- second point"],
    ),
    (
        "ar",
        "إدلب.. موسم القمح لا يقابل جهد المزارعين، وتكاليفهم مرتفعة. وقال الخليفة إن الصندوق جاهز.",
        [
            "إدلب.. موسم القمح لا يقابل جهد المزارعين، وتكاليفهم مرتفعة.",
            "وقال الخليفة إن الصندوق جاهز.",
        ],
    ),
    (
        "ar",
        "بلغ المبلغ 4,400,000 دولار، أي 3.5 ضعف. هل هذا صحيح؟ نعم!",
        ["بلغ المبلغ 4,400,000 دولار، أي 3.5 ضعف.", "هل هذا صحيح؟", "نعم!"],
    ),
    ("ar", "قال: “انتهى الأمر.” ثم غادر.", ["قال: “انتهى الأمر.”", "ثم غادر."]),
    (
        "ar",
        "وقال د. محمد إن القوات U.S. انسحبت. وانتهى الأمر.",
        ["وقال د. محمد إن القوات U.S. انسحبت.", "وانتهى الأمر."],
    ),
    (
        "ar",
        "الإعلام الموجّه يشوه الحقيقة في بلادنا ويطيل أمد الحرب.. سوريا بحاجة للصحافة الحرة.. ونحن بحاجتك لنبقى مستقلين",
        [
            "الإعلام الموجّه يشوه الحقيقة في بلادنا ويطيل أمد الحرب.. سوريا بحاجة للصحافة الحرة.. ونحن بحاجتك لنبقى مستقلين"
        ],
    ),
    (
        "ar",
        "أبرز النقاط:\n1. النقطة الأولى.\n2. النقطة الثانية.",
        ["أبرز النقاط:", "1. النقطة الأولى.", "2. النقطة الثانية."],
    ),
    (
        "ar",
        "الإسرائيلي- الإيراني؛ تصعيد جديد. اذا كنت تعتقد/تعتقدين ذلك فأرسل تصحيحًا.",
        ["الإسرائيلي- الإيراني؛ تصعيد جديد.", "اذا كنت تعتقد/تعتقدين ذلك فأرسل تصحيحًا."],
    ),
]


@pytest.mark.parametrize(("language", "text", "expected"), CASES)
def test_sentences(language: str, text: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in split_sentences(text, language)] == expected


def test_offsets_point_into_the_joined_clean_text() -> None:
    paragraphs = ["First one. Second one.", "عنوان.. فرعي. جملة ثانية."]
    text = "\n\n".join(paragraphs)
    sentences = segment(paragraphs[:1], "en") + [
        s.model_copy(
            update={
                "start": s.start + len(paragraphs[0]) + 2,
                "end": s.end + len(paragraphs[0]) + 2,
                "paragraph": 1,
            }
        )
        for s in segment(paragraphs[1:], "ar")
    ]
    assert [(s.text, s.paragraph) for s in sentences] == [
        ("First one.", 0),
        ("Second one.", 0),
        ("عنوان.. فرعي.", 1),
        ("جملة ثانية.", 1),
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)
