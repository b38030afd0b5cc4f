"""The shortlist: every catalog model judged on one workload, for one intended use, exactly as
`selectcheck validate` would judge it as the chosen model of a record with that workload.

"Infrastructure first": before any benchmark, list the models that can run on the hardware
the team has, at the context it really uses, under a license that allows its use. Each model
gets the rule checks of a record, through the same functions:

* SC107 (:func:`workload_impossibilities`): settings, head/layer split and card capability;
* SC103: the catalog's maximum context of the model;
* SC101 (:func:`fit_on_card`): the memory estimate against the card and the policy's headroom,
  vLLM's KV cache pool included;
* SC301/SC303 (:func:`policy_license_verdict`) and SC305 (:func:`policy_rejects`): the license
  for the use under the policy's lists.

With no precision given, the model's precisions are tried from the highest quality down
(:func:`precisions_by_quality`) and the first that fits is kept. The maximum context that
still fits is found by bisection on the same fit, which only grows with the context.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from selectcheck.analysis.candidates import (
    Card,
    WorkloadFit,
    card_budget,
    card_for,
    catalog_architecture,
    fit_on_card,
    workload_impossibilities,
)
from selectcheck.analysis.licenses import policy_license_verdict, policy_rejects
from selectcheck.compute.memory.precisions import precisions_by_quality
from selectcheck.compute.search import first_true
from selectcheck.compute.units import format_gb

if TYPE_CHECKING:
    from selectcheck.catalog import Catalog
    from selectcheck.catalog.gpus import GpuEntry
    from selectcheck.catalog.models import ModelEntry
    from selectcheck.compute.architecture import Architecture
    from selectcheck.compute.license_terms import Use
    from selectcheck.model.policy import Policy
    from selectcheck.model.record import Workload

LicenseVerdictName = Literal["allowed", "conditions", "forbidden"]

# The rule `validate` reports for each reason a model is left out, in the order they are
# judged: a workload that cannot run says nothing about memory, and a model that cannot run on
# the hardware is left out whatever its license allows.
REASON_RULES = ("SC107", "SC103", "SC101", "SC301", "SC305")


@dataclass(frozen=True, slots=True)
class LicenseJudgement:
    """A model's license for the intended use, as SC301, SC303, SC302 and SC305 see it."""

    id: str
    verdict: LicenseVerdictName
    obligations: tuple[str, ...] = ()  # SC303's conditions, or why the license could not be judged
    forbidding: tuple[str, ...] = ()  # license ids whose terms forbid the use (SC301)
    rejected: tuple[str, ...] = ()  # ids the policy's deny/allow lists reject (SC305)


@dataclass(frozen=True, slots=True)
class ShortlistRow:
    """One catalog model on the workload."""

    model: str
    entry: ModelEntry
    parameters: int
    precision: str  # the precision that fits (the least lossy), else the last one tried
    fit: WorkloadFit | None  # at `precision`; None when the workload cannot run at all
    max_context: int | None  # the longest context that fits at `precision`, up to the model's own
    model_max_context: int
    license: LicenseJudgement
    reason: str | None  # why the model is left out; None when it fits and its license allows the use
    rule: str | None  # the rule `validate` reports for that reason

    @property
    def listed(self) -> bool:
        return self.reason is None

    @property
    def fits(self) -> bool | None:
        return self.fit.fits if self.fit is not None else None

    @property
    def per_gpu_bytes(self) -> int | None:
        estimate = self.fit.estimate if self.fit is not None else None
        return estimate.total_bytes if estimate is not None else None

    @property
    def headroom_bytes(self) -> int | None:
        """What is left of the budget (negative: how far over it)."""
        per_gpu = self.per_gpu_bytes
        budget = self.fit.budget_bytes if self.fit is not None else None
        return budget - per_gpu if per_gpu is not None and budget is not None else None


