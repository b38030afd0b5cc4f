"""What the rules need to know about a candidate model beyond its record entry: its catalog
entry, its architecture and size, and its memory estimate on every workload.

Everything here is memoised on the record context, so the memory rules (SC101–SC106),
the golden rule (SC207) and the markdown report share one estimate per (model, workload).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from selectcheck.analysis.context import RecordContext, chosen_index
from selectcheck.compute.architecture import (
    Architecture,
    ArchitectureError,
    architecture_from_hf_config,
    count_parameters,
)
from selectcheck.compute.memory import (
    VLLM_GPU_MEMORY_UTILIZATION,
    MemoryEstimate,
    MemoryWorkload,
    MemoryWorkloadError,
    estimate_memory,
    suggest_fix,
    usable_bytes,
    workload_budget_bytes,
)

if TYPE_CHECKING:
    from selectcheck.catalog.gpus import GpuEntry
    from selectcheck.catalog.models import ModelEntry
    from selectcheck.diagnostics import WorkloadMemory
    from selectcheck.model.record import Candidate, Hardware, Workload

GB = 1_000_000_000
MAX_CONFIG_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ResolvedArchitecture:
    """Where a candidate's shape comes from, in order of precedence: the record's inline
    fields, a local config.json the record names, the model catalog, a bare parameter count."""

    architecture: Architecture | None
    parameters: int | None
    source: str  # "record" | "config" | "catalog" | "parameters" | "unknown"
    error: str | None = None  # why the record's own architecture could not be used
    pointer: str = ""  # the record node the error is about


def catalog_entry(ctx: RecordContext, model: str) -> ModelEntry | None:
    return ctx.catalog.models.get(model)


_CATALOG_ARCHITECTURES: dict[int, tuple[ModelEntry, Architecture, int]] = {}


def catalog_architecture(entry: ModelEntry) -> tuple[Architecture, int]:
    """A catalog model's architecture and parameter count, computed once per process
    (catalogs are loaded once and their entries are immutable)."""
    cached = _CATALOG_ARCHITECTURES.get(id(entry))
    if cached is None or cached[0] is not entry:
        arch = entry.architecture()
        cached = _CATALOG_ARCHITECTURES[id(entry)] = (entry, arch, count_parameters(arch))
    return cached[1], cached[2]


def _read_config(ctx: RecordContext, relative: str) -> tuple[dict[str, object] | None, str | None]:
    """A local HF config.json, read-only and only from inside the repository."""
    root = ctx.root.resolve()
    target = (root / relative).resolve()
    if root not in target.parents:
        return None, f"{relative!r} is outside the repository"
    try:
        with target.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        return None, f"cannot read {relative!r}: {exc.strerror or exc}"
    if len(raw) > MAX_CONFIG_BYTES:
        return None, f"{relative!r} is larger than 1 MiB"
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        return None, f"{relative!r} is not valid JSON: {exc}"
    if not isinstance(data, dict):
        return None, f"{relative!r} is not a JSON object"
    return data, None


def resolve_architecture(ctx: RecordContext, index: int) -> ResolvedArchitecture:
    return ctx.memo(f"architecture:{index}", lambda: _resolve(ctx, index))


def _resolve(ctx: RecordContext, index: int) -> ResolvedArchitecture:
    candidate = ctx.record.candidates[index]
    pointer = f"/candidates/{index}/architecture"
    declared = int(candidate.parameters) if candidate.parameters is not None else None
    spec = candidate.architecture
    error: str | None = None
    if spec is not None:
        fields = spec.model_dump(exclude_none=True)
        config_path = fields.pop("config", None)
        config: dict[str, object] = {}
        if config_path is not None:
            loaded, error = _read_config(ctx, str(config_path))
            if loaded is not None:
                config = loaded
            else:
                pointer = f"{pointer}/config"
        config.update(fields)  # inline fields override the file
        if config and error is None:
            try:
                arch = architecture_from_hf_config(config)
                return ResolvedArchitecture(
                    arch, declared or count_parameters(arch), "config" if config_path else "record"
                )
            except (ArchitectureError, ValueError, TypeError) as exc:
                error = str(exc)
                key = getattr(exc, "key", None)
                if isinstance(key, str) and key in fields:
                    pointer = f"{pointer}/{key}"
                elif config_path is not None:
                    pointer = f"{pointer}/config"
    entry = catalog_entry(ctx, candidate.model)
    if entry is not None:
        arch, counted = catalog_architecture(entry)
        return ResolvedArchitecture(arch, declared or counted, "catalog", error, pointer)
    if declared is not None:
        return ResolvedArchitecture(None, declared, "parameters", error, pointer)
    return ResolvedArchitecture(None, None, "unknown", error, pointer)


def parameter_count(ctx: RecordContext, candidate: Candidate) -> int | None:
    """Total parameters (all experts) of a candidate, from the record or the catalog."""
    for index, other in enumerate(ctx.record.candidates):
        if other is candidate or other.model == candidate.model:
            return resolve_architecture(ctx, index).parameters
    return None


def max_context(ctx: RecordContext, index: int) -> tuple[int, str] | None:
    """The candidate's maximum context in tokens and where it comes from: the record's own
    architecture (inline or config.json) when it gives one, else the catalog entry (which
    keeps base and instruct variants apart). None when neither knows."""
    candidate = ctx.record.candidates[index]
    resolved = resolve_architecture(ctx, index)
    if resolved.source in ("record", "config") and resolved.architecture is not None:
        value = resolved.architecture.max_position_embeddings
        if value:
            where = "its config.json" if resolved.source == "config" else "the record's architecture"
            return value, f"max_position_embeddings of {where}"
    entry = catalog_entry(ctx, candidate.model)
    if entry is not None:
        return entry.max_context_for(candidate.model), "model catalog"
    return None


def memory_workload(workload: Workload) -> MemoryWorkload:
    training = workload.mode != "inference"
    return MemoryWorkload(
        mode=workload.mode,
        precision=workload.precision,
        context_length=workload.context_length,
        batch_size=workload.batch_size,
        kv_cache_precision=workload.kv_cache_precision,
        gradient_checkpointing=workload.gradient_checkpointing,
        optimizer=(workload.optimizer or "adamw") if training else "adamw",
        lora_rank=workload.lora_rank or 16,
        engine=workload.engine,
        gpu_count=workload.hardware.count,
    )


@dataclass(frozen=True, slots=True)
class Card:
    label: str
    total_bytes: int
    gpu: GpuEntry | None


def card_of(ctx: RecordContext, hardware: Hardware) -> Card | None:
    """The card a workload declares: `vram_gb` wins over the catalog (it is the team's
    measurement); None when the GPU id is unknown and no `vram_gb` is given (SC104)."""
    gpu = ctx.catalog.gpus.get(hardware.gpu) if hardware.gpu else None
    if hardware.vram_gb is not None:
        label = f"{hardware.gpu or 'GPU'} ({hardware.vram_gb:g} GB)"
        return Card(label, int(hardware.vram_gb * GB), gpu)
    if gpu is None:
        return None
    return Card(gpu.id, gpu.total_bytes(), gpu)


@dataclass(frozen=True, slots=True)
class WorkloadFit:
    """One candidate's memory on one workload, against the declared card."""

    estimate: MemoryEstimate | None
    card: Card | None
    budget_bytes: int | None  # usable bytes per GPU (vLLM: no more than its 0.9 share)
    warn_bytes: int | None  # above this the fit is tight
    error: str | None = None  # the estimator refused the workload

    @property
    def fits(self) -> bool | None:
        if self.estimate is None or self.budget_bytes is None:
            return None
        return self.estimate.total_bytes <= self.budget_bytes

    @property
    def tight(self) -> bool:
        return bool(
            self.fits
            and self.estimate is not None
            and self.warn_bytes is not None
            and self.estimate.total_bytes > self.warn_bytes
        )


