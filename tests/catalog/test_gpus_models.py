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
    b200 = index.get("B200")
    assert b200 is not None and b200.total_bytes() < b200.marketed_gb * 10**9


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
    nemo = models.index().get("mistralai/Mistral-Nemo-Base-2407")
    assert nemo is not None and nemo.max_context_for("mistralai/Mistral-Nemo-Base-2407") == 1_024_000


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
