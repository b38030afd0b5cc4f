"""SC210 below-minimum: the chosen model scores under a policy minimum for the task."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext, chosen_index
from selectcheck.analysis.evidence import fmt, fmt_points, raw_value, score_on, task_minimums
from selectcheck.analysis.sources import provenance, resolve_score
from selectcheck.compute.noise import wilson_interval
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC210",
    name="below-minimum",
    severity="error",
    options=("tasks", "confidence"),
    summary="the chosen model scores under a policy minimum for the task (e.g. TruthfulQA for a support bot)",
    explanation="""
        Some tasks have a floor no average can make up for: a support bot that repeats
        common misconceptions is a liability however well it ranks overall. The policy sets
        such floors per task (`tasks.support-bot.minimums: {truthfulqa-mc2: 50}`), in the
        benchmark's unit. Leaderboard-normalised scores are turned back to the raw scale
        before the comparison.

        The rule fires at the chosen model's score when it is under a minimum, with the
        shortfall and, where the item count is known, the score's interval at the
        policy's confidence (Wilson). It also
        fires (at the candidate's `scores`) when the chosen model has no score at all on a
        benchmark with a minimum: a floor that was never measured was not met.
    """,
    failing="""
        task:
          category: support-bot
        candidates:
          - model: meta-llama/Meta-Llama-3-8B
            scores:
              open-llm-leaderboard-v1: {value: 62.6, source: "https://huggingface.co/spaces/open-llm-leaderboard-old/open_llm_leaderboard"}
              truthfulqa-mc2: {value: 43.9, source: "https://huggingface.co/spaces/open-llm-leaderboard-old/open_llm_leaderboard"}
        decision:
          chosen: meta-llama/Meta-Llama-3-8B
    """,
    passing="""
        task:
          category: support-bot
        candidates:
          - model: meta-llama/Meta-Llama-3-8B-Instruct
            scores:
              open-llm-leaderboard-v1: {value: 66.9, source: "https://huggingface.co/spaces/open-llm-leaderboard-old/open_llm_leaderboard"}
              truthfulqa-mc2: {value: 51.7, source: "https://huggingface.co/spaces/open-llm-leaderboard-old/open_llm_leaderboard"}
        decision:
          chosen: meta-llama/Meta-Llama-3-8B-Instruct
    """,
)
def below_minimum(ctx: RecordContext) -> Iterator[Finding]:

    index = chosen_index(ctx)
    if index is None:
        return
    chosen = ctx.record.decision.chosen
    category = ctx.record.task.category
    raw = ctx.data.get("candidates", [])[index]
    has_scores = isinstance(raw, dict) and "scores" in raw
    for minimum in task_minimums(ctx):
        cited = score_on(ctx, index, minimum.benchmark)
        if cited is None:
            yield Finding(
                f"/candidates/{index}/scores" if has_scores else f"/candidates/{index}/model",
                f"the chosen model {chosen} has no {minimum.name} score; the policy requires at "
                f"least {fmt(minimum.minimum)} for task {category!r}",
                f"Measure and cite the chosen model's {minimum.name} score ({minimum.benchmark}).",
                at_key=has_scores,
            )
            continue
        value = raw_value(cited)
        if value >= minimum.minimum:
            continue
        shown = fmt(cited.value)
        if cited.score.normalized and value != cited.value:
            shown += f" (normalised; {fmt_points(value)} raw)"
        message = (
            f"the chosen model {chosen} scores {shown} on {cited.name}, under the policy minimum "
            f"of {fmt(minimum.minimum)} for task {category!r}: "
            f"{fmt_points(minimum.minimum - value)} points short"
        )
        entry = cited.entry
        n = resolve_score(ctx, cited).n or (entry.n if entry is not None else None)
        if n is not None and (entry is None or entry.scale == "proportion") and 0 <= value <= 100:
            confidence = ctx.policy.confidence
            lo, hi = wilson_interval(value / 100.0, n, confidence)
            message += (
                f"; at n={n:,} its {confidence * 100:g}% interval is [{fmt_points(100 * lo)}, {fmt_points(100 * hi)}]"
            )
        message += provenance(ctx, cited)
        yield Finding(
            f"{cited.pointer}/value",
            message,
            f"A high average does not make up for a task minimum: choose a candidate that scores at "
            f"least {fmt(minimum.minimum)} on {cited.name}, or change the task's minimums in your "
            "policy if the floor is wrong for it.",
        )