def workload_fit(ctx: RecordContext, candidate_index: int, workload_index: int) -> WorkloadFit:
    return ctx.memo(f"fit:{candidate_index}:{workload_index}", lambda: _fit(ctx, candidate_index, workload_index))


def _fit(ctx: RecordContext, candidate_index: int, workload_index: int) -> WorkloadFit:
    workload = ctx.record.workloads[workload_index]
    card = card_of(ctx, workload.hardware)
    resolved = resolve_architecture(ctx, candidate_index)
    budget = warn = None
    if card is not None:
        vram = ctx.policy.vram
        budget = workload_budget_bytes(card.total_bytes, vram.headroom, workload.engine)
        warn = min(budget, workload_budget_bytes(card.total_bytes, vram.warn_headroom, workload.engine))
    if resolved.architecture is None and resolved.parameters is None:
        return WorkloadFit(None, card, budget, warn)
    try:
        estimate = _estimate(memory_workload(workload), resolved.architecture, resolved.parameters)
    except (MemoryWorkloadError, ArchitectureError, ValueError) as exc:
        return WorkloadFit(None, card, budget, warn, str(exc))
    except ArithmeticError:
        # The record's own numbers are bounded by its schema; a config.json's are not, and
        # an absurd size there overflows float arithmetic.
        where = {"config": "its config.json", "record": "the record's architecture"}.get(
            resolved.source, "the model's sizes"
        )
        return WorkloadFit(None, card, budget, warn, f"the sizes in {where} are too large to estimate")
    return WorkloadFit(estimate, card, budget, warn)


