"""The local NVIDIA GPUs, read through NVML (`nvidia-ml-py`, module `pynvml`).

Used by `selectcheck hardware` (a ready-to-paste `hardware:` block) and by
`validate --detect-hardware` (SC106). `pynvml` is imported inside :func:`detect_gpus` only,
so no other command pays for it, and a machine without the driver gets a one-line
:class:`~selectcheck.errors.ConfigError` (exit code 2), never a traceback.

NVML lists every GPU of the machine, whatever `CUDA_VISIBLE_DEVICES` says, and reports the
total memory the driver exposes (an "80 GB" H100 reports 81,559 MiB). Catalog matching uses
the device name first (catalog aliases carry the NVML names), then the name's model tokens
with the memory as the tie-breaker.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from selectcheck.compute.units import GB, MIB
from selectcheck.errors import ConfigError

if TYPE_CHECKING:
    from selectcheck.catalog.gpus import GpuEntry
    from selectcheck.compute.aliases import AliasIndex

# A card "has the declared memory" when NVML reports at least this share of the catalog
# total: typical nvidia-smi figures differ by a few MiB between boards and drivers.
MEMORY_TOLERANCE = 0.99

_HELP = (
    "`selectcheck hardware` and `validate --detect-hardware` need an NVIDIA GPU with its driver "
    "(libnvidia-ml); run them on the GPU machine, or drop --detect-hardware."
)
_NAME_PREFIXES = ("nvidia ", "tesla ", "geforce ", "quadro ")
_TOKEN = re.compile(r"[a-z0-9]+")
_SIZE_TOKEN = re.compile(r"^\d+gb$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class DetectedGpu:
    """One GPU as NVML reports it."""

    index: int
    name: str  # e.g. "NVIDIA H100 80GB HBM3"
    total_bytes: int  # nvmlDeviceGetMemoryInfo().total

    @property
    def total_mib(self) -> int:
        return self.total_bytes // MIB


def _text(value: Any) -> str:
    """NVML strings are `str` in nvidia-ml-py ≥ 11.515 and `bytes` before."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return _CONTROL.sub("", str(value)).strip()


def _reason(error: BaseException) -> str:
    try:
        text = str(error)
    except Exception:  # pynvml's __str__ calls back into the library
        text = ""
    return text or f"NVML error {getattr(error, 'value', '?')}"


@dataclass(frozen=True, slots=True)
class NvmlReport:
    """What NVML says about this machine."""

    driver_version: str
    gpus: list[DetectedGpu]


def read_nvml() -> NvmlReport:
    """The driver version and every NVIDIA GPU of this machine (possibly none). Raises
    :class:`ConfigError` when `pynvml` or the driver is missing or NVML fails."""
    try:
        import pynvml
    except ImportError:
        raise ConfigError(
            "cannot read the local GPUs: the nvidia-ml-py package (module pynvml) is not installed",
            help="Install it with `pip install nvidia-ml-py` (a dependency of selectcheck).",
        ) from None
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as error:
        raise ConfigError(
            f"cannot read the local GPUs: NVML did not start ({_reason(error)}); no NVIDIA driver on this machine?",
            help=_HELP,
        ) from None
    try:
        driver = _text(pynvml.nvmlSystemGetDriverVersion())
        gpus: list[DetectedGpu] = []
        for index in range(int(pynvml.nvmlDeviceGetCount())):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            name = _text(pynvml.nvmlDeviceGetName(handle))
            total = int(pynvml.nvmlDeviceGetMemoryInfo(handle).total)
            gpus.append(DetectedGpu(index, name, total))
        return NvmlReport(driver, gpus)
    except pynvml.NVMLError as error:
        raise ConfigError(f"cannot read the local GPUs: NVML failed ({_reason(error)})", help=_HELP) from None
    finally:
        with contextlib.suppress(pynvml.NVMLError):
            pynvml.nvmlShutdown()


