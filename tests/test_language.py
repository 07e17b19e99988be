"""Language identification: our numpy run of langdetect against langdetect itself."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

from pipeline.language import MAX_TEXT, _model, _VectorisedDetector, detect_language

TEXTS = {
    "en": "The foreign minister said on Tuesday that the talks in Geneva would resume next "
    "week, after the NATO summit and the U.S. elections, according to the BBC.",
    "ar": "قال وزير الخارجية يوم الثلاثاء إن المحادثات في جنيف ستستأنف الأسبوع المقبل بعد "
    "القمة، بحسب ما نقلته وكالة الأنباء.",
    "fr": "Le ministre des Affaires étrangères a déclaré mardi que les négociations de Genève "
    "reprendraient la semaine prochaine.",
    "de": "Der Außenminister sagte am Dienstag, die Gespräche in Genf würden in der nächsten "
    "Woche wieder aufgenommen.",
    "es": "El ministro de Asuntos Exteriores dijo el martes que las conversaciones en Ginebra "
    "se reanudarán la semana próxima.",
    "fa": "وزیر امور خارجه روز سه‌شنبه گفت که مذاکرات ژنو هفته آینده از سر گرفته خواهد شد و "
    "گفتگوها ادامه می‌یابد.",
    "vi": "Bộ trưởng Ngoại giao cho biết hôm thứ Ba rằng các cuộc đàm phán tại Geneva sẽ được "
    "nối lại vào tuần tới.",
}
TRICKY = [
    "ABC Def GHI jkl, MNO-pqr; ĀĒ ț ș “quoted” ‘x’ — dash… http://example.com a@b.org  ",
    "  leading and   repeated   spaces and a trailing one ",
    "ＡＢＣ全角 カタカナ ひらがな 한국어 中文 UPPER lower MiXeD",
]


def _prepared(detector: Detector, text: str) -> Detector:
    detector.set_max_text_length(MAX_TEXT)
    detector.append(text)
    detector.cleaning_text()
    return detector


@lru_cache(maxsize=1)
def _langdetect() -> DetectorFactory:
    """langdetect's own factory, its profiles loaded its own way."""
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = 0
    return factory


def test_the_profiles_are_read_as_langdetect_reads_them() -> None:
    """Our loader (a matrix, for start-up time) holds langdetect's n-grams, rows, languages and
    probabilities exactly."""
    model, theirs = _model(), _langdetect()
    grams = list(theirs.word_lang_prob_map)
    assert list(model.rows) == grams and model.factory.langlist == theirs.langlist
    expected = np.array([theirs.word_lang_prob_map[g] for g in grams], dtype=np.float32)
    assert np.array_equal(model.table, expected)


def test_the_profiles_cache_gives_what_the_profiles_give_and_a_damaged_one_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.language import _cache_file, _cached_profiles, _profiles

    monkeypatch.setenv("BITEXT_CACHE_DIR", str(tmp_path))
    built = _profiles(PROFILES_DIRECTORY)
    first = _cached_profiles(PROFILES_DIRECTORY)  # builds, saves
    path = _cache_file(PROFILES_DIRECTORY)
    assert path is not None and path.parent == tmp_path and path.is_file()
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
    again = _cached_profiles(PROFILES_DIRECTORY)  # read back
    for got in (first, again):
        assert got[0] == built[0] and got[1] == built[1]
        assert np.array_equal(got[2], built[2]) and got[2].dtype == np.float32
    path.write_bytes(path.read_bytes()[:1000])  # cut short: read as missing, built again
    damaged = _cached_profiles(PROFILES_DIRECTORY)
    assert damaged[1] == built[1] and np.array_equal(damaged[2], built[2])
    assert path.stat().st_size > 1000
    monkeypatch.setenv("BITEXT_CACHE_DIR", str(tmp_path / "file" / "below"))
    (tmp_path / "file").write_text("not a folder")  # no cache possible: built every time
    assert np.array_equal(_cached_profiles(PROFILES_DIRECTORY)[2], built[2])


def test_same_ngrams_as_langdetect() -> None:
    model = _model()
    for text in [*TEXTS.values(), *TRICKY]:
        ours = _prepared(_VectorisedDetector(model), text)
        theirs = _prepared(_langdetect().create(), text)
        assert ours.text == theirs.text
        expected = [model.rows[g] for g in Detector._extract_ngrams(theirs)]
        assert ours._ngram_rows().tolist() == expected


def test_same_language_as_langdetect_and_deterministic() -> None:
    for language, text in TEXTS.items():
        theirs = _langdetect().create()
        theirs.append(text)
        assert theirs.detect() == language
        guess = detect_language(text)
        assert (guess.language, guess.method) == (language, "langdetect")
        assert guess.confidence > 0.9
        assert detect_language(text) == guess  # the same answer every time
