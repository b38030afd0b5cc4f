"""Markdown step summary: verdict, tables, Mermaid charts, obligations, escaping, size cap."""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from selectcheck.diagnostics import Diagnostic, FileResult, Report, Severity, Span
from selectcheck.reporters import markdown

MIB = 1024 * 1024


def cells(row: str) -> list[str]:
    """Split a GFM table row on unescaped pipes, as cmark-gfm does (``\\x`` is one unit)."""
    out, current, i = [], "", 0
    while i < len(row):
        ch = row[i]
        if ch == "\\" and i + 1 < len(row):
            current += row[i : i + 2]
            i += 2
            continue
        if ch == "|":
            out.append(current)
            current = ""
        else:
            current += ch
        i += 1
    out.append(current)
    return out


def unescaped(text: str, char: str) -> list[int]:
    """Positions of `char` not preceded by an odd run of backslashes."""
    hits = []
    for match in re.finditer(re.escape(char), text):
        start = match.start()
        run = len(text[:start]) - len(text[:start].rstrip("\\"))
        if run % 2 == 0:
            hits.append(start)
    return hits


def split_fences(text: str) -> tuple[str, list[list[str]]]:
    """(everything outside ``` fences, the lines of each fenced block)."""
    outside, blocks, current = [], [], None
    for line in text.split("\n"):
        if current is None and line.startswith("```"):
            assert line == "```mermaid", line
            current = []
        elif current is not None and line == "```":
            blocks.append(current)
            current = None
        elif current is not None:
            current.append(line)
        else:
            outside.append(line)
    assert current is None, "unclosed fence"
    return "\n".join(outside), blocks


def check_tables(text: str) -> int:
    """Every table row has as many cells as its header; returns the number of body rows."""
    rows = 0
    width: int | None = None
    header = False
    for line in text.split("\n"):
        if not line.startswith("|"):
            width = None
            continue
        assert line.endswith("|"), line
        count = len(cells(line))
        if width is None:
            width, header = count, True
        else:
            assert count == width, line
            if header:
                assert re.fullmatch(r"\|( -+:? \|)+", line), line
                header = False
            else:
                rows += 1
    return rows


def check_inert(text: str) -> None:
    """No HTML but our <br>, no code spans, links, images, entities, math or mentions."""
    outside, blocks = split_fences(text)
    for pos in unescaped(outside, "<"):
        assert outside.startswith("<br>", pos), outside[pos : pos + 40]
    for char in "`[]&$~":
        assert not unescaped(outside, char), (
            char,
            outside[unescaped(outside, char)[0] - 40 :][:80],
        )
    assert not re.search(r"@[A-Za-z0-9]", outside)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]", text)
    for block in blocks:
        assert block[0] == "xychart-beta"
        for line in block[1:]:
            assert re.fullmatch(
                r'    title "[A-Za-z0-9 ._/+:,()-]*"'
                r'|    x-axis \["[A-Za-z0-9 ._/+:,()-]+"(, "[A-Za-z0-9 ._/+:,()-]+")*\]'
                r'|    y-axis "GiB" 0 --> \d+'
                r"|    (bar|line) \[\d+\.\d\d(, \d+\.\d\d)*\]",
                line,
            ), line


def test_verdict_failing(report: Report) -> None:
    first = markdown.render(report).split("\n", 1)[0]
    assert first == "## ❌ selectcheck: 5 errors, 2 warnings, 2 info, 2 waived"


def test_verdict_passing(clean_report: Report) -> None:
    text = markdown.render(clean_report)
    assert text.startswith("## ✅ selectcheck: no errors, 0 warnings, 0 info, 0 waived\n")
    assert "No findings." in text


def test_one_table_per_record_with_every_finding(plain_report: Report) -> None:
    text = markdown.render(plain_report)
    assert check_tables(text) == len(plain_report.diagnostics) + 3  # + 3 memory rows
    review = text[text.index("### ❌ records/0007-review.yaml") :]
    review = review[: review.index("\n### ", 1)]
    rows = [line for line in review.split("\n") if line.startswith("| ")]
    assert rows[0] == "| | Rule | Severity | Line | Message |"
    findings = rows[2:7]
    # Most severe first, waived last.
    assert [cells(r)[2].strip() for r in findings] == [
        "SC101 vram-exceeded", "SC206 below-noise-floor", "SC102 vram-tight",
        "SC303 license-obligations", "SC207 smaller-equivalent",
    ]  # fmt: skip
    assert cells(findings[1])[4].strip() == "42"
    assert "**Help:** Cite a benchmark" in findings[1]
    assert cells(findings[4])[3].strip() == "warning (waived)"
    assert "**Waived:** The 3B model lacks" in findings[4]


def test_records_with_errors_come_first(plain_report: Report) -> None:
    headings = [x for x in markdown.render(plain_report).split("\n") if x.startswith("### ")]
    assert headings == [
        "### License obligations to review",
        "### ❌ records/0007-review.yaml · MSR-0007: Base model for the pull-request review "
        "assistant",
        "### ❌ records/0009-broken.yaml",
        "### ✅ records/0010-clean.yaml · MSR-0010: Clean record",
    ]


