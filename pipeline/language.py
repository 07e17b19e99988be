"""Language identification: langdetect, made deterministic, checked against the script.

langdetect samples randomly; a private factory with a fixed seed gives the same answer for the
same text every time without touching langdetect's global factory. For short text (a credit
line, a link) the writing system decides, since n-gram statistics on a few words are noise.
langdetect's sampling loop is run with numpy (see _VectorisedDetector).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zipfile import BadZipFile

import numpy as np
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.utils.ngram import NGram

SCRIPTS = {
    "ar": re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]"),
    "zh": re.compile(r"[\u4e00-\u9fff]"),
    "latin": re.compile(r"[A-Za-z\u00c0-\u024f]"),
}
SHORT = 40  # letters; below this the script decides
MAX_TEXT = 300  # characters langdetect reads
_LATIN = re.compile("[A-z]")  # langdetect's own range, 'A' to 'z'
_NON_LATIN = re.compile("[\u0300-\u1dff\u1f00-\U0010ffff]")  # from U+0300, less Latin Ext. Add.


@dataclass(frozen=True)
class LanguageGuess:
    language: str | None
    confidence: float
    method: str  # "langdetect" | "script" | "none"


@dataclass(frozen=True)
class _Model:
    factory: DetectorFactory
    table: np.ndarray  # n-gram x language probabilities, langdetect's profiles as one matrix
    rows: dict[str, int]  # n-gram -> row of `table`
    normalized: dict[int, str]  # character -> langdetect's normal form, filled as met
    # The random stream: langdetect reseeds for every text, so each text sees the same draws;
    # drawn once here instead of seeding a generator per text.
    noise: np.ndarray  # per trial, the smoothing's jitter
    uniform: np.ndarray  # per trial, one uniform number per draw of an n-gram


def _profiles(directory: str) -> tuple[list[str], dict[str, int], np.ndarray]:
    """langdetect's profiles as DetectorFactory.load_profile reads them (the same files in the
    same order, the same n-grams, rows and probabilities), straight into one float32 matrix:
    its dict of per-n-gram lists cost half a second of every `bitext extract`'s start."""
    names = os.listdir(directory)
    langsize = len(names)  # as langdetect sizes its rows (dot files included)
    languages: list[str] = []
    rows: dict[str, int] = {}
    at_row: list[int] = []
    at_column: list[int] = []
    probs: list[float] = []
    for name in names:
        path = os.path.join(directory, name)
        if name.startswith(".") or not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as f:
            profile = json.load(f)
        column = len(languages)
        languages.append(profile["name"])
        n_words = profile.get("n_words") or [0, 0, 0]
        for word, count in profile["freq"].items():
            row = rows.setdefault(word, len(rows))
            if 1 <= len(word) <= 3:
                at_row.append(row)
                at_column.append(column)
                probs.append(1.0 * count / n_words[len(word) - 1])
    table = np.zeros((len(rows), langsize), dtype=np.float32)
    table[at_row, at_column] = np.array(probs, dtype=np.float64)
    return languages, rows, table


CACHE_FORMAT = 1  # bump when what _profiles gives changes


