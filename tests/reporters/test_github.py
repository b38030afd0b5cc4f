"""GitHub annotations: format, order, spans, and that record text can never inject a command."""

from __future__ import annotations

import dataclasses
import random
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from selectcheck.diagnostics import Diagnostic, FileResult, Report, RuleInfo, Severity, Span
from selectcheck.reporters import github

# --- a port of the runner's parsers (actions/runner src/Runner.Common/ActionCommand.cs) -------

# Every command the runner registers (ActionCommandManager + its extensions), lower case.
REGISTERED = {
    "set-env", "set-output", "save-state", "add-mask", "add-path", "add-matcher",
    "remove-matcher", "debug", "warning", "error", "notice", "group", "endgroup", "echo",
    "stop-commands",
}  # fmt: skip
ANNOTATIONS = {"error", "warning", "notice"}


def runner_lines(output: str) -> list[str]:
    """Lines as .NET TextReader.ReadLine sees them: CR, LF and CRLF each end a line."""
    lines = re.split(r"\r\n|\r|\n", output)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _unescape(text: str, mapping: list[tuple[str, str]]) -> str:
    for escaped, token in mapping:
        text = text.replace(escaped, token)
    return text


DATA = [("%0D", "\r"), ("%0A", "\n"), ("%25", "%")]
PROPERTY = [("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")]
LEGACY = [("%3B", ";"), ("%0D", "\r"), ("%0A", "\n"), ("%5D", "]"), ("%25", "%")]


def parse_v2(message: str) -> tuple[str, dict[str, str], str] | None:
    message = message.lstrip()
    if not message.startswith("::"):
        return None
    end = message.find("::", 2)
    if end < 0:
        return None
    info = message[2:end]
    space = info.find(" ")
    name = info if space < 0 else info[:space]
    if name.lower() not in REGISTERED:
        return None
    props: dict[str, str] = {}
    if space > 0:
        for prop in (p for p in info[space + 1 :].strip().split(",") if p):
            pair = [x for x in prop.split("=", 1) if x]
            if len(pair) == 2:
                props[pair[0]] = _unescape(pair[1], PROPERTY)
    return name.lower(), props, _unescape(message[end + 2 :], DATA)


def parse_v1(message: str) -> tuple[str, str] | None:
    """The legacy ``##[command]data`` form, matched anywhere in a line."""
    start = message.find("##[")
    if start < 0:
        return None
    close = message.find("]", start)
    if close < 0:
        return None
    info = message[start + 3 : close]
    name = info.split(" ", 1)[0]
    if name.lower() not in REGISTERED:
        return None
    return name.lower(), _unescape(message[close + 1 :], LEGACY)


def runner_command(line: str) -> tuple[str, dict[str, str], str] | None:
    """What ActionCommandManager.TryProcessCommand would run for this line, if anything."""
    v2 = parse_v2(line)
    if v2 is not None:
        return v2
    v1 = parse_v1(line)
    return None if v1 is None else (v1[0], {}, v1[1])


# --- tests --------------------------------------------------------------------------------------


def annotations(output: str) -> list[tuple[str, dict[str, str], str]]:
    lines = runner_lines(output)
    parsed = [runner_command(line) for line in lines[:-1]]
    assert all(p is not None for p in parsed)
    return [p for p in parsed if p is not None]


def test_every_line_is_our_annotation_or_plain_text(report: Report) -> None:
    output = github.render(report)
    lines = runner_lines(output)
    # Every line splits the same way for every reader (no NEL, LS, PS, VT, FF left over).
    assert lines == output.splitlines()
    *commands, last = lines
    for line in commands:
        parsed = runner_command(line)
        assert parsed is not None, line
        assert parsed[0] in ANNOTATIONS, line
        assert line.startswith(f"::{parsed[0]} file="), line
        # The legacy parser, which matches anywhere, finds nothing either.
        assert parse_v1(line) is None, line
    assert runner_command(last) is None
    assert not last.lstrip().startswith("::")
    assert last.startswith("selectcheck: ")


