"""SC411 record-deleted: an accepted record was deleted (emitted by the git stage)."""

from selectcheck.diagnostics import Stage
from selectcheck.rules.registry import declare

declare(
    code="SC411",
    name="record-deleted",
    severity="error",
    options=("records",),
    stage=Stage.GIT,
    summary="(git) an accepted record was deleted instead of being deprecated or superseded",
    explanation="""
        An accepted decision stays in the record set for good: later records point at it
        with `supersedes`, and the reasons a model was chosen remain readable after the
        model is gone. Retire a decision through its status instead: `status: deprecated`
        when nothing replaces it, or `status: superseded` with `superseded_by` naming the
        record that does.

        With `--changed-since REV`, or in a GitHub pull request (`origin/$GITHUB_BASE_REF`),
        selectcheck lists the record files deleted since the merge base of the base
        revision and HEAD. A file that was `accepted`, `deprecated` or `superseded` at the
        base is reported at the `status:` line of its last version, unless a file added in
        the same change carries the same `id` (the record was moved or renamed, which is
        allowed; its content is then held to SC404). Proposed and rejected records may be
        withdrawn.
    """,
    failing="""
        # git rm records/0002-support-bot.yaml   (status: accepted at the base)
    """,
    passing="""
        # records/0002-support-bot.yaml is kept and retired:
        id: MSR-0002
        status: deprecated
    """,
)
