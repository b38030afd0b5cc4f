"""SC407 waiver-unused: a waiver names a rule that does not fire (emitted by the waiver stage)."""

from selectcheck.diagnostics import Stage
from selectcheck.rules.registry import declare

declare(
    code="SC407",
    name="waiver-unused",
    severity="warning",
    stage=Stage.WAIVERS,
    summary="a waiver names a rule that no longer fires for that record",
    explanation="""
        A waiver that silences nothing is a trap: it would silently hide the next, different
        finding of that rule. Delete it once the rule stops firing. SC0xx codes (the file
        cannot be read or does not follow the schema) can never be waived, and a waiver
        naming one is reported here as well.
    """,
    failing="""
        # no smaller candidate exists, so SC207 cannot fire
        waivers:
          - rule: SC207
            reason: Tool-call format.
            approved_by: ana@example.com
            expires: 2027-06-30
    """,
    passing="""
        waivers: []
    """,
)
