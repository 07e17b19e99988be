"""Argos packages (validation, install, routes) and the translation engine.

The real zh->en package in ../shared/models is used where it exists (skipped elsewhere): our
outputs must equal argostranslate's for the same sentences, and no socket may be opened.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.argos import (
    InvalidPackage,
    find_route,
    install_package,
    installed_packages,
    remove_package,
    route_advice,
    validate_package,
)
from tests.conftest import REPO, SHARED

REAL_PACKAGE = SHARED / "models" / "translate-zh_en.argosmodel"
NTREX_ZH = SHARED / "data" / "ntrex-en-ar" / "docs.zh"
needs_real_package = pytest.mark.skipif(not REAL_PACKAGE.exists(), reason="../shared absent")

METADATA = {"package_version": "1.0", "argos_version": "1.9.0", "from_code": "ar", "to_code": "en"}


def make_package(
    path: Path,
    *,
    top: str = "translate-ar_en-1_0",
    metadata: object = METADATA,
    files: dict[str, bytes] | None = None,
    extra: dict[str, bytes] | None = None,
) -> Path:
    content = (
        files
        if files is not None
        else {
            "metadata.json": json.dumps(metadata).encode(),
            "model/model.bin": b"\0" * 64,
            "model/config.json": b"{}",
            "sentencepiece.model": b"spm",
        }
    )
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in content.items():
            archive.writestr(f"{top}/{name}", data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def test_a_valid_package_installs_lists_routes_and_removes(tmp_path: Path) -> None:
    packages = tmp_path / "packages"
    info = install_package(make_package(tmp_path / "p.argosmodel"), packages)
    assert (info.name, info.from_code, info.to_code) == ("translate-ar_en-1_0", "ar", "en")
    assert (packages / "translate-ar_en-1_0" / "model" / "model.bin").exists()
    assert [p.name for p in installed_packages(packages)] == ["translate-ar_en-1_0"]
    assert [p.name for p in find_route("ar", "en", installed_packages(packages))] == [
        "translate-ar_en-1_0"
    ]
    # Reinstalling replaces it in place.
    install_package(make_package(tmp_path / "p.argosmodel"), packages)
    assert len(installed_packages(packages)) == 1
    assert remove_package("ar-en", packages).name == "translate-ar_en-1_0"
    assert installed_packages(packages) == []


def test_pivot_through_english_and_advice_when_nothing_serves(tmp_path: Path) -> None:
    packages = tmp_path / "packages"
    install_package(make_package(tmp_path / "a.argosmodel"), packages)
    to_fr = {**METADATA, "from_code": "en", "to_code": "fr"}
    install_package(
        make_package(tmp_path / "b.argosmodel", top="translate-en_fr-1_0", metadata=to_fr), packages
    )
    route = find_route("ar", "fr", installed_packages(packages))
    assert [p.name for p in route] == ["translate-ar_en-1_0", "translate-en_fr-1_0"]
    advice = route_advice("zh", "ar", installed_packages(packages))
    assert "translate-zh_ar" in advice and "translate-zh_en and translate-en_ar" in advice
    assert "bitext models install FILE" in advice


CORRUPT = {
    "not a zip archive": lambda p: p.write_bytes(b"this is not a zip file"),
    "outside the package folder": lambda p: make_package(p, extra={"../evil.py": b"x"}),
    "outside the package folder ": lambda p: make_package(p, extra={"/etc/evil": b"x"}),
    "expected one top folder": lambda p: make_package(p, extra={"other/file": b"x"}),
    "missing model/model.bin": lambda p: make_package(
        p, files={"metadata.json": json.dumps(METADATA).encode(), "sentencepiece.model": b"s"}
    ),
    "missing sentencepiece.model or bpe.model": lambda p: make_package(
        p, files={"metadata.json": json.dumps(METADATA).encode(), "model/model.bin": b"m"}
    ),
    "missing metadata.json": lambda p: make_package(
        p, files={"model/model.bin": b"m", "sentencepiece.model": b"s"}
    ),
    "metadata.json is not valid JSON": lambda p: make_package(
        p, files={"metadata.json": b"{nope", "model/model.bin": b"m", "sentencepiece.model": b"s"}
    ),
    "is not a language code": lambda p: make_package(p, metadata={**METADATA, "to_code": "../x"}),
    "to itself": lambda p: make_package(p, metadata={**METADATA, "to_code": "ar"}),
    "is not a version": lambda p: make_package(p, metadata={**METADATA, "package_version": "x"}),
}


@pytest.mark.parametrize("message", list(CORRUPT), ids=lambda m: m.strip().replace(" ", "-"))
def test_bad_packages_are_refused_and_nothing_is_written(message: str, tmp_path: Path) -> None:
    file = tmp_path / "bad.argosmodel"
    CORRUPT[message](file)
    packages = tmp_path / "packages"
    with pytest.raises(InvalidPackage, match=message.strip()):
        install_package(file, packages)
    assert not packages.exists() or list(packages.iterdir()) == []


def test_a_corrupt_member_is_refused(tmp_path: Path) -> None:
    file = make_package(
        tmp_path / "p.argosmodel",
        files={
            "metadata.json": json.dumps(METADATA).encode(),
            "model/model.bin": b"A" * 4096,
            "sentencepiece.model": b"s",
        },
    )
    data = bytearray(file.read_bytes())
    offset = data.index(b"A" * 64)
    data[offset : offset + 4] = b"BBBB"  # stored uncompressed: flips the CRC
    file.write_bytes(bytes(data))
    with pytest.raises(InvalidPackage, match="corrupt"):
        validate_package(file)


def test_a_symlink_member_is_refused(tmp_path: Path) -> None:
    file = make_package(tmp_path / "p.argosmodel")
    with zipfile.ZipFile(file, "a") as archive:
        link = zipfile.ZipInfo("translate-ar_en-1_0/model/link")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    with pytest.raises(InvalidPackage, match="symbolic link"):
        validate_package(file)


def test_models_check_cli_says_what_to_install(tmp_path: Path) -> None:
    env = {"ARGOS_PACKAGES_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "models", "check", "ar", "en"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 1
    assert "translate-ar_en" in result.stdout and "bitext models install" in result.stdout


# -- the engine on real weights (../shared) and on a tiny package built at test time ----------


@pytest.fixture(scope="module")
def real_packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not REAL_PACKAGE.exists():
        pytest.skip("../shared absent")
    folder = tmp_path_factory.mktemp("argos")
    install_package(REAL_PACKAGE, folder)
    return folder


# a small real package built at test time (runs everywhere, ../shared or not)
@pytest.fixture(scope="module")
def tiny_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.tiny_argos import build_tiny_package

    return build_tiny_package(tmp_path_factory.mktemp("tiny"))


def zh_sentences(n: int) -> list[str]:
    return [line.strip() for line in NTREX_ZH.read_text(encoding="utf-8").splitlines()[:n]]


def reads_as_english(text: str) -> bool:
    """A translation's shape, not its wording (the wording of int8 decoding differs between
    CPUs: bench/RESULTS.md): Latin letters, next to no Chinese."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isascii() for c in letters) >= 0.9 * len(letters)