def _cache_file(directory: str) -> Path | None:
    """Where the profiles' matrix is kept between runs: the user's cache folder
    (BITEXT_CACHE_DIR, else $XDG_CACHE_HOME/bitext, else ~/.cache/bitext), named after
    langdetect's version and the profile files' names, sizes and times (a changed install gets
    a new file); None where no such folder can be named."""
    from importlib import metadata

    try:
        entries = sorted(
            (e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in os.scandir(directory)
        )
        version = metadata.version("langdetect")
    except (OSError, metadata.PackageNotFoundError):
        return None
    root = os.environ.get("BITEXT_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "bitext",
    )
    key = hashlib.sha256(repr((CACHE_FORMAT, version, entries)).encode()).hexdigest()[:16]
    return Path(root) / f"langdetect-profiles-{key}.npz"


def _cached_profiles(directory: str) -> tuple[list[str], dict[str, int], np.ndarray]:
    """`_profiles`, from the cache file where it is there and whole (0.08 s against 0.2-0.3 s of
    every process's start: `bitext extract`, each crawl's extraction worker), else built and
    saved there. A cache file that does not read back as expected is rebuilt, never trusted:
    arrays only (no pickle), shapes checked."""
    path = _cache_file(directory)
    if path is not None:
        try:
            with np.load(path, allow_pickle=False) as z:
                languages = [str(x) for x in z["languages"].tolist()]
                grams, at_row, at_column, probs = z["grams"], z["row"], z["column"], z["prob"]
                width = int(z["width"])
            rows = {str(g): k for k, g in enumerate(grams.tolist())}
            if len(rows) == len(grams) and len(at_row) == len(at_column) == len(probs):
                table = np.zeros((len(rows), width), dtype=np.float32)
                table[at_row, at_column] = probs
                return languages, rows, table
        except (OSError, KeyError, ValueError, IndexError, TypeError, EOFError, BadZipFile):
            pass  # missing or damaged: rebuilt below
    languages, rows, table = _profiles(directory)
    if path is not None:
        at_row, at_column = np.nonzero(table)
        with contextlib.suppress(OSError):  # no cache folder: every start builds it
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as f:
                try:
                    np.savez(
                        f,
                        languages=np.array(languages),
                        grams=np.array(list(rows)),
                        row=at_row.astype(np.int32),
                        column=at_column.astype(np.int16),
                        prob=table[at_row, at_column],
                        width=np.array(table.shape[1]),
                    )
                    f.close()
                    os.replace(f.name, path)  # whole or not at all, even with processes racing
                finally:
                    if os.path.exists(f.name):
                        os.unlink(f.name)
    return languages, rows, table


@lru_cache(maxsize=1)  # the profiles are read-only: loaded once per process
def _model() -> _Model:
    factory = DetectorFactory()  # the detector takes its language list and seed from it
    factory.langlist, rows, table = _cached_profiles(PROFILES_DIRECTORY)
    factory.seed = 0
    rng = np.random.default_rng(factory.seed)
    trials, draws = 7, Detector.ITERATION_LIMIT + _VectorisedDetector.CHUNK  # 7: Detector.n_trial
    return _Model(
        factory,
        table,
        rows,
        {},
        rng.standard_normal(trials),
        rng.random((trials, draws)),
    )


class _VectorisedDetector(Detector):
    """langdetect's model and algorithm (random n-gram draws, each multiplying the language
    probabilities, until one passes 0.99999; seven trials with jittered smoothing, averaged),
    with the per-draw loop over 55 languages done by numpy in log space. Written here because
    that Python loop was most of the clean-text stage's time (bench/extraction.py); the draws
    come from numpy's generator, seeded, so results are deterministic but not langdetect's own
    draws."""

    CHUNK = 40  # draws evaluated at once; most trials converge within one chunk
    text: str  # set by langdetect's Detector.append

    def __init__(self, model: _Model) -> None:
        super().__init__(model.factory)
        self.model = model

    def cleaning_text(self) -> None:
        """langdetect's rule, by regular expression: drop Latin letters from mostly non-Latin
        text."""
        if len(_LATIN.findall(self.text)) * 2 < len(_NON_LATIN.findall(self.text)):
            self.text = _LATIN.sub("", self.text)

    def _ngram_rows(self) -> np.ndarray:
        """The rows of the text's known n-grams, as Detector._extract_ngrams finds them (same
        n-grams, same order), in one pass: characters normalised as NGram.normalize does, once
        per process; runs of spaces made one (NGram resets at a space); no n-gram has a space
        inside it, and none ends on the second or later capital of a run of capitals."""
        table = self.model.normalized
        for ch in set(self.text):
            if ord(ch) not in table:
                table[ord(ch)] = NGram.normalize(ch)
        normal = self.text.translate(table)
        words = [w for w in normal.split(" ") if w]
        text = " " + " ".join(words) + (" " if words and normal.endswith(" ") else "")
        get = self.model.rows.get
        found: list[int | None] = []
        add = found.append
        # each character after the first, with the one or two before it (the text starts with a
        # space, so the first character never ends a trigram)
        for before, previous, ch in zip(" " + text, text, text[1:], strict=False):
            if ch.isupper() and previous.isupper():
                continue
            if ch != " ":
                add(get(ch))
            add(get(previous + ch))
            if previous != " ":
                add(get(before + previous + ch))
        return np.array([row for row in found if row is not None], dtype=np.intp)

    def _detect_block(self) -> None:
        self.cleaning_text()
        ids = self._ngram_rows()
        if not ids.size:
            raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
        trials, languages = len(self.model.noise), len(self.langlist)
        weights = (self.alpha + self.model.noise * self.ALPHA_WIDTH) / self.BASE_FREQ
        weights = weights.astype(np.float32)
        checked = np.arange(0, self.CHUNK, 5)  # langdetect tests convergence every 5th draw
        groups = len(checked) - 1
        log_prob = np.full((trials, languages), -np.log(languages), dtype=np.float32)
        final = np.empty_like(log_prob)
        active, drawn = np.arange(trials), 0
        while active.size:  # all unfinished trials at once, CHUNK draws each
            picks = self.model.uniform[active, drawn : drawn + self.CHUNK] * ids.size
            draws = self.model.table[ids[picks.astype(np.intp)]]
            steps = np.log(weights[active, None, None] + draws)
            # the log-probabilities where convergence is tested: after draw 0, 5, 10, ...
            between = steps[:, 1 : 1 + 5 * groups].reshape(active.size, groups, 5, languages)
            at = log_prob[active][:, None, :] + np.cumsum(
                np.concatenate([steps[:, :1], between.sum(axis=2)], axis=1), axis=1
            )
            best = 1.0 / np.exp(at - at.max(axis=2, keepdims=True)).sum(axis=2)
            stop = (best > self.CONV_THRESHOLD) | (drawn + checked >= self.ITERATION_LIMIT)
            done = stop.any(axis=1)
            final[active[done]] = at[done, stop[done].argmax(axis=1)]
            log_prob[active[~done]] = at[~done, -1] + steps[~done, 1 + 5 * groups :].sum(axis=1)
            active, drawn = active[~done], drawn + self.CHUNK
        prob = np.exp((final - final.max(axis=1, keepdims=True)).astype(np.float64))
        self.langprob = (prob / prob.sum(axis=1, keepdims=True)).mean(axis=0).tolist()


def _script_of(text: str) -> tuple[str | None, int]:
    counts = {name: len(rx.findall(text)) for name, rx in SCRIPTS.items()}
    total = sum(counts.values())
    if total == 0:
        return None, 0
    best = max(counts, key=lambda k: counts[k])
    return (best if counts[best] / total >= 0.6 else None), total


def detect_language(text: str) -> LanguageGuess:
    head = text[: 4 * MAX_TEXT]  # enough to know it is not short, which is all counted for
    script, letters = _script_of(head)
    if letters < SHORT and len(head) < len(text):
        script, letters = _script_of(text)
    if letters == 0:
        return LanguageGuess(None, 0.0, "none")
    if letters < SHORT:
        language = {"ar": "ar", "zh": "zh", "latin": "en"}.get(script or "")
        return LanguageGuess(language, 0.6 if language else 0.0, "script")
    detector = _VectorisedDetector(_model())
    detector.set_max_text_length(MAX_TEXT)  # enough for a confident guess; cost grows with length
    detector.append(head)  # its clean-up runs on all it is given: a margin will do
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return LanguageGuess(None, 0.0, "none")
    language = "zh" if best.lang.startswith("zh") else best.lang
    return LanguageGuess(language, round(best.prob, 4), "langdetect")


def script_of_language(language: str) -> str:
    return {"ar": "ar", "fa": "ar", "ur": "ar", "zh": "zh", "ja": "zh"}.get(language, "latin")


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


def script_language(text: str) -> str | None:
    """A language standing for the writing system most of `text` is in ("en" for Latin): what
    the other-script check needs before the body is known and identified."""
    script, _ = _script_of(text)
    return {"ar": "ar", "zh": "zh", "latin": "en"}.get(script or "")


_SCRIPT_NAMES = {"ar": "Arabic script", "zh": "Chinese characters", "latin": "Latin script"}


def script_mismatch(src_text: str, tgt_text: str, src_lang: str, tgt_lang: str) -> str | None:
    """Why the two texts do not look like `src_lang` and `tgt_lang`, or None: the files given
    the wrong way round (each in the other's script), or one in a script its language is not
    written in. Only where the scripts tell (Arabic, Han, Latin); a warning, never a refusal."""
    from pipeline.language_tags import expected_script

    expected = (expected_script(src_lang), expected_script(tgt_lang))
    found = (_script_of(src_text[:5000])[0], _script_of(tgt_text[:5000])[0])
    if None in found:
        return None
    if expected[0] != expected[1] and found == (expected[1], expected[0]):
        return (
            f"the two files look swapped: the source is in {_SCRIPT_NAMES[found[0] or '']} and "
            f"the target in {_SCRIPT_NAMES[found[1] or '']}, but --src-lang is {src_lang} and "
            f"--tgt-lang {tgt_lang}; give the original first, or swap the languages"
        )
    sides = (("source", "--src-lang", src_lang), ("target", "--tgt-lang", tgt_lang))
    for (side, option, lang), want, got in zip(sides, expected, found, strict=True):
        if want is not None and got != want:
            return (
                f"the {side} file is in {_SCRIPT_NAMES[got or '']}, which {lang} is not written "
                f"in: check {option}"
            )
    return None
