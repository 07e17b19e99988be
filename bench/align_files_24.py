"""Issue 23's held-out size as a user runs it: `bitext align-files` over MAC-Dev's six chapters
four times (24 chapters, one file a side, `--doc-separator`), with the supplied Google MT, the
real zh->en package installed (so the model rescores) and without it, and with no MT at all;
wall and CPU time (the CLI process and its children) and strict F1 against the gold.
A tree given with --other (e.g. a worktree of main) runs the same commands in the same run.

    python bench/align_files_24.py [--other /path/to/main]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import align as bench

REPO = Path(__file__).resolve().parent.parent
SEPARATOR = "@@DOC@@"


def write_inputs(folder: Path) -> tuple[Path, Path, Path, list]:
    mac = bench.mac_dev()
    if mac is None:
        raise SystemExit("../shared/data/align-dev/mac-dev not here")
    with_mt, _, golds = mac
    docs, golds = with_mt * 4, golds * 4
    files = []
    for name, side in (("src.txt", "src"), ("tgt.txt", "tgt"), ("mt.txt", "src_mt")):
        text = f"\n{SEPARATOR}\n".join("\n".join(getattr(d, side)) for d in docs) + "\n"
        (folder / name).write_text(text, encoding="utf-8")
        files.append(folder / name)
    return files[0], files[1], files[2], golds


def run(tree: Path, args: list[str], env: dict[str, str], out: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "align-files", *args, "-o", str(out)],
        cwd=tree, env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(result.stderr[-2000:])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


class _Bead:
    def __init__(self, line: dict) -> None:
        self.src, self.tgt, self.flags = line["src"], line["tgt"], line["flags"]


def scores(out: Path, golds: list) -> tuple[float, int, int]:
    """Strict F1 and (omitted/added flags right, flags) against the gold."""
    per_doc: dict[int, list[_Bead]] = {}
    for line in out.read_text(encoding="utf-8").splitlines():
        bead = json.loads(line)
        per_doc.setdefault(bead.get("doc", 0), []).append(_Bead(bead))
    sums, right, flagged = [0] * 8, 0, 0
    for k, gold in enumerate(golds):
        beads = per_doc.get(k, [])
        pairs = [(tuple(b.src), tuple(b.tgt)) for b in beads]
        for i, v in enumerate(bench.bleualign_counts(pairs, gold)):
            sums[i] += v
        r, n = bench.null_flag_counts(beads, gold)
        right, flagged = right + r, flagged + n
    f1 = bench.f1(sums[0] / max(sums[0] + sums[1], 1), sums[4] / max(sums[4] + sums[5], 1))
    return f1, right, flagged


def main() -> None:
    from pipeline.argos import install_package

    trees = [("this tree", REPO)]
    if "--other" in sys.argv:
        trees.append(("other", Path(sys.argv[sys.argv.index("--other") + 1]).resolve()))
    work = Path(tempfile.mkdtemp(prefix="align-files-24-"))
    src, tgt, mt, golds = write_inputs(work)
    packages, empty = work / "packages", work / "none"
    empty.mkdir()
    install_package(bench.PACKAGE, packages)
    common = [str(src), str(tgt), "--src-lang", "zh", "--tgt-lang", "en",
              "--doc-separator", SEPARATOR]  # fmt: skip
    cases = [
        ("Google MT, zh->en package installed", ["--translation", str(mt)], packages),
        ("Google MT, no package", ["--translation", str(mt)], empty),
        ("no MT, no package", [], empty),
    ]
    print("| tree | 24 chapters | strict F1 | flags right (n) | wall s | CPU s |\n"
          "|---|---|---:|---:|---:|---:|")  # fmt: skip
    for label, extra, folder in cases:
        for name, tree in trees:
            env = {**os.environ, "ARGOS_PACKAGES_DIR": str(folder), "PYTHONPATH": str(tree)}
            out = work / f"{name}-{len(extra)}-{folder.name}.jsonl"
            wall, cpu = run(tree, common + extra, env, out)
            f1, right, flagged = scores(out, golds)
            print(f"| {name} | {label} | {f1:.4f} | {right} ({flagged}) | {wall:.1f} | {cpu:.1f} |",
                  flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
