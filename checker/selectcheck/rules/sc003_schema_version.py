"""SC003 schema-version: `schema_version` missing or unsupported."""

from selectcheck.diagnostics import Stage
from selectcheck.rules.registry import declare

declare(
    code="SC003",
    name="schema-version",
    severity="error",
    configurable=False,
    waivable=False,
    stage=Stage.SCHEMA,
    summary="schema_version missing or unsupported",
    explanation="""
        The first key of a record says which format it follows. This selectcheck reads
        version 1. A record without it, or with a version from a newer selectcheck, is not
        validated further, so that a format change never produces a flood of misleading
        schema errors.
    """,
    failing="""
        schema_version: 2   # or no schema_version at all
        id: MSR-0007
    """,
    passing="""
        schema_version: 1
        id: MSR-0007
    """,
)