_ESTIMATES: dict[tuple[object, ...], MemoryEstimate] = {}


def _estimate(workload: MemoryWorkload, architecture: Architecture | None, parameters: int | None) -> MemoryEstimate:
    """`estimate_memory`, remembered per process: it is a pure function of frozen inputs,
    and a repository's records repeat the same models on the same few setups."""
    key = (workload, architecture, parameters)
    try:
        cached = _ESTIMATES.get(key)
    except TypeError:  # an unhashable architecture field: just compute
        return estimate_memory(workload, architecture, parameters)
    if cached is None:
        cached = estimate_memory(workload, architecture, parameters)
        if len(_ESTIMATES) < 10_000:
            _ESTIMATES[key] = cached
    return cached


def fits_all_workloads(ctx: RecordContext, candidate: Candidate) -> bool | None:
    """True when the candidate fits every workload's card; None when any is unknown."""
    index = next((i for i, c in enumerate(ctx.record.candidates) if c.model == candidate.model), None)
    if index is None:
        return None
    verdicts = [workload_fit(ctx, index, w).fits for w in range(len(ctx.record.workloads))]
    if any(v is False for v in verdicts):
        return False
    if any(v is None for v in verdicts):
        return None
    return True


# -- memory findings: shared by SC101/SC102/SC103, `estimate` and the markdown report -----

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


def format_gb(value: int | float) -> str:
    """Decimal GB with one decimal, as vendors market cards (`24.2 GB`)."""
    return f"{value / GB:.1f} GB"


def largest_part(estimate: MemoryEstimate) -> tuple[str, int]:
    """The name and size of the biggest part (ties: the first in report order)."""
    parts = estimate.parts()
    name = max(parts, key=lambda key: parts[key])
    return name, parts[name]


def hardware_label(workload: Workload, card: Card | None) -> str:
    """`L4`, `2 × H100-80GB`, `GPU (48 GB)`: the card as the record declares it."""
    label = card.label if card is not None else (workload.hardware.gpu or "unknown GPU")
    count = workload.hardware.count
    return f"{count} × {label}" if count > 1 else label


