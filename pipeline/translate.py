"""Translation of segmented sentences with installed Argos packages, offline, in batches.

Our sentences go straight to CTranslate2 with the package's SentencePiece model and Argos's
decoding options (beam 4, length penalty 0.2, replace_unknowns, the package's target prefix),
and are decoded the way argostranslate decodes, so a sentence comes out as argostranslate's
`translate()` gives it. What is skipped is argostranslate's sentence splitting (Stanza or
MiniSBD, which fetch resources at run time) and its one-text-at-a-time loop: sentences of many
documents share batches. Nothing here opens a socket.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pipeline.argos import PackageInfo, find_route, installed_packages

BEAM_SIZE = 4  # argostranslate: max(num_hypotheses, ARGOS_BEAM_SIZE=4)
LENGTH_PENALTY = 0.2
SENTENCES_PER_CALL = 16  # batches handed to CTranslate2 at once


@dataclass(frozen=True)
class EngineSettings:
    """Where and how CTranslate2 runs; argostranslate's defaults."""

    device: str = "cpu"  # "cuda" on a GPU machine
    compute_type: str = "auto"
    inter_threads: int = 1
    intra_threads: int = 0  # 0: CTranslate2 picks
    batch_size: int = 32  # sentences per translate_batch call; bounds memory, not corpus size


class PackageTranslator:
    """One installed package: SentencePiece + a CTranslate2 model, loaded on first use."""

    def __init__(self, package: PackageInfo, settings: EngineSettings | None = None) -> None:
        if package.path is None:
            raise ValueError(f"{package.name} is not installed")
        self.package = package
        self.settings = settings or EngineSettings()

    @cached_property
    def _package_path(self) -> Path:
        assert self.package.path is not None  # checked in __init__
        return self.package.path

    @cached_property
    def _tokenizer(self) -> Any:  # sentencepiece has no type information
        import sentencepiece

        path = self._package_path / "sentencepiece.model"
        if not path.exists():
            raise NotImplementedError(
                f"{self.package.name} uses a BPE tokenizer; only SentencePiece packages are "
                "supported so far"
            )
        return sentencepiece.SentencePieceProcessor(model_file=str(path))

    @cached_property
    def _translator(self) -> Any:  # ctranslate2 has no type information
        import ctranslate2

        s = self.settings
        return ctranslate2.Translator(
            str(self._package_path / "model"),
            device=s.device,
            compute_type=s.compute_type,
            inter_threads=s.inter_threads,
            intra_threads=s.intra_threads,
        )

    def tokenize(self, sentences: Sequence[str]) -> list[list[str]]:
        return [self._tokenizer.encode(s, out_type=str) for s in sentences]

    def decode(self, tokens: list[str]) -> str:
        """argostranslate's SentencePieceTokenizer.decode and prefix/space handling."""
        value = self._tokenizer.decode_pieces(tokens).replace("▁", " ").replace("_", " ")
        prefix = self.package.target_prefix
        if prefix and value.startswith(prefix):
            value = value[len(prefix) :]
        return value[1:] if value.startswith(" ") else value

    def translate_tokens(self, batch: list[list[str]]) -> list[list[str]]:
        prefix = self.package.target_prefix
        results = self._translator.translate_batch(
            batch,
            target_prefix=[[prefix]] * len(batch) if prefix else None,
            replace_unknowns=True,
            max_batch_size=self.settings.batch_size,
            beam_size=BEAM_SIZE,
            num_hypotheses=1,
            length_penalty=LENGTH_PENALTY,
        )
        return [r.hypotheses[0] for r in results]

    def translate(self, sentences: Sequence[str]) -> list[str]:
        out: list[str] = []
        # CTranslate2 sorts a call's inputs by length and cuts them into batch_size batches;
        # giving it many batches' worth per call saves padding (bench/translate.py).
        size = self.settings.batch_size * SENTENCES_PER_CALL
        for start in range(0, len(sentences), size):
            chunk = list(sentences[start : start + size])
            tokens = self.translate_tokens(self.tokenize(chunk))
            out.extend(
                self.decode(t) if src.strip() else "" for t, src in zip(tokens, chunk, strict=True)
            )
        return out

    @cached_property
    def _target_vocabulary(self) -> frozenset[str]:
        """The model's target vocabulary (CTranslate2 keeps it beside model.bin)."""
        import json

        model = self._package_path / "model"
        for name in ("target_vocabulary", "shared_vocabulary"):
            if (model / f"{name}.json").exists():
                return frozenset(json.loads((model / f"{name}.json").read_text(encoding="utf-8")))
            if (model / f"{name}.txt").exists():
                lines = (model / f"{name}.txt").read_text(encoding="utf-8").splitlines()
                return frozenset(lines)
        raise NotImplementedError(f"{self.package.name} has no vocabulary file to score with")

    def target_tokens(self, text: str) -> list[str]:
        """A target text as the model's target pieces: each word (with SentencePiece's word
        mark) cut into the fewest pieces of the model's vocabulary. An Argos package ships the
        source side's SentencePiece model only (the zh->en one cuts English into "▁h", "as"),
        so the target side's cutting is redone here on the vocabulary itself."""
        vocabulary = self._target_vocabulary
        pieces: list[str] = []
        for word in text.split():
            word = "▁" + word
            # fewest pieces covering word[:k], by dynamic programming over the prefix lengths
            best: list[tuple[int, int]] = [(0, 0)] + [(len(word) + 1, 0)] * len(word)
            for end in range(1, len(word) + 1):
                for start in range(max(0, end - 24), end):
                    if word[start:end] in vocabulary and best[start][0] + 1 < best[end][0]:
                        best[end] = (best[start][0] + 1, start)
                if best[end][0] > len(word):  # no piece ends here: one unknown character
                    best[end] = (best[end - 1][0] + 1, end - 1)
            cut, end = [], len(word)
            while end:
                start = best[end][1]
                piece = word[start:end]
                cut.append(piece if piece in vocabulary else "<unk>")
                end = start
            pieces.extend(reversed(cut))
        return pieces

    def score(self, sources: Sequence[str], targets: Sequence[str]) -> list[float]:
        """The model's mean log-probability of each target's tokens given its source
        (CTranslate2's score_batch, length-normalised): how well the target says the source."""
        prefix = self.package.target_prefix
        results = self._translator.score_batch(
            self.tokenize(sources),
            [([prefix] if prefix else []) + self.target_tokens(t) for t in targets],
            max_batch_size=self.settings.batch_size,
        )
        out = []
        for result in results:
            values = result.log_probs[1:] if prefix else result.log_probs
            out.append(sum(values) / len(values) if values else 0.0)
        return out


