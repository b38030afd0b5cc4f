"""GitHub-flavoured Markdown for ``$GITHUB_STEP_SUMMARY`` and pull-request comments.

Layout: a verdict heading (✅ no errors / ❌ errors or a crashed rule, with counts), a caution
block listing ``Report.internal_errors`` if any; the license obligations
(SC303) listed for reviewers; then one section per record, records with errors first, each with
a findings table (most severe first) and, per workload, a memory table row and a Mermaid chart.

Chart type: ``xychart-beta`` (Mermaid ≥ 10.5), which GitHub renders in Markdown and job
summaries; the ``-beta`` keyword is used because GitHub pins an older Mermaid than the one that
accepts plain ``xychart``, and newer versions still accept ``-beta``. Mermaid's XY chart cannot
stack bars, so each part of the estimate is one bar, followed by a ``total`` bar, with two
horizontal lines at the usable VRAM (after the policy headroom) and the card's VRAM. The same
numbers are in a table next to it, so nothing is lost where Mermaid is not rendered.

Record text is untrusted, and the renderer is GitHub's cmark-gfm with its extensions (tables,
autolinks, strikethrough, tag filter) followed by GitHub's own filters (mentions, issue
references). Text is cut to a bounded length; controls and bidi controls become U+FFFD
(``reporters.sanitize``); newlines become ``<br>``; every Markdown-significant ASCII punctuation
character is backslash-escaped (so no table cell can be split, and no HTML tag, comment, entity,
link, image, code span, emphasis or math can start). The autolink extension reads the raw
source, not the escaped text, so a URL it found would keep the backslashes (``%5C`` in the
link); instead it is never given one: ``:`` before ``//`` and the dot of ``www.`` are escaped,
so no bare URL in record text becomes a link. ``@``, and ``#`` or ``GH`` before a number, are
followed by a word joiner, so record text cannot mention (notify) users or teams, link an
e-mail address or reference an issue. (A commit SHA may still link to this repository's own
commit: breaking every hex string would garble real ones.)

The only links are the URLs a diagnostic names in ``Diagnostic.links`` (the catalog's license
texts and use policies, quoted in SC303/SC304 messages). Where such a URL occurs in the message
or help it is written as a CommonMark autolink ``<URL>``, inside which nothing is unescaped, so
the ``href`` is exactly that URL; a URL with characters that an autolink or a table cell would
alter (spaces, ``<>|\\`` or backticks, brackets, ``@``) is shown as text instead. Mermaid labels are
reduced to a small safe character set.

Size: GitHub rejects a step summary over 1 MiB. Output is assembled in atomic pieces (a line,
a table row, a whole chart) in priority order and stops before ``max_bytes`` (UTF-8), ending
with a note that says how many findings were left out and where to find them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from selectcheck.compute.units import GIB, MIB
from selectcheck.diagnostics import Diagnostic, FileResult, Report, Severity, WorkloadMemory
from selectcheck.reporters.sanitize import neutralise

__all__ = ["DEFAULT_MAX_BYTES", "escape", "render"]

# GitHub's limit is 1 MiB per step; keep headroom for anything else the step appends.
DEFAULT_MAX_BYTES = MIB - 32 * 1024
MAX_CELL_CHARS = 1000
MAX_OBLIGATION_CHARS = 4000
MAX_OBLIGATIONS = 200
_NOTE_RESERVE = 1024

_ICON = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.INFO: "ℹ️"}
_WAIVED_ICON = "🔕"
_LICENSE_OBLIGATIONS = "SC303"
_FINDINGS_HEADER = "| | Rule | Severity | Line | Message |\n| --- | --- | --- | ---: | --- |\n"

_NEWLINES = re.compile("\r\n|\r|\n")
# The ASCII punctuation that can open or close Markdown/HTML syntax *inside* a line: code spans,
# emphasis, links/images/footnotes, HTML tags/entities/autolinks, table cells, strikethrough,
# math. (CommonMark lets any ASCII punctuation be backslash-escaped.) Characters that only matter
# at the start of a line (``-``, ``+``, ``.``, ``=``) need no escape: untrusted text never starts
# a line here; it always follows a table pipe, a list marker or a heading marker.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#!|~$&^])")
# What cmark-gfm's autolink extension starts a link at: `scheme://` (the `:` is its trigger)
# and `www.`; a backslash before the `:` or the dot means it never sees them.
_URL_SCHEME = re.compile(r":(?=//)")
_WWW = re.compile(r"(?i)(www)\.")
# GitHub's filters after rendering: @user/@org/team mentions and #123, GH-123 issue references.
_REFERENCE = re.compile(r"@|#(?=[0-9])|(?i:\bgh)(?=-[0-9])")
_WORD_JOINER = "\u2060"
# A URL that stays itself inside `<…>` and a table cell: RFC 3986 characters without the
# ones cmark-gfm would percent-encode (brackets) or that end a cell, and no `@`.
_LINKABLE = re.compile(r"https?://[A-Za-z0-9\-._~:/?#!$&'()*+,;=%]+")
# Inside a quoted Mermaid string only `"` ends the string (and a newline the statement);
# keep a conservative set anyway: no quotes, backticks (Markdown labels), `%` (comments,
# directives), brackets, semicolons or line breaks.
_MERMAID_UNSAFE = re.compile(r"[^A-Za-z0-9 ._/+:,()-]")


def _inert(text: str) -> str:
    """Text that renders as itself: no markup, link, mention or reference can start in it."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _WWW.sub(r"\1\\.", _URL_SCHEME.sub(r"\\:", text))
    return _REFERENCE.sub(lambda m: m.group(0) + _WORD_JOINER, text)