def budget_phrase(ctx: RecordContext, workload: Workload, card: Card, budget: int) -> str:
    """`22.9 GB usable on L4 (24.2 GB × 0.95)`, or the vLLM share where that is smaller."""
    where = f"each of {workload.hardware.count} × {card.label}" if workload.hardware.count > 1 else card.label
    factor = 1 - ctx.policy.vram.headroom
    if workload.engine == "vllm" and budget < usable_bytes(card.total_bytes, ctx.policy.vram.headroom):
        factor = VLLM_GPU_MEMORY_UTILIZATION
        return (
            f"{format_gb(budget)} that vLLM claims on {where} "
            f"({format_gb(card.total_bytes)} × {factor:.2f} gpu_memory_utilization)"
        )
    return f"{format_gb(budget)} usable on {where} ({format_gb(card.total_bytes)} × {factor:.2f})"


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


def vllm_kv_note(workload: Workload, estimate: MemoryEstimate, budget: int) -> str:
    """For vLLM: how many tokens of KV cache the share leaves room for, against the need."""
    if workload.engine != "vllm" or estimate.kv_cache <= 0:
        return ""
    tokens = workload.context_length * workload.batch_size
    per_token = estimate.kv_cache / tokens
    room = max(0, budget - (estimate.total_bytes - estimate.kv_cache))
    available = int(room // per_token)
    return (
        f"; after weights and workspace its share holds the KV cache of {available:,} tokens, "
        f"the workload needs {tokens:,} ({workload.context_length:,} × {workload.batch_size})"
    )


def chosen_fits(ctx: RecordContext) -> list[tuple[int, WorkloadFit]]:
    """The chosen model's fit on every workload (empty when it is not a candidate)."""
    index = chosen_index(ctx)
    if index is None:
        return []
    return [(w, workload_fit(ctx, index, w)) for w in range(len(ctx.record.workloads))]


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


def more_gpus(ctx: RecordContext, candidate_index: int, workload: Workload, budget: int) -> tuple[int, int] | None:
    """The fewest GPUs of the same card (tensor parallel / sharded training) on which the
    workload fits the same per-GPU ``budget``: ``(count, per-GPU bytes)``."""
    resolved = resolve_architecture(ctx, candidate_index)
    base = memory_workload(workload)
    count = base.gpu_count * 2
    while count <= max(MAX_GPUS_PER_NODE, base.gpu_count):
        try:
            total = estimate_memory(base.replace(gpu_count=count), resolved.architecture, resolved.parameters)
        except (MemoryWorkloadError, ArchitectureError, ValueError, ArithmeticError):
            return None
        if total.total_bytes <= budget:
            return count, total.total_bytes
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
    sentences: list[str] = []
    try:
        fix = suggest_fix(
            memory_workload(workload), budget, resolved.architecture, resolved.parameters, gpus=(), headroom=headroom
        )
    except (MemoryWorkloadError, ArchitectureError, ValueError, ArithmeticError):
        fix = None
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
        spread = more_gpus(ctx, candidate_index, workload, budget)
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


def record_workload_memory(ctx: RecordContext) -> list[WorkloadMemory]:
    """Fill the `workload_memory` memo (the markdown report's chart) once per record: one
    entry per workload of the chosen model that could be estimated."""
    from selectcheck.diagnostics import MemoryPart, WorkloadMemory

    memory: list[WorkloadMemory] = ctx.memo("workload_memory", list)

    def fill() -> bool:
        chosen = ctx.record.decision.chosen
        for workload_index, fit in chosen_fits(ctx):
            if fit.estimate is None:
                continue
            workload = ctx.record.workloads[workload_index]
            parts = tuple(MemoryPart(name, size) for name, size in fit.estimate.parts().items() if size > 0)
            memory.append(
                WorkloadMemory(
                    workload=workload.name,
                    model=chosen,
                    hardware=hardware_label(workload, fit.card),
                    parts=parts,
                    total_bytes=fit.estimate.total_bytes,
                    usable_bytes=fit.budget_bytes,
                    card_bytes=fit.card.total_bytes if fit.card is not None else None,
                    fits=fit.fits,
                )
            )
        return True

    ctx.memo("workload_memory:filled", fill)
    return memory
