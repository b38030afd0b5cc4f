"""SC209 no-human-check: a user-facing task without human-preference evidence or an own
evaluation."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext, chosen_index
from selectcheck.analysis.evidence import cited_scores, human_preference_benchmarks
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC209",
    name="no-human-check",
    severity="warning",
    options=("human_preference",),
    summary="a user-facing task has neither human-preference evidence nor an own evaluation",
    explanation="""
        Automatic benchmarks measure what can be graded automatically; people notice tone,
        helpfulness, verbosity and refusals that no multiple-choice set sees. For a
        user-facing task (`task.user_facing: true`) the record must check the
        benchmark-to-reality gap in one of two ways:

        * a score of the chosen model on a human-preference benchmark, the policy's
          `human_preference` list (Chatbot Arena, and the judge-based Arena-Hard, MT-Bench
          and AlpacaEval LC, matched through catalog aliases); or
        * an `own_evaluation` on your actual task that includes the chosen model's result.

        The finding points at `task.user_facing`.
    """,
    failing="""
        task:
          category: support-bot
          user_facing: true
        candidates:
          - model: meta-llama/Llama-3.1-8B-Instruct
            scores:
              ifeval: {value: 80.4, source: "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct"}
        decision:
          chosen: meta-llama/Llama-3.1-8B-Instruct
    """,
    passing="""
        task:
          category: support-bot
          user_facing: true
        candidates:
          - model: meta-llama/Llama-3.1-8B-Instruct
            scores:
              ifeval: {value: 80.4, source: "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct"}
              chatbot-arena: {value: 1176, ci95: [1172, 1180], source: "https://lmarena.ai/leaderboard"}
        decision:
          chosen: meta-llama/Llama-3.1-8B-Instruct
    """,
)
def no_human_check(ctx: RecordContext) -> Iterator[Finding]:

    record = ctx.record
    index = chosen_index(ctx)
    if not record.task.user_facing or index is None:
        return
    human = human_preference_benchmarks(ctx)
    scores = cited_scores(ctx, index)
    if any(cited.benchmark_id in human for cited in scores):
        return
    evaluation = record.own_evaluation
    chosen = record.decision.chosen
    if evaluation is not None and chosen in evaluation.results:
        return
    if scores:
        keys = ", ".join(cited.key for cited in scores)
        plural = len(scores) != 1
        automatic = f"its {len(scores)} score{'s' if plural else ''} ({keys}) {'are' if plural else 'is'} all automatic"
    else:
        automatic = "it cites no scores"
    own = "has no result for it" if evaluation is not None else "is missing"
    yield Finding(
        "/task/user_facing",
        f"the task is user facing, but the chosen model {chosen} has no human-preference score "
        f"({', '.join(ctx.policy.human_preference) or 'the policy lists none'}) — {automatic} — "
        f"and the own evaluation {own}",
        "Check the benchmark-to-reality gap: cite a human-preference score (a Chatbot Arena "
        "rating with its ci95, Arena-Hard, MT-Bench, AlpacaEval LC) or run your own evaluation "
        "with people judging real outputs of your task.",
    )