def _links_pattern(links: Iterable[str]) -> re.Pattern[str] | None:
    usable = sorted({url for url in links if _LINKABLE.fullmatch(url)}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, usable))) if usable else None


def _line(text: str, links: re.Pattern[str] | None) -> str:
    if links is None:
        return _inert(text)
    out: list[str] = []
    start = 0
    for match in links.finditer(text):
        out.append(_inert(text[start : match.start()]))
        out.append(f"<{match.group(0)}>")
        start = match.end()
    out.append(_inert(text[start:]))
    return "".join(out)


def escape(text: str, limit: int = MAX_CELL_CHARS, *, newline: str = "<br>", links: Iterable[str] = ()) -> str:
    """Untrusted text as inert inline Markdown, safe inside a table cell or heading; of the
    URLs in it, only those in `links` become links."""
    text = neutralise(text.replace("\t", " ")).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    pattern = _links_pattern(links)
    lines = [_line(line, pattern).strip() for line in _NEWLINES.split(text)]
    return newline.join(line for line in lines if line)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _gib(value: int | None) -> str:
    return "n/a" if value is None else f"{value / GIB:.2f} GiB"


class _Budget:
    """Collects output pieces until the next one would pass the byte limit."""

    def __init__(self, max_bytes: int) -> None:
        self.limit = max_bytes - _NOTE_RESERVE
        self.used = 0
        self.parts: list[str] = []
        self.full = False

    def add(self, piece: str) -> bool:
        if self.full:
            return False
        size = len(piece.encode("utf-8"))
        if self.used + size > self.limit:
            self.full = True
            return False
        self.parts.append(piece)
        self.used += size
        return True


def _row_order(diag: Diagnostic) -> tuple[bool, int, int, int, str, str]:
    return (
        diag.waived,
        diag.severity.rank,
        diag.span.line,
        diag.span.column,
        diag.code,
        diag.message,
    )


def _worst(result: FileResult) -> int:
    ranks = [d.severity.rank for d in result.diagnostics if not d.waived]
    return min(ranks, default=3)


def _rule_label(diag: Diagnostic, report: Report) -> str:
    rule = report.rules.get(diag.code)
    name = f" {rule.name}" if rule is not None and rule.name else ""
    return escape(f"{diag.code}{name}", 200)