@dataclass(frozen=True, slots=True)
class Shortlist:
    """What `selectcheck shortlist` was asked: the workload, use, task and card to rank models for."""

    workload: Workload  # the record workload; its precision is the first one tried
    precision: str | None  # as asked; None: any, from the highest quality down
    use: Use
    task: str | None
    benchmarks: tuple[str, ...]  # the benchmarks the policy requires for the task
    minimums: dict[str, float]
    card: Card
    budget_bytes: int
    rows: tuple[ShortlistRow, ...]  # listed models first, each group smallest first

    @property
    def listed(self) -> tuple[ShortlistRow, ...]:
        return tuple(row for row in self.rows if row.listed)

    @property
    def left_out(self) -> tuple[ShortlistRow, ...]:
        return tuple(row for row in self.rows if not row.listed)


def build_shortlist(
    workload: Workload,
    *,
    catalog: Catalog,
    policy: Policy,
    use: Use,
    precision: str | None = None,
    task: str | None = None,
) -> Shortlist:
    """Judge every catalog model on ``workload`` (whose own precision is ignored: ``precision``,
    or every precision from the highest quality down). The workload's hardware must name a
    card (a catalog GPU, or ``vram_gb``); `ValueError` otherwise."""
    card = card_for(catalog.gpus, workload.hardware)
    if card is None:
        raise ValueError("the workload's hardware names no card: give a catalog GPU or vram_gb")
    gpu = catalog.gpus.get(workload.hardware.gpu) if workload.hardware.gpu else None
    if precision is not None:
        ladder: tuple[str, ...] = (precision,)
    else:
        ladder = precisions_by_quality(workload.mode, workload.engine, bf16=gpu.bf16 if gpu is not None else True)
    workload = workload.model_copy(update={"precision": ladder[0]})
    rows = [_row(entry, workload, ladder, card, gpu, catalog, policy, use) for entry in catalog.models]
    rows.sort(key=lambda row: (not row.listed, row.parameters, row.model.lower()))
    task_policy = policy.tasks.get(task) if task is not None else None
    budget, _ = card_budget(workload, card, policy.vram)
    return Shortlist(
        workload=workload,
        precision=precision,
        use=use,
        task=task,
        benchmarks=tuple(task_policy.benchmarks) if task_policy is not None else (),
        minimums=dict(task_policy.minimums) if task_policy is not None else {},
        card=card,
        budget_bytes=budget,
        rows=tuple(rows),
    )


def _row(
    entry: ModelEntry,
    workload: Workload,
    ladder: tuple[str, ...],
    card: Card,
    gpu: GpuEntry | None,
    catalog: Catalog,
    policy: Policy,
    use: Use,
) -> ShortlistRow:
    architecture, parameters = catalog_architecture(entry)
    precision, fit, impossible = _first_fitting(entry, workload, ladder, architecture, parameters, card, gpu, policy)
    limit = entry.max_context_for(entry.id)
    max_context = None
    if fit is not None and fit.estimate is not None:
        trial = workload.model_copy(update={"precision": precision})

        def fits_at(context: int) -> bool:
            sized = trial.model_copy(update={"context_length": context})
            return fit_on_card(sized, architecture, parameters, card, policy.vram).fits is True

        known = workload.context_length if fit.fits and workload.context_length <= limit else None
        max_context = largest_fitting(fits_at, limit, known_fit=known)
    license = judge_license(entry.license, use, catalog, policy)
    reason, rule = _reason(workload, precision, fit, impossible, limit, license, use, ladder)
    return ShortlistRow(
        model=entry.id,
        entry=entry,
        parameters=parameters,
        precision=precision,
        fit=fit,
        max_context=max_context,
        model_max_context=limit,
        license=license,
        reason=reason,
        rule=rule,
    )


def _first_fitting(
    entry: ModelEntry,
    workload: Workload,
    ladder: tuple[str, ...],
    architecture: Architecture,
    parameters: int,
    card: Card,
    gpu: GpuEntry | None,
    policy: Policy,
) -> tuple[str, WorkloadFit | None, str | None]:
    """(precision, its fit, why the workload cannot run at the first precision): the first
    precision of the ladder that fits; else the last one that can run (the least memory);
    else the first, with no fit and the first impossibility."""
    impossible: str | None = None
    last: tuple[str, WorkloadFit] | None = None
    for precision in ladder:
        trial = workload.model_copy(update={"precision": precision})
        problems = workload_impossibilities(trial, architecture, gpu)
        if problems:
            impossible = impossible or problems[0].message
            continue
        fit = fit_on_card(trial, architecture, parameters, card, policy.vram)
        if fit.impossible:
            impossible = impossible or fit.error
            continue
        last = (precision, fit)
        if fit.fits:
            break
    if last is None:
        return ladder[0], None, impossible or "the workload cannot run"
    return last[0], last[1], None


