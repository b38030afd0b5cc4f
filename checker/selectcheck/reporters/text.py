"""`--format text`: ruff-style diagnostics with the source line and a caret underline."""

from __future__ import annotations

from collections.abc import Callable

from selectcheck.diagnostics import Diagnostic, FileResult, Report, Severity
from selectcheck.reporters.sanitize import safe_line

Style = Callable[..., str]

_SEVERITY_COLOUR = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def _plain(text: str, **_: object) -> str:
    return text


def _clean(text: str) -> str:
    """Record text reaches terminals and CI logs: no control characters or escape sequences,
    no line breaks, nothing a runner would read as a workflow command."""
    return safe_line("".join(ch if ch.isprintable() or ch == " " else "?" for ch in text))


def _snippet(diag: Diagnostic, lines: dict[int, str], style: Style) -> list[str]:
    line = lines.get(diag.line)
    if line is None:
        return []
    source = _clean(line.expandtabs(1))
    gutter = f"{diag.line:>4} | "
    start = max(diag.column - 1, 0)
    if diag.end_line == diag.line:
        width = max(diag.end_column - diag.column, 1)
    else:
        width = max(len(source.rstrip()) - start, 1)
    width = min(width, max(len(source) - start, 1))
    caret = " " * len(gutter) + " " * start + style("^" * width, fg=_SEVERITY_COLOUR[diag.severity], bold=True)
    return [style(gutter, fg="blue") + source, caret]


def render_file(result: FileResult, style: Style = _plain) -> list[str]:
    out: list[str] = []
    for diag in result.diagnostics:
        where = style(f"{_clean(diag.file)}:{diag.line}:{diag.column}:", bold=True)
        severity = diag.severity.value + (", waived" if diag.waived else "")
        label = style(f"{diag.code} [{severity}]", fg=_SEVERITY_COLOUR[diag.severity], bold=True)
        out.append(f"{where} {label} {_clean(diag.message)}")
        out.extend(_snippet(diag, result.source_lines, style))
        if diag.help:
            out.append(f"  {style('help:', bold=True)} {_clean(diag.help)}")
        if diag.waived and diag.waiver_reason:
            out.append(f"  {style('waived:', bold=True)} {_clean(diag.waiver_reason)}")
        out.append("")
    return out


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(report: Report) -> str:
    summary = report.summary
    files = _plural(len(report.files), "file")
    if not (summary.error or summary.warning or summary.info):
        waived = f" ({summary.waived} waived)" if summary.waived else ""
        return f"All checks passed: {files}{waived}."
    parts = [_plural(summary.error, "error"), _plural(summary.warning, "warning")]
    if summary.info:
        parts.append(f"{summary.info} info")
    if summary.waived:
        parts.append(f"{summary.waived} waived")
    return f"Found {', '.join(parts)} in {files}."


def render(report: Report, style: Style = _plain) -> str:
    out: list[str] = []
    for result in report.files:
        out.extend(render_file(result, style))
    out.append(summary_line(report))
    return "\n".join(out) + "\n"
