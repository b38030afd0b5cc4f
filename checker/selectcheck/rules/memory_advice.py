"""The words of the memory rules (SC101, SC102) and of `selectcheck estimate`: how a finding
names the estimate, the budget and the largest part, and the cheapest change that the
estimator confirms fits.

The estimator (``compute/memory``) only computes; every sentence a user reads about memory is
made here. Trials go through the caller's memoised estimator, so a workload the rule already
estimated is never computed again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from selectcheck.analysis.candidates import memory_workload, remembered_estimate, resolve_architecture, workload_fit
from selectcheck.compute.architecture import ArchitectureError
from selectcheck.compute.memory import (
    VLLM_GPU_MEMORY_UTILIZATION,
    WEIGHT_BITS,
    MemoryEstimate,
    MemoryWorkload,
    MemoryWorkloadError,
    usable_bytes,
    workload_budget_bytes,
)
from selectcheck.compute.units import format_gb
from selectcheck.rules.registry import Finding

if TYPE_CHECKING:
    from selectcheck.analysis.candidates import Card, WorkloadFit
    from selectcheck.analysis.context import RecordContext
    from selectcheck.catalog.gpus import GpuEntry
    from selectcheck.compute.memory.vllm import VllmCapacity
    from selectcheck.model.record import Workload

EstimateOf = Callable[[MemoryWorkload], MemoryEstimate]

PART_LABELS = {
    "weights": "the weights",
    "kv_cache": "the KV cache",
    "activations": "the activations",
    "gradients": "the gradients",
    "optimizer": "the optimizer state",
    "overhead": "the runtime overhead",
}
_PLURAL_PARTS = ("weights", "activations", "gradients")
# Precisions that need bf16 tensor cores; a bigger card without them is no fix.
_BF16_PRECISIONS = ("bf16", "mixed")
# More GPUs of the same card are tried up to one node's worth.
MAX_GPUS_PER_NODE = 8
_MODE_NAMES = {"lora": "LoRA", "qlora": "QLoRA", "full-finetune": "full fine-tuning", "inference": "inference"}
# The estimator's refusals and overflows: a trial that raises one is no fix.
_TRIAL_ERRORS = (MemoryWorkloadError, ArchitectureError, ValueError, ArithmeticError)


def largest_part(estimate: MemoryEstimate) -> tuple[str, int]:
    """The name and size of the biggest part (ties: the first in report order)."""
    parts = estimate.parts()
    name = max(parts, key=lambda key: parts[key])
    return name, parts[name]


def largest_part_phrase(estimate: MemoryEstimate) -> str:
    """`the KV cache is the largest part (12.1 GB)`."""
    name, size = largest_part(estimate)
    verb = "are" if name in _PLURAL_PARTS else "is"
    return f"{PART_LABELS[name]} {verb} the largest part ({format_gb(size)})"


def with_article(gpu_id: str) -> str:
    """`an L4`, `an H100-80GB`, `a T4`: the article goes by how the first letter is spoken."""
    return f"an {gpu_id}" if gpu_id[:1].upper() in "AEFHILMNORSX" else f"a {gpu_id}"


def approximation_note(estimate: MemoryEstimate) -> str:
    """` (KV cache and activations approximated from the parameter count)` or ``."""
    if not estimate.approximated:
        return ""
    names = [PART_LABELS[name].removeprefix("the ") for name in estimate.approximated]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f" ({joined} approximated from the parameter count: the architecture is unknown)"


def budget_phrase(ctx: RecordContext, workload: Workload, card: Card, budget: int) -> str:
    """`22.9 GB usable on L4 (24.2 GB × 0.95)`, or the vLLM share where that is smaller."""
    where = f"each of {workload.hardware.count} × {card.label}" if workload.hardware.count > 1 else card.label
    factor = 1 - ctx.policy.vram.headroom
    if workload.engine == "vllm" and budget < usable_bytes(card.total_bytes, ctx.policy.vram.headroom):
        factor = workload.gpu_memory_utilization or VLLM_GPU_MEMORY_UTILIZATION
        return (
            f"{format_gb(budget)} that vLLM claims on {where} "
            f"({format_gb(card.total_bytes)} × {factor:.2f} gpu_memory_utilization)"
        )
    return f"{format_gb(budget)} usable on {where} ({format_gb(card.total_bytes)} × {factor:.2f})"


def vllm_pool_note(workload: Workload, capacity: VllmCapacity) -> str:
    """For vLLM: how many tokens of KV cache its share leaves room for, against the need."""
    tokens = workload.context_length * workload.batch_size
    note = (
        f"; after weights, profile activations and non-torch memory its share holds the KV cache of "
        f"{capacity.kv_cache_tokens:,} tokens, the workload needs {tokens:,} "
        f"({workload.context_length:,} × {workload.batch_size})"
    )
    if not capacity.starts:
        note += f", and vLLM would not even start with max_model_len {capacity.request_tokens:,}"
    return note


def vllm_findings(ctx: RecordContext, index: int, fit: WorkloadFit) -> Iterator[Finding]:
    """What keeps vLLM from serving at all: a pool that cannot hold one request of
    max_model_len tokens (vLLM refuses to start; said here when the workload's own KV cache
    fits, else by the over-budget finding), and a share that leaves too little of the card for
    the CUDA context and CUDA graphs (out of memory after start-up)."""
    capacity, card, estimate, budget = fit.vllm, fit.card, fit.estimate, fit.budget_bytes
    if capacity is None or card is None or estimate is None or budget is None:
        return
    workload = ctx.record.workloads[index]
    base = f"/workloads/{index}"
    given = set(raw_workload(ctx, index))
    where = f"each of {workload.hardware.count} × {card.label}" if workload.hardware.count > 1 else card.label
    if not capacity.starts and estimate.total_bytes <= budget:
        key = "max_model_len" if "max_model_len" in given else "context_length"
        yield Finding(
            f"{base}/{key}",
            f"workload {workload.name!r}: vLLM would refuse to start: the KV cache pool its "
            f"{format_gb(capacity.share_bytes)} share leaves on {where} holds {capacity.kv_cache_tokens:,} tokens, "
            f"less than one request of max_model_len {capacity.request_tokens:,}",
            f"Lower max_model_len to at most {capacity.kv_cache_tokens:,}, or make room for the cache: raise "
            "gpu_memory_utilization, quantise the weights or the KV cache, lower max_num_batched_tokens, or split "
            "the model over more GPUs.",
        )
    if not capacity.outside_fits:
        key = "gpu_memory_utilization" if "gpu_memory_utilization" in given else "hardware"
        most = (card.total_bytes - capacity.outside_share_bytes) / card.total_bytes
        yield Finding(
            f"{base}/{key}",
            f"workload {workload.name!r}: gpu_memory_utilization "
            f"{workload.gpu_memory_utilization or VLLM_GPU_MEMORY_UTILIZATION:.2f} "
            f"leaves {format_gb(capacity.outside_room_bytes)} of {where} outside vLLM's share, but the CUDA "
            f"context and CUDA graphs need about {format_gb(capacity.outside_share_bytes)} there",
            f"Lower gpu_memory_utilization to at most {math.floor(most * 100) / 100:.2f}.",
        )


def raw_workload(ctx: RecordContext, index: int) -> dict[str, Any]:
    """The workload as the record wrote it (to point only at keys it has)."""
    workloads = ctx.data.get("workloads")
    if isinstance(workloads, list) and index < len(workloads) and isinstance(workloads[index], dict):
        raw: dict[str, Any] = workloads[index]
        return raw
    return {}


# -- the cheapest fix ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FixSuggestion:
    """The cheapest change the estimator confirms fits, with a sentence for humans."""

    kind: str  # gradient-checkpointing | batch-size | optimizer | kv-cache-precision |
    #            precision | mode | context-length | gpu
    workload: MemoryWorkload
    total_bytes: int
    budget_bytes: int
    message: str
    gpu: str | None = None


def _quantised_options(workload: MemoryWorkload) -> list[str]:
    if workload.engine == "llama.cpp":
        return ["gguf-q8_0", "gguf-q6_k", "gguf-q5_k_m", "gguf-q4_k_m", "gguf-q3_k_m"]
    if workload.engine == "vllm":
        return ["fp8", "awq-int4"]
    return ["int8", "nf4"]


def suggest_fix(
    workload: MemoryWorkload,
    current: MemoryEstimate,
    budget_bytes: int,
    estimate_of: EstimateOf,
    gpus: Sequence[tuple[str, int]] = (),
    headroom: float = 0.05,
) -> FixSuggestion | None:
    """The cheapest single change to ``workload`` (whose estimate is ``current``) that
    ``estimate_of`` confirms fits ``budget_bytes``.

    Tried in order of what they cost the workload: gradient checkpointing (only compute),
    an 8-bit optimizer, an fp8 KV cache, a smaller batch, quantised weights (largest first;
    LoRA→QLoRA), a shorter context (longest that fits), and finally the smallest of ``gpus``
    (``(id, card_bytes)`` pairs, judged at ``headroom``) on which the workload fits unchanged.
    Returns None when nothing fits (or it already fits).
    """
    total = current.total_bytes
    if total <= budget_bytes:
        return None

    def fits(w: MemoryWorkload) -> int | None:
        try:
            t = estimate_of(w).total_bytes
        except _TRIAL_ERRORS:
            return None
        return t if t <= budget_bytes else None

    def make(kind: str, w: MemoryWorkload, t: int, what: str) -> FixSuggestion:
        return FixSuggestion(
            kind=kind,
            workload=w,
            total_bytes=t,
            budget_bytes=budget_bytes,
            message=(
                f"{what}: the estimate drops from {format_gb(total)} to {format_gb(t)}, "
                f"within the {format_gb(budget_bytes)} budget."
            ),
        )

    if workload.is_training and not workload.gradient_checkpointing:
        w = workload.replace(gradient_checkpointing=True)
        if (t := fits(w)) is not None:
            return make("gradient-checkpointing", w, t, "Turn on gradient checkpointing")
    if workload.is_training and workload.optimizer == "adamw":
        w = workload.replace(optimizer="adamw-8bit")
        if (t := fits(w)) is not None:
            return make("optimizer", w, t, "Use the 8-bit AdamW optimizer (bitsandbytes)")
    wide_kv = workload.resolved_kv_cache_precision in ("fp32", "bf16", "fp16")
    if not workload.is_training and wide_kv and workload.engine != "llama.cpp":
        w = workload.replace(kv_cache_precision="fp8")
        if (t := fits(w)) is not None:
            return make("kv-cache-precision", w, t, "Store the KV cache in fp8")
    batch = workload.batch_size
    while batch > 1:
        batch //= 2
        w = workload.replace(batch_size=batch)
        if (t := fits(w)) is not None:
            return make("batch-size", w, t, f"Lower batch_size from {workload.batch_size} to {batch}")
    if workload.mode == "lora":
        w = workload.replace(mode="qlora", precision="nf4")
        if (t := fits(w)) is not None:
            return make("mode", w, t, "Switch to QLoRA (4-bit NF4 base weights)")
    if workload.mode == "full-finetune":
        for mode in ("lora", "qlora"):
            w = workload.replace(mode=mode, precision="bf16" if mode == "lora" else "nf4", optimizer="adamw")
            if (t := fits(w)) is not None:
                what = f"Fine-tune with {_MODE_NAMES[mode]} (rank {workload.lora_rank}) instead of all weights"
                return make("mode", w, t, what)
    if workload.mode == "inference":
        current_bits = WEIGHT_BITS[workload.precision]
        for precision in _quantised_options(workload):
            if WEIGHT_BITS[precision] >= current_bits:
                continue
            w = workload.replace(precision=precision)
            if (t := fits(w)) is not None:
                return make("precision", w, t, f"Quantise the weights to {precision}")
    context = workload.context_length
    while context > 512:
        context //= 2
        w = workload.replace(context_length=context)
        if (t := fits(w)) is not None:
            # Longest power-of-two step that fits; refine upward in 1/8 steps.
            best, best_t = w, t
            step = max(context // 8, 1)
            trial = context + step
            while trial < workload.context_length:
                w2 = workload.replace(context_length=trial)
                if (t2 := fits(w2)) is None:
                    break
                best, best_t = w2, t2
                trial += step
            what = f"Shorten context_length from {workload.context_length} to {best.context_length}"
            return make("context-length", best, best_t, what)
    for gpu_id, card in sorted(gpus, key=lambda g: g[1]):
        budget = workload_budget_bytes(card, headroom, workload.engine)
        if total <= budget:
            return FixSuggestion(
                kind="gpu",
                workload=workload,
                total_bytes=total,
                budget_bytes=budget,
                gpu=gpu_id,
                message=(
                    f"Use a {gpu_id}: the unchanged workload needs {format_gb(total)}, "
                    f"within its {format_gb(budget)} budget."
                ),
            )
    return None


# -- the help of SC101 / SC102 ------------------------------------------------------------------


def _catalog_cards(ctx: RecordContext) -> list[GpuEntry]:
    return sorted(ctx.catalog.gpus, key=lambda gpu: (gpu.total_bytes(), gpu.id))


def bigger_gpu(
    ctx: RecordContext, workload: Workload, estimate: MemoryEstimate, card: Card, headroom: float
) -> tuple[str, int] | None:
    """The smallest catalog card, larger than ``card``, on which the unchanged workload fits
    at ``headroom`` (same GPU count): ``(id, budget bytes)``."""
    for gpu in _catalog_cards(ctx):
        total = gpu.total_bytes()
        if total <= card.total_bytes or (card.gpu is not None and gpu.id == card.gpu.id):
            continue
        if workload.precision in _BF16_PRECISIONS and not gpu.bf16:
            continue
        budget = workload_budget_bytes(total, headroom, workload.engine)
        if estimate.total_bytes <= budget:
            return gpu.id, budget
    return None


def more_gpus(base: MemoryWorkload, budget: int, estimate_of: EstimateOf) -> tuple[int, int] | None:
    """The fewest GPUs of the same card (tensor parallel / sharded training) on which the
    workload fits the same per-GPU ``budget``: ``(count, per-GPU bytes)``."""
    count = base.gpu_count * 2
    while count <= max(MAX_GPUS_PER_NODE, base.gpu_count):
        try:
            total = estimate_of(base.replace(gpu_count=count)).total_bytes
        except _TRIAL_ERRORS:
            return None
        if total <= budget:
            return count, total
        count *= 2
    return None


def fix_help(
    ctx: RecordContext,
    candidate_index: int,
    workload_index: int,
    budget: int,
    headroom: float,
    *,
    goal: str = "the budget",
) -> str:
    """The cheapest change the estimator confirms fits ``budget`` (one sentence), then a
    bigger catalog card or more GPUs of the same card as the alternative."""
    workload = ctx.record.workloads[workload_index]
    fit = workload_fit(ctx, candidate_index, workload_index)
    estimate, card = fit.estimate, fit.card
    if estimate is None or card is None:
        return ""
    resolved = resolve_architecture(ctx, candidate_index)

    def estimate_of(w: MemoryWorkload) -> MemoryEstimate:
        return remembered_estimate(w, resolved.architecture, resolved.parameters)

    base = memory_workload(workload)
    sentences: list[str] = []
    fix = suggest_fix(base, estimate, budget, estimate_of, gpus=(), headroom=headroom)
    if fix is not None:
        sentences.append(fix.message)
    alternative = bigger_gpu(ctx, workload, estimate, card, headroom)
    count = workload.hardware.count
    if alternative is not None:
        gpu_id, gpu_budget = alternative
        where = f"{count} × {gpu_id}" if count > 1 else with_article(gpu_id)
        lead = "Or keep the workload as it is on" if sentences else "Use"
        sentences.append(
            f"{lead} {where}: {format_gb(estimate.total_bytes)} per GPU is within its {format_gb(gpu_budget)} budget."
        )
    else:
        spread = more_gpus(base, budget, estimate_of)
        if spread is not None:
            gpus, per_gpu = spread
            lead = "Or split it over" if sentences else "Split it over"
            sentences.append(
                f"{lead} {gpus} × {card.label} (tensor parallel / sharded): about "
                f"{format_gb(per_gpu)} per GPU, within {goal}."
            )
    if not sentences:
        return (
            f"No single change the estimator knows brings it within {goal}: combine a shorter "
            "context, a smaller batch and quantised weights, or choose a smaller model."
        )
    return " ".join(sentences)