def test_one_annotation_per_unwaived_finding(report: Report) -> None:
    parsed = annotations(github.render(report))
    expected = [d for d in report.diagnostics if not d.waived]
    assert len(parsed) == len(expected)
    titles = [props["title"] for _, props, _ in parsed]
    assert not any(t.startswith("SC207") for t in titles), "waived findings are not annotated"


def test_most_severe_first_and_info_is_notice(report: Report) -> None:
    kinds = [kind for kind, _, _ in annotations(github.render(report))]
    rank = {"error": 0, "warning": 1, "notice": 2}
    assert kinds == sorted(kinds, key=rank.__getitem__)
    assert kinds[0] == "error" and "warning" in kinds and kinds[-1] == "notice"


def test_properties_and_message(plain_report: Report) -> None:
    output = github.render(plain_report)
    line = next(x for x in output.splitlines() if "SC206" in x)
    assert line == (
        "::error file=records/0007-review.yaml,line=42,col=9,endLine=42,endColumn=28,"
        "title=SC206 below-noise-floor::The ifeval gap of 0.4 points is below the "
        "4.9-point noise floor (n=541).%0Ahelp: Cite a benchmark with a larger gap or an own "
        "evaluation."
    )
    _, props, data = runner_command(line) or ("", {}, "")
    assert props == {
        "file": "records/0007-review.yaml", "line": "42", "col": "9", "endLine": "42",
        "endColumn": "28", "title": "SC206 below-noise-floor",
    }  # fmt: skip
    assert data.splitlines()[1] == "help: Cite a benchmark with a larger gap or an own evaluation."


def test_multi_line_span_has_no_columns(plain_report: Report) -> None:
    parsed = annotations(github.render(plain_report))
    props = next(p for _, p, _ in parsed if p["title"].startswith("SC101"))
    assert props["line"] == "20" and props["endLine"] == "28"
    assert "col" not in props and "endColumn" not in props


def test_columns_always_valid_for_the_runner(report: Report) -> None:
    for _, props, _ in annotations(github.render(report)):
        assert int(props["line"]) >= 1
        assert int(props["endLine"]) >= int(props["line"])
        if "col" in props or "endColumn" in props:
            assert props["line"] == props["endLine"]
        if "endColumn" in props:
            assert int(props["endColumn"]) >= int(props["col"]) >= 1


def test_hostile_text_stays_inside_one_annotation(report: Report, hostile_text: str, hostile_path: str) -> None:
    parsed = annotations(github.render(report))
    hostile = [p for p in parsed if p[1]["file"] == hostile_path]
    # Errors by line (SC999 sits at line 0 -> 1), then warnings, then notices; the waived
    # SC207 is left out.
    assert [(k, p["title"].split()[0]) for k, p, _ in hostile] == [
        ("error", "SC999"), ("error", "SC206"), ("warning", "SC002"), ("notice", "SC303"),
    ]  # fmt: skip
    data = hostile[1][2]
    # CR/LF came back as real line breaks inside the message, i.e. as text, not commands.
    assert "\n::add-mask::secret" in data
    assert "\r::warning file=x::fake" in data
    assert "%0A::set-output" in data  # a literal "%0A" in the record stays literal
    assert "##[set-output" not in data and "##\u200b[set-output" in data
    for bad in "\u2028\u2029\x85\x0b\x0c\x1b\x00\x7f\ud800":
        assert bad not in data
    # The empty message of SC999 falls back to its code.
    assert hostile[0][2] == "SC999"
    assert hostile[0][1]["line"] == "1"


def test_property_escaping() -> None:
    assert github.escape_property("a:b,c%d\ne\rf") == "a%3Ab%2Cc%25d%0Ae%0Df"
    assert github.escape_data("a:b,c%d\ne\rf") == "a:b,c%25d%0Ae%0Df"
    assert github.escape_data("%0A") == "%250A"


