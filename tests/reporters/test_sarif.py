"""SARIF: valid against the official 2.1.0 schema and shaped for GitHub code scanning."""

from __future__ import annotations

import dataclasses
import json
import random
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest

from selectcheck.diagnostics import Diagnostic, FileResult, Report, Severity, Span
from selectcheck.reporters import sarif
from tests.conftest import REPO
from tests.integrations.consumers import check_sarif, sarif_validator

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    """The official schema; its own $schema is draft-04."""
    validator: jsonschema.protocols.Validator = sarif_validator()
    return validator


def log_of(report: Report) -> dict[str, Any]:
    text = sarif.render(report)
    text.encode("utf-8")  # no lone surrogates survive
    data: dict[str, Any] = json.loads(text)
    return data


def walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def test_valid_against_the_official_schema(report: Report, validator: jsonschema.protocols.Validator) -> None:
    log = log_of(report)
    check_sarif(log)
    assert not list(validator.iter_errors(log))
    assert log["version"] == "2.1.0"
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"


def test_no_empty_strings_anywhere(report: Report) -> None:
    # GitHub: "The empty string is not supported" for required properties.
    assert all(v != "" for v in walk(log_of(report)) if isinstance(v, str))


def test_driver(report: Report) -> None:
    driver = log_of(report)["runs"][0]["tool"]["driver"]
    assert driver["name"] == "selectcheck"
    assert driver["version"] == driver["semanticVersion"] == "0.1.0"
    assert driver["informationUri"] == sarif.INFORMATION_URI == "https://github.com/selectcheck/selectcheck"


def test_information_uri_is_the_projects_url() -> None:
    urls = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    assert urls["Homepage"] == urls["Source"] == sarif.INFORMATION_URI
    assert urls["Documentation"].startswith(sarif.INFORMATION_URI)


def test_every_known_rule_links_its_docs_page(report: Report) -> None:
    rules = log_of(report)["runs"][0]["tool"]["driver"]["rules"]
    prefix = sarif.INFORMATION_URI + "/blob/main/"
    for rule in rules:
        if rule["id"] not in report.rules:
            assert "helpUri" not in rule, rule  # SC999: no page to point at
            continue
        assert rule["helpUri"] == f"{prefix}docs/rules/{rule['id']}.md"
        assert (REPO / rule["helpUri"].removeprefix(prefix)).is_file(), rule["helpUri"]
    assert [r["id"] for r in rules if "helpUri" not in r] == ["SC999"]


def test_rule_descriptors(report: Report) -> None:
    run = log_of(report)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    # Every rule the report knows, sorted (SC106 did not fire: "checked, clean"); SC999 fired
    # without a description and gets a minimal descriptor.
    assert ids == ["SC001", "SC002", "SC101", "SC102", "SC106", "SC206", "SC207", "SC303", "SC999"]
    by_id = {r["id"]: r for r in rules}
    sc206 = by_id["SC206"]
    assert sc206["name"] == "below-noise-floor"
    assert sc206["shortDescription"]["text"].startswith("A reason rests on a gap")
    assert sc206["fullDescription"]["text"]
    assert sc206["help"]["text"] and "```yaml" in sc206["help"]["markdown"]
    assert sc206["defaultConfiguration"]["level"] == "error"
    assert by_id["SC303"]["defaultConfiguration"]["level"] == "note"
    assert by_id["SC207"]["defaultConfiguration"]["level"] == "warning"
    assert "evidence" in sc206["properties"]["tags"]
    assert "license" in by_id["SC303"]["properties"]["tags"]
    for rule in rules:
        assert len(rule["shortDescription"]["text"]) <= 1024
        assert len(rule["fullDescription"]["text"]) <= 1024
        assert len(rule["name"]) <= 255
        assert len(rule["properties"]["tags"]) <= 20
    # SC101's explanation is longer than GitHub's limit: cut, but kept whole in help.
    assert by_id["SC101"]["fullDescription"]["text"].endswith("…")
    assert len(by_id["SC101"]["help"]["text"]) > 1024


