"""The shared vocabulary of findings: severities, diagnostics, rule metadata and the report.

Everything that produces findings (loader, schema check, rules) creates `Diagnostic`s;
everything that shows them (reporters) reads a `Report`. Nothing here knows YAML or click.
"""

from __future__ import annotations

import enum
import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Sort key: most severe first (GitHub shows only the first 10 of each kind)."""
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Span:
    """A 1-based region of a file; `end_column` is exclusive, as in SARIF and GitHub."""

    line: int
    column: int
    end_line: int
    end_column: int


FILE_START = Span(1, 1, 1, 2)


@dataclass(slots=True)
class Diagnostic:
    """One finding: a rule's code and severity at a located node of one file, with the fix."""

    code: str
    severity: Severity
    file: str
    span: Span
    pointer: str
    message: str
    help: str = ""
    waived: bool = False
    waiver_reason: str | None = None
    # URLs that selectcheck itself put in `message` or `help` (a license's text, its use policy,
    # from the catalog). Reporters may render these, and only these, as links; any other URL in
    # the text may come from the record and is shown as plain text. Not part of the JSON report.
    links: tuple[str, ...] = ()

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    @property
    def end_line(self) -> int:
        return self.span.end_line

    @property
    def end_column(self) -> int:
        return self.span.end_column

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.span.line, self.span.column, self.code)

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape of DESIGN §7 (field names and order are part of the contract)."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "file": self.file,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "pointer": self.pointer,
            "message": self.message,
            "help": self.help,
            "waived": self.waived,
        }


class Stage(str, enum.Enum):
    """Where in the pipeline a rule's findings come from (README: Architecture)."""

    LOADER = "loader"  # bytes → YAML nodes: the file cannot be read as written
    SCHEMA = "schema"  # nodes → typed record
    RECORD = "record"  # a rule function over one typed record
    PROJECT = "project"  # a rule function over one record and the project's other records
    GIT = "git"  # the record set against the base revision (--changed-since, pull requests)
    HARDWARE = "hardware"  # workloads against the local GPUs (--detect-hardware)
    WAIVERS = "waivers"  # a record's waivers, judged after every other finding is known


# A rule's long texts, or a function that writes them: explanations that quote numbers the
# statistics compute are written only when `explain`, the docs or a SARIF log ask for them,
# never on a plain run.
Text = str | Callable[[], str]


class RuleInfo:
    """What reporters, `selectcheck rules/explain` and the pipeline know about a rule code.

    `configurable`: a policy may change the severity or turn the rule off; the input checks
    that mean "this file cannot be read as written" are not, so a pull request cannot switch
    them off. `waivable`: a record's `waivers:` may silence a finding. `options`: the policy
    settings (dotted paths into the policy) that the rule reads. The explanation and the
    examples are dedented and, when given as functions, written on first use."""

    __slots__ = (
        "_texts",
        "code",
        "configurable",
        "default_severity",
        "name",
        "options",
        "stage",
        "summary",
        "waivable",
    )

    def __init__(
        self,
        code: str,
        name: str,
        default_severity: Severity,
        summary: str,
        explanation: Text = "",
        failing_example: Text = "",
        passing_example: Text = "",
        stage: Stage = Stage.RECORD,
        options: tuple[str, ...] = (),
        configurable: bool = True,
        waivable: bool = True,
    ) -> None:
        self.code, self.name, self.default_severity, self.summary = code, name, default_severity, summary
        self.stage, self.options, self.configurable, self.waivable = stage, options, configurable, waivable
        self._texts: list[Text] = [explanation, failing_example, passing_example]

    def _text(self, index: int) -> str:
        value = self._texts[index]
        if not isinstance(value, str):
            value = value()
        text = textwrap.dedent(value).strip("\n")
        self._texts[index] = text
        return text

    @property
    def explanation(self) -> str:
        return self._text(0)

    @property
    def failing_example(self) -> str:
        return self._text(1)

    @property
    def passing_example(self) -> str:
        return self._text(2)


@dataclass(frozen=True, slots=True)
class MemoryPart:
    """One named share of a workload's memory estimate, in bytes."""

    name: str
    bytes: int


@dataclass(frozen=True, slots=True)
class WorkloadMemory:
    """One workload's memory estimate as the markdown reporter draws it."""

    workload: str
    model: str
    hardware: str
    parts: tuple[MemoryPart, ...]
    total_bytes: int
    usable_bytes: int | None
    card_bytes: int | None
    fits: bool | None


@dataclass(slots=True)
class FileResult:
    """Everything one checked file produced: its findings and what the reporters show of it."""

    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    record_id: str | None = None
    title: str | None = None
    chosen_model: str | None = None
    memory: list[WorkloadMemory] = field(default_factory=list)
    # The source lines the diagnostics point at (line number → text), for the text
    # reporter's snippets. Only those lines are kept, so a 100,000-record run does not hold
    # every file in memory.
    source_lines: dict[int, str] = field(default_factory=dict)

    def describe(self, data: Any) -> None:
        """The report's header fields for this file, from the record's plain data (any shape:
        the file may not be a valid record)."""
        if not isinstance(data, dict):
            return
        rid, title, decision = data.get("id"), data.get("title"), data.get("decision")
        self.record_id = rid if isinstance(rid, str) else None
        self.title = title if isinstance(title, str) else None
        if isinstance(decision, dict) and isinstance(decision.get("chosen"), str):
            self.chosen_model = decision["chosen"]

    def keep_source(self, lines: list[str]) -> None:
        for diag in self.diagnostics:
            if 1 <= diag.span.line <= len(lines):
                self.source_lines[diag.span.line] = lines[diag.span.line - 1]


@dataclass(slots=True)
class Summary:
    """Findings by effective severity; waived ones are counted only under `waived`."""

    error: int = 0
    warning: int = 0
    info: int = 0
    waived: int = 0

    def to_json(self) -> dict[str, int]:
        return {"error": self.error, "warning": self.warning, "info": self.info, "waived": self.waived}


def summarize(diagnostics: Iterable[Diagnostic]) -> Summary:
    summary = Summary()
    for diag in diagnostics:
        if diag.waived:
            summary.waived += 1
        elif diag.severity is Severity.ERROR:
            summary.error += 1
        elif diag.severity is Severity.WARNING:
            summary.warning += 1
        else:
            summary.info += 1
    return summary


@dataclass(slots=True)
class Report:
    """A whole run: every file's result, the rules that ran and how the run ended."""

    files: list[FileResult]
    rules: Mapping[str, RuleInfo]
    version: str
    tool: str = "selectcheck"
    # Rule functions that raised: a bug in selectcheck, reported and turned into exit code 2.
    internal_errors: list[str] = field(default_factory=list)
    # --strict: warnings fail the run too (reporters that print a verdict need to know).
    fail_on_warnings: bool = False

    @property
    def failed(self) -> bool:
        summary = self.summary
        return bool(summary.error or self.internal_errors or (self.fail_on_warnings and summary.warning))

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for f in self.files for d in f.diagnostics]

    @property
    def summary(self) -> Summary:
        return summarize(self.diagnostics)
