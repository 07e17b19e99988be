"""Scale-out on real services: Redis (the shared frontier) and PostgreSQL (the shared store),
started by tests/services.py; skipped with the reason where this machine cannot have them.

The crawl check uses the bundled 40-pair sample site (its failures, redirects and unpaired
articles included): the issue's 300-pair check runs in `make demo-distributed`, kept out of the
suite for CI's time budget."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, inspect, select, text
from sqlalchemy.engine import Connection

from pipeline.store import now, open_store
from tests.conftest import REPO, Site, copy_site, snapshot, start_site, store_at_revision
from tests.distributed import (
    crawl_processes,
    fetches,
    pages_fetched_by_several,
    stats_json,
)
from tests.services import (
    PostgresServer,
    RedisServer,
    ServiceUnavailable,
    start_redis,
)


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    try:
        server = start_redis(tmp_path_factory.mktemp("redis"))
    except ServiceUnavailable as exc:
        pytest.skip(f"no Redis server: {exc}")
    yield server
    server.stop()


def own_site(tmp: Path) -> Site:
    """A fresh copy of the sample site: its failures (fail_first) count hits per server."""
    return start_site(copy_site(tmp))


@pytest.fixture(scope="module")
def single_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The baseline: one crawler process into SQLite, as everyone runs it."""
    tmp = tmp_path_factory.mktemp("single")
    site = own_site(tmp)
    try:
        crawl_processes(site, tmp / "out", 1, redis_url=None, store=None)
    finally:
        site.stop()
    return tmp / "out" / "corpus.sqlite"


@pytest.fixture(scope="module")
def two_crawlers(
    tmp_path_factory: pytest.TempPathFactory, redis: RedisServer, postgres: PostgresServer
) -> tuple[str, list[str]]:
    """Two crawler processes, one Redis frontier, one PostgreSQL store; (store URL, logs)."""
    tmp = tmp_path_factory.mktemp("two")
    store = postgres.create_database("crawl_two")
    site = own_site(tmp)
    try:
        # per-domain concurrency 2 each and a delay between requests, so that one process
        # cannot take the whole frontier while the other is still starting (a loaded machine)
        logs = crawl_processes(
            site,
            tmp / "out",
            2,
            "-s",
            "CONCURRENT_REQUESTS_PER_DOMAIN=2",
            "-s",
            "DOWNLOAD_DELAY=0.2",
            redis_url=redis.url(1),
            store=store,
        )
        corpus = open_store(store)
        first = corpus.counts()
        RECRAWL["first_captures"] = corpus.captures()
        corpus.close()
        # again, same site: the frontier starts afresh and every article is re-checked with a
        # conditional GET (304: nothing new stored); the results go to a store copy-free check
        relogs = crawl_processes(
            site,
            tmp / "again",
            2,
            "-s",
            "CONCURRENT_REQUESTS_PER_DOMAIN=2",
            redis_url=redis.url(1),
            store=store,
        )
        corpus = open_store(store)
        second = corpus.counts()
        corpus.close()
    finally:
        site.stop()
    RECRAWL.update(first=first, second=second, logs=relogs)
    return store, logs


RECRAWL: dict[str, object] = {}


def test_a_second_distributed_crawl_rechecks_with_conditional_gets(
    two_crawlers: tuple[str, list[str]],
) -> None:
    first, second = RECRAWL["first"], RECRAWL["second"]
    assert isinstance(first, dict) and isinstance(second, dict)
    for key in ("versions", "pairs", "unpaired", "texts", "articles_en", "articles_ar"):
        assert second[key] == first[key], key  # nothing new: every page answered 304
    logs = RECRAWL["logs"]
    assert isinstance(logs, list)
    not_modified = sum(crawl_counts_of(log, "bitext/not_modified/en") for log in logs)
    assert first["pairs"] <= not_modified <= first["articles_en"]  # each re-checked once
    assert second["crawls"] == first["crawls"] + 2


def crawl_counts_of(log: str, key: str) -> int:
    marker = f"'{key}': "
    at = log.rfind(marker)
    return int(log[at + len(marker) :].split(",", 1)[0].rstrip("}")) if at >= 0 else 0


