"""Neutralise record text before it reaches a log that a CI runner parses.

GitHub's runner reads a line as a workflow command when it starts with `::`, or (legacy
form) when it contains `##[` anywhere. Record text comes from pull requests, so every
reporter that prints it passes it through `safe_text`.
"""

from __future__ import annotations

import re

# Characters some reader may treat as a line break or terminal control, other than CR and
# LF (which each format escapes its own way): C0 controls except TAB/LF/CR, DEL, C1 controls
# (NEL included), LINE/PARAGRAPH SEPARATOR, and lone surrogates (unencodable).
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_REPLACEMENT = "\ufffd"
# The legacy command prefix; a zero-width space keeps it visible but unparseable.
LEGACY_PREFIX = "##["
LEGACY_BROKEN = "##\u200b["


def safe_text(text: str) -> str:
    return _UNSAFE.sub(_REPLACEMENT, text).replace(LEGACY_PREFIX, LEGACY_BROKEN)


def safe_line(text: str) -> str:
    """One line for a plain log: also no CR/LF, and no leading `::`."""
    cleaned = safe_text(text).replace("\r", " ").replace("\n", " ")
    return cleaned.replace("::", ":\u200b:") if cleaned.lstrip().startswith("::") else cleaned