def test_memory_chart_against_the_card(plain_report: Report) -> None:
    text = markdown.render(plain_report)
    _, blocks = split_fences(text)
    assert len(blocks) == 2  # the clean record's workload has no parts to draw
    fine_tune = blocks[0]
    assert fine_tune == [
        "xychart-beta",
        '    title "fine-tune: meta-llama/Llama-3.1-8B-Instruct on A100-80GB"',
        '    x-axis ["weights", "kv_cache", "activations", "gradients", "optimizer", "overhead", '
        '"total"]',
        '    y-axis "GiB" 0 --> 101',
        "    bar [16.00, 1.00, 40.00, 2.00, 30.00, 1.20, 91.00]",
        "    line [76.00, 76.00, 76.00, 76.00, 76.00, 76.00, 76.00]",
        "    line [80.00, 80.00, 80.00, 80.00, 80.00, 80.00, 80.00]",
    ]
    assert "| fine-tune | meta-llama/Llama-3.1-8B-Instruct | A100-80GB | 91.00 GiB | 76.00 GiB " \
        "| 80.00 GiB | ❌ exceeds |" in text  # fmt: skip
    assert "usable VRAM after headroom (76.00 GiB) and the card's VRAM (80.00 GiB)" in text


def test_license_obligations_listed_for_reviewers(plain_report: Report) -> None:
    text = markdown.render(plain_report)
    section = text[text.index("### License obligations") : text.index("### ❌")]
    items = [x for x in section.split("\n") if x.startswith("- ")]
    assert items == [
        "- **MSR-0007** (meta-llama/Llama-3.1-8B-Instruct), line 12: llama3.1 permits commercial "
        "use with conditions: 700M MAU cap, 'Built with Llama' attribution, acceptable-use policy "
        "flow-down. — Assign an owner for each obligation."
    ]


def test_hostile_text_is_inert(report: Report) -> None:
    text = markdown.render(report)
    check_inert(text)
    check_tables(text)
    assert "\\<script\\>" in text and "\\`" in text and "\\|" in text
    assert "@\u2060acme/owners" in text
    text.encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(message=st.text(), path=st.text(min_size=1), title=st.text(), workload=st.text())
def test_any_text_is_inert(message: str, path: str, title: str, workload: str) -> None:
    from selectcheck.diagnostics import MemoryPart, WorkloadMemory

    diag = Diagnostic("SC206", Severity.ERROR, path, Span(1, 1, 1, 2), "", message, message)
    memory = WorkloadMemory(workload, title, message, (MemoryPart(workload, 1),), 1, 2, 3, True)
    result = FileResult(path, [diag, dataclasses.replace(diag, code="SC303")], title, title,
                        title, [memory])  # fmt: skip
    text = markdown.render(Report([result], {}, "0"))
    check_inert(text)
    assert check_tables(text) == 3


def test_size_cap_with_50000_findings(huge_report: Callable[[int], Report]) -> None:
    report = huge_report(50_000)
    text = markdown.render(report)
    size = len(text.encode("utf-8"))
    assert size <= markdown.DEFAULT_MAX_BYTES < MIB
    assert size > markdown.DEFAULT_MAX_BYTES - 4096  # it used the space
    body, note = text.rsplit("\n> [!WARNING]\n", 1)
    shown = check_tables(body)
    match = re.search(r"(\d+) of 50000 findings and (\d+) of 100 records are not shown", note)
    assert match is not None
    assert int(match.group(1)) == 50_000 - shown
    assert body.endswith("|\n")  # the last row is whole
    assert text.startswith("## ❌ selectcheck: ")  # the verdict counts everything
    summary = report.summary
    assert f"{summary.error} errors, {summary.warning} warnings" in text.split("\n", 1)[0]


def test_a_huge_message_is_cut() -> None:
    diag = Diagnostic("SC206", Severity.ERROR, "r.yaml", Span(1, 1, 1, 2), "", "x|" * 1_000_000)
    text = markdown.render(Report([FileResult("r.yaml", [diag])], {}, "0"))
    assert len(text.encode("utf-8")) < 5_000
    assert "…" in text and check_tables(text) == 1


def test_small_limit_truncates_cleanly(report: Report) -> None:
    text = markdown.render(report, max_bytes=3_000)
    assert len(text.encode("utf-8")) <= 3_000
    assert "Output truncated" in text
    check_tables(text.rsplit("\n> [!WARNING]", 1)[0])


def test_internal_errors_are_shown_and_fail_the_verdict(clean_report: Report) -> None:
    clean_report.internal_errors.append("r.yaml: internal error in SC206: <boom> @x")
    text = markdown.render(clean_report)
    assert text.startswith("## ❌ selectcheck: ")
    assert "r.yaml: internal error in SC206: \\<boom\\> @\u2060x" in text
    check_inert(text.replace("> [!CAUTION]", ""))


def test_deterministic_and_independent_of_input_order(report: Report) -> None:
    first = markdown.render(report)
    assert markdown.render(report) == first
    shuffled = Report(
        files=[dataclasses.replace(f, diagnostics=list(f.diagnostics)) for f in report.files],
        rules=report.rules,
        version=report.version,
    )
    rng = random.Random(5)
    rng.shuffle(shuffled.files)
    for f in shuffled.files:
        rng.shuffle(f.diagnostics)
    assert markdown.render(shuffled) == first