def test_two_crawlers_on_one_frontier_store_what_one_process_stores(
    single_sqlite: Path, two_crawlers: tuple[str, list[str]], redis: RedisServer
) -> None:
    store_url, logs = two_crawlers
    one, two = open_store(single_sqlite), open_store(store_url)
    try:
        want, got = snapshot(one), snapshot(two)
        assert got["pairs"] == want["pairs"]
        assert got["versions"] == want["versions"]
        assert got["errors"] == want["errors"]
        assert got["counts"] == want["counts"]
        # the same requests, each made once between them: no page fetched twice, none missed
        captures = RECRAWL["first_captures"]  # the first crawl's (another one follows)
        assert isinstance(captures, list)
        assert fetches(captures) == fetches(one)
        assert pages_fetched_by_several(captures) == {}
        # both took part: each wrote its own WARC file (host in the name) with pages in it
        counts: dict[str, int] = {}
        for c in captures:
            counts[c.warc_filename] = counts.get(c.warc_filename, 0) + 1
        assert len(counts) == 2 and all(name.startswith("enab-") for name in counts)
        assert min(counts.values()) > 5, counts
    finally:
        one.close()
        two.close()
    a, b = stats_json(str(single_sqlite)), stats_json(store_url)
    for key in ("pairs", "unpaired", "crawl_errors", "versions", "texts"):
        assert a[key] == b[key], key
    assert a["pairs"] == 40 and a["crawl_errors"] > 0 and a["unpaired"] > 0
    # the last process out cleared the run's frontier: the next crawl starts afresh
    import redis as redis_client

    client = redis_client.Redis.from_url(redis.url(1))
    assert client.keys("bitext:*") == []
    assert sum("last crawler of the run out" in log for log in logs) == 1


def test_stats_json_is_one_object_with_the_counts(single_sqlite: Path) -> None:
    stats = stats_json(str(single_sqlite))
    store = open_store(single_sqlite)
    counts = store.counts()
    store.close()
    assert stats["pairs"] == counts["pairs"] and stats["unpaired"] == counts["unpaired"]
    assert stats["crawl_errors"] == counts["errors"] and stats["versions"] == counts["versions"]
    assert stats["texts"] == counts["texts"]
    # no package installed in the crawl's environment here: every sentence is pending
    directions = stats["translation"]
    pending = sum(d["sentences"] - d["done"] for d in directions.values())
    assert stats["translations_pending"] == pending > 0


# -- stage workers -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ar->en and en->ar test-built packages, installed in a folder of their own."""
    from tests.tiny_argos import build_tiny_package

    build = tmp_path_factory.mktemp("tiny")
    installed = build / "installed"
    for source, target in (("ar", "en"), ("en", "ar")):  # the sample site"s pair, both ways
        package = build_tiny_package(build / "src", from_code=source, to_code=target)
        subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "models", "install", str(package)],
            cwd=REPO,
            env={"ARGOS_PACKAGES_DIR": str(installed), "PATH": "/usr/bin:/bin"},
            check=True,
            capture_output=True,
            timeout=120,
        )
    return installed


def clone(postgres: PostgresServer, template_url: str, name: str, pairs: int = 40) -> str:
    """A copy of a crawled store (PostgreSQL copies a database by template), its first `pairs`
    pairs kept (the test-built model decodes up to 256 tokens a sentence: time)."""
    import psycopg

    template = template_url.rsplit("/", 1)[1]
    with psycopg.connect(
        f"host=127.0.0.1 port={postgres.port} user={postgres.user} dbname=postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    url = postgres.url(name)
    engine = create_engine(url)
    with engine.begin() as c:
        keep = f"SELECT id FROM pairs WHERE status = 'paired' ORDER BY id LIMIT {int(pairs)}"
        c.execute(text(f"DELETE FROM alignments WHERE pair_id NOT IN ({keep})"))
        c.execute(text(f"DELETE FROM pairs WHERE id NOT IN ({keep})"))
    engine.dispose()
    return url


def bitext(*args: str, packages: Path, **popen: object) -> subprocess.Popen[str]:
    import os

    env = dict(os.environ, ARGOS_PACKAGES_DIR=str(packages))
    env.pop("BITEXT_STORE", None)
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,  # type: ignore[call-overload]
    )


