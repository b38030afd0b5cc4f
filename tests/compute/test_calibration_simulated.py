"""The estimate where nobody measured: replayed runs of other models, batches and lengths.

tests/data/vram-simulated-h200.jsonl holds workloads that benchmarks/vram_simulate.py ran
with the real PyTorch and transformers code on the meta device, replayed through a model of
the CUDA caching allocator (tests/data/README-vram.md says how, and how closely the replay
reproduces the 35 H200 measurements). They are not measurements; they test that the
estimate's physics carries over: batch > 1, sequences from 512 to 131,072 tokens, training
at other lengths, and a dozen more architectures (Gemma-3, Qwen3, Qwen3-MoE, OLMo-2, Falcon,
Phi-3-medium, Mistral-Nemo, …). The band is the calibration band, 0.95–1.20.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from selectcheck.compute.memory import estimate_memory
from tests.compute.test_calibration import HIGH, LOW, POINTS, architecture_for, point_id, workload_for

DATA = Path(__file__).resolve().parent.parent / "data" / "vram-simulated-h200.jsonl"
SIMULATED = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_simulated_points_cover_what_was_never_measured() -> None:
    assert all(row["source"] == "simulated" for row in SIMULATED)
    measured_models = {row["model"] for row in POINTS}
    assert len({row["model"] for row in SIMULATED} - measured_models) >= 10
    assert any(row["kind"] == "infer" and row["batch"] > 1 for row in SIMULATED)
    assert any(row["kind"] == "infer" and row["ctx"] >= 131072 for row in SIMULATED)
    train_lengths = {row["seq"] for row in SIMULATED if row["kind"] == "train"}
    assert {512, 4096, 8192} <= train_lengths
    modes = {row["mode"] for row in SIMULATED if row["kind"] == "train"}
    assert modes == {"lora", "lora_ckpt", "full_bf16", "full_bf16_ckpt", "full_mixed", "full_mixed_ckpt"}


@pytest.mark.parametrize("row", SIMULATED, ids=[point_id(r) for r in SIMULATED])
def test_estimate_within_band_of_replayed_run(row: dict[str, Any]) -> None:
    estimate = estimate_memory(workload_for(row), architecture_for(row))
    ratio = estimate.total_bytes / row["nvml"]
    assert LOW <= ratio <= HIGH, f"estimate / replayed = {ratio:.3f} for {point_id(row)}"
