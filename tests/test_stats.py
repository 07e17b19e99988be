"""`bitext stats` and the report count the same things (issue 28): one tally of the exported
pairs, a translator's review replacing the machine alignment in both (stats once summed every
stored machine alignment: 631 beads in the demo where the report, counting the review that
merged two beads, said 630). Also: the stats' labels in words, every table's number in
`--json`, per site and per crawl, review progress and scores; the report index's charts are
static inline SVG with their numbers said."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.exports import exported_pairs
from pipeline.models import Bead, ReviewStatus
from pipeline.report import write_report
from pipeline.stats import corpus_overview, crawl_summary, flagged_group, score_bin
from pipeline.store import open_store
from tests.test_exports import AR_PARAGRAPHS, EN_PARAGRAPHS, make_pair

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three pairs of 4 machine beads each (2 flagged); the first reviewed: its first two beads
    merged into one approved bead, its flagged `added` bead rejected (3 beads now); one crawl
    run, finished."""
    root = tmp_path_factory.mktemp("stats")
    store = open_store(root / "corpus.sqlite")
    crawl = store.begin_crawl("enab", {}, {"registered": "enab"})
    for key in ("one", "two", "three"):
        store.save_pair(make_pair(key, AR_PARAGRAPHS, EN_PARAGRAPHS))
    store.finish_crawl(
        crawl,
        "finished",
        {"downloader/response_count": 9, "bitext/versions/new": 6, "bitext/pairs/created": 3},
    )
    machine = store.alignment_of("enab", "one")
    assert machine is not None and len(machine.beads) == 4
    first, second, added, omitted = machine.beads
    merged = Bead(src=first.src + second.src, tgt=first.tgt + second.tgt, score=first.score,
                  status=ReviewStatus.approved)  # fmt: skip
    rejected = added.model_copy(update={"status": ReviewStatus.rejected})
    review = machine.model_copy(
        update={
            "beads": [merged, rejected, omitted],
            "reviewer": "Lina",
            "reviewed_at": machine.aligned_at,
        }
    )
    assert store.save_reviews([(review, "digest")]) == [True]
    store.close()
    return root


def _env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BITEXT_")}
    env["ARGOS_PACKAGES_DIR"] = str(data / "no-packages")
    env["COLUMNS"] = "200"  # a table row, one line
    return env


def _bitext(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args, "--data-dir", str(data)],
        cwd=REPO, capture_output=True, text=True, timeout=300, env=_env(data),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def test_stats_and_the_report_count_the_same_beads(data: Path) -> None:
    store = open_store(data / "corpus.sqlite")
    overview = corpus_overview(store)
    summary = write_report(exported_pairs(store), data / "report-in-process")
    store.close()
    assert summary.tally is not None
    assert overview["alignment"] == summary.tally.as_dict()
    counted = overview["alignment"]
    # 3 + 4 + 4 beads: the review's, not the 4 + 4 + 4 the machine stored
    assert overview["alignments"] == 3 and counted["beads"] == 11
    assert counted["review"] == {"approved": 1, "rejected": 1, "pending": 9}
    assert counted["reviewed_pairs"] == 1 and counted["pairs"] == counted["aligned"] == 3
    # flagged: the review keeps `omitted` (and the rejected `added`); the others 2 each
    assert counted["flagged_beads"] == 6
    assert counted["flags"] == {"added": 3, "omitted": 3}
    assert counted["flagged_per_article"]["2"] == 3
    assert sum(counted["scores"].values()) == 11
    assert counted["sites"]["enab"]["beads"] == 11
    assert counted["sites"]["enab"]["review"] == {"approved": 1, "rejected": 1, "pending": 9}