def reports(processes: list[subprocess.Popen[str]]) -> list[dict]:
    import json

    out = []
    for p in processes:
        stdout, stderr = p.communicate(timeout=600)
        assert p.returncode == 0, stderr[-3000:]
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


def test_two_translate_workers_translate_every_pending_sentence_exactly_once(
    two_crawlers: tuple[str, list[str]], postgres: PostgresServer, tiny_packages: Path
) -> None:
    import os

    store = clone(postgres, two_crawlers[0], "translate_two", pairs=10)
    os.environ["ARGOS_PACKAGES_DIR"] = str(tiny_packages)  # for stats_json below
    try:
        before = stats_json(store)
        pending = {d: v["sentences"] - v["done"] for d, v in before["translation"].items()}
        assert all(n > 50 for n in pending.values()), pending
        workers = [
            bitext(
                "translate",
                "--worker",
                "--store",
                store,
                "--batch-size",
                "1",
                packages=tiny_packages,
            )
            for _ in range(2)
        ]
        done = reports(workers)
        after = stats_json(store)
    finally:
        os.environ.pop("ARGOS_PACKAGES_DIR")
    for direction, n in pending.items():
        decoded = [r[direction].get("decoded", 0) for r in done]
        assert sum(decoded) == n, (direction, decoded)  # each sentence decoded once, in all
        assert all(d > 0 for d in decoded), (direction, decoded)  # and both workers took part
    assert after["translations_pending"] == 0
    assert after["translations"] == before["translations"] + sum(pending.values())
    engine = create_engine(store.replace("postgresql+psycopg", "postgresql+psycopg"))
    with engine.connect() as c:
        rows = c.execute(
            text(
                "SELECT count(*), max(attempts), count(DISTINCT worker) FROM stage_claims "
                "WHERE stage = 'translate' AND done_at IS NOT NULL"
            )
        ).one()
        open_rows = c.execute(
            text("SELECT count(*) FROM stage_claims WHERE done_at IS NULL")
        ).scalar()
    engine.dispose()
    assert rows == (sum(pending.values()), 1, 2) and open_rows == 0


def test_translate_workers_on_sqlite_take_turns_and_translate_everything_once(
    single_sqlite: Path, tiny_packages: Path, tmp_path: Path
) -> None:
    """SQLite keeps working: the same claims; two workers take turns on the file's lock."""
    import os
    import shutil

    store = tmp_path / "corpus.sqlite"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{single_sqlite}{suffix}").exists():
            shutil.copy(f"{single_sqlite}{suffix}", f"{store}{suffix}")
    engine = create_engine(f"sqlite:///{store}")
    with engine.begin() as c:  # two pairs: the test-built model is slow to decode
        c.execute(text("DELETE FROM alignments"))
        c.execute(
            text(
                "DELETE FROM pairs WHERE id NOT IN "
                "(SELECT id FROM pairs WHERE status = 'paired' ORDER BY id LIMIT 2)"
            )
        )
    engine.dispose()
    os.environ["ARGOS_PACKAGES_DIR"] = str(tiny_packages)
    try:
        before = stats_json(str(store))
        done = reports(
            [
                bitext(
                    "translate",
                    "--worker",
                    "--store",
                    str(store),
                    "--batch-size",
                    "1",
                    packages=tiny_packages,
                )
                for _ in range(2)
            ]
        )
        after = stats_json(str(store))
    finally:
        os.environ.pop("ARGOS_PACKAGES_DIR")
    assert before["translations_pending"] > 0 and after["translations_pending"] == 0
    decoded = sum(r[d].get("decoded", 0) for r in done for d in ("ar-en", "en-ar"))
    assert decoded == before["translations_pending"]


