"""Calibration: the estimate against real peak memory measured on an H200 (DESIGN §5).

Every `infer` and `train` point of tests/data/vram-h200-transformers.jsonl (HF transformers,
sdpa, bf16, random weights of the real architectures; see tests/data/README-vram.md) must
satisfy 0.95 <= estimate / nvml <= 1.20: never more than 5 % below what the card had to
hold, and at most 20 % above it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from selectcheck.compute.architecture import architecture_from_hf_config, count_parameters
from selectcheck.compute.memory import MemoryWorkload, estimate_memory

TESTS = Path(__file__).resolve().parent.parent
DATA = TESTS / "data" / "vram-h200-transformers.jsonl"
CONFIGS = TESTS / "fixtures" / "configs"
LOW, HIGH = 0.95, 1.20


def _rows() -> list[dict[str, Any]]:
    with DATA.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


ROWS = _rows()
POINTS = [r for r in ROWS if r["kind"] in ("infer", "train")]


def point_id(row: dict[str, Any]) -> str:
    if row["kind"] == "infer":
        return f"{row['model']}-infer-{row['ctx']}x{row['batch']}"
    return f"{row['model']}-{row['mode']}-{row['seq']}"


def workload_for(row: dict[str, Any]) -> MemoryWorkload:
    """The record workload that the measured run corresponds to."""
    if row["kind"] == "infer":
        return MemoryWorkload(
            mode="inference",
            precision="bf16",
            context_length=row["ctx"] + row.get("new_tokens", 0),  # prompt + output
            batch_size=row.get("batch", 1),
            engine="transformers",
        )
    mode: str = row["mode"]
    checkpointing = mode.endswith("_ckpt")
    base = mode.removesuffix("_ckpt")
    if base == "lora":
        return MemoryWorkload(
            mode="lora",
            precision="bf16",
            context_length=row["seq"],
            batch_size=row.get("batch", 1),
            gradient_checkpointing=checkpointing,
            optimizer="adamw",
            lora_rank=16,
        )
    return MemoryWorkload(
        mode="full-finetune",
        precision="mixed" if base == "full_mixed" else "bf16",
        context_length=row["seq"],
        batch_size=row.get("batch", 1),
        gradient_checkpointing=checkpointing,
        optimizer="adamw",
    )


def ratio(row: dict[str, Any]) -> float:
    config = json.loads((CONFIGS / f"{row['model']}.json").read_text())
    estimate = estimate_memory(workload_for(row), architecture_from_hf_config(config))
    return estimate.total_bytes / row["nvml"]


def test_data_has_points() -> None:
    assert len(POINTS) >= 30
    assert {r["kind"] for r in POINTS} == {"infer", "train"}


@pytest.mark.parametrize("row", POINTS, ids=[point_id(r) for r in POINTS])
def test_estimate_within_band(row: dict[str, Any]) -> None:
    r = ratio(row)
    assert LOW <= r <= HIGH, f"estimate / measured = {r:.3f} for {point_id(row)}"


@pytest.mark.parametrize("row", [r for r in ROWS if r["kind"] == "weights"], ids=lambda r: r["model"])
def test_weight_bytes_of_built_models(row: dict[str, Any]) -> None:
    config = json.loads((CONFIGS / f"{row['model']}.json").read_text())
    arch = architecture_from_hf_config(config)
    assert count_parameters(arch) == row["params"]
    assert 2 * count_parameters(arch) == row["weight_bytes"]
