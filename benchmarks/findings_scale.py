"""Time to check one hostile record with N findings: it must grow linearly with N.

    python benchmarks/findings_scale.py [--sizes 2500,5000,10000,20000,40000]

Two shapes from issue 19: N unknown top-level keys, and N scores whose value is not a
number. Each finding is located at its own YAML node; the loader indexes each mapping once,
so the time per finding stays flat as N grows (it was linear per finding before: quadratic
overall). Prints wall and CPU seconds, and microseconds per finding.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from click.testing import CliRunner

from selectcheck.cli import main as cli

BASE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "base-record.yaml"
FIRST_SCORE = '      ifeval: {value: 71.2, source: "https://arxiv.org/abs/2412.15115"}\n'


def unknown_keys(n: int) -> str:
    return BASE.read_text(encoding="utf-8") + "".join(f"k{i:06d}: 1\n" for i in range(n))


def bad_scores(n: int) -> str:
    scores = "".join(f"      b{i:06d}: {{value: x}}\n" for i in range(n))
    return BASE.read_text(encoding="utf-8").replace(FIRST_SCORE, FIRST_SCORE + scores, 1)


def measure(text: str, workdir: Path) -> tuple[float, float, int]:
    record = workdir / "records" / "0001-big.yaml"
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(text, encoding="utf-8")
    report = workdir / "report.json"
    before = os.getcwd()
    os.chdir(workdir)
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        result = CliRunner().invoke(cli, ["validate", "--format", f"json={report}", "records"])
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        os.chdir(before)
    assert result.exit_code == 1, result.output
    return wall, cpu, report.read_text(encoding="utf-8").count('"code": "SC002"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2500,5000,10000,20000,40000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'shape':<14}{'N':>8}{'KB':>8}{'wall s':>9}{'cpu s':>8}{'µs/finding':>12}")
    for shape, make in (("unknown keys", unknown_keys), ("bad scores", bad_scores)):
        for n in sizes:
            text = make(n)
            with tempfile.TemporaryDirectory() as tmp:
                wall, cpu, found = measure(text, Path(tmp))
            assert found >= n, (shape, n, found)
            print(f"{shape:<14}{n:>8}{len(text) // 1024:>8}{wall:>9.2f}{cpu:>8.2f}{cpu / n * 1e6:>12.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
