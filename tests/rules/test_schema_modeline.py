"""SC008 schema-modeline through the real CLI, on real projects in temporary folders: every way
a modeline can miss the record schema, the line its fix names, the modelines that are fine,
and the promise that nothing outside the repository is read to decide. (That the fix really
turns an editor's checking back on is shown against yaml-language-server itself in
`tests/integrations/test_yaml_language_server.py`.)"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from selectcheck.resources import SCHEMA_BASE_URI
from tests.conftest import BASE_RECORD, REPO, invoke

URL = SCHEMA_BASE_URI + "record.schema.json"
RECORD = BASE_RECORD.read_text(encoding="utf-8")
MODELINE = "# yaml-language-server: $schema="


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with the record schema vendored where `selectcheck new` points."""
    root = tmp_path / "repo"
    (root / "schemas").mkdir(parents=True)
    (root / ".git").mkdir()  # the repository root, as selectcheck finds it
    shutil.copy(REPO / "schemas" / "record.schema.json", root / "schemas")
    return root


def _record(root: Path, relative: str, first_lines: str, body: str = RECORD) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(first_lines + body, encoding="utf-8")
    return path


def _findings(root: Path, *args: str, code: str = "SC008") -> list[dict[str, Any]]:
    result = invoke(["validate", "--format", "json", *args], root)
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    return [d for d in result.json()["diagnostics"] if d["code"] == code]


def _one(root: Path, *args: str) -> dict[str, Any]:
    (finding,) = _findings(root, *args)
    assert (finding["severity"], finding["line"], finding["pointer"]) == ("warning", 1, "")
    return finding


# ---- the case: a modeline copied into a nested folder -------------------------------------


def test_a_modeline_copied_one_folder_down_names_the_right_path(repo: Path) -> None:
    _record(repo, "records/team-a/0001-faq.yaml", f"{MODELINE}../schemas/record.schema.json\n")
    finding = _one(repo, "records")
    assert finding["file"] == "records/team-a/0001-faq.yaml"
    # The span is the value after `$schema=`, so an editor underlines exactly the path.
    assert (finding["column"], finding["end_column"]) == (33, 33 + len("../schemas/record.schema.json"))
    assert "there is no records/schemas/record.schema.json" in finding["message"]
    assert f"`{MODELINE}../../schemas/record.schema.json`" in finding["help"]


def test_without_a_vendored_schema_the_fix_names_the_url_and_how_to_vendor_it(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    _record(tmp_path, "decisions/team-a/0001-faq.yaml", f"{MODELINE}../schemas/record.schema.json\n")
    finding = _one(tmp_path, "decisions")
    assert f"`{MODELINE}{URL}`" in finding["help"]
    assert "selectcheck schema record > schemas/record.schema.json" in finding["help"]
    assert "`$schema=../../schemas/record.schema.json`" in finding["help"]


def test_a_right_path_to_a_schema_not_kept_yet_says_to_put_it_there(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    _record(tmp_path, "records/0001-faq.yaml", f"{MODELINE}../schemas/record.schema.json\n")
    finding = _one(tmp_path, "records")
    assert finding["help"].startswith(
        "Put the schema where the line points (`selectcheck schema record > schemas/record.schema.json`)"
    )
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "record.schema.json").write_text(invoke(["schema", "record"], tmp_path).stdout, "utf-8")
    assert _findings(tmp_path, "records") == []


# ---- modelines that reach the record schema ---------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "first_lines"),
    [
        ("records/0001-faq.yaml", f"{MODELINE}../schemas/record.schema.json\n"),
        ("records/team-a/2026/0001-faq.yaml", f"{MODELINE}../../../schemas/record.schema.json\n"),
        ("records/0001-faq.yaml", f"{MODELINE}{URL}\n"),
        ("records/0001-faq.yaml", f"{MODELINE}./../schemas/record.schema.json#\n"),
        # The other spellings yaml-language-server accepts: `$schema:` and JetBrains' comment.
        ("records/0001-faq.yaml", "# yaml-language-server: $schema: ../schemas/record.schema.json\n"),
        ("records/0001-faq.yaml", "# $schema: ../schemas/record.schema.json\n"),
        # Before the first key: other comments, a blank line, a directive, a document start.
        ("records/0001-faq.yaml", f"# MSR-0001\n\n%YAML 1.2\n--- {MODELINE}../schemas/record.schema.json\n"),
        ("records/0001-faq.yaml", ""),  # no modeline at all: the editor mapping covers it
        ("records/0001-faq.yaml", "# yaml-language-server is what our editors run\n"),  # no `:`: not one
    ],
)
def test_modelines_that_reach_the_record_schema_are_fine(repo: Path, relative: str, first_lines: str) -> None:
    _record(repo, relative, first_lines)
    assert _findings(repo, "records") == []