def largest_fitting(fits_at: Callable[[int], bool], limit: int, *, known_fit: int | None = None) -> int | None:
    """The largest context in [1, ``limit``] at which ``fits_at`` holds, by bisection (memory
    only grows with the context, so the fits form a prefix); None when not even one token
    fits. ``known_fit`` is a context already known to fit, which narrows the search."""
    if fits_at(limit):
        return limit
    low = known_fit if known_fit is not None and known_fit < limit else 0  # 0: fits vacuously
    return first_true(lambda context: not fits_at(context), low, limit) - 1 or None


def judge_license(license: str, use: Use, catalog: Catalog, policy: Policy) -> LicenseJudgement:
    """The model's license for ``use`` under the policy: forbidden when its terms forbid the use
    (SC301) or the policy's lists reject it (SC305); with conditions when it permits the use on
    conditions (SC303) or the catalog does not know it (SC302: nobody has checked its terms);
    else allowed."""
    verdict = policy_license_verdict(license, use, catalog.licenses, policy.licenses)
    rejected = tuple(policy_rejects(license, catalog.licenses, policy.licenses))
    if verdict.permitted == "no" or rejected:
        return LicenseJudgement(license, "forbidden", forbidding=verdict.forbidding, rejected=rejected)
    if verdict.permitted == "unknown":
        note = f"the license catalog does not know {license!r}: read its terms before relying on it (SC302)"
        return LicenseJudgement(license, "conditions", (note,))
    if verdict.permitted == "conditional":
        return LicenseJudgement(license, "conditions", verdict.obligations)
    return LicenseJudgement(license, "allowed")


def _reason(
    workload: Workload,
    precision: str,
    fit: WorkloadFit | None,
    impossible: str | None,
    limit: int,
    license: LicenseJudgement,
    use: Use,
    ladder: tuple[str, ...],
) -> tuple[str | None, str | None]:
    """The one reason a model is left out, and the rule `validate` reports for it."""
    if fit is None:
        return f"cannot run: {impossible}", "SC107"
    if workload.context_length > limit:
        return (
            f"context {workload.context_length:,} exceeds the model's maximum of {limit:,} tokens",
            "SC103",
        )
    if fit.fits is not True:
        return _memory_reason(fit, precision, ladder), "SC101"
    if license.forbidding:
        verb = "forbids" if len(license.forbidding) == 1 else "forbid"
        return f"license: {' and '.join(license.forbidding)} {verb} {use} use", "SC301"
    if license.rejected:
        return f"license: the policy's license lists reject {' and '.join(license.rejected)}", "SC305"
    return None, None


def _memory_reason(fit: WorkloadFit, precision: str, ladder: tuple[str, ...]) -> str:
    estimate, budget = fit.estimate, fit.budget_bytes
    if estimate is None or budget is None:
        return f"memory cannot be estimated: {fit.error}"
    at = f"even at {precision}" if len(ladder) > 1 else f"at {precision}"
    vllm = fit.vllm
    if estimate.total_bytes > budget:
        return f"does not fit {at}: {format_gb(estimate.total_bytes)} per GPU, over the {format_gb(budget)} budget"
    if vllm is not None and not vllm.starts:
        return (
            f"does not fit {at}: vLLM's KV cache pool holds {vllm.kv_cache_tokens:,} tokens, less than one "
            f"request of {vllm.request_tokens:,}"
        )
    return (
        f"does not fit {at}: vLLM's CUDA context and graphs need {format_gb(vllm.outside_share_bytes if vllm else 0)} "
        "outside its share"
    )