def sharing_sentences(tokenize: Callable[[list[str]], list[list[str]]]) -> list[str]:
    """Real sentences that share batches under "exact" batching: of the first 60 NTREX lines,
    the first three token counts that three of them have, three of each (9 sentences, three
    batches of three)."""
    pool = zh_sentences(60)
    groups: dict[int, list[str]] = {}
    for sentence, tokens in zip(pool, tokenize(pool), strict=True):
        groups.setdefault(len(tokens), []).append(sentence)
    return [s for group in [g for g in groups.values() if len(g) >= 3][:3] for s in group[:3]]


def tiny_sentences() -> list[str]:
    """Arabic sentences for the tiny package, three of each token count: each sentence's words
    in other orders (SentencePiece cuts word by word, so the counts stay). The random model's
    beams are full of near-ties: any difference a batch makes in the float sums shows."""
    base = [
        "أعلن المدير العام لصندوق أوبك للتنمية الدولية.",
        "وقال الخليفة إن الصندوق جاهز.",
        "بلغ المبلغ 4,400,000 دولار.",
    ]
    rotated = [" ".join(s.split()[1:] + s.split()[:1]) for s in base]
    return base + [" ".join(reversed(s.split())) for s in base] + rotated


def argos_alone(package_path: Path, sentences: list[str], compute_type: str) -> list[str]:
    """argostranslate's translate() of each sentence as a text of its own, offline: its own
    packaged-translation code, a CTranslate2 translator made as argostranslate makes it."""
    import argostranslate.package
    import argostranslate.translate
    import ctranslate2

    package = argostranslate.package.Package(package_path)
    translator = ctranslate2.Translator(
        str(package_path / "model"), device="cpu", compute_type=compute_type
    )

    class WholeInput:  # argostranslate's Stanza splitter downloads at run time: bypassed
        def split_sentences(self, text: str) -> list[str]:
            return [text]

    return [
        argostranslate.translate.apply_packaged_translation(
            package, s, translator, WholeInput(), 1
        )[0].value
        for s in sentences
    ]


