"""The parts every engine shares: KV cache, the prefill peak, attention masks, widths.

Which engine keeps what is data here (:data:`ENGINE_HONOURS_SLIDING_WINDOW`,
:data:`ENGINE_CACHES_MLA_LATENT`); the engines' own estimates are in ``transformers.py``,
``vllm.py``, ``llama_cpp.py`` and ``training.py``.
"""

from __future__ import annotations

import math

from selectcheck.compute.architecture import Architecture
from selectcheck.compute.memory.constants import LLAMA_CPP_UBATCH, VLLM_BLOCK_SIZE, VLLM_MAX_NUM_BATCHED_TOKENS

# Does the engine keep only the window for sliding-window layers?
#   transformers: no at the peak. DynamicCache's sliding layers keep a *view* of the full
#     prefill key/value tensors until the next decode step, so during prefill every layer
#     holds the whole prompt (and older HybridCache/static caches differ by version).
#   vllm: yes. The V1 hybrid KV-cache manager gives sliding layers a SlidingWindowSpec:
#     min(window - 1 + max_num_batched_tokens, context) tokens per sequence.
#   llama.cpp: yes. Its SWA cache (default since mid-2025; --swa-full turns it off) keeps
#     window + one micro-batch per sequence.
ENGINE_HONOURS_SLIDING_WINDOW = {"transformers": False, "vllm": True, "llama.cpp": True}
# Does the engine cache MLA's compressed latent (instead of per-head K and V)?
#   transformers' DeepSeek-V3 attention decompresses and caches per-head K/V.
ENGINE_CACHES_MLA_LATENT = {"transformers": False, "vllm": True, "llama.cpp": True}


# -- KV cache -----------------------------------------------------------------------------


def kv_cache_bytes_per_token(arch: Architecture, kv_bytes: float = 2.0, *, engine: str = "transformers") -> float:
    """KV bytes per token of one sequence over all layers, at full attention."""
    if arch.is_mla and ENGINE_CACHES_MLA_LATENT.get(engine, False):
        assert arch.kv_lora_rank is not None and arch.qk_rope_head_dim is not None
        return arch.num_hidden_layers * (arch.kv_lora_rank + arch.qk_rope_head_dim) * kv_bytes
    if arch.is_mla:
        assert arch.qk_nope_head_dim is not None and arch.qk_rope_head_dim is not None
        assert arch.v_head_dim is not None
        per_layer = arch.num_attention_heads * (arch.qk_nope_head_dim + arch.qk_rope_head_dim + arch.v_head_dim)
        return arch.num_hidden_layers * per_layer * kv_bytes
    per_layer_heads = arch.num_key_value_heads * arch.attention_head_dim
    return 2 * arch.num_hidden_layers * per_layer_heads * kv_bytes


def kv_cache_bytes(
    arch: Architecture,
    tokens: int,
    batch_size: int = 1,
    kv_bytes: float = 2.0,
    *,
    engine: str = "transformers",
    gpu_count: int = 1,
) -> int:
    """KV cache of ``batch_size`` sequences of ``tokens`` tokens on one GPU.

    GQA and explicit head_dim via the architecture; MLA latent where the engine caches it;
    sliding-window layers keep only the window where the engine honours it; tensor parallel
    splits KV heads across GPUs (a KV head is never split: at least one per GPU) and
    replicates MLA's latent.
    """
    if tokens < 0 or batch_size < 0:
        raise ValueError("tokens and batch_size must be non-negative")
    honours = ENGINE_HONOURS_SLIDING_WINDOW.get(engine, False)
    per_token_all = kv_cache_bytes_per_token(arch, kv_bytes, engine=engine)
    per_layer = per_token_all / arch.num_hidden_layers
    if arch.is_mla and ENGINE_CACHES_MLA_LATENT.get(engine, False):
        tp_share = 1.0
    elif arch.is_mla:
        tp_share = 1.0 / gpu_count
    else:
        heads_per_gpu = math.ceil(arch.num_key_value_heads / gpu_count)
        tp_share = heads_per_gpu / arch.num_key_value_heads

    def stored(n: int) -> int:
        if engine == "vllm":
            return VLLM_BLOCK_SIZE * math.ceil(n / VLLM_BLOCK_SIZE)
        return n

    full_tokens = stored(tokens)
    window_tokens = full_tokens
    if honours and arch.sliding_window:
        if engine == "vllm":
            kept = min(tokens, arch.sliding_window - 1 + VLLM_MAX_NUM_BATCHED_TOKENS)
            window_tokens = min(full_tokens, stored(kept) + VLLM_BLOCK_SIZE)
        else:  # llama.cpp: window + one micro-batch
            window_tokens = min(tokens, arch.sliding_window + LLAMA_CPP_UBATCH)
    sliding = arch.sliding_layers if honours else 0
    full = arch.num_hidden_layers - sliding
    total = per_layer * (full * full_tokens + sliding * window_tokens) * batch_size * tp_share
    return math.ceil(total)


# -- widths ---------------------------------------------------------------------------------


def mlp_tokens_width(arch: Architecture) -> int:
    """MLP intermediate width per token: dense, or top-k routed experts plus shared ones."""
    if not arch.is_moe:
        return arch.intermediate_size
    width = arch.num_experts_per_tok * arch.expert_intermediate_size
    if arch.shared_expert_intermediate_size:
        width += arch.shared_expert_intermediate_size
    elif arch.num_shared_experts:
        width += arch.num_shared_experts * arch.expert_intermediate_size
    return width


