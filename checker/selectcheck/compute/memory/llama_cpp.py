"""llama.cpp serving: GGUF weights, its KV cache and the compute buffer of one micro-batch,
as llama.cpp logs them (``CUDA0 model buffer``, ``KV self size``, ``CUDA0 compute buffer``).

* Weights: the token embeddings stay in host memory (llama.cpp looks tokens up on the CPU);
  ``gpu_layers`` decoder layers go to the GPU, and the output head too once every layer is
  there. The rest is host RAM.
* KV cache: f16 by default, for ``parallel`` slots of ``context_length`` tokens; a layer's
  cache lives where the layer does. Sliding-window layers keep window + one micro-batch.
* Compute buffer: the larger of the attention stage and the MLP stage of one ``n_ubatch``
  micro-batch against the whole cache, in fp32. Without flash attention the attention stage
  holds the ``n_ubatch × n_ctx × heads`` score matrix and an fp32 mask; with it, only an f16
  mask.
"""

from __future__ import annotations

from selectcheck.compute.architecture import Architecture
from selectcheck.compute.memory.constants import (
    LLAMA_CPP_CONTEXT_BYTES,
    LLAMA_CPP_WORKSPACE_BYTES,
    MULTI_GPU_COMM_BYTES,
)
from selectcheck.compute.memory.estimate import MemoryEstimate, build_estimate
from selectcheck.compute.memory.parts import kv_cache_bytes, mlp_tokens_width
from selectcheck.compute.memory.precisions import bits_per_weight, kv_bytes_per_element
from selectcheck.compute.memory.workload import MemoryWorkload

# llama.cpp pads the cache to a multiple of 256 cells.
KV_PADDING = 256


def compute_buffer_bytes(
    arch: Architecture, *, context_tokens: int, ubatch: int, flash_attention: bool, outputs: int
) -> int:
    """The CUDA compute buffer llama.cpp reserves for its worst-case graph: one micro-batch
    of ``ubatch`` tokens attending to ``context_tokens`` cache cells, in fp32, plus the
    logits of ``outputs`` sequences."""
    h = arch.hidden_size
    ub = min(ubatch, context_tokens)
    n_kv = KV_PADDING * -(-context_tokens // KV_PADDING)
    # Q, the attention output, the layer input and the residual: four hidden-size rows.
    attention = ub * 4 * h * 4
    if flash_attention:
        attention += ub * n_kv * 2  # f16 mask
    else:
        attention += ub * n_kv * arch.num_attention_heads * 4 + ub * n_kv * 4  # KQ scores, f32 mask
    mlp = ub * (2 * h + 2 * mlp_tokens_width(arch)) * 4
    return int(max(attention, mlp) + outputs * arch.vocab_size * 4)


def estimate(workload: MemoryWorkload, arch: Architecture, params: int) -> MemoryEstimate:
    n = workload.gpu_count
    layers = arch.num_hidden_layers
    on_gpu = layers if workload.gpu_layers is None else min(workload.gpu_layers, layers)
    gpu_share = on_gpu / layers
    bytes_per_param = bits_per_weight(workload.precision) / 8
    table = arch.vocab_size * arch.hidden_size
    # The token embeddings stay on the host; the output head (a copy of the embeddings when
    # they are tied) goes to the GPU with the last layer.
    layer_params = params - table * (1 if arch.tie_word_embeddings else 2)
    head_on_gpu = on_gpu == layers
    gpu_params = layer_params * gpu_share + (table if head_on_gpu else 0)
    host_params = table + layer_params * (1 - gpu_share)
    if not head_on_gpu and not arch.tie_word_embeddings:
        host_params += table
    sequences = workload.sequences
    kv_all = kv_cache_bytes(
        arch,
        workload.context_length,
        sequences,
        kv_bytes_per_element(workload.resolved_kv_cache_precision),
        engine="llama.cpp",
    )
    compute = compute_buffer_bytes(
        arch,
        context_tokens=workload.context_length * sequences,
        ubatch=workload.n_ubatch,
        flash_attention=workload.flash_attention,
        outputs=sequences,
    )
    comm = MULTI_GPU_COMM_BYTES if n > 1 else 0
    return build_estimate(
        workload,
        params,
        {
            # Several GPUs split the offloaded layers (and their cache) between them.
            "weights": gpu_params * bytes_per_param / n,
            "kv_cache": kv_all * gpu_share / n,
            "activations": compute,
        },
        {
            "cuda_context": LLAMA_CPP_CONTEXT_BYTES,
            "workspace": LLAMA_CPP_WORKSPACE_BYTES,
            "multi_gpu_communication": comm,
        },
        {"compute_buffer": compute},
        "serving",
        host_bytes=host_params * bytes_per_param + kv_all * (1 - gpu_share),
    )