def test_equal_length_batches_never_mix_lengths_and_keep_the_size() -> None:
    from pipeline.translate import equal_length_batches

    assert equal_length_batches([3, 1, 3, 2, 3, 1], 2) == [[1, 5], [3], [0, 2], [4]]
    assert equal_length_batches([], 32) == []


@needs_real_package
def test_engine_output_equals_argostranslate(real_packages: Path) -> None:
    # Both sides on this CPU with argostranslate's compute type ("auto"): whatever this CPU's
    # kernels make of a sentence, a batch of "exact" batching must make the same of it. The
    # wording itself is not asserted: it differs between CPUs (bench/RESULTS.md).
    from pipeline.translate import Engine, EngineSettings, equal_length_batches

    engine = Engine("zh", "en", packages_dir=real_packages, settings=EngineSettings())
    assert engine.steps[0].settings.batching == "exact"  # the default
    tokenize = engine.steps[0].tokenize
    # the issue's 12 (the sixth came out otherwise in a padded batch on an AMD EPYC)
    sentences = zh_sentences(12) + sharing_sentences(tokenize)
    batches = equal_length_batches([len(t) for t in tokenize(sentences)], 32)
    assert max(len(b) for b in batches) >= 3
    ours = engine.translate(sentences)
    assert ours == argos_alone(real_packages / "translate-zh_en-1_9", sentences, "auto")
    assert all(reads_as_english(t) for t in ours)


def test_tiny_package_output_equals_argostranslate(tiny_package: Path, tmp_path: Path) -> None:
    from pipeline.translate import Engine, EngineSettings, equal_length_batches

    info = install_package(tiny_package, tmp_path / "packages")
    assert info.path is not None
    sentences = tiny_sentences()
    engine = Engine("ar", "en", packages_dir=tmp_path / "packages", settings=EngineSettings())
    tokens = engine.steps[0].tokenize(sentences)
    assert [len(b) for b in equal_length_batches([len(t) for t in tokens], 32)] == [3, 3, 3]
    # argostranslate's own settings: ARGOS_COMPUTE_TYPE defaults to "auto"
    assert engine.translate(sentences) == argos_alone(info.path, sentences, "auto")