def value_dim(arch: Architecture) -> int:
    """Width of the value projection output (MLA: heads × v_head_dim)."""
    if arch.is_mla:
        assert arch.v_head_dim is not None
        return arch.num_attention_heads * arch.v_head_dim
    return arch.kv_dim


def largest_linear(arch: Architecture) -> int:
    """Parameters of the largest single weight matrix of a decoder layer."""
    h = arch.hidden_size
    return max(h * arch.q_dim, h * max(arch.intermediate_size, arch.expert_intermediate_size))


def moe_dispatch_bytes(arch: Architecture, compute_bytes: int) -> int:
    """transformers' MoE dispatch workspace: the routed experts' weights for top-k
    (observed as a constant ≈ 2 experts' worth on Mixtral-8x7B)."""
    if not arch.is_moe:
        return 0
    h = arch.hidden_size
    per_expert = (3 if arch.mlp == "gated" else 2) * h * arch.expert_intermediate_size
    return arch.num_experts_per_tok * per_expert * compute_bytes


# -- prefill ------------------------------------------------------------------------------------


def inference_activation_bytes(arch: Architecture, tokens: int, compute_bytes: int = 2, gpu_count: int = 1) -> int:
    """Prefill peak of HF transformers for ``tokens`` tokens (batch × prompt length).

    Alive at the MLP of a layer: the input embeddings, the layer input, the post-attention
    residual and the normed input (4 × hidden), plus the MLP's intermediates (gated: act(gate),
    up and their product = 3 × intermediate; a fused gate_up projection adds one more; MoE:
    top-k experts' intermediates and their gathered inputs). The attention stage (q, k, v and
    the rotary temporaries) is taken instead when it is larger. Flash/SDPA kernels keep no
    tokens² matrix. Plus cos/sin and the last position's logits.
    """
    h = arch.hidden_size
    shard = gpu_count
    inter = mlp_tokens_width(arch)
    # gated: act(gate), up and their product (a fused gate_up output is one more); plain: 2.
    mlp_factor = (4 if arch.fused_gate_up else 3) if arch.mlp == "gated" else 2
    mlp_stage = 4 * h + mlp_factor * inter / shard
    if arch.is_moe:
        mlp_stage += arch.num_experts_per_tok * h  # tokens gathered per expert
    attn_stage = 3 * h + (4 * arch.q_dim + 2 * arch.kv_dim + value_dim(arch)) / shard
    per_token = max(mlp_stage, attn_stage) * compute_bytes
    per_token += 4 * (arch.qk_rope_head_dim or arch.attention_head_dim) * 2  # cos/sin + temps
    return int(per_token * tokens)


def attention_mask_bytes(
    arch: Architecture,
    tokens: int,
    batch_size: int,
    *,
    training: bool = False,
    gradient_checkpointing: bool = False,
) -> int:
    """The (batch, 1, tokens, tokens) attention mask transformers builds when SDPA's built-in
    causal mask cannot be used: sliding-window layers once the sequence is longer than the
    window, and every layer of an architecture that always materialises its mask (Falcon adds
    ALiBi onto it).

    The mask is boolean (1 byte per entry). SDPA turns it into an additive 16-bit bias in each
    masked layer, so inference holds 3 bytes per entry (the conversion's 1-byte negation is
    gone before the MLP's intermediates appear). In training the memory-efficient kernel
    saves each masked layer's bias for backward (2 bytes per entry and layer; with gradient
    checkpointing only the recomputed layer's), and the negation briefly adds a byte."""
    if arch.materialises_causal_mask:
        masked_layers = arch.num_hidden_layers
    elif arch.sliding_layers and arch.sliding_window is not None and tokens > arch.sliding_window:
        masked_layers = arch.sliding_layers
    else:
        return 0
    entries = batch_size * tokens * tokens
    if not training:
        return 3 * entries
    saved_biases = 1 if gradient_checkpointing else masked_layers
    return (2 + 2 * saved_biases) * entries


def attention_memory(
    arch: Architecture,
    attention: str,
    tokens: int,
    batch_size: int,
    *,
    training: bool = False,
    gradient_checkpointing: bool = False,
    tensor_parallel: int = 1,
) -> tuple[float, int]:
    """(scores, mask) bytes of the attention implementation at the peak.

    ``eager`` materialises each layer's (batch, heads, tokens, tokens) scores: the bf16
    product, its fp32 softmax and the bf16 cast, 6 bytes a score alive together, on this GPU's
    heads; in training every layer keeps its softmax and probabilities for backward (with
    checkpointing only the recomputed layer), and it adds the 16-bit 4D causal mask.
    ``flash`` (flash-attention 2) masks inside the kernel, sliding windows included. ``sdpa``
    holds a mask only where it cannot use its built-in causal one (:func:`attention_mask_bytes`).
    """
    if attention == "eager":
        layers = arch.num_hidden_layers if training and not gradient_checkpointing else 1
        scores = layers * 6 * batch_size * arch.num_attention_heads * tokens * tokens / tensor_parallel
        return scores, 2 * batch_size * tokens * tokens
    if attention == "flash":
        return 0.0, 0
    mask = attention_mask_bytes(
        arch, tokens, batch_size, training=training, gradient_checkpointing=gradient_checkpointing
    )
    return 0.0, mask
