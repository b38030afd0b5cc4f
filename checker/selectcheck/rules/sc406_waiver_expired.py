"""SC406 waiver-expired: a waiver's `expires` date has passed (emitted by the waiver stage)."""

from selectcheck.diagnostics import Stage
from selectcheck.rules.registry import declare

declare(
    code="SC406",
    name="waiver-expired",
    severity="error",
    options=("waivers.max_days",),
    stage=Stage.WAIVERS,
    summary="a waiver's expires date has passed",
    explanation="""
        A waiver silences one rule for one record, with a reason, an approver and an expiry
        date, so that accepted risks are revisited. Once `expires` has passed the waiver no
        longer applies: the finding it silenced is reported again, and this diagnostic
        points at the date. A waiver that runs longer than the policy's `waivers.max_days`
        after the record's date is refused the same way.
    """,
    failing="""
        waivers:
          - rule: SC207
            reason: The 3B model lacks the tool-call format our agents need.
            approved_by: ana@example.com
            expires: 2025-01-31
    """,
    passing="""
        waivers:
          - rule: SC207
            reason: The 3B model lacks the tool-call format our agents need.
            approved_by: ana@example.com
            expires: 2027-06-30
    """,
)
