"""Peak GPU memory of one workload, per GPU, as a sum of named parts (DESIGN §5).

Pure functions, no I/O. :func:`estimate_memory` returns a :class:`MemoryEstimate` whose parts
``weights, kv_cache, activations, gradients, optimizer, overhead`` add up to ``total_bytes``,
the peak on one GPU that is compared with the card.

The model is physics first, with the few constants that physics cannot give (CUDA context,
library workspaces, allocator fragmentation) measured on an H200 with PyTorch 2.11 and HF
transformers 5.17 (``tests/data/vram-h200-transformers.jsonl``):

* **weights**: parameters × bits per weight of the precision, quantisation metadata included
  (group scales, NF4 absmax, GGUF block scales). Weight quantisers (GPTQ, AWQ, bitsandbytes,
  fp8) leave embeddings, LM head and norms in 16-bit; GGUF figures are whole-file averages.
* **kv_cache**: ``2 · layers · kv_heads · head_dim · tokens · batch · bytes`` with GQA and an
  explicit ``head_dim``; MLA caches the latent (``kv_lora_rank + qk_rope_head_dim``, one
  "head", no factor 2) in engines that implement it; sliding-window layers keep only the window
  in engines that honour it (see :data:`ENGINE_HONOURS_SLIDING_WINDOW`).
* **activations**: inference: the prefill peak of one layer (transformers frees every
  intermediate after each layer; the logits of the last position only, which is what
  ``generate`` computes since transformers 4.45 — the measurements at 131k tokens rule out
  full-prompt logits). Training: everything autograd saves, per layer and token, for the
  exact op sequence of a HF decoder layer (full, autocast ``mixed``, LoRA/QLoRA via peft with
  fp32 adapters), or only the layer inputs plus one recomputed layer with gradient
  checkpointing; plus the fp32 logits/log-softmax of the loss.
* **gradients / optimizer**: gradients of the trainable parameters; AdamW keeps two states in
  the parameter dtype (fp32 for ``mixed``) and its foreach step allocates one more
  parameter-sized buffer; ``mixed`` adds fp32 master weights (counted under optimizer, as in
  DeepSpeed and EleutherAI's accounting, while the weights part is the bf16 compute copy;
  at the optimizer step only the master copy is left, and it is the weights part).
* **the training peak** is the larger of two moments, and the parts describe that moment:
  *backward* (every saved activation, the states, and only the first gradient, the LM
  head's: backward frees a layer's activations as it writes that layer's gradients) and the
  *optimizer step* (all gradients, the states, the step's buffers, the next iteration's
  logits, which cannot reuse the parameter-sized holes the step leaves, and the share of the
  freed activations' space that the first step's states could not use). Short sequences
  and gradient checkpointing peak at the step, long sequences in backward.
* **overhead**: CUDA context and libraries, library workspaces (cuBLAS/cuBLASLt, vLLM CUDA
  graphs and profile activations, llama.cpp compute buffers), and the PyTorch caching
  allocator's reserve (fragmentation): memory it holds but cannot hand out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from selectcheck.compute.architecture import (
    Architecture,
    count_parameters,
    linear_parameters,
    lora_parameters,
)

GB = 1_000_000_000

MODES = ("inference", "lora", "qlora", "full-finetune")
ENGINES = ("transformers", "vllm", "llama.cpp")
OPTIMIZERS = ("adamw", "adamw-8bit", "sgd")
TRAINING_MODES = ("lora", "qlora", "full-finetune")

# Bits per weight, quantisation metadata included.
NF4_BITS = 4 + 32 / 64  # fp32 absmax per 64-weight block (bitsandbytes default)
NF4_DOUBLE_QUANT_BITS = 4 + 8 / 64 + 32 / (64 * 256)  # ≈ 4.127: 8-bit absmax, fp32 per 256 blocks
GROUP128_INT4_BITS = 4 + (16 + 4) / 128  # fp16 scale + 4-bit zero point per 128 weights
WEIGHT_BITS: dict[str, float] = {
    "fp32": 32.0,
    "bf16": 16.0,
    "fp16": 16.0,
    "mixed": 16.0,  # the bf16 compute copy; fp32 master weights are counted under optimizer
    "fp8": 8.0 + 32 / 4096,  # e4m3 plus a per-channel fp32 scale
    "int8": 8.0 + 32 / 4096,  # LLM.int8 / W8A8: int8 plus a per-row fp32 scale
    "int4": GROUP128_INT4_BITS,
    "nf4": NF4_BITS,
    "gptq-int4": GROUP128_INT4_BITS,
    "awq-int4": GROUP128_INT4_BITS,
    # llama.cpp tools/quantize README, whole-file averages (Llama-3.1-8B table; Q3_K_M from
    # the Llama-2-7B table; Q4_0 from its block layout: 18 bytes per 32 weights).
    "gguf-q8_0": 8.5008,
    "gguf-q6_k": 6.5633,
    "gguf-q5_k_m": 5.7036,
    "gguf-q4_k_m": 4.8944,
    "gguf-q4_0": 4.5,
    "gguf-q3_k_m": 3.91,
    "gguf-q2_k": 3.1593,
}
PRECISIONS = tuple(WEIGHT_BITS)
QUANTIZED_PRECISIONS = ("fp8", "int8", "int4", "nf4", "gptq-int4", "awq-int4")
GGUF_PRECISIONS = tuple(p for p in PRECISIONS if p.startswith("gguf-"))

# Bytes per cached key/value element.
KV_BYTES: dict[str, float] = {
    "fp32": 4.0,
    "bf16": 2.0,
    "fp16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "q8_0": 34 / 32,  # llama.cpp --cache-type-k q8_0
    "q4_0": 18 / 32,
}
KV_PRECISIONS = tuple(KV_BYTES)

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

# Runtime constants (bytes).
CUDA_CONTEXT_BYTES = 820_000_000  # CUDA context + loaded kernels/libraries: 0.73-0.82 GB seen
LLAMA_CPP_CONTEXT_BYTES = 500_000_000  # no PyTorch kernels loaded
TORCH_WORKSPACE_BYTES = 200_000_000  # cuBLAS/cuBLASLt workspaces and small buffers: 34-218 MB
# PyTorch caching allocator reserve (fragmentation), as a share of the transient memory.
# Inference prefill interleaves persistent KV blocks with per-layer temporaries, which
# strands free blocks: reserved - allocated was 8-31 % of (KV + activations) in the
# measurements. Training allocates saved activations stack-like, so the reserve is smaller:
# 6-26 % of the transient memory (activations and the optimizer step's buffers).
ALLOCATOR_RESERVE_INFERENCE = 0.30
ALLOCATOR_RESERVE_TRAINING = 0.12
# The loss's fp32 logits come in blocks of several GB (vocabulary × tokens × 4 bytes), and a
# block that size rarely finds a hole it fits: a larger share of them is reserved.
ALLOCATOR_RESERVE_LOGITS = 0.2
# At the optimizer step the reserve is of another kind. The first step allocates the states
# and the step's buffers, all parameter-shaped, into the holes that backward's freed
# activations left, cut up by the gradients written in between; about half of that space
# cannot take them. Plus a small reserve on the step's own buffers. (Both from the H200 runs
# and from replaying 222 training runs of 13 models through a model of the caching
# allocator: benchmarks/vram_simulate.py, tests/data/vram-simulated-h200.jsonl.)
STEP_STRANDED_ACTIVATION_SHARE = 0.55
ALLOCATOR_RESERVE_STEP = 0.03
VLLM_GPU_MEMORY_UTILIZATION = 0.9
VLLM_MAX_NUM_BATCHED_TOKENS = 8192  # profile run size (V1 default for LLM / large GPUs)
VLLM_MAX_NUM_SEQS = 256
VLLM_BLOCK_SIZE = 16
VLLM_CUDA_GRAPH_BYTES = 600_000_000  # 0.25-0.65 GiB reported; PR 21489 logs 0.65 GiB on H200
VLLM_NON_TORCH_BYTES = 200_000_000
LLAMA_CPP_UBATCH = 512
MULTI_GPU_COMM_BYTES = 300_000_000  # NCCL buffers per GPU when gpu_count > 1

PART_NAMES = ("weights", "kv_cache", "activations", "gradients", "optimizer", "overhead")


class MemoryWorkloadError(ValueError):
    """A workload setting is not one the estimator understands."""


@dataclass(frozen=True)
class MemoryWorkload:
    """The record's workload keys that decide memory (DESIGN §2)."""

    mode: str = "inference"
    precision: str = "bf16"
    context_length: int = 4096
    batch_size: int = 1
    kv_cache_precision: str | None = None
    gradient_checkpointing: bool = False
    optimizer: str = "adamw"
    lora_rank: int = 16
    engine: str = "transformers"
    gpu_count: int = 1

    def __post_init__(self) -> None:
        def choice(name: str, value: str, allowed: Sequence[str]) -> None:
            if value not in allowed:
                raise MemoryWorkloadError(f"{name} {value!r} is not one of: {', '.join(allowed)}")

        choice("mode", self.mode, MODES)
        choice("precision", self.precision, PRECISIONS)
        choice("engine", self.engine, ENGINES)
        choice("optimizer", self.optimizer, OPTIMIZERS)
        if self.kv_cache_precision is not None:
            choice("kv_cache_precision", self.kv_cache_precision, KV_PRECISIONS)
        for name in ("context_length", "batch_size", "lora_rank", "gpu_count"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise MemoryWorkloadError(f"{name} must be a positive integer, got {value!r}")
        if self.precision == "mixed" and self.mode != "full-finetune":
            raise MemoryWorkloadError("precision 'mixed' is only meaningful for full-finetune")
        if self.mode == "full-finetune" and self.precision not in ("fp32", "bf16", "fp16", "mixed"):
            raise MemoryWorkloadError(
                f"full-finetune trains every weight, which needs fp32, bf16, fp16 or mixed "
                f"precision, not {self.precision!r} (use lora or qlora for a quantised base)"
            )
        if self.mode in TRAINING_MODES and self.engine != "transformers":
            raise MemoryWorkloadError(f"{self.engine} is an inference engine; training uses transformers")
        if self.precision in GGUF_PRECISIONS and self.mode in TRAINING_MODES:
            raise MemoryWorkloadError("GGUF weights cannot be fine-tuned")

    @property
    def is_training(self) -> bool:
        return self.mode in TRAINING_MODES

    @property
    def resolved_kv_cache_precision(self) -> str:
        """The KV dtype: as given, else the compute dtype (bf16; fp16 for fp16 weights,
        fp32 for fp32 weights, which transformers keeps in the cache)."""
        if self.kv_cache_precision is not None:
            return self.kv_cache_precision
        if self.precision in ("fp16", "fp32"):
            return self.precision
        return "bf16"

    @property
    def base_precision(self) -> str:
        """The precision of the frozen/served weights (QLoRA: NF4 unless a quantised
        precision is given)."""
        if self.mode == "qlora" and self.precision not in QUANTIZED_PRECISIONS:
            return "nf4"
        return self.precision

    def resolved(self) -> dict[str, Any]:
        """The settings actually used, for reports (``selectcheck estimate --format json``)."""
        out: dict[str, Any] = {
            "mode": self.mode,
            "precision": self.precision,
            "kv_cache_precision": self.resolved_kv_cache_precision,
            "context_length": self.context_length,
            "batch_size": self.batch_size,
            "engine": self.engine,
            "gpu_count": self.gpu_count,
        }
        if self.is_training:
            out["gradient_checkpointing"] = self.gradient_checkpointing
            out["optimizer"] = self.optimizer
            if self.mode in ("lora", "qlora"):
                out["lora_rank"] = self.lora_rank
        return out

    def replace(self, **changes: Any) -> MemoryWorkload:
        return replace(self, **changes)


@dataclass(frozen=True)
class MemoryEstimate:
    """Peak memory on one GPU, in bytes, as named parts that add up to ``total_bytes``."""

    weights: int
    kv_cache: int
    activations: int
    gradients: int
    optimizer: int
    overhead: int
    total_bytes: int
    parameters: int
    workload: MemoryWorkload
    approximated: tuple[str, ...] = ()
    details: tuple[tuple[str, int], ...] = field(default=())
    # When the peak happens: "prefill" (transformers inference), "backward" or "optimizer
    # step" (training), "serving" (vLLM, llama.cpp: memory held for the whole run).
    moment: str = ""

    def parts(self) -> dict[str, int]:
        """The six parts, in the fixed order of the JSON report."""
        return {name: int(getattr(self, name)) for name in PART_NAMES}

    def detail(self) -> dict[str, int]:
        """Finer items inside the parts (CUDA context, allocator reserve, logits, …)."""
        return dict(self.details)

    @property
    def per_gpu_bytes(self) -> int:
        return self.total_bytes


@dataclass(frozen=True)
class VllmFit:
    """Whether a vLLM workload fits in the share ``gpu_memory_utilization`` claims."""

    fits: bool
    share_bytes: int
    needed_bytes: int
    kv_needed_bytes: int
    kv_available_bytes: int
    utilization: float
    kv_tokens_available: int  # tokens of KV (all sequences) the left-over share holds


@dataclass(frozen=True)
class FixSuggestion:
    """The cheapest change the estimator confirms fits, with a sentence for humans."""

    kind: str  # gradient-checkpointing | batch-size | optimizer | kv-cache-precision |
    #            precision | mode | context-length | gpu
    workload: MemoryWorkload
    total_bytes: int
    budget_bytes: int
    message: str
    gpu: str | None = None


# -- helpers -------------------------------------------------------------------------------


def bits_per_weight(precision: str) -> float:
    try:
        return WEIGHT_BITS[precision]
    except KeyError:
        raise MemoryWorkloadError(f"unknown precision {precision!r}") from None


def kv_bytes_per_element(kv_precision: str) -> float:
    try:
        return KV_BYTES[kv_precision]
    except KeyError:
        raise MemoryWorkloadError(f"unknown KV-cache precision {kv_precision!r}") from None


def usable_bytes(card_bytes: int, headroom: float) -> int:
    """What a workload may use on a card: total × (1 − headroom)."""
    if not 0 <= headroom < 1:
        raise ValueError(f"headroom must be in [0, 1), got {headroom}")
    return int(card_bytes * (1 - headroom))


def workload_budget_bytes(
    card_bytes: int,
    headroom: float,
    engine: str = "transformers",
    utilization: float = VLLM_GPU_MEMORY_UTILIZATION,
) -> int:
    """The budget a workload's total is compared with: the usable bytes, and for vLLM no
    more than the ``gpu_memory_utilization`` share it claims."""
    budget = usable_bytes(card_bytes, headroom)
    if engine == "vllm":
        budget = min(budget, int(card_bytes * utilization))
    return budget


def _compute_bytes(precision: str) -> int:
    """Bytes per activation element: fp32 models compute in fp32, everything else in 16-bit."""
    return 4 if precision == "fp32" else 2


def proxy_architecture(parameters: int) -> Architecture:
    """A typical modern decoder (GQA with 8 KV heads of 128, SwiGLU at 3.5 × hidden, 128k
    vocabulary, hidden = 128 × layers) with about ``parameters`` parameters. Used only when a
    model's architecture is unknown; the parts it drives are flagged as approximated."""
    if parameters <= 0:
        raise MemoryWorkloadError("parameters must be positive")
    vocab = 128_256
    best: Architecture | None = None
    best_err = math.inf
    for layers in range(2, 200):
        hidden = 128 * layers
        heads = hidden // 128
        arch = Architecture(
            hidden_size=hidden,
            num_hidden_layers=layers,
            num_attention_heads=heads,
            num_key_value_heads=min(8, heads),
            intermediate_size=128 * round(3.5 * hidden / 128),
            vocab_size=vocab,
            tie_word_embeddings=hidden < 3072,
        )
        err = abs(count_parameters(arch) - parameters)
        if err < best_err:
            best, best_err = arch, err
    assert best is not None
    return best


# -- weights ------------------------------------------------------------------------------


def weight_bytes(arch: Architecture | None, parameters: int, precision: str) -> int:
    """Bytes of the weights in ``precision`` (all experts resident).

    Non-GGUF quantisers keep embeddings, LM head, norms and routers in 16-bit.
    """
    bits = bits_per_weight(precision)
    if precision in QUANTIZED_PRECISIONS and arch is not None:
        quantised = linear_parameters(arch)
        return int(quantised * bits / 8 + (parameters - quantised) * 2)
    return int(parameters * bits / 8)


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


# -- activations --------------------------------------------------------------------------


def _mlp_tokens_width(arch: Architecture) -> int:
    """MLP intermediate width per token: dense, or top-k routed experts plus shared ones."""
    if not arch.is_moe:
        return arch.intermediate_size
    width = arch.num_experts_per_tok * arch.expert_intermediate_size
    if arch.shared_expert_intermediate_size:
        width += arch.shared_expert_intermediate_size
    elif arch.num_shared_experts:
        width += arch.num_shared_experts * arch.expert_intermediate_size
    return width


def _v_dim(arch: Architecture) -> int:
    if arch.is_mla:
        assert arch.v_head_dim is not None
        return arch.num_attention_heads * arch.v_head_dim
    return arch.kv_dim


def inference_activation_bytes(arch: Architecture, tokens: int, compute_bytes: int = 2, gpu_count: int = 1) -> int:
    """Prefill peak of HF transformers for ``tokens`` tokens (batch × prompt length).

    Alive at the MLP of a layer: the input embeddings, the layer input, the post-attention
    residual and the normed input (4 × hidden), plus the MLP's intermediates (gated: act(gate),
    up and their product = 3 × intermediate; Phi-3's fused gate_up adds one more; MoE: top-k
    experts' intermediates and their gathered inputs). The attention stage (q, k, v and the
    rotary temporaries) is taken instead when it is larger. Flash/SDPA kernels keep no
    tokens² matrix. Plus cos/sin and the last position's logits.
    """
    h = arch.hidden_size
    shard = gpu_count
    inter = _mlp_tokens_width(arch)
    mlp_factor = (4 if arch.model_type == "phi3" else 3) if arch.mlp == "gated" else 2
    mlp_stage = 4 * h + mlp_factor * inter / shard
    if arch.is_moe:
        mlp_stage += arch.num_experts_per_tok * h  # tokens gathered per expert
    attn_stage = 3 * h + (4 * arch.q_dim + 2 * arch.kv_dim + _v_dim(arch)) / shard
    per_token = max(mlp_stage, attn_stage) * compute_bytes
    per_token += 4 * (arch.qk_rope_head_dim or arch.attention_head_dim) * 2  # cos/sin + temps
    return int(per_token * tokens)


GEMMA_NORM_MODEL_TYPES = ("gemma", "gemma2", "gemma3", "gemma3_text")


def _layer_saved_bytes(arch: Architecture, kind: str) -> float:
    """Bytes autograd saves per token in one decoder layer (bf16 compute).

    ``kind``: ``full`` (every weight trainable), ``mixed`` (fp32 weights under bf16
    autocast: fp32 residual stream, one bf16 cast of the input per linear), ``lora`` (frozen
    16-bit base, peft adapters in fp32 that each save an fp32 copy of their input).
    """
    h = arch.hidden_size
    qd, kd, vd, od = arch.q_dim, arch.kv_dim, _v_dim(arch), arch.attn_out_dim
    inter = _mlp_tokens_width(arch)
    gated = arch.mlp == "gated"
    norms = arch.norms_per_layer
    sdpa = 2 * (qd + kd + vd + od) + 4 * arch.num_attention_heads  # q, k, v, out, logsumexp
    mlp_saved = (8 if gated else 4) * inter  # act input, act out, up (gated), down input
    # A trainable RMSNorm saves its fp32 input and its normalised output for the weight's
    # gradient: bf16 in Llama-style norms (x.to(bf16) * w), fp32 in Gemma's ((x * w).to(bf16)).
    # A frozen one (LoRA) saves only the fp32 input. q/k norms (Qwen3, Gemma-3, OLMo-2) do
    # the same over the query and key widths.
    norm_saved = 8 if arch.model_type in GEMMA_NORM_MODEL_TYPES else 6
    qk_width = qd + kd if arch.qk_norm != "none" else 0
    if kind == "full":
        return (norms * h + qk_width) * norm_saved + 2 * h * 2 + sdpa + 2 * od + mlp_saved
    if kind == "mixed":
        n_in_casts = 3 + (2 if gated else 1)
        return (norms * h + qk_width) * 8 + n_in_casts * 2 * h + sdpa + 2 * od + mlp_saved
    # lora: fp32 input copies for q, k, v, o, gate, up, down; base linears save nothing.
    n_h_inputs = 3 + (2 if gated else 1)
    mlp_lora = (6 if gated else 2) * inter + 4 * inter
    return (norms * h + qk_width) * 4 + n_h_inputs * 4 * h + 4 * od + sdpa + mlp_lora


def training_activation_bytes(
    arch: Architecture,
    tokens: int,
    *,
    kind: str,
    gradient_checkpointing: bool,
) -> tuple[int, int]:
    """(activations, logits) bytes at the backward peak of HF transformers training.

    ``tokens`` = batch × sequence length. Without checkpointing every layer's saved tensors
    are alive when the loss backward starts; with it only each layer's input (fp32 under
    autocast) plus one recomputed layer and its backward temporaries (about as large). The
    loss upcasts the logits to fp32 and keeps the log-softmax; its backward adds the
    gradient and the log-softmax gradient: 12 bytes per vocabulary entry and token (14 with
    Gemma-2's logit soft cap, whose tanh output is saved too).
    """
    h = arch.hidden_size
    layer = _layer_saved_bytes(arch, kind)
    residual_bytes = 4 if kind == "mixed" else 2
    if gradient_checkpointing:
        # Layer inputs, plus the layer being recomputed and its backward temporaries.
        acts = arch.num_hidden_layers * h * residual_bytes + 2 * layer
    else:
        acts = arch.num_hidden_layers * layer
    acts += 8 * h  # embeddings output, final norm
    logits = 12 * arch.vocab_size
    if arch.final_logit_softcapping:
        logits += 2 * arch.vocab_size  # tanh's bf16 output, saved for its backward
    return int(acts * tokens), int(logits * tokens)


# -- the estimate -------------------------------------------------------------------------


def _moe_dispatch_bytes(arch: Architecture, compute_bytes: int) -> int:
    """transformers' MoE dispatch workspace: the routed experts' weights for top-k
    (observed as a constant ≈ 2 experts' worth on Mixtral-8x7B)."""
    if not arch.is_moe:
        return 0
    h = arch.hidden_size
    per_expert = (3 if arch.mlp == "gated" else 2) * h * arch.expert_intermediate_size
    return arch.num_experts_per_tok * per_expert * compute_bytes


def estimate_memory(
    workload: MemoryWorkload,
    architecture: Architecture | None = None,
    parameters: int | None = None,
) -> MemoryEstimate:
    """Peak memory of ``workload`` on one GPU.

    Give the ``architecture`` (exact) or only ``parameters`` (a proxy architecture of that
    size drives KV cache and activations, which are then listed in ``approximated``). When
    both are given, ``parameters`` overrides the count used for weights.
    """
    approximated: list[str] = []
    if architecture is None:
        if parameters is None:
            raise MemoryWorkloadError("estimate_memory needs an architecture or a parameter count")
        arch = proxy_architecture(parameters)
        approximated += ["kv_cache", "activations"]
        if workload.base_precision in QUANTIZED_PRECISIONS:
            approximated.append("weights")
        if workload.mode in ("lora", "qlora"):
            approximated += ["gradients", "optimizer"]
        exact_arch = False
    else:
        arch = architecture
        exact_arch = True
    params = parameters if parameters is not None else count_parameters(arch)
    if workload.engine == "vllm":
        est = _estimate_vllm(workload, arch, params)
    elif workload.engine == "llama.cpp":
        est = _estimate_llama_cpp(workload, arch, params)
    elif workload.is_training:
        est = _estimate_training(workload, arch, params, exact_arch)
    else:
        est = _estimate_transformers_inference(workload, arch, params, exact_arch)
    if approximated:
        order = {name: i for i, name in enumerate(PART_NAMES)}
        est = replace(est, approximated=tuple(sorted(set(approximated), key=order.__getitem__)))
    return est


def _build(
    workload: MemoryWorkload,
    params: int,
    parts: dict[str, float],
    details: dict[str, float],
    moment: str,
) -> MemoryEstimate:
    ints = {name: math.ceil(parts.get(name, 0.0)) for name in PART_NAMES}
    return MemoryEstimate(
        weights=ints["weights"],
        kv_cache=ints["kv_cache"],
        activations=ints["activations"],
        gradients=ints["gradients"],
        optimizer=ints["optimizer"],
        overhead=ints["overhead"],
        total_bytes=sum(ints.values()),
        parameters=params,
        workload=workload,
        details=tuple((k, math.ceil(v)) for k, v in details.items() if v),
        moment=moment,
    )


def _estimate_transformers_inference(
    workload: MemoryWorkload, arch: Architecture, params: int, exact_arch: bool
) -> MemoryEstimate:
    n = workload.gpu_count
    precision = workload.precision
    cb = _compute_bytes(precision)
    weights = weight_bytes(arch if exact_arch else None, params, precision) / n
    kv = kv_cache_bytes(
        arch,
        workload.context_length,
        workload.batch_size,
        kv_bytes_per_element(workload.resolved_kv_cache_precision),
        engine="transformers",
        gpu_count=n,
    )
    tokens = workload.context_length * workload.batch_size
    acts = inference_activation_bytes(arch, tokens, cb, gpu_count=n)
    # Last-position logits: bf16 output, fp32 copy and the processed scores in generate.
    logits = workload.batch_size * arch.vocab_size * (cb + 8)
    acts += logits
    mask = attention_mask_bytes(arch, workload.context_length, workload.batch_size)
    acts += mask
    workspace = TORCH_WORKSPACE_BYTES + _moe_dispatch_bytes(arch, cb)
    if precision in ("nf4", "int4", "int8"):
        # bitsandbytes dequantises one weight matrix at a time to 16-bit.
        workspace += _largest_linear(arch) * 2
    reserve = ALLOCATOR_RESERVE_INFERENCE * (kv + acts)
    comm = MULTI_GPU_COMM_BYTES if n > 1 else 0
    overhead = CUDA_CONTEXT_BYTES + workspace + reserve + comm
    return _build(
        workload,
        params,
        {"weights": weights, "kv_cache": kv, "activations": acts, "overhead": overhead},
        {
            "cuda_context": CUDA_CONTEXT_BYTES,
            "workspace": workspace,
            "allocator_reserve": reserve,
            "multi_gpu_communication": comm,
            "logits": logits,
            "attention_mask": mask,
        },
        "prefill",
    )


# transformers materialises the causal mask for every layer of these families, whatever the
# length (Falcon adds ALiBi onto it, so it never lets SDPA use its built-in causal mask).
ALWAYS_MASKED_MODEL_TYPES = ("falcon",)


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
    window, and every layer of :data:`ALWAYS_MASKED_MODEL_TYPES`.

    The mask is boolean (1 byte per entry). SDPA turns it into an additive 16-bit bias in each
    masked layer, so inference holds 3 bytes per entry (the conversion's 1-byte negation is
    gone before the MLP's intermediates appear). In training the memory-efficient kernel
    saves each masked layer's bias for backward (2 bytes per entry and layer; with gradient
    checkpointing only the recomputed layer's), and the negation briefly adds a byte."""
    if arch.model_type in ALWAYS_MASKED_MODEL_TYPES:
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


def _largest_linear(arch: Architecture) -> int:
    h = arch.hidden_size
    return max(h * arch.q_dim, h * max(arch.intermediate_size, arch.expert_intermediate_size))


def _estimate_training(workload: MemoryWorkload, arch: Architecture, params: int, exact_arch: bool) -> MemoryEstimate:
    n = workload.gpu_count
    mode = workload.mode
    precision = workload.precision
    tokens = workload.context_length * workload.batch_size
    ckpt = workload.gradient_checkpointing
    details: dict[str, float] = {}
    weights: float
    master: float
    grads: float
    states: float
    step_temp: float

    if mode == "full-finetune":
        kind = "mixed" if precision == "mixed" else "full"
        # Parameter dtype of weights, gradients and optimizer states.
        param_bytes = 4 if precision in ("mixed", "fp32") else 2
        trainable = params
        weights = params * (2 if precision == "mixed" else param_bytes)
        master = params * 4 if precision == "mixed" else 0
        grads = trainable * param_bytes
        state_bytes = param_bytes
    else:
        kind = "lora"
        base = workload.base_precision
        if mode == "qlora" and base == "nf4":
            bits = NF4_DOUBLE_QUANT_BITS  # QLoRA's double quantisation
            quantised = linear_parameters(arch) if exact_arch else params
            base_weights = quantised * bits / 8 + (params - quantised) * 2
        else:
            base_weights = weight_bytes(arch if exact_arch else None, params, base)
        trainable = lora_parameters(arch, workload.lora_rank)
        param_bytes = 4  # peft keeps adapters (and so their gradients and states) in fp32
        adapters = trainable * param_bytes
        weights = base_weights + adapters
        details["adapters"] = adapters
        master = 0
        grads = trainable * 4
        state_bytes = 4
    details["trainable_parameters"] = trainable

    if workload.optimizer == "adamw":
        states = 2 * trainable * state_bytes
        step_temp = trainable * state_bytes  # foreach step: sqrt(v) as a new tensor list
    elif workload.optimizer == "adamw-8bit":
        states = 2 * trainable * (1 + 4 / 256)  # bitsandbytes 8-bit, fp32 absmax per 256
        step_temp = 0
    else:  # sgd with momentum
        states = trainable * state_bytes
        step_temp = 0

    acts, logits = training_activation_bytes(arch, tokens, kind=kind, gradient_checkpointing=ckpt)
    mask = attention_mask_bytes(
        arch, workload.context_length, workload.batch_size, training=True, gradient_checkpointing=ckpt
    )
    activations = acts + logits + mask
    details["logits"] = logits
    details["attention_mask"] = mask

    # Shard weights, gradients and optimizer across GPUs (tensor parallel / FSDP); each GPU
    # keeps its own activations (conservative).
    weights /= n
    master /= n
    grads /= n
    states /= n
    step_temp /= n
    # The gradient that backward produces first: the LM head's (tied or not), for full training.
    grad_first = min(grads, arch.vocab_size * arch.hidden_size * param_bytes / n) if mode == "full-finetune" else grads

    # Two moments compete for the peak (from the H200 runs, and from replaying runs' tensor
    # allocations through a model of PyTorch's caching allocator: benchmarks/vram_simulate.py):
    #   backward: every saved activation is alive and the first gradient appears. Backward
    #     frees a layer's activations as it writes that layer's gradients, so the two parts
    #     never add up in full.
    #   optimizer step: all gradients, the states and the step's buffers. The first step puts
    #     the new states and buffers into the holes that backward's freed activations left,
    #     and part of that space cannot take them (the stranded share, in the reserve); from
    #     the second iteration on, the next logits need fresh memory as well. Under autocast
    #     the bf16 weight copies are gone by then.
    backward_moment = weights + master + states + activations + grad_first
    backward_reserve = ALLOCATOR_RESERVE_TRAINING * (activations - logits) + ALLOCATOR_RESERVE_LOGITS * logits
    step_weights = 0.0 if precision == "mixed" else weights
    step_moment = step_weights + master + states + grads + step_temp + logits
    step_reserve = ALLOCATOR_RESERVE_STEP * (step_temp + logits) + STEP_STRANDED_ACTIVATION_SHARE * (
        activations - logits
    )
    at_step = step_moment + step_reserve > backward_moment + backward_reserve
    details["master_weights"] = master
    details["optimizer_states"] = states
    if at_step:
        # Under autocast only the fp32 master copy is left at the step: it is the weights then.
        parts_weights, parts_acts, parts_grads = step_weights + master, logits, grads
        optimizer = states + step_temp
        reserve = step_reserve
        details["optimizer_step_buffers"] = step_temp
        details["attention_mask"] = 0  # the activations part holds only the logits then
    else:
        parts_weights, parts_acts, parts_grads = weights, activations, grad_first
        optimizer = master + states
        reserve = backward_reserve
        details["optimizer_step_buffers"] = 0

    workspace = TORCH_WORKSPACE_BYTES + _moe_dispatch_bytes(arch, 2)
    if mode == "qlora" or workload.base_precision in ("nf4", "int4", "int8"):
        workspace += _largest_linear(arch) * 2 * 2  # dequantised weight in fwd and bwd
    comm = MULTI_GPU_COMM_BYTES if n > 1 else 0
    overhead = CUDA_CONTEXT_BYTES + workspace + reserve + comm
    details.update(
        cuda_context=CUDA_CONTEXT_BYTES,
        workspace=workspace,
        allocator_reserve=reserve,
        multi_gpu_communication=comm,
    )
    return _build(
        workload,
        params,
        {
            "weights": parts_weights,
            "activations": parts_acts,
            "gradients": parts_grads,
            "optimizer": optimizer,
            "overhead": overhead,
        },
        details,
        "optimizer step" if at_step else "backward",
    )


def _vllm_activation_bytes(arch: Architecture, compute_bytes: int, gpu_count: int) -> int:
    """vLLM's profile run: one forward of max_num_batched_tokens tokens with fused kernels
    (fused qkv, SiluAndMul), then the sampler on max_num_seqs rows of fp32 logits."""
    h = arch.hidden_size
    n = gpu_count
    inter = _mlp_tokens_width(arch)
    width = 2 * h + max((arch.q_dim + 2 * arch.kv_dim + arch.attn_out_dim) / n, 3 * inter / n)
    forward = VLLM_MAX_NUM_BATCHED_TOKENS * width * compute_bytes
    sampler = VLLM_MAX_NUM_SEQS * arch.vocab_size / n * 4 * 3
    return int(forward + sampler)


def _estimate_vllm(workload: MemoryWorkload, arch: Architecture, params: int) -> MemoryEstimate:
    n = workload.gpu_count
    cb = _compute_bytes(workload.precision)
    weights = weight_bytes(arch, params, workload.precision) / n
    kv = kv_cache_bytes(
        arch,
        workload.context_length,
        workload.batch_size,
        kv_bytes_per_element(workload.resolved_kv_cache_precision),
        engine="vllm",
        gpu_count=n,
    )
    acts = _vllm_activation_bytes(arch, cb, n)
    comm = MULTI_GPU_COMM_BYTES if n > 1 else 0
    workspace = VLLM_CUDA_GRAPH_BYTES + VLLM_NON_TORCH_BYTES + TORCH_WORKSPACE_BYTES
    overhead = CUDA_CONTEXT_BYTES + workspace + comm
    return _build(
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


def _estimate_llama_cpp(workload: MemoryWorkload, arch: Architecture, params: int) -> MemoryEstimate:
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
    width = 4 * h + 3 * _mlp_tokens_width(arch) / n + (arch.q_dim + 2 * arch.kv_dim) / n
    compute = LLAMA_CPP_UBATCH * (width + arch.vocab_size) * 4
    outputs = workload.batch_size * arch.vocab_size * 4
    acts = compute + outputs
    comm = MULTI_GPU_COMM_BYTES if n > 1 else 0
    overhead = LLAMA_CPP_CONTEXT_BYTES + 100_000_000 + comm
    return _build(
        workload,
        params,
        {"weights": weights, "kv_cache": kv, "activations": acts, "overhead": overhead},
        {"cuda_context": LLAMA_CPP_CONTEXT_BYTES, "workspace": 100_000_000},
        "serving",
    )


# -- vLLM share ---------------------------------------------------------------------------


def vllm_fit(
    workload: MemoryWorkload,
    card_bytes: int,
    architecture: Architecture | None = None,
    parameters: int | None = None,
    utilization: float = VLLM_GPU_MEMORY_UTILIZATION,
) -> VllmFit:
    """Does weights + workspace + the KV of context_length × batch_size tokens fit in the
    ``utilization`` share of the card that vLLM claims up front?"""
    if not 0 < utilization <= 1:
        raise ValueError(f"utilization must be in (0, 1], got {utilization}")
    vllm_workload = workload if workload.engine == "vllm" else workload.replace(engine="vllm")
    est = estimate_memory(vllm_workload, architecture, parameters)
    share = int(card_bytes * utilization)
    fixed = est.total_bytes - est.kv_cache
    kv_available = max(0, share - fixed)
    arch = architecture if architecture is not None else proxy_architecture(est.parameters)
    per_token = (
        kv_cache_bytes(
            arch,
            VLLM_BLOCK_SIZE,
            1,
            kv_bytes_per_element(vllm_workload.resolved_kv_cache_precision),
            engine="vllm",
            gpu_count=vllm_workload.gpu_count,
        )
        / VLLM_BLOCK_SIZE
    )
    return VllmFit(
        fits=est.total_bytes <= share,
        share_bytes=share,
        needed_bytes=est.total_bytes,
        kv_needed_bytes=est.kv_cache,
        kv_available_bytes=kv_available,
        utilization=utilization,
        kv_tokens_available=int(kv_available // per_token) if per_token else 0,
    )


# -- suggestions --------------------------------------------------------------------------


def _fmt_gb(value: int) -> str:
    return f"{value / GB:.1f} GB"


def _quantised_options(workload: MemoryWorkload) -> list[str]:
    if workload.engine == "llama.cpp":
        return ["gguf-q8_0", "gguf-q6_k", "gguf-q5_k_m", "gguf-q4_k_m", "gguf-q3_k_m"]
    if workload.engine == "vllm":
        return ["fp8", "awq-int4"]
    return ["int8", "nf4"]


_MODE_NAMES = {"lora": "LoRA", "qlora": "QLoRA", "full-finetune": "full fine-tuning", "inference": "inference"}


def suggest_fix(
    workload: MemoryWorkload,
    budget_bytes: int,
    architecture: Architecture | None = None,
    parameters: int | None = None,
    gpus: Sequence[tuple[str, int]] = (),
    headroom: float = 0.05,
) -> FixSuggestion | None:
    """The cheapest single change that the estimator confirms fits ``budget_bytes``.

    Tried in order of what they cost the workload: gradient checkpointing (only compute),
    an 8-bit optimizer, an fp8 KV cache, a smaller batch, quantised weights (largest first;
    LoRA→QLoRA), a shorter context (longest that fits), and finally the smallest of ``gpus``
    (``(id, card_bytes)`` pairs, judged at ``headroom``) on which the workload fits unchanged.
    Returns None when nothing fits (or it already fits).
    """

    def total(w: MemoryWorkload) -> int:
        return estimate_memory(w, architecture, parameters).total_bytes

    current = total(workload)
    if current <= budget_bytes:
        return None

    def fits(w: MemoryWorkload) -> int | None:
        t = total(w)
        return t if t <= budget_bytes else None

    def make(kind: str, w: MemoryWorkload, t: int, what: str) -> FixSuggestion:
        return FixSuggestion(
            kind=kind,
            workload=w,
            total_bytes=t,
            budget_bytes=budget_bytes,
            message=(
                f"{what}: the estimate drops from {_fmt_gb(current)} to {_fmt_gb(t)}, "
                f"within the {_fmt_gb(budget_bytes)} budget."
            ),
        )

    if workload.is_training and not workload.gradient_checkpointing:
        w = workload.replace(gradient_checkpointing=True)
        if (t := fits(w)) is not None:
            return make("gradient-checkpointing", w, t, "Turn on gradient checkpointing")
    if workload.is_training and workload.optimizer == "adamw":
        w = workload.replace(optimizer="adamw-8bit")
        if (t := fits(w)) is not None:
            return make("optimizer", w, t, "Use the 8-bit AdamW optimizer (bitsandbytes)")
    wide_kv = workload.resolved_kv_cache_precision in ("fp32", "bf16", "fp16")
    if not workload.is_training and wide_kv and workload.engine != "llama.cpp":
        w = workload.replace(kv_cache_precision="fp8")
        if (t := fits(w)) is not None:
            return make("kv-cache-precision", w, t, "Store the KV cache in fp8")
    batch = workload.batch_size
    while batch > 1:
        batch //= 2
        w = workload.replace(batch_size=batch)
        if (t := fits(w)) is not None:
            what = f"Lower batch_size from {workload.batch_size} to {batch}"
            return make("batch-size", w, t, what)
    if workload.mode == "lora":
        w = workload.replace(mode="qlora", precision="nf4")
        if (t := fits(w)) is not None:
            return make("mode", w, t, "Switch to QLoRA (4-bit NF4 base weights)")
    if workload.mode == "full-finetune":
        for mode in ("lora", "qlora"):
            w = workload.replace(mode=mode, precision="bf16" if mode == "lora" else "nf4", optimizer="adamw")
            if (t := fits(w)) is not None:
                return make(
                    "mode",
                    w,
                    t,
                    f"Fine-tune with {_MODE_NAMES[mode]} (rank {workload.lora_rank}) instead of all weights",
                )
    if workload.mode == "inference":
        current_bits = WEIGHT_BITS[workload.precision]
        for precision in _quantised_options(workload):
            if WEIGHT_BITS[precision] >= current_bits:
                continue
            w = workload.replace(precision=precision)
            if (t := fits(w)) is not None:
                return make("precision", w, t, f"Quantise the weights to {precision}")
    context = workload.context_length
    while context > 512:
        context //= 2
        w = workload.replace(context_length=context)
        if (t := fits(w)) is not None:
            # Longest power-of-two step that fits; refine upward in 1/8 steps.
            best, best_t = w, t
            step = max(context // 8, 1)
            trial = context + step
            while trial < workload.context_length:
                w2 = workload.replace(context_length=trial)
                if (t2 := fits(w2)) is None:
                    break
                best, best_t = w2, t2
                trial += step
            return make(
                "context-length",
                best,
                best_t,
                f"Shorten context_length from {workload.context_length} to {best.context_length}",
            )
    for gpu_id, card in sorted(gpus, key=lambda g: g[1]):
        budget = workload_budget_bytes(card, headroom, workload.engine)
        if current <= budget:
            return FixSuggestion(
                kind="gpu",
                workload=workload,
                total_bytes=current,
                budget_bytes=budget,
                gpu=gpu_id,
                message=(
                    f"Use a {gpu_id}: the unchanged workload needs {_fmt_gb(current)}, "
                    f"within its {_fmt_gb(budget)} budget."
                ),
            )
    return None
