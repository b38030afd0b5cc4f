"""HF transformers inference: the prefill peak of ``model.generate``.

Calibrated on the H200 runs (tests/data/vram-h200-transformers.jsonl): weights, the KV cache
of every token, the prefill peak of one layer, the last position's logits, and the caching
allocator's reserve on top of what KV and prefill allocate.
"""

from __future__ import annotations

from selectcheck.compute.architecture import Architecture
from selectcheck.compute.memory.constants import (
    ALLOCATOR_RESERVE_INFERENCE,
    CUDA_CONTEXT_BYTES,
    MULTI_GPU_COMM_BYTES,
    TORCH_WORKSPACE_BYTES,
)
from selectcheck.compute.memory.estimate import MemoryEstimate, build_estimate
from selectcheck.compute.memory.parallel import sharding
from selectcheck.compute.memory.parts import (
    attention_memory,
    inference_activation_bytes,
    kv_cache_bytes,
    largest_linear,
    moe_dispatch_bytes,
)
from selectcheck.compute.memory.precisions import (
    BITSANDBYTES_PRECISIONS,
    compute_bytes,
    kv_bytes_per_element,
    weight_bytes,
)
from selectcheck.compute.memory.workload import MemoryWorkload


def estimate(workload: MemoryWorkload, arch: Architecture, params: int, exact_arch: bool) -> MemoryEstimate:
    n = workload.gpu_count
    strategy = workload.resolved_parallelism
    share = sharding(strategy, n)
    # Tensor parallel splits heads and inner widths; pipeline stages hold their own layers.
    tensor_parallel = n if strategy == "tensor" else 1
    precision = workload.precision
    cb = compute_bytes(precision)
    weights = weight_bytes(arch if exact_arch else None, params, precision) * share.weights
    kv: float = kv_cache_bytes(
        arch,
        workload.context_length,
        workload.batch_size,
        kv_bytes_per_element(workload.resolved_kv_cache_precision),
        engine="transformers",
        gpu_count=tensor_parallel,
    )
    if strategy == "pipeline":
        kv = kv * share.kv_cache
    tokens = workload.context_length * workload.batch_size
    acts: float = inference_activation_bytes(arch, tokens, cb, gpu_count=tensor_parallel)
    # Last-position logits: bf16 output, fp32 copy and the processed scores in generate.
    logits = workload.batch_size * arch.vocab_size * (cb + 8)
    acts += logits
    scores, mask = attention_memory(
        arch, workload.attention, workload.context_length, workload.batch_size, tensor_parallel=tensor_parallel
    )
    acts += scores + mask
    workspace = TORCH_WORKSPACE_BYTES + moe_dispatch_bytes(arch, cb)
    if precision in BITSANDBYTES_PRECISIONS:
        # bitsandbytes dequantises one weight matrix at a time to 16-bit.
        workspace += largest_linear(arch) * 2
    reserve = ALLOCATOR_RESERVE_INFERENCE * (kv + acts)
    comm = MULTI_GPU_COMM_BYTES if n > 1 else 0
    return build_estimate(
        workload,
        params,
        {"weights": weights, "kv_cache": kv, "activations": acts},
        {
            "cuda_context": CUDA_CONTEXT_BYTES,
            "workspace": workspace,
            "allocator_reserve": reserve,
            "multi_gpu_communication": comm,
        },
        {
            "logits": logits,
            "attention_mask": mask,
            "attention_scores": scores,
        },
        "prefill",
    )
