"""The located YAML loader: values as YAML 1.2 users expect, and spans of exact nodes."""

from __future__ import annotations

import random
import warnings
from typing import Any

import pytest

from selectcheck.diagnostics import Span
from selectcheck.loader import LoadedDocument, load_bytes
from selectcheck.loader.summary import _WANTED, _scan, _Unsure, scan_summary
from selectcheck.loader.yaml_loader import load_text
from tests.conftest import FIXTURES, REPO


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


# What a pull request could type into a record to make the fast scan read another id, status or
# supersede link than YAML does: quotes, brackets, escapes, comments, line breaks, indentation.
_EDITS = ['"', "'", "[", "{", "]", "}", "#", " ", "\t", "- ", ": ", "\\", "''", ': "', ": '", ', "', "# '"]
_EDITS += ["\n", "\n  ", "\n#", "\nid: FORGED", "\n  id: FORGED", "\nstatus: accepted", '"\nid: FORGED\n"']


def test_summary_scan_never_reads_a_valid_record_otherwise_than_yaml() -> None:
    """Seeded edits of every example and fixture record: wherever the scan answers instead of
    handing the text to the parser, it answers what YAML reads."""
    assert scan_summary("id: MS\n  R-0001\nstatus: proposed\n") == {"id": "MS R-0001", "status": "proposed"}
    rng = random.Random(18)
    texts = [p.read_text(encoding="utf-8") for p in sorted([*REPO.glob("records/*.yaml"), *FIXTURES.rglob("*.yaml")])]
    valid = scanned = 0
    for text in texts:
        for _ in range(8):
            lines = text.split("\n")
            for _ in range(rng.randint(1, 3)):
                row = rng.randrange(len(lines))
                at = rng.randrange(len(lines[row]) + 1)
                lines[row] = lines[row][:at] + rng.choice(_EDITS) + lines[row][at:]
            edited = "\n".join(lines)
            doc = load_text(edited, "")
            if doc.failures or not isinstance(doc.data, dict):
                continue  # the file's own check reports it
            valid += 1
            try:
                found = _scan(edited)
            except _Unsure:
                continue
            scanned += 1
            assert found == {k: doc.data[k] for k in _WANTED if k in doc.data}, edited
    assert valid > 300 and scanned > 200  # both paths are exercised


# ---- YAML 1.2, as check-jsonschema (ruamel.yaml) reads it ----------------------------------

# Plain scalars where YAML 1.1 (PyYAML's resolver), YAML 1.2 and the corner cases of both differ.
PLAIN_SCALARS = [
    *[
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "Y",
        "N",
        "Yes",
        "NO",
        "On",
        "OFF",
        "true",
        "True",
        "TRUE",
        "false",
        "False",
        "FALSE",
    ],
    *["8:00", "1:00:00", "190:20:30.15", "-1:30", "1:11.2"],
    *[
        "0150",
        "012",
        "09",
        "00",
        "007",
        "-0150",
        "+0150",
        "0o150",
        "0o17",
        "0x1F",
        "0x_1F",
        "+0x1F",
        "0b101",
        "-0b11",
        "1_000",
        "0_5",
    ],
    *[
        "1e3",
        "1E3",
        "+1e3",
        "-1e3",
        "1.0e+3",
        "8.03e9",
        ".5",
        "5.",
        "-.5",
        "1e400",
        "-1e400",
        ".inf",
        "-.Inf",
        "+.INF",
        "4.9e-324",
    ],
    *[
        "~",
        "null",
        "Null",
        "NULL",
        "=",
        "0b_",
        "-_",
        "0x",
        "1.2.3",
        "1e",
        "2026-11-20",
        "2026-11-20T10:00:00Z",
        "MSR-0007",
    ],
]


def _ruamel_value(text: str, version: str | None = None) -> object:
    from check_jsonschema.parsers.yaml import construct_yaml_implementation

    prefix = f"%YAML {version}\n---\n" if version else ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ruamel.yaml warns about YAML 1.1 floats without a dot
        return construct_yaml_implementation().load(f"{prefix}k: {text}\n")["k"]


def _same(ours: object, theirs: object) -> bool:
    if isinstance(ours, float) and isinstance(theirs, float) and ours != ours:
        return theirs != theirs  # NaN
    return type(ours) is type(theirs) and ours == theirs


@pytest.mark.parametrize("version", [None, "1.1"])
@pytest.mark.parametrize("text", PLAIN_SCALARS)
def test_plain_scalars_read_as_check_jsonschema_reads_them(text: str, version: str | None) -> None:
    try:
        expected = _ruamel_value(text, version)
    except Exception:  # ruamel.yaml itself fails (`0b_`, `=`); YAML 1.2 says text
        expected = text
    prefix = f"%YAML {version}\n---\n" if version else ""
    doc = load_bytes(f"{prefix}k: {text}\n".encode(), "f.yaml")
    assert doc.failures == []
    assert _same(doc.data["k"], expected), (text, doc.data["k"], expected)


def test_yaml_11_readings_are_recorded_where_they_differ() -> None:
    doc = load_bytes(b"a: no\nb: 0150\nc: 8:00\nd: 1:00:00\ne: 1e3\nf: 007\ng: 'no'\nh: [On]\n", "f.yaml")
    assert doc.data == {"a": "no", "b": 150, "c": "8:00", "d": "1:00:00", "e": 1000.0, "f": 7, "g": "no", "h": ["On"]}
    readings = {pointer: (r.text, r.value) for pointer, r in doc.yaml11.items()}
    # `1e3` (text to YAML 1.1), `007` (7 either way) and the quoted 'no' are not traps.
    assert readings == {
        "/a": ("no", False),
        "/b": ("0150", 104),
        "/c": ("8:00", 480),
        "/d": ("1:00:00", 3600),
        "/h/0": ("On", True),
    }


