"""The command line as a newcomer meets it (issue 28): every option and argument of every
command says what it is for, short options have long forms, on/off options come in pairs,
choices are listed; language codes are checked (with the code meant), files given the wrong
way round are pointed out, and `translate --from/--to` translates that direction only.

Help is read through typer's own introspection (the click command `bitext` runs); the rest
runs real `bitext` processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pipeline.cli import app
from pipeline.cli.app import build_command
from pipeline.language_tags import LanguageRefused, language_code, suggest_language
from pipeline.store import open_store
from tests.test_exports import AR_PARAGRAPHS, EN_PARAGRAPHS, make_pair

REPO = Path(__file__).resolve().parents[1]
BITEXT = [sys.executable, "-m", "pipeline.cli"]
# typer's own options, and the global ones that are switches by nature
NOT_PAIRED = {"--help", "--version", "--debug", "--install-completion", "--show-completion"}


def _commands(command: Any, path: str = "bitext") -> list[tuple[str, Any]]:
    found = [(path, command)]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        found += _commands(sub, f"{path} {name}")
    return found


COMMANDS = _commands(build_command(app))


def test_the_commands_are_all_there() -> None:
    names = {path for path, _ in COMMANDS}
    for expected in ("bitext crawl", "bitext extract", "bitext translate", "bitext align",
                     "bitext align-files", "bitext export", "bitext report", "bitext stats",
                     "bitext review import", "bitext models check"):  # fmt: skip
        assert expected in names


@pytest.mark.parametrize("path,command", COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_option_and_argument_says_what_it_is_for(path: str, command: Any) -> None:
    assert (command.help or "").strip(), f"{path} has no help"
    for param in command.params:
        assert (getattr(param, "help", None) or "").strip(), f"{path} {param.name}: no help"
        short = [o for o in param.opts if not o.startswith("--")]
        if short and param.param_type_name == "option":
            assert any(o.startswith("--") for o in param.opts), f"{path} {short}: no long form"
        if getattr(param, "is_bool_flag", False) and not NOT_PAIRED & set(param.opts):
            assert param.secondary_opts, f"{path} {param.opts}: not an on/off pair"


def _help(*args: str) -> str:
    result = subprocess.run(
        [*BITEXT, *args, "--help"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_help_lists_choices_and_ranges_without_type_noise() -> None:
    export = _help("export")
    assert "<jsonl|tmx|moses|xliff>" in export
    assert "--min-score SCORE" in export and "0.0<=x<=1.0" in export
    assert "-o, --output FILE" in export
    assert "--skip-flagged / --keep-flagged" in export
    assert "<bool>" not in export and "<bool>" not in _help("align-files")
    assert "--src-lang CODE" in _help("align-files")
    assert "FROM" in _help("models", "check") and "TO" in _help("models", "check")


@pytest.mark.parametrize(
    "given,code",
    [("ar", "ar"), ("AR", "ar"), ("ar-SY", "ar"), ("ar_SY", "ar"), ("ara", "ar"),
     ("zh-Hans", "zh"), ("eng", "en")],
)  # fmt: skip
def test_bcp47_tags_come_down_to_their_language(given: str, code: str) -> None:
    assert language_code(given) == code


@pytest.mark.parametrize(
    "given,meant",
    [("arabic", "ar"), ("Arabic", "ar"), ("english", "en"), ("Deutsch", "de"),
     ("العربية", "ar"), ("englsh", "en"), ("ra", "ar"), ("chinese", "zh")],
)  # fmt: skip
def test_a_language_name_or_typo_is_refused_with_the_code_meant(given: str, meant: str) -> None:
    with pytest.raises(LanguageRefused, match=f"did you mean {meant}\\?$"):
        language_code(given)
    assert suggest_language(given) == meant


@pytest.mark.parametrize("given", ["und", "x-default", "xx", "", "en-"])
def test_what_names_no_language_is_refused(given: str) -> None:
    with pytest.raises(LanguageRefused):
        language_code(given)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("usability")
    corpus = open_store(root / "data" / "corpus.sqlite")
    corpus.save_pair(make_pair("one", AR_PARAGRAPHS, EN_PARAGRAPHS))
    corpus.close()
    (root / "en.txt").write_text("The first sentence.\nThe second one.\n", encoding="utf-8")
    (root / "zh.txt").write_text("第一句话在这里。\n第二句紧随其后。\n", encoding="utf-8")
    return root


def _bitext(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BITEXT_")}
    env["ARGOS_PACKAGES_DIR"] = str(root / "no-packages")
    env["COLUMNS"] = "400"  # one notice, one line
    return subprocess.run(
        [*BITEXT, *args], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )


def test_files_given_the_wrong_way_round_are_pointed_out(workdir: Path) -> None:
    swapped = _bitext(workdir, "align-files", "en.txt", "zh.txt", "--src-lang", "zh",
                      "--tgt-lang", "en", "-o", "beads.jsonl")  # fmt: skip
    assert swapped.returncode == 0, swapped.stderr  # a warning, not a refusal
    assert (
        "warning: the two files look swapped: the source is in Latin script and the target in "
        "Chinese characters, but --src-lang is zh and --tgt-lang en" in swapped.stderr
    )
    right = _bitext(workdir, "align-files", "zh.txt", "en.txt", "--src-lang", "zh",
                    "--tgt-lang", "en", "-o", "beads.jsonl")  # fmt: skip
    assert right.returncode == 0 and "warning" not in right.stderr
    wrong = _bitext(workdir, "align-files", "zh.txt", "zh.txt", "--src-lang", "zh",
                    "--tgt-lang", "en", "-o", "beads.jsonl")  # fmt: skip
    assert "the target file is in Chinese characters, which en is not written in" in wrong.stderr


def test_translate_from_to_takes_that_direction_only(workdir: Path) -> None:
    """No package is installed: the one direction asked for is pending, said once, and the
    command fails; the other direction the store needs is not touched."""
    done = _bitext(workdir, "translate", "--data-dir", "data", "--from", "ar", "--to", "en")
    assert done.returncode == 1
    assert "translation pending for" in done.stderr and " ar sentences" in done.stderr
    assert " en sentences" not in done.stderr
    assert done.stderr.rstrip().endswith(
        "error: nothing translated: no installed package serves ar->en"
    )
    both = _bitext(workdir, "translate", "--data-dir", "data")  # no filter: both, pending is ok
    assert both.returncode == 0
    assert " ar sentences" in both.stderr and " en sentences" in both.stderr


def test_the_cli_reference_page_is_current() -> None:
    """docs/cli.md is generated from the commands (python -m pipeline.cli.reference)."""
    from pipeline.cli.reference import markdown

    page = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert page == markdown(), "stale: python -m pipeline.cli.reference > docs/cli.md"
    assert "<bool>" not in page and "<str>" not in page and "{SRC}" not in page