def test_a_dead_workers_claims_expire_and_another_worker_finishes_them(
    two_crawlers: tuple[str, list[str]], postgres: PostgresServer, tiny_packages: Path
) -> None:
    """A worker killed mid-run leaves claimed units with a lease; once it runs out, the next
    worker takes them over (a second attempt) and the run completes."""
    from pipeline.stages.translate import paired_sentences
    from pipeline.store.claims import ClaimQueue
    from pipeline.store.tables import ClaimRow
    from pipeline.translate import Engine, source_key

    store_url = clone(postgres, two_crawlers[0], "translate_resume", pairs=4)
    corpus = open_store(store_url)
    import os

    os.environ["ARGOS_PACKAGES_DIR"] = str(tiny_packages)
    try:
        engine = Engine("ar", "en")
        sentences = paired_sentences(corpus, "ar")
        dead = ClaimQueue(corpus, "translate", engine.key, worker="gone-1", lease_s=60)
        dead.enqueue({source_key(s): s for s in sentences})
        held = dead.claim(20)  # the dead worker's claims: leased, never finished
        table = ClaimRow.__table__
        with corpus.engine.begin() as c:  # its lease runs out (as 60 s after its death)
            c.execute(
                table.update()
                .where(table.c.worker == "gone-1")
                .values(lease_until=now() - timedelta(seconds=1))
            )
    finally:
        os.environ.pop("ARGOS_PACKAGES_DIR")
    corpus.close()
    [report] = reports(
        [bitext("translate", "--worker", "--store", store_url, packages=tiny_packages)]
    )
    assert report["ar-en"]["decoded"] == len(sentences)
    corpus = open_store(store_url)
    with corpus.engine.connect() as c:
        retried = c.execute(
            select(table.c.attempts, table.c.worker).where(table.c.id.in_([h.id for h in held]))
        ).all()
        undone = c.execute(
            select(table.c.id).where(table.c.done_at.is_(None), table.c.scope == engine.key)
        ).all()
    corpus.close()
    assert {r.attempts for r in retried} == {2} and "gone-1" not in {r.worker for r in retried}
    assert undone == []


def test_two_align_workers_align_every_pair_once(
    two_crawlers: tuple[str, list[str]], postgres: PostgresServer, tiny_packages: Path
) -> None:
    store = clone(postgres, two_crawlers[0], "align_two")
    corpus = open_store(store)
    with corpus.engine.begin() as c:  # as if the crawl had not aligned (BITEXT_ALIGN=0)
        c.execute(text("DELETE FROM alignments"))
    pairs = corpus.counts()["pairs"]
    corpus.close()
    workers = [
        bitext(
            "align",
            "--worker",
            "--no-translate",
            "--store",
            store,
            "--batch",
            "7",
            packages=tiny_packages.parent / "none",
        )
        for _ in range(2)
    ]
    done = reports(workers)
    assert sum(r["claimed"] for r in done) == pairs
    assert sum(r.get("aligned: encoder", 0) for r in done) == pairs  # no translation
    assert all(r["claimed"] > 0 for r in done)
    corpus = open_store(store)
    assert corpus.counts()["alignments"] == pairs
    corpus.close()


# -- the schema: Alembic ---------------------------------------------------------------------


def _schema_matches_models(url: str) -> list[object]:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from pipeline.store.migrations import target_metadata

    engine = create_engine(url)
    with engine.connect() as c:
        diff = compare_metadata(MigrationContext.configure(c), target_metadata())
    engine.dispose()
    return diff


