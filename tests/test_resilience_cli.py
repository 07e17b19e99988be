"""Operator mistakes (issue 14, case 7): each one gets one line on stderr and exit status 2 (the
command line is wrong) or 1 (the command failed), no traceback without --debug, and a read-only
command creates nothing. Every row below is a real `bitext` process, run a few at a time."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pipeline.store import open_store
from tests.test_exports import AR_PARAGRAPHS, EN_PARAGRAPHS, make_pair

REPO = Path(__file__).resolve().parents[1]
BITEXT = [sys.executable, "-m", "pipeline.cli"]
HOW = (
    "Make one with a crawl (scrapy crawl enab -s BITEXT_DATA_DIR={d}) or point --data-dir, "
    "BITEXT_DATA_DIR or --store at an existing one"
)


@dataclass
class Case:
    args: list[str]
    status: int
    stderr: str  # the exact line, or "re:" and a pattern for the whole of stderr
    env: dict[str, str] = field(default_factory=dict)
    stdout: str | None = ""  # None: not checked
    cwd: str = "."


def _missing(d: str) -> str:
    return f"error: data directory {d} does not exist. {HOW.format(d=d)}"


def _no_store(d: str) -> str:
    return f"error: {d} holds no corpus store (corpus.sqlite). {HOW.format(d=d)}"


ALIGN = ["align-files", "src.txt", "tgt.txt", "--src-lang", "ar", "--tgt-lang", "en"]
CASES: dict[str, Case] = {
    # read-only commands on a data directory or store that is not there
    "stats, mistyped --data-dir": Case(["stats", "--data-dir", "dta"], 2, _missing("dta")),
    "warc-check, mistyped --data-dir": Case(
        ["warc-check", "--data-dir", "dta"], 2, _missing("dta")
    ),
    "export, mistyped --data-dir": Case(
        ["export", "-o", "new.tmx", "--format", "tmx", "--data-dir", "dta"], 2, _missing("dta")
    ),
    "report, mistyped --data-dir": Case(["report", "--data-dir", "dta"], 2, _missing("dta")),
    "align, mistyped --data-dir": Case(["align", "--data-dir", "dta"], 2, _missing("dta")),
    "extract --from-store, mistyped": Case(
        ["extract", "--from-store", "--data-dir", "dta"], 2, _missing("dta")
    ),
    "translate the store, mistyped": Case(["translate", "--data-dir", "dta"], 2, _missing("dta")),
    "stats, no --data-dir, bare folder": Case(["stats"], 2, _missing("data/output"), cwd="bare"),
    "stats, a folder without a store": Case(
        ["stats", "--data-dir", "empty"], 2, _no_store("empty")
    ),
    "stats, mistyped --store": Case(
        ["stats", "--store", "crpus.sqlite"],
        2,
        f"error: no corpus store crpus.sqlite. {HOW.format(d='data/output')}",
    ),
    "stats, BITEXT_DATA_DIR mistyped": Case(
        ["stats"], 2, _missing("dta"), env={"BITEXT_DATA_DIR": "dta"}
    ),
    "stats, BITEXT_STORE mistyped": Case(
        ["stats"],
        2,
        f"error: no corpus store crpus.sqlite. {HOW.format(d='data')}",
        env={"BITEXT_DATA_DIR": "data", "BITEXT_STORE": "crpus.sqlite"},
    ),
    "stats, a store that is not a database": Case(
        ["stats", "--store", "notes.txt"], 1, "error: store: file is not a database"
    ),
    # mistakes in options and arguments
    "export -o a directory": Case(
        ["export", "--data-dir", "data", "-o", "outdir"],
        2,
        "error: -o outdir is a directory; give a file name (e.g. outdir/corpus)",
    ),
    "export --since yesterday": Case(
        ["export", "--data-dir", "data", "-o", "x.jsonl", "--since", "yesterday"],
        2,
        "error: --since 'yesterday' is not a date: give YYYY-MM-DD, e.g. 2024-06-01",
    ),
    "export --since 2024-13-45": Case(
        ["export", "--data-dir", "data", "-o", "x.jsonl", "--since", "2024-13-45"],
        2,
        "error: --since '2024-13-45' is not a date: give YYYY-MM-DD, e.g. 2024-06-01",
    ),
    "export without -o": Case(
        ["export", "--data-dir", "data"],
        2,
        "error: Missing option '-o' / '--output'. (see: bitext export --help)",
    ),
    # a newcomer's mistakes (issue 28)
    "export --min-score out of 0..1": Case(
        ["export", "--data-dir", "data", "-o", "x.tmx", "--min-score", "5"],
        2,
        "re:error: Invalid value for '--min-score': .*1.* \\(see: bitext export --help\\)\n",
    ),
    "export --format not one of them": Case(
        ["export", "--data-dir", "data", "-o", "x.tsv", "--format", "tsv"],
        2,
        "re:error: Invalid value for '--format': .*'jsonl', 'tmx', 'moses', 'xliff'.*\n",
    ),
    "align-files, a language name for a code": Case(
        [*ALIGN[:3], "--src-lang", "arabic", "--tgt-lang", "en", "-o", "b.jsonl"],
        2,
        "error: --src-lang 'arabic' is not a language code (BCP 47): did you mean ar?",
    ),
    "models check, language names": Case(
        ["models", "check", "arabic", "english"],
        2,
        "error: FROM 'arabic' is not a language code (BCP 47): did you mean ar?; "
        "TO 'english' is not a language code (BCP 47): did you mean en?",
    ),
    "translate, a mistyped code": Case(
        ["translate", "src.txt", "--from", "ra", "--to", "en"],
        2,
        "error: --from 'ra' is not a language code (BCP 47): did you mean ar?",
    ),
    "crawl is scrapy's": Case(
        ["crawl", "enab", "-a", "limit=3"],
        2,
        "re:error: crawling is Scrapy's command, not bitext's: run `scrapy crawl enab -a "
        "limit=3` in the project folder \\(spiders: bilingual, enab\\).*\n",
    ),
    "translate the store, a direction it does not need": Case(
        ["translate", "--data-dir", "data", "--from", "fr"],
        2,
        "error: the store's pairs need no fr->any translation; the directions they need: "
        "ar->en, en->ar",
    ),
    "a misspelled option": Case(
        ["stats", "--dat-dir", "data"],
        2,
        "error: No such option: --dat-dir (Possible options: --data-dir) "
        "(see: bitext stats --help)",
    ),
    "an unknown command": Case(
        ["stast"], 2, "error: No such command 'stast'. Did you mean 'stats'? (see: bitext --help)"
    ),
    "align-files, a missing file": Case(
        [*ALIGN[:1], "nope.txt", *ALIGN[2:], "-o", "b.jsonl"], 2, "error: no such file: nope.txt"
    ),
    "align-files, a directory": Case(
        [*ALIGN[:1], "outdir", *ALIGN[2:], "-o", "b.jsonl"],
        2,
        "error: outdir is a directory, not a file",
    ),
    "align-files, a Latin-1 file": Case(
        [*ALIGN[:1], "latin1.txt", *ALIGN[2:], "-o", "b.jsonl"],
        1,
        "error: latin1.txt is not UTF-8 text (byte 0xe9 at offset 3); convert it first, e.g. "
        "iconv -f LATIN1 -t UTF-8 (or -f WINDOWS-1256 for Arabic)",
    ),
    "align-files -o a directory": Case(
        [*ALIGN, "-o", "outdir"],
        2,
        "error: -o outdir is a directory; give a file name (e.g. outdir/corpus)",
    ),
    "translate a Latin-1 file": Case(
        ["translate", "latin1.txt", "--from", "ar", "--to", "en"],
        1,
        "re:error: latin1.txt is not UTF-8 text \\(byte 0xe9 at offset 3\\); .*\n",
    ),
    "translate with no package": Case(
        ["translate", "src.txt", "--from", "ar", "--to", "en", "-o", "new.txt"],
        1,
        "re:error: 2 ar sentences not translated: no installed package translates ar to en\\. "
        "Install translate-ar_en: .*\n",
    ),
    "translate a missing file": Case(
        ["translate", "nope.txt", "--from", "ar", "--to", "en"], 2, "error: no such file: nope.txt"
    ),
    "extract a missing page": Case(
        ["extract", "nope.html", "--lang", "en"], 2, "error: no such page: nope.html"
    ),
    "extract a directory": Case(
        ["extract", "outdir", "--lang", "en"], 2, "error: outdir is a directory, not a page"
    ),
    "schema -o a directory": Case(
        ["schema", "-o", "outdir"],
        2,
        "error: -o outdir is a directory; give a file name (e.g. outdir/corpus)",
    ),
    "models install, no such file": Case(
        ["models", "install", "nope.argosmodel"], 2, "error: no such package file: nope.argosmodel"
    ),
    "export, an empty store": Case(
        ["export", "--data-dir", "nopairs", "-o", "good.jsonl"],
        1,
        "error: nothing exported from nopairs/corpus.sqlite (no pairs): 0 article pairs to write;"
        " good.jsonl left as it was; check --data-dir/--store and the filters, or pass "
        "--allow-empty",
    ),
    # what works
    "--version": Case(["--version"], 0, "", stdout="bitext 0.1.0\n"),
    "-h": Case(["-h"], 0, "", stdout=None),
    "export -h": Case(["export", "-h"], 0, "", stdout=None),
    "stats, BITEXT_DATA_DIR": Case(["stats"], 0, "", env={"BITEXT_DATA_DIR": "data"}, stdout=None),
    "--debug shows the traceback": Case(
        ["stats", "--data-dir", "dta", "--debug"],
        2,
        "re:Traceback \\(most recent call last\\):\n(.*\n)*(\\w+\\.)*CliError: data "
        "directory dta does not exist.*\nerror: data directory dta does not exist.*\n",
    ),
}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("operator")
    corpus = open_store(root / "data" / "corpus.sqlite")
    corpus.save_pair(make_pair("one", AR_PARAGRAPHS, EN_PARAGRAPHS))
    corpus.save_pair(make_pair("two", AR_PARAGRAPHS, EN_PARAGRAPHS))
    corpus.close()
    open_store(root / "nopairs" / "corpus.sqlite").close()
    for folder in ("empty", "outdir", "bare"):
        (root / folder).mkdir()
    (root / "latin1.txt").write_bytes("café au lait\n".encode("latin-1"))
    (root / "src.txt").write_text("جملة أولى.\nجملة ثانية.\n", encoding="utf-8")
    (root / "tgt.txt").write_text("First sentence.\nSecond sentence.\n", encoding="utf-8")
    (root / "notes.txt").write_text("not a database, just notes\n" * 100)
    (root / "good.jsonl").write_text('{"a good": "export"}\n')
    return root


def _listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def _run(case: Case, root: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BITEXT_")}
    env.update(case.env)
    env["ARGOS_PACKAGES_DIR"] = str(root / "no-packages")
    return subprocess.run(
        [*BITEXT, *case.args],
        cwd=root / case.cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_operator_mistake_gets_one_line_and_its_exit_status(workdir: Path) -> None:
    before = _listing(workdir)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(
            zip(CASES, pool.map(lambda c: _run(c, workdir), CASES.values()), strict=True)
        )
    failures = []
    for name, case in CASES.items():
        done = results[name]
        expected = case.stderr
        if expected.startswith("re:"):
            stderr_ok = re.fullmatch(expected[3:], done.stderr) is not None
        else:
            stderr_ok = done.stderr == (expected + "\n" if expected else "")
        ok = (
            done.returncode == case.status
            and stderr_ok
            and (case.stdout is None or done.stdout == case.stdout)
            and ("Traceback" not in done.stderr or "--debug" in case.args)
        )
        if not ok:
            failures.append(f"{name}: {done.returncode} {done.stdout[:200]!r} {done.stderr!r}")
    assert failures == [], "\n".join(failures)
    assert _listing(workdir) == before  # nothing created, nothing replaced
    assert (workdir / "good.jsonl").read_text() == '{"a good": "export"}\n'
    assert "Usage: bitext [OPTIONS] COMMAND" in results["-h"].stdout
    assert "--allow-empty" in results["export -h"].stdout
    # the stats' labels are in words (issue 28)
    assert re.search(
        r"│ article pairs \(a translation with its original\) +│ +2 │",
        results["stats, BITEXT_DATA_DIR"].stdout,
    )


def test_export_with_allow_empty_writes_the_empty_file(workdir: Path, tmp_path: Path) -> None:
    out = tmp_path / "empty.tmx"
    store = str(workdir / "nopairs" / "corpus.sqlite")
    args = ["export", "--store", store, "--format", "tmx", "-o", str(out), "--allow-empty"]
    case = Case(args, 0, "")
    done = _run(case, workdir)
    assert done.returncode == 0, done.stderr
    assert "0 segment pairs written" in done.stdout and out.read_text().count("<tu>") == 0


def test_the_bitext_script_is_the_same_program(workdir: Path) -> None:
    script = Path(sys.executable).with_name("bitext")
    if not script.exists():
        pytest.skip("no bitext console script beside this Python")
    done = subprocess.run(
        [str(script), "stats", "--data-dir", "dta"],
        cwd=workdir, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (2, _missing("dta") + "\n")
    assert not (workdir / "dta").exists()


def test_an_unexpected_failure_is_one_line_without_debug(workdir: Path) -> None:
    """A bug, not a mistake: still one line, naming --debug, and exit status 1."""
    script = (
        "import sys\n"
        "from pipeline import cli\n"
        "@cli.app.command('boom')\n"
        "def boom() -> None:\n"
        "    raise KeyError('the bug')\n"
        "cli.app(sys.argv[1:])\n"
    )
    for extra, traceback in (([], False), (["--debug"], True)):
        done = subprocess.run(
            [sys.executable, "-c", script, "boom", *extra],
            capture_output=True, text=True, timeout=120, cwd=workdir,
        )  # fmt: skip
        assert done.returncode == 1
        assert done.stderr.endswith(
            "error: unexpected KeyError: 'the bug' (run again with --debug for details)\n"
        )
        assert ("Traceback" in done.stderr) is traceback
        assert len(done.stderr.splitlines()) == 1 or traceback