# ---- every way to miss it ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("../schemas/policy.schema.json", f"which is {SCHEMA_BASE_URI}policy.schema.json, not the record schema"),
        ("../notes/config.json", "notes/config.json is not a JSON Schema with an `$id`"),
        ("../notes/record.yaml", "notes/record.yaml is not a JSON Schema with an `$id`"),
        ("../schemas/record.schema.json#/$defs/Task", "a part of the record schema rather than the whole record"),
        ("https://json.schemastore.org/github-workflow.json", f"not the published record schema {URL}"),
        (f"{SCHEMA_BASE_URI}record.schema.json.bak", "not the published record schema"),
        ("file:///etc/record.schema.json", "the absolute path file:///etc/record.schema.json"),
        ("none", "`$schema=none` turns schema checking off"),
        ("../schemas/record-schema.json", "there is no schemas/record-schema.json"),
    ],
)
def test_a_modeline_that_misses_the_record_schema_is_flagged(repo: Path, value: str, says: str) -> None:
    shutil.copy(REPO / "schemas" / "policy.schema.json", repo / "schemas")
    (repo / "notes").mkdir()
    (repo / "notes" / "config.json").write_text('{"hidden_size": 4096}', encoding="utf-8")
    (repo / "notes" / "record.yaml").write_text("$id: x\n", encoding="utf-8")
    _record(repo, "records/0001-faq.yaml", f"{MODELINE}{value}\n")
    finding = _one(repo, "records")
    assert says in finding["message"]
    assert (finding["column"], finding["end_column"]) == (33, 33 + len(value))
    assert f"`{MODELINE}../schemas/record.schema.json`" in finding["help"]


def test_an_absolute_path_is_flagged_even_where_it_exists(repo: Path) -> None:
    schema = repo / "schemas" / "record.schema.json"
    _record(repo, "records/0001-faq.yaml", f"{MODELINE}{schema}\n")
    assert "exists on one machine at most" in _one(repo, "records")["message"]


@pytest.mark.parametrize(
    ("first_lines", "says", "span"),
    [
        (f"{MODELINE}\n", "names no schema", (25, 33)),
        (f"{MODELINE} ../schemas/record.schema.json\n", "names no schema", (25, 33)),
        ("#yaml-language-server: $schema=../schemas/record.schema.json\n", "no space after `#`", (32, 61)),
    ],
)
def test_a_modeline_the_server_skips_is_flagged(repo: Path, first_lines: str, says: str, span: tuple[int, int]) -> None:
    _record(repo, "records/0001-faq.yaml", first_lines)
    finding = _one(repo, "records")
    assert says in finding["message"]
    assert (finding["column"], finding["end_column"]) == span


def test_a_modeline_after_the_first_key_is_flagged_where_it_is(repo: Path) -> None:
    body = RECORD.replace("id: MSR-", f"{MODELINE}../schemas/record.schema.json\nid: MSR-", 1)
    _record(repo, "records/0001-faq.yaml", "", body)
    (finding,) = _findings(repo, "records")
    assert finding["line"] == body.splitlines().index(f"{MODELINE}../schemas/record.schema.json") + 1
    assert "comes after the first key" in finding["message"]
    assert f"Write `{MODELINE}../schemas/record.schema.json` as the first line" in finding["help"]


# ---- never quiet: records that fail elsewhere still get it; it can be turned off --------------------


