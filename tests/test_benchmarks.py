"""The benchmark scripts run (on a tiny N): timings belong in their output, not in tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def test_speed_benchmark_runs_on_a_small_n(tmp_path: Path) -> None:
    out = tmp_path / "speed.json"
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "speed.py"), "--n", "5", "--rounds", "1", "--json", str(out)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert "| selectcheck |" in result.stdout and "| check-jsonschema |" in result.stdout
    data = json.loads(out.read_text())
    assert set(data["many"]) == {"selectcheck", "check-jsonschema", "parse floor"}
    assert all(seconds > 0 for seconds in data["one"].values())


def test_generated_records_are_valid_records(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from generate_records import generate
    finally:
        sys.path.pop(0)
    generate(20, tmp_path / "records")
    from tests.conftest import invoke

    report = invoke(["validate", "--format", "json", "records"], tmp_path).json()
    assert report["files"] == 20
    assert not [d for d in report["diagnostics"] if d["code"].startswith("SC0")]


def test_shortlist_benchmark_runs_on_one_round(tmp_path: Path) -> None:
    out = tmp_path / "shortlist.json"
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "shortlist_speed.py"), "--rounds", "1", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode in (0, 3), result.stderr  # 3: over the time budget, which is not a test's verdict
    assert "| shortlist of " in result.stdout and "| estimator floor " in result.stdout
    data = json.loads(out.read_text())
    inner = data["in_process"]
    assert inner["models"] >= 45 and 0 < inner["listed"] < inner["models"]
    # The floor is one estimate per model and precision; the shortlist adds the context search.
    assert inner["floor_calls"] == inner["models"] * 4 and inner["estimates"] > inner["floor_calls"]
    assert set(data["commands"]) == {"selectcheck shortlist", "selectcheck --version"}
    assert data["met"] == (result.returncode == 0)


def test_the_startup_profile_runs_on_one_round() -> None:
    """benchmarks/startup.py prints the import tree, the set-up steps and the floors (the shape
    of its output only: the figures live in the README)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "startup.py"), "--rounds", "1"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    for heading in ("imports (self time", "set-up steps", "whole processes"):
        assert heading in done.stdout
    assert "| rule registry (every rule module) |" in done.stdout
    assert "| selectcheck validate (one record) |" in done.stdout
