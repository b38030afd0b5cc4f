"""SC211 stale-evidence: a score's date is older than the policy's maximum age."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.analysis.evidence import cited_scores
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC211",
    name="stale-evidence",
    severity="warning",
    options=("evidence.max_age_days",),
    summary="a score's date is older than the policy's maximum age",
    explanation="""
        Scores go stale: models get new revisions, harnesses change prompts and metrics,
        and benchmarks leak into training data. The policy's `evidence.max_age_days`
        (default 730) bounds how old a dated score may be.

        The age is measured at the moment of the decision: from the record's `date` for
        decided records (accepted, rejected, deprecated, superseded — an accepted record
        cannot be edited afterwards, so its evidence is judged as it was then), and from
        today for a `proposed` record, whose decision is still being made. Every dated
        score of every candidate is checked, and the own evaluation's `date` too. Undated
        scores are not judged. The finding points at the date.
    """,
    failing="""
        status: accepted
        date: 2026-11-01
        candidates:
          - model: mistralai/Mistral-7B-Instruct-v0.3
            scores:
              ifeval: {value: 54.7, source: "https://example.com/eval", date: 2024-05-22}
    """,
    passing="""
        status: accepted
        date: 2026-11-01
        candidates:
          - model: mistralai/Mistral-7B-Instruct-v0.3
            scores:
              ifeval: {value: 54.7, source: docs/evals/ifeval-rerun.md, date: 2026-09-14}
    """,
)
def stale_evidence(ctx: RecordContext) -> Iterator[Finding]:

    record = ctx.record
    limit = ctx.policy.evidence.max_age_days
    proposed = record.status == "proposed"
    reference = ctx.today if proposed else record.date
    when = f"today ({reference})" if proposed else f"the decision ({reference})"

    def age_text(date: datetime.date) -> str | None:
        age = (reference - date).days
        if age <= limit:
            return None
        return f"{age:,} days before {when}; the policy's maximum age is {limit:,} days"

    for index in range(len(record.candidates)):
        for cited in cited_scores(ctx, index):
            date = cited.score.date
            if date is None:
                continue
            text = age_text(date)
            if text is not None:
                yield Finding(
                    f"{cited.pointer}/date",
                    f"{cited.model}'s {cited.name} score is dated {date}, {text}",
                    "Re-run the benchmark on the current model revision, or cite a newer published score.",
                )
    evaluation = record.own_evaluation
    if evaluation is not None and evaluation.date is not None:
        text = age_text(evaluation.date)
        if text is not None:
            yield Finding(
                "/own_evaluation/date",
                f"the own evaluation is dated {evaluation.date}, {text}",
                "Re-run your own evaluation on the current candidates.",
            )
