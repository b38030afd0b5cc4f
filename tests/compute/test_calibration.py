"""Calibration: the estimate against real peak memory measured on an H200 (DESIGN §5).

tests/data/vram-calibration.jsonl holds every calibration point as a record workload, the
model's config.json values and what was measured: the 35 runs measured on an H200 (HF
transformers, sdpa, bf16, random weights of the real architectures; tests/data/README-vram.md)
and the 384 runs replayed through a model of PyTorch's caching allocator. Every point must
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

DATA = Path(__file__).resolve().parent.parent / "data"
CONFIGS = DATA.parent / "fixtures" / "configs"
LOW, HIGH = 0.95, 1.20


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


POINTS = _lines(DATA / "vram-calibration.jsonl")
MEASURED = [p for p in POINTS if p["source"] == "measured"]
REPLAYED = [p for p in POINTS if p["source"] == "replayed"]


def ratio(point: dict[str, Any]) -> float:
    estimate = estimate_memory(MemoryWorkload(**point["workload"]), architecture_from_hf_config(point["config"]))
    return float(estimate.total_bytes / point["measured"]["nvml"])


def test_data_has_points() -> None:
    assert len(MEASURED) == 35
    assert {p["workload"]["mode"] for p in MEASURED} == {"inference", "lora", "full-finetune"}


@pytest.mark.parametrize("point", MEASURED, ids=[p["id"] for p in MEASURED])
def test_estimate_within_band(point: dict[str, Any]) -> None:
    r = ratio(point)
    assert LOW <= r <= HIGH, f"estimate / measured = {r:.3f} for {point['id']}"


@pytest.mark.parametrize("point", REPLAYED, ids=[p["id"] for p in REPLAYED])
def test_estimate_within_band_of_replayed_run(point: dict[str, Any]) -> None:
    r = ratio(point)
    assert LOW <= r <= HIGH, f"estimate / replayed = {r:.3f} for {point['id']}"


def test_replayed_points_cover_what_was_never_measured() -> None:
    measured_models = {p["model"] for p in MEASURED}
    assert len({p["model"] for p in REPLAYED} - measured_models) >= 10
    assert any(p["workload"]["mode"] == "inference" and p["workload"]["batch_size"] > 1 for p in REPLAYED)
    assert any(p["workload"]["context_length"] >= 131072 for p in REPLAYED)
    train = [p for p in REPLAYED if p["workload"]["mode"] != "inference"]
    assert {512, 4096, 8192} <= {p["workload"]["context_length"] for p in train}
    assert {p["category"] for p in train} == {
        "lora",
        "lora + checkpointing",
        "full bf16",
        "full bf16 + checkpointing",
        "full mixed",
        "full mixed + checkpointing",
    }


def test_points_are_the_probe_rows_converted() -> None:
    """The stored points are exactly what the calibration tool makes of the probe rows."""
    from tools.calibration.vram_accuracy import all_points

    assert all_points() == POINTS


@pytest.mark.parametrize(
    "row",
    [r for r in _lines(DATA / "vram-h200-transformers.jsonl") if r["kind"] == "weights"],
    ids=lambda r: r["model"],
)
def test_weight_bytes_of_built_models(row: dict[str, Any]) -> None:
    config = json.loads((CONFIGS / f"{row['model']}.json").read_text(encoding="utf-8"))
    arch = architecture_from_hf_config(config)
    assert count_parameters(arch) == row["params"]
    assert 2 * count_parameters(arch) == row["weight_bytes"]


def test_new_probe_rows_of_catalog_models_need_no_fixture_config() -> None:
    # A probe run of any catalog model converts as it is.
    from tools.calibration.vram_accuracy import config_for, convert

    row = {"kind": "infer", "model": "qwen3-8b", "ctx": 1024, "batch": 4, "new_tokens": 8, "nvml": 1}
    [point] = convert([row], "measured")
    assert count_parameters(architecture_from_hf_config(point["config"])) == 8_190_735_360
    assert point["workload"] == {"mode": "inference", "context_length": 1032, "batch_size": 4}
    with pytest.raises(LookupError, match=r"tests/fixtures/configs/no-such-model\.json"):
        config_for({"kind": "infer", "model": "no-such-model", "ctx": 1, "batch": 1})
