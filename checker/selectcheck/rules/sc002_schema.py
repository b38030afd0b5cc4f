"""SC002 schema: the record violates the JSON Schema."""

from selectcheck.diagnostics import Stage
from selectcheck.rules.registry import declare

declare(
    code="SC002",
    name="schema",
    severity="error",
    configurable=False,
    waivable=False,
    stage=Stage.SCHEMA,
    summary="the record violates the JSON Schema (one diagnostic per violation, at the offending node)",
    explanation="""
        Every record is validated against `schemas/record.schema.json` (print it with
        `selectcheck schema record`). Each violation is reported at the node that causes
        it: an unknown key at the key, a wrong type or value at the value, a missing key at
        the mapping that lacks it. Unknown keys are errors because a typo such as
        `usr_facing` would otherwise silently disable a check; keys of your own are allowed
        when they start with `x-`.

        Records are read as YAML 1.2, like editors and `check-jsonschema` read them: a bare
        `no`, `on` or `8:00` is text, `0150` is the number 150. Where a YAML 1.1 tool (PyYAML)
        would read such a value differently and the schema wants a boolean or a number there,
        the finding says so and names the fix (`write false`); a number with a leading zero
        that both read as numbers gets a warning. Numbers are bounded far beyond any real
        value (parameters at most 10^15, scores within ±10^9, dates in the years 1900–2999),
        so `1e400`, `.inf` and `.nan` are findings at the value, never an overflow later.

        While a record has schema errors the policy rules do not run on it: they would
        reason about data that is not what you meant.
    """,
    failing="""
        workloads:
          - name: serving
            mode: inferense
            hardware: {gpu: L4}
            precision: bf16
            context_length: 8192
    """,
    passing="""
        workloads:
          - name: serving
            mode: inference
            hardware: {gpu: L4}
            precision: bf16
            context_length: 8192
    """,
)
