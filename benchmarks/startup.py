"""Where a one-record `selectcheck validate` spends its start-up: the import tree by package
and the set-up steps, each with its share, next to the floors it cannot go below.

    python benchmarks/startup.py [--record PATH] [--rounds 9]

1. Imports: `python -X importtime -m selectcheck validate RECORD` in a fresh process, summed by
   package (selectcheck's own modules by subpackage; self time, so the rows add up).
2. Set-up steps, timed in one fresh process per round (median): the imports of each layer,
   the policy, the catalogs, the rule registry, the check itself and the text report.
3. Floors, whole processes (median wall): `python -c pass`, a bare `import yaml, pydantic,
   click`, the same with one pydantic model class (what any pydantic-based tool pays), and
   selectcheck itself.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RECORD = REPO / "records" / "0001-code-review-assistant.yaml"

STEPS = """
import sys, time
marks = [("start", time.perf_counter())]
def mark(name):
    marks.append((name, time.perf_counter()))
import click, yaml; mark("click and PyYAML")
from pydantic import BaseModel; mark("pydantic")
import selectcheck.cli; mark("selectcheck.cli")
import selectcheck.diagnostics, selectcheck.loader; mark("loader, diagnostics")
import selectcheck.model.record, selectcheck.model.policy; mark("record and policy models")
import selectcheck.catalog, selectcheck.analysis.context; mark("catalog, analysis context")
import selectcheck.engine, selectcheck.validate_command; mark("engine")
from selectcheck.rules.registry import all_rules; all_rules(); mark("rule registry (every rule module)")
from selectcheck.policy_loader import load_policy; loaded = load_policy(None); mark("policy")
from selectcheck.catalog import catalog_for; catalog_for(loaded.catalog_files); mark("catalogs")
from pathlib import Path
from selectcheck.engine import CheckSession
session = CheckSession(loaded)
report = session.run(session.expand([Path(sys.argv[1])])); mark("check the record")
from selectcheck.reporters.text import render
render(report, lambda text, **_: text); mark("text report")
for (_, before), (name, after) in zip(marks, marks[1:]):
    print(f"{name}\\t{(after - before) * 1000:.2f}")
"""

FLOORS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "import yaml, pydantic, click": [sys.executable, "-c", "import yaml, pydantic, click"],
    "… and one pydantic model": [
        sys.executable,
        "-c",
        "import yaml, click\nfrom pydantic import BaseModel\nclass A(BaseModel):\n    x: int",
    ],
}


def _wall(argv: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def imports(record: Path, cwd: Path) -> list[tuple[str, float]]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "selectcheck", "validate", str(record)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    totals: collections.Counter[str] = collections.Counter()
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if match:
            name = match.group(2)
            parts = name.split(".")
            key = ".".join(parts[:2]) if parts[0] == "selectcheck" else parts[0]
            totals[key] += int(match.group(1))
    return [(name, micros / 1000) for name, micros in totals.most_common()]


def steps(record: Path, cwd: Path, rounds: int) -> list[tuple[str, float]]:
    runs: dict[str, list[float]] = {}
    for _ in range(rounds):
        done = subprocess.run(
            [sys.executable, "-c", STEPS, str(record)], cwd=cwd, capture_output=True, text=True, check=True
        )
        for line in done.stdout.splitlines():
            name, ms = line.split("\t")
            runs.setdefault(name, []).append(float(ms))
    return [(name, statistics.median(values)) for name, values in runs.items()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--record", type=Path, default=RECORD)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        record = cwd / "records" / args.record.name
        record.parent.mkdir()
        record.write_bytes(args.record.read_bytes())
        env_note = f"Python {sys.version.split()[0]}, {os.cpu_count()} cores"
        print(f"one record: {args.record.name}; {env_note}\n")

        rows = imports(record, cwd)
        total = sum(ms for _, ms in rows)
        print(f"imports (self time under -X importtime, {total:.0f} ms in all):\n")
        print("| package | ms | share |\n| --- | ---: | ---: |")
        for name, ms in rows[:20]:
            print(f"| {name} | {ms:.1f} | {ms / total:.0%} |")

        timed = steps(record, cwd, args.rounds)
        total = sum(ms for _, ms in timed)
        print(f"\nset-up steps (median of {args.rounds} fresh processes, {total:.0f} ms in all):\n")
        print("| step | ms | share |\n| --- | ---: | ---: |")
        for name, ms in timed:
            print(f"| {name} | {ms:.1f} | {ms / total:.0%} |")

        selectcheck = [str(Path(sys.executable).parent / "selectcheck"), "validate", str(record)]
        commands = {**FLOORS, "selectcheck validate (one record)": selectcheck}
        for argv in commands.values():
            _wall(argv, cwd)  # warm-up
        walls: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, argv in commands.items():
                walls[name].append(_wall(argv, cwd))
        print(f"\nwhole processes (median wall of {args.rounds} rounds):\n")
        print("| command | s |\n| --- | ---: |")
        for name, values in walls.items():
            print(f"| {name} | {statistics.median(values):.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