def test_a_store_made_before_alembic_is_stamped_and_upgraded_in_place(tmp_path: Path) -> None:
    from pipeline.store import Base
    from pipeline.store.migrations import BASELINE, head_revision

    path = tmp_path / "old.sqlite"
    later = ("stage_claims", "stage_failures", "reviews")  # added by migrations 0002 and 0003
    store_at_revision(f"sqlite:///{path}", BASELINE, before_alembic=True)
    engine = create_engine(f"sqlite:///{path}")
    assert not set(later) & set(inspect(engine).get_table_names())
    with engine.begin() as c:
        c.execute(
            insert(Base.metadata.tables["crawls"]).values(
                spider="enab", args={}, started_at=now(), stats={}
            )
        )
    engine.dispose()
    store = open_store(path)
    with store.engine.connect() as c:
        version = c.execute(text("SELECT version_num FROM alembic_version")).scalar()
        tables = set(inspect(c).get_table_names())
    assert version == head_revision() != BASELINE
    assert set(later) <= tables
    assert store.counts()["crawls"] == 1  # nothing lost
    store.close()
    assert _schema_matches_models(f"sqlite:///{path}") == []


def test_the_migrations_make_exactly_the_models_schema(tmp_path: Path) -> None:
    """Fails when a table or column is added to the classes without a migration: add one with
    `python -m pipeline.store.migrations revision "..."` (docs/scale-out.md)."""
    open_store(tmp_path / "new.sqlite").close()
    assert _schema_matches_models(f"sqlite:///{tmp_path / 'new.sqlite'}") == []


# What schema 2 (migration 0004) renamed: the previous release wrote these names.
OLD_PAIR_COLUMNS = {
    "translation_article_id": "en_article_id",
    "original_article_id": "ar_article_id",
    "original_url": "arabic_url",
}


def _as_previous_release(url: str, tmp_path: Path) -> None:
    """A store in the previous release's schema (0003: en/ar columns, arabic_* reasons,
    en_article_id in the alignment and review records) holding what that release wrote: pairs
    (one unpaired), their versions and texts, an alignment and a translator's review."""
    from sqlalchemy import MetaData

    from pipeline.exports import exported_pairs
    from pipeline.models import UnpairedReason
    from pipeline.review import export_reviews, import_reviews
    from pipeline.store import Base
    from tests.test_exports import AR_PARAGRAPHS, EN_PARAGRAPHS, make_pair
    from tests.test_store_warc import unpaired, version

    current = open_store(tmp_path / "written-now.sqlite")
    current.save_pair(make_pair("one", AR_PARAGRAPHS, EN_PARAGRAPHS))
    current.save_pair(unpaired(version("en", "alone", "text"), UnpairedReason.no_original_link))
    review = tmp_path / "review.json"
    review.write_text(export_reviews(exported_pairs(current)).model_dump_json())
    assert import_reviews(current, review).new == ["enab:one"]
    store_at_revision(url, "0003")
    engine = create_engine(url)
    old = MetaData()
    old.reflect(engine)
    assert "en_article_id" in old.tables["pairs"].c
    with current.engine.connect() as source, engine.begin() as target:
        # that release kept every page in versions.raw_html_z (migration 0005 moved them out)
        pages = {r[0]: r[1] for r in source.execute(select(Base.metadata.tables["version_pages"]))}
        for table in Base.metadata.sorted_tables:
            if table.name not in old.tables:
                continue
            rows = [dict(r._mapping) for r in source.execute(select(table))]
            if table.name == "versions":
                rows = [{**r, "raw_html_z": pages[r["id"]]} for r in rows]
            # columns later migrations added (captures.warc_offset, crawls.profile)
            old_columns = set(old.tables[table.name].c.keys()) | set(OLD_PAIR_COLUMNS)
            rows = [{k: v for k, v in r.items() if k in old_columns} for r in rows]
            if table.name == "pairs":
                rows = [{OLD_PAIR_COLUMNS.get(k, k): v for k, v in r.items()} for r in rows]
                for r in rows:
                    if r["reason"] == "no_original_link":
                        r["reason"] = "no_arabic_link"
                    elif r["reason"]:
                        r["reason"] = r["reason"].replace("original_", "arabic_", 1)
            if table.name in ("alignments", "reviews"):
                for r in rows:
                    r["record"]["en_article_id"] = r["record"].pop("translation_article_id")
            if rows:
                target.execute(old.tables[table.name].insert(), rows)
    current.close()
    engine.dispose()


