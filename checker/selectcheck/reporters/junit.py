"""JUnit XML (``--format junit``) for CI systems that show test reports.

The dialect is Jenkins' (xunit-plugin ``junit-10.xsd``, vendored as
``tests/data/junit-10.xsd`` and checked in CI), which GitLab, Azure DevOps and the common
GitHub report actions read as well; ``junitparser`` recounts the same totals.

One ``<testsuite name="selectcheck">`` with one ``<testcase>`` per record file:
``classname`` is the file path, ``name`` the record id (or the path when the file has no id,
e.g. a YAML syntax error). Each unwaived **error** is a ``<failure>`` (``type`` = rule code,
``message`` = one line, body = location, message, help and pointer). Warnings and info do not
fail a record (they do not fail ``validate`` either unless ``--strict``), so they, and waived
findings with their reasons, are listed in the testcase's ``<system-out>``; marking a passing
record ``skipped`` would misreport it. ``Report.internal_errors`` (a rule crashed) become one
extra testcase, ``internal errors``, with an ``<error>`` per message.

Counts are what a parser recounts from the elements: ``tests`` = testcases, ``failures`` =
``<failure>`` elements (one per unwaived error, so a record can hold several), ``errors`` =
``<error>`` elements. Several failures per testcase are allowed by the Jenkins schema and read
by GitLab, Jenkins and junitparser; the Ant schema allows one, and some viewers show only the
first, which is why its ``message`` names how many errors the record has. The schema has no
``file`` attribute on a testcase and no ``skipped`` on ``<testsuites>``, so neither is written.

Characters that XML 1.0 forbids (most C0 controls, lone surrogates, U+FFFE/U+FFFF) are replaced
with U+FFFD, as are the discouraged C1 controls and the bidi controls (``reporters.sanitize``);
ElementTree escapes the rest. No timestamps or host names are written, so the same report
gives the same bytes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from selectcheck.diagnostics import Diagnostic, FileResult, Report, Severity
from selectcheck.reporters.sanitize import REPLACEMENT, neutralise

__all__ = ["render", "xml_safe"]

# The noncharacters XML 1.0 forbids besides the controls `neutralise` replaces.
_NONCHARACTERS = re.compile("[\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Text with every character XML 1.0 forbids (or discourages) replaced by U+FFFD."""
    return _NONCHARACTERS.sub(REPLACEMENT, neutralise(text))


def _order(diag: Diagnostic) -> tuple[int, int, int, str, str]:
    return (diag.severity.rank, diag.span.line, diag.span.column, diag.code, diag.message)


def _label(diag: Diagnostic, report: Report) -> str:
    rule = report.rules.get(diag.code)
    return f"{diag.code} {rule.name}" if rule is not None and rule.name else diag.code


def _fails(diag: Diagnostic) -> bool:
    return diag.severity is Severity.ERROR and not diag.waived


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _details(diag: Diagnostic, report: Report) -> str:
    span = diag.span
    lines = [
        f"{diag.file}:{span.line}:{span.column}: {_label(diag, report)} "
        f"[{diag.severity.value}{', waived' if diag.waived else ''}]",
        diag.message.strip(),
    ]
    if diag.help.strip():
        lines.append(f"help: {diag.help.strip()}")
    if diag.waived and diag.waiver_reason:
        lines.append(f"waived: {diag.waiver_reason.strip()}")
    if diag.pointer:
        lines.append(f"pointer: {diag.pointer}")
    return "\n".join(lines)


def _testcase(result: FileResult, report: Report) -> ET.Element:
    case = ET.Element(
        "testcase",
        {
            "classname": xml_safe(result.path),
            "name": xml_safe(result.record_id or result.path),
            "time": "0",
        },
    )
    ordered = sorted(result.diagnostics, key=_order)
    failures = [d for d in ordered if _fails(d)]
    others = [d for d in ordered if not _fails(d)]
    for number, diag in enumerate(failures, start=1):
        prefix = f"[{number}/{len(failures)}] " if len(failures) > 1 else ""
        message = f"{prefix}line {diag.span.line}: {_label(diag, report)}: {diag.message}"
        failure = ET.SubElement(
            case,
            "failure",
            {"type": xml_safe(diag.code), "message": xml_safe(_one_line(message))},
        )
        failure.text = xml_safe(_details(diag, report))
    if others:
        out = ET.SubElement(case, "system-out")
        out.text = xml_safe("\n\n".join(_details(d, report) for d in others))
    return case


def _internal_errors(report: Report) -> ET.Element | None:
    """A crashed rule (a selectcheck bug) is a JUnit *error*, not a record's failure."""
    if not report.internal_errors:
        return None
    case = ET.Element("testcase", {"classname": xml_safe(report.tool), "name": "internal errors", "time": "0"})
    for message in report.internal_errors:
        error = ET.SubElement(
            case,
            "error",
            {"type": "internal-error", "message": xml_safe(_one_line(message))},
        )
        error.text = xml_safe(f"{message}\n(a bug in selectcheck; please report it)")
    return case


def render(report: Report) -> str:
    cases = [_testcase(result, report) for result in sorted(report.files, key=lambda r: r.path)]
    crashed = _internal_errors(report)
    if crashed is not None:
        cases.append(crashed)
    tests = str(len(cases))
    failures = str(sum(len(case.findall("failure")) for case in cases))
    errors = str(sum(len(case.findall("error")) for case in cases))
    root = ET.Element(
        "testsuites",
        {"name": xml_safe(report.tool), "tests": tests, "failures": failures, "errors": errors, "time": "0"},
    )
    suite = ET.SubElement(
        root,
        "testsuite",
        {
            "name": xml_safe(report.tool),
            "tests": tests,
            "failures": failures,
            "errors": errors,
            "skipped": "0",
            "time": "0",
        },
    )
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", {"name": "selectcheck.version", "value": xml_safe(report.version)})
    suite.extend(cases)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
