"""The GPU and model catalogs of the default policy pack (DESIGN §2.1)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from selectcheck.catalog.gpus import GpuCatalogFile, GpuEntry
from selectcheck.catalog.models import ModelCatalogFile, ModelEntry
from selectcheck.compute.architecture import count_parameters
from selectcheck.compute.memory import MemoryWorkload, estimate_memory
from selectcheck.loader import load_path
from tests.compute.test_architecture import MEASURED_PARAMETERS  # ../shared/data/README.md

REPO = Path(__file__).resolve().parents[2]
GPUS_YAML = REPO / "policy" / "catalog" / "gpus.yaml"
MODELS_YAML = REPO / "policy" / "catalog" / "models.yaml"

DESIGN_GPUS = [
    "T4", "L4", "A10", "A10G", "V100-16GB", "V100-32GB", "RTX-3090", "RTX-4090", "RTX-5090",
    "RTX-A6000", "RTX-6000-Ada", "L40S", "A100-40GB", "A100-80GB", "H100-80GB", "H100-NVL",
    "H200", "B200", "MI300X",
]  # fmt: skip

# DESIGN §2.1 model list, by a repo id each (base and instruct siblings both resolve).
DESIGN_MODELS = [
    "meta-llama/Llama-3.2-1B", "meta-llama/Llama-3.2-1B-Instruct", "meta-llama/Llama-3.2-3B",
    "meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-70B",
    "meta-llama/Llama-3.3-70B-Instruct", "meta-llama/Llama-3.1-405B",
    "mistralai/Mistral-7B-v0.3", "mistralai/Mistral-7B-Instruct-v0.3",
    "mistralai/Mixtral-8x7B-v0.1", "mistralai/Mixtral-8x7B-Instruct-v0.1",
    "mistralai/Mistral-Nemo-Base-2407", "mistralai/Mistral-Nemo-Instruct-2407",
    "mistralai/Mistral-Small-24B-Base-2501", "mistralai/Mistral-Small-24B-Instruct-2501",
    "Qwen/Qwen2.5-0.5B", "Qwen/Qwen2.5-1.5B", "Qwen/Qwen2.5-3B", "Qwen/Qwen2.5-7B",
    "Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-14B", "Qwen/Qwen2.5-32B", "Qwen/Qwen2.5-72B",
    "Qwen/Qwen2.5-Coder-7B-Instruct", "Qwen/Qwen3-0.6B", "Qwen/Qwen3-1.7B", "Qwen/Qwen3-4B",
    "Qwen/Qwen3-8B", "Qwen/Qwen3-14B", "Qwen/Qwen3-32B", "Qwen/Qwen3-30B-A3B",
    "google/gemma-2-2b", "google/gemma-2-9b", "google/gemma-2-27b-it", "google/gemma-3-1b-it",
    "google/gemma-3-4b-it", "google/gemma-3-12b-it", "google/gemma-3-27b-it",
    "microsoft/Phi-3-mini-4k-instruct", "microsoft/Phi-3-medium-4k-instruct", "microsoft/phi-4",
    "deepseek-ai/DeepSeek-V3", "deepseek-ai/DeepSeek-R1", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
    "CohereForAI/c4ai-command-r-v01", "tiiuae/falcon-7b", "allenai/OLMo-2-1124-7B",
    "HuggingFaceTB/SmolLM2-1.7B",
]  # fmt: skip


@pytest.fixture(scope="module")
def gpus() -> GpuCatalogFile:
    return GpuCatalogFile.model_validate(load_path(GPUS_YAML, str(GPUS_YAML)).data)


@pytest.fixture(scope="module")
def models() -> ModelCatalogFile:
    return ModelCatalogFile.model_validate(load_path(MODELS_YAML, str(MODELS_YAML)).data)


@pytest.mark.parametrize("path", [GPUS_YAML, MODELS_YAML], ids=["gpus", "models"])
def test_yaml_loads_with_safe_load_and_validates(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["catalog_version"] == 1
    model = GpuCatalogFile if path == GPUS_YAML else ModelCatalogFile
    catalog = model.model_validate(data)
    assert len(catalog.index()) > 15


@pytest.mark.parametrize("gpu_id", DESIGN_GPUS)
def test_every_design_gpu_resolves(gpus: GpuCatalogFile, gpu_id: str) -> None:
    entry = gpus.index().get(gpu_id)
    assert entry is not None and entry.id == gpu_id
    assert entry.source.startswith("https://")
    assert entry.total_bytes() > 10 * 10**9


def test_gpu_aliases_are_case_and_separator_insensitive(gpus: GpuCatalogFile) -> None:
    index = gpus.index()
    assert index.get("h100 80gb") is index.get("H100-80GB")
    assert index.get("NVIDIA A100-SXM4-80GB") is index.get("a100_80gb")
    assert index.get("rtx 4090") is index.get("RTX-4090")
    assert index.get("nvidia h200").id == "H200"  # type: ignore[union-attr]
    assert index.get("no-such-gpu") is None


def test_nvml_totals(gpus: GpuCatalogFile) -> None:
    index = gpus.index()
    h100, h200 = index.get("H100-80GB"), index.get("H200")
    assert h100 is not None and h200 is not None
    assert h100.nvml_total_mib == 81_559 and h100.nvml_measured
    assert h200.total_bytes() == 143_771 * 1024 * 1024


# Issue 21: NVML totals that public nvidia-smi outputs (or NVIDIA's ECC rule) show, each with
# the source in the entry.
NVML_FIXES = {"B200": 183_359, "RTX-A6000": 46_068, "RTX-6000-Ada": 46_068, "V100-16GB": 16_384, "V100-32GB": 32_768}


@pytest.mark.parametrize(("gpu_id", "mib"), sorted(NVML_FIXES.items()))
def test_corrected_nvml_totals_carry_their_source(gpus: GpuCatalogFile, gpu_id: str, mib: int) -> None:
    entry = gpus.index().get(gpu_id)
    assert entry is not None and entry.nvml_total_mib == mib and entry.memory_bytes is None
    assert entry.total_bytes() == mib * 2**20
    assert entry.fact_sources["nvml_total_mib"].startswith("https://")
    assert not entry.nvml_measured  # read in public outputs, not on a card of this project


def test_gddr_ecc_rule_gives_the_ecc_on_totals(gpus: GpuCatalogFile) -> None:
    # ECC on GDDR takes 6.25% (CUDA Best Practices Guide): 49,140 MiB with ECC off.
    for gpu_id in ("RTX-A6000", "RTX-6000-Ada", "L40S"):
        entry = gpus.index().get(gpu_id)
        assert entry is not None and entry.nvml_total_mib == int(49_140 * 15 / 16)


def test_gpu_total_prefers_nvml_then_bytes_then_marketed() -> None:
    base = {"id": "X1", "name": "X", "vendor": "other", "marketed_gb": 16.0, "source": "https://x.example"}
    assert GpuEntry.model_validate(base).total_bytes() == 16 * 10**9
    assert GpuEntry.model_validate(base | {"memory_bytes": 15 * 10**9}).total_bytes() == 15 * 10**9
    assert GpuEntry.model_validate(base | {"nvml_total_mib": 100}).total_bytes() == 100 * 2**20


def test_catalog_rejects_unknown_keys_and_duplicates() -> None:
    entry = {"id": "X1", "name": "X", "vendor": "other", "marketed_gb": 16, "source": "https://x.example"}
    with pytest.raises(ValidationError):
        GpuEntry.model_validate(entry | {"vram": 16})
    with pytest.raises(ValidationError, match="used by both"):
        GpuCatalogFile.model_validate({"catalog_version": 1, "gpus": [entry, entry | {"id": "X2", "aliases": ["x1"]}]})


@pytest.mark.parametrize("model_id", DESIGN_MODELS)
def test_every_design_model_resolves(models: ModelCatalogFile, model_id: str) -> None:
    entry = models.index().get(model_id)
    assert entry is not None, model_id
    assert entry.source.startswith("https://")
    assert entry.license
    assert entry.max_context_for(model_id) >= 2048
    arch = entry.architecture()
    assert count_parameters(arch) > 400_000_000


def test_model_aliases_are_case_insensitive(models: ModelCatalogFile) -> None:
    index = models.index()
    assert index.get("META-LLAMA/LLAMA-3.1-8B-INSTRUCT") is index.get("llama 3.1 8b")
    assert index.get("qwen2.5_7b_instruct") is index.get("Qwen/Qwen2.5-7B")
    assert index.get("gemma-2-9b") is not None


@pytest.mark.parametrize("short", sorted(MEASURED_PARAMETERS))
def test_catalog_parameter_counts_match_measurements(models: ModelCatalogFile, short: str) -> None:
    entry = models.index().get(short)
    assert entry is not None
    assert entry.parameter_count() == MEASURED_PARAMETERS[short]


def test_variant_max_context(models: ModelCatalogFile) -> None:
    qwen = models.index().get("Qwen/Qwen2.5-7B-Instruct")
    assert qwen is not None
    assert qwen.max_context_for("Qwen/Qwen2.5-7B-Instruct") == 32_768
    assert qwen.max_context_for("qwen/qwen2.5-7b") == 131_072
    # Issue 21: the real configs; the catalog had them the other way round (and 131,072).
    nemo = models.index().get("mistralai/Mistral-Nemo-Base-2407")
    assert nemo is not None and nemo.max_context_for("mistralai/Mistral-Nemo-Base-2407") == 128_000
    assert nemo.max_context_for("mistralai/Mistral-Nemo-Instruct-2407") == 1_024_000
    assert nemo.config.max_position_embeddings == 1_024_000
    assert any("thunder_model_blocks" in url for url in nemo.see_also)


def test_licenses(models: ModelCatalogFile) -> None:
    index = models.index()
    expected = {
        "meta-llama/Llama-3.1-8B": "llama3.1",
        "meta-llama/Llama-3.2-1B": "llama3.2",
        "meta-llama/Llama-3.3-70B-Instruct": "llama3.3",
        "Qwen/Qwen2.5-3B": "qwen-research",
        "Qwen/Qwen2.5-72B": "qwen",
        "Qwen/Qwen2.5-7B": "apache-2.0",
        "google/gemma-2-9b": "gemma",
        "microsoft/phi-4": "mit",
        "deepseek-ai/DeepSeek-R1": "mit",
        "deepseek-ai/DeepSeek-V3": "deepseek",
        "deepseek-ai/DeepSeek-V3-Base": "deepseek",
        "deepseek-ai/DeepSeek-V3-0324": "mit",  # issue 21: its own entry, per its Hub card
        "CohereForAI/c4ai-command-r-v01": "cc-by-nc-4.0",
        "tiiuae/falcon-7b": "apache-2.0",
    }
    for model_id, license_id in expected.items():
        entry = index.get(model_id)
        assert entry is not None and entry.license == license_id, model_id


def test_architecture_features_reach_the_estimate(models: ModelCatalogFile) -> None:
    index = models.index()
    ds = index.get("deepseek-v3")
    assert ds is not None and ds.architecture().is_mla
    gemma3 = index.get("gemma-3-27b")
    assert gemma3 is not None and gemma3.architecture().sliding_layers > 0
    qwen_moe = index.get("qwen3-30b-a3b")
    assert qwen_moe is not None and qwen_moe.architecture().num_local_experts == 128
    est = estimate_memory(MemoryWorkload(context_length=4096), qwen_moe.architecture())
    assert est.weights == 2 * qwen_moe.parameter_count()


def test_bad_model_entry_is_rejected() -> None:
    entry = {
        "id": "org/model",
        "name": "M",
        "family": "m",
        "license": "mit",
        "max_context": 4096,
        "config": {"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
                   "num_attention_heads": 4, "intermediate_size": 128, "vocab_size": 100},
        "source": "https://example.com",
    }  # fmt: skip
    assert ModelEntry.model_validate(entry).parameter_count() > 0
    with pytest.raises(ValidationError):
        ModelEntry.model_validate(entry | {"config": entry["config"] | {"hidden_dim": 3}})
    with pytest.raises(ValidationError, match="not aliases"):
        ModelEntry.model_validate(entry | {"variant_max_context": {"other/model": 8192}})
    with pytest.raises(ValidationError):
        ModelEntry.model_validate(entry | {"config": entry["config"] | {"num_local_experts": 8}})


# --------------------------------------------------------------------------- capabilities

# NVIDIA's compute-capability tables (developer.nvidia.com/cuda-gpus and the legacy page).
COMPUTE_CAPABILITY = {
    "T4": "7.5", "L4": "8.9", "A10": "8.6", "A10G": "8.6", "V100-16GB": "7.0", "V100-32GB": "7.0",
    "RTX-3090": "8.6", "RTX-4090": "8.9", "RTX-5090": "12.0", "RTX-A6000": "8.6", "RTX-6000-Ada": "8.9",
    "L40S": "8.9", "A100-40GB": "8.0", "A100-80GB": "8.0", "H100-80GB": "9.0", "H100-NVL": "9.0",
    "H200": "9.0", "B200": "10.0",
}  # fmt: skip


@pytest.mark.parametrize("gpu_id", DESIGN_GPUS)
def test_every_gpu_has_capability_and_fp8_with_sources(gpus: GpuCatalogFile, gpu_id: str) -> None:
    entry = gpus.index().get(gpu_id)
    assert entry is not None and entry.fp8 is not None
    assert entry.fact_sources["fp8"].startswith("https://")
    if entry.vendor == "nvidia":
        assert entry.compute_capability == COMPUTE_CAPABILITY[gpu_id]
        assert entry.fact_sources["compute_capability"].startswith("https://developer.nvidia.com/cuda")
        capability = entry.capability()
        assert capability is not None
        assert entry.fp8 == (capability >= (8, 9)) and entry.bf16 == (capability >= (8, 0))
    else:
        assert entry.compute_capability is None and entry.capability() is None


def test_capability_flags_must_agree() -> None:
    base = {"id": "X1", "name": "X", "vendor": "nvidia", "marketed_gb": 16.0, "source": "https://x.example"}
    assert GpuEntry.model_validate(base | {"compute_capability": "8.9", "fp8": True}).capability() == (8, 9)
    assert GpuEntry.model_validate(base | {"compute_capability": "10.0", "fp8": True}).capability() == (10, 0)
    with pytest.raises(ValidationError, match="fp8"):
        GpuEntry.model_validate(base | {"compute_capability": "8.6", "fp8": True})
    with pytest.raises(ValidationError, match="bf16"):
        GpuEntry.model_validate(base | {"compute_capability": "7.5", "fp8": False})
    with pytest.raises(ValidationError):
        GpuEntry.model_validate(base | {"compute_capability": "eight"})
    with pytest.raises(ValidationError, match="NVIDIA"):
        GpuEntry.model_validate(base | {"vendor": "amd", "compute_capability": "9.0"})
    with pytest.raises(ValidationError):
        GpuEntry.model_validate(base | {"fact_sources": {"fp8": "not a url"}})
    # A repository's own catalog may leave them out: unknown, not false.
    unknown = GpuEntry.model_validate(base)
    assert unknown.compute_capability is None and unknown.fp8 is None
