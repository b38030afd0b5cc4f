"""SC205 score-out-of-range: a score lies outside the benchmark's range."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.analysis.evidence import cited_scores, fmt, pointer_token
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

        A fraction written where percentage points belong (HumanEval 0.884 for 88.4) lies
        inside the range but on the wrong scale, and every floor and minimum computed from
        it would mislead. A score in [0, 1] on a percentage benchmark is reported as a
        fraction when all of that candidate's percentage scores lie in [0, 1], or when
        another candidate scores above 1 on the same benchmark. The own evaluation's
        `results` are read the same way: all of them in [0, 1] means fractions.
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
    yield from _fractions(ctx)

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


def _fractions(ctx: RecordContext) -> Iterator[Finding]:
    """Scores on the fraction scale where the unit is percentage points."""
    by_candidate = [
        [c for c in cited_scores(ctx, i) if c.entry is not None and c.entry.scale == "proportion"]
        for i in range(len(ctx.record.candidates))
    ]
    above_one = {c.benchmark_id for scores in by_candidate for c in scores if c.value > 1}
    for scores in by_candidate:
        all_fractions = bool(scores) and all(0 <= c.value <= 1 for c in scores) and any(0 < c.value < 1 for c in scores)
        for cited in scores:
            if not 0 <= cited.value <= 1 or not (all_fractions or cited.benchmark_id in above_one):
                continue
            why = (
                f"as do all of {cited.model}'s percentage scores"
                if all_fractions
                else f"where another candidate's {cited.name} score is above 1"
            )
            yield Finding(
                f"{cited.pointer}/value",
                f"{cited.model}'s {cited.name} score {fmt(cited.value)} looks like a fraction ({why}): "
                "the benchmark's unit is percentage points (0–100)",
                f"Write it in percentage points: `value: {fmt(cited.value * 100)}`.",
            )
    evaluation = ctx.record.own_evaluation
    values = list(evaluation.results.values()) if evaluation is not None else []
    if evaluation is not None and values and all(0 <= v <= 1 for v in values) and any(0 < v < 1 for v in values):
        for model, value in evaluation.results.items():
            yield Finding(
                f"/own_evaluation/results/{pointer_token(model)}",
                f"the own evaluation's result {fmt(value)} for {model} looks like a fraction, and so do all "
                "its results: they are read as percentages (0–100) for the noise floor",
                f"Write the results in percent: `{model}: {fmt(value * 100)}`.",
            )
