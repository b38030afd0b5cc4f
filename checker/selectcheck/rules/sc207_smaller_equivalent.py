"""SC207 smaller-equivalent: a smaller candidate that fits and is licensed is statistically
indistinguishable from the chosen model (the golden rule)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING

from selectcheck.analysis.candidates import fits_all_workloads, parameter_count
from selectcheck.analysis.context import RecordContext, chosen_index
from selectcheck.analysis.evidence import (
    claims,
    compare,
    compare_own_evaluation,
    fmt,
    raw_value,
    score_on,
    task_benchmarks,
    task_minimums,
)
from selectcheck.analysis.sources import paired_own_evaluation, provenance
from selectcheck.compute.license_terms import declared_license, evaluate_license, is_denied
from selectcheck.rules.registry import Finding, rule

if TYPE_CHECKING:
    from selectcheck.compute.noise import GapVerdict
    from selectcheck.model.record import Candidate

SMALLER_RATIO = 0.9
"""A candidate counts as smaller when it has at most 90% of the chosen model's parameters:
a 7.6B model next to an 8B one saves nothing worth a finding."""


def _params(count: float) -> str:
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if count >= scale:
            text = f"{count / scale:.1f}"
            return (text[:-2] if text.endswith(".0") else text) + suffix
    return f"{count:,.0f}"


def _license_passes(ctx: RecordContext, candidate: Candidate) -> bool:

    expression = declared_license(candidate.license, candidate.license_name)
    if expression is None:
        return False
    lists = ctx.policy.licenses
    index = ctx.catalog.licenses
    if is_denied(expression, lists.deny, lists.allow, index):
        return False
    verdict = evaluate_license(
        expression, ctx.record.task.intended_use, index, deny=lists.deny, allow=lists.allow
    )
    return verdict.permitted in ("yes", "conditional")


def _under_a_minimum(ctx: RecordContext, index: int) -> bool:

    for minimum in task_minimums(ctx):
        cited = score_on(ctx, index, minimum.benchmark)
        if cited is not None and raw_value(cited) < minimum.minimum:
            return True
    return False


@rule(
    code="SC207",
    name="smaller-equivalent",
    severity="warning",
    options=("confidence", "tasks", "vram.headroom", "licenses.deny", "licenses.allow"),
    summary=(
        "a smaller candidate that fits the hardware and license is statistically indistinguishable "
        "on the task's benchmarks (the golden rule: smallest model that meets the need)"
    ),
    explanation="""
        The golden rule of model selection: start with the smallest model that meets the
        need. A smaller model is cheaper to fine-tune and serve, faster, and fits smaller
        cards; a larger one must earn its cost with a difference larger than the noise.

        For every other candidate S with at most 90% of the chosen model's parameters (from
        the record or the model catalog) the rule asks:

        * does S fit every workload of the record (the same memory estimate as SC101)?
        * does S's license permit `task.intended_use` and pass the policy's deny/allow
          lists (as SC301 and SC305 judge it)?
        * is S at or above every policy minimum for the task it has a score on (SC210)?
        * is the chosen model *not* significantly better than S on any task benchmark both
          cite, nor on the own evaluation (noise floors as in SC206, at the policy's
          confidence, unpaired)?

        When all four hold, it warns at S with every comparison's gap, n and floor. It stays
        silent when a size, the memory fit or every floor is unknown, when no comparison
        can be made, and when a `benchmark` or `own-evaluation` reason over S clears the
        noise floor. Other reasons (ecosystem, tool-call format, …) do not silence it:
        waive SC207 with the reason and an approver instead, so the trade-off is on record.
    """,
    failing="""
        task:
          category: code
        candidates:
          - model: Qwen/Qwen2.5-14B-Instruct
            scores:
              humaneval: {value: 83.5, source: "https://arxiv.org/abs/2412.15115"}
              mbpp: {value: 82.0, source: "https://arxiv.org/abs/2412.15115"}
          - model: Qwen/Qwen2.5-7B-Instruct   # within noise on both: 1.3 and 2.8 points
            scores:
              humaneval: {value: 84.8, source: "https://arxiv.org/abs/2412.15115"}
              mbpp: {value: 79.2, source: "https://arxiv.org/abs/2412.15115"}
        decision:
          chosen: Qwen/Qwen2.5-14B-Instruct
    """,
    passing="""
        task:
          category: code
        candidates:
          - model: Qwen/Qwen2.5-14B-Instruct
            scores:
              humaneval: {value: 83.5, source: "https://arxiv.org/abs/2412.15115"}
              mbpp: {value: 82.0, source: "https://arxiv.org/abs/2412.15115"}
          - model: Qwen/Qwen2.5-7B-Instruct
            scores:
              humaneval: {value: 84.8, source: "https://arxiv.org/abs/2412.15115"}
              mbpp: {value: 79.2, source: "https://arxiv.org/abs/2412.15115"}
        decision:
          chosen: Qwen/Qwen2.5-14B-Instruct
          reasons:
            - kind: own-evaluation   # 81.5 vs 68.0 at n=400: beyond the 5.9-point floor
              over: [Qwen/Qwen2.5-7B-Instruct]
        own_evaluation:
          n: 400
          results: {Qwen/Qwen2.5-14B-Instruct: 81.5, Qwen/Qwen2.5-7B-Instruct: 68.0}
    """,
)
def smaller_equivalent(ctx: RecordContext) -> Iterator[Finding]:

    chosen_at = chosen_index(ctx)
    wanted = task_benchmarks(ctx)
    if chosen_at is None or wanted is None:
        return
    record = ctx.record
    chosen = record.candidates[chosen_at]
    chosen_size = parameter_count(ctx, chosen)
    if chosen_size is None:
        return
    covered = {claim.over for claim in claims(ctx) if claim.outcome == "significant"}
    evaluation = record.own_evaluation

    for index, candidate in enumerate(record.candidates):
        if index == chosen_at or candidate.model == chosen.model or candidate.model in covered:
            continue
        size = parameter_count(ctx, candidate)
        if size is None or size > SMALLER_RATIO * chosen_size:
            continue
        if fits_all_workloads(ctx, candidate) is not True:
            continue
        if not _license_passes(ctx, candidate) or _under_a_minimum(ctx, index):
            continue

        compared: list[tuple[str, GapVerdict]] = []
        for benchmark in wanted:
            mine, theirs = score_on(ctx, chosen_at, benchmark), score_on(ctx, index, benchmark)
            if mine is None or theirs is None:
                continue
            verdict, _ = compare(ctx, mine, theirs)
            if verdict is not None:
                label = f"{mine.name} {fmt(mine.value)} vs {fmt(theirs.value)}{provenance(ctx, mine, theirs)}"
                compared.append((label, verdict))
        paired = paired_own_evaluation(ctx, chosen.model, candidate.model)
        if paired is not None and paired.significant and paired.difference > 0:
            continue  # the per-item own evaluation shows the chosen model is better
        own = False
        if evaluation is not None:
            verdict, _ = compare_own_evaluation(ctx, chosen.model, candidate.model)
            if verdict is not None:
                own = True
                results = evaluation.results
                compared.append(
                    (
                        f"own evaluation {fmt(results[chosen.model])} vs "
                        f"{fmt(results[candidate.model])}",
                        verdict,
                    )
                )
        judged = [(label, v) for label, v in compared if v.significant is not None]
        if not judged or any(v.significant and v.gap > 0 for _, v in judged):
            continue

        where = "any task benchmark or the own evaluation" if own else "any task benchmark"
        details = ", ".join(
            f"{label} ({dataclasses.replace(verdict, benchmark='').describe()})" for label, verdict in judged
        )
        yield Finding(
            f"/candidates/{index}/model",
            f"the smaller {candidate.model} ({_params(size)} parameters) fits every workload and "
            f"its license permits {record.task.intended_use} use, and the chosen {chosen.model} "
            f"({_params(chosen_size)}) is not significantly better on {where} — {details}",
            f"Start with the smallest model that meets the need: choose {candidate.model}, show "
            "a difference beyond the noise floor (a `benchmark` or `own-evaluation` reason over "
            "it), or waive SC207 with the reason the smaller model is not enough.",
        )