def test_results_point_at_their_rules(report: Report) -> None:
    run = log_of(report)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len(run["results"]) == len(report.diagnostics)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"}
        assert result["message"]["text"]
        assert len(result["locations"]) == 1


def test_result_fields(plain_report: Report) -> None:
    results = log_of(plain_report)["runs"][0]["results"]
    sc206 = next(r for r in results if r["ruleId"] == "SC206")
    assert sc206["level"] == "error"
    assert sc206["message"]["text"].startswith("The ifeval gap of 0.4 points is below")
    assert "Help: Cite a benchmark" in sc206["message"]["text"]
    assert sc206["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "records/0007-review.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 42, "startColumn": 9, "endLine": 42, "endColumn": 28},
    }
    assert sc206["properties"] == {"pointer": "/decision/reasons/0"}
    assert "suppressions" not in sc206
    info = next(r for r in results if r["ruleId"] == "SC303")
    assert info["level"] == "note"


def test_waived_results_are_suppressed_with_justification(plain_report: Report) -> None:
    results = log_of(plain_report)["runs"][0]["results"]
    waived = [r for r in results if "suppressions" in r]
    assert [r["ruleId"] for r in waived] == ["SC207"]
    assert waived[0]["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "The 3B model lacks the tool-call format our agents need.",
        }
    ]


