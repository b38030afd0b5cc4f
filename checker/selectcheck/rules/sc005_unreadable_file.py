"""SC005 unreadable-file: the bytes are not a single, bounded YAML text document."""

from selectcheck.diagnostics import Stage
from selectcheck.rules.registry import declare

declare(
    code="SC005",
    name="unreadable-file",
    severity="error",
    configurable=False,
    waivable=False,
    stage=Stage.LOADER,
    summary=(
        "not UTF-8, binary, larger than the size limit, several YAML documents, or alias expansion beyond the limit"
    ),
    explanation="""
        Records arrive in pull requests, so selectcheck reads them defensively. A file is
        refused, with the position of the problem where there is one, when it:

        - is larger than the size limit (1 MiB; it is never read whole),
        - contains NUL bytes (binary) or is not UTF-8 (the first undecodable byte is shown),
        - is empty or holds only comments,
        - holds several YAML documents (`---` separators): one record per file,
        - nests deeper than the limit, or uses anchors and aliases that expand to more than
          the allowed number of values (the "billion laughs" attack),
        - holds an integer longer than 4,300 decimal digits (Python refuses to convert one),
        - has a name that is not UTF-8 or holds control characters: the file is still
          checked, and reports show the name with those bytes escaped (`\\xe9`).
    """,
    failing="""
        schema_version: 1
        id: MSR-0001
        ---
        schema_version: 1
        id: MSR-0002
    """,
    passing="""
        schema_version: 1
        id: MSR-0001
    """,
)
