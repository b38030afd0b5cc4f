"""SC202 aggregate-only: the chosen model's only scores are leaderboard averages."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext, chosen_index
from selectcheck.analysis.evidence import cited_scores, fmt, task_policy
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC202",
    name="aggregate-only",
    severity="warning",
    options=("tasks",),
    summary='the only evidence is leaderboard averages ("dig deeper")',
    explanation="""
        A leaderboard average (the Open LLM Leaderboard's v1 or v2 score) mixes knowledge,
        commonsense, math and instruction following into one number. A model can top the
        average while being weak at the one thing your task needs, so leaderboards are
        filters, not verdicts: dig past the average to the benchmarks that measure your
        task.

        This rule fires when every score cited for the chosen model is a benchmark the
        catalog marks `aggregate`. It points at the first such score. Such a record also
        fails SC201 (no task benchmark); SC202 names the mistake behind it. An average next
        to real task scores is fine: it is a reasonable filter for the shortlist.
    """,
    failing="""
        task:
          category: support-bot
        candidates:
          - model: Qwen/Qwen2.5-7B-Instruct
            scores:
              open-llm-leaderboard-v2: {value: 35.2, source: "https://huggingface.co/spaces/open-llm-leaderboard/open_llm_leaderboard"}
        decision:
          chosen: Qwen/Qwen2.5-7B-Instruct
    """,
    passing="""
        task:
          category: support-bot
        candidates:
          - model: Qwen/Qwen2.5-7B-Instruct
            scores:
              open-llm-leaderboard-v2: {value: 35.2, source: "https://huggingface.co/spaces/open-llm-leaderboard/open_llm_leaderboard"}
              ifeval: {value: 75.9, source: "https://huggingface.co/spaces/open-llm-leaderboard/open_llm_leaderboard"}
              truthfulqa-mc2: {value: 64.8, n: 817, source: docs/evals/truthfulqa.md}
        decision:
          chosen: Qwen/Qwen2.5-7B-Instruct
    """,
)
def aggregate_only(ctx: RecordContext) -> Iterator[Finding]:

    index = chosen_index(ctx)
    if index is None:
        return
    scores = cited_scores(ctx, index)
    if not scores or not all(cited.aggregate for cited in scores):
        return
    first = scores[0]
    averages = ", ".join(f"{cited.name} {fmt(cited.value)}" for cited in scores)
    components = sorted({c for cited in scores if cited.entry is not None for c in cited.entry.components})
    task = task_policy(ctx)
    wanted = f" ({', '.join(task.benchmarks)})" if task is not None else ""
    yield Finding(
        first.pointer,
        f"the only evidence for the chosen model {ctx.record.decision.chosen} is a leaderboard "
        f"average ({averages}): an average of {len(components)} "
        f"benchmarks ({', '.join(components)}) says nothing certain about task "
        f"{ctx.record.task.category!r}",
        f"Leaderboards are filters, not verdicts: dig past the average and cite the scores on "
        f"the benchmarks that measure your task{wanted}.",
        at_key=True,
    )
