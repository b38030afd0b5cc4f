"""The schema modeline of a record, read and resolved the way yaml-language-server does it.

An editor running Red Hat's YAML language server (VS Code's YAML extension, Neovim, Helix,
Zed, …) takes a file's schema from a header comment:

    # yaml-language-server: $schema=../schemas/record.schema.json

A modeline wins over every `yaml.schemas` glob mapping, so one that points nowhere turns
the editor's checking off for that file without a word. This module reads the modeline as
language server 1.25 reads it (the first matching comment before the first YAML content;
`# $schema: PATH` counts too; the value is the first word after `$schema=` or `$schema:`;
`none` turns schemas off), resolves it relative to the record, and says whether it reaches
the record schema. It never reads a file outside the repository, follows no link and no
URL, and knows nothing about rules or reports (SC008 turns its verdicts into findings).
"""

from __future__ import annotations

import enum
import json
import os
import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path

from selectcheck.loader.files import RefusedFile, linked_component, read_regular
from selectcheck.resources import SCHEMA_BASE_URI

RECORD_SCHEMA = "record.schema.json"
PUBLISHED_URL = SCHEMA_BASE_URI + RECORD_SCHEMA
# Where `selectcheck new` and the editor setup guide put the project's copy of the schema.
VENDORED_PATH = Path("schemas") / RECORD_SCHEMA
# Large enough for any JSON Schema selectcheck writes; a larger file is not one of them.
MAX_SCHEMA_BYTES = 4 * 1024 * 1024

# yaml-language-server 1.25, languageservice/services/modelineUtil.ts: `isModeline` and the
# value pattern. `#` must be followed by whitespace.
_MODELINE = re.compile(r"^#\s+(?:yaml-language-server\s*:|\$schema:)")
_VALUE = re.compile(r"\$schema(?:=|:[^\S\r\n]*)(\S+)")
# What a person meant as a modeline but the server skips: no space after `#`.
_NEAR_MISS = re.compile(r"^#(?:yaml-language-server\s*:|\$schema:)")
_SCHEMA_WORD = re.compile(r"\$schema(?:=|:)?")


@dataclass(frozen=True, slots=True)
class Modeline:
    """A schema modeline: its 1-based line, and the 1-based columns [start, end) of its value
    (of `$schema` itself when there is no value)."""

    line: int
    start: int
    end: int
    value: str | None  # None: a modeline without a schema value
    in_header: bool = True  # False: after the first YAML content, where the server ignores it
    spaced: bool = True  # False: `#yaml-language-server:`, which the server ignores


def find_modeline(text: str) -> Modeline | None:
    """The modeline the language server would use, else the first near miss (one the server
    skips: after the YAML content starts, or without a space after `#`), else None."""
    if "yaml-language-server" not in text and "$schema" not in text:
        return None  # most files: no line to look at
    in_header = True
    first_miss: Modeline | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        text = raw.lstrip("\ufeff").strip()
        if not text or text.startswith("%"):
            continue
        if text.startswith("---") and (len(text) == 3 or text[3] in " \t#"):
            text = text[3:].strip()  # a document start; a comment may follow it
            if not text:
                continue
        if not text.startswith("#"):
            in_header = False  # the YAML content has started: later comments are not modelines
            continue
        column = raw.index(text) + 1
        if _MODELINE.match(text):
            found = _located(text, number, column, in_header=in_header, spaced=True)
            if in_header:
                return found
        elif _NEAR_MISS.match(text):
            found = _located(text, number, column, in_header=in_header, spaced=False)
        else:
            continue
        first_miss = first_miss or found
    return first_miss


def _located(comment: str, line: int, column: int, *, in_header: bool, spaced: bool) -> Modeline:
    match = _VALUE.search(comment)
    if match is not None:
        return Modeline(line, column + match.start(1), column + match.end(1), match.group(1), in_header, spaced)
    word = _SCHEMA_WORD.search(comment)
    start, end = (word.start(), word.end()) if word is not None else (0, len(comment))
    return Modeline(line, column + start, column + end, None, in_header, spaced)