def detect_gpus() -> list[DetectedGpu]:
    """Every NVIDIA GPU of this machine (possibly none), for `validate --detect-hardware`.
    Raises :class:`ConfigError` when `pynvml` or the driver is missing or NVML fails."""
    return read_nvml().gpus


def _tokens(text: str) -> set[str]:
    return set(_TOKEN.findall(text.lower()))


def match_catalog_gpu(gpu: DetectedGpu, catalog: AliasIndex[GpuEntry]) -> GpuEntry | None:
    """The catalog entry of a detected GPU: by NVML name (an alias), by the name without its
    vendor prefix, else the NVIDIA entry whose model tokens (`a100`, `rtx 6000 ada`, `h100
    nvl`; size tokens such as `80gb` ignored) all occur in the name, closest in memory."""
    name = gpu.name
    for _ in range(3):
        entry = catalog.get(name)
        if entry is not None and entry.vendor == "nvidia":
            return entry
        lowered = name.lower()
        prefix = next((p for p in _NAME_PREFIXES if lowered.startswith(p)), None)
        if prefix is None:
            break
        name = name[len(prefix) :]
    words = _tokens(gpu.name)
    options: list[tuple[int, str, GpuEntry]] = []
    for entry in catalog:
        if entry.vendor != "nvidia":
            continue
        needed = {t for t in _tokens(entry.id.replace("-", " ")) if not _SIZE_TOKEN.match(t)}
        if needed and needed <= words:
            options.append((abs(entry.total_bytes() - gpu.total_bytes), entry.id, entry))
    return min(options, key=lambda option: option[:2])[2] if options else None


@dataclass(frozen=True, slots=True)
class HardwareGroup:
    """Identical GPUs of the machine, as one `hardware:` block."""

    indexes: tuple[int, ...]
    name: str
    total_bytes: int
    catalog_id: str | None
    vram_gb: float | None  # set when the catalog does not know the card or it has less memory

    @property
    def count(self) -> int:
        return len(self.indexes)

    def block(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.catalog_id is not None:
            out["gpu"] = self.catalog_id
        else:
            out["gpu"] = _gpu_id(self.name)
        if self.vram_gb is not None:
            out["vram_gb"] = self.vram_gb
        out["count"] = self.count
        return out


def _gpu_id(name: str) -> str:
    """A record-friendly id from an NVML name the catalog does not know: `NVIDIA H800` → `H800`."""
    lowered = name.lower()
    for prefix in _NAME_PREFIXES:
        if lowered.startswith(prefix):
            name = name[len(prefix) :]
            lowered = name.lower()
    cleaned = re.sub(r"[^A-Za-z0-9.+]+", "-", name).strip("-")
    return cleaned or "GPU"


def vram_gb(total_bytes: int) -> float:
    """Decimal GB rounded down to 0.1 (never more than the card has)."""
    return int(total_bytes / (GB / 10)) / 10


def group_gpus(gpus: Iterable[DetectedGpu], catalog: AliasIndex[GpuEntry]) -> list[HardwareGroup]:
    """Group identical GPUs (same catalog entry or name, same memory), in index order."""
    groups: dict[tuple[str, int], list[DetectedGpu]] = {}
    matched: dict[tuple[str, int], GpuEntry | None] = {}
    for gpu in gpus:
        entry = match_catalog_gpu(gpu, catalog)
        key = (entry.id if entry is not None else gpu.name, gpu.total_bytes)
        groups.setdefault(key, []).append(gpu)
        matched[key] = entry
    out: list[HardwareGroup] = []
    for key, members in groups.items():
        entry = matched[key]
        first = members[0]
        short = entry is not None and first.total_bytes < entry.total_bytes() * MEMORY_TOLERANCE
        out.append(
            HardwareGroup(
                indexes=tuple(g.index for g in members),
                name=first.name,
                total_bytes=first.total_bytes,
                catalog_id=entry.id if entry is not None else None,
                vram_gb=vram_gb(first.total_bytes) if entry is None or short else None,
            )
        )
    return out
