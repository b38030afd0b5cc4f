"""`--format json`: the stable report shape of DESIGN §7, published as a JSON Schema.

The pydantic models below describe the document; `schemas/report.schema.json` is generated
from them (`python -m selectcheck.model.schemagen`, printed by `selectcheck schema report`) and
the tests hold every JSON report the suite writes to it. `render` builds plain dicts in the
same key order rather than validating through the models: a 100,000-record report should not
pay for that.

`report_version` versions the shape: it changes whenever a key is added, removed or renamed, or
a value changes type or meaning, and a consumer that knows version 1 can rely on exactly the
keys below. `version` is selectcheck's own version, which changes far more often.

Text is kept exactly as the record has it (consumers escape it for their readers), with one
exception that keeps the file valid UTF-8: a lone surrogate (a file name that was not UTF-8, a
`\\ud800` escape in a YAML string) is written as its JSON escape, which decodes back to the same
string. Positions are 1-based, with ends not before starts, as in every other format.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from selectcheck.diagnostics import Diagnostic, Report
from selectcheck.reporters.sanitize import display_span

__all__ = ["REPORT_VERSION", "JsonReport", "render"]

REPORT_VERSION = 1

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
Position = Annotated[int, Field(ge=1)]
Count = Annotated[int, Field(ge=0)]


class _Shape(BaseModel):
    # Only the schema generator builds these: the report is written from plain dicts.
    model_config = ConfigDict(extra="forbid", defer_build=True)


class ReportSummary(_Shape):
    """Findings by effective severity; waived findings are counted only under `waived`."""

    error: Count = Field(description="Unwaived findings of severity error.")
    warning: Count = Field(description="Unwaived findings of severity warning.")
    info: Count = Field(description="Unwaived findings of severity info.")
    waived: Count = Field(description="Findings a record's waiver accepted, whatever their severity.")


class ReportDiagnostic(_Shape):
    """One finding, located at the YAML node it is about."""

    code: str = Field(pattern=r"^SC[0-9]{3}$", description="The rule code, e.g. SC206 (`selectcheck explain CODE`).")
    severity: Literal["error", "warning", "info"] = Field(
        description="The effective severity: the rule's default or the policy's override."
    )
    file: str = Field(
        min_length=1, description="The record file, as given on the command line or found in a directory."
    )
    line: Position = Field(description="1-based line of the start of the node.")
    column: Position = Field(description="1-based column (Unicode code points) of the start of the node.")
    end_line: Position = Field(description="1-based line of the end of the node.")
    end_column: Position = Field(description="1-based column just after the end of the node (exclusive).")
    pointer: str = Field(
        pattern=r"^$|^/",
        description="JSON pointer into the record (RFC 6901); empty for the whole file.",
    )
    message: str = Field(description="What is wrong, in one sentence with the numbers that matter.")
    help: str = Field(description="What to do about it; may be empty.")
    waived: bool = Field(description="Whether a waiver in the record accepts this finding.")


class JsonReport(_Shape):
    """`selectcheck validate --format json`: the whole run."""

    tool: Literal["selectcheck"] = Field(description="Always selectcheck.")
    version: str = Field(description="The selectcheck version that wrote the report.")
    report_version: Literal[1] = Field(
        description=(
            "The version of this report shape. It changes whenever a key is added, removed or "
            "renamed, or a value changes type or meaning."
        )
    )
    files: Count = Field(description="Record files checked.")
    summary: ReportSummary = Field(description="Findings by effective severity.")
    diagnostics: list[ReportDiagnostic] = Field(
        description="Every finding, waived ones included, by file and position."
    )


def _diagnostic(diag: Diagnostic) -> dict[str, Any]:
    entry = diag.to_json()
    span = display_span(diag.span)
    entry.update(line=span.line, column=span.column, end_line=span.end_line, end_column=span.end_column)
    return entry


def _escape_surrogate(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group(0)):04x}"


def render(report: Report) -> str:
    document = {
        "tool": report.tool,
        "version": report.version,
        "report_version": REPORT_VERSION,
        "files": len(report.files),
        "summary": report.summary.to_json(),
        "diagnostics": [_diagnostic(d) for d in report.diagnostics],
    }
    # json.dumps writes a lone surrogate only inside a string, where its escape means the same.
    return _LONE_SURROGATE.sub(_escape_surrogate, json.dumps(document, indent=2, ensure_ascii=False)) + "\n"
