"""SC003 schema-version: `schema_version` missing or unsupported."""

from selectcheck.rules.registry import stage_rule

stage_rule(
    code="SC003",
    name="schema-version",
    severity="error",
    stage="schema",
    summary="schema_version missing or unsupported",
    explanation="""
        The first key of a record says which format it follows. This selectcheck reads
        version 1. A record without it, or with a version from a newer selectcheck, is not
        validated further, so that a format change never produces a flood of misleading
        schema errors.
    """,
    failing="""
        id: MSR-0007
        title: Base model for the review assistant
    """,
    passing="""
        schema_version: 1
        id: MSR-0007
        title: Base model for the review assistant
    """,
)
