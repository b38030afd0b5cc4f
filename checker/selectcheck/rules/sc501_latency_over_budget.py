"""SC501 latency-over-budget: measured p95 latency exceeds the budget."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC501",
    name="latency-over-budget",
    severity="error",
    summary="measured p95 latency exceeds the budget",
    explanation="""
        Size and latency are deployment realities next to the benchmarks: a model that is
        too slow for the product is the wrong model however well it scores. When a
        workload declares `latency_ms` with a `p95_budget` and a `p95_measured`, the
        measurement must be within the budget.
    """,
    failing="""
        workloads:
          - name: serving
            latency_ms: {p95_budget: 800, p95_measured: 950}
    """,
    passing="""
        workloads:
          - name: serving
            latency_ms: {p95_budget: 800, p95_measured: 640}
    """,
)
def latency_over_budget(ctx: RecordContext) -> Iterator[Finding]:
    for index, workload in enumerate(ctx.record.workloads):
        latency = workload.latency_ms
        if latency is None or latency.p95_measured is None or latency.p95_measured <= latency.p95_budget:
            continue
        over = latency.p95_measured - latency.p95_budget
        yield Finding(
            f"/workloads/{index}/latency_ms/p95_measured",
            f"workload {workload.name!r}: measured p95 latency {latency.p95_measured:g} ms exceeds the "
            f"{latency.p95_budget:g} ms budget by {over:g} ms ({over / latency.p95_budget:.0%})",
            "Try a smaller or more quantised model, a shorter context, a faster engine, or revise the budget.",
        )