def _verdict(report: Report) -> str:
    summary = report.summary
    icon = "❌" if report.failed else "✅"
    counts = [
        _plural(summary.error, "error") if summary.error else "no errors",
        _plural(summary.warning, "warning"),
        f"{summary.info} info",
        f"{summary.waived} waived",
    ]
    if report.internal_errors:
        counts.append(_plural(len(report.internal_errors), "internal error"))
    out = (
        f"## {icon} selectcheck: {', '.join(counts)}\n\n"
        f"{_plural(len(report.files), 'record file')} checked by "
        f"selectcheck {escape(report.version, 50)}.\n\n"
    )
    if report.internal_errors:
        out += (
            "> [!CAUTION]\n> A rule crashed, so these records were not fully checked. "
            "This is a bug in selectcheck; please report it.\n>\n"
        )
        out += "".join(f"> - {escape(m, newline=' ')}\n" for m in report.internal_errors[:20])
        if len(report.internal_errors) > 20:
            out += f"> - … and {len(report.internal_errors) - 20} more\n"
        out += "\n"
    return out


def _record_label(result: FileResult) -> str:
    label = escape(result.path, 300, newline=" ")
    if result.record_id:
        label += f" · {escape(result.record_id, 100, newline=' ')}"
    if result.title:
        label += f": {escape(result.title, 200, newline=' ')}"
    return label


def _obligations(report: Report, budget: _Budget) -> int:
    items = [
        (result, diag)
        for result in report.files
        for diag in sorted(result.diagnostics, key=_row_order)
        if diag.code == _LICENSE_OBLIGATIONS
    ]
    if not items:
        return 0
    budget.add(
        "### License obligations to review\n\n"
        "The chosen licenses permit the intended use with conditions that need an owner:\n\n"
    )
    shown = 0
    for result, diag in items[:MAX_OBLIGATIONS]:
        who = escape(result.record_id or result.path, 200, newline=" ")
        model = f" ({escape(result.chosen_model, 200, newline=' ')})" if result.chosen_model else ""
        # A bullet, not a table cell: Llama-style obligation lists run past a cell's limit
        # and their last items (use policy, regional exclusions) are the ones reviewers miss.
        text = escape(diag.message, MAX_OBLIGATION_CHARS, links=diag.links)
        if diag.help.strip():
            text += f" — {escape(diag.help, links=diag.links)}"
        waived = " *(waived)*" if diag.waived else ""
        line = max(diag.span.line, 1)
        if not budget.add(f"- **{who}**{model}, line {line}: {text}{waived}\n"):
            return shown
        shown += 1
    rest = len(items) - MAX_OBLIGATIONS
    if rest > 0:
        budget.add(f"- … and {rest} more (see the records below).\n")
    budget.add("\n")
    return shown


def _diagnostic_row(diag: Diagnostic, report: Report) -> str:
    icon = _WAIVED_ICON if diag.waived else _ICON[diag.severity]
    severity = diag.severity.value + (" (waived)" if diag.waived else "")
    text = escape(diag.message, links=diag.links) or escape(diag.code)
    if diag.help.strip():
        text += f"<br>**Help:** {escape(diag.help, links=diag.links)}"
    if diag.waived and diag.waiver_reason:
        text += f"<br>**Waived:** {escape(diag.waiver_reason)}"
    line = max(diag.span.line, 1)
    return f"| {icon} | {_rule_label(diag, report)} | {severity} | {line} | {text} |\n"


def _mermaid_label(text: str, limit: int = 60) -> str:
    label = _MERMAID_UNSAFE.sub("_", text).strip() or "_"
    return label[:limit]