@pytest.mark.parametrize(
    "body",
    [
        RECORD.replace("status: proposed", "status: aproved", 1),  # SC002
        RECORD.replace("schema_version: 1", "schema_version: 3", 1),  # SC003
        RECORD + "broken: [\n",  # SC001
    ],
)
def test_records_that_fail_to_load_or_validate_still_get_it(repo: Path, body: str) -> None:
    _record(repo, "records/team-a/0001-faq.yaml", f"{MODELINE}../schemas/record.schema.json\n", body)
    result = invoke(["validate", "--format", "json", "records"], repo)
    codes = sorted(d["code"] for d in result.json()["diagnostics"])
    assert "SC008" in codes and {"SC001", "SC002", "SC003"} & set(codes), codes


def test_it_can_be_regraded_turned_off_or_ignored(repo: Path) -> None:
    _record(repo, "records/team-a/0001-faq.yaml", f"{MODELINE}../schemas/record.schema.json\n")
    assert len(_findings(repo, "records")) == 1
    assert _findings(repo, "--ignore", "SC008", "records") == []
    (repo / ".selectcheck.yaml").write_text("policy_version: 1\nrules: {SC008: error}\n", encoding="utf-8")
    assert [d["severity"] for d in _findings(repo, "records")] == ["error"]
    assert invoke(["validate", "records"], repo).exit_code == 1
    (repo / ".selectcheck.yaml").write_text("policy_version: 1\nrules: {SC008: off}\n", encoding="utf-8")
    assert _findings(repo, "records") == []


def test_stdin_resolves_against_the_name_it_is_given(repo: Path) -> None:
    text = (f"{MODELINE}../schemas/record.schema.json\n" + RECORD).encode()
    args = ["validate", "--format", "json", "--stdin-filename"]
    good = invoke([*args, "records/0001-faq.yaml", "-"], repo, input=text).json()["diagnostics"]
    assert [d for d in good if d["code"] == "SC008"] == []
    nested = invoke([*args, "records/team-a/0001-faq.yaml", "-"], repo, input=text).json()["diagnostics"]
    assert [d["code"] for d in nested if d["code"] == "SC008"] == ["SC008"]


# ---- nothing outside the repository is read ---------------------------------------------------------

_OPENED: list[str] = []
_WATCHING: list[bool] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _WATCHING and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        _OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)  # audit hooks cannot be removed; this one records only while watching


@contextlib.contextmanager
def files_opened() -> Iterator[list[str]]:
    """Every file the process opens inside the block (Python's `open` audit event)."""
    _OPENED.clear()
    _WATCHING.append(True)
    try:
        yield _OPENED
    finally:
        _WATCHING.clear()


@pytest.mark.parametrize("route", ["relative", "symlink"])
def test_a_schema_outside_the_repository_is_never_read(repo: Path, tmp_path: Path, route: str) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copy(REPO / "schemas" / "record.schema.json", outside)  # the right schema, in the wrong place
    if route == "relative":
        value = "../../elsewhere/record.schema.json"
    else:
        (repo / "linked").symlink_to(outside, target_is_directory=True)
        value = "../linked/record.schema.json"
    _record(repo, "records/0001-faq.yaml", f"{MODELINE}{value}\n")
    with files_opened() as opened_files:
        finding = _one(repo, "records")
    says = "outside the repository" if route == "relative" else "through the symbolic link linked"
    assert says in finding["message"]
    assert not [p for p in opened_files if os.path.realpath(p).startswith(str(outside.resolve()))]
    assert [p for p in opened_files if p.endswith("0001-faq.yaml")], "the watch saw no file opened at all"


def test_a_schema_path_that_is_not_a_regular_file_is_not_read(repo: Path) -> None:
    # A FIFO would block a reader forever; it is refused without being opened for reading.
    fifo = repo / "schemas" / "record.fifo.json"
    os.mkfifo(fifo)
    _record(repo, "records/0001-faq.yaml", f"{MODELINE}../schemas/record.fifo.json\n")
    finding = _one(repo, "records")
    assert "schemas/record.fifo.json is not a JSON Schema" in finding["message"]
