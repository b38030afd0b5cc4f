"""SC008 schema-modeline: the `# yaml-language-server: $schema=` modeline does not reach the
record schema, so editors check nothing while the author types.

Checked on every readable file, before the schema, so the warning also reaches records
whose schema errors the editor should have shown. `selectcheck.loader.modeline` reads and
resolves the line; this module turns its verdict into a located finding with the line to
write instead.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path

from selectcheck.diagnostics import Span, Stage
from selectcheck.loader.modeline import (
    PUBLISHED_URL,
    VENDORED_PATH,
    Modeline,
    Resolution,
    Verdict,
    find_modeline,
    resolve,
    schema_reference,
    vendored_reference,
)
from selectcheck.rules.registry import declare

CODE = "SC008"

# Emitted by the engine next to the schema stage, on every readable file (valid or not).
declare(
    code=CODE,
    name="schema-modeline",
    severity="warning",
    stage=Stage.SCHEMA,
    waivable=False,  # one line to fix, or `rules: {SC008: off}` for a repository without editors
    summary="a yaml-language-server $schema modeline does not resolve to the record schema, so editors check nothing",
    explanation="""
        Editors that run Red Hat's YAML language server (VS Code's YAML extension, Neovim,
        Helix, Zed, …) take a record's schema from its modeline, a first-line comment
        `# yaml-language-server: $schema=PATH`. The path is relative to the record. A
        modeline wins over the `yaml.schemas` mapping of the editor settings, so one that
        points nowhere turns the editor's checking off for that record without a word: a
        record in `records/team-a/` with the line copied from a record in `records/` shows
        "Unable to load schema" and no error at all.

        This rule resolves the modeline as the language server does and warns when it does
        not reach the record schema: a missing file, another schema, a part of the schema,
        a URL other than the published one, an absolute path, a path outside the
        repository or through a symbolic link, `none`, or a modeline the server skips (after
        the first key, or without a space after `#`). The fix names the line to write. It
        reads only regular files inside the repository, follows no link and fetches
        nothing. A record without a modeline is fine: map the record folders in the editor
        settings instead (docs/editor-setup.md). Turn the rule off with
        `rules: {SC008: off}`, or make it an error with `rules: {SC008: error}`.
    """,
    failing="""
        # records/team-a/0005-gpu.yaml
        # The modeline of a record in records/, copied one folder down:
        # yaml-language-server: $schema=../schemas/record.schema.json
        schema_version: 1
    """,
    passing="""
        # records/team-a/0005-gpu.yaml
        # yaml-language-server: $schema=https://raw.githubusercontent.com/selectcheck/selectcheck/main/schemas/record.schema.json
        schema_version: 1
    """,
)


@dataclass(frozen=True, slots=True)
class ModelineFinding:
    """One problem with a record's schema modeline, located in the file."""

    span: Span
    message: str
    help: str


def check_modeline(
    text: str, record: Path, root: Path, schema_ids: MutableMapping[Path, str | None]
) -> ModelineFinding | None:
    """The SC008 finding of the record at `record` (absolute) in the repository at `root`,
    or None when it has no modeline or a good one. `schema_ids` is the run's cache of the
    schema files read so far."""
    modeline = find_modeline(text)
    if modeline is None:
        return None
    if modeline.value is None:
        resolution = Resolution(Verdict.NO_VALUE)
    else:
        resolution = resolve(modeline.value, record.parent, root, schema_ids)
    if modeline.in_header and modeline.spaced and resolution.verdict is Verdict.OK:
        return None
    span = Span(modeline.line, modeline.start, modeline.line, modeline.end)
    return ModelineFinding(span, _message(modeline, resolution, root), _fix(modeline, record, root, schema_ids))


_MESSAGES = {
    Verdict.NO_VALUE: "the schema modeline names no schema after `$schema=`, so editors skip it and check nothing",
    Verdict.NONE: "the schema modeline `$schema=none` turns schema checking off in editors for this record",
    Verdict.URL: "the schema modeline names {value}, not the published record schema {url}",
    Verdict.ABSOLUTE: "the schema modeline names the absolute path {value}, which exists on one machine at most",
    Verdict.OUTSIDE: "the schema modeline names {value}, which is outside the repository",
    Verdict.LINKED: "the schema modeline names {value} through the symbolic link {link}, which selectcheck does "
    "not follow, so it cannot tell whether editors find the record schema there",
    Verdict.MISSING: "the schema modeline names {value}, but there is no {target}, so editors check nothing",
    Verdict.NOT_A_SCHEMA: "the schema modeline names {value}, but {target} is not a JSON Schema with an `$id`",
    Verdict.OTHER_SCHEMA: "the schema modeline names {value}, which is {schema_id}, not the record schema",
    Verdict.FRAGMENT: "the schema modeline names {value}, a part of the record schema rather than the whole record",
}


def _message(modeline: Modeline, resolution: Resolution, root: Path) -> str:
    if not modeline.spaced:
        return "the schema modeline has no space after `#`, so editors skip it and check nothing"
    if not modeline.in_header:
        return (
            f"the schema modeline on line {modeline.line} comes after the first key, where editors no longer "
            "look for it, so they check nothing"
        )
    return _MESSAGES[resolution.verdict].format(
        value=modeline.value,
        url=PUBLISHED_URL,
        target=_shown(resolution.target, root),
        schema_id=resolution.schema_id,
        link=_shown(resolution.link, root),
    )


def _fix(modeline: Modeline, record: Path, root: Path, schema_ids: MutableMapping[Path, str | None]) -> str:
    """The line to write: the project's copy of the record schema, relative to the record,
    where the project keeps one; else the published URL, or a copy where the path points."""
    where = "instead" if modeline.in_header else "as the first line"
    expected = schema_reference(record.parent, root, schema_ids)
    if expected != PUBLISHED_URL:
        return f"Write `# yaml-language-server: $schema={expected}` {where} (the path is relative to the record)."
    vendored = vendored_reference(record.parent, root)
    vendor = f"`selectcheck schema record > {VENDORED_PATH.as_posix()}`"
    if modeline.value == vendored and modeline.in_header and modeline.spaced:
        return (
            f"Put the schema where the line points ({vendor}), or write "
            f"`# yaml-language-server: $schema={PUBLISHED_URL}` instead."
        )
    return (
        f"Write `# yaml-language-server: $schema={PUBLISHED_URL}` {where}, or keep a copy in the repository "
        f"({vendor}) and write `$schema={vendored}`."
    )


def _shown(path: Path | None, root: Path) -> str:
    if path is None:
        return ""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
