"""SC401 own-evaluation-missing: an accepted record has no own evaluation."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC401",
    name="own-evaluation-missing",
    severity="error",
    options=("own_evaluation.required_status", "own_evaluation.min_n"),
    summary="an accepted record has no own_evaluation",
    explanation="""
        Public benchmarks are filters, not verdicts: they tell you which models are worth
        trying, not which one works on your data. Before committing to a fine-tune, run
        your own evaluation on your actual task and record it: the dataset, `n`, the metric
        in percentage points and a result per candidate.

        The policy's `own_evaluation.required_status` (default `[accepted]`) lists the
        statuses that need one. The rule fires at `status` when such a record has no
        `own_evaluation`, and at `own_evaluation.results` when the evaluation has no result
        for the chosen model. Proposed records may still be gathering it. Its size is
        SC410's concern, the claims made with it SC206's and SC208's.
    """,
    failing="""
        status: accepted
        decision:
          chosen: Qwen/Qwen2.5-7B-Instruct
        own_evaluation: null   # or no own_evaluation at all
    """,
    passing="""
        status: accepted
        decision:
          chosen: Qwen/Qwen2.5-7B-Instruct
        own_evaluation:
          dataset: 200 FAQ questions with reference answers
          n: 200
          metric: answers accepted without edits (%)
          results: {Qwen/Qwen2.5-7B-Instruct: 74.0, microsoft/phi-4: 58.5}
    """,
)
def own_evaluation_missing(ctx: RecordContext) -> Iterator[Finding]:
    record = ctx.record
    required = ctx.policy.own_evaluation.required_status
    if record.status not in required:
        return
    statuses = ", ".join(required)
    evaluation = record.own_evaluation
    if evaluation is None:
        yield Finding(
            "/status",
            f"the record is {record.status} but has no own_evaluation; the policy requires one "
            f"for status {statuses} (at least n={ctx.policy.own_evaluation.min_n:,} items)",
            "Run your own evaluation on your actual task before committing, and record its "
            "dataset, n, metric and a result per candidate under `own_evaluation`.",
        )
        return
    chosen = record.decision.chosen
    if chosen not in evaluation.results:
        evaluated = ", ".join(evaluation.results) or "no model"
        yield Finding(
            "/own_evaluation/results",
            f"the own evaluation ({evaluation.n:,} items) has no result for the chosen model "
            f"{chosen}; it evaluated {evaluated}",
            "Evaluate the chosen model on the same items and add its result.",
            at_key=True,
        )
