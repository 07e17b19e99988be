"""Content pairing's parts alone: the one-to-one assignment, the date window, the profile's
`pairing = "content"` and its refusals, and migration 0007's backfill of older pairs' method."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine, text

from pipeline.assignment import assign
from pipeline.models import PairingMethod
from pipeline.profiles.files import ProfileRefused, hreflang_profile, load_profile_file
from pipeline.stages.pairing import PairingDocument, PairingSettings, date_window
from pipeline.store import open_store
from tests.conftest import store_at_revision
from tests.test_store_warc import paired, version

NAN = float("nan")


def test_greedy_takes_the_best_first_and_optimal_the_greatest_total() -> None:
    score = np.array([[0.9, 0.8], [0.85, 0.1]])
    assert sorted(assign(score, 0.5, "greedy")) == [(0, 0)]  # (1, 1) is below the threshold
    assert sorted(assign(score, 0.05, "greedy")) == [(0, 0), (1, 1)]
    assert sorted(assign(score, 0.5, "optimal")) == [(0, 1), (1, 0)]  # 1.65 > 0.9


def test_nothing_below_the_threshold_or_outside_the_window_is_taken() -> None:
    score = np.array([[NAN, 0.7], [0.4, NAN]])
    for how in ("greedy", "optimal"):
        assert assign(score, 0.5, how) == [(0, 1)]  # type: ignore[arg-type]
    assert assign(np.zeros((0, 3)), 0.5) == []


def test_the_date_window_and_undated_documents() -> None:
    t0 = datetime(2024, 3, 3, 9, tzinfo=UTC)
    originals = [PairingDocument("a", "ar", ["x"], t0), PairingDocument("b", "ar", ["x"], None)]
    translations = [
        PairingDocument(k, "en", ["x"], t0 + delay)
        for k, delay in (
            ("same-day", timedelta(hours=5)),
            ("day-before", timedelta(hours=-20)),
            ("two-days-before", timedelta(days=-2)),
            ("week-later", timedelta(days=7)),
            ("too-late", timedelta(days=8)),
        )
    ]
    window = date_window(originals, translations, PairingSettings(window_days=7, early_days=1))
    assert window[0].tolist() == [True, True, False, True, False]
    assert window[1].all()  # an undated original: every translation is a candidate


def test_a_profile_pairs_by_content_and_the_wrong_pairings_are_refused(tmp_path: Path) -> None:
    profile = hreflang_profile("https://example.org", "ar,en", "content")
    assert profile.pairing == "content"
    with pytest.raises(ProfileRefused, match="link needs a profile file"):
        hreflang_profile("https://example.org", "ar,en", "link")
    file = tmp_path / "site.toml"
    file.write_text(
        'name = "furat"\nsite = "https://example.org"\nlanguages = ["ar", "en"]\n'
        'pairing = "content"\npairing_window_days = 3\n',
        encoding="utf-8",
    )
    loaded = load_profile_file(file)
    assert (loaded.pairing, loaded.pairing_window_days) == ("content", 3)
    file.write_text(file.read_text("utf-8").replace("= 3", "= -1"), encoding="utf-8")
    with pytest.raises(ProfileRefused, match="pairing_window_days"):
        load_profile_file(file)


def test_migration_0007_records_older_pairs_method_from_their_crawls(tmp_path: Path) -> None:
    db = tmp_path / "corpus.sqlite"
    store = open_store(db)
    store.begin_crawl("enab", {}, {"registered": "enab"})
    store.save_pair(paired(version("en", "e1", "one"), version("ar", "a1", "واحد")))
    store.close()
    url = f"sqlite:///{db}"
    store_at_revision(url, "0006")  # as the last release left it: no pairing_method
    store = open_store(db)  # upgraded to the head again: 0007 fills the method in
    pairs = list(store.iter_pairs())
    counts = store.counts()
    store.close()
    assert [p.pairing_method for p in pairs] == [PairingMethod.link]
    assert counts["pairs_link"] == 1
    engine = create_engine(url)
    with engine.connect() as c:
        assert c.execute(text("SELECT version_num FROM alembic_version")).scalar() >= "0007"
    engine.dispose()
