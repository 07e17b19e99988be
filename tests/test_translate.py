"""Argos packages (validation, install, routes) and the translation engine.

The real zh->en package in ../shared/models is used where it exists (skipped elsewhere): our
outputs must equal argostranslate's for the same sentences, and no socket may be opened.
"""

from __future__ import annotations

import json
import socket
import stat
import subprocess
import sys
import zipfile
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


# -- the real zh->en package ----------------------------------------------------------------


@pytest.fixture(scope="module")
def real_packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not REAL_PACKAGE.exists():
        pytest.skip("../shared absent")
    folder = tmp_path_factory.mktemp("argos")
    install_package(REAL_PACKAGE, folder)
    return folder


def zh_sentences(n: int) -> list[str]:
    return [line.strip() for line in NTREX_ZH.read_text(encoding="utf-8").splitlines()[:n]]


@needs_real_package
def test_engine_output_equals_argostranslate(real_packages: Path) -> None:
    import argostranslate.package
    import argostranslate.translate
    import ctranslate2

    from pipeline.translate import Engine

    sentences = zh_sentences(12)
    ours = Engine("zh", "en", packages_dir=real_packages).translate(sentences)
    package = argostranslate.package.Package(real_packages / "translate-zh_en-1_9")
    translator = ctranslate2.Translator(
        str(package.package_path / "model"), device="cpu", compute_type="auto"
    )

    class WholeInput:  # argostranslate's Stanza splitter downloads at run time: bypassed
        def split_sentences(self, text: str) -> list[str]:
            return [text]

    theirs = [
        argostranslate.translate.apply_packaged_translation(
            package, s, translator, WholeInput(), 1
        )[0].value
        for s in sentences
    ]
    assert ours == theirs
    assert ours[0] == (
        'Members of the National Assembly for Wales (AM) are worried about "looking like fools."'
    )


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
    assert (
        Engine("zh", "en", packages_dir=folder)
        .translate(zh_sentences(2))[0]
        .startswith("Members of the National Assembly")
    )


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


# -- a small real package built at test time (runs everywhere, ../shared or not) ------------


@pytest.fixture(scope="module")
def tiny_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.tiny_argos import build_tiny_package

    return build_tiny_package(tmp_path_factory.mktemp("tiny"))


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
    assert cli("models", "remove", "ar-en").returncode == 0
    assert cli("models", "check", "ar", "en").returncode == 1


def test_tiny_package_output_equals_argostranslate(tiny_package: Path, tmp_path: Path) -> None:
    import argostranslate.package
    import argostranslate.translate
    import ctranslate2

    from pipeline.translate import Engine

    folder = tmp_path / "packages"
    info = install_package(tiny_package, folder)
    sentences = [
        "أعلن المدير العام لصندوق أوبك للتنمية الدولية.",
        "وقال الخليفة إن الصندوق جاهز.",
        "بلغ المبلغ 4,400,000 دولار.",
    ]
    engine = Engine("ar", "en", packages_dir=folder)
    # One at a time, as argostranslate decodes them: in a batch, padding changes the float
    # sums, and this random model's beams are full of near-ties (see bench/RESULTS.md).
    ours = [engine.translate([s])[0] for s in sentences]
    package = argostranslate.package.Package(info.path)
    # argostranslate's own settings: ARGOS_COMPUTE_TYPE defaults to "auto"
    translator = ctranslate2.Translator(str(info.path / "model"), device="cpu", compute_type="auto")

    class WholeInput:
        def split_sentences(self, text: str) -> list[str]:
            return [text]

    for sentence, translation in zip(sentences, ours, strict=True):
        theirs = argostranslate.translate.apply_packaged_translation(
            package, sentence, translator, WholeInput(), 1
        )[0].value
        assert translation == theirs


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
