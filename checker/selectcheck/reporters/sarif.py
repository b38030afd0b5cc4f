"""SARIF 2.1.0 (``--format sarif``) for GitHub code scanning and other SARIF viewers.

Valid against the OASIS schema (tests/data/sarif-schema-2.1.0.json) and shaped by what GitHub
code scanning accepts (reference/checkers.md §2.4):

* ``tool.driver.rules`` holds one descriptor for every rule the report knows,
  sorted by code, plus a minimal one for any code that fires but is unknown. Declaring the rules
  that ran and found nothing keeps ``ruleIndex`` stable across runs for the same policy, and lets
  a viewer tell "checked, clean" from "not checked". Descriptor texts are non-empty (GitHub does
  not accept empty strings) and cut to GitHub's limits (1024 for descriptions, 255 for names).
  Each known rule's ``helpUri`` is its page under ``docs/rules/`` in the project's repository
  (``informationUri``, the same address as ``[project.urls]`` in pyproject.toml).
* Results are sorted by file, line, column and code; ``level`` is the diagnostic's effective
  severity (a policy may override the rule's default, which sits in ``defaultConfiguration``).
* Locations are relative URIs with forward slashes under ``uriBaseId: %SRCROOT%``; regions are
  1-based with an exclusive ``endColumn`` (the same convention as ``Span``); columns count
  Unicode code points (``run.columnKind``).
* Waived diagnostics stay in the log as suppressed results:
  ``suppressions: [{kind: "external", status: "accepted", justification: reason}]``. The waiver
  lives in the record's ``waivers:`` block rather than as a comment at the finding, which is
  the "external" kind (a suppression stored apart from the flagged construct).
* ``partialFingerprints["selectcheck/v1"]`` hashes code, file and JSON pointer (not the line,
  nor the message whose numbers change), with an occurrence counter, so a finding keeps its
  identity when lines move. ``primaryLocationLineHash`` is left to GitHub's upload-sarif, which
  computes it from the file's lines and warns about every result that brings its own value.
* Display text (messages, help, suppression reasons, paths) passes through
  ``reporters.sanitize.neutralise``: controls and bidi controls become U+FFFD, so a viewer never
  shows reordered or invisible record text.
* ``Report.internal_errors`` (a rule crashed) set ``invocations[0].executionSuccessful`` to
  false and appear as ``toolExecutionNotifications``.
* GitHub accepts at most 25,000 results per run; beyond that the most severe are kept and the
  run's ``properties`` say how many were left out.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from selectcheck.diagnostics import Diagnostic, Report, RuleInfo, Severity
from selectcheck.reporters.sanitize import display_span, neutralise

__all__ = ["FINGERPRINT_KEY", "INFORMATION_URI", "MAX_RESULTS", "RULE_DOCS_URI", "SARIF_SCHEMA", "build", "render"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/selectcheck/selectcheck"
RULE_DOCS_URI = INFORMATION_URI + "/blob/main/docs/rules/{code}.md"
FINGERPRINT_KEY = "selectcheck/v1"
SRCROOT = "%SRCROOT%"
MAX_RESULTS = 25_000
MAX_DESCRIPTION = 1024
MAX_NAME = 255

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_PROBLEM_SEVERITY = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "recommendation",
}
_FAMILY_TAGS = {
    "0": "input",
    "1": "memory",
    "2": "evidence",
    "3": "license",
    "4": "governance",
    "5": "latency",
}
_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)


def _text(value: str, limit: int | None = None, fallback: str = "") -> str:
    text = neutralise(value).strip() or fallback
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def artifact_uri(path: str) -> tuple[str, bool]:
    """A file path as a URI reference; the flag says whether it is relative to %SRCROOT%."""
    path = neutralise(path)
    if os.sep != "/":
        path = path.replace(os.sep, "/")
    while path.startswith("./"):
        path = path[2:]
    if path.startswith("/"):
        return "file://" + quote(path, safe="/"), False
    drive = re.match(r"^[A-Za-z]:/", path)
    if drive:
        return "file:///" + quote(path, safe="/:"), False
    # Relative: percent-encode everything outside the unreserved set and "/", so a ":" in the
    # first segment cannot turn the path into a scheme.
    return quote(path or "-", safe="/"), True


def _tags(rule: RuleInfo) -> list[str]:
    tags = ["selectcheck", "model-selection"]
    family = _FAMILY_TAGS.get(rule.code[2:3]) if rule.code.startswith("SC") else None
    if family:
        tags.append(family)
    return tags


def _help_markdown(rule: RuleInfo, summary: str, explanation: str) -> str:
    parts = [f"**{rule.code} {rule.name}**: {summary}"]
    if explanation and explanation != summary:
        parts.append(explanation)
    if rule.failing_example.strip():
        parts.append("Fails:\n\n```yaml\n" + _fence_safe(rule.failing_example) + "\n```")
    if rule.passing_example.strip():
        parts.append("Passes:\n\n```yaml\n" + _fence_safe(rule.passing_example) + "\n```")
    parts.append(f"Run `selectcheck explain {rule.code}` for more.")
    return "\n\n".join(parts)


def _fence_safe(example: str) -> str:
    return _text(example).replace("```", "`\u200b``")


def rule_descriptor(rule: RuleInfo, *, documented: bool = True) -> dict[str, Any]:
    """The reporting descriptor; `documented` rules have a page under docs/rules/."""
    name = _text(rule.name, MAX_NAME, rule.code)
    summary = _text(rule.summary, MAX_DESCRIPTION, f"{rule.code} {name}")
    explanation = _text(rule.explanation, None, summary)
    help_text = explanation if explanation == summary else f"{summary}\n\n{explanation}"
    if rule.failing_example.strip():
        help_text += "\n\nFails:\n" + _text(rule.failing_example)
    if rule.passing_example.strip():
        help_text += "\n\nPasses:\n" + _text(rule.passing_example)
    descriptor: dict[str, Any] = {
        "id": rule.code,
        "name": name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": _text(explanation, MAX_DESCRIPTION, summary)},
        "help": {"text": help_text, "markdown": _help_markdown(rule, summary, explanation)},
    }
    if documented:
        descriptor["helpUri"] = RULE_DOCS_URI.format(code=quote(rule.code, safe=""))
    descriptor["defaultConfiguration"] = {"level": _LEVEL[rule.default_severity]}
    descriptor["properties"] = {
        "tags": _tags(rule),
        "problem.severity": _PROBLEM_SEVERITY[rule.default_severity],
    }
    return descriptor


def _unknown_rule(code: str, severity: Severity) -> RuleInfo:
    return RuleInfo(
        code=code,
        name=code,
        default_severity=severity,
        summary=f"{code} (no description available)",
        explanation=f"{code} is not described by this version of selectcheck.",
    )


def _rules(report: Report, diagnostics: Iterable[Diagnostic]) -> list[RuleInfo]:
    rules = dict(report.rules)
    for diag in diagnostics:
        if diag.code not in rules:
            rules[diag.code] = report.rules.get(diag.code) or _unknown_rule(diag.code, diag.severity)
    return [rules[code] for code in sorted(rules)]


def fingerprint(diag: Diagnostic) -> str:
    """Stable identity of a finding: code, file and pointer; not line, column or message."""
    key = "\x00".join((diag.code, artifact_uri(diag.file)[0], diag.pointer))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _region(diag: Diagnostic) -> dict[str, int]:
    span = display_span(diag.span)
    return {
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": span.end_line,
        "endColumn": span.end_column,
    }


def _result(diag: Diagnostic, rule_index: int, occurrence: int, digest: str) -> dict[str, Any]:
    text = _text(diag.message, fallback=diag.code)
    help_text = _text(diag.help)
    if help_text:
        text = f"{text}\n\nHelp: {help_text}"
    uri, relative = artifact_uri(diag.file)
    artifact: dict[str, Any] = {"uri": uri}
    if relative:
        artifact["uriBaseId"] = SRCROOT
    result: dict[str, Any] = {
        "ruleId": diag.code,
        "ruleIndex": rule_index,
        "level": _LEVEL[diag.severity],
        "message": {"text": text},
        "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": _region(diag)}}],
        "partialFingerprints": {FINGERPRINT_KEY: f"{digest}:{occurrence}"},
    }
    if diag.pointer:
        result["properties"] = {"pointer": _text(diag.pointer)}
    if diag.waived:
        suppression: dict[str, Any] = {"kind": "external", "status": "accepted"}
        justification = _text(diag.waiver_reason or "")
        if justification:
            suppression["justification"] = justification
        result["suppressions"] = [suppression]
    return result


def _keep_most_severe(diagnostics: list[Diagnostic], limit: int) -> list[Diagnostic]:
    if len(diagnostics) <= limit:
        return diagnostics
    ranked = sorted(
        range(len(diagnostics)),
        key=lambda i: (diagnostics[i].waived, diagnostics[i].severity.rank, i),
    )
    keep = set(ranked[:limit])
    return [d for i, d in enumerate(diagnostics) if i in keep]


def _invocation(report: Report) -> dict[str, Any]:
    """Whether every rule ran; a rule that crashed is a tool execution notification."""
    invocation: dict[str, Any] = {"executionSuccessful": not report.internal_errors}
    if report.internal_errors:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": _text(message, fallback="internal error")}}
            for message in report.internal_errors
        ]
    return invocation


def build(report: Report, *, max_results: int = MAX_RESULTS) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict."""
    every = sorted(report.diagnostics, key=lambda d: (*d.sort_key(), d.message))
    shown = _keep_most_severe(every, max_results)
    rules = _rules(report, shown)
    index = {rule.code: i for i, rule in enumerate(rules)}
    occurrences: dict[str, int] = {}
    results = []
    # Occurrence counters follow the full sorted list so that dropping results for the size
    # cap does not renumber the ones that stay.
    shown_ids = {id(d) for d in shown}
    for diag in every:
        digest = fingerprint(diag)
        occurrence = occurrences.get(digest, 0) + 1
        occurrences[digest] = occurrence
        if id(diag) in shown_ids:
            results.append(_result(diag, index[diag.code], occurrence, digest))
    driver: dict[str, Any] = {
        "name": report.tool or "selectcheck",
        "version": report.version,
        "informationUri": INFORMATION_URI,
        "rules": [rule_descriptor(rule, documented=rule.code in report.rules) for rule in rules],
    }
    if _SEMVER.match(report.version):
        driver["semanticVersion"] = report.version
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The root of the checked repository."}}},
        "columnKind": "unicodeCodePoints",
        "invocations": [_invocation(report)],
        "results": results,
    }
    if len(shown) < len(every):
        run["properties"] = {
            "truncated": True,
            "omittedResults": len(every) - len(shown),
            "maxResults": max_results,
        }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render(report: Report) -> str:
    return json.dumps(build(report), indent=2, ensure_ascii=False) + "\n"
