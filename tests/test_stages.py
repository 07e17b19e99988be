"""The stage layer (pipeline.stages): one staleness rule per stage, the same from the crawl and
from the CLI; the one write path (the crawler process only reads the store); the type checker."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from pipeline.align import ALIGNER_VERSION
from pipeline.extract import EXTRACTOR
from pipeline.models import ArticleText, ArticleVersion
from pipeline.stages.align import AlignmentState, alignment_state, alignment_usable
from pipeline.stages.extract import extraction_stale
from pipeline.stages.sides import with_texts
from pipeline.stages.translate import cached_translation, untranslated
from pipeline.store import ReadOnlyStore, open_store
from pipeline.store.interface import AlignmentKey
from pipeline.translate import source_key
from tests.conftest import REPO, Site, run_crawl, store_of
from tests.test_exports import make_pair
from tests.test_store_warc import paired, version

CLI = [sys.executable, "-m", "pipeline.cli"]


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=300, cwd=REPO, env=env
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


# -- the rules, one by one ----------------------------------------------------------------------


def test_extraction_rule() -> None:
    assert extraction_stale(None)  # never extracted
    assert not extraction_stale(EXTRACTOR)  # extracted by this release
    assert extraction_stale("bitext-extract/1 trafilatura/1.0")  # by an older one
    assert extraction_stale(EXTRACTOR, redo=True)


def test_translation_rule() -> None:
    cache = {("engine-1", source_key("known")): "bekannt"}

    def lookup(engine: str, keys: list[str]) -> dict[str, str]:
        return {k: cache[engine, k] for k in keys if (engine, k) in cache}

    assert untranslated("engine-1", ["known", "new", " ", "new"], lookup) == ["new"]
    # another engine (another package version) has translated nothing
    assert untranslated("engine-2", ["known"], lookup) == ["known"]
    assert cached_translation("engine-1", ["known", " "], lookup=lookup) == ["bekannt", ""]
    assert cached_translation("engine-1", ["known", "new"], lookup=lookup) is None


def test_alignment_rule() -> None:
    pair = paired(version("en", "e1", "text"), version("ar", "1", "نص"))
    assert pair.original is not None
    ar, en = pair.original.content_sha256, pair.translation.content_sha256
    made = AlignmentKey(ar, en, ALIGNER_VERSION, "translation")
    assert alignment_state(None, pair, mode_now="translation") == AlignmentState.missing
    assert alignment_state(made, pair, mode_now="translation") == AlignmentState.current
    # without translation now, or made without: redone (the shared lexicon grows)
    assert alignment_state(made, pair, mode_now="none") == AlignmentState.weaker
    none = made._replace(mode="none")
    assert alignment_state(none, pair, mode_now="translation") == AlignmentState.weaker
    older = made._replace(aligner="bitext-align/0")
    assert alignment_state(older, pair, mode_now="translation") == AlignmentState.weaker
    changed = made._replace(tgt_sha256="0" * 64)
    assert alignment_state(changed, pair, mode_now="translation") == AlignmentState.outdated
    # what may be exported: an alignment of these very versions, whatever made it
    assert [alignment_usable(s) for s in AlignmentState] == [False, False, True, True]


def test_texts_are_read_for_many_pairs_at_once(tmp_path: Path) -> None:
    store = open_store(tmp_path / "corpus.sqlite")
    pairs = [make_pair(f"k{n}", [f"نص {n} هنا."], [f"Text {n} here."]) for n in range(230)]
    for pair in pairs:
        store.save_pair(pair)
    asked: list[int] = []

    def texts_of(versions: Sequence[ArticleVersion]) -> list[ArticleText | None]:
        asked.append(len(versions))
        return store.texts_of(versions)

    read = list(with_texts(store.iter_pairs(), texts_of))
    assert asked == [200, 200, 60]  # three reads for 230 pairs, not 460
    assert [(p.translation.site_article_id, a.paragraphs, e.paragraphs) for p, a, e in read] == [
        (f"k{n}", [f"نص {n} هنا."], [f"Text {n} here."]) for n in range(230)
    ]


# -- the one write path ---------------------------------------------------------------------------


def test_a_store_opened_for_reading_refuses_every_write(tmp_path: Path) -> None:
    store = open_store(tmp_path / "corpus.sqlite").only_reads(except_tables=("crawls",))
    crawl = store.begin_crawl("enab", {})  # the crawl's own run row: the one exception
    store.finish_crawl(crawl, "finished", {})
    pair = paired(version("en", "e1", "text"), version("ar", "1", "نص"))
    with pytest.raises(ReadOnlyStore):
        store.save_translations("engine", {"k": "v"})
    with pytest.raises(ReadOnlyStore):
        store.save_pair(pair)
    assert store.counts()["crawls"] == 1 and store.counts()["pairs"] == 0


@pytest.fixture(scope="module")
def translated_crawls(
    sample_site: Site, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str, str, dict[str, str]]:
    """Two crawls of two pairs with tiny ar<->en packages installed, the second with no
    validators to send (every page fetched in full again, unchanged): (data dir, first log,
    second log, the environment)."""
    from pipeline.argos import install_package
    from tests.tiny_argos import build_tiny_package

    tmp = tmp_path_factory.mktemp("translated")
    packages = tmp / "packages"
    install_package(build_tiny_package(tmp / "ar-en"), packages)
    install_package(build_tiny_package(tmp / "en-ar", from_code="en", to_code="ar"), packages)
    data = tmp / "out"
    m = sample_site.manifest
    urls = ",".join(f"{sample_site.en}{m[k]['en_path']}" for k in ("pair-01", "pair-02"))
    os.environ["ARGOS_PACKAGES_DIR"] = str(packages)
    try:
        first = run_crawl(sample_site, data, "-a", f"urls={urls}", encoder=True).stderr
        with sqlite3.connect(data / "corpus.sqlite") as db:
            db.execute("UPDATE articles SET etag = NULL, last_modified = NULL")
        second = run_crawl(sample_site, data, "-a", f"urls={urls}", encoder=True).stderr
    finally:
        del os.environ["ARGOS_PACKAGES_DIR"]
    env = {**os.environ, "ARGOS_PACKAGES_DIR": str(packages)}
    return data, first, second, env


def test_the_crawl_writes_translations_through_its_writer(translated_crawls) -> None:
    data, first, _, _ = translated_crawls
    assert "ReadOnlyStore" not in first and "translate_error" not in first
    written = re.search(r"'bitext/writer/translations': (\d+)", first)
    assert written, first[-3000:]
    store = store_of(data)
    # every translation in the store came through the writer process
    assert store.counts()["translations"] == int(written.group(1)) > 0
    assert {a.mode for a in store.iter_alignments()} == {"translation+encoder"}


def test_translation_rule_from_the_crawl_and_the_cli(translated_crawls) -> None:
    data, _, second, env = translated_crawls
    before = store_of(data).counts()["translations"]
    # the second crawl decoded nothing: every sentence was translated by these engines
    assert "bitext/writer/translations" not in second
    stats = json.loads(cli("stats", "--json", "--data-dir", str(data), env=env).stdout)
    assert stats["translations_pending"] == 0
    assert {d: v["done"] == v["sentences"] > 0 for d, v in stats["translation"].items()} == {
        "ar-en": True,
        "en-ar": True,
    }
    said = cli("translate", "--data-dir", str(data), env=env).stderr
    assert "ar->en: every sentence is translated already" in said and "translating" not in said
    assert store_of(data).counts()["translations"] == before


def test_alignment_rule_from_the_crawl_and_the_cli(translated_crawls) -> None:
    data, first, second, env = translated_crawls
    assert "'bitext/alignment/translation+encoder': 2" in first
    # fetched again, unchanged, aligned with translation by this aligner: not aligned again
    assert "'bitext/not_modified/en'" not in second
    assert "'bitext/alignment/unchanged': 2" in second
    assert "bitext/alignment/translation" not in second
    assert "bitext/embedding/sentences" not in second  # every sentence embedded already
    out = cli("align", "--data-dir", str(data), env=env).stdout
    assert re.search(r"unchanged\s+│\s+2", out), out
    assert "aligned:" not in out
    # a newer aligner: both are weaker now, and realigned
    with sqlite3.connect(data / "corpus.sqlite") as db:
        db.execute("UPDATE alignments SET aligner = 'bitext-align/0'")
    out = cli("align", "--data-dir", str(data), env=env).stdout
    assert re.search(r"aligned: translation\+encoder\s+│\s+2", out), out
    assert {a.aligner for a in store_of(data).iter_alignments()} == {ALIGNER_VERSION}


def test_extraction_rule_from_the_cli(sample_site: Site, tmp_path: Path) -> None:
    m = sample_site.manifest
    urls = ",".join(f"{sample_site.en}{m[k]['en_path']}" for k in ("pair-01", "pair-02"))
    run_crawl(sample_site, tmp_path, "-a", f"urls={urls}", "-s", "BITEXT_EXTRACT=0")
    args = ("extract", "--from-store", "--data-dir", str(tmp_path))
    assert cli(*args).stdout.startswith("4 versions extracted")
    assert cli(*args).stdout.startswith("0 versions extracted")
    with sqlite3.connect(tmp_path / "corpus.sqlite") as db:  # one text from an older release
        db.execute("UPDATE texts SET extractor = 'bitext-extract/1' WHERE id = 1")
    assert cli(*args).stdout.startswith("1 versions extracted")
    assert cli(*args, "--redo").stdout.startswith("4 versions extracted")


# -- the type checker -----------------------------------------------------------------------------


def test_mypy_is_clean() -> None:
    mypy = shutil.which("mypy", path=str(Path(sys.executable).parent))
    if mypy is None:
        pytest.skip("mypy is not installed (pip install -e '.[dev]')")
    result = subprocess.run(
        [mypy], cwd=REPO, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:]
