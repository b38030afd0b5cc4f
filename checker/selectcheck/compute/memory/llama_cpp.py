"""llama.cpp serving: GGUF weights, its f16 KV cache, one micro-batch's compute buffer."""

from __future__ import annotations

from selectcheck.compute.architecture import Architecture
from selectcheck.compute.memory.constants import (
    LLAMA_CPP_CONTEXT_BYTES,
    LLAMA_CPP_UBATCH,
    LLAMA_CPP_WORKSPACE_BYTES,
    MULTI_GPU_COMM_BYTES,
)
from selectcheck.compute.memory.estimate import MemoryEstimate, build_estimate
from selectcheck.compute.memory.parts import kv_cache_bytes, mlp_tokens_width
from selectcheck.compute.memory.precisions import kv_bytes_per_element, weight_bytes
from selectcheck.compute.memory.workload import MemoryWorkload


def estimate(workload: MemoryWorkload, arch: Architecture, params: int) -> MemoryEstimate:
    n = workload.gpu_count
    weights = weight_bytes(arch, params, workload.precision) / n
    kv_precision = workload.kv_cache_precision or "fp16"
    if workload.precision == "fp32" and workload.kv_cache_precision is None:
        kv_precision = "fp16"  # llama.cpp's default cache type is f16 whatever the weights
    kv = kv_cache_bytes(
        arch,
        workload.context_length,
        workload.batch_size,
        kv_bytes_per_element(kv_precision),
        engine="llama.cpp",
        gpu_count=n,
    )
    # Compute buffer for one micro-batch (flash attention on: no ubatch × context scores),
    # in fp32, plus the output logits of every sequence.
    h = arch.hidden_size
    width = 4 * h + 3 * mlp_tokens_width(arch) / n + (arch.q_dim + 2 * arch.kv_dim) / n
    compute = LLAMA_CPP_UBATCH * (width + arch.vocab_size) * 4
    outputs = workload.batch_size * arch.vocab_size * 4
    acts = compute + outputs
    comm = MULTI_GPU_COMM_BYTES if n > 1 else 0
    overhead = LLAMA_CPP_CONTEXT_BYTES + LLAMA_CPP_WORKSPACE_BYTES + comm
    return build_estimate(
        workload,
        params,
        {"weights": weights, "kv_cache": kv, "activations": acts, "overhead": overhead},
        {"cuda_context": LLAMA_CPP_CONTEXT_BYTES, "workspace": LLAMA_CPP_WORKSPACE_BYTES},
        "serving",
    )