def _chart(memory: WorkloadMemory) -> str:
    if not memory.parts:
        return ""
    names = [part.name for part in memory.parts] + ["total"]
    values = [part.bytes for part in memory.parts] + [memory.total_bytes]
    gib = [v / GIB for v in values]
    lines: list[float] = []
    if memory.usable_bytes is not None:
        lines.append(memory.usable_bytes / GIB)
    if memory.card_bytes is not None:
        lines.append(memory.card_bytes / GIB)
    top = max([*gib, *lines, 0.0])
    y_max = max(1, math.ceil(top * 1.1))
    title = _mermaid_label(f"{memory.workload}: {memory.model} on {memory.hardware}", 100)
    categories = ", ".join(f'"{_mermaid_label(name)}"' for name in names)
    out = [
        "```mermaid",
        "xychart-beta",
        f'    title "{title}"',
        f"    x-axis [{categories}]",
        f'    y-axis "GiB" 0 --> {y_max}',
        f"    bar [{', '.join(f'{max(v, 0.0):.2f}' for v in gib)}]",
    ]
    out.extend(f"    line [{', '.join([f'{level:.2f}'] * len(names))}]" for level in lines)
    out.append("```")
    caption = "Bars: estimated peak memory by part, then the total."
    if memory.usable_bytes is not None or memory.card_bytes is not None:
        caption += " Lines: usable VRAM after headroom"
        caption += f" ({_gib(memory.usable_bytes)})" if memory.usable_bytes is not None else ""
        caption += " and the card's VRAM"
        caption += f" ({_gib(memory.card_bytes)})" if memory.card_bytes is not None else ""
        caption += "."
    return "\n".join(out) + f"\n\n*{caption}*\n\n"


def _fits(memory: WorkloadMemory) -> str:
    if memory.fits is None:
        return "❔ unknown"
    return "✅ fits" if memory.fits else "❌ exceeds"


def _memory(result: FileResult, budget: _Budget) -> bool:
    if not result.memory:
        return True
    table = [
        "**Memory estimate**\n\n",
        "| Workload | Model | Hardware | Estimate | Usable | Card | Fits |\n",
        "| --- | --- | --- | --- | --- | --- | --- |\n",
    ]
    for memory in result.memory:
        table.append(
            f"| {escape(memory.workload, 100)} | {escape(memory.model, 200)} "
            f"| {escape(memory.hardware, 100)} | {_gib(memory.total_bytes)} "
            f"| {_gib(memory.usable_bytes)} | {_gib(memory.card_bytes)} | {_fits(memory)} |\n"
        )
    if not budget.add("".join(table) + "\n"):
        return False
    return all(budget.add(_chart(memory)) for memory in result.memory)


def _record(result: FileResult, report: Report, budget: _Budget) -> int:
    """Adds one record's section; returns how many findings were shown."""
    worst = _worst(result)
    icon = "❌" if worst == 0 else ("⚠️" if worst == 1 else "✅")
    head = f"### {icon} {_record_label(result)}\n\n"
    if result.chosen_model:
        head += f"Chosen model: **{escape(result.chosen_model, 200, newline=' ')}**\n\n"
    if not budget.add(head):
        return 0
    shown = 0
    if result.diagnostics:
        if not budget.add(_FINDINGS_HEADER):
            return 0
        for diag in sorted(result.diagnostics, key=_row_order):
            if not budget.add(_diagnostic_row(diag, report)):
                return shown
            shown += 1
        budget.add("\n")
    else:
        budget.add("No findings.\n\n")
    _memory(result, budget)
    return shown


def render(report: Report, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    budget = _Budget(max_bytes)
    budget.add(_verdict(report))
    _obligations(report, budget)
    total = len(report.diagnostics)
    shown = 0
    records = sorted(report.files, key=lambda r: (_worst(r), r.path))
    records_shown = 0
    for result in records:
        if budget.full:
            break
        shown += _record(result, report, budget)
        records_shown += 1
    out = "".join(budget.parts)
    if budget.full:
        out += (
            f"\n> [!WARNING]\n> Output truncated to stay under GitHub's 1 MiB step-summary limit: "
            f"{total - shown} of {total} findings and {len(records) - records_shown} of "
            f"{len(records)} records are not shown here. Run `selectcheck validate "
            f"--format text` or use the SARIF/JSON report for the full list.\n"
        )
    return out
