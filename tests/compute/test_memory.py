"""The memory estimate's parts against hand-computed values (DESIGN §5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from selectcheck.compute.architecture import Architecture, architecture_from_hf_config
from selectcheck.compute.choices import PRECISIONS
from selectcheck.compute.memory import (
    CUDA_CONTEXT_BYTES,
    NF4_BITS,
    NF4_DOUBLE_QUANT_BITS,
    PART_NAMES,
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


# -- several GPUs: what each strategy shards (DESIGN §10) -------------------------------------


def _states(strategy: str, count: int = 4, **kw: Any) -> dict[str, int]:
    w = MemoryWorkload(
        mode="full-finetune", precision="mixed", context_length=512, gpu_count=count, parallelism=strategy, **kw
    )
    est = estimate_memory(w, LLAMA8)
    return {**est.detail(), "gradients": est.gradients, "total": est.total_bytes, "host": est.host_bytes}


def test_training_defaults_to_ddp_where_every_gpu_holds_everything() -> None:
    one = estimate_memory(MemoryWorkload(mode="full-finetune", precision="mixed", context_length=512), LLAMA8)
    four = MemoryWorkload(mode="full-finetune", precision="mixed", context_length=512, gpu_count=4)
    assert four.resolved_parallelism == "ddp"
    assert MemoryWorkload(gpu_count=4).resolved_parallelism == "tensor"
    est = estimate_memory(four, LLAMA8)
    # The same states on each GPU as on one, plus the NCCL buffers.
    assert est.detail()["optimizer_states"] == one.detail()["optimizer_states"]
    assert est.detail()["master_weights"] == one.detail()["master_weights"]
    assert est.total_bytes > one.total_bytes


def test_each_zero_stage_shards_one_more_part() -> None:
    p = 8_030_261_248
    ddp, z1, z2, z3 = (_states(s) for s in ("ddp", "zero-1", "zero-2", "zero-3"))
    # zero-1: optimizer states and master weights split four ways; gradients whole.
    assert z1["optimizer_states"] == ddp["optimizer_states"] // 4 == 8 * p // 4
    assert z1["master_weights"] == 4 * p // 4
    # zero-2: + gradients (fp32 under mixed precision).
    assert z2["optimizer_states"] == z1["optimizer_states"]
    assert z3["total"] < z2["total"] < z1["total"] < ddp["total"]
    # zero-3 / fsdp: + weights, and a GPU gathers a layer and the next (or the embeddings).
    assert z3["gathered_layers"] > 0 and "gathered_layers" not in z2
    assert _states("fsdp")["total"] == z3["total"]


def test_optimizer_offload_moves_sixteen_bytes_a_parameter_to_host_ram() -> None:
    p = 8_030_261_248
    on_gpu = _states("zero-3")
    offloaded = _states("zero-3", offload="optimizer")
    assert offloaded["host"] == 16 * p  # fp32 master + Adam m, v + fp32 gradients
    assert "optimizer_states" not in offloaded and "master_weights" not in offloaded
    assert offloaded["total"] < on_gpu["total"]
    params = _states("zero-3", offload="parameters")
    assert params["host"] == 16 * p + 2 * p  # the bf16 weights too
    assert params["total"] < offloaded["total"]


def test_tensor_and_pipeline_training_split_the_model() -> None:
    tensor, pipeline, ddp = _states("tensor"), _states("pipeline"), _states("ddp")
    assert tensor["total"] < ddp["total"] and pipeline["total"] < ddp["total"]
    assert tensor["optimizer_states"] == pipeline["optimizer_states"] == ddp["optimizer_states"] // 4


def test_inference_pipeline_splits_layers_and_replicas_hold_everything() -> None:
    one = estimate_memory(MemoryWorkload(context_length=8192), LLAMA8)
    pipe = estimate_memory(MemoryWorkload(context_length=8192, gpu_count=4, parallelism="pipeline"), LLAMA8)
    replica = estimate_memory(MemoryWorkload(context_length=8192, gpu_count=4, parallelism="ddp"), LLAMA8)
    assert pipe.weights == pytest.approx(one.weights / 4, rel=1e-6)
    assert pipe.kv_cache == pytest.approx(one.kv_cache / 4, rel=1e-6)
    assert replica.weights == one.weights and replica.kv_cache == one.kv_cache


# -- vLLM --------------------------------------------------------------------------------------


def test_vllm_capacity_is_what_the_share_leaves_in_whole_blocks() -> None:
    from selectcheck.compute.memory.vllm import capacity

    w = MemoryWorkload(engine="vllm", context_length=8192, batch_size=4, gpu_memory_utilization=0.85)
    est = estimate_memory(w, LLAMA8)
    cap = capacity(w, LLAMA8, est, H100)
    assert cap.share_bytes == int(H100 * 0.85)
    assert cap.pool_bytes == cap.share_bytes - (est.total_bytes - est.kv_cache)
    assert cap.kv_cache_tokens % 16 == 0
    assert cap.kv_cache_tokens == cap.pool_bytes // (16 * 131_072) * 16
    assert cap.max_concurrency == pytest.approx(cap.kv_cache_tokens / 8192)
    assert cap.starts and cap.outside_fits
    # A longer max_model_len than the pool holds: vLLM refuses to start.
    long = w.replace(max_model_len=cap.kv_cache_tokens + 16)
    assert not capacity(long, LLAMA8, estimate_memory(long, LLAMA8), H100).starts
    # Claiming 0.99 of the card leaves no room for the CUDA context and graphs.
    greedy = w.replace(gpu_memory_utilization=0.99)
    assert not capacity(greedy, LLAMA8, estimate_memory(greedy, LLAMA8), H100).outside_fits


def test_vllm_profile_run_grows_with_batched_tokens_and_its_overhead_is_in_the_share() -> None:
    small = estimate_memory(MemoryWorkload(engine="vllm", max_num_batched_tokens=2048), LLAMA8)
    large = estimate_memory(MemoryWorkload(engine="vllm", max_num_batched_tokens=16384), LLAMA8)
    assert large.activations > 4 * small.activations
    assert small.overhead_parts()["cuda_context"] == 0  # created before vLLM's snapshot
    assert small.overhead_parts()["non_torch"] == small.overhead
    assert small.detail()["outside_share_cuda_context"] == CUDA_CONTEXT_BYTES


# -- llama.cpp ---------------------------------------------------------------------------------


def test_llama_cpp_options() -> None:
    base = MemoryWorkload(engine="llama.cpp", precision="gguf-q4_k_m", context_length=32_768)
    fa = estimate_memory(base, LLAMA8)
    no_fa = estimate_memory(base.replace(flash_attention=False), LLAMA8)
    # Without flash attention: n_ubatch x n_ctx x heads fp32 scores (2 GiB) and an fp32 mask.
    assert no_fa.activations - fa.activations >= 512 * 32_768 * 32 * 4
    smaller = estimate_memory(base.replace(flash_attention=False, n_ubatch=128), LLAMA8)
    assert smaller.activations < no_fa.activations / 3
    # Parallel slots each hold the context.
    two = estimate_memory(base.replace(parallel=2), LLAMA8)
    assert two.kv_cache == 2 * fa.kv_cache
    # Half the layers on the GPU: half the repeating weights and cache; the rest is host RAM.
    half = estimate_memory(base.replace(gpu_layers=16), LLAMA8)
    assert half.kv_cache == fa.kv_cache // 2
    assert half.weights < fa.weights / 2
    assert half.host_bytes + half.weights + half.kv_cache == pytest.approx(
        fa.host_bytes + fa.weights + fa.kv_cache, rel=1e-6
    )


# -- training details --------------------------------------------------------------------------


def test_eager_attention_materialises_the_scores() -> None:
    sdpa = estimate_memory(MemoryWorkload(context_length=16_384), LLAMA8)
    eager = estimate_memory(MemoryWorkload(context_length=16_384, attention="eager"), LLAMA8)
    assert eager.detail()["attention_scores"] == 6 * 32 * 16_384**2
    assert eager.total_bytes > sdpa.total_bytes + 50e9
    lora = MemoryWorkload(mode="lora", context_length=4096)
    assert (
        estimate_memory(lora.replace(attention="eager"), LLAMA8).activations
        > estimate_memory(lora, LLAMA8).activations + 32 * 6 * 32 * 4096**2 * 0.9
    )


def test_autocast_and_bf16_adapters_save_the_inputs_once_in_bf16() -> None:
    lora = MemoryWorkload(mode="lora", context_length=4096)
    fp32 = estimate_memory(lora, LLAMA8)
    autocast = estimate_memory(lora.replace(autocast=True), LLAMA8)
    bf16 = estimate_memory(lora.replace(adapter_precision="bf16"), LLAMA8)
    assert autocast.activations < fp32.activations
    assert bf16.activations == autocast.activations
    assert bf16.detail()["adapters"] * 2 == fp32.detail()["adapters"]


def test_paged_optimizers_have_no_step_buffers() -> None:
    base = MemoryWorkload(mode="full-finetune", precision="bf16", context_length=512)
    p = 1_235_814_400
    small = arch("llama-3.2-1b")
    paged = estimate_memory(base.replace(optimizer="paged-adamw"), small)
    assert paged.detail()["optimizer_states"] == 8 * p  # bitsandbytes' 32-bit states
    assert "optimizer_step_buffers" not in paged.detail()
    paged8 = estimate_memory(base.replace(optimizer="paged-adamw-8bit"), small)
    assert paged8.optimizer == estimate_memory(base.replace(optimizer="adamw-8bit"), small).optimizer


def test_gptq_int8_layout_and_new_gguf_types() -> None:
    assert bits_per_weight("gptq-int8") == 8 + (16 + 8) / 128  # int8 + fp16 scale + 8-bit zero per 128
    assert bits_per_weight("gguf-q4_k_s") == 4.6672  # llama.cpp's Llama-3.1-8B table
    assert bits_per_weight("gguf-q5_k_s") == 5.5704
    assert bits_per_weight("gguf-iq4_xs") == 4.4597


def test_overhead_parts_add_up_for_every_engine() -> None:
    for w in (
        MemoryWorkload(context_length=4096),
        MemoryWorkload(mode="lora", context_length=2048, gpu_count=2),
        MemoryWorkload(engine="vllm", gpu_count=2),
        MemoryWorkload(engine="llama.cpp", precision="gguf-q8_0"),
    ):
        est = estimate_memory(w, LLAMA8)
        parts = est.overhead_parts()
        assert list(parts)[:4] == ["cuda_context", "workspace", "allocator_reserve", "multi_gpu_communication"]
        assert sum(parts.values()) == est.overhead


# -- workloads that cannot run -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"mode": "qlora", "precision": "bf16"}, "precision"),
        ({"mode": "qlora", "precision": "gptq-int8"}, "precision"),
        ({"engine": "llama.cpp", "precision": "awq-int4"}, "precision"),
        ({"mode": "lora", "precision": "gguf-q4_k_m"}, "precision"),
        ({"mode": "full-finetune", "engine": "vllm"}, "engine"),
        ({"parallelism": "zero-3", "gpu_count": 2}, "parallelism"),
        ({"mode": "full-finetune", "precision": "mixed", "offload": "optimizer"}, "offload"),
        ({"mode": "full-finetune", "precision": "mixed", "parallelism": "zero-2", "offload": "parameters"}, "offload"),
    ],
)
def test_impossible_workloads_name_the_setting_to_blame(kwargs: dict[str, Any], key: str) -> None:
    from selectcheck.compute.memory import ImpossibleWorkload

    with pytest.raises(ImpossibleWorkload) as raised:
        MemoryWorkload(**kwargs)
    assert raised.value.key == key


def test_tensor_parallel_must_split_the_heads_and_pipelines_need_layers() -> None:
    from selectcheck.compute.memory import ImpossibleWorkload
    from selectcheck.compute.memory.feasibility import pipeline_problem, tensor_parallel_problem

    assert tensor_parallel_problem(28, 4, 3) == "28 attention heads cannot be split evenly over 3 GPUs"
    assert tensor_parallel_problem(28, 4, 2) is None
    assert tensor_parallel_problem(32, 8, 16) is None  # each KV head on two GPUs
    assert tensor_parallel_problem(36, 6, 4) == "6 KV heads cannot be split evenly over 4 GPUs"
    assert tensor_parallel_problem(40, 8, 20) == "8 KV heads cannot be replicated evenly over 20 GPUs"
    assert tensor_parallel_problem(64, 8, 16) is None
    assert pipeline_problem(28, 32) is not None and pipeline_problem(28, 28) is None
    qwen7 = arch("qwen2.5-7b")
    with pytest.raises(ImpossibleWorkload, match="28 attention heads"):
        estimate_memory(MemoryWorkload(engine="vllm", gpu_count=3), qwen7)
    # llama.cpp splits whole layers: no head constraint.
    assert estimate_memory(MemoryWorkload(engine="llama.cpp", precision="gguf-q8_0", gpu_count=3), qwen7)


@pytest.mark.parametrize(
    ("engine", "precision", "bf16", "fp8", "capability", "code"),
    [
        ("vllm", "bf16", False, False, (7, 5), "bf16-capability"),  # T4: vLLM refuses bf16
        ("vllm", "fp16", False, False, (7, 5), None),
        ("transformers", "bf16", False, False, (7, 0), None),  # slow, but it runs
        ("vllm", "fp8", False, False, (7, 0), "fp8-capability"),  # V100: no FP8 Marlin
        ("vllm", "fp8", False, False, (7, 5), None),  # T4: weight-only FP8 Marlin
        ("vllm", "fp8", False, False, (8, 0), None),  # A100: weight-only FP8 Marlin
        ("transformers", "fp8", False, False, (8, 0), "fp8-dequantised"),  # A100: dequantised to bf16
        ("transformers", "fp8", True, True, (8, 9), None),  # L4
        ("transformers", "fp8", True, None, None, None),  # unknown: no claim
        ("llama.cpp", "gguf-q8_0", False, False, (7, 0), None),
    ],
)
def test_precisions_the_card_cannot_compute_in(
    engine: str, precision: str, bf16: bool, fp8: bool | None, capability: tuple[int, int] | None, code: str | None
) -> None:
    from selectcheck.compute.memory.feasibility import capability_impossibilities

    problems = capability_impossibilities(
        engine=engine, precision=precision, gpu="GPU", bf16=bf16, fp8=fp8, capability=capability
    )
    assert [p.code for p in problems] == ([code] if code else [])
    assert all(p.key == "precision" for p in problems)