class NoRoute(LookupError):
    """No installed package (or pair through English) serves this language pair."""


class Engine:
    """Translates between any pair the installed packages serve, pivoting through English."""

    def __init__(
        self,
        from_code: str,
        to_code: str,
        *,
        settings: EngineSettings | None = None,
        packages_dir: Path | None = None,
    ) -> None:
        route = find_route(from_code, to_code, installed_packages(packages_dir))
        if route is None:
            raise NoRoute(f"no installed package translates {from_code} to {to_code}")
        self.route = route
        self.steps = [PackageTranslator(p, settings) for p in route]

    @property
    def key(self) -> str:
        """Identifies the translations this engine produces (for the cache)."""
        return " | ".join(p.key for p in self.route)

    def scorer(self) -> Callable[[Sequence[str], Sequence[str]], list[float]] | None:
        """The model's score of a target given a source (for the aligner's rescoring), where
        one package serves the direction; None through a pivot (two models, no one score)."""
        return self.steps[0].score if len(self.steps) == 1 else None

    def translate(self, sentences: Sequence[str]) -> list[str]:
        texts = list(sentences)
        for step in self.steps:
            texts = step.translate(texts)
        return texts


def engine_or_none(
    from_code: str, to_code: str, *, settings: EngineSettings | None = None
) -> Engine | None:
    """The engine for a direction, or None where no installed package serves it (no model is
    loaded until it translates)."""
    try:
        return Engine(from_code, to_code, settings=settings)
    except NoRoute:
        return None


def load_check(package: PackageInfo, settings: EngineSettings | None = None) -> None:
    """Load a package the way translation will (SentencePiece, then CTranslate2) and translate
    one word: a package that installs but cannot translate is refused at install time rather
    than failing every article of a crawl. Raises argos.InvalidPackage with the reason."""
    from pipeline.argos import InvalidPackage

    try:
        PackageTranslator(package, settings).translate(["test"])
    except Exception as exc:
        reason = str(exc).replace(str(package.path), package.name)  # not the staging folder
        reason = " ".join(reason.split())[:300] or type(exc).__name__
        raise InvalidPackage(f"{package.name} does not load or translate: {reason}") from exc


def source_key(sentence: str) -> str:
    return hashlib.sha256(sentence.encode("utf-8")).hexdigest()


def translate_cached(
    engine: Engine,
    sentences: Iterable[str],
    *,
    lookup: Callable[[str, list[str]], dict[str, str]],
    save: Callable[[str, dict[str, str]], None],
    progress: Callable[[int], None] | None = None,
) -> list[str]:
    """Translate with a cache: only sentences never translated by this engine are decoded;
    new translations are saved batch by batch, so an interrupted run keeps what it did."""
    sentences = list(sentences)
    unique = list(dict.fromkeys(s for s in sentences if s.strip()))
    known = lookup(engine.key, [source_key(s) for s in unique])
    result = {s: known[source_key(s)] for s in unique if source_key(s) in known}
    if progress:
        progress(len(result))
    todo = [s for s in unique if s not in result]
    size = engine.steps[0].settings.batch_size * SENTENCES_PER_CALL
    for start in range(0, len(todo), size):
        chunk = todo[start : start + size]
        translated = engine.translate(chunk)
        save(engine.key, {source_key(s): t for s, t in zip(chunk, translated, strict=True)})
        result.update(zip(chunk, translated, strict=True))
        if progress:
            progress(len(chunk))
    return [result.get(s, "") for s in sentences]


def cached_only(
    engine_key: str,
    sentences: Sequence[str],
    *,
    lookup: Callable[[str, list[str]], dict[str, str]],
) -> list[str] | None:
    """The cached translations of every sentence, or None if any is missing (nothing decoded)."""
    keys = [source_key(s) for s in sentences if s.strip()]
    known = lookup(engine_key, list(dict.fromkeys(keys)))
    if any(k not in known for k in keys):
        return None
    return [known[source_key(s)] if s.strip() else "" for s in sentences]
