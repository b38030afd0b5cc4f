"""SC204 saturated-only: all task evidence comes from saturated benchmarks."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext, chosen_index
from selectcheck.analysis.evidence import benchmark_entry, cited_scores, fmt, task_benchmarks, task_policy
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC204",
    name="saturated-only",
    severity="warning",
    options=("tasks",),
    summary="all task evidence for the chosen model comes from benchmarks the catalog marks saturated",
    explanation="""
        A saturated benchmark is one on which current models score near the ceiling
        (HumanEval, GSM8K, MMLU, HellaSwag, ARC, Winogrande): the remaining errors are
        mostly label noise and contamination, so a high score no longer separates a strong
        model from an adequate one. The catalog marks them `saturated: true` and says why.

        The rule looks at the chosen model's scores on the task benchmarks (the policy's
        list for the category, see SC201). When there is at least one and every one of
        them is saturated, it warns at the first. Add a score on a harder benchmark that
        measures the same skill (HumanEval+ or LiveCodeBench next to HumanEval; MATH-500
        next to GSM8K), or your own evaluation.
    """,
    failing="""
        task:
          category: code
        candidates:
          - model: Qwen/Qwen2.5-Coder-7B-Instruct
            scores:
              humaneval: {value: 88.4, source: "https://arxiv.org/abs/2409.12186"}
        decision:
          chosen: Qwen/Qwen2.5-Coder-7B-Instruct
    """,
    passing="""
        task:
          category: code
        candidates:
          - model: Qwen/Qwen2.5-Coder-7B-Instruct
            scores:
              humaneval: {value: 88.4, source: "https://arxiv.org/abs/2409.12186"}
              humaneval-plus: {value: 84.1, source: "https://arxiv.org/abs/2409.12186"}
        decision:
          chosen: Qwen/Qwen2.5-Coder-7B-Instruct
    """,
)
def saturated_only(ctx: RecordContext) -> Iterator[Finding]:

    index = chosen_index(ctx)
    wanted = task_benchmarks(ctx)
    task = task_policy(ctx)
    if index is None or wanted is None or task is None:
        return
    evidence = [cited for cited in cited_scores(ctx, index) if cited.benchmark_id in wanted]
    if not evidence or not all(cited.saturated for cited in evidence):
        return
    listed = ", ".join(f"{cited.name} {fmt(cited.value)}" for cited in evidence)
    fresh = []
    for name in task.benchmarks:
        entry = benchmark_entry(ctx, name)
        if entry is None or not entry.saturated:
            fresh.append(name)
    alternatives = f" ({', '.join(fresh)})" if fresh else ""
    count = len(evidence)
    chosen = ctx.record.decision.chosen
    if count == 1:
        what = f"the only task-benchmark score of the chosen model {chosen} is on a saturated benchmark"
    else:
        what = f"all {count} task-benchmark scores of the chosen model {chosen} are on saturated benchmarks"
    yield Finding(
        evidence[0].pointer,
        f"{what} ({listed}); near the ceiling they no longer separate strong models from adequate ones",
        f"Add a score on an unsaturated benchmark for task {ctx.record.task.category!r}"
        f"{alternatives}, or your own evaluation.",
        at_key=True,
    )
