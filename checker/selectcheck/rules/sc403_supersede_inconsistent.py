"""SC403 supersede-inconsistent: the two sides of a supersede link disagree."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.diagnostics import Stage
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC403",
    name="supersede-inconsistent",
    severity="error",
    stage=Stage.PROJECT,
    options=("records",),
    summary="the two sides of a supersede link disagree, or a superseded record lacks superseded_by",
    explanation="""
        A supersede link has two ends that must agree: the new record lists the old one in
        `supersedes`, and the old one has `status: superseded` and `superseded_by` naming
        the new one. `superseded_by` is required exactly when the status is `superseded`.
        A record cannot supersede itself.
    """,
    failing="""
        # records/0002-….yaml
        id: MSR-0002
        status: accepted          # should be superseded
        # records/0007-….yaml
        id: MSR-0007
        supersedes: [MSR-0002]
    """,
    passing="""
        # records/0002-….yaml
        id: MSR-0002
        status: superseded
        superseded_by: MSR-0007
        # records/0007-….yaml
        id: MSR-0007
        supersedes: [MSR-0002]
    """,
)
def supersede_inconsistent(ctx: RecordContext) -> Iterator[Finding]:
    record = ctx.record
    if record.status == "superseded" and record.superseded_by is None:
        yield Finding(
            "/status",
            f"{record.id} is superseded but has no superseded_by",
            "Add `superseded_by: <id of the successor>`.",
        )
    if record.superseded_by is not None and record.status != "superseded":
        yield Finding(
            "/superseded_by",
            f"{record.id} names a successor ({record.superseded_by}) but its status is {record.status}",
            "Set `status: superseded`, or remove `superseded_by`.",
        )
    if record.superseded_by == record.id:
        yield Finding("/superseded_by", f"{record.id} cannot supersede itself", "Name the successor's id.")
    for index, target in enumerate(record.supersedes):
        if target == record.id:
            yield Finding(f"/supersedes/{index}", f"{record.id} cannot supersede itself", "Remove this entry.")
            continue
        for other in ctx.project.by_id(target):
            if other.superseded_by != record.id or other.status != "superseded":
                state = f"has status {other.status}" if other.status != "superseded" else f"names {other.superseded_by}"
                yield Finding(
                    f"/supersedes/{index}",
                    f"{record.id} supersedes {target}, but {target} ({other.path}) {state} "
                    f"instead of `status: superseded` with `superseded_by: {record.id}`",
                    f"In {other.path} set `status: superseded` and `superseded_by: {record.id}`.",
                )
    if record.superseded_by is not None and record.superseded_by != record.id:
        for other in ctx.project.by_id(record.superseded_by):
            if record.id not in other.supersedes:
                yield Finding(
                    "/superseded_by",
                    f"{record.id} is superseded by {record.superseded_by}, but {other.path} does not list "
                    f"{record.id} in its supersedes",
                    f"Add {record.id} to `supersedes` in {other.path}.",
                )
