"""Cross-record rules see every record of the record directories, even when only some files
are checked (a pre-commit run passes only the changed ones)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import copy_base, invoke


def _codes(project: Path, *paths: str) -> list[tuple[str, str]]:
    report = invoke(["validate", "--format", "json", *paths], project).json()
    return [(d["file"], d["code"]) for d in report["diagnostics"]]


def test_supersede_links_resolve_against_unpassed_records(project: Path) -> None:
    records = project / "records"
    copy_base(
        records / "0001-old.yaml",
        **{"status: proposed": "status: superseded\nsuperseded_by: MSR-0002"},
    )
    copy_base(
        records / "0002-new.yaml",
        **{"id: MSR-0001": "id: MSR-0002", "status: proposed": "status: proposed\nsupersedes: [MSR-0001]"},
    )
    # Only the new record is passed; its link to MSR-0001 resolves through records/.
    assert _codes(project, "records/0002-new.yaml") == []
    # Break the other side: the unpassed record no longer points back.
    copy_base(records / "0001-old.yaml")
    assert _codes(project, "records/0002-new.yaml") == [("records/0002-new.yaml", "SC403")]
    (records / "0001-old.yaml").unlink()
    assert _codes(project, "records/0002-new.yaml") == [("records/0002-new.yaml", "SC402")]


def test_duplicate_id_is_found_when_only_one_file_is_passed(project: Path) -> None:
    copy_base(project / "records" / "0001-a.yaml")
    copy_base(project / "records" / "0001-b.yaml", **{"title: Base model": "title: Another model"})
    assert _codes(project, "records/0001-b.yaml") == [("records/0001-b.yaml", "SC405")]


def test_stdin_record_is_indexed_too(project: Path) -> None:
    copy_base(project / "records" / "0001-a.yaml")
    text = (project / "records" / "0001-a.yaml").read_bytes()
    report = invoke(
        ["validate", "--format", "json", "--stdin-filename", "records/0001-copy.yaml", "-"], project, input=text
    ).json()
    assert [d["code"] for d in report["diagnostics"]] == ["SC405"]