def _check_upgraded(url: str) -> None:
    from pipeline.exports import exported_pairs
    from pipeline.models import UnpairedReason

    store = open_store(url)  # upgrades in place on first use
    pair = store.pair_for("enab", "one")
    assert pair is not None and pair.original is not None
    assert (pair.original.site_article_id, pair.translation.site_article_id) == ("ar-one", "one")
    assert pair.original_url == pair.original.url
    assert store.pair_for("enab", "alone").reason == UnpairedReason.no_original_link
    assert store.alignment_of("enab", "one").translation_article_id == "one"
    review = store.latest_review("enab", "one")
    assert review is not None and review.translation_article_id == "one"
    [record] = list(exported_pairs(store))
    assert record.alignment is not None and record.alignment.review_revision == 1
    assert record.original.text.paragraphs and record.translation.text.paragraphs
    store.close()
    assert _schema_matches_models(url) == []


def test_a_store_of_the_previous_schema_upgrades_in_place(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    _as_previous_release(url, tmp_path)
    _check_upgraded(url)


def test_a_store_of_the_previous_schema_upgrades_in_place_on_postgresql(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    url = postgres.create_database("previous_schema")
    _as_previous_release(url, tmp_path)
    _check_upgraded(url)


def test_the_migrations_make_exactly_the_models_schema_on_postgresql(
    postgres: PostgresServer,
) -> None:
    url = postgres.create_database("schema_check")
    open_store(url).close()
    assert _schema_matches_models(url) == []


def _mode_width(connection: Connection) -> int:
    [mode] = [x for x in inspect(connection).get_columns("alignments") if x["name"] == "mode"]
    return int(mode["type"].length)


def _store_at_0006_upgrades_to_head(url: str) -> None:
    """Migration 0008 (issue 23) on a store an earlier release left at 0006, holding a pair and
    its alignment: `alembic upgrade head` adds the embeddings table and widens alignments.mode
    (align-9's "translation+encoder" is 19 characters); nothing stored is lost; down again to
    0006 and back up works."""
    from alembic import command

    from pipeline.store.migrations import config, current_revision, head_revision
    from tests.test_exports import AR_PARAGRAPHS, EN_PARAGRAPHS, make_pair

    store = open_store(url)
    pair = make_pair("one", AR_PARAGRAPHS, EN_PARAGRAPHS)
    store.save_pair(pair)
    store.close()
    store_at_revision(url, "0006")
    engine = create_engine(url)
    with engine.connect() as c:
        assert current_revision(c) == "0006"
        assert "embeddings" not in inspect(c).get_table_names()
        assert _mode_width(c) == 16
    with engine.begin() as c:
        command.upgrade(config(c), "head")  # what `alembic upgrade head` runs
    with engine.connect() as c:
        assert current_revision(c) == head_revision() >= "0008"
        assert "embeddings" in inspect(c).get_table_names()
        assert _mode_width(c) == 32
    engine.dispose()
    assert _schema_matches_models(url) == []
    store = open_store(url)
    kept = store.alignment_of("enab", "one")
    assert kept is not None and pair.alignment is not None
    assert [b.src for b in kept.beads] == [b.src for b in pair.alignment.beads]
    wider = pair.model_copy(
        update={"alignment": pair.alignment.model_copy(update={"mode": "translation+encoder"})}
    )
    store.save_pair(wider)
    assert {a.mode for a in store.iter_alignments()} == {"translation+encoder"}
    store.save_embeddings("use-m3/0.2.1/parts-f16", {"a" * 64: b"\x01\x02"})
    assert store.cached_embeddings("use-m3/0.2.1/parts-f16", ["a" * 64]) == {"a" * 64: b"\x01\x02"}
    store.close()


def test_a_store_at_0006_upgrades_to_head_with_the_embeddings_cache(tmp_path: Path) -> None:
    _store_at_0006_upgrades_to_head(f"sqlite:///{tmp_path / 'at-0006.sqlite'}")


def test_a_store_at_0006_upgrades_to_head_with_the_embeddings_cache_on_postgresql(
    postgres: PostgresServer,
) -> None:
    _store_at_0006_upgrades_to_head(postgres.create_database("at_0006"))
