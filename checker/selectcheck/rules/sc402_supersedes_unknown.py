"""SC402 supersedes-unknown: a supersede link names a record that does not exist."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.diagnostics import Stage
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC402",
    name="supersedes-unknown",
    severity="error",
    stage=Stage.PROJECT,
    options=("records",),
    summary="supersedes or superseded_by names a record that does not exist",
    explanation="""
        Decisions form a history: a new record replaces an old one with `supersedes`, and the
        old one points forward with `superseded_by`. A link to an id that no record in the
        record directories carries is a broken history, usually a typo or a record that was
        deleted. selectcheck resolves ids against every record in the configured record
        directories, even when only some files are checked (as in a pre-commit run).
    """,
    failing="""
        id: MSR-0012
        supersedes: [MSR-0099]   # no record has this id
    """,
    passing="""
        # records/0012-new-review-model.yaml
        id: MSR-0012
        supersedes: [MSR-0007]
        # records/0007-review-model.yaml
        id: MSR-0007
        status: superseded
        superseded_by: MSR-0012
    """,
)
def supersedes_unknown(ctx: RecordContext) -> Iterator[Finding]:
    record = ctx.record
    for index, target in enumerate(record.supersedes):
        if not ctx.project.by_id(target):
            yield Finding(
                f"/supersedes/{index}",
                f"supersedes {target}, but no record has that id",
                "Correct the id, or restore the record it names (deprecate records instead of deleting them).",
            )
    if record.superseded_by is not None and not ctx.project.by_id(record.superseded_by):
        yield Finding(
            "/superseded_by",
            f"superseded_by {record.superseded_by}, but no record has that id",
            "Correct the id, or add the successor record in the same change.",
        )
