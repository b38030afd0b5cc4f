"""Neutralise record text before it reaches a reader: a CI runner, a terminal or a reviewer.

Record text comes from pull requests. Two kinds of characters in it are never shown as they
are, in any format a person or a runner reads (text, github, markdown, sarif, junit):

* controls some reader may treat as a line break or a terminal command, other than CR and LF
  (which each format escapes its own way): C0 controls except TAB/LF/CR, DEL, C1 controls (NEL
  included), LINE/PARAGRAPH SEPARATOR, and lone surrogates (unencodable);
* bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069): they
  reorder how the text around them is displayed, so a reviewer would read something other than
  what is there ("Trojan Source", CVE-2021-42574). The implicit marks (LRM, RLM, ALM) stay:
  they cannot reorder a run of text, and right-to-left names need them.

Both become U+FFFD, so the tampering stays visible. The JSON report keeps the text exactly as
the record has it: it is data for programs, which must escape it for their own readers.

GitHub's runner reads a line as a workflow command when it starts with ``::``, or (legacy
form) when it contains ``##[`` anywhere; ``safe_text`` breaks the legacy prefix as well.
"""

from __future__ import annotations

import re

from selectcheck.diagnostics import Span

CONTROL_CHARACTERS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff"
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[{CONTROL_CHARACTERS}{BIDI_CONTROLS}]")
REPLACEMENT = "\ufffd"
# The legacy command prefix; a zero-width space keeps it visible but unparseable.
LEGACY_PREFIX = "##["
LEGACY_BROKEN = "##\u200b["


def neutralise(text: str) -> str:
    """Controls (except TAB, CR, LF) and bidi controls replaced by U+FFFD."""
    return _UNSAFE.sub(REPLACEMENT, text)


def safe_text(text: str) -> str:
    return neutralise(text).replace(LEGACY_PREFIX, LEGACY_BROKEN)


def display_span(span: Span) -> Span:
    """The span as every consumer accepts it: 1-based, the end not before the start."""
    line = max(span.line, 1)
    column = max(span.column, 1)
    end_line = max(span.end_line, line)
    end_column = max(span.end_column, 1)
    if end_line == line and end_column < column:
        end_column = column
    return Span(line, column, end_line, end_column)


def safe_line(text: str) -> str:
    """One line for a plain log: also no CR/LF, and no leading `::`."""
    cleaned = safe_text(text).replace("\r", " ").replace("\n", " ")
    return cleaned.replace("::", ":\u200b:") if cleaned.lstrip().startswith("::") else cleaned