def test_the_cli_stats_json_and_the_report_index_agree(data: Path) -> None:
    stats = json.loads(_bitext(data, "stats", "--json").stdout)
    report = _bitext(data, "report", "-o", str(data / "report"))
    said = " ".join(report.stdout.split())
    counted = stats["alignment"]
    assert f"({counted['aligned']} articles, {counted['beads']} beads," in said
    assert f"{counted['flagged_beads']} with divergences" in said
    index = (data / "report" / "index.html").read_text(encoding="utf-8")
    meta = re.search(r'<p class="meta">(.*?)</p>', index, re.S)
    assert meta is not None
    assert (
        f"{counted['aligned']} article pairs · {counted['beads']} beads · "
        f"{counted['flagged_beads']} beads with divergences · "
        f"{counted['review']['approved']} approved, {counted['review']['rejected']} rejected"
    ) in meta.group(1)


def test_stats_json_holds_what_the_tables_show(data: Path) -> None:
    stats = json.loads(_bitext(data, "stats", "--json").stdout)
    table = _bitext(data, "stats").stdout
    # the tables' words, not the store's names
    assert (
        "texts_wrong_language" not in table and "clean texts not in the expected language" in table
    )
    assert "Missing in translation" in table and "Added in translation" in table
    for title in ("By site", "By crawl", "Review progress (beads)", "Aligner's scores (beads)",
                  "Flagged beads per article"):  # fmt: skip
        assert title in table
    # every number of the site row is in --json
    site = stats["alignment"]["sites"]["enab"]
    row = next(line for line in table.splitlines() if line.startswith("│ enab"))
    cells = [c.strip() for c in row.strip("│").split("│")]
    numbers = [site[k] for k in ("pairs", "aligned", "beads", "flagged_beads")]
    assert cells[:5] == ["enab", *map(str, numbers)]
    approved = next(line for line in table.splitlines() if line.startswith("│ approved"))
    assert [c.strip() for c in approved.strip("│").split("│")] == ["approved", "1", "1"]
    [crawl] = stats["crawl_runs"]
    assert crawl["crawl"].startswith("enab-crawl-") and crawl["finish_reason"] == "finished"
    assert (crawl["pages_fetched"], crawl["new_versions"], crawl["pairs_created"]) == (9, 6, 3)
    assert crawl["crawl"] in table
    # the breakdowns the table shows are in --json too
    for key in ("unpaired_reasons", "crawl_error_kinds", "stage_failure_reasons",
                "pairing_methods", "alignment_not_exported"):  # fmt: skip
        assert key in stats


def test_the_report_index_has_its_charts_inline(data: Path) -> None:
    _bitext(data, "report", "-o", str(data / "report"))
    index = (data / "report" / "index.html").read_text(encoding="utf-8")
    charts = re.findall(r'<svg class="chart" id="chart-(\w+)".*?</svg>', index, re.S)
    assert charts == ["scores", "flags", "review", "crawls"]
    review = re.search(r'id="chart-review"[^>]*aria-label="([^"]*)"', index)
    assert review is not None
    assert review.group(1) == (
        "Review progress: approved 1, rejected 1, not reviewed yet 9 of 11 beads"
    )
    # nothing fetched from elsewhere: no CDN, no remote script or stylesheet
    assert not re.search(r'(src|href)="(https?:)?//', index)


@pytest.mark.parametrize("score,bin_", [(0.0, 0), (0.05, 0), (0.1, 1), (0.99, 9), (1.0, 9)])
def test_score_bins(score: float, bin_: int) -> None:
    assert score_bin(score) == bin_


@pytest.mark.parametrize("n,group", [(0, "0"), (1, "1"), (2, "2"), (4, "3-5"), (11, "11+")])
def test_flagged_groups(n: int, group: str) -> None:
    assert flagged_group(n) == group


def test_a_crawl_still_running_says_so(tmp_path: Path) -> None:
    store = open_store(tmp_path / "corpus.sqlite")
    store.begin_crawl("bilingual", {"site": "http://x"}, None)
    [run] = store.crawl_runs()
    store.close()
    summary = crawl_summary(run)
    assert summary["finish_reason"] == "running or killed" and summary["crawl"].startswith(
        "bilingual-crawl-"
    )