class Verdict(str, enum.Enum):
    OK = "ok"
    NO_VALUE = "no-value"  # `$schema=` with nothing after it: the server ignores the line
    NONE = "none"  # `$schema=none`: schemas turned off for the file
    URL = "url"  # an http(s) URL that is not the published record schema
    ABSOLUTE = "absolute"  # an absolute path or file: URI: right on one machine at most
    OUTSIDE = "outside"  # resolves outside the repository: not read, not there for others
    LINKED = "linked"  # goes through a symbolic link, which selectcheck does not follow
    MISSING = "missing"  # no such file
    NOT_A_SCHEMA = "not-a-schema"  # not a regular file, not JSON, or JSON without an `$id`
    OTHER_SCHEMA = "other-schema"  # a JSON Schema, but not the record schema
    FRAGMENT = "fragment"  # a part of a schema (`…#/$defs/Task`), not the whole record schema


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where a schema modeline leads, and whether it is the record schema."""

    verdict: Verdict
    target: Path | None = None  # the file the value names, where it names one
    schema_id: str | None = None  # the `$id` found there (OTHER_SCHEMA)
    link: Path | None = None  # the first symbolic link on the way (LINKED)


def resolve(value: str, record_dir: Path, root: Path, schema_ids: MutableMapping[Path, str | None]) -> Resolution:
    """Whether the modeline value `value` of a record in `record_dir` (absolute) reaches the
    record schema, reading only regular files inside `root` and following no link (as
    `loader.files` reads records). `schema_ids` caches each schema file's `$id` across the
    records of a run."""
    if value.strip().lower() == "none":
        return Resolution(Verdict.NONE)
    if value.startswith("http"):
        return Resolution(Verdict.OK if value == PUBLISHED_URL else Verdict.URL)
    if value.startswith("file:") or os.path.isabs(value):
        return Resolution(Verdict.ABSOLUTE)
    # As the server does: a `#` after the first character starts a fragment, not the name.
    path_part, _, fragment = value.partition("#") if value.find("#") > 0 else (value, "", "")
    # Resolved by name, as the server resolves it; no link is followed to read it.
    target = Path(os.path.normpath(record_dir / path_part))
    root = Path(os.path.abspath(root))
    if not (target == root or root in target.parents):
        return Resolution(Verdict.OUTSIDE, target)
    link = linked_component(target, root)
    if link is not None:
        return Resolution(Verdict.LINKED, target, link=link)
    if not os.path.lexists(target):
        return Resolution(Verdict.MISSING, target)
    if target not in schema_ids:
        schema_ids[target] = _schema_id(target)
    schema_id = schema_ids[target]
    if schema_id is None:
        return Resolution(Verdict.NOT_A_SCHEMA, target)
    if schema_id != PUBLISHED_URL:
        return Resolution(Verdict.OTHER_SCHEMA, target, schema_id)
    if fragment.strip("/"):
        return Resolution(Verdict.FRAGMENT, target, schema_id)
    return Resolution(Verdict.OK, target, schema_id)


def _schema_id(path: Path) -> str | None:
    """The `$id` of a JSON Schema file, or None when it is not one (or cannot be read)."""
    try:
        raw = read_regular(path, MAX_SCHEMA_BYTES)
        if len(raw) > MAX_SCHEMA_BYTES:
            return None
        data = json.loads(raw.decode("utf-8-sig"))
    except (RefusedFile, OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    schema_id = data.get("$id") if isinstance(data, dict) else None
    return schema_id if isinstance(schema_id, str) else None


def schema_reference(record_dir: Path, root: Path, schema_ids: MutableMapping[Path, str | None] | None = None) -> str:
    """The modeline value a record in `record_dir` should carry: the project's own
    `schemas/record.schema.json` relative to the record's directory when the project keeps
    the record schema there, else the published URL."""
    vendored = vendored_reference(record_dir, root)
    cache = {} if schema_ids is None else schema_ids
    if resolve(vendored, Path(os.path.abspath(record_dir)), root, cache).verdict is Verdict.OK:
        return vendored
    return PUBLISHED_URL


def vendored_reference(record_dir: Path, root: Path) -> str:
    """The path from `record_dir` to where the project keeps its copy of the record schema."""
    return Path(os.path.relpath(Path(os.path.abspath(root)) / VENDORED_PATH, os.path.abspath(record_dir))).as_posix()
