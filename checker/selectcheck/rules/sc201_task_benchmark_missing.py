"""SC201 task-benchmark-missing: the chosen model has no score on the task's benchmarks."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext, chosen_index
from selectcheck.analysis.evidence import cited_scores, task_benchmarks, task_policy
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC201",
    name="task-benchmark-missing",
    severity="error",
    options=("tasks",),
    summary="the chosen model has no score on any benchmark the policy lists for the task",
    explanation="""
        Fine-tuning refines skills a model already has; it rarely teaches new ones. So the
        base model must already be strong on benchmarks that measure *your* task, and the
        record must show it. The task benchmarks are the ones the policy lists under
        `tasks.<category>.benchmarks` (for `code`: HumanEval, HumanEval+, MBPP, MBPP+,
        LiveCodeBench, SWE-bench), matched through the catalog's aliases, so
        `openai_humaneval` counts as `humaneval`. The catalog's own categories are
        descriptive: the policy decides what counts as evidence for a task, and a team
        extends the list in its own policy.

        The finding points at the chosen candidate's `scores`. Scores on other benchmarks
        (MMLU for a code assistant) or on leaderboard averages do not count; SC202 says more
        when averages are all there is. A category the policy does not define is SC007's
        finding, not this one.
    """,
    failing="""
        task:
          category: code
        candidates:
          - model: meta-llama/Llama-3.1-8B-Instruct
            scores:
              mmlu: {value: 69.4, source: "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct"}
        decision:
          chosen: meta-llama/Llama-3.1-8B-Instruct
    """,
    passing="""
        task:
          category: code
        candidates:
          - model: meta-llama/Llama-3.1-8B-Instruct
            scores:
              mmlu: {value: 69.4, source: "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct"}
              humaneval: {value: 72.6, source: "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct"}
        decision:
          chosen: meta-llama/Llama-3.1-8B-Instruct
    """,
)
def task_benchmark_missing(ctx: RecordContext) -> Iterator[Finding]:

    index = chosen_index(ctx)
    wanted = task_benchmarks(ctx)
    task = task_policy(ctx)
    if index is None or wanted is None or task is None:
        return
    scores = cited_scores(ctx, index)
    if any(cited.benchmark_id in wanted for cited in scores):
        return
    chosen = ctx.record.decision.chosen
    category = ctx.record.task.category
    listed = ", ".join(task.benchmarks)
    if scores:
        cited_text = f"its {len(scores)} score{'s' if len(scores) != 1 else ''} are on " + ", ".join(
            cited.key for cited in scores
        )
        if len(scores) == 1:
            cited_text = f"its only score is on {scores[0].key}"
    else:
        cited_text = "it cites no scores at all"
    raw = ctx.data.get("candidates", [])[index]
    has_scores = isinstance(raw, dict) and "scores" in raw
    yield Finding(
        f"/candidates/{index}/scores" if has_scores else f"/candidates/{index}/model",
        f"the chosen model {chosen} has no score on any benchmark the policy lists for task "
        f"{category!r} ({listed}); {cited_text}",
        "Fine-tuning refines skills the base already has: cite the chosen model's scores on "
        "the benchmarks that measure this task (model card, paper or your own lm-eval run).",
        at_key=has_scores,
    )
