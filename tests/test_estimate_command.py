"""`selectcheck estimate`: the JSON shape of DESIGN §5, the text table, and usage errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, CliResult, invoke

LLAMA8 = "meta-llama/Llama-3.1-8B-Instruct"
PARTS = ["weights", "kv_cache", "activations", "gradients", "optimizer", "overhead"]
TOP_KEYS = ["model", "parameters", "workload", "parts", "total_bytes", "per_gpu_bytes", "usable_bytes", "fits"]
# DESIGN §10 adds these after the keys of §5, for every engine.
ADDED_KEYS = ["overhead_parts", "host_bytes"]
OVERHEAD_PARTS = ["cuda_context", "workspace", "allocator_reserve", "multi_gpu_communication"]


def _estimate(tmp_path: Path, *args: str) -> CliResult:
    return invoke(["estimate", *args], tmp_path)


def _json(tmp_path: Path, *args: str) -> dict[str, Any]:
    result = _estimate(tmp_path, *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_json_shape_keys_and_types(tmp_path: Path) -> None:
    data = _json(tmp_path, LLAMA8, "--context", "8192", "--batch", "2")
    assert list(data) == TOP_KEYS + ADDED_KEYS
    assert list(data["overhead_parts"]) == OVERHEAD_PARTS
    assert sum(data["overhead_parts"].values()) == data["parts"]["overhead"]
    assert data["host_bytes"] == 0
    assert data["model"] == LLAMA8
    assert data["parameters"] == 8_030_261_248
    assert list(data["parts"]) == PARTS
    assert all(type(v) is int and v >= 0 for v in data["parts"].values())
    assert type(data["total_bytes"]) is int and type(data["per_gpu_bytes"]) is int
    assert sum(data["parts"].values()) == data["total_bytes"] == data["per_gpu_bytes"]
    workload = data["workload"]
    assert workload["mode"] == "inference" and workload["precision"] == "bf16"
    assert workload["kv_cache_precision"] == "bf16"  # resolved, not null
    assert (workload["context_length"], workload["batch_size"], workload["gpu_count"]) == (8192, 2, 1)
    assert workload["engine"] == "transformers"
    assert workload["gpu"] is None and workload["vram_gb"] is None
    # Without a GPU nothing is judged.
    assert data["usable_bytes"] is None and data["fits"] is None


def test_fits_true_and_false_with_a_gpu(tmp_path: Path) -> None:
    too_big = _json(tmp_path, LLAMA8, "--context", "32768", "--batch", "8", "--gpu", "L4")
    assert too_big["fits"] is False
    assert too_big["usable_bytes"] == int(23034 * 2**20 * 0.95)
    assert too_big["total_bytes"] > too_big["usable_bytes"]
    assert too_big["workload"]["gpu"] == "L4"
    served = _json(
        tmp_path,
        "llama-3.1-8b",  # an alias resolves to the catalog id
        "--engine",
        "vllm",
        "--precision",
        "awq-int4",
        "--kv-cache-precision",
        "fp8",
        "--context",
        "32768",
        "--batch",
        "4",
        "--gpu",
        "l4",
    )
    assert served["model"] == LLAMA8
    assert served["fits"] is True
    assert served["usable_bytes"] == int(23034 * 2**20 * 0.9)  # vLLM's gpu_memory_utilization share
    assert served["workload"]["engine"] == "vllm" and served["workload"]["kv_cache_precision"] == "fp8"


def test_training_flags_reach_the_workload(tmp_path: Path) -> None:
    data = _json(
        tmp_path,
        "mistralai/Mistral-7B-v0.3",
        "--mode",
        "full-finetune",
        "--precision",
        "mixed",
        "--gradient-checkpointing",
        "--optimizer",
        "adamw-8bit",
        "--context",
        "2048",
        "--batch",
        "4",
        "--gpu",
        "A100-40GB",
    )
    workload = data["workload"]
    assert (workload["mode"], workload["precision"], workload["optimizer"]) == ("full-finetune", "mixed", "adamw-8bit")
    assert workload["gradient_checkpointing"] is True
    assert data["parts"]["gradients"] > 0 and data["parts"]["optimizer"] > 0 and data["parts"]["kv_cache"] == 0
    assert data["fits"] is False
    lora = _json(tmp_path, "mistralai/Mistral-7B-v0.3", "--mode", "lora", "--lora-rank", "64")
    assert lora["workload"]["lora_rank"] == 64 and lora["workload"]["gradient_checkpointing"] is False


def test_count_splits_weights_and_vram_gb_sets_the_card(tmp_path: Path) -> None:
    one = _json(tmp_path, "meta-llama/Llama-3.1-70B-Instruct", "--engine", "vllm", "--precision", "fp8")
    two = _json(tmp_path, "meta-llama/Llama-3.1-70B-Instruct", "--engine", "vllm", "--precision", "fp8", "--count", "2")
    assert two["workload"]["gpu_count"] == 2
    assert two["parts"]["weights"] == pytest.approx(one["parts"]["weights"] / 2, rel=0.01)
    custom = _json(tmp_path, LLAMA8, "--gpu", "Acme-X1", "--vram-gb", "48")
    assert custom["usable_bytes"] == int(48e9 * 0.95)
    assert custom["fits"] is True
    assert custom["workload"]["gpu"] == "Acme-X1" and custom["workload"]["vram_gb"] == 48


def test_config_and_parameters_instead_of_a_catalog_model(tmp_path: Path) -> None:
    config = REPO / "tests" / "fixtures" / "configs" / "llama-3.1-8b.json"
    from_config = _json(tmp_path, "--config", str(config))
    from_catalog = _json(tmp_path, LLAMA8)
    assert from_config["parameters"] == from_catalog["parameters"]
    assert from_config["parts"] == from_catalog["parts"]
    bare = _json(tmp_path, "acme/private-13b", "--parameters", "13B")
    assert bare["model"] == "acme/private-13b" and bare["parameters"] == 13_000_000_000
    assert _json(tmp_path, "--parameters", "8.03e9")["model"] is None


def test_text_table_lists_every_part_and_the_gpus_it_fits(tmp_path: Path) -> None:
    result = _estimate(tmp_path, LLAMA8, "--context", "32768", "--batch", "8", "--gpu", "L4")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{LLAMA8}: 8,030,261,248 parameters"
    for part in PARTS:
        assert any(line.startswith(part) and "GB" not in line and "%" in line for line in lines), part
    assert any(line.startswith("total") and "peak per GPU" in line for line in lines)
    assert "On L4: 22.95 GB usable per GPU (24.15 GB × 0.95): does not fit" in result.stdout
    assert "  fix: " in result.stdout
    assert "Fits on these catalog GPUs" in result.stdout
    assert any(line.strip().startswith("H200") and "GB" in line for line in lines)
    assert not any(
        line.strip().startswith("L4 ")
        for line in lines[lines.index(next(x for x in lines if x.startswith("Fits on"))) :]
    )
    assert all(line == line.rstrip() for line in lines)


def test_text_marks_approximated_parts(tmp_path: Path) -> None:
    result = _estimate(tmp_path, "--parameters", "13B")
    assert result.exit_code == 0, result.stderr
    assert "* approximated from the parameter count" in result.stdout
    assert any(line.startswith("kv_cache") and line.endswith("*") for line in result.stdout.splitlines())


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["llama-3.1-8bb"], "Did you mean `meta-llama/Llama-3.1-8B-Instruct`?"),
        ([], "no model"),
        ([LLAMA8, "--gpu", "A100-90GB"], "Did you mean `A100-80GB`?"),
        ([LLAMA8, "--gpu", "A100"], "GPU 'A100' is ambiguous: the catalog has A100-40GB (40 GB) and A100-80GB (80 GB)"),
        ([LLAMA8, "--gpu", "H100-80GB", "--vram-gb", "24"], "--vram-gb 24 does not match H100-80GB (80 GB)"),
        ([LLAMA8, "--precision", "mixed"], "precision 'mixed' is only meaningful for full-finetune"),
        ([LLAMA8, "--mode", "lora", "--engine", "vllm"], "vllm is an inference engine"),
        ([LLAMA8, "--mode", "training"], "Invalid value for '--mode'"),
        ([LLAMA8, "--context", "0"], "Invalid value for '--context'"),
        ([LLAMA8, "--parameters", "lots"], "is not a parameter count"),
        ([LLAMA8, "--format", "yaml"], "Invalid value for '--format'"),
        ([LLAMA8, "--no-such-flag"], "No such option"),
        (["--config", "missing.json"], "cannot read missing.json"),
        ([LLAMA8, "--context", "9" * 400], "too large to estimate"),
    ],
)
def test_usage_errors_exit_2_without_a_traceback(tmp_path: Path, args: list[str], expected: str) -> None:
    result = _estimate(tmp_path, *args)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_bad_config_file_exits_2(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"model_type": "llama", "hidden_size": 4096}', encoding="utf-8")
    result = _estimate(tmp_path, "--config", "config.json")
    assert result.exit_code == 2
    assert "missing required key" in result.stderr
    (tmp_path / "config.json").write_text("not json", encoding="utf-8")
    assert "is not valid JSON" in _estimate(tmp_path, "--config", "config.json").stderr


def test_every_choice_has_a_size_in_the_estimator() -> None:
    """The choices are defined once (`compute.choices`); the estimator's tables must size every
    precision a record or a flag may name, and nothing else."""
    from selectcheck.compute import choices
    from selectcheck.compute.memory.precisions import KV_BYTES, WEIGHT_BITS

    assert set(WEIGHT_BITS) == set(choices.PRECISIONS)
    assert set(KV_BYTES) == set(choices.KV_PRECISIONS)
    assert set(choices.TRAINING_PARALLELISMS) == set(choices.PARALLELISMS)


def test_commands_import_lazily() -> None:
    """`selectcheck --help` lists estimate and hardware without importing the estimator or
    NVML; `validate` does not even import their command modules."""
    code = (
        "import sys, click, selectcheck.cli\n"
        "ctx = click.Context(selectcheck.cli.main)\n"
        "assert 'selectcheck.commands.estimate' not in sys.modules\n"
        "names = selectcheck.cli.main.list_commands(ctx)\n"
        "assert 'estimate' in names and 'hardware' in names\n"
        "assert selectcheck.cli.main.get_command(ctx, 'estimate') is not None\n"
        "heavy = [m for m in ('selectcheck.compute.memory', 'pynvml', 'selectcheck.hardware') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_vllm_json_reports_the_kv_cache_pool(tmp_path: Path) -> None:
    data = _json(
        tmp_path,
        LLAMA8,
        "--engine",
        "vllm",
        "--context",
        "16384",
        "--max-model-len",
        "32768",
        "--gpu-memory-utilization",
        "0.85",
        "--gpu",
        "H100-80GB",
    )
    assert list(data)[: len(TOP_KEYS) + len(ADDED_KEYS)] == TOP_KEYS + ADDED_KEYS
    vllm = data["vllm"]
    assert type(vllm["kv_cache_tokens"]) is int and vllm["kv_cache_tokens"] % 16 == 0
    assert vllm["max_concurrency"] == round(vllm["kv_cache_tokens"] / 32768, 2)
    assert data["usable_bytes"] == vllm["share_bytes"] == int(81559 * 2**20 * 0.85)
    assert vllm["kv_pool_bytes"] == vllm["share_bytes"] - (data["total_bytes"] - data["parts"]["kv_cache"])
    workload = data["workload"]
    assert (workload["max_model_len"], workload["gpu_memory_utilization"], workload["parallelism"]) == (
        32768,
        0.85,
        "tensor",
    )
    assert data["overhead_parts"]["non_torch"] == data["parts"]["overhead"]
    # Without a card there is no pool to report.
    assert _json(tmp_path, LLAMA8, "--engine", "vllm")["vllm"] is None
    assert "vllm" not in _json(tmp_path, LLAMA8)


# Issue 14's question: Llama-3.1-70B full fine-tune on 8 × A100-80GB, ZeRO-3, optimizer offload.
ZERO3_70B = [
    "meta-llama/Llama-3.1-70B-Instruct",
    "--mode",
    "full-finetune",
    "--precision",
    "mixed",
    "--gradient-checkpointing",
    "--gpu",
    "A100-80GB",
    "--count",
    "8",
    "--parallelism",
    "zero-3",
    "--offload",
    "optimizer",
]


def test_training_on_several_gpus_lists_every_strategy(tmp_path: Path) -> None:
    data = _json(tmp_path, *ZERO3_70B)
    assert data["workload"]["parallelism"] == "zero-3" and data["workload"]["offload"] == "optimizer"
    assert data["fits"] is True
    assert data["host_bytes"] == 16 * 70_553_706_496
    strategies = data["strategies"]
    assert list(strategies) == ["ddp", "zero-1", "zero-2", "zero-3", "fsdp", "tensor", "pipeline"]
    assert strategies["zero-3"]["per_gpu_bytes"] == data["per_gpu_bytes"]
    assert strategies["ddp"]["offload"] is None and strategies["ddp"]["fits"] is False
    per_gpu = [strategies[s]["per_gpu_bytes"] for s in ("ddp", "zero-1", "zero-3")]
    assert per_gpu == sorted(per_gpu, reverse=True)
    result = _estimate(tmp_path, *ZERO3_70B)
    assert "Per GPU with each multi-GPU strategy on 8 × A100-80GB:" in result.stdout
    assert re.search(r"host RAM: 1128\.86 GB", result.stdout)
    assert re.search(r"zero-3 +optimizer +[\d.]+ GB +1128\.86 GB +yes <", result.stdout)


def test_llama_cpp_flags_and_host_ram(tmp_path: Path) -> None:
    data = _json(
        tmp_path,
        LLAMA8,
        "--engine",
        "llama.cpp",
        "--precision",
        "gguf-q4_k_m",
        "--context",
        "32768",
        "--no-flash-attention",
        "--n-ubatch",
        "256",
        "--parallel",
        "2",
        "--gpu-layers",
        "20",
    )
    workload = data["workload"]
    assert (workload["flash_attention"], workload["n_ubatch"], workload["parallel"], workload["gpu_layers"]) == (
        False,
        256,
        2,
        20,
    )
    assert workload["kv_cache_precision"] == "fp16"
    assert data["host_bytes"] > data["parts"]["weights"] / 2  # 12 of 32 layers and the embeddings


def test_qlora_defaults_agree_with_new(tmp_path: Path) -> None:
    data = _json(tmp_path, LLAMA8, "--mode", "qlora")
    assert data["workload"]["precision"] == "nf4"
    assert data["workload"]["gradient_checkpointing"] is True


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([LLAMA8, "--mode", "qlora", "--precision", "bf16"], "QLoRA trains adapters on 4-bit base weights"),
        (["Qwen/Qwen2.5-7B-Instruct", "--engine", "vllm", "--count", "3"], "28 attention heads cannot be split"),
        ([LLAMA8, "--offload", "optimizer"], "offload is a training setting"),
        ([LLAMA8, "--parallelism", "fsdp", "--count", "2"], "fsdp shards training state"),
    ],
)
def test_impossible_workloads_exit_2(tmp_path: Path, args: list[str], expected: str) -> None:
    result = _estimate(tmp_path, *args)
    assert result.exit_code == 2
    assert expected in result.stderr and "Traceback" not in result.stderr
