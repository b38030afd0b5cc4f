"""SC405 duplicate-id: two records share an id."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.diagnostics import Stage
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC405",
    name="duplicate-id",
    severity="error",
    stage=Stage.PROJECT,
    options=("records",),
    summary="two records share an id",
    explanation="""
        Record ids are how decisions refer to each other (`supersedes`, `superseded_by`) and
        how people cite them in reviews, so each id must name exactly one record. Two files
        with the same id usually come from two branches that both took "the next number".
        Both files are reported; renumber the newer one (file name and id together).
    """,
    failing="""
        # records/0007-review-assistant.yaml
        id: MSR-0007
        # records/0007-support-bot.yaml
        id: MSR-0007
    """,
    passing="""
        # records/0007-review-assistant.yaml
        id: MSR-0007
        # records/0008-support-bot.yaml
        id: MSR-0008
    """,
)
def duplicate_id(ctx: RecordContext) -> Iterator[Finding]:
    others = sorted({s.path for s in ctx.project.by_id(ctx.record.id) if s.path != ctx.display_path})
    if others:
        yield Finding(
            "/id",
            f"id {ctx.record.id} is also used by {', '.join(others)}",
            "Give the newer record the next free number, in its file name and its id.",
        )
