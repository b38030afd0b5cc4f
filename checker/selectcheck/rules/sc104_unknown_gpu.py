"""SC104 unknown-gpu: `gpu` is not in the catalog, names several cards, or disagrees with
`vram_gb`."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.catalog.gpus import gpu_name_problem
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

        A name that several catalog cards share — `A100` (40 GB and 80 GB), `V100` (16 GB and
        32 GB), `H100` (80 GB and the 94 GB NVL), `RTX 6000` (A6000 and 6000 Ada) — is
        ambiguous: read as the larger card it would pass a team that has the smaller one.
        The finding lists the cards to choose from. A `vram_gb` given next to a catalog
        card (or a family name) must match that card's memory (the marketed GB or the
        driver's total in GB or GiB, within 5%): two descriptions of the hardware that
        disagree leave the check guessing.
    """,
    failing="""
        workloads:
          - name: serving
            mode: inference
            hardware: {gpu: A100}         # 40 GB or 80 GB?
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
        if hardware.gpu is None:
            continue
        where = f"/workloads/{index}/hardware"
        problem = gpu_name_problem(gpus, gpus.get(hardware.gpu), hardware.gpu, hardware.vram_gb)
        if problem is None:
            continue
        if problem.kind == "vram-mismatch":
            yield Finding(
                f"{where}/vram_gb",
                f"workload {workload.name!r}: vram_gb {hardware.vram_gb:g} does not match "
                f"{problem.card_list()}, which `gpu: {hardware.gpu}` names",
                "Make `gpu` and `vram_gb` describe the same card: correct one of them, or drop `vram_gb` "
                "for a catalog card.",
            )
        elif problem.kind == "ambiguous":
            yield Finding(
                f"{where}/gpu",
                f"workload {workload.name!r}: GPU {hardware.gpu!r} is ambiguous: the catalog has "
                f"{problem.card_list()}, so the memory fit cannot be checked",
                f"Name the card you have: {' or '.join(f'`gpu: {g.id}`' for g in problem.cards)} "
                "(`nvidia-smi` shows its memory, and `selectcheck hardware` writes the block).",
            )
        else:
            close = gpus.suggest(hardware.gpu)
            hint = f"Did you mean `{close}`? " if close else ""
            yield Finding(
                f"{where}/gpu",
                f"workload {workload.name!r}: GPU {hardware.gpu!r} is not in the GPU catalog, so its memory is "
                "unknown and the memory fit cannot be checked",
                f"{hint}Use a catalog id (see `policy/catalog/gpus.yaml`), give the memory per GPU as `vram_gb`, "
                "or add the card to your policy's GPU catalog.",
            )
