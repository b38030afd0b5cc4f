"""How fast is `selectcheck shortlist` over the whole model catalog on one workload, next to
its floors?

    python benchmarks/shortlist_speed.py              # 9 rounds of the guide's workload
    python benchmarks/shortlist_speed.py --rounds 3 --json out.json

In process, cold caches each round (as a fresh `selectcheck shortlist` run has them):

* `shortlist`: `build_shortlist` over every catalog model: each precision tried from the highest
  quality down, the license verdict, and the bisection for the maximum context;
* `estimator floor`: the bare `estimate_memory` calls the shortlist makes, one per model and
  precision of the ladder and nothing else (no search, no licenses, no fit logic).

As commands, alternately: `selectcheck shortlist … --format json` and `selectcheck --version`
(the start-up floor: the interpreter, click and the command table).

Prints medians and ratios, and the machine it ran on. The target of issue 20: the whole catalog
on one workload in well under a second; here held to 0.25 s in process (the `--budget`), with the
exit status saying whether it was met (0, or 3 when it was not).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed import _bin, machine, run_once

REPO = Path(__file__).resolve().parent.parent
# The support-bot workload of docs/guide.md: one L4, vLLM, 8 conversations of 12,288 tokens.
# Exit status when the in-process shortlist takes longer than --budget (a crash exits 1).
BUDGET_MISSED = 3
FLAGS = ["--gpu", "L4", "--engine", "vllm", "--context", "12288", "--batch", "8", "--task", "support-bot"]


def _cold() -> None:
    """Forget what earlier rounds computed: estimates and license verdicts are memoised per process."""
    from selectcheck.analysis import candidates
    from selectcheck.compute import license_terms

    candidates._ESTIMATES.clear()
    license_terms._VERDICTS.clear()


def _median_seconds(run: Callable[[], Any], rounds: int) -> tuple[float, Any]:
    times = []
    result = None
    for _ in range(rounds):
        _cold()
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def in_process(rounds: int) -> dict[str, Any]:
    from selectcheck.analysis import candidates, shortlist
    from selectcheck.catalog import catalog_for
    from selectcheck.compute.memory import estimate_memory
    from selectcheck.compute.memory.precisions import precisions_by_quality
    from selectcheck.model.record import Workload
    from selectcheck.policy_loader import load_policy

    loaded = load_policy(None, REPO)
    catalog = catalog_for(loaded.catalog_files)
    workload = Workload.model_validate(
        {
            "name": "serving",
            "mode": "inference",
            "engine": "vllm",
            "hardware": {"gpu": "L4"},
            "precision": "bf16",
            "context_length": 12288,
            "batch_size": 8,
        }
    )

    def run_shortlist() -> Any:
        return shortlist.build_shortlist(
            workload, catalog=catalog, policy=loaded.policy, use="commercial", task="support-bot"
        )

    counted = [0]
    original = candidates.remembered_estimate

    def counting(*args: Any) -> Any:
        counted[0] += 1
        return original(*args)

    candidates.remembered_estimate = counting  # type: ignore[assignment]
    try:
        _cold()
        run_shortlist()
    finally:
        candidates.remembered_estimate = original
    estimates = counted[0]

    ladder = precisions_by_quality("inference", "vllm")
    memory = [candidates.memory_workload(workload.model_copy(update={"precision": p})) for p in ladder]
    architectures = [candidates.catalog_architecture(entry)[0] for entry in catalog.models]

    def run_floor() -> int:
        for architecture in architectures:
            for trial in memory:
                estimate_memory(trial, architecture)
        return len(architectures) * len(memory)

    seconds, result = _median_seconds(run_shortlist, rounds)
    floor, floor_calls = _median_seconds(run_floor, rounds)
    return {
        "models": len(result.rows),
        "listed": len(result.listed),
        "estimates": estimates,
        "shortlist_s": seconds,
        "floor_calls": floor_calls,
        "floor_s": floor,
    }


def commands(rounds: int) -> dict[str, float]:
    argv = {
        "selectcheck shortlist": [_bin("selectcheck"), "shortlist", *FLAGS, "--format", "json"],
        "selectcheck --version": [_bin("selectcheck"), "--version"],
    }
    for command in argv.values():
        run_once(command, REPO)  # warm-up: bytecode and OS file cache
    timings: dict[str, list[float]] = {name: [] for name in argv}
    for round_index in range(rounds):
        items = list(argv.items())
        if round_index % 2:
            items.reverse()
        for name, command in items:
            elapsed, code, _, _ = run_once(command, REPO)
            if code != 0:
                raise SystemExit(f"{name} exited {code}")
            timings[name].append(elapsed)
    return {name: statistics.median(values) for name, values in timings.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=9, help="rounds (median reported)")
    parser.add_argument("--budget", type=float, default=0.25, help="seconds the in-process shortlist may take")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)

    inner = in_process(args.rounds)
    outer = commands(args.rounds)
    results = {"machine": machine(), "rounds": args.rounds, "in_process": inner, "commands": outer}
    shortlist_s, floor_s = inner["shortlist_s"], inner["floor_s"]
    print(f"machine: {results['machine']}")
    print(f"workload: selectcheck shortlist {' '.join(FLAGS)}")
    print(f"\nin process, median of {args.rounds} cold rounds:\n")
    per_estimate = shortlist_s / inner["estimates"] * 1e6
    per_floor_call = floor_s / inner["floor_calls"] * 1e6
    print("| what | estimates | seconds | ÷ floor | µs per estimate |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(
        f"| shortlist of {inner['models']} models ({inner['listed']} listed) | {inner['estimates']} "
        f"| {shortlist_s:.4f} | {shortlist_s / floor_s:.1f} | {per_estimate:.0f} |"
    )
    print(
        f"| estimator floor (one per model and precision) | {inner['floor_calls']} | {floor_s:.4f} | 1.0 "
        f"| {per_floor_call:.0f} |"
    )
    print(f"\ncommands, median of {args.rounds} alternating rounds:\n")
    print("| command | wall s | − start-up floor |")
    print("| --- | ---: | ---: |")
    for name, seconds in outer.items():
        print(f"| {name} | {seconds:.3f} | {seconds - outer['selectcheck --version']:.3f} |")
    met = shortlist_s <= args.budget
    results["budget_s"] = args.budget
    results["met"] = met
    verdict = "met" if met else "MISSED"
    print(f"\nbudget: {shortlist_s:.3f} s in process {'≤' if met else '>'} {args.budget} s: {verdict}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0 if met else BUDGET_MISSED


if __name__ == "__main__":
    raise SystemExit(main())
