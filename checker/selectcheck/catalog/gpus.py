"""The GPU catalog: what each GPU id means and how much memory a workload can compare with.

`policy/catalog/gpus.yaml` is validated against `GpuCatalogFile`; the JSON Schema of the
catalog is generated from these models, so every field carries a description.

Memory: the marketed figure ("80 GB") is not what a process sees. NVML reports the total the
driver exposes (an "80 GB" H100 reports 81,559 MiB, an H200 143,771 MiB); selectcheck compares
estimates with that total when it is known (:meth:`GpuEntry.total_bytes`).

Capabilities: `compute_capability`, `fp8` and `bf16` say which precisions the card computes
in hardware (bf16 tensor cores from compute capability 8.0, FP8 from 8.9); an entry whose
flags contradict its compute capability is rejected. `fact_sources` holds the source of each
such fact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from selectcheck.catalog.base import URL_PATTERN, CatalogModel, Ids, list_to_tuple
from selectcheck.compute.aliases import AliasIndex, normalize_id
from selectcheck.compute.units import GB, GIB, MIB

__all__ = ["GpuCatalogFile", "GpuEntry", "GpuNameProblem", "family_members", "gpu_name_problem"]


BF16_MIN_CAPABILITY = (8, 0)
"""NVIDIA compute capability from which cards have bf16 tensor cores (Ampere)."""

FP8_MIN_CAPABILITY = (8, 9)
"""NVIDIA compute capability from which cards have FP8 tensor cores (Ada, Hopper, Blackwell)."""

Fact = Literal["nvml_total_mib", "compute_capability", "fp8", "bf16"]
"""The facts of an entry that carry their own source in `fact_sources`."""

Url = Annotated[str, Field(pattern=URL_PATTERN)]


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
    family: _Ids = Field(
        default=(),
        description=(
            "Names shared with the other memory sizes of the same card (`A100` for the 40 GB and "
            "80 GB models). A record that names only the family is ambiguous: SC104 lists the cards."
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
            "Exact device memory in bytes where it is known and NVML does not apply (AMD), or "
            "a conservative figure where systems expose less than marketed and no NVML total "
            "is known."
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
    compute_capability: str | None = Field(
        default=None,
        pattern=r"^[0-9]+\.[0-9]+$",
        description=(
            "NVIDIA CUDA compute capability as `major.minor` (`8.0` A100, `8.9` L4/Ada, `9.0` "
            "H100, `10.0` B200); null for other vendors or when unknown. Engines gate kernels on "
            "it: bf16 from 8.0, FP8 from 8.9."
        ),
        examples=["7.5", "8.0", "8.9", "9.0", "10.0", "12.0"],
    )
    fp8: bool | None = Field(
        default=None,
        description=(
            "Whether the card computes in FP8 in hardware (FP8 tensor cores: NVIDIA compute "
            "capability 8.9 and up, AMD CDNA 3). Without it FP8 checkpoints run weight-only at "
            "best. Null when unknown."
        ),
    )
    source: str = Field(pattern=URL_PATTERN, description="Where the memory figures come from (vendor page).")
    fact_sources: dict[Fact, Url] = Field(
        default_factory=dict,
        description=(
            "Where individual facts come from, by field: the nvidia-smi output or rule behind "
            "`nvml_total_mib`, the compute-capability table, the FP8/bf16 support matrix."
        ),
    )
    notes: str | None = Field(default=None, description="Caveats, variants, and anything not confirmed.")

    @model_validator(mode="after")
    def _capability_agrees_with_precisions(self) -> GpuEntry:
        capability = self.capability()
        if capability is None:
            if self.vendor == "nvidia" and self.compute_capability is not None:
                raise ValueError(f"compute_capability {self.compute_capability!r} is not major.minor")
            return self
        if self.vendor != "nvidia":
            raise ValueError("compute_capability is an NVIDIA (CUDA) notion; leave it null for other vendors")
        if self.bf16 != (capability >= BF16_MIN_CAPABILITY):
            raise ValueError(
                f"bf16 {self.bf16} contradicts compute capability {self.compute_capability} "
                "(bf16 tensor cores from 8.0)"
            )
        if self.fp8 is not None and self.fp8 != (capability >= FP8_MIN_CAPABILITY):
            raise ValueError(
                f"fp8 {self.fp8} contradicts compute capability {self.compute_capability} (FP8 tensor cores from 8.9)"
            )
        return self

    def capability(self) -> tuple[int, int] | None:
        """The compute capability as (major, minor), for comparisons; None when unknown."""
        if self.compute_capability is None:
            return None
        match = re.fullmatch(r"([0-9]+)\.([0-9]+)", self.compute_capability)
        return (int(match.group(1)), int(match.group(2))) if match else None

    def total_bytes(self) -> int:
        """Bytes to compare estimates with: NVML total, else exact bytes, else marketed."""
        if self.nvml_total_mib is not None:
            return self.nvml_total_mib * MIB
        if self.memory_bytes is not None:
            return self.memory_bytes
        return int(self.marketed_gb * GB)


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
        for gpu in self.gpus:
            for name in gpu.family:
                if normalize_id(name) in seen:
                    owner = seen[normalize_id(name)]
                    raise ValueError(f"family name {name!r} of {gpu.id} is also the id or alias of {owner}")
        return self

    def index(self) -> AliasIndex[GpuEntry]:
        return AliasIndex(self.gpus)


def family_members(gpus: Iterable[GpuEntry], name: str) -> tuple[GpuEntry, ...]:
    """The cards a family name such as `A100` stands for, smallest memory first."""
    key = normalize_id(name)
    members = [gpu for gpu in gpus if any(normalize_id(f) == key for f in gpu.family)]
    return tuple(sorted(members, key=lambda gpu: gpu.total_bytes()))


def same_memory(card: GpuEntry, vram_gb: float) -> bool:
    """`vram_gb` as a team would write this card's memory: the marketed GB, or the total the
    driver reports in GB or GiB, within 5%."""
    figures = (card.marketed_gb, card.total_bytes() / GB, card.total_bytes() / GIB)
    return any(abs(vram_gb - figure) <= 0.05 * figure for figure in figures)


@dataclass(frozen=True)
class GpuNameProblem:
    """Why a GPU name (with the memory given next to it, if any) cannot be checked against.

    ``unknown``: no catalog card or family has the name and no memory is given; ``ambiguous``:
    a family name (`A100`) that stands for several cards, without memory to pick one;
    ``vram-mismatch``: the memory given next to the name matches none of the cards it names.
    ``cards`` are the cards the name stands for (smallest first)."""

    kind: Literal["unknown", "ambiguous", "vram-mismatch"]
    cards: tuple[GpuEntry, ...] = ()

    def card_list(self) -> str:
        """`A100-40GB (40 GB) and A100-80GB (80 GB)`."""
        return " and ".join(f"{card.id} ({card.marketed_gb:g} GB)" for card in self.cards)


def gpu_name_problem(
    gpus: Iterable[GpuEntry], entry: GpuEntry | None, name: str, vram_gb: float | None
) -> GpuNameProblem | None:
    """What keeps ``name`` (with ``vram_gb``, if given) from naming one card's memory, or None.
    ``entry`` is the catalog card the name resolves to, if any. SC104 reports these for a
    record's workloads; `estimate` and `shortlist` refuse them as usage errors."""
    family = family_members(gpus, name) if entry is None else ()
    if vram_gb is not None:
        cards = (entry,) if entry is not None else family
        if cards and not any(same_memory(card, vram_gb) for card in cards):
            return GpuNameProblem("vram-mismatch", cards)
        return None
    if len(family) > 1:
        return GpuNameProblem("ambiguous", family)
    if entry is None and not family:
        return GpuNameProblem("unknown")
    return None