@settings(max_examples=300, deadline=None)
@given(message=st.text(), help_text=st.text(), path=st.text(min_size=1), title=st.text())
def test_no_injection_for_any_text(message: str, help_text: str, path: str, title: str) -> None:
    rules = {"SC206": RuleInfo("SC206", title, Severity.ERROR, "summary", "explanation")}
    diag = Diagnostic("SC206", Severity.ERROR, path, Span(1, 1, 1, 2), "", message, help_text)
    report = Report(files=[FileResult(path=path, diagnostics=[diag])], rules=rules, version="0")
    output = github.render(report)
    lines = runner_lines(output)
    assert lines == output.splitlines()
    assert len(lines) == 2
    parsed = runner_command(lines[0])
    assert parsed is not None and parsed[0] == "error"
    assert set(parsed[1]) == {"file", "line", "col", "endLine", "endColumn", "title"}
    assert runner_command(lines[1]) is None
    assert parse_v1(lines[0]) is None


# Ordinary text: no control, surrogate or line/paragraph separator, and no bidi control
# (U+202A–U+202E, U+2066–U+2069), which the reporters replace on purpose.
ORDINARY = st.characters(
    blacklist_categories=("Cc", "Cs", "Zl", "Zp"),
    blacklist_characters="".join(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])),
)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=ORDINARY))
def test_round_trip_of_ordinary_text(text: str) -> None:
    if "##[" in text:
        return
    assert _unescape(github.escape_data(text), DATA) == text
    assert _unescape(github.escape_property(text), PROPERTY) == text


def test_duplicates_are_emitted_once() -> None:
    d = Diagnostic("SC206", Severity.ERROR, "r.yaml", Span(1, 1, 1, 2), "/a", "same")
    report = Report(files=[FileResult("r.yaml", [d, dataclasses.replace(d)])], rules={},
                    version="0")  # fmt: skip
    assert len(runner_lines(github.render(report))) == 2


def test_deterministic_and_independent_of_input_order(report: Report) -> None:
    first = github.render(report)
    assert github.render(report) == first
    shuffled = Report(
        files=[dataclasses.replace(f, diagnostics=list(f.diagnostics)) for f in report.files],
        rules=report.rules,
        version=report.version,
    )
    rng = random.Random(7)
    rng.shuffle(shuffled.files)
    for f in shuffled.files:
        rng.shuffle(f.diagnostics)
    assert github.render(shuffled) == first


def test_clean_report_prints_only_the_count(clean_report: Report) -> None:
    assert github.render(clean_report) == (
        "selectcheck: 0 errors, 0 warnings, 0 info, 0 waived (not annotated) in 1 file\n"
    )


def test_internal_errors_are_file_less_error_annotations(plain_report: Report) -> None:
    plain_report.internal_errors.append("r.yaml: internal error in SC206: boom\n::add-mask::x")
    parsed = annotations(github.render(plain_report))
    kind, props, data = parsed[0]
    assert kind == "error" and props == {"title": "selectcheck internal error"}
    assert data.startswith("r.yaml: internal error in SC206: boom\n::add-mask::x")
    assert len(parsed) == 1 + sum(not d.waived for d in plain_report.diagnostics)


def test_bidi_controls_are_neutralised() -> None:
    """U+202A–202E and U+2066–2069 reorder what a reviewer reads: never in an annotation."""
    text = "gap \u202eevil\u202c \u2066iso\u2069 \u202a\u202b\u202d\u2067\u2068 \u200f mark"
    diag = Diagnostic("SC206", Severity.ERROR, "r\u202e.yaml", Span(1, 1, 1, 2), "/a", text, text)
    rules = {"SC206": RuleInfo("SC206", "below\u2066-noise", Severity.ERROR, "s", "e")}
    output = github.render(Report([FileResult("r\u202e.yaml", [diag])], rules, "0"))
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", output)
    assert "gap \ufffdevil\ufffd \ufffdiso\ufffd" in output
    assert "\u200f mark" in output  # an implicit mark cannot reorder text: kept
