"""The memory estimate's parts against hand-computed values (DESIGN §5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from selectcheck.compute.architecture import Architecture, architecture_from_hf_config
from selectcheck.compute.memory import (
    CUDA_CONTEXT_BYTES,
    NF4_BITS,
    NF4_DOUBLE_QUANT_BITS,
    PART_NAMES,
    PRECISIONS,
    MemoryWorkload,
    MemoryWorkloadError,
    bits_per_weight,
    estimate_memory,
    kv_cache_bytes,
    kv_cache_bytes_per_token,
    usable_bytes,
    weight_bytes,
    workload_budget_bytes,
)

CONFIGS = Path(__file__).resolve().parent.parent / "fixtures" / "configs"
GIB = 1024**3
H100 = 81_559 * 1024 * 1024
L4 = 23_034 * 1024 * 1024


def arch(name: str) -> Architecture:
    data: dict[str, Any] = json.loads((CONFIGS / f"{name}.json").read_text())
    return architecture_from_hf_config(data)


LLAMA8 = arch("llama-3.1-8b")


# -- weights ------------------------------------------------------------------------------


def test_bits_per_weight_table() -> None:
    assert bits_per_weight("bf16") == 16
    assert bits_per_weight("gguf-q4_k_m") == pytest.approx(4.8944)
    assert bits_per_weight("gguf-q8_0") == pytest.approx(8.5008)
    assert bits_per_weight("gguf-q4_0") == 4.5  # 18 bytes per 32 weights
    assert NF4_BITS == 4.5  # fp32 absmax per 64-weight block
    assert pytest.approx(4.127, abs=1e-3) == NF4_DOUBLE_QUANT_BITS  # 4 + 8/64 + 32/(64*256)
    assert bits_per_weight("gptq-int4") == pytest.approx(4 + 20 / 128)
    for precision in PRECISIONS:
        assert 2 < bits_per_weight(precision) <= 32


def test_weights_bf16_and_gguf() -> None:
    p = 8_030_261_248
    assert weight_bytes(LLAMA8, p, "bf16") == 2 * p
    assert weight_bytes(LLAMA8, p, "gguf-q4_k_m") == int(p * 4.8944 / 8)


def test_quantised_weights_keep_embeddings_in_16_bit() -> None:
    p = 8_030_261_248
    embeddings = 2 * 128_256 * 4096
    norms = 65 * 4096
    linear = p - embeddings - norms
    expected = int(linear * NF4_BITS / 8 + (embeddings + norms) * 2)
    assert weight_bytes(LLAMA8, p, "nf4") == expected
    # only the parameter count known: everything at the quantised rate
    assert weight_bytes(None, p, "nf4") == int(p * NF4_BITS / 8)


# -- KV cache -----------------------------------------------------------------------------


def test_kv_llama_3_1_8b_at_32k() -> None:
    # 2 (K and V) x 32 layers x 8 KV heads x 128 head dim x 2 bytes = 128 KiB per token
    assert kv_cache_bytes_per_token(LLAMA8, 2) == 131_072
    assert kv_cache_bytes(LLAMA8, 32_768) == 4 * GIB
    assert kv_cache_bytes(LLAMA8, 32_768, batch_size=2, kv_bytes=1) == 4 * GIB
    # tensor parallel over 2 GPUs halves the KV heads per GPU; over 16 a head is never split
    assert kv_cache_bytes(LLAMA8, 32_768, gpu_count=2) == 2 * GIB
    assert kv_cache_bytes(LLAMA8, 32_768, gpu_count=16) == kv_cache_bytes(LLAMA8, 32_768, gpu_count=8)


def test_mla_latent_kv_for_deepseek_v3() -> None:
    ds = arch("deepseek-v3")
    # 61 layers x (kv_lora_rank 512 + rope 64) x 2 bytes
    assert kv_cache_bytes_per_token(ds, 2, engine="vllm") == 61 * (512 + 64) * 2 == 70_272
    assert kv_cache_bytes_per_token(ds, 2, engine="llama.cpp") == 70_272
    # transformers caches decompressed per-head K (128+64) and V (128): ~70x larger
    naive = kv_cache_bytes_per_token(ds, 2, engine="transformers")
    assert naive == 61 * 128 * (192 + 128) * 2
    # the latent is replicated, not split, across tensor-parallel GPUs (16-token blocks)
    assert kv_cache_bytes(ds, 1008, engine="vllm", gpu_count=8) == 70_272 * 1008


def test_gemma2_sliding_window_per_engine() -> None:
    gemma = arch("gemma-2-9b")  # 42 layers, 21 sliding (window 4096), 8 KV heads x 256
    per_layer_token = 2 * 8 * 256 * 2
    full = 42 * per_layer_token * 8192
    # transformers holds the whole prompt for every layer at the prefill peak
    assert kv_cache_bytes(gemma, 8192, engine="transformers") == full
    # llama.cpp keeps window + one 512-token micro-batch in the 21 sliding layers
    assert kv_cache_bytes(gemma, 8192, engine="llama.cpp") == per_layer_token * (21 * 8192 + 21 * (4096 + 512))
    # short sequences: no saving
    assert kv_cache_bytes(gemma, 2048, engine="llama.cpp") == 42 * per_layer_token * 2048


def test_gemma3_sliding_window_in_vllm() -> None:
    gemma3 = arch("gemma-3-4b-it")  # 34 layers: 29 sliding (1024), 5 global; 4 KV x 256
    per_layer_token = 2 * 4 * 256 * 2
    tokens = 131_072
    window_tokens = 9216 + 16  # min(1023 + 8192 max_num_batched_tokens) in 16-token blocks + 1
    assert kv_cache_bytes(gemma3, tokens, engine="vllm") == per_layer_token * (5 * tokens + 29 * window_tokens)


# -- estimates ----------------------------------------------------------------------------


def test_parts_add_up_and_are_named() -> None:
    est = estimate_memory(MemoryWorkload(context_length=8192), LLAMA8)
    assert tuple(est.parts()) == PART_NAMES
    assert sum(est.parts().values()) == est.total_bytes
    assert est.parameters == 8_030_261_248
    assert est.weights == 2 * 8_030_261_248
    assert est.kv_cache == 8192 * 131_072
    assert est.gradients == est.optimizer == 0
    assert est.overhead > CUDA_CONTEXT_BYTES
    assert est.approximated == ()
    assert est.detail()["cuda_context"] == CUDA_CONTEXT_BYTES


def test_longer_context_costs_more() -> None:
    short = estimate_memory(MemoryWorkload(context_length=1024), LLAMA8).total_bytes
    long = estimate_memory(MemoryWorkload(context_length=131_072), LLAMA8).total_bytes
    assert long > short + 30e9  # KV 17 GB + prefill activations + allocator reserve


def test_kv_precision_default_and_override() -> None:
    assert MemoryWorkload().resolved_kv_cache_precision == "bf16"
    assert MemoryWorkload(precision="fp16").resolved_kv_cache_precision == "fp16"
    assert MemoryWorkload(precision="awq-int4").resolved_kv_cache_precision == "bf16"
    bf16 = estimate_memory(MemoryWorkload(context_length=32_768), LLAMA8)
    fp8 = estimate_memory(MemoryWorkload(context_length=32_768, kv_cache_precision="fp8"), LLAMA8)
    assert fp8.kv_cache * 2 == bf16.kv_cache


def test_tensor_parallel_splits_weights_and_kv_overhead_repeats() -> None:
    one = estimate_memory(MemoryWorkload(context_length=8192, engine="vllm"), LLAMA8)
    two = estimate_memory(MemoryWorkload(context_length=8192, engine="vllm", gpu_count=2), LLAMA8)
    assert two.weights == pytest.approx(one.weights / 2, rel=1e-6)
    assert two.kv_cache == pytest.approx(one.kv_cache / 2, rel=1e-3)
    assert two.overhead >= one.overhead


def test_moe_keeps_all_experts_resident() -> None:
    mixtral = arch("mixtral-8x7b")
    est = estimate_memory(MemoryWorkload(context_length=1024), mixtral)
    assert est.weights == 2 * 46_702_792_704


def test_training_full_mixed_per_parameter_states() -> None:
    small = arch("llama-3.2-1b")
    p = 1_235_814_400
    # Short sequences peak at the optimizer step: fp32 weights (the master copy), fp32
    # gradients, Adam's m and v and the step's sqrt(v) buffer; the bf16 copies are gone.
    est = estimate_memory(MemoryWorkload(mode="full-finetune", precision="mixed", context_length=2048), small)
    assert est.weights == 4 * p
    assert est.gradients == 4 * p
    assert est.optimizer == 8 * p + 4 * p
    assert est.detail()["master_weights"] == 4 * p
    assert est.detail()["optimizer_states"] == 8 * p
    assert est.detail()["optimizer_step_buffers"] == 4 * p
    # Long sequences peak in backward: the bf16 compute copy, the fp32 master copy and the
    # states, every saved activation, and only the first gradient (the LM head's).
    long = estimate_memory(MemoryWorkload(mode="full-finetune", precision="mixed", context_length=16384), small)
    assert long.weights == 2 * p
    assert long.optimizer == 4 * p + 8 * p
    assert long.gradients == small.vocab_size * small.hidden_size * 4
    assert long.activations > long.optimizer
    assert "optimizer_step_buffers" not in long.detail()


def test_training_optimizers() -> None:
    small = arch("llama-3.2-1b")
    p = 1_235_814_400
    base = MemoryWorkload(mode="full-finetune", precision="bf16", context_length=512)
    adam = estimate_memory(base, small)
    adam8 = estimate_memory(base.replace(optimizer="adamw-8bit"), small)
    sgd = estimate_memory(base.replace(optimizer="sgd"), small)
    assert adam.detail()["optimizer_states"] == 4 * p  # two bf16 states
    assert adam8.optimizer == pytest.approx(2 * p * (1 + 4 / 256), rel=1e-6)
    assert sgd.optimizer == 2 * p  # momentum in bf16
    assert adam.total_bytes > adam8.total_bytes > 0


def test_lora_adapters_only_for_lora_and_checkpointing_saves_memory() -> None:
    lora = MemoryWorkload(mode="lora", context_length=2048, lora_rank=16)
    est = estimate_memory(lora, LLAMA8)
    assert est.gradients == 41_943_040 * 4  # fp32 adapter gradients only
    assert est.detail()["adapters"] == 41_943_040 * 4
    ckpt = estimate_memory(lora.replace(gradient_checkpointing=True), LLAMA8)
    assert ckpt.activations < est.activations / 3
    inference = estimate_memory(MemoryWorkload(context_length=2048), LLAMA8)
    assert "adapters" not in inference.detail()


def test_qlora_uses_double_quantised_nf4() -> None:
    qlora = estimate_memory(MemoryWorkload(mode="qlora", precision="nf4", context_length=2048), LLAMA8)
    lora = estimate_memory(MemoryWorkload(mode="lora", context_length=2048), LLAMA8)
    assert qlora.weights < lora.weights / 2.5
    assert qlora.total_bytes < lora.total_bytes


def test_only_parameters_known_is_flagged() -> None:
    est = estimate_memory(MemoryWorkload(context_length=8192), parameters=8_030_261_248)
    assert est.weights == 2 * 8_030_261_248
    assert est.approximated == ("kv_cache", "activations")
    exact = estimate_memory(MemoryWorkload(context_length=8192), LLAMA8)
    assert est.total_bytes == pytest.approx(exact.total_bytes, rel=0.15)
    lora = estimate_memory(MemoryWorkload(mode="lora"), parameters=8_030_261_248)
    assert "optimizer" in lora.approximated


def test_engines_differ_and_llama_cpp_has_no_allocator_reserve() -> None:
    w = MemoryWorkload(context_length=32_768, precision="gguf-q4_k_m", engine="llama.cpp")
    est = estimate_memory(w, LLAMA8)
    # The whole GGUF file, less the token embeddings llama.cpp keeps in host memory.
    embeddings = 128_256 * 4096
    assert est.weights == pytest.approx((8_030_261_248 - embeddings) * 4.8944 / 8, abs=1)
    assert est.host_bytes == pytest.approx(embeddings * 4.8944 / 8, abs=1)
    assert "allocator_reserve" not in est.detail()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"mode": "train"},
        {"precision": "int3"},
        {"context_length": 0},
        {"batch_size": -1},
        {"engine": "tgi"},
        {"optimizer": "adam"},
        {"kv_cache_precision": "fp4"},
        {"precision": "mixed"},
        {"mode": "full-finetune", "precision": "nf4"},
        {"mode": "lora", "engine": "vllm"},
        {"mode": "lora", "precision": "gguf-q4_k_m"},
    ],
)
def test_bad_workloads_are_clear_errors(kwargs: dict[str, Any]) -> None:
    with pytest.raises(MemoryWorkloadError):
        MemoryWorkload(**kwargs)


def test_needs_architecture_or_parameters() -> None:
    with pytest.raises(MemoryWorkloadError):
        estimate_memory(MemoryWorkload())


# -- budgets, vLLM share and suggestions ---------------------------------------------------


def test_usable_bytes() -> None:
    assert usable_bytes(100, 0.05) == 95
    assert workload_budget_bytes(1000, 0.05, "vllm") == 900
    assert workload_budget_bytes(1000, 0.05, "transformers") == 950
    with pytest.raises(ValueError):
        usable_bytes(100, 1.0)
