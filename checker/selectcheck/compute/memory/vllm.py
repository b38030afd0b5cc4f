"""vLLM serving: weights, the KV cache the workload needs, the profile run, CUDA graphs.

vLLM claims ``gpu_memory_utilization`` of the card up front; what weights, the profile
run's activation peak and non-torch memory leave of that share becomes the KV cache pool.
"""

from __future__ import annotations

from selectcheck.compute.architecture import Architecture
from selectcheck.compute.memory.constants import (
    CUDA_CONTEXT_BYTES,
    MULTI_GPU_COMM_BYTES,
    TORCH_WORKSPACE_BYTES,
    VLLM_CUDA_GRAPH_BYTES,
    VLLM_MAX_NUM_BATCHED_TOKENS,
    VLLM_MAX_NUM_SEQS,
    VLLM_NON_TORCH_BYTES,
)
from selectcheck.compute.memory.estimate import MemoryEstimate, build_estimate
from selectcheck.compute.memory.parts import kv_cache_bytes, mlp_tokens_width
from selectcheck.compute.memory.precisions import compute_bytes, kv_bytes_per_element, weight_bytes
from selectcheck.compute.memory.workload import MemoryWorkload


def profile_activation_bytes(arch: Architecture, compute: int, gpu_count: int) -> int:
    """vLLM's profile run: one forward of max_num_batched_tokens tokens with fused kernels
    (fused qkv, SiluAndMul), then the sampler on max_num_seqs rows of fp32 logits."""
    h = arch.hidden_size
    n = gpu_count
    inter = mlp_tokens_width(arch)
    width = 2 * h + max((arch.q_dim + 2 * arch.kv_dim + arch.attn_out_dim) / n, 3 * inter / n)
    forward = VLLM_MAX_NUM_BATCHED_TOKENS * width * compute
    sampler = VLLM_MAX_NUM_SEQS * arch.vocab_size / n * 4 * 3
    return int(forward + sampler)


def estimate(workload: MemoryWorkload, arch: Architecture, params: int) -> MemoryEstimate:
    n = workload.gpu_count
    cb = compute_bytes(workload.precision)
    weights = weight_bytes(arch, params, workload.precision) / n
    kv = kv_cache_bytes(
        arch,
        workload.context_length,
        workload.batch_size,
        kv_bytes_per_element(workload.resolved_kv_cache_precision),
        engine="vllm",
        gpu_count=n,
    )
    acts = profile_activation_bytes(arch, cb, n)
    comm = MULTI_GPU_COMM_BYTES if n > 1 else 0
    workspace = VLLM_CUDA_GRAPH_BYTES + VLLM_NON_TORCH_BYTES + TORCH_WORKSPACE_BYTES
    overhead = CUDA_CONTEXT_BYTES + workspace + comm
    return build_estimate(
        workload,
        params,
        {"weights": weights, "kv_cache": kv, "activations": acts, "overhead": overhead},
        {
            "cuda_context": CUDA_CONTEXT_BYTES,
            "workspace": workspace,
            "multi_gpu_communication": comm,
        },
        "serving",
    )
