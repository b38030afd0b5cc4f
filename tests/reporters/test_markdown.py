"""Markdown step summary: verdict, tables, Mermaid charts, obligations, escaping, size cap;
rendered by GitHub's cmark-gfm, with every link checked."""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selectcheck.diagnostics import Diagnostic, FileResult, MemoryPart, Report, Severity, Span, WorkloadMemory
from selectcheck.reporters import markdown
from tests.integrations.consumers import cells, check_markdown, render_markdown

MIB = 1024 * 1024


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
        "### ❌ records/0007-review.yaml · MSR-0007: Base model for the pull-request review assistant",
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
        '    x-axis ["weights", "kv_cache", "activations", "gradients", "optimizer", "overhead", "total"]',
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
    rendered = check_markdown(text, meant=set())
    assert rendered.hrefs == []
    assert "<script>alert(1)</script>" in rendered.text  # shown as text, not run
    assert "\\<script\\>" in text and "\\`" in text and "\\|" in text
    assert "@\u2060acme/owners" in text
    text.encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(message=st.text(), path=st.text(min_size=1), title=st.text(), workload=st.text())
def test_any_text_is_inert(message: str, path: str, title: str, workload: str) -> None:
    diag = Diagnostic("SC206", Severity.ERROR, path, Span(1, 1, 1, 2), "", message, message)
    memory = WorkloadMemory(workload, title, message, (MemoryPart(workload, 1),), 1, 2, 3, True)
    result = FileResult(path, [diag, dataclasses.replace(diag, code="SC303")], title, title,
                        title, [memory])  # fmt: skip
    text = markdown.render(Report([result], {}, "0"))
    check_inert(text)
    assert check_tables(text) == 3
    assert check_markdown(text).hrefs == []


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


# ---- links, as GitHub's renderer (cmark-gfm) makes them -------------------------------------

LICENSE = "https://github.com/meta-llama/llama-models/blob/main/models/llama3_1/LICENSE"
USE_POLICY = "https://github.com/meta-llama/llama-models/blob/main/models/llama3_1/USE_POLICY.md"

HOSTILE_TEXTS = [
    "[x](javascript:alert(1))",
    "![img](https://evil.example/p.png)",
    "[ref]: https://evil.example/ref",
    "@team and @acme/owners",
    "ana@example.com",
    "<script>alert(1)</script>",
    "<!-- hidden -->",
    "<img src=x onerror=alert(1)>",
    "https://evil.example",
    "see https://evil.example/a_b.",
    "www.evil.example",
    "WWW.evil.example",
    "ftp://evil.example/x",
    "mailto:a@evil.example",
    "http://evil.example/a_b\\c",
    "#123 and GH#7 and GH-8 and gh-9 and owner/repo#10",
    "a | b | c",
    "`code` and ``` fence",
    "**bold** _em_ ~~del~~ $x^2$",
    "&amp; &#x27; &lt;",
    "\u202eevil\u202c \u2066iso\u2069 \u202a\u202b\u202d\u2067\u2068",
    "line\r\nbreak\rcr\nlf",
]


def _license_report(message: str, help_text: str, *, title: str = "t", links: tuple[str, ...] = ()) -> Report:
    diag = Diagnostic("SC303", Severity.INFO, "r.yaml", Span(3, 1, 3, 9), "/candidates/0/license",
                      message, help_text, links=links)  # fmt: skip
    return Report([FileResult("r.yaml", [diag], "MSR-0001", title, "m")], {}, "0")


def test_catalog_links_render_exactly() -> None:
    """The shipped example's regression: backslash escapes inside autolinked URLs (%5C)."""
    report = _license_report(
        f"comply with the Llama 3.1 Acceptable Use Policy ({USE_POLICY}); the policy may change",
        f"record how it is met in a `license` reason; license text: {LICENSE}",
        links=(LICENSE, USE_POLICY),
    )
    text = markdown.render(report)
    rendered = check_markdown(text, meant={LICENSE, USE_POLICY})
    # Twice each: in the obligations list and in the findings table.
    assert sorted(rendered.hrefs) == sorted([LICENSE, LICENSE, USE_POLICY, USE_POLICY])
    assert "%5C" not in rendered.html
    assert f"Policy \\(<{USE_POLICY}>\\);" in text