def test_a_yaml_11_directive_is_honoured_and_records_no_traps() -> None:
    doc = load_bytes(b"%YAML 1.1\n---\na: no\nb: 0150\nc: 8:00\n", "f.yaml")
    assert doc.data == {"a": False, "b": 104, "c": 480}
    assert doc.yaml11 == {}


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        (b"a: 1\nb: " + b"1" * 4301 + b"\n", 2, 4),
        (b"a:\n  - -" + b"9" * 4400 + b"\n", 2, 5),
        (b"a: 0x" + b"f" * 4000 + b"\n", 1, 4),
        (b"a: 0b" + b"1" * 15000 + b"\n", 1, 4),
        (b"a: 1\n? " + b"1" * 5000 + b"\n: an explicit key\n", 2, 3),
        (b"a: !!int '" + b"7" * 5000 + b"'\n", 1, 4),
    ],
)
def test_integers_too_long_to_convert_are_located_sc005(text: bytes, line: int, column: int) -> None:
    doc = load_bytes(text, "f.yaml")
    [failure] = doc.failures
    assert (failure.code, failure.span.line, failure.span.column) == ("SC005", line, column)
    assert "4,300" in failure.message and failure.help
    assert doc.data is None


def test_the_longest_convertible_integer_still_loads() -> None:
    doc = load_bytes(b"a: " + b"9" * 4300 + b"\n", "f.yaml")
    assert doc.failures == [] and doc.data["a"] == 10**4300 - 1


@pytest.mark.parametrize(
    ("text", "message"),
    [(b"a: !!int abc\n", "'abc' is not a valid !!int value"), (b"a: !!bool maybe\n", "not a valid !!bool")],
)
def test_an_explicit_tag_that_does_not_fit_is_sc001(text: bytes, message: str) -> None:
    [failure] = load_bytes(text, "f.yaml").failures
    assert failure.code == "SC001" and message in failure.message and failure.span.line == 1


def test_repeated_merge_key_is_sc004_at_the_second() -> None:
    doc = load_bytes(b"a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: *a\n  <<: *b\n", "f.yaml")
    [failure] = doc.failures
    assert (failure.code, failure.span.line, failure.span.column, failure.pointer) == ("SC004", 5, 3, "/c/<<")
    assert "first at line 4" in failure.message and "<<: [*a, *b]" in failure.help
    assert doc.data["c"] == {"x": 1, "y": 2}


def test_cr_only_line_breaks_are_line_breaks() -> None:
    text = b"# a comment first\rschema_version: 1\rtitle: x\r  bad: [\r"
    doc = load_bytes(text, "f.yaml")
    [failure] = doc.failures
    assert failure.code == "SC001"  # a syntax error on its line, not "the file is empty"
    ok = load_bytes(b"# comment\rschema_version: 1\rid: MSR-0001\r", "f.yaml")
    assert ok.failures == [] and ok.data == {"schema_version": 1, "id": "MSR-0001"}
    assert ok.locate("/id") == Span(3, 5, 3, 13)
    assert load_bytes(b"# only\r# comments\r", "f.yaml").failures[0].message == "the file is empty"


def test_decode_errors_count_cr_only_lines() -> None:
    [failure] = load_bytes(b"a: 1\rb: 2\rc: caf\xe9\r", "f.yaml").failures
    assert (failure.code, failure.span.line, failure.span.column) == ("SC005", 3, 7)


def test_locate_finds_keys_through_merges_and_number_keys() -> None:
    doc = load_bytes(b"base: &b\n  gpu: L4\n  count: 1\nhw:\n  <<: *b\n  count: 2\n1e3: x\n", "f.yaml")
    assert doc.data["hw"] == {"gpu": "L4", "count": 2}
    assert doc.locate("/hw/gpu") == Span(2, 8, 2, 10)  # where the merged value is written
    assert doc.locate("/hw/count") == Span(6, 10, 6, 11)  # the mapping's own key wins
    assert doc.locate("/1000.0", key=True) == Span(7, 1, 7, 4)


def test_locating_indexes_each_mapping_once(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = 3000
    text = "a:\n" + "".join(f"  k{i}: {{v: {i}}}\n" for i in range(keys))
    doc = load_bytes(text.encode(), "f.yaml")
    calls = []
    original = LoadedDocument._index_mapping

    def counting(self: LoadedDocument, node: Any, depth: int) -> Any:
        calls.append(id(node))
        return original(self, node, depth)

    monkeypatch.setattr(LoadedDocument, "_index_mapping", counting)
    for i in range(keys):
        assert doc.locate(f"/a/k{i}/v") == Span(i + 2, 10 + len(str(i)), i + 2, 10 + 2 * len(str(i)))
        assert doc.locate(f"/a/k{i}/missing").line == i + 2
    # The root, `a` and each `{v: …}` once: never once per lookup.
    assert len(calls) == len(set(calls)) == keys + 2


@pytest.mark.parametrize(
    "text",
    ["&a x: !!bool maybe\nid: MSR-0001\n", "id: &i MSR-0001\nn: " + "9" * 5000 + "\n", "'id': x\n{[: ]}\n"],
)
def test_summary_fallback_never_raises_on_what_the_check_reports(text: str) -> None:
    assert scan_summary(text) == {}  # the file's own check reports SC001/SC005 with a location
    assert load_bytes(text.encode(), "f.yaml").failures
