"""SC203 missing-source: a score has no `source`."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.analysis.evidence import cited_scores, fmt
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC203",
    name="missing-source",
    severity="error",
    summary="a score has no source",
    explanation="""
        A score nobody can trace cannot be checked, re-run or compared with the same
        model's score elsewhere, and vendor-reported numbers often differ from independent
        runs by more than the noise floor (different prompts, shots, metrics). Every cited
        score needs a `source`: a URL to the model card, paper or leaderboard snapshot, or
        the repository path of your own evaluation log. `setting` ("0-shot pass@1") and
        `date` are recommended too.

        Every candidate's scores are checked, since comparisons use them all. The finding
        points at the score's key.
    """,
    failing="""
        candidates:
          - model: Qwen/Qwen2.5-7B-Instruct
            scores:
              ifeval: {value: 71.2}
    """,
    passing="""
        candidates:
          - model: Qwen/Qwen2.5-7B-Instruct
            scores:
              ifeval: {value: 71.2, source: "https://arxiv.org/abs/2412.15115", setting: strict-prompt}
    """,
)
def missing_source(ctx: RecordContext) -> Iterator[Finding]:

    for index in range(len(ctx.record.candidates)):
        for cited in cited_scores(ctx, index):
            source = cited.score.source
            if source is not None and source.strip():
                continue
            yield Finding(
                cited.pointer,
                f"{cited.model}'s {cited.name} score {fmt(cited.value)} has no source",
                "Add `source:` with the URL of the model card, paper or leaderboard, or the path "
                "of your evaluation log.",
                at_key=True,
            )
