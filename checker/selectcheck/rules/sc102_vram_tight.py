"""SC102 vram-tight: the workload fits, but inside the policy's warning margin."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.candidates import chosen_fits, record_workload_memory
from selectcheck.analysis.context import RecordContext, chosen_index
from selectcheck.compute.units import format_gb
from selectcheck.rules.memory_advice import approximation_note, budget_phrase, fix_help, largest_part_phrase
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC102",
    name="vram-tight",
    severity="warning",
    options=("vram.headroom", "vram.warn_headroom"),
    summary="it fits, but inside the policy's warning margin",
    explanation="""
        A workload whose estimate fits the usable memory (SC101) but leaves less free than
        the policy's `vram.warn_headroom` (default 0.15 of the card) is one longer prompt, a
        library upgrade or a fragmented allocator away from an out-of-memory error. Real
        peaks vary: padding to the longest sequence in a batch, CUDA graphs, a different
        attention kernel or a new driver all move them by a few percent, and the estimate
        itself aims to be at most 20% above a measurement, not exact.

        The warning names the estimate, the warning line (total × (1 − warn_headroom)) and
        the largest part; the help names the cheapest change that brings the estimate below
        the warning line, as confirmed by the estimator. If the margin is deliberate (a
        measured, fixed-size workload), waive the rule for the record with a reason.
    """,
    failing="""
        workloads:
          - name: serving
            mode: inference
            hardware: {gpu: A100-80GB}
            precision: bf16
            context_length: 8192
            batch_size: 2
        candidates:
          - model: Qwen/Qwen2.5-32B-Instruct
            license: apache-2.0
        decision:
          chosen: Qwen/Qwen2.5-32B-Instruct   # 65.5 GB of bf16 weights
    """,
    passing="""
        workloads:
          - name: serving
            mode: inference
            hardware: {gpu: H100-80GB}   # FP8 tensor cores
            precision: fp8
            context_length: 8192
            batch_size: 2
        candidates:
          - model: Qwen/Qwen2.5-32B-Instruct
            license: apache-2.0
        decision:
          chosen: Qwen/Qwen2.5-32B-Instruct
    """,
)
def vram_tight(ctx: RecordContext) -> Iterator[Finding]:
    record_workload_memory(ctx)
    candidate = chosen_index(ctx)
    if candidate is None:
        return
    vram = ctx.policy.vram
    for index, fit in chosen_fits(ctx):
        estimate, card, budget, warn = fit.estimate, fit.card, fit.budget_bytes, fit.warn_bytes
        if not fit.tight or estimate is None or card is None or budget is None or warn is None:
            continue
        workload = ctx.record.workloads[index]
        free = card.total_bytes - estimate.total_bytes
        message = (
            f"workload {workload.name!r}: estimated peak {format_gb(estimate.total_bytes)} per GPU fits the "
            f"{budget_phrase(ctx, workload, card, budget)}, but only {format_gb(free)} "
            f"({free / card.total_bytes:.0%}) of the card stays free, under the policy's "
            f"{vram.warn_headroom:.0%} margin (warning above {format_gb(warn)}); "
            f"{largest_part_phrase(estimate)}{approximation_note(estimate)}"
        )
        goal = f"the {format_gb(warn)} warning line"
        fix = fix_help(ctx, candidate, index, warn, vram.warn_headroom, goal=goal)
        yield Finding(
            f"/workloads/{index}/hardware",
            message,
            f"Real peaks vary by a few percent (padding, kernels, library versions); leave room. {fix}",
        )
