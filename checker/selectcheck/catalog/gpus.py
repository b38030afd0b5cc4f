"""The GPU catalog: what each GPU id means and how much memory a workload can compare with.

`policy/catalog/gpus.yaml` is validated against `GpuCatalogFile`; the JSON Schema of the
catalog is generated from these models, so every field carries a description.

Memory: the marketed figure ("80 GB") is not what a process sees. NVML reports the total the
driver exposes (an "80 GB" H100 reports 81,559 MiB, an H200 143,771 MiB); selectcheck compares
estimates with that total when it is known (:meth:`GpuEntry.total_bytes`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from selectcheck.catalog.base import URL_PATTERN, CatalogModel, Ids, list_to_tuple
from selectcheck.compute.aliases import AliasIndex, normalize_id

__all__ = ["GpuCatalogFile", "GpuEntry"]

MIB = 1024 * 1024




_Ids = Ids


class GpuEntry(CatalogModel):
    """One GPU model: identity, marketed memory and the total NVML reports."""

    id: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9.+-]*$",
        description="Canonical id used in records (`hardware: {gpu: A100-80GB}`).",
        examples=["A100-80GB", "H100-80GB", "L4"],
    )
    aliases: _Ids = Field(
        default=(),
        description=(
            "Other names that resolve to this GPU (`a100 80gb`, `NVIDIA H100 80GB HBM3`, the "
            "NVML device name). Matching is case-insensitive and treats spaces, underscores "
            "and dashes alike."
        ),
    )
    name: str = Field(min_length=1, description="Display name, e.g. `NVIDIA A100 80GB`.")
    vendor: Literal["nvidia", "amd", "intel", "other"] = Field(
        description="Vendor; NVML (and `--detect-hardware`) only knows NVIDIA cards."
    )
    marketed_gb: float = Field(
        gt=0,
        le=100_000,
        description='Memory as marketed, in decimal GB (the `80` of an "80 GB" card).',
    )
    memory_bytes: int | None = Field(
        default=None,
        gt=0,
        le=10**14,
        description=(
            "Exact device memory in bytes where it is known and NVML does not apply (AMD) or "
            "a conservative figure where systems expose less than marketed (B200)."
        ),
    )
    nvml_total_mib: int | None = Field(
        default=None,
        gt=0,
        le=10**8,
        description=(
            "Total memory NVML reports (`nvmlDeviceGetMemoryInfo().total`, nvidia-smi's "
            "`MiB` figure), in MiB. Preferred over the marketed figure for fit checks."
        ),
    )
    nvml_measured: bool = Field(
        default=False,
        description=(
            "True when `nvml_total_mib` was read on a real card by this project; false "
            "when it is the typical nvidia-smi value of that model."
        ),
    )
    memory_type: str | None = Field(default=None, description="Memory technology, e.g. `HBM3`, `GDDR6`.")
    bf16: bool = Field(
        default=True,
        description="Whether the card has bf16 tensor cores (T4 and V100 do not: use fp16).",
    )
    source: str = Field(pattern=URL_PATTERN, description="Where the memory figures come from (vendor page).")
    notes: str | None = Field(default=None, description="Caveats, variants, and anything not confirmed.")

    def total_bytes(self) -> int:
        """Bytes to compare estimates with: NVML total, else exact bytes, else marketed."""
        if self.nvml_total_mib is not None:
            return self.nvml_total_mib * MIB
        if self.memory_bytes is not None:
            return self.memory_bytes
        return int(self.marketed_gb * 1_000_000_000)


class GpuCatalogFile(CatalogModel):
    """`policy/catalog/gpus.yaml`: the GPUs records may name."""

    catalog_version: Literal[1] = Field(description="Format version of this catalog file.")
    gpus: Annotated[tuple[GpuEntry, ...], BeforeValidator(list_to_tuple)] = Field(description="The GPU entries.")

    @model_validator(mode="after")
    def _unique_names(self) -> GpuCatalogFile:
        seen: dict[str, str] = {}
        for gpu in self.gpus:
            for name in (gpu.id, *gpu.aliases):
                key = normalize_id(name)
                owner = seen.setdefault(key, gpu.id)
                if owner != gpu.id:
                    raise ValueError(f"GPU name {name!r} is used by both {owner} and {gpu.id}")
        return self

    def index(self) -> AliasIndex[GpuEntry]:
        return AliasIndex(self.gpus)