@pytest.mark.parametrize("hostile", HOSTILE_TEXTS)
def test_record_text_never_becomes_a_link_or_markup(hostile: str) -> None:
    """Hostile text in a title, a message, help and a waiver reason next to real links."""
    report = _license_report(f"{hostile} see {LICENSE} {hostile}", f"{hostile}; license text: {LICENSE}",
                             title=hostile, links=(LICENSE,))  # fmt: skip
    waived = Diagnostic("SC207", Severity.WARNING, "r.yaml", Span(5, 1, 5, 2), "/x", hostile, hostile,
                        waived=True, waiver_reason=hostile)  # fmt: skip
    report.files[0].diagnostics.append(waived)
    report.files[0].memory.append(WorkloadMemory(hostile, hostile, hostile, (MemoryPart(hostile, 1),), 1, 2, 3, True))
    text = markdown.render(report)
    rendered = check_markdown(text, meant={LICENSE})
    assert rendered.hrefs.count(LICENSE) == 4  # obligation list and table row, message and help
    assert "<img" not in rendered.html and "<script" not in rendered.html


def test_a_link_is_only_an_exact_catalog_url() -> None:
    # A record cannot extend a link: the catalog URL is linked, the rest stays text.
    report = _license_report(f"{LICENSE}/../../evil and {LICENSE}x", "h", links=(LICENSE,))
    rendered = check_markdown(markdown.render(report), meant={LICENSE})
    assert set(rendered.hrefs) == {LICENSE}
    # A URL that an autolink or a table cell would alter is shown as text, never half-linked.
    for odd in ("https://x.example/a|b", "https://x.example/a b", "https://x.example/[a]",
                "https://x.example/a\\b", "https://x.example/<a>", "javascript:alert(1)"):  # fmt: skip
        report = _license_report(f"see {odd} now", f"help {odd}", links=(odd,))
        text = markdown.render(report)
        rendered = check_markdown(text)
        assert rendered.hrefs == [], odd
        check_tables(text)


def test_links_cut_by_the_length_limit_are_not_links() -> None:
    message = "x" * (markdown.MAX_CELL_CHARS - 30) + " " + LICENSE
    report = _license_report(message, "h", links=(LICENSE,))
    rendered = check_markdown(markdown.render(report), meant={LICENSE})
    # Whole in the obligations list (4,000 characters), cut in the table cell (1,000): only
    # the whole one links.
    assert rendered.hrefs == [LICENSE]


def test_bidi_controls_are_neutralised() -> None:
    hostile = "gap \u202eevil\u202c \u2066iso\u2069 \u202a\u202b\u202d\u2067\u2068 x"
    report = _license_report(hostile, hostile, title=hostile)
    text = markdown.render(report)
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", text)
    assert "gap \ufffdevil\ufffd \ufffdiso\ufffd" in text
    check_markdown(text)


def test_the_checks_catch_what_they_look_for() -> None:
    """The cmark-gfm checks fail on the raw hostile strings, so their passing above means something."""
    for raw in ("see https://evil.example", "[x](javascript:alert(1))", "![i](https://e.example/p.png)",
                "<script>x</script>", "<!-- c -->", "hi @team", "fixes #12", "fixes GH-12", "`code`", "a \u202e b",
                f"a {LICENSE.replace('_', chr(92) + '_')}"):  # fmt: skip
        with pytest.raises(AssertionError):
            check_markdown(f"| a |\n| --- |\n| {raw} |\n", meant={LICENSE})
    with pytest.raises(AssertionError):
        check_markdown("| a | b |\n| --- | --- |\n| x | y | z |\n")
    assert render_markdown(f"<{LICENSE}>").hrefs == [LICENSE]
