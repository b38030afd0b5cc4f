"""File names as reports can show them: every report format is UTF-8 text with one finding
per line, and a file name is bytes that a pull request chose."""

from __future__ import annotations

import re

_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable_name(name: str) -> tuple[str, str | None]:
    """The name as every report can carry it, and what had to be escaped in it (or None).

    POSIX names are bytes; Python keeps the bytes that are not UTF-8 as lone surrogates,
    which no UTF-8 report can encode, and a newline in a name would split a report line.
    Both become escapes such as `\\xe9`.
    """
    try:
        raw = name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that no file name produced
        raw = name.encode("utf-8", "backslashreplace")
    escaped = raw.decode("utf-8", "backslashreplace")
    problem = None if escaped == name else "is not UTF-8"
    if _CONTROL_CHARACTER.search(escaped):
        escaped = _CONTROL_CHARACTER.sub(lambda m: f"\\x{ord(m.group()):02x}", escaped)
        problem = problem or "contains control characters"
    return escaped, problem


def shortened(name: str, limit: int = 80) -> str:
    """A name for a one-line message: printable, and its middle cut when it is long."""
    text = printable_name(name)[0]
    return text if len(text) <= limit else f"{text[: limit // 2]}…{text[-limit // 2 :]}"