# Other CPUs, as far as this one can play them: CTranslate2's own kernels held to an instruction
# set (CT2_FORCE_CPU_ISA) and the matrix products' library with them: oneDNN (CTranslate2's
# choice on AMD and other CPUs) held by ONEDNN_MAX_CPU_ISA, or Intel MKL (its choice on Intel
# CPUs) on the code branch MKL_CBWR names. An instruction set this CPU lacks is skipped.
EMULATED_CPUS: dict[str, dict[str, str]] = {
    "sse4.1-onednn": {"CT2_FORCE_CPU_ISA": "GENERIC", "ONEDNN_MAX_CPU_ISA": "SSE41"},
    "avx-onednn": {"CT2_FORCE_CPU_ISA": "AVX", "ONEDNN_MAX_CPU_ISA": "AVX"},
    "avx2-onednn": {"CT2_FORCE_CPU_ISA": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"},
    "avx512-onednn": {"CT2_FORCE_CPU_ISA": "AVX512", "ONEDNN_MAX_CPU_ISA": "AVX512_CORE"},
    "avx2-mkl": {"CT2_FORCE_CPU_ISA": "AVX2", "CT2_USE_MKL": "1", "MKL_CBWR": "AVX2"},
    "avx512-mkl": {"CT2_FORCE_CPU_ISA": "AVX512", "CT2_USE_MKL": "1", "MKL_CBWR": "AVX512"},
}
EMULATION_VARIABLES = {name for env in EMULATED_CPUS.values() for name in env}
# MKL's int8 products run about 30x slower off Intel CPUs (4 sentences: 55 s of CPU against
# oneDNN's 1.8 s, on an AMD EPYC): there its float32 path is checked instead, whose float
# matrix products int8_float32 shares.
CPUINFO = Path("/proc/cpuinfo")
INTEL = CPUINFO.exists() and "GenuineIntel" in CPUINFO.read_text(encoding="utf-8", errors="replace")
# In a process of its own (the libraries read their dispatch settings once): each job's
# sentences in "exact" batches, then each alone (as argostranslate's translate() runs them).
BATCHED_AND_ALONE = """
import json, sys
from pathlib import Path
from pipeline.translate import Engine, EngineSettings
settings = EngineSettings(compute_type=sys.argv[1])
out = []
for folder, source, target, sentences in json.loads(sys.stdin.read()):
    engine = Engine(source, target, packages_dir=Path(folder), settings=settings)
    out.append([engine.translate(sentences), [engine.translate([s])[0] for s in sentences]])
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def emulation_jobs(tiny_package: Path, tmp_path_factory: pytest.TempPathFactory) -> list[tuple]:
    """(packages folder, from, to, sentences): the tiny package's, and the real package's where
    ../shared is beside the clone."""
    from pipeline.translate import Engine

    tiny = tmp_path_factory.mktemp("tiny-installed")
    install_package(tiny_package, tiny)
    jobs: list[tuple] = [(str(tiny), "ar", "en", tiny_sentences())]
    if REAL_PACKAGE.exists():
        real = tmp_path_factory.mktemp("real-installed")
        install_package(REAL_PACKAGE, real)
        tokenize = Engine("zh", "en", packages_dir=real).steps[0].tokenize
        jobs.append((str(real), "zh", "en", sharing_sentences(tokenize)))
    return jobs


@pytest.mark.parametrize("cpu", list(EMULATED_CPUS))
def test_exact_batches_translate_each_sentence_as_alone_on_other_cpus(
    cpu: str, emulation_jobs: list[tuple]
) -> None:
    compute_type = "float32" if "CT2_USE_MKL" in EMULATED_CPUS[cpu] and not INTEL else "auto"
    env = {k: v for k, v in os.environ.items() if k not in EMULATION_VARIABLES}
    result = subprocess.run(
        [sys.executable, "-c", BATCHED_AND_ALONE, compute_type],
        input=json.dumps(emulation_jobs),
        capture_output=True,
        text=True,
        env={**env, **EMULATED_CPUS[cpu]},
        cwd=REPO,
        check=False,
        timeout=600,
    )
    if result.returncode != 0 and "The CPU does not support" in result.stderr:
        pytest.skip(f"this CPU cannot play {cpu}: {result.stderr.strip().splitlines()[-1]}")
    assert result.returncode == 0, result.stderr[-2000:]
    for (folder, _, _, sentences), (batched, alone) in zip(
        emulation_jobs, json.loads(result.stdout.splitlines()[-1]), strict=True
    ):
        assert batched == alone, folder
        assert len(batched) == len(sentences) and all(batched)


@needs_real_package
def test_no_socket_is_opened_to_install_load_and_translate(
    real_packages: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.translate import Engine

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a socket was opened")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    folder = tmp_path / "fresh"
    install_package(REAL_PACKAGE, folder)
    translated = Engine("zh", "en", packages_dir=folder).translate(zh_sentences(2))
    assert len(translated) == 2 and all(reads_as_english(t) for t in translated)


@needs_real_package
def test_cache_means_nothing_is_translated_twice(real_packages: Path, tmp_path: Path) -> None:
    from pipeline.store import open_store
    from pipeline.translate import Engine, translate_cached

    store = open_store(tmp_path / "c.sqlite")
    engine = Engine("zh", "en", packages_dir=real_packages)
    sentences = zh_sentences(4)
    first = translate_cached(
        engine, sentences, lookup=store.cached_translations, save=store.save_translations
    )
    calls = []
    engine.translate = lambda batch: calls.append(batch) or []  # type: ignore[method-assign]
    again = translate_cached(
        engine,
        sentences + sentences[:1],
        lookup=store.cached_translations,
        save=store.save_translations,
    )
    assert calls == [] and again == first + first[:1]
    assert store.counts()["translations"] == 4


# -- the tiny package through the CLI, settings, pivots (runs everywhere) ---------------------


def test_tiny_package_install_load_translate_remove_through_the_cli(
    tiny_package: Path, tmp_path: Path
) -> None:
    env = {"ARGOS_PACKAGES_DIR": str(tmp_path / "packages"), "PATH": "/usr/bin:/bin"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pipeline.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            check=False,
        )

    assert cli("models", "install", str(tiny_package)).returncode == 0
    assert "translate-ar_en-0_1" in cli("models", "list").stdout
    assert cli("models", "check", "ar", "en").returncode == 0
    source = tmp_path / "ar.txt"
    source.write_text("أعلن المدير العام لصندوق أوبك\nوقال الخليفة.\n", encoding="utf-8")
    first = cli(
        "translate", str(source), "--from", "ar", "--to", "en", "--data-dir", str(tmp_path / "out")
    )
    again = cli(
        "translate", str(source), "--from", "ar", "--to", "en", "--data-dir", str(tmp_path / "out")
    )
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert len(lines) == 2 and all(lines) and again.stdout == first.stdout
    # padded batches from the command line: one sentence a line of its own length here, so the
    # same wording (a batch of one is not padded); a batching that does not exist is refused
    padded = cli("translate", str(source), "--from", "ar", "--to", "en", "--batching", "padded",
                 "--data-dir", str(tmp_path / "out"))  # fmt: skip
    assert padded.returncode == 0, padded.stderr
    assert padded.stdout == first.stdout
    wrong = cli("translate", str(source), "--from", "ar", "--to", "en", "--batching", "sorted")
    assert wrong.returncode == 2 and "'sorted' is not one of 'exact', 'padded'" in wrong.stderr
    assert cli("models", "remove", "ar-en").returncode == 0
    assert cli("models", "check", "ar", "en").returncode == 1


def test_padded_batching_is_a_setting_and_alone_is_the_same(
    tiny_package: Path, tmp_path: Path
) -> None:
    from pipeline.translate import Engine, EngineSettings

    install_package(tiny_package, tmp_path)
    sentences = ["أعلن المدير العام لصندوق أوبك.", "وقال الخليفة إن الصندوق جاهز للتنمية الدولية."]
    exact = Engine("ar", "en", packages_dir=tmp_path, settings=EngineSettings(batching="exact"))
    padded = Engine("ar", "en", packages_dir=tmp_path, settings=EngineSettings(batching="padded"))
    # cached apart: a sentence worded in a padded batch never stands in for the exact one
    assert padded.key == f"{exact.key} (padded batches)" and "padded" not in exact.key
    both = padded.translate(["", *sentences, " "])
    assert both[0] == both[3] == "" and all(both[1:3])
    # one sentence a call: nothing to pad, both ways decode it as argostranslate does
    assert [padded.translate([s]) for s in sentences] == [exact.translate([s]) for s in sentences]
    with pytest.raises(ValueError, match="batching='sorted': one of exact, padded"):
        EngineSettings(batching="sorted")


def test_model_scores_pairs_in_one_call_exactly_as_each_alone(
    tiny_package: Path, tmp_path: Path
) -> None:
    from pipeline.translate import Engine

    install_package(tiny_package, tmp_path)
    scorer = Engine("ar", "en", packages_dir=tmp_path).scorer()
    assert scorer is not None
    sources = [
        "أعلن المدير العام لصندوق أوبك.",
        "وقال الخليفة إن الصندوق جاهز للتنمية الدولية.",
    ] * 3
    targets = ["The director general announced.", "He said the fund is ready for it."] * 3
    together = scorer(sources, targets, total=True)
    # unpadded, one pair a batch: no float differs with the call's other pairs or threads
    alone = [scorer([s], [t], total=True)[0] for s, t in zip(sources, targets, strict=True)]
    assert together == alone
    assert together[:2] == together[2:4] == together[4:] and all(x < 0 for x in together)
    means = scorer(sources, targets)
    assert all(m >= t for m, t in zip(means, together, strict=True)) and means[:2] == means[4:]


def test_no_socket_with_the_tiny_package(
    tiny_package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.translate import Engine

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a socket was opened")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    install_package(tiny_package, tmp_path)
    assert Engine("ar", "en", packages_dir=tmp_path).translate(["وقال الخليفة."])[0]


def test_pivot_translation_through_english(tiny_package: Path, tmp_path: Path) -> None:
    from pipeline.translate import Engine
    from tests.tiny_argos import build_tiny_package

    folder = tmp_path / "packages"
    install_package(tiny_package, folder)  # ar -> en
    install_package(build_tiny_package(tmp_path / "fr", from_code="en", to_code="fr"), folder)
    pivot = Engine("ar", "fr", packages_dir=folder)
    assert [p.name for p in pivot.route] == ["translate-ar_en-0_1", "translate-en_fr-0_1"]
    sentence = "وقال الخليفة."
    english = Engine("ar", "en", packages_dir=folder).translate([sentence])
    assert pivot.translate([sentence]) == Engine("en", "fr", packages_dir=folder).translate(english)
    assert pivot.key == "ar->en@0.1 | en->fr@0.1"
