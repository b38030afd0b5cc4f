"""Calibration: the estimate against real peak memory measured on an H200 (DESIGN §5).

Every `infer` and `train` point of tests/data/vram-h200-transformers.jsonl (HF transformers,
sdpa, bf16, random weights of the real architectures; see tests/data/README-vram.md) must
satisfy 0.95 <= estimate / nvml <= 1.20: never more than 5 % below what the card had to
hold, and at most 20 % above it.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from selectcheck.compute.architecture import count_parameters
from selectcheck.compute.memory import estimate_memory

TESTS = Path(__file__).resolve().parent.parent
DATA = TESTS / "data" / "vram-h200-transformers.jsonl"
LOW, HIGH = 0.95, 1.20

# One mapping from a probe row to a workload and an architecture, shared with the accuracy
# table (benchmarks/vram_accuracy.py), so the test and the README table cannot disagree.
_spec = importlib.util.spec_from_file_location("vram_accuracy", TESTS.parent / "benchmarks" / "vram_accuracy.py")
assert _spec is not None and _spec.loader is not None
vram_accuracy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(vram_accuracy)
workload_for = vram_accuracy.workload_for
architecture_for = vram_accuracy.architecture_for


def _rows() -> list[dict[str, Any]]:
    with DATA.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


ROWS = _rows()
POINTS = [r for r in ROWS if r["kind"] in ("infer", "train")]


def point_id(row: dict[str, Any]) -> str:
    if row["kind"] == "infer":
        return f"{row['model']}-infer-{row['ctx']}x{row['batch']}"
    return f"{row['model']}-{row['mode']}-{row['seq']}"


def ratio(row: dict[str, Any]) -> float:
    estimate = estimate_memory(workload_for(row), architecture_for(row))
    return float(estimate.total_bytes / row["nvml"])


def test_data_has_points() -> None:
    assert len(POINTS) >= 30
    assert {r["kind"] for r in POINTS} == {"infer", "train"}


@pytest.mark.parametrize("row", POINTS, ids=[point_id(r) for r in POINTS])
def test_estimate_within_band(row: dict[str, Any]) -> None:
    r = ratio(row)
    assert LOW <= r <= HIGH, f"estimate / measured = {r:.3f} for {point_id(row)}"


@pytest.mark.parametrize("row", [r for r in ROWS if r["kind"] == "weights"], ids=lambda r: r["model"])
def test_weight_bytes_of_built_models(row: dict[str, Any]) -> None:
    arch = architecture_for(row)
    assert count_parameters(arch) == row["params"]
    assert 2 * count_parameters(arch) == row["weight_bytes"]


def test_new_probe_rows_of_catalog_models_need_no_fixture_config() -> None:
    # A probe run of any catalog model can be appended to the data as it is.
    row = {"kind": "infer", "model": "qwen3-8b", "ctx": 1024, "batch": 4, "new_tokens": 8}
    assert count_parameters(architecture_for(row)) == 8_190_735_360
    assert workload_for(row).batch_size == 4 and workload_for(row).context_length == 1032
    with pytest.raises(LookupError, match=r"tests/fixtures/configs/no-such-model\.json"):
        architecture_for({"kind": "infer", "model": "no-such-model", "ctx": 1, "batch": 1})
