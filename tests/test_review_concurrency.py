"""Issue 26 cases 12 and 13: two `bitext review import` at once never leave a mix (the later
wins whole, or is refused naming the conflict), on SQLite and on a real PostgreSQL; a review
revision can be dropped (with --yes)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from pipeline.exports import exported_pairs
from pipeline.review import export_reviews
from pipeline.store import open_store
from tests.services import PostgresServer
from tests.test_exports import AR_PARAGRAPHS, EN_PARAGRAPHS, make_pair

REPO = Path(__file__).resolve().parents[1]
PAIRS = 80
ROUNDS = 2


def fill(location: str) -> None:
    store = open_store(location)
    pair = make_pair("p0", AR_PARAGRAPHS, EN_PARAGRAPHS)
    for i in range(PAIRS):
        key = f"p{i}"
        translation = pair.translation.model_copy(update={"site_article_id": key})
        original = pair.original.model_copy(update={"site_article_id": f"ar-{key}"})
        alignment = pair.alignment.model_copy(update={"translation_article_id": key})
        store.save_pair(
            pair.model_copy(
                update={"translation": translation, "original": original, "alignment": alignment}
            )
        )
    store.close()


def review_files(location: str, tmp: Path) -> dict[str, Path]:
    """Every bead approved in one file, every bead rejected in the other."""
    store = open_store(location)
    data = json.loads(export_reviews(exported_pairs(store)).model_dump_json())
    store.close()
    files = {}
    for status in ("approved", "rejected"):
        for pair in data["pairs"]:
            for bead in pair["beads"]:
                bead["status"] = status
        files[status] = tmp / f"{status}.json"
        files[status].write_text(json.dumps(data), encoding="utf-8")
    return files


def current_statuses(location: str) -> Counter[str]:
    """The status of every bead of every pair's current (newest) review."""
    store = open_store(location)
    try:
        reviews = list(store.iter_reviews())
        assert len(reviews) == PAIRS
        return Counter(bead.status for review in reviews for bead in review.beads)
    finally:
        store.close()


def import_both_at_once(location: str, files: dict[str, Path]) -> dict[str, tuple[int, str]]:
    processes = {
        status: subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pipeline.cli",
                "review",
                "import",
                str(path),
                "--store",
                location,
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for status, path in files.items()
    }
    done = {}
    for status, process in processes.items():
        out, err = process.communicate(timeout=180)
        done[status] = (process.returncode, out + err)
    return done


def check_never_a_mix(location: str, tmp: Path) -> None:
    fill(location)
    files = review_files(location, tmp)
    for _ in range(ROUNDS):
        results = import_both_at_once(location, files)
        statuses = current_statuses(location)
        assert len(statuses) == 1, f"a mix of two imports: {statuses} {results}"
        [current] = statuses
        for status, (code, output) in results.items():
            if code != 0:  # refused whole, naming the conflict; the other one is current
                assert code == 1, output
                assert "refused, nothing imported: conflict: pair enab:p" in output, output
                assert "another import" in output
                assert current != status
            else:
                assert "reviews stored as new revisions" in output
        assert any(code == 0 for code, _ in results.values())


def test_two_imports_at_once_never_mix_on_sqlite(tmp_path: Path) -> None:
    check_never_a_mix(str(tmp_path / "corpus.sqlite"), tmp_path)


def test_two_imports_at_once_never_mix_on_postgresql(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    check_never_a_mix(postgres.create_database("reviews_at_once"), tmp_path)


def bitext(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_a_review_revision_is_dropped_only_with_yes(tmp_path: Path) -> None:
    location = str(tmp_path / "corpus.sqlite")
    fill(location)
    files = review_files(location, tmp_path)
    for status in ("approved", "rejected"):
        assert bitext("review", "import", str(files[status]), "--store", location).returncode == 0
    listed = bitext("review", "revisions", "enab:p3", "--store", location)
    assert listed.returncode == 0, listed.stderr
    assert "│ 1 " in listed.stdout and "│ 2 " in listed.stdout

    refused = bitext("review", "drop-revision", "enab:p3", "--revision", "2", "--store", location)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "error: not dropped: deleting revision 2 of enab:p3 cannot be undone; add --yes"
    ]
    dropped = bitext(
        "review", "drop-revision", "enab:p3", "--revision", "2", "--yes", "--store", location
    )
    assert dropped.returncode == 0, dropped.stderr
    assert "enab:p3: revision 2 dropped; revision 1 is current" in dropped.stdout
    store = open_store(location)
    try:
        current = store.latest_review("enab", "p3")
        assert current is not None and current.review_revision == 1
        assert {b.status for b in current.beads} == {"approved"}
        other = store.latest_review("enab", "p4")
        assert other is not None and other.review_revision == 2  # only p3's revision went
    finally:
        store.close()
    again = bitext(
        "review", "drop-revision", "enab:p3", "--revision", "2", "--yes", "--store", location
    )
    assert again.returncode == 1
    assert again.stderr.strip() == "error: pair enab:p3: no review revision 2"
    unknown = bitext(
        "review", "drop-revision", "enab:nope", "--revision", "1", "--yes", "--store", location
    )
    assert unknown.returncode == 1 and "no such pair" in unknown.stderr
