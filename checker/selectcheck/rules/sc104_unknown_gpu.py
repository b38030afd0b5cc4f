"""SC104 unknown-gpu: `gpu` is not in the catalog and no `vram_gb` is given."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC104",
    name="unknown-gpu",
    severity="error",
    summary="gpu is not in the catalog and no vram_gb is given",
    explanation="""
        The memory check needs the card's memory. A workload names its GPU by a catalog id
        (`T4`, `L4`, `A10G`, `RTX-4090`, `L40S`, `A100-40GB`, `A100-80GB`, `H100-80GB`,
        `H200`, …; case, spaces, underscores and dashes do not matter, and NVML device
        names such as `NVIDIA A100-SXM4-80GB` are aliases). An id the catalog does not know
        is usually a typo — `A100-90GB` — and would otherwise make every memory rule
        silently skip the workload.

        For a card the catalog does not list, give its memory per GPU in decimal GB next to
        the name (`hardware: {gpu: Acme-X1, vram_gb: 48}`), or add it to your policy's GPU
        catalog so every record can use it. `selectcheck hardware` prints the block for the
        GPUs of the machine it runs on.
    """,
    failing="""
        workloads:
          - name: serving
            mode: inference
            hardware: {gpu: A100-90GB}
            precision: bf16
            context_length: 4096
    """,
    passing="""
        workloads:
          - name: serving
            mode: inference
            hardware: {gpu: Acme-X1, vram_gb: 48}
            precision: bf16
            context_length: 4096
    """,
)
def unknown_gpu(ctx: RecordContext) -> Iterator[Finding]:
    gpus = ctx.catalog.gpus
    for index, workload in enumerate(ctx.record.workloads):
        hardware = workload.hardware
        if hardware.gpu is None or hardware.vram_gb is not None or hardware.gpu in gpus:
            continue
        close = gpus.suggest(hardware.gpu)
        hint = f"Did you mean `{close}`? " if close else ""
        yield Finding(
            f"/workloads/{index}/hardware/gpu",
            f"workload {workload.name!r}: GPU {hardware.gpu!r} is not in the GPU catalog, so its memory is "
            "unknown and the memory fit cannot be checked",
            f"{hint}Use a catalog id (see `policy/catalog/gpus.yaml`), give the memory per GPU as `vram_gb`, "
            "or add the card to your policy's GPU catalog.",
        )
