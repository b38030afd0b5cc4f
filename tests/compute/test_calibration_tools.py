"""The calibration tools run: the accuracy table, probe rows without NVML, the GPU scripts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

TOOLS = REPO / "tools" / "calibration"


def test_vram_accuracy_table_covers_every_measured_point() -> None:
    result = subprocess.run(
        [sys.executable, str(TOOLS / "vram_accuracy.py"), "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    rows = json.loads(result.stdout)
    points = [json.loads(line) for line in (REPO / "tests" / "data" / "vram-h200-transformers.jsonl").open()]
    assert len(rows) == sum(1 for p in points if p["kind"] in ("infer", "train"))


def _vram_accuracy(data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(TOOLS / "vram_accuracy.py"), "--data", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_vram_accuracy_says_so_when_a_probe_run_measured_nothing(tmp_path: Path) -> None:
    # The probe on a machine without NVML (TINY=1 on a CPU) writes rows without an nvml figure.
    data = tmp_path / "vram.jsonl"
    rows = [
        {"kind": "env", "cuda": False, "device": "cpu"},
        {"kind": "infer", "model": "llama-3.2-1b", "ctx": 64, "batch": 1, "new_tokens": 8, "nvml": None},
    ]
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = _vram_accuracy(data)
    assert result.returncode == 1
    assert "no measured infer or train rows" in result.stderr and not result.stdout


def test_gpu_check_scripts_parse() -> None:
    for script in ("gpu_check.sh", "gpu_wheels.sh"):
        subprocess.run(["bash", "-n", str(TOOLS / script)], check=True, timeout=30)


def test_vram_accuracy_names_a_model_it_has_no_config_for(tmp_path: Path) -> None:
    data = tmp_path / "vram.jsonl"
    data.write_text(json.dumps({"kind": "infer", "model": "acme-x", "ctx": 64, "batch": 1, "nvml": 10**9}) + "\n")
    result = _vram_accuracy(data)
    assert result.returncode == 2
    assert "no config for 'acme-x'" in result.stderr and "Traceback" not in result.stderr
