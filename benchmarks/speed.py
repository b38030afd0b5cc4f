"""How fast is `selectcheck validate` (schema and every rule) next to check-jsonschema (the
schema only) and next to the parse-only floor (reading the same files with PyYAML's C
loader), on the same generated records, run alternately in one process tree?

    python benchmarks/speed.py                 # 1,000 records, 5 alternating rounds
    python benchmarks/speed.py --scale         # also 10,000 records, and 100,000 for memory

Prints medians and ratios, and the machine it ran on. The targets (issue 18): one record ≤ 0.6 ×
check-jsonschema, shown next to `python -c pass` and a bare `import yaml, pydantic, click`;
1,000 records ≤ 0.15 × check-jsonschema; 10,000 records linear (≤ 11 × the time at 1,000);
`--jobs 2` on 10,000 records ≤ 0.6 × one process on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_records import generate

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "schemas" / "record.schema.json"
PARSE_FLOOR = (
    "import sys, yaml\n"
    "for name in sys.argv[1:]:\n"
    "    with open(name, 'rb') as handle:\n"
    "        yaml.load(handle.read(), Loader=yaml.CSafeLoader)\n"
)


def _bin(name: str) -> str:
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} is not installed (pip install -e '.[test]')")
    return found


# Installed packages (check-jsonschema's) were byte-compiled by pip; an editable install of
# selectcheck is compiled on first import, unless PYTHONDONTWRITEBYTECODE forbids it. Allow
# it, and run every tool once before timing, so all of them run from bytecode as users do.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_once(argv: Sequence[str], cwd: Path) -> tuple[float, int, int, float]:
    """(wall seconds, exit code, peak RSS in KiB, CPU seconds) of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=CHILD_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.stderr is not None:
        process.stderr.read()
        process.stderr.close()
    return elapsed, process.returncode, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


FLOORS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "import yaml, pydantic, click": [sys.executable, "-c", "import yaml, pydantic, click"],
}


def commands(project: Path, files: list[str], floors: bool = False) -> dict[str, list[str]]:
    return {
        "selectcheck": [_bin("selectcheck"), "validate", "--format", "json", *files],
        "check-jsonschema": [_bin("check-jsonschema"), "--schemafile", str(SCHEMA), *files],
        "parse floor": [sys.executable, "-c", PARSE_FLOOR, *files],
        **(FLOORS if floors else {}),
    }


def measure(
    project: Path, files: list[str], rounds: int, floors: bool = False
) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall and median CPU seconds per tool. This machine is a shared VM whose wall
    times drift between rounds; CPU time (user + system) is the steadier comparison."""
    timings: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for argv in commands(project, files, floors).values():
        run_once(argv, project)  # warm-up: bytecode and OS file cache
    for round_index in range(rounds):
        items = list(commands(project, files, floors).items())
        if round_index % 2:
            items.reverse()  # alternate the order so neither tool always runs warm
        for name, argv in items:
            elapsed, code, _, cpu_seconds = run_once(argv, project)
            if name == "selectcheck" and code not in (0, 1):
                raise SystemExit(f"selectcheck exited {code}")
            timings.setdefault(name, []).append(elapsed)
            cpu.setdefault(name, []).append(cpu_seconds)
    return (
        {name: statistics.median(values) for name, values in timings.items()},
        {name: statistics.median(values) for name, values in cpu.items()},
    )


def table(title: str, wall: dict[str, float], cpu: dict[str, float]) -> None:
    print(f"\n{title}\n")
    print("| tool | wall s | selectcheck ÷ tool (wall) | CPU s | selectcheck ÷ tool (CPU) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name in wall:
        print(
            f"| {name} | {wall[name]:.3f} | {wall['selectcheck'] / wall[name]:.2f} "
            f"| {cpu[name]:.3f} | {cpu['selectcheck'] / cpu[name]:.2f} |"
        )


def project_with(count: int, root: Path) -> tuple[Path, list[str]]:
    project = root / f"project-{count}"
    paths = generate(count, project / "records")
    return project, [str(p.relative_to(project)) for p in paths]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="records in the main comparison")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (median reported)")
    parser.add_argument("--scale", action="store_true", help="also time 10× records and measure 100× memory")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)

    results: dict[str, object] = {"machine": machine(), "n": args.n, "rounds": args.rounds}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        project, files = project_with(args.n, root)
        many, many_cpu = measure(project, files, args.rounds)
        one_project, one_file = project_with(1, root)
        one, one_cpu = measure(one_project, one_file, args.rounds, floors=True)
        results["many"] = many
        results["one"] = one
        results["many_cpu"] = many_cpu
        results["one_cpu"] = one_cpu

        print(f"machine: {results['machine']}")
        table(f"{args.n:,} records, median of {args.rounds} alternating rounds:", many, many_cpu)
        table(f"1 record, median of {args.rounds} alternating rounds:", one, one_cpu)

        if args.scale:
            # Linearity in one process (the default --jobs would compare 10× the files in one
            # mode with the smaller run in another): the same command at both sizes.
            validate_all = [_bin("selectcheck"), "validate", "--jobs", "1", "--format", "json", "records"]
            small_runs = [run_once(validate_all, project) for _ in range(max(1, args.rounds // 2))]
            small = statistics.median(run[0] for run in small_runs)
            peak_small = small_runs[0][2]
            big_project, _ = project_with(args.n * 10, root)
            big_runs = [run_once(validate_all, big_project) for _ in range(max(1, args.rounds // 2))]
            big = statistics.median(run[0] for run in big_runs)
            ratio = big / small
            results["scale"] = {
                "n": args.n * 10,
                "seconds": big,
                "seconds_at_n": small,
                "ratio": ratio,
                "peak_rss_mib": big_runs[0][2] / 1024,
            }
            print(f"\n--jobs 1: {args.n * 10:,} records in {big:.2f} s = {ratio:.1f} × the {small:.2f} s at {args.n:,}")
            single = [_bin("selectcheck"), "validate", "--jobs", "1", "--format", "json", "records"]
            double = [_bin("selectcheck"), "validate", "--jobs", "2", "--format", "json", "records"]
            pairs = []
            for round_index in range(max(1, args.rounds // 2)):
                order = (single, double) if round_index % 2 == 0 else (double, single)
                times = {tuple(argv): run_once(argv, big_project)[0] for argv in order}
                pairs.append((times[tuple(single)], times[tuple(double)]))
            one_job = statistics.median(a for a, _ in pairs)
            two_jobs = statistics.median(b for _, b in pairs)
            results["jobs"] = {"n": args.n * 10, "one": one_job, "two": two_jobs, "ratio": two_jobs / one_job}
            print(
                f"{args.n * 10:,} records, --jobs 2: {two_jobs:.2f} s against {one_job:.2f} s with --jobs 1 "
                f"= {two_jobs / one_job:.2f} ×"
            )
            shutil.rmtree(big_project)
            huge_project, _ = project_with(args.n * 100, root)
            elapsed, code, peak, _ = run_once(validate_all, huge_project)
            results["huge"] = {"n": args.n * 100, "seconds": elapsed, "peak_rss_mib": peak / 1024, "exit": code}
            print(f"{args.n * 100:,} records: {elapsed:.1f} s")
            print("\npeak memory (RSS) of `selectcheck validate records`:\n")
            print("| records | peak MiB |\n| ---: | ---: |")
            print(f"| {args.n:,} | {peak_small / 1024:.0f} |")
            print(f"| {args.n * 10:,} | {big_runs[0][2] / 1024:.0f} |")
            print(f"| {args.n * 100:,} | {peak / 1024:.0f} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
