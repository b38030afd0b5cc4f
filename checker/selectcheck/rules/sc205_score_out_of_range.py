"""SC205 score-out-of-range: a score lies outside the benchmark's range."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.analysis.evidence import cited_scores, fmt
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC205",
    name="score-out-of-range",
    severity="error",
    summary="a score lies outside the benchmark's range",
    explanation="""
        Scores are recorded in the benchmark's own unit: percentage points (0–100) for
        accuracy-like metrics, the judge scale for MT-Bench (1–10), the rating for Chatbot
        Arena. The catalog gives each benchmark's `range`; for unbounded ratings it is a
        generous sanity range (500–2500). A value outside it is a typo or a unit mix-up
        (an MT-Bench 8.2 written as 82, a pass count written as a percentage), and every
        noise floor computed from it would be wrong.

        Every candidate's scores are checked, not only the chosen model's, because the
        comparisons use them all. The finding points at the value. Benchmarks the catalog
        does not know have no range to check (SC006).
    """,
    failing="""
        candidates:
          - model: google/gemma-2-9b-it
            scores:
              mt-bench: {value: 82, source: "https://example.com/gemma-2-eval"}
    """,
    passing="""
        candidates:
          - model: google/gemma-2-9b-it
            scores:
              mt-bench: {value: 8.2, source: "https://example.com/gemma-2-eval"}
    """,
)
def score_out_of_range(ctx: RecordContext) -> Iterator[Finding]:

    for index in range(len(ctx.record.candidates)):
        for cited in cited_scores(ctx, index):
            entry = cited.entry
            if entry is None:
                continue
            lo, hi = entry.range
            if lo <= cited.value <= hi:
                continue
            if entry.scale == "proportion":
                unit = "Scores are in percentage points (0–100), not fractions or counts."
            elif entry.scale == "score":
                unit = f"{entry.name} scores are on the judge's scale ({fmt(lo)}–{fmt(hi)})."
            else:
                unit = f"{entry.name} scores are ratings; check the value against its source."
            yield Finding(
                f"{cited.pointer}/value",
                f"{cited.model}'s {entry.name} score {fmt(cited.value)} lies outside the "
                f"benchmark's range [{fmt(lo)}, {fmt(hi)}]",
                f"{unit} Correct the value or the benchmark id.",
            )
