"""Start-up of the `bitext` command (issue 28): `bitext --help` and `bitext extract PAGE` for one
page, this checkout against a baseline checkout (by default `main`, unpacked by `git archive`
to a temporary folder), beside the bare interpreter and plain trafilatura on the same page.

    python bench/cli_startup.py [--rounds 15] [--baseline-ref main] [--page PATH]

Each command is a fresh process (`python -m pipeline.cli ...`, run from the checkout's root so
that its `pipeline` package is the one imported); the systems alternate round by round, after
one warm-up round. Time: CPU (user + sys of the child, from getrusage) and wall, medians. CPU
time is the number to compare on a loaded machine; wall time is what a user waits.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAGE = (
    REPO
    / "data/sample_site/www/en/archives/2024/03/death-toll-from-indonesia-tsunami-rises-to-832"
    / "index.html"
)
PLAIN_TRAFILATURA = (
    "import sys, trafilatura; "
    "trafilatura.extract(open(sys.argv[1], encoding='utf-8').read(), include_comments=False)"
)


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of `command`, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, env=_env(), check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{command} failed: {done.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BITEXT_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # the baseline's folder stays as unpacked
    return env


def baseline_checkout(ref: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "archive", ref], cwd=REPO, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--baseline-ref", default="main")
    parser.add_argument("--page", type=Path, default=PAGE)
    args = parser.parse_args()
    page = str(args.page.resolve())
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        base = baseline_checkout(args.baseline_ref, Path(tmp))
        # compile both trees once, so that neither pays for writing bytecode in the rounds
        for tree in (base, REPO):
            subprocess.run([py, "-m", "compileall", "-q", str(tree / "pipeline")], check=False)
        systems = {
            "python -c pass": ([py, "-c", "pass"], REPO),
            f"bitext --help ({args.baseline_ref})": ([py, "-m", "pipeline.cli", "--help"], base),
            "bitext --help (this)": ([py, "-m", "pipeline.cli", "--help"], REPO),
            "plain trafilatura, 1 page": ([py, "-c", PLAIN_TRAFILATURA, page], REPO),
            f"bitext extract PAGE ({args.baseline_ref})": (
                [py, "-m", "pipeline.cli", "extract", page], base,
            ),
            "bitext extract PAGE (this)": ([py, "-m", "pipeline.cli", "extract", page], REPO),
        }  # fmt: skip
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in systems}
        for round_ in range(args.rounds + 1):
            for name, (command, cwd) in systems.items():
                result = timed(command, cwd)
                if round_:  # the first round warms the caches
                    times[name].append(result)
    print(f"{args.rounds} rounds, medians; machine: {os.cpu_count()} CPUs, load "
          f"{os.getloadavg()[0]:.1f}")  # fmt: skip
    print("| command | CPU s | wall s |")
    print("|---|---:|---:|")
    for name, runs in times.items():
        cpu = statistics.median(c for c, _ in runs)
        wall = statistics.median(w for _, w in runs)
        print(f"| {name} | {cpu:.3f} | {wall:.3f} |")
    cpu_of = {name: statistics.median(c for c, _ in runs) for name, runs in times.items()}
    ref = args.baseline_ref
    print(
        f"\n--help: {cpu_of[f'bitext --help ({ref})'] / cpu_of['bitext --help (this)']:.2f}x "
        f"less CPU than {ref}; extract beyond plain trafilatura: "
        f"{cpu_of[f'bitext extract PAGE ({ref})'] - cpu_of['plain trafilatura, 1 page']:.3f} s "
        f"({ref}), "
        f"{cpu_of['bitext extract PAGE (this)'] - cpu_of['plain trafilatura, 1 page']:.3f} s "
        "(this)"
    )


if __name__ == "__main__":
    main()
