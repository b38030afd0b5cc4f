"""The four top-level fields cross-record rules need (id, status, supersedes, superseded_by),
read from a record's text without building a YAML tree.

Indexing every record of a large repository must cost far less than checking them, since a
pre-commit run checks one file but resolves its links against all. Records keep these keys
at the top level in plain block style; this scanner reads exactly that and hands anything it
cannot prove it reads as YAML does to the real YAML parser: quoted keys, anchors, tags,
several documents, any quoted scalar or flow collection that does not close on its own line
(a multi-line title could otherwise forge an `id:` line), a wanted key whose value is not on
its own line, line breaks other than LF, and any top-level line that is not a plain `key:`.
"""

from __future__ import annotations

import re
from typing import Any

from selectcheck.loader.yaml_loader import load_text

_WANTED = ("id", "status", "supersedes", "superseded_by")
_COMMENT = re.compile(r"[ \t]+#.*$")
_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@/+-]*$")
_LIST_ITEM = re.compile(r"^[ \t]+-[ \t]+(.*?)[ \t]*$")


class _Unsure(Exception):
    """The text is not in the simple shape this scanner reads; parse it properly."""


def _scalar(raw: str) -> str | None:
    value = _COMMENT.sub("", raw).strip()
    if value in ("", "~", "null", "Null", "NULL"):
        return None
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"" and "\\" not in value:
        inner = value[1:-1]
        if value[0] in inner:
            raise _Unsure
        return inner
    if not _PLAIN.match(value):
        raise _Unsure
    return value


def _flow_list(raw: str) -> list[str]:
    value = _COMMENT.sub("", raw).strip()
    if not (value.startswith("[") and value.endswith("]")):
        raise _Unsure
    inner = value[1:-1].strip()
    if not inner:
        return []
    items = [_scalar(item) for item in inner.split(",")]
    return [item for item in items if item is not None]


def scan_summary(text: str) -> dict[str, Any]:
    """{id, status, supersedes, superseded_by} as YAML would read them (missing keys absent)."""
    try:
        return _scan(text)
    except _Unsure:
        return _parse(text)


# Lines at column 0 that this scanner does not read: document markers, directives, anchors,
# aliases, tags, complex keys, quoted keys, flow collections, a top-level sequence.
_UNUSUAL = re.compile(r"^(?:---|\.\.\.|[%&*!?\"'{\[-])", re.M)
_WANTED_LINE = re.compile(r"^(id|status|supersedes|superseded_by):(?:[ \t]+(.*?))?[ \t]*$", re.M)
# After a line: the next line that is not blank is indented (it continues the value).
_INDENTED_NEXT = re.compile(r"(?:\n[ \t]*)*?\n[ \t]+[^ \t\n]")


# A top-level line the scanner understands: a plain key, a colon, then a space or the end.
_TOP_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*:(?:[ \t]|$)")
# Where a quoted scalar or a flow collection can begin: after a key's colon, a list dash, a
# flow opener or a comma. A quote elsewhere (an apostrophe inside a plain scalar) is text.
_VALUE_START = re.compile(r"""(?:^[ \t]*(?:-[ \t]+)*|:[ \t]+|[\[{,][ \t]*)(["'\[{])""")
_OTHER_BREAKS = ("\r", "\x85", "\u2028", "\u2029")
# A line at column 0 that is not blank, not a comment and not a plain `key:` (one search over
# the text: a record has dozens of lines and this runs on every record of a repository).
_NOT_A_TOP_KEY = re.compile(r"^(?![ \t#]|$|[A-Za-z_][A-Za-z0-9_.-]*:(?:[ \t]|$))", re.M)
# The lines where a quoted scalar or a flow collection may open: the only ones that can span lines.
_OPENER_LINE = re.compile(r"^[^\n\"'\[{]*[\"'\[{][^\n]*", re.M)


_DOUBLE_QUOTED_REST = re.compile(r'(?:[^"\\]|\\.)*"')
_SINGLE_QUOTED_REST = re.compile(r"(?:[^']|'')*'")


def _balanced(line: str) -> bool:
    return line.count("[") + line.count("{") == line.count("]") + line.count("}")


def _closes_on_its_line(line: str) -> bool:
    """Every quoted scalar and flow collection that starts on `line` ends on it too."""
    if '"' not in line and "'" not in line:
        # Only flow collections can open here (`hardware: {gpu: L4}`, the common case): the
        # line is fine when its brackets balance, or when none of them opens a value.
        return _balanced(line) or _VALUE_START.search(line) is None
    for match in _VALUE_START.finditer(line):
        opener, rest = match.group(1), line[match.end() :]
        if opener == '"':
            if _DOUBLE_QUOTED_REST.match(rest) is None:
                return False
        elif opener == "'":
            if _SINGLE_QUOTED_REST.match(rest) is None:
                return False
        elif not _balanced(line):
            return False
    return True


def _scan(text: str) -> dict[str, Any]:
    if _UNUSUAL.search(text) or any(mark in text for mark in _OTHER_BREAKS):
        raise _Unsure
    if _NOT_A_TOP_KEY.search(text):
        raise _Unsure
    for match in _OPENER_LINE.finditer(text):
        line = match.group()
        if not line.lstrip(" \t").startswith("#") and not _closes_on_its_line(line):
            raise _Unsure
    found: dict[str, Any] = {}
    for match in _WANTED_LINE.finditer(text):
        key, raw = match.group(1), match.group(2) or ""
        inline = bool(raw) and not raw.startswith("#")
        if inline and _INDENTED_NEXT.match(text, match.end()):
            raise _Unsure  # a plain value goes on over the indented lines: `id: MS` + `  R-0001`
        if key != "supersedes":
            if not inline:
                raise _Unsure  # the value may follow on an indented line
            found[key] = _scalar(raw)
        elif inline:
            found[key] = _flow_list(raw)
        else:
            items: list[str] = []
            for line in text[match.end() + 1 :].split("\n"):
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                item = _LIST_ITEM.match(line)
                if item is None:
                    if line[:1] in (" ", "\t"):
                        raise _Unsure  # an indented value that is not a list item
                    break
                value = _scalar(item.group(1))
                if value is not None:
                    items.append(value)
            found[key] = items
    return found


def _parse(text: str) -> dict[str, Any]:
    # The loader that checks records: it reads YAML 1.2 as they do and never raises on bad
    # input (PyYAML's own constructors raise on `!!bool maybe` or a 5,000-digit number).
    data = load_text(text, "").data
    if not isinstance(data, dict):
        return {}
    return {key: data[key] for key in _WANTED if key in data}
