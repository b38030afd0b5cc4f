"""SC408 id-filename-mismatch: the file name's number does not match the record id."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePath

from selectcheck.analysis.context import RecordContext
from selectcheck.rules.registry import Finding, rule

_FILE_NUMBER = re.compile(r"^(\d+)(?:[-_.]|$)")
_ID_NUMBER = re.compile(r"-(\d+)$")


@rule(
    code="SC408",
    name="id-filename-mismatch",
    severity="warning",
    summary="the file name's number does not match the record id",
    explanation="""
        Records live in `records/NNNN-short-slug.yaml` and the number in the file name is the
        number in the id (`0007-review-assistant.yaml` holds `MSR-0007`). When they differ,
        people open the wrong file from a reference, and two branches can take the same
        number without noticing. Leading zeros do not matter.
    """,
    failing="""
        # records/0008-review-assistant.yaml
        id: MSR-0007
    """,
    passing="""
        # records/0007-review-assistant.yaml
        id: MSR-0007
    """,
)
def id_filename_mismatch(ctx: RecordContext) -> Iterator[Finding]:
    name = PurePath(ctx.display_path).name
    id_match = _ID_NUMBER.search(ctx.record.id)
    file_match = _FILE_NUMBER.match(name)
    if id_match is None:
        return
    expected = f"{int(id_match.group(1)):04d}-"
    if file_match is None:
        yield Finding(
            "/id",
            f"the file name {name!r} has no number; the record id is {ctx.record.id}",
            f"Rename the file to start with {expected} (records/NNNN-short-slug.yaml).",
        )
    elif int(file_match.group(1)) != int(id_match.group(1)):
        yield Finding(
            "/id",
            f"the file name {name!r} says {int(file_match.group(1))} but the id is {ctx.record.id}",
            f"Rename the file to start with {expected}, or correct the id.",
        )
