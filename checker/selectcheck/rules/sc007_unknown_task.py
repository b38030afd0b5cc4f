"""SC007 unknown-task: `task.category` is not defined by the policy."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC007",
    name="unknown-task",
    severity="error",
    options=("tasks",),
    waivable=False,
    summary="task.category is not defined by the policy",
    explanation="""
        The task category decides which benchmarks count as evidence for the decision
        (code → HumanEval, MBPP, SWE-bench; reasoning → BBH, MATH; and so on). A category
        the policy does not define would leave every evidence rule with nothing to check,
        so it is an error. Add the category to your policy's `tasks:` (with the benchmarks
        that measure it) or use one of the defined ones; `selectcheck rules` and the
        policy file list them.
    """,
    failing="""
        task:
          category: coding-assistant
          description: Review pull requests.
          intended_use: commercial
    """,
    passing="""
        task:
          category: code
          description: Review pull requests.
          intended_use: commercial
    """,
)
def unknown_task(ctx: RecordContext) -> Iterator[Finding]:
    category = ctx.record.task.category
    tasks = ctx.policy.tasks
    if category in tasks:
        return
    known = sorted(tasks)
    close = difflib.get_close_matches(category, known, n=1, cutoff=0.5)
    hint = f"Did you mean `{close[0]}`? " if close else ""
    yield Finding(
        "/task/category",
        f"task category {category!r} is not defined by the policy",
        f"{hint}Defined categories: {', '.join(known)}; or add `{category}` under `tasks:` in your policy.",
    )