def test_level_follows_the_effective_severity(plain_report: Report) -> None:
    # A policy turned SC206 into a warning: the result says warning, the rule default error.
    for f in plain_report.files:
        for d in f.diagnostics:
            if d.code == "SC206":
                d.severity = Severity.WARNING
    run = log_of(plain_report)["runs"][0]
    result = next(r for r in run["results"] if r["ruleId"] == "SC206")
    assert result["level"] == "warning"
    rule = run["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert rule["defaultConfiguration"]["level"] == "error"


@pytest.mark.parametrize(
    ("path", "uri", "relative"),
    [
        ("records/0007-review.yaml", "records/0007-review.yaml", True),
        ("./records/a b.yaml", "records/a%20b.yaml", True),
        ("records/ü#?%.yaml", "records/%C3%BC%23%3F%25.yaml", True),
        ("c:evil.yaml", "c%3Aevil.yaml", True),
        ("/abs/path/r.yaml", "file:///abs/path/r.yaml", False),
    ],
)
def test_artifact_uris(path: str, uri: str, relative: bool) -> None:
    assert sarif.artifact_uri(path) == (uri, relative)
    parts = urlsplit(uri)
    assert parts.scheme == ("" if relative else "file")
    assert " " not in uri and "\\" not in uri


def test_hostile_uris_are_relative_references(report: Report, hostile_path: str) -> None:
    results = log_of(report)["runs"][0]["results"]
    for result in results:
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        uri = location["uri"]
        assert location["uriBaseId"] == "%SRCROOT%"
        assert urlsplit(uri).scheme == "" and urlsplit(uri).netloc == ""
        assert all(0x21 <= ord(c) < 0x7F for c in uri), uri
    hostile = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert unquote(sarif.artifact_uri(hostile_path)[0]) == hostile_path
    assert sarif.artifact_uri(hostile_path)[0] in hostile


def test_regions_are_well_formed(report: Report) -> None:
    for result in log_of(report)["runs"][0]["results"]:
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert region["endLine"] >= region["startLine"]
        if region["endLine"] == region["startLine"]:
            assert region["endColumn"] >= region["startColumn"]


def test_fingerprints_are_stable_and_ignore_lines_and_messages(plain_report: Report) -> None:
    def fingerprints(report: Report) -> dict[str, dict[str, str]]:
        results = log_of(report)["runs"][0]["results"]
        return {r["properties"]["pointer"]: r["partialFingerprints"] for r in results
                if "properties" in r}  # fmt: skip

    before = fingerprints(plain_report)
    assert fingerprints(plain_report) == before
    for f in plain_report.files:
        f.diagnostics = [
            dataclasses.replace(
                d,
                span=Span(d.span.line + 10, d.span.column, d.span.end_line + 10, d.span.end_column),
                message=d.message.replace("0.4", "0.6"),
            )
            for d in f.diagnostics
        ]
    assert fingerprints(plain_report) == before
    # Only selectcheck's own key: upload-sarif computes primaryLocationLineHash from the
    # file's lines and warns about every result that brings its own.
    assert all(list(fp) == [sarif.FINGERPRINT_KEY] == ["selectcheck/v1"] for fp in before.values())
    values = [fp["selectcheck/v1"] for fp in before.values()]
    assert len(set(values)) == len(values)
    assert all(re.fullmatch(r"[0-9a-f]{64}:1", v) for v in values)


def test_duplicate_findings_get_distinct_fingerprints() -> None:
    d = Diagnostic("SC002", Severity.ERROR, "r.yaml", Span(3, 1, 3, 4), "/a", "one")
    e = dataclasses.replace(d, message="two")
    report = Report(files=[FileResult("r.yaml", [d, e])], rules={}, version="0")
    results = log_of(report)["runs"][0]["results"]
    hashes = [r["partialFingerprints"]["selectcheck/v1"] for r in results]
    assert hashes[0].split(":")[0] == hashes[1].split(":")[0]
    assert [h.split(":")[1] for h in hashes] == ["1", "2"]


def test_result_cap_keeps_the_most_severe(
    huge_report: Callable[[int], Report], validator: jsonschema.protocols.Validator
) -> None:
    report = huge_report(300)
    log = sarif.build(report, max_results=100)
    run = log["runs"][0]
    assert len(run["results"]) == 100
    errors = [d for d in report.diagnostics if d.severity is Severity.ERROR and not d.waived]
    assert 0 < len(errors) < 100
    levels = [r["level"] for r in run["results"]]
    assert levels.count("error") == len(errors)
    assert set(levels) == {"error", "warning"}  # then warnings; no notes, no waived ones
    assert not any("suppressions" in r for r in run["results"])
    assert run["properties"] == {"truncated": True, "omittedResults": 200, "maxResults": 100}
    assert not list(validator.iter_errors(log))
    assert sarif.MAX_RESULTS == 25_000


def test_internal_errors_mark_the_run_unsuccessful(
    plain_report: Report, validator: jsonschema.protocols.Validator
) -> None:
    assert log_of(plain_report)["runs"][0]["invocations"] == [{"executionSuccessful": True}]
    plain_report.internal_errors.append("r.yaml: internal error in SC206: ZeroDivisionError")
    log = log_of(plain_report)
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["level"] == "error"
    assert not list(validator.iter_errors(log))


def test_deterministic_and_independent_of_input_order(report: Report) -> None:
    first = sarif.render(report)
    assert sarif.render(report) == first
    shuffled = Report(
        files=[dataclasses.replace(f, diagnostics=list(f.diagnostics)) for f in report.files],
        rules=dict(reversed(list(report.rules.items()))),
        version=report.version,
    )
    rng = random.Random(3)
    rng.shuffle(shuffled.files)
    for f in shuffled.files:
        rng.shuffle(f.diagnostics)
    assert sarif.render(shuffled) == first


def test_clean_report(clean_report: Report, validator: jsonschema.protocols.Validator) -> None:
    log = log_of(clean_report)
    assert log["runs"][0]["results"] == []
    assert not list(validator.iter_errors(log))


def test_bidi_controls_are_neutralised() -> None:
    text = "claims \u202eevil\u202c and \u2066isolated\u2069 \u202a\u202b\u202d\u2067\u2068 text"
    d = Diagnostic("SC206", Severity.ERROR, "r\u202e.yaml", Span(1, 1, 1, 2), "/a", text, text,
                   waived=True, waiver_reason=text)  # fmt: skip
    log = log_of(Report([FileResult("r\u202e.yaml", [d])], {}, "0"))
    check_sarif(log)
    strings = [v for v in walk(log) if isinstance(v, str)]
    assert not [v for v in strings if re.search("[\u202a-\u202e\u2066-\u2069]", v)]
    (result,) = log["runs"][0]["results"]
    assert result["message"]["text"].startswith("claims \ufffdevil\ufffd and \ufffdisolated\ufffd")
    assert result["suppressions"][0]["justification"].startswith("claims \ufffdevil")
