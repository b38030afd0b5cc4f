"""SC404 accepted-modified: an accepted record was rewritten (emitted by the git stage)."""

from selectcheck.diagnostics import Stage
from selectcheck.rules.registry import declare

declare(
    code="SC404",
    name="accepted-modified",
    severity="error",
    options=("records",),
    stage=Stage.GIT,
    summary=(
        "(git) an accepted record's content changed since the base revision; only status, "
        "superseded_by and waivers may change"
    ),
    explanation="""
        Fine-tuning is expensive and hard to undo, so an accepted decision is history: the
        record says what was known and decided at the time. It can be retired
        (`status: deprecated`) or replaced (`status: superseded` with `superseded_by`
        naming a new record that lists it in `supersedes`), but not rewritten. A new
        benchmark score, another candidate or a changed workload is a new decision and
        belongs in a new record.

        With `--changed-since REV`, or in a GitHub pull request (`origin/$GITHUB_BASE_REF`),
        selectcheck compares every record that was `accepted`, `deprecated` or `superseded`
        at the merge base of the base revision and HEAD with the file on disk. Any change
        outside `status`, `superseded_by` and `waivers` is reported at the first changed
        field, with the number of other changed fields. A record moved to another file
        (same `id`) is compared with its old version.

        The same code reports status changes the record lifecycle forbids in place:
        `proposed` may become anything; `accepted` only `deprecated` or `superseded`;
        `deprecated` only `superseded`; `superseded` and `rejected` are final (taking a
        rejected option after all is a new record, which may cite the rejected one).

        A fix that must be made in place (a broken source URL) can be waived with a
        `waivers` entry for SC404, which needs an approver and an expiry date.
    """,
    failing="""
        # at the base (main):                # in the pull request:
        id: MSR-0007                         id: MSR-0007
        status: accepted                     status: accepted
        candidates:                          candidates:
          - model: meta-llama/Llama-3.1-8B     - model: meta-llama/Llama-3.1-8B
            scores:                              scores:
              ifeval: {value: 80.4, …}             ifeval: {value: 84.0, …}   # SC404
    """,
    passing="""
        # in the pull request: the old record is superseded, the new decision is a new record
        # records/0007-review.yaml
        id: MSR-0007
        status: superseded
        superseded_by: MSR-0012
        # records/0012-review-2027.yaml
        id: MSR-0012
        status: accepted
        supersedes: [MSR-0007]
    """,
)
