"""Architecture parsing and exact parameter counts (DESIGN §5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from selectcheck.catalog import Catalog
from selectcheck.compute.architecture import (
    FULL_ATTENTION,
    SLIDING_ATTENTION,
    Architecture,
    ArchitectureError,
    active_parameters,
    architecture_from_hf_config,
    count_parameters,
    lora_parameters,
    sliding_layer_pattern,
)

CONFIGS = Path(__file__).resolve().parent.parent / "fixtures" / "configs"

# ../shared/data/README.md: exact counts of the built models (sum of p.numel()).
MEASURED_PARAMETERS = {
    "llama-3.2-1b": 1_235_814_400,
    "llama-3.2-3b": 3_212_749_824,
    "llama-3.1-8b": 8_030_261_248,
    "mistral-7b-v0.3": 7_248_023_552,
    "qwen2.5-7b": 7_615_616_512,
    "qwen2.5-14b": 14_770_033_664,
    "qwen2.5-32b": 32_763_876_352,
    "phi-3-mini": 3_821_079_552,
    "gemma-2-9b": 9_241_705_984,
    "mixtral-8x7b": 46_702_792_704,
}


def config(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CONFIGS / f"{name}.json").read_text())
    return data


@pytest.mark.parametrize("name", sorted(MEASURED_PARAMETERS))
def test_parameter_count_matches_measurement_exactly(name: str) -> None:
    arch = architecture_from_hf_config(config(name))
    assert count_parameters(arch) == MEASURED_PARAMETERS[name]


@pytest.mark.parametrize(
    ("name", "rank", "trainable"),
    [  # `trainable` of the peft LoRA runs in the H200 data (r=16, all linear layers)
        ("llama-3.2-1b", 16, 11_272_192),
        ("llama-3.2-3b", 16, 24_313_856),
        ("llama-3.1-8b", 16, 41_943_040),
    ],
)
def test_lora_parameters_match_peft(name: str, rank: int, trainable: int) -> None:
    assert lora_parameters(architecture_from_hf_config(config(name)), rank) == trainable


def test_published_counts_of_other_families() -> None:
    # Falcon-7B: MQA, parallel attention, LayerNorm with bias, plain GELU MLP, tied head.
    assert count_parameters(architecture_from_hf_config(config("falcon-7b"))) == 6_921_720_704
    # Gemma-2-2B (layer_types given explicitly).
    gemma2 = architecture_from_hf_config(config("gemma-2-2b-layer-types"))
    assert count_parameters(gemma2) == 2_614_341_888
    # Qwen3-30B-A3B: 128 experts resident, 8 active.
    qwen_moe = architecture_from_hf_config(config("qwen3-30b-a3b"))
    assert count_parameters(qwen_moe) == 30_532_122_624
    assert active_parameters(qwen_moe) == pytest.approx(3.35e9, rel=0.01)


def test_deepseek_v3_mla_moe() -> None:
    arch = architecture_from_hf_config(config("deepseek-v3"))
    assert arch.is_mla and arch.is_moe
    assert arch.first_dense_layers == 3 and arch.moe_layers == 58
    # 671B without the MTP module; the published 671,026,419,200 also counts the 256
    # e_score_correction_bias values per MoE layer, a buffer in transformers.
    assert count_parameters(arch) == 671_026_419_200 - 58 * 256
    assert active_parameters(arch) == pytest.approx(37.5e9, rel=0.01)


def test_multimodal_text_config_and_sliding_pattern() -> None:
    arch = architecture_from_hf_config(config("gemma-3-4b-it"))
    assert arch.model_type == "gemma3_text"
    assert arch.head_dim == 256 and arch.tie_word_embeddings
    assert arch.norms_per_layer == 4 and arch.qk_norm == "per_head"
    assert arch.sliding_window == 1024
    assert arch.sliding_layers == 29 and arch.full_attention_layers == 5
    types = arch.resolved_layer_types()
    assert types[5] == FULL_ATTENTION and types[0] == SLIDING_ATTENTION


def test_gemma2_alternates_from_model_type() -> None:
    arch = architecture_from_hf_config(config("gemma-2-9b"))
    assert arch.sliding_layers == 21
    assert arch.resolved_layer_types()[:2] == (SLIDING_ATTENTION, FULL_ATTENTION)
    explicit = architecture_from_hf_config(config("gemma-2-2b-layer-types"))
    assert explicit.sliding_layers == 13


def test_qwen_sliding_window_ignored_unless_enabled() -> None:
    cfg = config("qwen2.5-7b") | {"sliding_window": 131072, "use_sliding_window": False}
    assert architecture_from_hf_config(cfg).sliding_layers == 0
    enabled = cfg | {"sliding_window": 4096, "use_sliding_window": True, "max_window_layers": 20}
    assert architecture_from_hf_config(enabled).sliding_layers == 8


def test_mistral_null_sliding_window_is_full_attention() -> None:
    arch = architecture_from_hf_config(config("mistral-7b-v0.3"))
    assert arch.sliding_window is None and arch.sliding_layers == 0
    v01 = config("mistral-7b-v0.3") | {"sliding_window": 4096}
    assert architecture_from_hf_config(v01).sliding_layers == 32


def test_missing_sliding_window_takes_the_transformers_default() -> None:
    # MistralConfig defaults to a 4096-token window, so a config.json without the key slides.
    without = {k: v for k, v in config("mistral-7b-v0.3").items() if k != "sliding_window"}
    arch = architecture_from_hf_config(without)
    assert arch.sliding_window == 4096 and arch.sliding_layers == 32
    # Llama has no window by default.
    assert architecture_from_hf_config(config("llama-3.1-8b")).sliding_window is None


def test_gemma2_final_logit_softcapping_default_and_override() -> None:
    assert architecture_from_hf_config(config("gemma-2-9b")).final_logit_softcapping == 30.0
    uncapped = config("gemma-2-9b") | {"final_logit_softcapping": None}
    assert architecture_from_hf_config(uncapped).final_logit_softcapping is None
    assert architecture_from_hf_config(config("gemma-3-4b-it")).final_logit_softcapping is None
    assert architecture_from_hf_config(config("llama-3.1-8b")).final_logit_softcapping is None
    with pytest.raises(ArchitectureError, match="final_logit_softcapping") as raised:
        architecture_from_hf_config(config("gemma-2-9b") | {"final_logit_softcapping": "30"})
    assert raised.value.key == "final_logit_softcapping"  # located at the key in a record


HF_COUNTS = json.loads((CONFIGS.parent.parent / "data" / "hf-parameter-counts.json").read_text())


@pytest.mark.parametrize("model_id", sorted(HF_COUNTS["parameters"]))
def test_every_catalog_model_counts_like_transformers(model_id: str, catalog: Catalog) -> None:
    """transformers' own count (sum of p.numel() of the model built from the catalog config on
    the meta device: tools/calibration/vram_simulate.py params) equals ours, to the unit."""
    entry = catalog.models.get(model_id)
    assert entry is not None
    assert count_parameters(entry.architecture()) == HF_COUNTS["parameters"][model_id]


def test_parameter_count_file_covers_the_catalog(catalog: Catalog) -> None:
    assert sorted(HF_COUNTS["parameters"]) == sorted(catalog.models.ids())


def test_head_dim_defaults_and_explicit() -> None:
    assert architecture_from_hf_config(config("llama-3.1-8b")).attention_head_dim == 128
    assert architecture_from_hf_config(config("gemma-2-9b")).attention_head_dim == 256


@pytest.mark.parametrize("missing", ["hidden_size", "num_hidden_layers", "vocab_size"])
def test_missing_key_is_a_clear_error(missing: str) -> None:
    cfg = config("llama-3.1-8b")
    del cfg[missing]
    with pytest.raises(ArchitectureError, match=missing) as info:
        architecture_from_hf_config(cfg)
    assert info.value.key == missing
    assert isinstance(info.value, ValueError)


def test_moe_without_top_k_is_an_error() -> None:
    cfg = config("mixtral-8x7b")
    del cfg["num_experts_per_tok"]
    with pytest.raises(ArchitectureError, match="num_experts_per_tok"):
        architecture_from_hf_config(cfg)


def test_bad_values_are_errors() -> None:
    with pytest.raises(ArchitectureError, match="hidden_size"):
        architecture_from_hf_config(config("llama-3.1-8b") | {"hidden_size": "4096"})
    with pytest.raises(ArchitectureError):
        architecture_from_hf_config([])  # type: ignore[arg-type]
    with pytest.raises(ArchitectureError, match="layer_types"):
        architecture_from_hf_config(config("gemma-2-9b") | {"layer_types": ["full_attention"]})
    with pytest.raises(ArchitectureError, match="num_attention_heads"):
        Architecture(
            hidden_size=10,
            num_hidden_layers=1,
            num_attention_heads=0,
            num_key_value_heads=1,
            intermediate_size=4,
            vocab_size=4,
        )


def test_sliding_layer_pattern() -> None:
    assert sliding_layer_pattern(4, 2) == (
        SLIDING_ATTENTION,
        FULL_ATTENTION,
        SLIDING_ATTENTION,
        FULL_ATTENTION,
    )
    with pytest.raises(ArchitectureError):
        sliding_layer_pattern(4, 0)


def test_every_catalog_architecture_is_its_config_read_as_written(catalog: Catalog) -> None:
    """What the catalog loader hands the estimate equals reading the catalog's config as it
    is written: an explicit `sliding_window: null` (Mistral v0.3, Nemo, Small) stays null
    instead of falling back to the family's 4,096-token default."""
    import yaml

    from tests.conftest import REPO

    raw = yaml.safe_load((REPO / "policy" / "catalog" / "models.yaml").read_text(encoding="utf-8"))
    loaded: Catalog = catalog
    for model in raw["models"]:
        entry = loaded.models.get(model["id"])
        assert entry is not None, model["id"]
        assert entry.architecture() == architecture_from_hf_config(model["config"]), model["id"]
    mistral = loaded.models.get("mistralai/Mistral-7B-v0.3")
    assert mistral is not None and mistral.architecture().sliding_window is None
