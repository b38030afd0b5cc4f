"""The four top-level fields cross-record rules need (id, status, supersedes, superseded_by),
read from a record's text without building a YAML tree.

Indexing every record of a large repository must cost far less than checking them, since a
pre-commit run checks one file but resolves its links against all. Records keep these keys
at the top level in plain block style; this scanner reads exactly that and hands anything
unusual (quoted keys, anchors, tags, flow collections over several lines, several
documents) to the real YAML parser, so the answer is always what YAML says.
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


def _scan(text: str) -> dict[str, Any]:
    if _UNUSUAL.search(text):
        raise _Unsure
    found: dict[str, Any] = {}
    for match in _WANTED_LINE.finditer(text):
        key, raw = match.group(1), match.group(2) or ""
        if key != "supersedes":
            found[key] = _scalar(raw) if not raw.startswith("#") else None
        elif raw and not raw.startswith("#"):
            found[key] = _flow_list(raw)
        else:
            items: list[str] = []
            for line in text[match.end() + 1 :].splitlines():
                item = _LIST_ITEM.match(line)
                if item is None:
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
