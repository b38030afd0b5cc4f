"""SC207 smaller-equivalent: a smaller candidate that fits and is licensed is shown equivalent
to the chosen model (the golden rule), by two one-sided tests against the policy's margin."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from string import Template
from typing import TYPE_CHECKING

from selectcheck.analysis.candidates import fits_all_workloads, parameter_count
from selectcheck.analysis.context import RecordContext, chosen_index
from selectcheck.analysis.evidence import (
    claims,
    compare,
    compare_own_evaluation,
    equivalence,
    equivalence_own_evaluation,
    fmt,
    raw_value,
    score_on,
    task_benchmarks,
    task_minimums,
)
from selectcheck.analysis.sources import paired_own_evaluation, provenance
from selectcheck.compute import noise
from selectcheck.compute.license_terms import declared_license, evaluate_license, is_denied
from selectcheck.model.policy import DEFAULT_EQUIVALENCE_MARGIN, DEFAULT_EQUIVALENCE_MARGINS
from selectcheck.rules.registry import Finding, rule

if TYPE_CHECKING:
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
    verdict = evaluate_license(expression, ctx.record.task.intended_use, index, deny=lists.deny, allow=lists.allow)
    return verdict.permitted in ("yes", "conditional")


def _under_a_minimum(ctx: RecordContext, index: int) -> bool:
    for minimum in task_minimums(ctx):
        cited = score_on(ctx, index, minimum.benchmark)
        if cited is not None and raw_value(cited) < minimum.minimum:
            return True
    return False


# The numbers the explanation quotes are computed here, from the code that judges the records.
_ARENA_MARGIN = DEFAULT_EQUIVALENCE_MARGINS["chatbot-arena"]


def _explanation() -> str:
    humaneval = noise.equivalence_verdict(noise.Score(83.5), noise.Score(84.8), DEFAULT_EQUIVALENCE_MARGIN, n=164)
    difference = noise.gap_verdict(noise.Score(83.5), noise.Score(84.8), n=164)
    assert humaneval.interval is not None and humaneval.p_value is not None

    text = Template("""
        The golden rule of model selection: start with the smallest model that meets the
        need. A smaller model is cheaper to fine-tune and serve, faster, and fits smaller
        cards; a larger one must earn its cost with a difference larger than the noise.

        For every other candidate S with at most 90% of the chosen model's parameters (from
        the record or the model catalog) the rule asks:

        * does S fit every workload of the record (the same memory estimate as SC101)?
        * does S's license permit `task.intended_use` and pass the policy's deny/allow lists
          (as SC301 and SC305 judge it)?
        * is S at or above every policy minimum for the task it has a score on (SC210)?
        * is the chosen model significantly better than S on none of the task benchmarks both
          cite, nor on the own evaluation (the difference tests of SC206, unpaired, at the
          policy's confidence)?
        * is S shown equivalent to the chosen model on at least one of them, or significantly
          better? Equivalence is tested with two one-sided tests (TOST, Schuirmann 1987), each
          at α = 1 − confidence: S is equivalent when the (1 − 2α) interval of the gap lies
          inside ±margin. The interval comes from the same standard errors as SC206's z-tests
          (stated, from a `ci95`, or binomial), or is Newcombe's hybrid score interval where
          SC206 would use an exact test.

        The margins come from the policy: `equivalence.margin` ($margin points by default) for
        accuracy-like benchmarks and the own evaluation, and `equivalence.margins` per
        benchmark in its own unit (by default $arena rating points for Chatbot Arena, a
        $arena_win% head-to-head win rate). A rating or judge benchmark without a margin never
        shows equivalence.

        A gap inside the noise is not equivalence: HumanEval 83.5 vs 84.8 at n=164 is a
        1.3-point gap well inside the $humaneval_floor-point noise floor, but its 90% interval
        [$humaneval_lo, $humaneval_hi] reaches beyond ±$margin (TOST p = $humaneval_p): 164
        problems cannot show two models this good equivalent within $margin points.

        When all five hold, the rule warns at S with the comparisons that show equivalence and
        those that could not. It stays silent when a size or the memory fit is unknown, when
        nothing shows equivalence, and when a `benchmark` or `own-evaluation` reason over S
        clears the noise floor. Other reasons (ecosystem, tool-call format, …) do not silence
        it: waive SC207 with the reason and an approver instead, so the trade-off is on record.
    """).substitute(
        margin=f"{DEFAULT_EQUIVALENCE_MARGIN:g}",
        arena=f"{_ARENA_MARGIN:g}",
        arena_win=f"{100 / (1 + 10 ** (-_ARENA_MARGIN / 400)):.1f}",
        humaneval_floor=f"{difference.floor:.1f}",
        humaneval_lo=f"{humaneval.interval[0]:.1f}",
        humaneval_hi=f"{humaneval.interval[1]:.1f}",
        humaneval_p=f"{humaneval.p_value:.2f}",
    )
    return text


_CANDIDATES = """
    task:
      category: code
    candidates:
      - model: Qwen/Qwen2.5-14B-Instruct
        scores:
          humaneval: {value: 83.5, source: "https://arxiv.org/abs/2412.15115"}
      - model: Qwen/Qwen2.5-7B-Instruct
        scores:
          humaneval: {value: 84.8, source: "https://arxiv.org/abs/2412.15115"}
    decision:
      chosen: Qwen/Qwen2.5-14B-Instruct
"""


def _failing() -> str:
    own = noise.equivalence_verdict(noise.Score(72.0), noise.Score(71.5), DEFAULT_EQUIVALENCE_MARGIN, n=1000)
    assert own.interval is not None and own.p_value is not None
    text = _CANDIDATES + Template("""
    own_evaluation:   # 90% interval of the gap [$own_lo, $own_hi], inside ±$margin: TOST p = $own_p
      n: 1000
      results: {Qwen/Qwen2.5-14B-Instruct: 72.0, Qwen/Qwen2.5-7B-Instruct: 71.5}
    """).substitute(
        margin=f"{DEFAULT_EQUIVALENCE_MARGIN:g}",
        own_lo=f"{own.interval[0]:.1f}",
        own_hi=f"{own.interval[1]:.1f}",
        own_p=f"{own.p_value:.3f}",
    ).lstrip("\n")
    return text


def _passing() -> str:
    text = _CANDIDATES + Template("""
      reasons:
        - kind: own-evaluation   # 81.5 vs 68.0 at n=400: beyond the $floor-point floor
          over: [Qwen/Qwen2.5-7B-Instruct]
    own_evaluation:
      n: 400
      results: {Qwen/Qwen2.5-14B-Instruct: 81.5, Qwen/Qwen2.5-7B-Instruct: 68.0}
    """).substitute(floor=f"{noise.normal_floor(0.815, 0.68, 400, 400):.1f}").lstrip("\n")
    return text


@dataclass(frozen=True)
class _Comparison:
    """One benchmark's comparison of the chosen model with a smaller candidate."""

    label: str
    """E.g. "HumanEval 83.5 vs 84.8"."""
    difference: noise.GapVerdict
    equivalence: noise.EquivalenceVerdict | None

    @property
    def chosen_better(self) -> bool:
        return bool(self.difference.significant) and self.difference.gap > 0

    @property
    def smaller_better(self) -> bool:
        return bool(self.difference.significant) and self.difference.gap < 0

    @property
    def equivalent(self) -> bool:
        return self.equivalence is not None and self.equivalence.equivalent is True

    def describe(self) -> str:
        if self.smaller_better:
            gap = dataclasses.replace(self.difference, benchmark="").describe()
            return f"{self.label} (the smaller model is significantly better: {gap})"
        if self.equivalence is None:
            return f"{self.label} (equivalence not testable)"
        return f"{self.label} ({self.equivalence.summary()})"


@rule(
    code="SC207",
    name="smaller-equivalent",
    severity="warning",
    options=(
        "confidence",
        "equivalence.margin",
        "equivalence.margins",
        "tasks",
        "vram.headroom",
        "licenses.deny",
        "licenses.allow",
    ),
    summary=(
        "a smaller candidate that fits the hardware and license is shown equivalent (TOST within the "
        "policy's margin) on the task's evidence and significantly worse on none of it (the golden "
        "rule: smallest model that meets the need)"
    ),
    explanation=_explanation,
    failing=_failing,
    passing=_passing,
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

        compared: list[_Comparison] = []
        for benchmark in wanted:
            mine, theirs = score_on(ctx, chosen_at, benchmark), score_on(ctx, index, benchmark)
            if mine is None or theirs is None:
                continue
            verdict, _ = compare(ctx, mine, theirs)
            if verdict is not None and verdict.significant is not None:
                label = f"{mine.name} {fmt(mine.value)} vs {fmt(theirs.value)}{provenance(ctx, mine, theirs)}"
                compared.append(_Comparison(label, verdict, equivalence(ctx, mine, theirs)))
        paired = paired_own_evaluation(ctx, chosen.model, candidate.model)
        if paired is not None and paired.significant and paired.difference > 0:
            continue  # the per-item own evaluation shows the chosen model is better
        if evaluation is not None:
            verdict, _ = compare_own_evaluation(ctx, chosen.model, candidate.model)
            if verdict is not None and verdict.significant is not None:
                results = evaluation.results
                label = f"own evaluation {fmt(results[chosen.model])} vs {fmt(results[candidate.model])}"
                compared.append(
                    _Comparison(label, verdict, equivalence_own_evaluation(ctx, chosen.model, candidate.model))
                )
        if any(c.chosen_better for c in compared):
            continue
        shown = [c for c in compared if c.equivalent or c.smaller_better]
        if not shown:
            continue
        inconclusive = [c for c in compared if c not in shown]
        details = "; ".join(c.describe() for c in shown)
        if inconclusive:
            details += "; inconclusive: " + "; ".join(c.describe() for c in inconclusive)
        yield Finding(
            f"/candidates/{index}/model",
            f"the smaller {candidate.model} ({_params(size)} parameters) fits every workload and "
            f"its license permits {record.task.intended_use} use, and it is equivalent to the chosen "
            f"{chosen.model} ({_params(chosen_size)}) within the policy's margins, the chosen model "
            f"being significantly better on nothing — {details}",
            f"Start with the smallest model that meets the need: choose {candidate.model}, show "
            "a difference beyond the noise floor (a `benchmark` or `own-evaluation` reason over "
            "it), or waive SC207 with the reason the smaller model is not enough.",
        )
