"""Transformer architecture facts that the memory estimate needs, and the exact parameter count.

An :class:`Architecture` is built either from a catalog entry or from a Hugging Face
``config.json`` (:func:`architecture_from_hf_config`). :func:`count_parameters` counts every
parameter tensor the Hugging Face implementation creates (embeddings, tied or not; attention
with the family's biases and norms; gated or plain MLP; experts, shared experts and routers;
MLA's low-rank projections; all norms) and matches ``sum(p.numel())`` of the built model to
the unit for the families listed in DESIGN §2.1.

Pure: no YAML, no pydantic, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

FULL_ATTENTION = "full_attention"
SLIDING_ATTENTION = "sliding_attention"

MlpKind = Literal["gated", "plain"]
NormKind = Literal["rmsnorm", "layernorm"]
QkNorm = Literal["none", "per_head", "full"]


class ArchitectureError(ValueError):
    """A config cannot be turned into an :class:`Architecture` (missing or invalid key)."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Architecture:
    """Everything the memory estimate and the parameter count need about one model.

    Dimensions use the Hugging Face config names. ``layer_types`` lists, per layer,
    ``"full_attention"`` or ``"sliding_attention"``; empty means every layer is full
    attention, or every layer slides when ``sliding_window`` is set (Mistral-7B-v0.1 style).
    """

    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    intermediate_size: int
    vocab_size: int
    head_dim: int | None = None
    tie_word_embeddings: bool = False
    # MLP: "gated" = gate/up/down (SwiGLU, GeGLU); "plain" = up/down (GELU MLP, Falcon).
    mlp: MlpKind = "gated"
    # Biases: q/k/v projections (Qwen2), output projection, MLP linears.
    qkv_bias: bool = False
    o_bias: bool = False
    mlp_bias: bool = False
    # Norms: hidden-size norms per decoder layer (2 for Llama, 4 for Gemma-2/3, 1 for
    # parallel-attention blocks), the final norm, LayerNorm (weight + bias) or RMSNorm.
    norm: NormKind = "rmsnorm"
    norms_per_layer: int = 2
    final_norm: bool = True
    # q/k norms: none, one per head dim (Qwen3, Gemma-3) or over all heads (OLMo-2).
    qk_norm: QkNorm = "none"
    # Mixture of experts (0 experts = dense). The first `first_dense_layers` layers keep a
    # dense MLP of `intermediate_size` (DeepSeek's first_k_dense_replace).
    num_local_experts: int = 0
    num_experts_per_tok: int = 0
    moe_intermediate_size: int | None = None
    num_shared_experts: int = 0
    shared_expert_intermediate_size: int | None = None
    shared_expert_gate: bool = False
    first_dense_layers: int = 0
    router_bias: bool = False
    # Multi-head latent attention (DeepSeek-V2/V3/R1); kv_lora_rank set = MLA.
    q_lora_rank: int | None = None
    kv_lora_rank: int | None = None
    qk_rope_head_dim: int | None = None
    qk_nope_head_dim: int | None = None
    v_head_dim: int | None = None
    # Sliding-window attention.
    sliding_window: int | None = None
    layer_types: tuple[str, ...] = ()
    max_position_embeddings: int | None = None
    # The config's model_type, for reports only: the estimate reads the fields below, which
    # the HF-config adapter sets from its family table (:data:`FAMILIES`).
    model_type: str = ""
    # Gemma-2 caps the logits with cap · tanh(logits / cap) (30.0 unless its config says).
    final_logit_softcapping: float | None = None
    # One fused gate_up projection whose output (2 × intermediate) is alive next to the
    # activation's (Phi-3).
    fused_gate_up: bool = False
    # Norms compute in fp32 and cast after the weight, so training saves their fp32 output
    # (Gemma's (x * w).to(dtype) instead of Llama's x.to(dtype) * w).
    norm_output_fp32: bool = False
    # transformers builds the full (batch, 1, tokens, tokens) mask for every layer, whatever the
    # length (Falcon adds ALiBi onto it, so SDPA never gets to use its built-in causal mask).
    materialises_causal_mask: bool = False

    def __post_init__(self) -> None:
        for name in (
            "hidden_size",
            "num_hidden_layers",
            "num_attention_heads",
            "num_key_value_heads",
            "intermediate_size",
            "vocab_size",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ArchitectureError(f"{name} must be a positive integer, got {value!r}", name)
        if self.head_dim is None and self.hidden_size % self.num_attention_heads:
            raise ArchitectureError(
                "head_dim is required when hidden_size is not a multiple of num_attention_heads",
                "head_dim",
            )
        if self.layer_types:
            if len(self.layer_types) != self.num_hidden_layers:
                raise ArchitectureError(
                    f"layer_types lists {len(self.layer_types)} layers, num_hidden_layers is {self.num_hidden_layers}",
                    "layer_types",
                )
            bad = sorted(set(self.layer_types) - {FULL_ATTENTION, SLIDING_ATTENTION})
            if bad:
                raise ArchitectureError(f"unknown layer type(s) {bad}", "layer_types")
        if self.num_local_experts and self.num_experts_per_tok <= 0:
            raise ArchitectureError(
                "num_experts_per_tok is required for a mixture-of-experts model",
                "num_experts_per_tok",
            )
        if self.kv_lora_rank is not None and (
            self.qk_rope_head_dim is None or self.qk_nope_head_dim is None or self.v_head_dim is None
        ):
            raise ArchitectureError("MLA needs qk_rope_head_dim, qk_nope_head_dim and v_head_dim", "qk_rope_head_dim")

    # -- derived dimensions -------------------------------------------------------------

    @property
    def attention_head_dim(self) -> int:
        """The per-head dimension: explicit ``head_dim`` or hidden_size / heads."""
        if self.head_dim is not None:
            return self.head_dim
        return self.hidden_size // self.num_attention_heads

    @property
    def is_mla(self) -> bool:
        return self.kv_lora_rank is not None

    @property
    def is_moe(self) -> bool:
        return self.num_local_experts > 0

    @property
    def q_dim(self) -> int:
        """Width of the query projection output."""
        if self.is_mla:
            assert self.qk_nope_head_dim is not None and self.qk_rope_head_dim is not None
            return self.num_attention_heads * (self.qk_nope_head_dim + self.qk_rope_head_dim)
        return self.num_attention_heads * self.attention_head_dim

    @property
    def kv_dim(self) -> int:
        """Width of one of the key/value projection outputs (GQA: kv heads × head dim)."""
        if self.is_mla:
            assert self.qk_nope_head_dim is not None and self.qk_rope_head_dim is not None
            return self.num_attention_heads * (self.qk_nope_head_dim + self.qk_rope_head_dim)
        return self.num_key_value_heads * self.attention_head_dim

    @property
    def attn_out_dim(self) -> int:
        """Width of the attention output that feeds o_proj."""
        if self.is_mla:
            assert self.v_head_dim is not None
            return self.num_attention_heads * self.v_head_dim
        return self.q_dim

    @property
    def expert_intermediate_size(self) -> int:
        return self.moe_intermediate_size or self.intermediate_size

    @property
    def moe_layers(self) -> int:
        return self.num_hidden_layers - self.first_dense_layers if self.is_moe else 0

    @property
    def dense_layers(self) -> int:
        return self.num_hidden_layers - self.moe_layers

    def resolved_layer_types(self) -> tuple[str, ...]:
        """One entry per layer: full or sliding attention."""
        if self.layer_types:
            return self.layer_types
        kind = SLIDING_ATTENTION if self.sliding_window else FULL_ATTENTION
        return (kind,) * self.num_hidden_layers

    @property
    def sliding_layers(self) -> int:
        if not self.sliding_window:
            return 0
        return sum(1 for t in self.resolved_layer_types() if t == SLIDING_ATTENTION)

    @property
    def full_attention_layers(self) -> int:
        return self.num_hidden_layers - self.sliding_layers


def sliding_layer_pattern(num_layers: int, every: int) -> tuple[str, ...]:
    """Layer types where every ``every``-th layer (1-based) is global and the rest slide.

    Gemma-2 is ``every=2`` (layer 0 slides, layer 1 is global); Gemma-3 is ``every=6``
    (``sliding_window_pattern: 6``, five local layers then one global).
    """
    if every <= 0:
        raise ArchitectureError("sliding window pattern must be positive", "sliding_window_pattern")
    return tuple(FULL_ATTENTION if (i + 1) % every == 0 else SLIDING_ATTENTION for i in range(num_layers))


# -- parameter count ----------------------------------------------------------------------


def _norm_params(arch: Architecture, width: int) -> int:
    return width * (2 if arch.norm == "layernorm" else 1)


def attention_parameters(arch: Architecture) -> int:
    """Parameters of one attention block (projections, biases, q/k norms)."""
    h = arch.hidden_size
    if arch.is_mla:
        assert arch.kv_lora_rank is not None and arch.qk_rope_head_dim is not None
        assert arch.qk_nope_head_dim is not None and arch.v_head_dim is not None
        nh = arch.num_attention_heads
        qk_head = arch.qk_nope_head_dim + arch.qk_rope_head_dim
        if arch.q_lora_rank:
            q = h * arch.q_lora_rank + arch.q_lora_rank + arch.q_lora_rank * nh * qk_head
        else:
            q = h * nh * qk_head
        kv = (
            h * (arch.kv_lora_rank + arch.qk_rope_head_dim)
            + arch.kv_lora_rank
            + arch.kv_lora_rank * nh * (arch.qk_nope_head_dim + arch.v_head_dim)
        )
        o = nh * arch.v_head_dim * h
        return q + kv + o + (h if arch.o_bias else 0)
    qd, kd = arch.q_dim, arch.kv_dim
    params = h * qd + 2 * h * kd + qd * h
    if arch.qkv_bias:
        params += qd + 2 * kd
    if arch.o_bias:
        params += h
    if arch.qk_norm == "per_head":
        params += 2 * arch.attention_head_dim
    elif arch.qk_norm == "full":
        params += qd + kd
    return params


def _mlp_parameters(arch: Architecture, intermediate: int) -> int:
    h = arch.hidden_size
    if arch.mlp == "gated":
        return 3 * h * intermediate + ((2 * intermediate + h) if arch.mlp_bias else 0)
    return 2 * h * intermediate + ((intermediate + h) if arch.mlp_bias else 0)


def dense_mlp_parameters(arch: Architecture) -> int:
    return _mlp_parameters(arch, arch.intermediate_size)


def moe_mlp_parameters(arch: Architecture) -> int:
    """One MoE layer: every routed expert (all resident), shared experts and the router."""
    h = arch.hidden_size
    experts = arch.num_local_experts * _mlp_parameters(arch, arch.expert_intermediate_size)
    router = h * arch.num_local_experts + (arch.num_local_experts if arch.router_bias else 0)
    shared = 0
    if arch.shared_expert_intermediate_size:
        shared = _mlp_parameters(arch, arch.shared_expert_intermediate_size)
    elif arch.num_shared_experts:
        shared = _mlp_parameters(arch, arch.expert_intermediate_size * arch.num_shared_experts)
    gate = h if arch.shared_expert_gate else 0
    return experts + router + shared + gate


def embedding_parameters(arch: Architecture) -> int:
    """Input embedding plus the LM head when it is not tied."""
    emb = arch.vocab_size * arch.hidden_size
    return emb if arch.tie_word_embeddings else 2 * emb


def count_parameters(arch: Architecture) -> int:
    """Exact parameter count of the Hugging Face implementation of ``arch``."""
    per_layer_common = attention_parameters(arch) + arch.norms_per_layer * _norm_params(arch, arch.hidden_size)
    total = embedding_parameters(arch)
    total += arch.num_hidden_layers * per_layer_common
    total += arch.dense_layers * dense_mlp_parameters(arch)
    total += arch.moe_layers * moe_mlp_parameters(arch)
    if arch.final_norm:
        total += _norm_params(arch, arch.hidden_size)
    return total


def active_parameters(arch: Architecture) -> int:
    """Parameters used per token (MoE: routed top-k plus shared); equals the total if dense."""
    if not arch.is_moe:
        return count_parameters(arch)
    inactive = (arch.num_local_experts - arch.num_experts_per_tok) * _mlp_parameters(
        arch, arch.expert_intermediate_size
    )
    return count_parameters(arch) - arch.moe_layers * inactive


def linear_parameters(arch: Architecture) -> int:
    """Parameters inside decoder-layer linear projections (what weight quantisers quantise).

    Excludes embeddings, the LM head, norms and routers, which GPTQ/AWQ/bitsandbytes/fp8
    checkpoints keep in 16-bit.
    """
    total = count_parameters(arch) - embedding_parameters(arch)
    total -= arch.num_hidden_layers * arch.norms_per_layer * _norm_params(arch, arch.hidden_size)
    if arch.final_norm:
        total -= _norm_params(arch, arch.hidden_size)
    if arch.is_moe:
        total -= arch.moe_layers * (
            arch.hidden_size * arch.num_local_experts + (arch.num_local_experts if arch.router_bias else 0)
        )
    return total


def lora_parameters(arch: Architecture, rank: int) -> int:
    """Adapter parameters of LoRA rank ``rank`` on every linear layer of every decoder layer
    (peft ``target_modules="all-linear"``: the LM head is excluded; MoE experts included)."""
    h = arch.hidden_size

    def pair(d_in: int, d_out: int) -> int:
        return rank * (d_in + d_out)

    if arch.is_mla:
        assert arch.kv_lora_rank is not None and arch.qk_rope_head_dim is not None
        assert arch.qk_nope_head_dim is not None and arch.v_head_dim is not None
        nh = arch.num_attention_heads
        qk_head = arch.qk_nope_head_dim + arch.qk_rope_head_dim
        attn = 0
        if arch.q_lora_rank:
            attn += pair(h, arch.q_lora_rank) + pair(arch.q_lora_rank, nh * qk_head)
        else:
            attn += pair(h, nh * qk_head)
        attn += pair(h, arch.kv_lora_rank + arch.qk_rope_head_dim)
        attn += pair(arch.kv_lora_rank, nh * (arch.qk_nope_head_dim + arch.v_head_dim))
        attn += pair(nh * arch.v_head_dim, h)
    else:
        attn = pair(h, arch.q_dim) + 2 * pair(h, arch.kv_dim) + pair(arch.q_dim, h)

    def mlp(inter: int) -> int:
        n = 3 if arch.mlp == "gated" else 2
        return (n - 1) * pair(h, inter) + pair(inter, h)

    total = arch.num_hidden_layers * attn + arch.dense_layers * mlp(arch.intermediate_size)
    if arch.is_moe:
        per = arch.num_local_experts * mlp(arch.expert_intermediate_size)
        if arch.shared_expert_intermediate_size:
            per += mlp(arch.shared_expert_intermediate_size)
        elif arch.num_shared_experts:
            per += mlp(arch.expert_intermediate_size * arch.num_shared_experts)
        total += arch.moe_layers * per
    return total


# -- Hugging Face config.json -------------------------------------------------------------


@dataclass(frozen=True)
class FamilyTraits:
    """What a family's transformers implementation does that its config.json does not say.

    The one place that names model families: :func:`architecture_from_hf_config` turns these
    into :class:`Architecture` fields, and nothing downstream looks at ``model_type``.
    """

    # tie_word_embeddings when config.json omits it: the model class's default.
    tie_word_embeddings: bool = True
    # sliding_window when config.json omits the key: the config class's default.
    sliding_window: int | None = None
    # Every N-th layer (1-based) is global and the others slide, unless the config lists
    # layer_types or gives sliding_window_pattern.
    sliding_pattern: int | None = None
    # Qwen: the window applies only with use_sliding_window, from max_window_layers on.
    sliding_needs_flag: bool = False
    # Hidden-size norms per decoder layer (Gemma-2/3 have four, Cohere's parallel block one).
    norms_per_layer: int = 2
    # q/k/v biases whatever attention_bias says (Qwen2).
    qkv_bias: bool = False
    # q/k norms: per head dim (Qwen3, Gemma-3), over all heads (OLMo-2); Cohere only with
    # use_qk_norm.
    qk_norm: QkNorm = "none"
    qk_norm_flag: str | None = None
    # Qwen2-MoE gates its shared expert with a hidden-size sigmoid gate.
    shared_expert_gate: bool = False
    # final_logit_softcapping when config.json omits it.
    final_logit_softcapping: float | None = None
    fused_gate_up: bool = False
    norm_output_fp32: bool = False
    materialises_causal_mask: bool = False


_UNTIED = FamilyTraits(tie_word_embeddings=False)
_QWEN2 = FamilyTraits(tie_word_embeddings=False, qkv_bias=True, sliding_needs_flag=True)
_QWEN3 = FamilyTraits(tie_word_embeddings=False, qk_norm="per_head", sliding_needs_flag=True)
_GEMMA3 = FamilyTraits(
    sliding_window=4096, sliding_pattern=6, norms_per_layer=4, qk_norm="per_head", norm_output_fp32=True
)
FAMILIES: dict[str, FamilyTraits] = {
    "llama": _UNTIED,
    "mistral": FamilyTraits(tie_word_embeddings=False, sliding_window=4096),
    "mixtral": _UNTIED,
    "qwen2": _QWEN2,
    "qwen2_moe": FamilyTraits(
        tie_word_embeddings=False, qkv_bias=True, sliding_needs_flag=True, shared_expert_gate=True
    ),
    "qwen3": _QWEN3,
    "qwen3_moe": _QWEN3,
    "phi3": FamilyTraits(tie_word_embeddings=False, fused_gate_up=True),
    "olmo2": FamilyTraits(tie_word_embeddings=False, qk_norm="full"),
    "deepseek_v2": _UNTIED,
    "deepseek_v3": _UNTIED,
    "gemma": FamilyTraits(norm_output_fp32=True),
    "gemma2": FamilyTraits(
        sliding_window=4096,
        sliding_pattern=2,
        norms_per_layer=4,
        norm_output_fp32=True,
        final_logit_softcapping=30.0,
    ),
    "gemma3": _GEMMA3,
    "gemma3_text": _GEMMA3,
    # CohereLayerNorm over (heads, head_dim) has weights only.
    "cohere": FamilyTraits(norms_per_layer=1, qk_norm="full", qk_norm_flag="use_qk_norm"),
    "falcon": FamilyTraits(materialises_causal_mask=True),
}
DEFAULT_FAMILY = FamilyTraits()


def family_traits(model_type: str) -> FamilyTraits:
    return FAMILIES.get(model_type, DEFAULT_FAMILY)


def _get(cfg: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        if name in cfg and cfg[name] is not None:
            return cfg[name]
    return None


def _require_int(cfg: Mapping[str, Any], *names: str) -> int:
    value = _get(cfg, *names)
    if value is None:
        raise ArchitectureError(f"config is missing required key {names[0]!r}", names[0])
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArchitectureError(f"{names[0]} must be an integer, got {value!r}", names[0])
    return value


def _opt_int(cfg: Mapping[str, Any], *names: str) -> int | None:
    value = _get(cfg, *names)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArchitectureError(f"{names[0]} must be an integer, got {value!r}", names[0])
    return value


def _text_config(config: Mapping[str, Any]) -> tuple[Mapping[str, Any], str]:
    """The language-model part of a (possibly multimodal) config, and its model_type."""
    if not isinstance(config, Mapping):
        raise ArchitectureError("config must be a JSON object")
    text = config.get("text_config")
    if isinstance(text, Mapping) and "hidden_size" not in config:
        merged: dict[str, Any] = dict(text)
        # Multimodal wrappers (Gemma 3) keep tie_word_embeddings at the top level.
        for key in ("tie_word_embeddings",):
            if key not in merged and key in config:
                merged[key] = config[key]
        model_type = str(merged.get("model_type") or config.get("model_type") or "")
        return merged, model_type
    return config, str(config.get("model_type") or "")


def _layer_types(
    cfg: Mapping[str, Any], traits: FamilyTraits, layers: int, sliding_window: int | None
) -> tuple[str, ...]:
    explicit = cfg.get("layer_types")
    if isinstance(explicit, (list, tuple)) and explicit:
        types = tuple(
            SLIDING_ATTENTION if "sliding" in str(t) or "local" in str(t) else FULL_ATTENTION for t in explicit
        )
        if len(types) != layers:
            raise ArchitectureError(
                f"layer_types lists {len(types)} layers, num_hidden_layers is {layers}",
                "layer_types",
            )
        return types
    if not sliding_window:
        return ()
    pattern = _opt_int(cfg, "sliding_window_pattern") or traits.sliding_pattern
    if pattern:
        return sliding_layer_pattern(layers, pattern)
    if traits.sliding_needs_flag:
        # Qwen: layers from max_window_layers on slide (only with use_sliding_window).
        first = _opt_int(cfg, "max_window_layers")
        first = layers if first is None else first
        return tuple(SLIDING_ATTENTION if i >= first else FULL_ATTENTION for i in range(layers))
    return ()


def _sliding_window(cfg: Mapping[str, Any], traits: FamilyTraits) -> int | None:
    """The window of the sliding layers, or None for full attention everywhere."""
    sliding = _opt_int(cfg, "sliding_window")
    if "sliding_window" not in cfg:
        # transformers fills in its config class's default (Mistral: 4096), so a config.json
        # without the key slides; Mistral-7B-v0.3 and later say `"sliding_window": null`.
        sliding = traits.sliding_window
    if cfg.get("use_sliding_window") is False:
        sliding = None
    if traits.sliding_needs_flag and not cfg.get("use_sliding_window"):
        sliding = None
    if sliding is not None and sliding <= 0:
        sliding = None
    return sliding


def architecture_from_hf_config(config: Mapping[str, Any]) -> Architecture:
    """Read a Hugging Face ``config.json`` (as a dict) into an :class:`Architecture`.

    Handles multimodal wrappers (``text_config``), explicit ``head_dim``, ``layer_types`` /
    ``sliding_window_pattern`` / ``use_sliding_window``, and the MoE and MLA key names of
    Mixtral, Qwen-MoE and DeepSeek. What a family does beyond its config comes from
    :data:`FAMILIES`. Raises :class:`ArchitectureError` naming the missing key.
    """
    cfg, model_type = _text_config(config)
    if model_type == "falcon" or ("n_head" in cfg and "num_attention_heads" not in cfg):
        return _falcon_architecture(cfg, model_type or "falcon")
    traits = family_traits(model_type)

    hidden = _require_int(cfg, "hidden_size", "d_model", "n_embd")
    layers = _require_int(cfg, "num_hidden_layers", "num_layers", "n_layer")
    heads = _require_int(cfg, "num_attention_heads", "n_head")
    kv_heads = _opt_int(cfg, "num_key_value_heads") or heads
    intermediate = _require_int(cfg, "intermediate_size", "ffn_hidden_size", "n_inner")
    vocab = _require_int(cfg, "vocab_size")
    head_dim = _opt_int(cfg, "head_dim")
    tie_value = cfg.get("tie_word_embeddings")
    tie = bool(tie_value) if tie_value is not None else traits.tie_word_embeddings

    attention_bias = bool(cfg.get("attention_bias", False))
    qk_norm: QkNorm = traits.qk_norm
    if traits.qk_norm_flag is not None and not cfg.get(traits.qk_norm_flag):
        qk_norm = "none"

    # Mixture of experts.
    experts = _opt_int(cfg, "num_local_experts", "num_experts", "n_routed_experts") or 0
    per_tok = _opt_int(cfg, "num_experts_per_tok", "moe_topk") or 0
    moe_inter = _opt_int(cfg, "moe_intermediate_size")
    shared_experts = _opt_int(cfg, "n_shared_experts", "num_shared_experts") or 0
    shared_inter = _opt_int(cfg, "shared_expert_intermediate_size")
    first_dense = _opt_int(cfg, "first_k_dense_replace") or 0
    if experts and cfg.get("mlp_only_layers"):
        only = cfg["mlp_only_layers"]
        if isinstance(only, (list, tuple)) and only:
            first_dense = max(first_dense, len(only))
    if experts and per_tok <= 0:
        raise ArchitectureError(
            "config is missing required key 'num_experts_per_tok' for a mixture-of-experts model",
            "num_experts_per_tok",
        )

    # Multi-head latent attention.
    kv_lora = _opt_int(cfg, "kv_lora_rank")
    mla: dict[str, Any] = {}
    if kv_lora is not None:
        for key in ("qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim"):
            mla[key] = _require_int(cfg, key)
        mla["q_lora_rank"] = _opt_int(cfg, "q_lora_rank")
        mla["kv_lora_rank"] = kv_lora
        head_dim = None

    sliding = _sliding_window(cfg, traits)
    layer_types = _layer_types(cfg, traits, layers, sliding)
    if sliding is None and layer_types and SLIDING_ATTENTION in layer_types:
        raise ArchitectureError("layer_types has sliding layers but config has no 'sliding_window'", "sliding_window")
    if layer_types and SLIDING_ATTENTION not in layer_types:
        layer_types = ()
        sliding = None

    return Architecture(
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=kv_heads,
        intermediate_size=intermediate,
        vocab_size=vocab,
        head_dim=head_dim,
        tie_word_embeddings=tie,
        mlp="gated",
        qkv_bias=attention_bias or traits.qkv_bias,
        o_bias=attention_bias,
        mlp_bias=bool(cfg.get("mlp_bias", False)),
        norm="rmsnorm",
        norms_per_layer=traits.norms_per_layer,
        qk_norm=qk_norm,
        num_local_experts=experts,
        num_experts_per_tok=per_tok if experts else 0,
        moe_intermediate_size=moe_inter if experts else None,
        num_shared_experts=shared_experts if experts else 0,
        shared_expert_intermediate_size=shared_inter if experts else None,
        shared_expert_gate=bool(experts and shared_inter and traits.shared_expert_gate),
        first_dense_layers=first_dense if experts else 0,
        sliding_window=sliding,
        layer_types=layer_types,
        max_position_embeddings=_opt_int(cfg, "max_position_embeddings", "n_positions"),
        model_type=model_type,
        final_logit_softcapping=_logit_softcapping(cfg, traits),
        fused_gate_up=traits.fused_gate_up,
        norm_output_fp32=traits.norm_output_fp32,
        materialises_causal_mask=traits.materialises_causal_mask,
        **mla,
    )


def _logit_softcapping(cfg: Mapping[str, Any], traits: FamilyTraits) -> float | None:
    """The final-logit soft cap: the config's value (null = none), else transformers' default."""
    if "final_logit_softcapping" not in cfg:
        return traits.final_logit_softcapping
    value = cfg["final_logit_softcapping"]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ArchitectureError(
            f"final_logit_softcapping must be a positive number or null, got {value!r}", "final_logit_softcapping"
        )
    return float(value)


def _falcon_architecture(cfg: Mapping[str, Any], model_type: str) -> Architecture:
    """Falcon (RW) configs: n_head/n_layer names, multi-query, parallel attention, GELU MLP."""
    traits = family_traits("falcon")
    hidden = _require_int(cfg, "hidden_size", "n_embd")
    layers = _require_int(cfg, "num_hidden_layers", "n_layer")
    heads = _require_int(cfg, "num_attention_heads", "n_head")
    new_arch = bool(cfg.get("new_decoder_architecture", False))
    if new_arch:
        kv_heads = _opt_int(cfg, "num_kv_heads", "n_head_kv") or heads
    elif cfg.get("multi_query", True):
        kv_heads = 1
    else:
        kv_heads = heads
    bias = bool(cfg.get("bias", False))
    parallel = bool(cfg.get("parallel_attn", True))
    norms = 2 if new_arch or not parallel else 1
    tie_value = cfg.get("tie_word_embeddings")
    return Architecture(
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=kv_heads,
        intermediate_size=_opt_int(cfg, "ffn_hidden_size") or 4 * hidden,
        vocab_size=_require_int(cfg, "vocab_size"),
        tie_word_embeddings=traits.tie_word_embeddings if tie_value is None else bool(tie_value),
        mlp="plain",
        qkv_bias=bias,
        o_bias=bias,
        mlp_bias=bias,
        norm="layernorm",
        norms_per_layer=norms,
        max_position_embeddings=_opt_int(cfg, "max_position_embeddings", "n_positions") or 2048,
        model_type=model_type,
        materialises_causal_mask=traits.materialises_causal_mask,
    )
