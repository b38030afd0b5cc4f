"""JUnit XML: one testcase per record, a failure per unwaived error, always valid against
Jenkins' junit-10.xsd with counts that junitparser recounts the same."""

from __future__ import annotations

import dataclasses
import random
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from selectcheck.diagnostics import Diagnostic, FileResult, Report, Severity, Span
from selectcheck.reporters import junit
from tests.integrations.consumers import check_junit


def parse(report: Report) -> ET.Element:
    text = junit.render(report)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    check_junit(text)
    # Parse the bytes, as a CI system reading the file would (expat rejects illegal chars).
    return ET.fromstring(text.encode("utf-8"))


def case(root: ET.Element, classname: str) -> ET.Element:
    found = [c for c in root.iter("testcase") if c.get("classname") == classname]
    assert len(found) == 1
    return found[0]


def test_structure_and_counts(plain_report: Report) -> None:
    root = parse(plain_report)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    suite = suites[0]
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("records/0007-review.yaml", "MSR-0007"),
        ("records/0009-broken.yaml", "records/0009-broken.yaml"),  # no id: the path
        ("records/0010-clean.yaml", "MSR-0010"),
    ]
    for element in (root, suite):
        assert element.get("name") == "selectcheck"
        assert element.get("tests") == "3"
        # One failure per unwaived error: two in the review record, one in the broken file.
        assert element.get("failures") == "3"
        assert element.get("errors") == "0"
    # junit-10.xsd has `skipped` on a testsuite only, and no `file` on a testcase.
    assert suite.get("skipped") == "0" and root.get("skipped") is None
    assert all(c.get("file") is None for c in cases)
    version = suite.find("properties/property[@name='selectcheck.version']")
    assert version is not None and version.get("value") == "0.1.0"


def test_failures_are_the_unwaived_errors(plain_report: Report) -> None:
    review = case(parse(plain_report), "records/0007-review.yaml")
    failures = review.findall("failure")
    assert [f.get("type") for f in failures] == ["SC101", "SC206"]
    assert failures[1].get("message") == (
        "[2/2] line 42: SC206 below-noise-floor: The ifeval gap of 0.4 points is below the "
        "4.9-point noise floor (n=541)."
    )
    body = failures[1].text or ""
    assert body.splitlines() == [
        "records/0007-review.yaml:42:9: SC206 below-noise-floor [error]",
        "The ifeval gap of 0.4 points is below the 4.9-point noise floor (n=541).",
        "help: Cite a benchmark with a larger gap or an own evaluation.",
        "pointer: /decision/reasons/0",
    ]


def test_warnings_info_and_waived_go_to_system_out(plain_report: Report) -> None:
    review = case(parse(plain_report), "records/0007-review.yaml")
    out = review.find("system-out")
    assert out is not None and out.text is not None
    assert "SC102 vram-tight [warning]" in out.text
    assert "SC303 license-obligations [info]" in out.text
    assert "SC207 smaller-equivalent [warning, waived]" in out.text
    assert "waived: The 3B model lacks the tool-call format our agents need." in out.text
    assert review.find("skipped") is None
    clean = case(parse(plain_report), "records/0010-clean.yaml")
    assert list(clean) == []


def test_waived_error_is_not_a_failure() -> None:
    d = Diagnostic("SC206", Severity.ERROR, "r.yaml", Span(1, 1, 1, 2), "/a", "gap", waived=True,
                   waiver_reason="accepted by the board")  # fmt: skip
    root = parse(Report([FileResult("r.yaml", [d], record_id="MSR-1")], {}, "0"))
    assert root.get("failures") == "0" and root.get("tests") == "1"
    testcase = case(root, "r.yaml")
    assert testcase.find("failure") is None
    out = testcase.find("system-out")
    assert out is not None and "accepted by the board" in (out.text or "")


def test_hostile_text_stays_well_formed(report: Report, hostile_path: str) -> None:
    root = parse(report)
    testcase = case(root, hostile_path)
    failures = testcase.findall("failure")
    assert [f.get("type") for f in failures] == ["SC999", "SC206"]
    body = failures[1].text or ""
    assert "<script>alert(1)</script>" in body  # escaped by the serializer, parsed back as text
    for bad in "\x00\x1b\x7f\x85\ud800\ufffe":
        assert bad not in body
    assert "\ufffd" in body
    message = failures[1].get("message") or ""
    assert "\n" not in message


@settings(max_examples=200, deadline=None)
@given(text=st.text(), path=st.text(min_size=1))
def test_any_text_gives_valid_junit(text: str, path: str) -> None:
    d = Diagnostic("SC206", Severity.ERROR, path, Span(1, 1, 1, 2), text, text, text)
    w = dataclasses.replace(d, severity=Severity.WARNING)
    report = Report([FileResult(path, [d, w], record_id=text or None)], {}, text or "0")
    root = parse(report)
    assert len(root.findall(".//testcase")) == 1
    assert len(root.findall(".//failure")) == 1


def test_internal_errors_are_junit_errors(plain_report: Report) -> None:
    plain_report.internal_errors.append("r.yaml: internal error in SC206: boom\x00")
    plain_report.internal_errors.append("r.yaml: internal error in SC207: bang")
    root = parse(plain_report)
    assert root.get("errors") == "2"  # one <error> per crash, as junitparser counts them
    assert root.get("tests") == "4"
    assert root.get("failures") == "3"
    crashed = root.find(".//testcase[@name='internal errors']")
    assert crashed is not None
    errors = crashed.findall("error")
    assert len(errors) == 2 and "boom\ufffd" in (errors[0].get("message") or "")


def test_deterministic_and_independent_of_input_order(report: Report) -> None:
    first = junit.render(report)
    assert junit.render(report) == first
    shuffled = Report(
        files=[dataclasses.replace(f, diagnostics=list(f.diagnostics)) for f in report.files],
        rules=report.rules,
        version=report.version,
    )
    rng = random.Random(11)
    rng.shuffle(shuffled.files)
    for f in shuffled.files:
        rng.shuffle(f.diagnostics)
    assert junit.render(shuffled) == first


def test_several_failures_per_record_are_counted_by_junitparser(report: Report) -> None:
    """The count a reader recounts from the elements (junitparser sums <failure> elements)."""
    xml = check_junit(junit.render(report))
    unwaived_errors = sum(1 for d in report.diagnostics if d.severity is Severity.ERROR and not d.waived)
    assert unwaived_errors == 5
    assert (xml.tests, xml.failures, xml.errors) == (4, unwaived_errors, 0)


def test_bidi_controls_are_neutralised() -> None:
    text = "gap \u202eevil\u202c \u2066iso\u2069 \u202a\u202b\u202d\u2067\u2068 \u200f rtl mark"
    d = Diagnostic("SC206", Severity.ERROR, "r.yaml", Span(1, 1, 1, 2), "/a", text, text)
    body = junit.render(Report([FileResult("r.yaml", [d], record_id=text)], {}, "0"))
    check_junit(body)
    for control in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069":
        assert control not in body
    assert "gap \ufffdevil\ufffd" in body
    assert "\u200f rtl mark" in body  # an implicit mark cannot reorder text: kept
