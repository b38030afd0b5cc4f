"""SC502 latency-unmeasured: a latency budget without a measurement."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC502",
    name="latency-unmeasured",
    severity="warning",
    summary="a latency budget is declared without a measurement",
    explanation="""
        A budget says latency matters for this workload; without a measurement nobody knows
        whether the chosen model meets it. Measure p95 latency on the declared hardware,
        engine, context length and batch size, and record it as `p95_measured`.
    """,
    failing="""
        workloads:
          - name: serving
            latency_ms: {p95_budget: 800}
    """,
    passing="""
        workloads:
          - name: serving
            latency_ms: {p95_budget: 800, p95_measured: 640}
    """,
)
def latency_unmeasured(ctx: RecordContext) -> Iterator[Finding]:
    for index, workload in enumerate(ctx.record.workloads):
        latency = workload.latency_ms
        if latency is not None and latency.p95_measured is None:
            yield Finding(
                f"/workloads/{index}/latency_ms",
                f"workload {workload.name!r} has a {latency.p95_budget:g} ms p95 budget but no measurement",
                "Measure p95 latency on the declared setup and add `p95_measured`.",
                at_key=True,
            )
