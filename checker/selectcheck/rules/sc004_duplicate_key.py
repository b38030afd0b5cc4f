"""SC004 duplicate-key: a mapping repeats a key."""

from selectcheck.diagnostics import Stage
from selectcheck.rules.registry import declare

declare(
    code="SC004",
    name="duplicate-key",
    severity="error",
    configurable=False,
    waivable=False,
    stage=Stage.LOADER,
    summary="a mapping repeats a key (YAML loaders silently keep the last one)",
    explanation="""
        YAML says keys are unique, but common loaders (PyYAML, the Go and JavaScript ones)
        accept a repeated key and silently keep the last value. In a record that usually
        means a score or a setting was edited in one place and the stale copy wins. The
        diagnostic points at the second occurrence and names the line of the first. A
        repeated merge key (`<<`) is reported too: loaders disagree on which one wins
        (ruamel.yaml, and so check-jsonschema, refuses the file); merge several mappings
        with one key, `<<: [*a, *b]`.
    """,
    failing="""
        scores:
          humaneval: {value: 72.6, source: "https://example.com/card"}
          humaneval: {value: 75.0, source: "https://example.com/card"}
    """,
    passing="""
        scores:
          humaneval: {value: 72.6, source: "https://example.com/card"}
          humaneval-plus: {value: 67.1, source: "https://example.com/card"}
    """,
)
