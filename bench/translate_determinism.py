"""Is a sentence's translation the same alone as in a batch, on every CPU? Measured, zh->en.

    python bench/translate_determinism.py [--sentences 200] [--cpus all] [--compute-types ...]
        [--strategies alone,padded,by_length] [--threads 0] [--repeat 1]

CTranslate2 on CPU is not batch-invariant in general: a batch pads its sentences to the
longest, which changes the shapes of the attention's float matrix products (and so the order
their sums are taken in), and the GEMM libraries pick kernels (and thread splits) by shape and
by CPU. So each configuration runs in a fresh process (CTranslate2, oneDNN and MKL read their
dispatch settings once, at load) under an emulated CPU:

- CTranslate2's own kernels: `CT2_FORCE_CPU_ISA` (GENERIC, AVX, AVX2, AVX512);
- the GEMM library: oneDNN (CTranslate2's choice on AMD and other non-Intel CPUs) limited by
  `ONEDNN_MAX_CPU_ISA`, or Intel MKL (its choice on Intel CPUs; `CT2_USE_MKL=1`) on the branch
  `MKL_CBWR` names (and `MKL_CBWR=...,STRICT`: MKL's strict numerical reproducibility). Off
  Intel CPUs MKL's int8 path is about 30x slower (an AMD EPYC: 55 s of CPU for 4 sentences
  against oneDNN's 1.8 s): there, run the MKL rows with `--compute-types float32`.

In each process the real Argos package translates the sentences (first N lines of NTREX
docs.zh) with argostranslate's decoding options, by each strategy:

- `alone`: one `translate_batch` call per sentence (what argostranslate's `translate()` does
  with a one-sentence text; the first 12 are also checked against argostranslate's own
  `apply_packaged_translation`, its downloading splitter bypassed);
- `padded`: every sentence in one call, CTranslate2 sorting them and cutting batches of 32
  (the engine before this change: sentences padded to their batch's longest);
- `by_length`: sentences grouped by their exact token count, batches of 32 within a group
  (no padding anywhere: every sentence in a batch has the same shape).

It prints, per configuration, how many sentences come out identical to `alone`, sentences/s
(wall) and CPU seconds; then how many `alone` outputs agree across the emulated CPUs. The
machine may be shared: configurations are interleaved, and CPU time is printed beside wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PACKAGE = REPO.parent / "shared" / "models" / "translate-zh_en.argosmodel"
ZH = REPO.parent / "shared" / "data" / "ntrex-en-ar" / "docs.zh"
# more real Chinese for pools past NTREX's 603 lines: the six MAC-Dev novel chapters
MORE_ZH = sorted((REPO.parent / "shared" / "data" / "align-dev" / "mac-dev" / "zh").glob("00?"))
BATCH = 32

# Emulated CPUs: (CTranslate2 ISA, GEMM library settings). "native" leaves everything to
# detection (on this AMD EPYC: CTranslate2 AVX2, oneDNN AVX-512 with VNNI and bf16).
CPUS: dict[str, dict[str, str]] = {
    "native": {},
    "amd-avx512 (oneDNN avx512)": {
        "CT2_FORCE_CPU_ISA": "AVX512",
        "ONEDNN_MAX_CPU_ISA": "AVX512_CORE",
    },
    "amd-avx2 (oneDNN avx2)": {"CT2_FORCE_CPU_ISA": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"},
    "old-avx (oneDNN avx)": {"CT2_FORCE_CPU_ISA": "AVX", "ONEDNN_MAX_CPU_ISA": "AVX"},
    "generic (oneDNN sse41)": {"CT2_FORCE_CPU_ISA": "GENERIC", "ONEDNN_MAX_CPU_ISA": "SSE41"},
    "ct2-generic (oneDNN native)": {"CT2_FORCE_CPU_ISA": "GENERIC"},
    "intel-avx512 (MKL)": {"CT2_FORCE_CPU_ISA": "AVX512", "CT2_USE_MKL": "1", "MKL_CBWR": "AVX512"},
    "intel-avx2 (MKL)": {"CT2_FORCE_CPU_ISA": "AVX2", "CT2_USE_MKL": "1", "MKL_CBWR": "AVX2"},
    "intel-avx2 (MKL strict)": {
        "CT2_FORCE_CPU_ISA": "AVX2",
        "CT2_USE_MKL": "1",
        "MKL_CBWR": "AVX2,STRICT",
    },
    "intel-generic (MKL compatible)": {
        "CT2_FORCE_CPU_ISA": "GENERIC",
        "CT2_USE_MKL": "1",
        "MKL_CBWR": "COMPATIBLE",
    },
}
EMULATION_VARS = sorted(
    {k for env in CPUS.values() for k in env} | {"CT2_USE_EXPERIMENTAL_PACKED_GEMM"}
)


# -- worker: one configuration, in a process of its own -----------------------------------


def by_length_batches(tokens: list[list[str]], size: int) -> list[list[int]]:
    """Indices grouped by exact token count, cut into batches of `size`."""
    groups: dict[int, list[int]] = defaultdict(list)
    for i, t in enumerate(tokens):
        groups[len(t)].append(i)
    return [g[k : k + size] for _, g in sorted(groups.items()) for k in range(0, len(g), size)]


def worker(config: dict) -> dict:
    import ctranslate2
    import sentencepiece

    package = Path(config["package"])
    tokenizer = sentencepiece.SentencePieceProcessor(
        model_file=str(package / "sentencepiece.model")
    )
    translator = ctranslate2.Translator(
        str(package / "model"),
        device="cpu",
        compute_type=config["compute_type"],
        inter_threads=1,
        intra_threads=config["threads"],
    )
    sentences = config["sentences"]
    tokens = [tokenizer.encode(s, out_type=str) for s in sentences]
    options = dict(replace_unknowns=True, beam_size=4, num_hypotheses=1, length_penalty=0.2)

    def decode(pieces: list[str]) -> str:
        value = tokenizer.decode_pieces(pieces).replace("▁", " ").replace("_", " ")
        return value[1:] if value.startswith(" ") else value

    def run_pool(strategy: str, pool: list[list[str]]) -> list[str]:
        out = [""] * len(pool)
        if strategy == "alone":
            for i, t in enumerate(pool):
                out[i] = decode(translator.translate_batch([t], **options)[0].hypotheses[0])
        elif strategy == "padded":
            results = translator.translate_batch(pool, max_batch_size=BATCH, **options)
            out = [decode(r.hypotheses[0]) for r in results]
        elif strategy == "by_length":
            for batch in by_length_batches(pool, BATCH):
                results = translator.translate_batch([pool[i] for i in batch], **options)
                for i, r in zip(batch, results, strict=True):
                    out[i] = decode(r.hypotheses[0])
        else:
            raise ValueError(strategy)
        return out

    def run(strategy: str) -> list[str]:
        # the sentences in pools of `pool` (one engine call each: an article, a worker's claim)
        size = config.get("pool") or len(tokens)
        out: list[str] = []
        for start in range(0, len(tokens), size):
            out += run_pool(strategy, tokens[start : start + size])
        return out

    translator.translate_batch(tokens[:2], **options)  # warm up outside the timing
    result: dict = {"compute_type": translator.compute_type, "runs": {}}
    for strategy in config["strategies"]:
        wall, cpu = time.perf_counter(), time.process_time()
        outputs = run(strategy)
        result["runs"][strategy] = {
            "outputs": outputs,
            "wall": time.perf_counter() - wall,
            "cpu": time.process_time() - cpu,
        }
    if config.get("argos"):
        import argostranslate.package
        import argostranslate.translate

        class WholeInput:  # argostranslate's Stanza splitter downloads at run time: bypassed
            def split_sentences(self, text: str) -> list[str]:
                return [text]

        argos_package = argostranslate.package.Package(package)
        result["argos"] = [
            argostranslate.translate.apply_packaged_translation(
                argos_package, s, translator, WholeInput(), 1
            )[0].value
            for s in sentences[: config["argos"]]
        ]
    return result


# -- driver ----------------------------------------------------------------------------------


def run_config(cpu: str, config: dict, timeout: float) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in EMULATION_VARS}
    env.update(CPUS[cpu])
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(config, f)
    try:
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", f.name],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout:.0f} s"}
    finally:
        os.unlink(f.name)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]}
    return json.loads(proc.stdout.splitlines()[-1])


def key(cpu: str, compute_type: str, n: int, threads: int, pool: int = 0) -> str:
    return f"{cpu}|{compute_type}|{n}|{threads}" + (f"|pool {pool}" if pool else "")


def report(
    records: dict[str, list[dict]],
    cpus: list[str],
    compute_types: list[str],
    strategies: list[str],
    n: int,
    threads: int,
    pool: int = 0,
) -> None:
    print(
        f"\n{n} sentences of NTREX docs.zh, zh->en, beam 4, batches of {BATCH}, "
        f"intra_threads={threads}, {os.cpu_count()} CPUs (shared machine)"
        + (f", pools of {pool} sentences a call" if pool else ", all in one call")
        + "\n"
    )
    header = "| emulated CPU | compute type (selected) |"
    rule = "|---|---|"
    for s in strategies:
        header += f" {s}: = alone | {s}: sent/s, CPU s |"
        rule += "---:|---:|"
    header += " alone = argos |"
    rule += "---:|"
    print(header)
    print(rule)
    for compute_type in compute_types:
        for cpu in cpus:
            rounds = records.get(key(cpu, compute_type, n, threads, pool), [])
            if not rounds:
                continue
            if "error" in rounds[0]:
                print(f"| {cpu} | {compute_type} | {rounds[0]['error']} |")
                continue
            first = rounds[0]
            row = f"| {cpu} | {compute_type} ({first['compute_type']}) |"
            alone = first["runs"].get("alone", {}).get("outputs")
            for s in strategies:
                if s not in first["runs"]:
                    row += " - | - |"
                    continue
                outs = first["runs"][s]["outputs"]
                same = sum(a == b for a, b in zip(outs, alone, strict=True)) if alone else "-"
                # every round's output must be the same: a repeat that differs is nondeterminism
                stable = all(r["runs"][s]["outputs"] == outs for r in rounds)
                wall = min(r["runs"][s]["wall"] for r in rounds)
                cpu_s = min(r["runs"][s]["cpu"] for r in rounds)
                row += f" {same}/{n}{'' if stable else ' (varies)'} | {n / wall:.1f}, {cpu_s:.0f} |"
            argos = first.get("argos")
            if alone and argos:
                row += f" {sum(a == b for a, b in zip(argos, alone, strict=False))}/{len(argos)} |"
            else:
                row += " - |"
            print(row)
    print("\nSame `alone` output across the emulated CPUs (per compute type):")
    for compute_type in compute_types:
        outs = {}
        for cpu in cpus:
            rounds = records.get(key(cpu, compute_type, n, threads, pool), [])
            if rounds and "error" not in rounds[0] and "alone" in rounds[0]["runs"]:
                outs[cpu] = rounds[0]["runs"]["alone"]["outputs"]
        if len(outs) > 1:
            same_all = sum(len({o[i] for o in outs.values()}) == 1 for i in range(n))
            print(f"- {compute_type}: {same_all}/{n} sentences identical on all {len(outs)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--sentences", type=int, default=200)
    parser.add_argument("--cpus", default="all", help="comma-separated names, or all")
    parser.add_argument("--compute-types", default="int8_float32,int8,float32")
    parser.add_argument("--strategies", default="alone,padded,by_length")
    parser.add_argument("--threads", type=int, default=0, help="intra_threads (0: CT2 picks)")
    parser.add_argument("--pool", type=int, default=0, help="sentences per call (0: all)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds, interleaved")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per configuration")
    parser.add_argument(
        "--results",
        type=Path,
        default=Path(tempfile.gettempdir()) / "translate_determinism.jsonl",
        help="every configuration's outputs, one JSON line each; a rerun adds rounds to it",
    )
    parser.add_argument("--report-only", action="store_true", help="print from --results")
    args = parser.parse_args()
    if args.worker:
        config = json.loads(Path(args.worker).read_text(encoding="utf-8"))
        print(json.dumps(worker(config)))
        return
    cpus = list(CPUS) if args.cpus == "all" else args.cpus.split(",")
    compute_types = args.compute_types.split(",")
    strategies = args.strategies.split(",")
    n = args.sentences
    if not args.report_only:
        if not PACKAGE.exists():
            raise SystemExit(f"needs {PACKAGE} (../shared)")
        from pipeline.argos import install_package

        info = install_package(PACKAGE, Path(tempfile.mkdtemp(prefix="bench-determinism-")))
        assert info.path is not None
        lines = ZH.read_text(encoding="utf-8").splitlines()
        lines += [line for f in MORE_ZH for line in f.read_text(encoding="utf-8").splitlines()]
        sentences = [s.strip() for s in lines if s.strip()][:n]
        for _ in range(args.repeat):
            for compute_type in compute_types:
                for cpu in cpus:  # interleaved: a load change hits every configuration alike
                    config = {
                        "package": str(info.path),
                        "compute_type": compute_type,
                        "threads": args.threads,
                        "sentences": sentences,
                        "strategies": strategies,
                        "pool": args.pool,
                        "argos": min(12, n) if "alone" in strategies else 0,
                    }
                    result = run_config(cpu, config, args.timeout)
                    with args.results.open("a", encoding="utf-8") as out:
                        name = key(cpu, compute_type, n, args.threads, args.pool)
                        record = {"key": name, **result}
                        out.write(json.dumps(record, ensure_ascii=False) + "\n")
                    print(f"  done: {cpu} / {compute_type}", file=sys.stderr, flush=True)
    records: dict[str, list[dict]] = defaultdict(list)
    if args.results.exists():
        for line in args.results.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            records[record.pop("key")].append(record)
    report(records, cpus, compute_types, strategies, n, args.threads, args.pool)


if __name__ == "__main__":
    main()
