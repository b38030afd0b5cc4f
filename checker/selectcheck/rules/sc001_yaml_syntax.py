"""SC001 yaml-syntax: the file is not valid YAML."""

from selectcheck.diagnostics import Stage
from selectcheck.rules.registry import declare

declare(
    code="SC001",
    name="yaml-syntax",
    severity="error",
    configurable=False,
    waivable=False,
    stage=Stage.LOADER,
    summary="the file is not valid YAML (location of the parse error)",
    explanation="""
        The record could not be parsed, so nothing else in it can be checked. The diagnostic
        points at the position where the parser gave up, which is usually at or just after
        the real mistake: an unclosed bracket or quote, a tab used for indentation, or a
        value indented differently from its siblings.

        Records are plain data: YAML tags that construct objects (`!!python/object`,
        `!!binary`, custom `!tags`) are refused with this code too.
    """,
    failing="""
        task:
          category: code
          description: "Review pull requests
    """,
    passing="""
        task:
          category: code
          description: "Review pull requests"
    """,
)
