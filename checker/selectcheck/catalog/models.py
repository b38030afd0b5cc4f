"""The model catalog: architectures, maximum context and license of known models.

`policy/catalog/models.yaml` is validated against `ModelCatalogFile`. An entry is keyed by
its Hugging Face repo id; base and instruct siblings that share the architecture are
aliases of one entry (their maximum context can differ: `variant_max_context`). The
architecture is stored under `config` with the key names of the model's `config.json`, so
values can be checked against (and pasted from) the Hub, and it is read by the same code
that reads a record's local `config.json` (:func:`architecture_from_hf_config`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from selectcheck.catalog.base import URL_PATTERN, CatalogModel, Ids, list_to_tuple
from selectcheck.compute.aliases import AliasIndex, normalize_id
from selectcheck.compute.architecture import (
    Architecture,
    architecture_from_hf_config,
    count_parameters,
)

__all__ = ["ModelCatalogFile", "ModelConfig", "ModelEntry"]


_Ids = Ids
# Sizes far beyond any real model, which keep the estimate's arithmetic finite.
_Pos = Annotated[int, Field(gt=0, le=10**9)]


class ModelConfig(CatalogModel):
    """The `config.json` values the memory estimate needs (Hugging Face key names)."""

    model_type: str = Field(
        description=(
            "`model_type` of config.json (llama, mistral, mixtral, qwen2, qwen3, qwen3_moe, "
            "gemma2, gemma3_text, phi3, cohere, falcon, olmo2, deepseek_v3). It selects the "
            "family's biases and norm layout."
        )
    )
    hidden_size: _Pos = Field(description="Width of the residual stream.")
    num_hidden_layers: _Pos = Field(description="Decoder layers.")
    num_attention_heads: _Pos = Field(description="Query heads.")
    num_key_value_heads: _Pos | None = Field(
        default=None, description="Key/value heads (GQA); absent = one per query head."
    )
    head_dim: _Pos | None = Field(
        default=None,
        description="Explicit head dimension where it is not hidden_size / heads (Gemma, Qwen3).",
    )
    intermediate_size: _Pos = Field(description="MLP width (dense layers).")
    vocab_size: _Pos = Field(description="Vocabulary size (rows of the embedding).")
    tie_word_embeddings: bool | None = Field(
        default=None,
        description="Whether the LM head shares the input embedding; absent = family default.",
    )
    attention_bias: bool | None = Field(
        default=None, description="Biases on q/k/v/o projections (Qwen2 has q/k/v biases anyway)."
    )
    mlp_bias: bool | None = Field(default=None, description="Biases on the MLP projections.")
    max_position_embeddings: _Pos | None = Field(default=None, description="`max_position_embeddings` of config.json.")
    sliding_window: _Pos | None = Field(default=None, description="Sliding-window size of the layers that use one.")
    sliding_window_pattern: _Pos | None = Field(
        default=None,
        description="Every N-th layer is global, the others slide (Gemma 3: 6; Gemma 2: 2).",
    )
    use_sliding_window: bool | None = Field(
        default=None, description="Qwen: the sliding window is used only when this is true."
    )
    num_local_experts: _Pos | None = Field(default=None, description="Experts (Mixtral).")
    num_experts: _Pos | None = Field(default=None, description="Experts (Qwen MoE).")
    n_routed_experts: _Pos | None = Field(default=None, description="Routed experts (DeepSeek).")
    num_experts_per_tok: _Pos | None = Field(default=None, description="Experts used per token.")
    moe_intermediate_size: _Pos | None = Field(default=None, description="Width of one expert.")
    n_shared_experts: _Pos | None = Field(default=None, description="Shared experts (DeepSeek).")
    shared_expert_intermediate_size: _Pos | None = Field(
        default=None, description="Width of the shared expert (Qwen2-MoE)."
    )
    first_k_dense_replace: int | None = Field(
        default=None, ge=0, le=10**9, description="Leading layers with a dense MLP (DeepSeek)."
    )
    q_lora_rank: _Pos | None = Field(default=None, description="MLA query compression rank.")
    kv_lora_rank: _Pos | None = Field(default=None, description="MLA latent (cached) rank.")
    qk_rope_head_dim: _Pos | None = Field(default=None, description="MLA decoupled RoPE dim.")
    qk_nope_head_dim: _Pos | None = Field(default=None, description="MLA non-RoPE q/k head dim.")
    v_head_dim: _Pos | None = Field(default=None, description="MLA value head dim.")
    multi_query: bool | None = Field(default=None, description="Falcon: one KV head.")
    parallel_attn: bool | None = Field(default=None, description="Falcon: parallel attention.")
    new_decoder_architecture: bool | None = Field(default=None, description="Falcon-40B/180B layout.")
    bias: bool | None = Field(default=None, description="Falcon: biases on all linears.")


class ModelEntry(CatalogModel):
    """One model (and its siblings that share the architecture)."""

    id: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$",
        description="Hugging Face repo id, e.g. `meta-llama/Llama-3.1-8B-Instruct`.",
    )
    aliases: _Ids = Field(
        default=(),
        description=(
            "Other names: sibling repo ids with the same architecture (base/instruct), and "
            "short lowercase names (`llama-3.1-8b`). Case-insensitive; spaces, underscores "
            "and dashes are equivalent."
        ),
    )
    name: str = Field(min_length=1, description="Display name.")
    family: str = Field(min_length=1, description="Model family, e.g. `llama-3.1`, `qwen2.5`.")
    license: str = Field(
        min_length=1,
        description=(
            "License id as the license catalog knows it: the Hugging Face `license` tag "
            "(`llama3.1`, `apache-2.0`, `gemma`, `mit`, `cc-by-nc-4.0`), or the "
            "`license_name` where the tag is `other` (`qwen`, `qwen-research`, `deepseek`)."
        ),
    )
    max_context: _Pos = Field(description="Maximum context in tokens of the entry's own repo (config.json).")
    variant_max_context: dict[str, _Pos] = Field(
        default_factory=dict,
        description=(
            "Maximum context of sibling repos where it differs from `max_context` (Qwen2.5 "
            "base 131072 vs Instruct 32768), keyed by repo id."
        ),
    )
    config: ModelConfig = Field(description="The config.json values the estimate needs.")
    parameters: Annotated[int, Field(gt=0, le=10**15)] | None = Field(
        default=None,
        description=(
            "Published parameter count where it differs from the one computed from `config` "
            "(vision towers, MTP heads); informational."
        ),
    )
    source: str = Field(pattern=URL_PATTERN, description="The config.json (or model card) used.")
    see_also: Annotated[tuple[Annotated[str, Field(pattern=URL_PATTERN)], ...], BeforeValidator(list_to_tuple)] = Field(
        default=(),
        description=(
            "Further sources for facts in the entry: verbatim copies of a config.json, the model "
            "card that states the license, the file a maximum context comes from."
        ),
    )
    notes: str | None = Field(default=None, description="Caveats and values that could not be confirmed.")

    @model_validator(mode="after")
    def _valid_architecture(self) -> ModelEntry:
        self.architecture()  # raises ArchitectureError (a ValueError) on inconsistent config
        unknown = [v for v in self.variant_max_context if normalize_id(v) not in self._names()]
        if unknown:
            raise ValueError(f"variant_max_context names {unknown}, not aliases of {self.id}")
        return self

    def _names(self) -> set[str]:
        return {normalize_id(n) for n in (self.id, *self.aliases)}

    def architecture(self) -> Architecture:
        """The :class:`Architecture` for the memory estimate."""
        # The fields the catalog sets, nulls included: `sliding_window: null` (Mistral v0.3)
        # must reach the reader, or it falls back to the family default window.
        config = self.config
        return architecture_from_hf_config({key: getattr(config, key) for key in config.model_fields_set})

    def parameter_count(self) -> int:
        """Parameters computed from the architecture (all experts)."""
        return count_parameters(self.architecture())

    def max_context_for(self, name: str) -> int:
        """Maximum context of the repo ``name`` (an id or alias of this entry)."""
        key = normalize_id(name)
        for variant, context in self.variant_max_context.items():
            if normalize_id(variant) == key:
                return context
        return self.max_context


class ModelCatalogFile(CatalogModel):
    """`policy/catalog/models.yaml`: the models selectcheck knows."""

    catalog_version: Literal[1] = Field(description="Format version of this catalog file.")
    models: Annotated[tuple[ModelEntry, ...], BeforeValidator(list_to_tuple)] = Field(description="The model entries.")

    @model_validator(mode="after")
    def _unique_names(self) -> ModelCatalogFile:
        seen: dict[str, str] = {}
        for model in self.models:
            for name in (model.id, *model.aliases):
                owner = seen.setdefault(normalize_id(name), model.id)
                if owner != model.id:
                    raise ValueError(f"model name {name!r} is used by both {owner} and {model.id}")
        return self

    def index(self) -> AliasIndex[ModelEntry]:
        return AliasIndex(self.models)
