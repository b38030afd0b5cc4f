"""SC106 hardware-mismatch: with `--detect-hardware`, the local GPUs differ from a workload's.

The rule runs like a record rule, but only when `validate --detect-hardware` has read the
GPUs through NVML (`ctx.options.detected_gpus`); it is registered with stage "hardware", so
the fixture harness (which cannot fake a GPU through the CLI) leaves it to
`tests/test_hardware.py`, which fakes NVML at the library boundary.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from selectcheck.compute.units import GB, MIB
from selectcheck.diagnostics import Stage
from selectcheck.rules.registry import Finding, rule

if TYPE_CHECKING:
    from selectcheck.analysis.context import RecordContext
    from selectcheck.catalog.gpus import GpuEntry
    from selectcheck.hardware import DetectedGpu
    from selectcheck.model.record import Workload


EXPLANATION = """
    `validate --detect-hardware` reads the NVIDIA GPUs of the machine it runs on through
    NVML and compares them with every workload's `hardware`: the record's memory checks
    (SC101, SC102) are only as good as the card they assume. A workload fails when the
    machine has fewer GPUs than `count`, GPUs of a different model than `gpu` (an "80 GB"
    H100 is not an A100-80GB, even though the two are close in memory), or less memory per
    GPU than the declared card (the catalog's NVML total, or `vram_gb`, with 1% tolerance
    for board-to-board differences).

    Run it on the machine the workload will run on (a CI runner with the GPU, or the
    training box) to catch records written for hardware the team does not have. Without
    `--detect-hardware` the rule does nothing; without an NVIDIA driver the option is a
    configuration error (exit code 2). `selectcheck hardware` prints the block that
    describes the local GPUs.
"""

FAILING = """
    # on a machine with one H100 80GB (NVML: 81,559 MiB)
    workloads:
      - name: fine-tune
        mode: lora
        hardware: {gpu: H200}       # 143,771 MiB declared
        precision: bf16
        context_length: 4096
"""

PASSING = """
    # on a machine with one H100 80GB (NVML: 81,559 MiB)
    workloads:
      - name: fine-tune
        mode: lora
        hardware: {gpu: H100-80GB, count: 1}
        precision: bf16
        context_length: 4096
"""

TOLERANCE = 0.99


def hardware_mismatch(ctx: RecordContext) -> Iterator[Finding]:
    detected: list[DetectedGpu] | None = ctx.options.detected_gpus
    if detected is None:
        return
    for index, workload in enumerate(ctx.record.workloads):
        finding = _compare(ctx, index, workload, detected)
        if finding is not None:
            yield finding


def _describe(gpus: Sequence[DetectedGpu], entries: dict[int, GpuEntry | None]) -> str:
    """`1 × NVIDIA H100 80GB HBM3 (H100-80GB, 81,559 MiB)`, grouped by model and memory."""
    groups: dict[tuple[str, int], int] = {}
    for gpu in gpus:
        entry = entries.get(gpu.index)
        label = f"{gpu.name} ({entry.id}, " if entry is not None else f"{gpu.name} ("
        key = (label, gpu.total_bytes)
        groups[key] = groups.get(key, 0) + 1
    return " and ".join(f"{n} × {label}{total // MIB:,} MiB)" for (label, total), n in groups.items())


def _compare(ctx: RecordContext, index: int, workload: Workload, detected: list[DetectedGpu]) -> Finding | None:

    hardware = workload.hardware
    base = f"/workloads/{index}/hardware"
    raw = _raw_hardware(ctx, index)
    declared = ctx.catalog.gpus.get(hardware.gpu) if hardware.gpu else None
    if hardware.vram_gb is not None:
        need = int(hardware.vram_gb * GB)
        declared_text = f"{hardware.gpu or 'GPU'} with {hardware.vram_gb:g} GB"
    elif declared is not None:
        need = declared.total_bytes()
        declared_text = f"{declared.id} ({need // MIB:,} MiB)"
    else:
        return None  # an unknown GPU without vram_gb: SC104
    count = hardware.count
    wanted = f"{count} × {declared_text}"
    from selectcheck.hardware import match_catalog_gpu  # only runs that read the GPUs get here

    entries = {gpu.index: match_catalog_gpu(gpu, ctx.catalog.gpus) for gpu in detected}
    have = _describe(detected, entries) if detected else "no NVIDIA GPU"
    # GPUs that can stand in for the declared card: the same model (when the record names a
    # catalog card) with at least the declared memory.
    same_model = [g for g in detected if declared is None or _same(entries.get(g.index), declared)]
    enough = [g for g in same_model if g.total_bytes >= need * TOLERANCE]
    if len(enough) >= count:
        return None
    help_text = (
        "Run the check on the machine the workload runs on, or correct the workload's `hardware`; "
        "`selectcheck hardware` prints the block for this machine."
    )
    where = f"workload {workload.name!r} declares {wanted}, but this machine has {have}"
    if len(detected) < count:
        pointer = f"{base}/count" if "count" in raw else base
        return Finding(pointer, f"{where}: fewer GPUs than the workload needs", help_text)
    pointer = f"{base}/gpu" if "gpu" in raw else (f"{base}/vram_gb" if "vram_gb" in raw else base)
    if declared is not None and len(same_model) < count:
        biggest = max(g.total_bytes for g in detected)
        memory = " with less memory" if biggest < need * TOLERANCE else ""
        return Finding(pointer, f"{where}: a different GPU model{memory}", help_text)
    best = max(g.total_bytes for g in same_model) if same_model else 0
    return Finding(
        pointer,
        f"{where}: less memory per GPU ({best / GB:.1f} GB detected, {need / GB:.1f} GB declared)",
        help_text,
    )


def _same(entry: GpuEntry | None, declared: GpuEntry) -> bool:
    return entry is not None and entry.id == declared.id


def _raw_hardware(ctx: RecordContext, index: int) -> dict[str, Any]:
    workloads = ctx.data.get("workloads")
    if isinstance(workloads, list) and index < len(workloads) and isinstance(workloads[index], dict):
        hardware = workloads[index].get("hardware")
        if isinstance(hardware, dict):
            return hardware
    return {}


rule(
    code="SC106",
    name="hardware-mismatch",
    severity="error",
    summary=(
        "with --detect-hardware, the local GPUs (NVML) have less memory or a different model than a workload declares"
    ),
    explanation=EXPLANATION,
    failing=FAILING,
    passing=PASSING,
    stage=Stage.HARDWARE,
)(hardware_mismatch)
