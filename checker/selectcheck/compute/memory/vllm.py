"""vLLM serving: what its ``gpu_memory_utilization`` share holds, and the KV cache pool.

vLLM claims ``gpu_memory_utilization`` × the card's memory up front. Inside that share: the
weights, the activation peak of a profile run (one forward of ``max_num_batched_tokens``
tokens, then the sampler on ``max_num_seqs`` rows of logits) and non-torch memory; what they
leave is the KV cache pool, cut into blocks of 16 tokens. The CUDA context (created before
vLLM takes its memory snapshot) and the CUDA graphs (captured after the pool is allocated)
live outside the share, in the rest of the card.

The estimate's total is what the share must hold for the workload (weights, profile peak,
non-torch memory and the KV cache of ``context_length × batch_size`` tokens), as DESIGN §5
defines the vLLM check; :func:`capacity` reproduces what vLLM logs at start-up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from selectcheck.compute.architecture import Architecture
from selectcheck.compute.memory.constants import (
    CUDA_CONTEXT_BYTES,
    MULTI_GPU_COMM_BYTES,
    VLLM_BLOCK_SIZE,
    VLLM_CUDA_GRAPH_BYTES,
    VLLM_NON_TORCH_BYTES,
    VLLM_PROFILE_HIDDEN_COPIES,
    VLLM_SAMPLER_BYTES_PER_LOGIT,
)
from selectcheck.compute.memory.estimate import MemoryEstimate, build_estimate
from selectcheck.compute.memory.parallel import sharding
from selectcheck.compute.memory.parts import kv_cache_bytes, mlp_tokens_width
from selectcheck.compute.memory.precisions import compute_bytes, kv_bytes_per_element, weight_bytes
from selectcheck.compute.memory.workload import MemoryWorkload


def profile_activation_bytes(
    arch: Architecture, compute: int, *, tensor_parallel: int, batched_tokens: int, sequences: int
) -> int:
    """The profile run's activation peak: one forward of ``batched_tokens`` tokens with fused
    kernels (fused qkv, SiluAndMul; the residual, the normed input and the layer input alive
    beside the widest stage), or, when larger, the sampler that runs after it on ``sequences``
    rows of fp32 logits over the whole vocabulary (gathered on one GPU under tensor
    parallelism)."""
    h = arch.hidden_size
    tp = tensor_parallel
    inter = mlp_tokens_width(arch)
    stage = max((arch.q_dim + 2 * arch.kv_dim + arch.attn_out_dim) / tp, 3 * inter / tp)
    forward = batched_tokens * (VLLM_PROFILE_HIDDEN_COPIES * h + stage) * compute
    sampler = sequences * arch.vocab_size * VLLM_SAMPLER_BYTES_PER_LOGIT
    return int(max(forward, sampler))


def _kv(workload: MemoryWorkload, arch: Architecture, tokens: int, sequences: int) -> float:
    strategy = workload.resolved_parallelism
    share = sharding(strategy, workload.gpu_count)
    kv = kv_cache_bytes(
        arch,
        tokens,
        sequences,
        kv_bytes_per_element(workload.resolved_kv_cache_precision),
        engine="vllm",
        gpu_count=workload.gpu_count if strategy == "tensor" else 1,
    )
    return kv * (share.kv_cache if strategy == "pipeline" else 1.0)


def estimate(workload: MemoryWorkload, arch: Architecture, params: int) -> MemoryEstimate:
    n = workload.gpu_count
    strategy = workload.resolved_parallelism
    share = sharding(strategy, n)
    tensor_parallel = n if strategy == "tensor" else 1
    weights = weight_bytes(arch, params, workload.precision) * share.weights
    kv = _kv(workload, arch, workload.context_length, workload.batch_size)
    acts = profile_activation_bytes(
        arch,
        compute_bytes(workload.precision),
        tensor_parallel=tensor_parallel,
        batched_tokens=workload.max_num_batched_tokens,
        sequences=workload.max_num_seqs,
    )
    comm = MULTI_GPU_COMM_BYTES if n > 1 else 0
    return build_estimate(
        workload,
        params,
        {"weights": weights, "kv_cache": kv, "activations": acts},
        {"multi_gpu_communication": comm, "non_torch": VLLM_NON_TORCH_BYTES},
        {
            # Outside the share: the rest of the card must hold them.
            "outside_share_cuda_context": CUDA_CONTEXT_BYTES,
            "outside_share_cuda_graphs": VLLM_CUDA_GRAPH_BYTES,
        },
        "serving",
    )


@dataclass(frozen=True)
class VllmCapacity:
    """What vLLM reports at start-up on one card, for the workload's settings."""

    share_bytes: int  # gpu_memory_utilization × the card
    pool_bytes: int  # what weights, profile peak and non-torch memory leave of the share
    kv_cache_tokens: int  # "GPU KV cache size: N tokens" (whole blocks)
    max_concurrency: float  # "Maximum concurrency for max_model_len tokens per request"
    request_tokens: int  # max_model_len
    outside_share_bytes: int  # CUDA context and graphs, in the rest of the card
    outside_room_bytes: int  # the rest of the card

    @property
    def starts(self) -> bool:
        """vLLM refuses to start when one request of max_model_len tokens does not fit."""
        return self.max_concurrency >= 1

    @property
    def outside_fits(self) -> bool:
        return self.outside_share_bytes <= self.outside_room_bytes


def capacity(workload: MemoryWorkload, arch: Architecture, estimate: MemoryEstimate, card_bytes: int) -> VllmCapacity:
    """The KV cache pool of ``workload`` on a card of ``card_bytes`` (per GPU), in tokens and
    in requests of ``max_model_len`` tokens, as vLLM computes them."""
    share = int(card_bytes * workload.gpu_memory_utilization)
    pool = max(0, share - (estimate.total_bytes - estimate.kv_cache))
    per_block = _kv(workload, arch, VLLM_BLOCK_SIZE, 1)
    blocks = int(pool // per_block) if per_block else 0
    request = workload.resolved_max_model_len
    per_request = _kv(workload, arch, request, 1)
    if arch.sliding_layers:
        # A sliding-window request needs fewer blocks than its tokens at full attention would:
        # count the pool in requests, and its tokens through them.
        concurrency = pool / per_request if per_request else math.inf
        tokens = min(blocks * VLLM_BLOCK_SIZE, int(concurrency * request))
    else:
        tokens = blocks * VLLM_BLOCK_SIZE
        concurrency = tokens / request
    details = estimate.detail()
    outside = details.get("outside_share_cuda_context", 0) + details.get("outside_share_cuda_graphs", 0)
    return VllmCapacity(
        share_bytes=share,
        pool_bytes=pool,
        kv_cache_tokens=tokens,
        max_concurrency=concurrency,
        request_tokens=request,
        outside_share_bytes=outside,
        outside_room_bytes=card_bytes - share,
    )
