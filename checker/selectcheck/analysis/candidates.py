"""What the rules need to know about a candidate model beyond its record entry: its catalog
entry, its architecture and size, and its memory estimate on every workload.

Everything here is memoised on the record context, so the memory rules (SC101–SC106),
the golden rule (SC207) and the markdown report share one estimate per (model, workload).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from selectcheck.analysis.context import RecordContext, chosen_index
from selectcheck.compute.architecture import (
    Architecture,
    ArchitectureError,
    architecture_from_hf_config,
    count_parameters,
)
from selectcheck.compute.memory import (
    VLLM_GPU_MEMORY_UTILIZATION,
    ImpossibleWorkload,
    MemoryEstimate,
    MemoryWorkload,
    MemoryWorkloadError,
    estimate_memory,
    proxy_architecture,
    workload_budget_bytes,
)
from selectcheck.compute.memory.feasibility import (
    Impossibility,
    capability_impossibilities,
    resolved_parallelism,
    setting_impossibilities,
    split_impossibilities,
)
from selectcheck.compute.memory.vllm import VllmCapacity
from selectcheck.compute.memory.vllm import capacity as vllm_capacity
from selectcheck.compute.units import GB

if TYPE_CHECKING:
    from selectcheck.catalog.gpus import GpuEntry
    from selectcheck.catalog.models import ModelEntry
    from selectcheck.compute.aliases import AliasIndex
    from selectcheck.diagnostics import WorkloadMemory
    from selectcheck.model.policy import VramPolicy
    from selectcheck.model.record import Candidate, Hardware, Workload

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
    """The estimator's workload for a record's: the keys the record gives, the estimator's
    defaults for the rest."""
    given: dict[str, Any] = {
        "kv_cache_precision": workload.kv_cache_precision,
        "parallelism": workload.parallelism,
        "offload": workload.offload,
        "optimizer": workload.optimizer if workload.mode != "inference" else None,
        "lora_rank": workload.lora_rank,
        "adapter_precision": workload.adapter_precision,
        "autocast": workload.autocast,
        "attention": workload.attention,
        "gpu_memory_utilization": workload.gpu_memory_utilization,
        "max_model_len": workload.max_model_len,
        "max_num_seqs": workload.max_num_seqs,
        "max_num_batched_tokens": workload.max_num_batched_tokens,
        "flash_attention": workload.flash_attention,
        "n_ubatch": workload.n_ubatch,
        "parallel": workload.parallel,
        "gpu_layers": workload.gpu_layers,
    }
    return MemoryWorkload(
        mode=workload.mode,
        precision=workload.precision,
        context_length=workload.context_length,
        batch_size=workload.batch_size,
        gradient_checkpointing=workload.gradient_checkpointing,
        engine=workload.engine,
        gpu_count=workload.hardware.count,
        **{key: value for key, value in given.items() if value is not None},
    )


@dataclass(frozen=True, slots=True)
class Card:
    """The GPU a workload runs on: its label, memory and catalog entry."""

    label: str
    total_bytes: int
    gpu: GpuEntry | None


def card_of(ctx: RecordContext, hardware: Hardware) -> Card | None:
    """The card a workload declares (see :func:`card_for`)."""
    return card_for(ctx.catalog.gpus, hardware)


def card_for(gpus: AliasIndex[GpuEntry], hardware: Hardware) -> Card | None:
    """The card a workload declares: `vram_gb` wins over the catalog (it is the team's
    measurement); None when the GPU id is unknown and no `vram_gb` is given (SC104)."""
    gpu = gpus.get(hardware.gpu) if hardware.gpu else None
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
    budget_bytes: int | None  # usable bytes per GPU (vLLM: no more than its share)
    warn_bytes: int | None  # above this the fit is tight
    error: str | None = None  # the estimator refused the workload
    impossible: bool = False  # the refusal is a workload that cannot run at all (SC107)
    vllm: VllmCapacity | None = None  # vLLM's KV cache pool on the card

    @property
    def fits(self) -> bool | None:
        if self.estimate is None or self.budget_bytes is None:
            return None
        if self.vllm is not None and not (self.vllm.starts and self.vllm.outside_fits):
            return False
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
    resolved = resolve_architecture(ctx, candidate_index)
    card = card_of(ctx, workload.hardware)
    return fit_on_card(
        workload, resolved.architecture, resolved.parameters, card, ctx.policy.vram, source=resolved.source
    )


def fit_on_card(
    workload: Workload,
    architecture: Architecture | None,
    parameters: int | None,
    card: Card | None,
    vram: VramPolicy,
    *,
    source: str = "catalog",
) -> WorkloadFit:
    """A model's memory on a record workload, against the card and the policy's headroom: what
    SC101/SC102 judge in a record, and what `selectcheck shortlist` judges for every catalog
    model (one implementation, so the two never disagree). ``source`` says where the
    architecture comes from (:class:`ResolvedArchitecture`), for the message of a size that
    overflows."""
    budget = warn = None
    if card is not None:
        budget, warn = card_budget(workload, card, vram)
    if architecture is None and parameters is None:
        return WorkloadFit(None, card, budget, warn)
    try:
        memory = memory_workload(workload)
        estimate = remembered_estimate(memory, architecture, parameters)
        vllm = None
        if card is not None and memory.engine == "vllm":
            arch = architecture or proxy_architecture(estimate.parameters)
            vllm = vllm_capacity(memory, arch, estimate, card.total_bytes)
    except ImpossibleWorkload as exc:
        return WorkloadFit(None, card, budget, warn, str(exc), impossible=True)
    except (MemoryWorkloadError, ArchitectureError, ValueError) as exc:
        return WorkloadFit(None, card, budget, warn, str(exc))
    except ArithmeticError:
        # The record's own numbers are bounded by its schema; a config.json's are not, and
        # an absurd size there overflows float arithmetic.
        where = {"config": "its config.json", "record": "the record's architecture"}.get(source, "the model's sizes")
        return WorkloadFit(None, card, budget, warn, f"the sizes in {where} are too large to estimate")
    return WorkloadFit(estimate, card, budget, warn, vllm=vllm)


def card_budget(workload: Workload, card: Card, vram: VramPolicy) -> tuple[int, int]:
    """(usable bytes per GPU, the bytes above which a fit is tight) for a workload on a card:
    total × (1 − headroom), and under vLLM no more than its `gpu_memory_utilization` share."""
    share = workload.gpu_memory_utilization or VLLM_GPU_MEMORY_UTILIZATION
    budget = workload_budget_bytes(card.total_bytes, vram.headroom, workload.engine, share)
    warn = min(budget, workload_budget_bytes(card.total_bytes, vram.warn_headroom, workload.engine, share))
    return budget, warn


def workload_impossibilities(
    workload: Workload, architecture: Architecture | None, gpu: GpuEntry | None
) -> list[Impossibility]:
    """Why a record workload cannot run at all (SC107): its settings, the model's heads and
    layers split over its GPUs (when the architecture is known), and the weight precision on
    the card (when the catalog knows the card). `selectcheck shortlist` asks the same."""
    parallelism = resolved_parallelism(workload.mode, workload.parallelism)
    problems = setting_impossibilities(
        mode=workload.mode,
        engine=workload.engine,
        precision=workload.precision,
        parallelism=parallelism,
        offload=workload.offload,
    )
    if architecture is not None:
        problems += split_impossibilities(
            engine=workload.engine,
            parallelism=parallelism,
            gpu_count=workload.hardware.count,
            heads=architecture.num_attention_heads,
            kv_heads=architecture.num_key_value_heads,
            layers=architecture.num_hidden_layers,
        )
    if gpu is not None:
        problems += capability_impossibilities(
            engine=workload.engine,
            precision=workload.precision,
            gpu=gpu.id,
            bf16=gpu.bf16,
            fp8=gpu.fp8,
            capability=gpu.capability(),
        )
    return problems


_ESTIMATES: dict[tuple[object, ...], MemoryEstimate] = {}


def remembered_estimate(
    workload: MemoryWorkload, architecture: Architecture | None, parameters: int | None
) -> MemoryEstimate:
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


# -- the memory of the chosen model, shared by SC101/SC102, SC207 and the markdown report ------


def hardware_label(workload: Workload, card: Card | None) -> str:
    """`L4`, `2 × H100-80GB`, `GPU (48 GB)`: the card as the record declares it."""
    label = card.label if card is not None else (workload.hardware.gpu or "unknown GPU")
    count = workload.hardware.count
    return f"{count} × {label}" if count > 1 else label


def chosen_fits(ctx: RecordContext) -> list[tuple[int, WorkloadFit]]:
    """The chosen model's fit on every workload (empty when it is not a candidate)."""
    index = chosen_index(ctx)
    if index is None:
        return []
    return [(w, workload_fit(ctx, index, w)) for w in range(len(ctx.record.workloads))]


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
