"""SC410 own-evaluation-small: the own evaluation's n is under the policy minimum."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.analysis.evidence import fmt, fmt_points
from selectcheck.compute.noise import own_evaluation_verdict
from selectcheck.rules.registry import Finding, rule


def _floor_at(n: int) -> str:
    """The floor the explanation quotes, computed by the code that judges the records."""
    floor = own_evaluation_verdict(70.0, 70.0, n).floor
    assert floor is not None
    return f"{floor:.1f}"


@rule(
    code="SC410",
    name="own-evaluation-small",
    severity="warning",
    options=("own_evaluation.min_n", "confidence"),
    summary="the own evaluation's n is under the policy minimum",
    explanation=lambda: (
        f"""
        An own evaluation is held to the same noise standard as a public benchmark, and
        its noise floor shrinks only with the square root of its size: at n=40 two results
        near 70% must differ by more than {_floor_at(40)} points before the difference means
        anything (an exact test on whole items), at n=100 by more than {_floor_at(100)}, at
        n=400 by more than {_floor_at(400)}. The policy's `own_evaluation.min_n` (default
        100) is the smallest evaluation worth recording.

        The finding points at `own_evaluation.n` and gives the noise floor at the current
        size and at the minimum, for results near the chosen model's (50% when it has
        none).
    """
    ),
    failing="""
        own_evaluation:
          dataset: 40 support tickets we had time to grade
          n: 40
          metric: correct answers (%)
          results: {meta-llama/Llama-3.1-8B-Instruct: 72.5, meta-llama/Llama-3.2-3B-Instruct: 62.5}
    """,
    passing="""
        own_evaluation:
          dataset: 300 anonymised support tickets graded by two agents
          n: 300
          metric: correct answers (%)
          results: {meta-llama/Llama-3.1-8B-Instruct: 78.0, meta-llama/Llama-3.2-3B-Instruct: 64.3}
    """,
)
def own_evaluation_small(ctx: RecordContext) -> Iterator[Finding]:

    evaluation = ctx.record.own_evaluation
    minimum = ctx.policy.own_evaluation.min_n
    if evaluation is None or evaluation.n >= minimum:
        return
    result = evaluation.results.get(ctx.record.decision.chosen)
    level = result if result is not None and 0.0 <= result <= 100.0 else 50.0
    confidence = ctx.policy.confidence
    now = own_evaluation_verdict(level, level, evaluation.n, confidence=confidence).floor
    then = own_evaluation_verdict(level, level, minimum, confidence=confidence).floor
    floors = ""
    if now is not None and then is not None:
        floors = (
            f"; two results near {fmt(level)}% need a {fmt_points(now)}-point gap to differ at "
            f"{confidence * 100:g}% (at n={minimum:,}: {fmt_points(then)} points)"
        )
    yield Finding(
        "/own_evaluation/n",
        f"the own evaluation has n={evaluation.n:,} items, under the policy minimum of {minimum:,}{floors}",
        f"Evaluate on at least {minimum:,} items of your real task, or lower "
        "`own_evaluation.min_n` in your policy if that is impossible.",
    )
