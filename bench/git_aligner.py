"""The aligner as it was at a git commit, loaded beside today's for a comparison in one run."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType


def load_aligner(repo: Path, commit: str, name: str) -> ModuleType | None:
    """The aligner at `commit` as module `name` (None where git or the commit is missing): the
    one file `pipeline/align.py` up to align-8, the package `pipeline/align/` since (loaded as
    the package `name`, its own imports of `pipeline.align` pointed at it; the rest of `pipeline`
    is the working tree's, so a commit whose aligner needs another `pipeline` does not load)."""

    def git(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, timeout=30)

    try:
        listed = git("ls-tree", "--name-only", f"{commit}:pipeline/align/")
        files = [f for f in listed.stdout.decode().split() if f.endswith(".py")]
        if listed.returncode != 0 or not files:
            files = []
            if git("cat-file", "-e", f"{commit}:pipeline/align.py").returncode != 0:
                return None
    except (OSError, subprocess.SubprocessError):
        return None
    folder = Path(tempfile.mkdtemp(prefix="bench-align-old-"))
    if files:  # the package: each module, its imports of pipeline.align renamed
        package = folder / name
        package.mkdir()
        for file in files:
            text = git("show", f"{commit}:pipeline/align/{file}").stdout.decode("utf-8")
            (package / file).write_text(
                re.sub(r"\bpipeline\.align\b", name, text), encoding="utf-8"
            )
        spec = importlib.util.spec_from_file_location(
            name, package / "__init__.py", submodule_search_locations=[str(package)]
        )
    else:
        path = folder / f"{name}.py"
        path.write_bytes(git("show", f"{commit}:pipeline/align.py").stdout)
        spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
