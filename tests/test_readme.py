"""The README as a newcomer reads it (issue 28): short, the two commands first, a glossary, and
links that lead somewhere."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_the_readme_is_short_and_starts_with_the_two_commands() -> None:
    assert len(README.splitlines()) < 150
    first_block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands == ["make demo", "make test"]


def test_the_glossary_defines_the_words_the_tool_uses() -> None:
    glossary = README.split("## Glossary", 1)[1].split("\n## ", 1)[0]
    for word in ("Pair", "Version", "Bead", "Flag", "Mode"):
        assert f"- **{word}**" in glossary, word


def test_the_reference_pages_and_the_picture_exist() -> None:
    reference = README.split("## Reference", 1)[1].split("\n## ", 1)[0]
    pages = re.findall(r"\]\((docs/[^)]+)\)", reference)
    assert len(pages) >= 10
    for page in [*pages, *re.findall(r"!\[[^]]*\]\(([^)]+)\)", README)]:
        assert (REPO / page).is_file(), page
