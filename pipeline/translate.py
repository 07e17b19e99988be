"""Translation of segmented sentences with installed Argos packages, offline, in batches.

Our sentences go straight to CTranslate2 with the package's SentencePiece model and Argos's
decoding options (beam 4, length penalty 0.2, replace_unknowns, the package's target prefix),
and are decoded the way argostranslate decodes. What is skipped is argostranslate's sentence
splitting (Stanza or MiniSBD, which fetch resources at run time) and its one-text-at-a-time
loop: sentences of many documents share batches.

A batch holds sentences of one token count only ("exact" batching, the default): CTranslate2
on CPU is not batch-invariant, a padded batch changes the shapes (so the summing order) of the
attention's float matrix products, and with int8 weights that flips a close beam choice now and
then on some instruction sets. Unpadded, each sentence comes out as it does alone, which is as
argostranslate's `translate()` gives it on the same machine with the same compute type
(measured under every instruction set and GEMM library we could force; docs/translation.md).
The wording is NOT the same on every CPU: int8 kernels differ between instruction sets.
"padded" batching trades the promise for speed. Nothing here opens a socket.
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
SENTENCES_PER_CALL = 16  # batches' worth translated per call: the pool grouped by length
BATCHING = ("exact", "padded")


@dataclass(frozen=True)
class EngineSettings:
    """Where and how CTranslate2 runs; argostranslate's defaults."""

    device: str = "cpu"  # "cuda" on a GPU machine
    compute_type: str = "auto"
    inter_threads: int = 1
    intra_threads: int = 0  # 0: CTranslate2 picks
    batch_size: int = 32  # sentences per translate_batch call; bounds memory, not corpus size
    # "exact": a batch holds sentences of one token count, so each comes out as it does alone
    # (as argostranslate's translate() gives it). "padded": CTranslate2's own length-sorted
    # batches, about 3.5x less CPU where a call holds few sentences of each length (one
    # article), but a sentence's wording may change with its batch (docs/translation.md).
    batching: str = "exact"

    def __post_init__(self) -> None:
        if self.batching not in BATCHING:
            raise ValueError(f"batching={self.batching!r}: one of {', '.join(BATCHING)}")


def scoring_threads() -> int:
    """Pairs scored at once on a CPU: the cores this process may use, at most 4."""
    from pipeline.workers import usable_cores

    return usable_cores(4)


def equal_length_batches(lengths: Sequence[int], size: int) -> list[list[int]]:
    """Indices of the inputs grouped by length, shortest first, in batches of at most `size`:
    no batch needs padding, so each input is computed as it would be alone (the module's
    docstring says why that matters). The larger the pool, the fuller the batches."""
    groups: dict[int, list[int]] = {}
    for index, length in enumerate(lengths):
        groups.setdefault(length, []).append(index)
    return [
        group[start : start + size]
        for _, group in sorted(groups.items())
        for start in range(0, len(group), size)
    ]


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

    @cached_property
    def _scoring_translator(self) -> Any:
        """The model again for score(): on a CPU one pair a batch, one thread a pair, pairs in
        parallel. A padded batch computes the softmax over the 65k-word vocabulary for every
        padding position too, and its buffers (often over glibc's 32 MB mmap limit) are mapped
        and zeroed afresh each batch: on MAC-Dev's bead pairs 2.4x the CPU of one pair a batch
        (bench/RESULTS.md). Alone, a pair also scores exactly as it does in any other call."""
        import ctranslate2

        s = self.settings
        if s.device != "cpu":
            return self._translator
        return ctranslate2.Translator(
            str(self._package_path / "model"),
            device=s.device,
            compute_type=s.compute_type,
            inter_threads=scoring_threads(),
            intra_threads=1,
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
        """Batched as `settings.batching` says: "exact", each sentence as it translates alone
        (batches of equal token counts, no padding); "padded", all of them in one call that
        CTranslate2 sorts by length and cuts into batches."""
        out = [""] * len(sentences)
        todo = [k for k, s in enumerate(sentences) if s.strip()]
        tokens = self.tokenize([sentences[k] for k in todo])
        if self.settings.batching == "padded":
            batches = [list(range(len(tokens)))] if tokens else []
        else:
            batches = equal_length_batches([len(t) for t in tokens], self.settings.batch_size)
        for batch in batches:
            translated = self.translate_tokens([tokens[b] for b in batch])
            for b, pieces in zip(batch, translated, strict=True):
                out[todo[b]] = self.decode(pieces)
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

    def score(
        self, sources: Sequence[str], targets: Sequence[str], *, total: bool = False
    ) -> list[float]:
        """The model's mean log-probability of each target's tokens given its source
        (CTranslate2's score_batch, length-normalised): how well the target says the source;
        with `total`, their sum (comparable between cuts of the same target tokens)."""
        prefix = self.package.target_prefix
        on_cpu = self.settings.device == "cpu"
        results = self._scoring_translator.score_batch(
            self.tokenize(sources),
            [([prefix] if prefix else []) + self.target_tokens(t) for t in targets],
            max_batch_size=1 if on_cpu else self.settings.batch_size,
        )
        out = []
        for result in results:
            values = result.log_probs[1:] if prefix else result.log_probs
            if total:
                out.append(float(sum(values)))
            else:
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
        """Identifies the translations this engine produces (for the cache). Padded batches
        may word a sentence otherwise than alone: theirs are cached apart, so a sentence once
        translated in a padded batch never stands in for the exact one."""
        key = " | ".join(p.key for p in self.route)
        return f"{key} (padded batches)" if self.steps[0].settings.batching == "padded" else key

    def scorer(self) -> Callable[..., list[float]] | None:
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
    first = engine.steps[0]
    if first.settings.batching == "exact":  # a chunk of like lengths fills equal-length batches
        lengths = dict(zip(todo, map(len, first.tokenize(todo)), strict=True))
        todo.sort(key=lengths.__getitem__)
    size = first.settings.batch_size * SENTENCES_PER_CALL
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
