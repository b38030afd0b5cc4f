"""GitHub Actions workflow-command annotations (``--format github``).

One line per finding (wrapped here)::

    ::error file=records/0007-x.yaml,line=42,col=9,endLine=42,endColumn=28,
    title=SC206 below-noise-floor::message%0Ahelp: …

Decisions (see reference/checkers.md §2.1):

* Most severe first: a step shows only 10 error and 10 warning annotations (50 per job), so
  errors come before warnings before notices (info). The full list goes to the step summary.
* ``info`` becomes ``::notice``.
* Waived findings are **not** annotated: a waiver is an accepted, reviewed decision, and
  annotating it would spend the per-step/per-job annotation budget on non-problems and nag on
  every pull request. They are counted in the closing log line, listed in the markdown summary
  and carried as suppressed results in SARIF.
* ``col``/``endColumn`` are sent only for single-line spans with ``endColumn >= col`` (the runner
  rejects anything else and then does not attach the annotation; astral-sh/ruff#22074).
* Exact duplicates (same kind, location, title and text) are emitted once.
* ``Report.internal_errors`` (a rule crashed: a selectcheck bug, exit code 2) come first, as
  file-less ``::error`` annotations, so a run that did not check everything never looks clean.

Injection safety. Record content (messages, help, file names, rule names from a policy) is
untrusted. The runner reads its output a line at a time (CR, LF or CRLF end a line) and treats
a line as a command when, after leading whitespace, it starts with ``::`` (V2), or, when that
parse fails, when it contains ``##[`` anywhere (legacy V1, actions/runner ActionCommand.cs).
Every line this module writes is either

1. ``::error ``/``::warning ``/``::notice `` + properties + ``::`` + data, where no untrusted
   character can end the line (CR and LF are escaped, other line and control characters are
   replaced), properties cannot contain ``:`` or ``,`` (escaped), so the first ``::`` after the
   command name is ours and the V2 parse of the line always succeeds with our command; the
   legacy parser is therefore never consulted for it, and ``##[`` in untrusted text is broken
   with a zero-width space anyway so the argument does not rest on that; or
2. the closing summary line, built only from integers and fixed words.

So no output line can start, or be read as, any workflow command other than our annotations.
"""

from __future__ import annotations

import os

from selectcheck.diagnostics import Diagnostic, Report, Severity
from selectcheck.reporters.sanitize import safe_text

__all__ = ["escape_data", "escape_property", "render"]

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}

_clean = safe_text


def escape_data(text: str) -> str:
    """Escape a command's data (the message): ``%``, CR, LF, as the runner unescapes them."""
    return _clean(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: as data, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _relative_path(path: str) -> str:
    if os.sep != "/":
        path = path.replace(os.sep, "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def _title(diag: Diagnostic, report: Report) -> str:
    rule = report.rules.get(diag.code)
    return f"{diag.code} {rule.name}" if rule is not None and rule.name else diag.code


def _properties(diag: Diagnostic, report: Report) -> str:
    span = diag.span
    line = max(span.line, 1)
    props: list[tuple[str, str]] = [("file", _relative_path(diag.file)), ("line", str(line))]
    end_line = span.end_line if span.end_line >= line else line
    if end_line == line:
        column = max(span.column, 1)
        props.append(("col", str(column)))
        props.append(("endLine", str(end_line)))
        if span.end_line == line and span.end_column >= column:
            props.append(("endColumn", str(span.end_column)))
    else:
        props.append(("endLine", str(end_line)))
    props.append(("title", _title(diag, report)))
    return ",".join(f"{key}={escape_property(value)}" for key, value in props)


def _message(diag: Diagnostic) -> str:
    text = diag.message.strip() or diag.code
    help_text = diag.help.strip()
    if help_text:
        text = f"{text}\nhelp: {help_text}"
    return escape_data(text)


def _order(diag: Diagnostic) -> tuple[int, str, int, int, str, str]:
    return (diag.severity.rank, *diag.sort_key(), diag.message)


def annotation(diag: Diagnostic, report: Report) -> str:
    """The single workflow-command line for one diagnostic."""
    return f"::{_COMMAND[diag.severity]} {_properties(diag, report)}::{_message(diag)}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def render(report: Report) -> str:
    active = sorted((d for d in report.diagnostics if not d.waived), key=_order)
    lines: list[str] = []
    # A rule that crashed is a selectcheck bug (exit code 2): say so where reviewers look.
    title = escape_property("selectcheck internal error")
    for message in report.internal_errors:
        text = escape_data(f"{message} (a bug in selectcheck; please report it)")
        lines.append(f"::error title={title}::{text}")
    seen: set[str] = set()
    for diag in active:
        line = annotation(diag, report)
        if line not in seen:
            seen.add(line)
            lines.append(line)
    summary = report.summary
    # Built from integers and fixed words only: never a workflow command.
    lines.append(
        f"selectcheck: {_plural(summary.error, 'error')}, {_plural(summary.warning, 'warning')}, "
        f"{summary.info} info, {summary.waived} waived (not annotated) "
        f"in {_plural(len(report.files), 'file')}"
    )
    return "\n".join(lines) + "\n"
