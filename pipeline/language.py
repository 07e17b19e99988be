"""Language identification: langdetect, made deterministic, checked against the script.

langdetect samples randomly; a private factory with a fixed seed gives the same answer for the
same text every time without touching langdetect's global factory. For short text (a credit
line, a link) the writing system decides, since n-gram statistics on a few words are noise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

SCRIPTS = {
    "ar": re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]"),
    "zh": re.compile(r"[\u4e00-\u9fff]"),
    "latin": re.compile(r"[A-Za-z\u00c0-\u024f]"),
}
SHORT = 40  # letters; below this the script decides


@dataclass(frozen=True)
class LanguageGuess:
    language: str | None
    confidence: float
    method: str  # "langdetect" | "script" | "none"


@lru_cache(maxsize=1)
def _factory() -> DetectorFactory:
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = 0
    return factory


def _script_of(text: str) -> tuple[str | None, int]:
    counts = {name: len(rx.findall(text)) for name, rx in SCRIPTS.items()}
    total = sum(counts.values())
    if total == 0:
        return None, 0
    best = max(counts, key=lambda k: counts[k])
    return (best if counts[best] / total >= 0.6 else None), total


def detect_language(text: str) -> LanguageGuess:
    script, letters = _script_of(text)
    if letters == 0:
        return LanguageGuess(None, 0.0, "none")
    if letters < SHORT:
        language = {"ar": "ar", "zh": "zh", "latin": "en"}.get(script or "")
        return LanguageGuess(language, 0.6 if language else 0.0, "script")
    detector = _factory().create()
    detector.set_max_text_length(300)  # enough for a confident guess; cost grows with length
    detector.append(text)
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return LanguageGuess(None, 0.0, "none")
    language = "zh" if best.lang.startswith("zh") else best.lang
    return LanguageGuess(language, round(best.prob, 4), "langdetect")


def script_of_language(language: str) -> str:
    return {"ar": "ar", "fa": "ar", "ur": "ar", "zh": "zh"}.get(language, "latin")


def in_other_script(text: str, expected: str) -> str | None:
    """The language a paragraph is in when its writing system rules `expected` out, else None.

    In a bilingual corpus the other language of a page (the Arabic-version link in an English
    page, an English credit line in an Arabic one) is in the other script: this check is exact
    for that case and ~1000x cheaper than n-gram detection, so it runs on every paragraph, and
    langdetect runs once on the whole body."""
    script, _ = _script_of(text)
    if script is None or script == script_of_language(expected):
        return None
    return {"ar": "ar", "zh": "zh", "latin": "en"}[script]
