"""The located YAML loader: values as YAML 1.2 users expect, and spans of exact nodes."""

from __future__ import annotations

from selectcheck.diagnostics import Span
from selectcheck.loader import load_bytes
from selectcheck.loader.summary import scan_summary


def test_bare_and_quoted_dates_are_the_same_string() -> None:
    doc = load_bytes(b"a: 2026-11-20\nb: '2026-11-20'\nc: \"2026-11-20\"\n", "f.yaml")
    assert doc.data == {"a": "2026-11-20", "b": "2026-11-20", "c": "2026-11-20"}


def test_yaml_12_exponent_floats_are_numbers_but_quoted_ones_stay_strings() -> None:
    doc = load_bytes(b"p: 8.03e9\nq: 1e3\nr: '8e9'\ns: 7_615_616_512\n", "f.yaml")
    assert doc.data == {"p": 8.03e9, "q": 1000.0, "r": "8e9", "s": 7_615_616_512}


def test_merge_keys_and_aliases_are_expanded() -> None:
    doc = load_bytes(b"base: &b {gpu: L4, count: 1}\nhw:\n  <<: *b\n  count: 2\n", "f.yaml")
    assert doc.data["hw"] == {"gpu": "L4", "count": 2}


def test_locate_points_at_values_keys_and_missing_keys() -> None:
    text = b"task:\n  category: code\n  description: Review code.\nlist:\n  - a\n  - bb\n"
    doc = load_bytes(text, "f.yaml")
    assert doc.locate("/task/category") == Span(2, 13, 2, 17)
    assert doc.locate("/task/category", key=True) == Span(2, 3, 2, 11)
    assert doc.locate("/list/1") == Span(6, 5, 6, 7)
    # A missing key lands on the key of the deepest node that exists.
    assert doc.locate("/task/intended_use") == Span(1, 1, 1, 5)


def test_duplicate_key_is_reported_at_the_second_occurrence_and_keeps_the_last_value() -> None:
    doc = load_bytes(b"a: 1\nb:\n  c: 1\n  c: 2\n", "f.yaml")
    assert doc.data == {"a": 1, "b": {"c": 2}}
    [failure] = doc.failures
    assert (failure.code, failure.span.line, failure.span.column, failure.pointer) == ("SC004", 4, 3, "/b/c")
    assert "first at line 3" in failure.message


def test_utf8_bom_and_crlf_are_accepted() -> None:
    doc = load_bytes(b"\xef\xbb\xbfa: 1\r\nb: x\r\n", "f.yaml")
    assert doc.data == {"a": 1, "b": "x"}
    assert doc.failures == []


def test_summary_scan_agrees_with_yaml_and_falls_back_when_unsure() -> None:
    plain = (
        "schema_version: 1\nid: MSR-0007  # x\nstatus: 'superseded'\n"
        "supersedes:\n  - MSR-0001\n  - MSR-0002\nsuperseded_by: MSR-0009\n"
    )
    assert scan_summary(plain) == {
        "id": "MSR-0007",
        "status": "superseded",
        "supersedes": ["MSR-0001", "MSR-0002"],
        "superseded_by": "MSR-0009",
    }
    anchored = "ids: &i MSR-0003\nid: *i\nsupersedes: [MSR-0001]\n"
    assert scan_summary(anchored) == {"id": "MSR-0003", "supersedes": ["MSR-0001"]}
    assert scan_summary("- not a mapping\n") == {}
