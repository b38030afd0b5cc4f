"""JSON report: the DESIGN §7 shape plus `report_version`, valid against the published
`schemas/report.schema.json`, valid UTF-8 whatever the record text."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selectcheck.diagnostics import Diagnostic, FileResult, Report, Severity, Span
from selectcheck.reporters import json as json_reporter
from tests.conftest import invoke
from tests.integrations.consumers import REPORT_SCHEMA, check_report_json, report_validator

DESIGN_KEYS = ["tool", "version", "files", "summary", "diagnostics"]
DIAGNOSTIC_KEYS = ["code", "severity", "file", "line", "column", "end_line", "end_column", "pointer", "message",
                   "help", "waived"]  # fmt: skip


def document(report: Report) -> dict[str, Any]:
    text = json_reporter.render(report)
    text.encode("utf-8")  # always valid UTF-8: a lone surrogate is written as its escape
    data: dict[str, Any] = json.loads(text)
    check_report_json(data)
    return data


@pytest.mark.parametrize("name", ["report", "plain_report", "clean_report"])
def test_valid_against_the_published_schema(name: str, request: pytest.FixtureRequest) -> None:
    report: Report = request.getfixturevalue(name)
    data = document(report)
    assert data["files"] == len(report.files)
    assert len(data["diagnostics"]) == len(report.diagnostics)


def test_design_keys_in_order_plus_the_shape_version(report: Report) -> None:
    data = document(report)
    assert list(data) == ["tool", "version", "report_version", "files", "summary", "diagnostics"]
    assert [key for key in data if key != "report_version"] == DESIGN_KEYS
    assert data["report_version"] == json_reporter.REPORT_VERSION == 1
    assert (data["tool"], data["version"]) == ("selectcheck", "0.1.0")
    assert list(data["summary"]) == ["error", "warning", "info", "waived"]
    assert all(list(d) == DIAGNOSTIC_KEYS for d in data["diagnostics"])
    # The schema's models declare the same keys in the same order.
    assert list(json_reporter.JsonReport.model_fields) == list(data)
    assert list(json_reporter.ReportDiagnostic.model_fields) == DIAGNOSTIC_KEYS


def test_summary_counts(plain_report: Report) -> None:
    assert document(plain_report)["summary"] == {"error": 3, "warning": 1, "info": 1, "waived": 1}


def test_text_is_kept_exactly(report: Report, hostile_text: str, hostile_path: str) -> None:
    """JSON is data: record text is not escaped or neutralised (consumers do that for their
    readers), except that a lone surrogate is written as its JSON escape, which decodes back."""
    data = document(report)
    hostile = [d for d in data["diagnostics"] if d["file"] == hostile_path]
    assert hostile and hostile[0]["message"] == hostile_text
    assert "\ud800" in hostile_text and "\\ud800" in json_reporter.render(report)


def test_bidi_controls_are_data_here() -> None:
    text = "a \u202eb\u202c c"
    diag = Diagnostic("SC206", Severity.ERROR, "r.yaml", Span(1, 1, 1, 2), "/a", text)
    assert document(Report([FileResult("r.yaml", [diag])], {}, "0"))["diagnostics"][0]["message"] == text


def test_positions_are_1_based_and_ordered() -> None:
    broken = Diagnostic("SC999", Severity.ERROR, "r.yaml", Span(0, 0, 0, 0), "", "")
    backwards = Diagnostic("SC002", Severity.WARNING, "r.yaml", Span(5, 7, 5, 3), "/x", "m")
    data = document(Report([FileResult("r.yaml", [broken, backwards])], {}, "0"))
    spans = [(d["line"], d["column"], d["end_line"], d["end_column"]) for d in data["diagnostics"]]
    assert spans == [(1, 1, 1, 1), (5, 7, 5, 7)]


@settings(max_examples=200, deadline=None)
@given(text=st.text(), path=st.text(min_size=1), pointer=st.text().map(lambda t: "/" + t))
def test_any_text_gives_a_valid_report(text: str, path: str, pointer: str) -> None:
    diag = Diagnostic("SC206", Severity.ERROR, path, Span(1, 1, 1, 2), pointer, text, text)
    waived = dataclasses.replace(diag, severity=Severity.INFO, waived=True, waiver_reason=text)
    data = document(Report([FileResult(path, [diag, waived], record_id=text)], {}, text or "0"))
    assert data["diagnostics"][0]["message"] == text
    assert data["diagnostics"][0]["file"] == path


def test_a_large_report(huge_report: Callable[[int], Report]) -> None:
    data = document(huge_report(3_000))
    assert len(data["diagnostics"]) == 3_000


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda d: d.pop("report_version"), "'report_version' is a required property"),
        (lambda d: d.update(report_version=2), "1 was expected"),
        (lambda d: d.update(extra=1), "Additional properties are not allowed"),
        (lambda d: d["diagnostics"][0].pop("pointer"), "'pointer' is a required property"),
        (lambda d: d["diagnostics"][0].update(line=0), "0 is less than the minimum of 1"),
        (lambda d: d["diagnostics"][0].update(severity="fatal"), "'fatal' is not one of"),
        (lambda d: d["diagnostics"][0].update(code="E501"), "does not match"),
        (lambda d: d["summary"].update(error=-1), "-1 is less than the minimum of 0"),
    ],
)
def test_the_schema_rejects_other_shapes(
    plain_report: Report, change: Callable[[dict[str, Any]], object], complaint: str
) -> None:
    data = copy.deepcopy(document(plain_report))
    change(data)
    messages = [error.message for error in report_validator().iter_errors(data)]
    assert any(complaint in message for message in messages), messages


def test_schema_command_prints_the_published_schema(tmp_path: Path) -> None:
    result = invoke(["schema", "report"], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == REPORT_SCHEMA.read_text(encoding="utf-8")
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("/schemas/report.schema.json")
    assert schema["properties"]["report_version"]["const"] == json_reporter.REPORT_VERSION
