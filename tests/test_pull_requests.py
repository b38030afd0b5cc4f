"""Pull requests that want to pass: each is made in a real git repository (or a real file
tree) the way an author would make it, and must not get a green check.

The kinds: turning checks off through the policy, emptying or moving the record directory,
hiding records behind symbolic links, forging the cross-record index with YAML the text scan
misreads, reading outside the repository, and files that would block or never end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from selectcheck.loader.summary import _parse, scan_summary
from tests.conftest import REPO, copy_base, invoke
from tests.test_history import (
    ACCEPTED,
    REC1,
    REC2,
    _git_identity,  # noqa: F401  (an autouse fixture)
    branch,
    commit_all,
    edit,
    git,
    make_repo,
    record,
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


SECRET = "root:x:0:0"  # what /etc/passwd starts with: must never appear in any output


def run(cwd: Path, *args: str) -> tuple[int, str, str]:
    result = invoke(["validate", *args], cwd)
    return result.exit_code, result.stdout, result.stderr


def report(cwd: Path, *args: str) -> tuple[int, dict[str, object], str]:
    code, out, err = run(cwd, "--format", "json", *args)
    return code, (json.loads(out) if code in (0, 1) else {}), err


def codes(data: dict[str, object]) -> set[tuple[str, str]]:
    return {(str(d["file"]), str(d["code"])) for d in data["diagnostics"]}  # type: ignore[attr-defined]


# ---- the policy cannot switch the checks off --------------------------------------------------
@pytest.mark.parametrize("code", ["SC001", "SC002", "SC003", "SC004", "SC005"])
def test_a_policy_cannot_switch_off_an_input_check(project: Path, code: str) -> None:
    (project / ".selectcheck.yaml").write_text(f"policy_version: 1\nrules:\n  SC207: warning\n  {code}: off\n")
    (project / "records" / "0001-broken.yaml").write_text("id: [unclosed\n")
    exit_code, out, err = run(project, "records")
    assert exit_code == 2 and "All checks passed" not in out
    assert f"{code}" in err and ".selectcheck.yaml:4:3" in err


def test_input_checks_ignore_select_and_ignore_flags(project: Path) -> None:
    (project / "records" / "0001-broken.yaml").write_text("id: [unclosed\n")
    copy_base(project / "records" / "0002-faq.yaml", **{"id: MSR-0001": "id: MSR-0002"})
    exit_code, data, _ = report(project, "--ignore", "SC0", "records")
    assert exit_code == 1 and ("records/0001-broken.yaml", "SC001") in codes(data)


def test_an_unknown_rule_code_in_the_policy_is_an_error(project: Path) -> None:
    (project / ".selectcheck.yaml").write_text("policy_version: 1\nrules: {SC299: off}\n")
    copy_base(project / "records" / "0001-faq.yaml")
    exit_code, _, err = run(project, "records")
    assert exit_code == 2 and "SC299 is not a rule code" in err


def test_a_policy_pointing_records_at_an_empty_folder_does_not_pass(project: Path) -> None:
    (project / "empty").mkdir()
    copy_base(project / "records" / "0001-faq.yaml", **{"chosen: Qwen/Qwen2.5-7B-Instruct": "chosen: nobody/x"})
    (project / ".selectcheck.yaml").write_text("policy_version: 1\nrecords: [empty]\n")
    exit_code, out, err = run(project)
    assert exit_code == 2 and "All checks passed" not in out
    assert "no record files" in err and "--allow-empty" in err
    assert run(project, "--allow-empty")[0] == 0


@pytest.mark.parametrize("target", ["missing-dir", "empty-dir"])
def test_nothing_to_check_is_exit_2(project: Path, target: str) -> None:
    if target == "empty-dir":
        (project / "empty-dir").mkdir()
        assert run(project, target)[0] == 2
    else:
        assert run(project, target)[0] == 2


POLICY_BASE = """\
policy_version: 1
extends: none
tasks:
  instruction-following: {benchmarks: [ifeval]}
"""


@pytest.mark.parametrize(
    ("change", "pointer", "words"),
    [
        ("rules: {SC405: off}\n", "/rules/SC405", "SC405 was error at the base and is off here"),
        ("rules: {SC402: warning}\n", "/rules/SC402", "SC402 was error at the base and is warning here"),
        ("waivers: {max_days: 5000}\n", "/waivers/max_days", "changed from 365 at the base to 5000 here"),
        ("confidence: 0.6\n", "/confidence", "changed from 0.95 at the base to 0.6 here"),
        ("own_evaluation: {min_n: 1}\n", "/own_evaluation/min_n", "changed from 100"),
        ("records: [archive]\n", "/records", "the record directories were records at the base and are archive here"),
        ("catalog: {gpus: [gpus.yaml]}\n", "/catalog/gpus", "the gpus catalog gpus.yaml was added"),
    ],
)
def test_a_pull_request_that_loosens_the_policy_fails_at_the_policy_key(
    repo: Path, change: str, pointer: str, words: str
) -> None:
    (repo / "archive").mkdir()
    record(repo, "archive/0009-faq.yaml", 9)
    (repo / "gpus.yaml").write_text((REPO / "policy" / "catalog" / "gpus.yaml").read_text())
    commit_all(repo, "archive and an unused catalog copy")
    branch(repo)
    (repo / ".selectcheck.yaml").write_text(POLICY_BASE + change)
    commit_all(repo, "policy change")

    code, data, _ = report(repo, "--changed-since", "main")

    assert code == 1
    (finding,) = [d for d in data["diagnostics"] if d["code"] == "SC009"]  # type: ignore[attr-defined]
    assert finding["file"] == ".selectcheck.yaml" and finding["pointer"] == pointer
    assert words in finding["message"]
    key = change.split(":")[0]
    assert finding["line"] == 5 and (repo / ".selectcheck.yaml").read_text().splitlines()[4].startswith(key)


def test_tightening_the_policy_is_not_reported(repo: Path) -> None:
    branch(repo)
    (repo / ".selectcheck.yaml").write_text(POLICY_BASE + "confidence: 0.99\nrules: {SC408: error}\n")
    commit_all(repo, "stricter")
    _, data, _ = report(repo, "--changed-since", "main")
    assert "SC009" not in {c for _, c in codes(data)}


def test_deleting_the_policy_file_is_reported_against_its_name(repo: Path) -> None:
    branch(repo)
    (repo / ".selectcheck.yaml").unlink()
    commit_all(repo, "back to the default policy")
    _, data, _ = report(repo, "--changed-since", "main", "--select", "SC009")
    files = {f for f, c in codes(data) if c == "SC009"}
    assert files == {".selectcheck.yaml"}


def test_the_policy_report_sits_next_to_the_records_findings(repo: Path) -> None:
    branch(repo)
    edit(repo / REC1, "context_length: 4096", "context_length: 8192")
    (repo / ".selectcheck.yaml").write_text(POLICY_BASE + "rules: {SC404: off}\n")
    commit_all(repo, "edit an accepted record and switch SC404 off")
    code, out, _ = run(repo, "--changed-since", "main")
    assert code == 1
    assert ".selectcheck.yaml:5:" in out and "SC009" in out and "SC404 was error at the base and is off here" in out


# ---- links and what lies outside the repository ------------------------------------------------
def test_a_symlinked_record_directory_is_refused_after_a_move(repo: Path) -> None:
    record(repo, REC2, 2, **ACCEPTED)
    commit_all(repo, "second accepted record")
    branch(repo)
    git(repo, "mv", "records", "archive")
    os.symlink("archive", repo / "records")
    edit(repo / "archive" / "0001-faq.yaml", "context_length: 4096", "context_length: 8192")
    commit_all(repo, "move and edit")
    code, out, err = run(repo, "--changed-since", "main")
    assert code == 2 and "records is a symbolic link" in err and "All checks passed" not in out


def test_a_record_linked_to_a_file_outside_is_not_read(project: Path) -> None:
    copy_base(project / "records" / "0001-faq.yaml")
    os.symlink("/etc/passwd", project / "records" / "0002-passwd.yaml")
    for fmt in ("text", "json", "github", "sarif", "markdown", "junit"):
        code, out, err = run(project, "--format", fmt, "records")
        assert code == 1 and SECRET not in out + err and "/etc/passwd" not in out + err
    _, data, _ = report(project, "records")
    assert ("records/0002-passwd.yaml", "SC005") in codes(data)
    assert ("records/0001-faq.yaml", "SC408") not in codes(data)  # the other record is checked (and passes)
    assert data["files"] == 2


def test_a_crafted_base_tree_cannot_write_outside_the_temporary_copy(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Git never makes a `..` path, but `git mktree` stores one: the base policy is copied into
    a temporary folder, and nothing of a crafted base revision lands beside it."""
    blob = git(repo, "hash-object", "-w", "--stdin", input="rules: {SC405: off}\n").strip()
    inner = git(repo, "mktree", input=f"100644 blob {blob}\t.selectcheck.yaml\n").strip()
    entries = git(repo, "ls-tree", "main") + f"040000 tree {inner}\t..\n"
    crafted = git(repo, "commit-tree", git(repo, "mktree", input=entries).strip(), "-p", "main", "-m", "crafted")
    git(repo, "update-ref", "refs/heads/main", crafted.strip())
    assert "../.selectcheck.yaml" in git(repo, "ls-tree", "-r", "--name-only", "main")
    git(repo, "branch", "feature", "main")
    git(repo, "symbolic-ref", "HEAD", "refs/heads/feature")  # the working tree never holds `..`
    edit(repo / REC1, "context_length: 4096", "context_length: 8192")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))

    code, data, _ = report(repo, "--changed-since", "main")

    assert code == 1 and ("records/0001-faq.yaml", "SC404") in codes(data)
    assert list(temporary.iterdir()) == []  # the copy is gone, and nothing was written beside it


def test_a_symlinked_policy_is_refused_without_quoting_it(project: Path) -> None:
    copy_base(project / "records" / "0001-faq.yaml")
    os.symlink("/etc/passwd", project / ".selectcheck.yaml")
    code, out, err = run(project, "records")
    assert code == 2 and "symbolic link" in err and SECRET not in out + err


def test_a_policy_cannot_point_the_record_directories_outside(project: Path) -> None:
    (project / ".selectcheck.yaml").write_text("policy_version: 1\nrecords: [/usr/lib]\n")
    code, out, err = run(project)
    assert code == 2 and "outside the project" in err and "/usr/lib/" not in out


def test_a_record_directory_linked_to_the_root_is_not_walked(tmp_path: Path) -> None:
    os.symlink("/", tmp_path / "records")
    code, out, err = run(tmp_path, "records")
    assert code == 2 and "records is a symbolic link" in err and "etc/" not in out


def test_links_inside_a_record_directory_are_reported_not_followed(project: Path) -> None:
    copy_base(project / "records" / "0001-faq.yaml")
    os.symlink("/etc", project / "records" / "etc")
    _, data, _ = report(project, "records")
    assert ("records/etc", "SC005") in codes(data)
    assert not any("passwd" in str(d["file"]) for d in data["diagnostics"])  # type: ignore[attr-defined]


def test_a_config_above_the_repository_is_not_the_projects(tmp_path: Path) -> None:
    (tmp_path / ".selectcheck.yaml").write_text("policy_version: 1\nrules: {SC408: off}\n")
    inner = tmp_path / "repo"
    (inner / "records").mkdir(parents=True)
    git(inner, "init", "-q")
    copy_base(inner / "records" / "0009-faq.yaml")
    _, data, _ = report(inner, "records")
    assert ("records/0009-faq.yaml", "SC408") in codes(data)


# ---- files that block or never end ---------------------------------------------------------------
def test_a_fifo_in_the_record_directory_is_reported_and_does_not_block(project: Path) -> None:
    copy_base(project / "records" / "0001-faq.yaml", **{"id: MSR-0001": "id: MSR-0002"})
    os.mkfifo(project / "records" / "0002-pipe.yaml")
    _, data, _ = report(project, "records")
    assert ("records/0002-pipe.yaml", "SC005") in codes(data)
    assert ("records/0001-faq.yaml", "SC408") in codes(data)  # the other record is still checked
    message = next(d["message"] for d in data["diagnostics"] if d["code"] == "SC005")  # type: ignore[attr-defined]
    assert "FIFO" in message


def test_a_fifo_or_device_as_a_path_is_sc005(project: Path) -> None:
    os.mkfifo(project / "pipe.yaml")
    code, data, _ = report(project, "pipe.yaml", "/dev/zero")
    assert code == 1 and {c for _, c in codes(data)} == {"SC005"} and data["files"] == 2


def test_standard_input_has_the_size_limit(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "selectcheck", "validate", "--format", "json", "-"],
        input=b"a: " + b"x" * (2 * 1024 * 1024) + b"\n",
        cwd=project,
        capture_output=True,
        check=False,
    )
    assert result.returncode == 1
    (diag,) = json.loads(result.stdout)["diagnostics"]
    assert diag["code"] == "SC005" and "limit" in diag["message"]


# ---- the cross-record index is what YAML says ---------------------------------------------------
FORGED_TITLE = 'title: "Looks harmless\nid: MSR-0009\nstatus: superseded\nsuperseded_by: MSR-0001"'


def test_a_multi_line_title_cannot_forge_the_index(project: Path) -> None:
    copy_base(project / "records" / "0001-faq.yaml", **{"decision:": "supersedes: [MSR-0009]\ndecision:"})
    copy_base(
        project / "records" / "0002-faq.yaml",
        **{"id: MSR-0001": "id: MSR-0002", "title: Base model for the FAQ answer drafter": FORGED_TITLE},
    )
    _, data, _ = report(project, "records")
    assert ("records/0001-faq.yaml", "SC402") in codes(data)  # MSR-0009 does not exist
    assert ("records/0002-faq.yaml", "SC405") not in codes(data)


def test_an_id_on_the_next_line_is_indexed(project: Path) -> None:
    copy_base(project / "records" / "0001-faq.yaml")
    copy_base(project / "records" / "0002-faq.yaml", **{"id: MSR-0001": "id:\n  MSR-0001"})
    _, data, _ = report(project, "records")
    assert ("records/0001-faq.yaml", "SC405") in codes(data)


@pytest.mark.parametrize(
    "text",
    [
        FORGED_TITLE + "\nid: MSR-0001\n",
        "id: MSR-0001\ntitle: 'the team''s pick\nstatus: accepted'\nstatus: proposed\n",
        'id: MSR-0001\ntask:\n  description: "a\nid: MSR-7"\n',
        "id:\n  MSR-0003\nstatus: accepted\n",
        "id: MSR-0001\nsupersedes:\n- MSR-0002\n",
        "id: MSR-0001\nsupersedes:\n  MSR-0002\n",
        "id : MSR-0001\nstatus: accepted\n",
        "id: MSR-0001\rstatus: accepted\r",
        "id: MSR-0001\u2028status: accepted\n",
        "notes: {a: [1,\n  2]}\nid: MSR-0004\n",
        "id: MSR-0001 # a comment\nsupersedes: [MSR-0002, 'MSR-0003'] # more\nstatus: \"accepted\"\n",
        "id: MSR-0001\nsuperseded_by: ~\nsupersedes: []\n",
    ],
)
def test_the_scan_agrees_with_yaml(text: str) -> None:
    assert scan_summary(text) == _parse(text)


def test_the_base_tree_is_read_in_a_fixed_number_of_git_processes(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deleting many accepted records costs two `git cat-file` processes, not one per file:
    every git the run starts is logged by a shim in front of the real one."""
    for number in range(2, 62):
        record(repo, f"records/{number:04d}-faq.yaml", number, **ACCEPTED)
    commit_all(repo, "sixty more accepted records")
    branch(repo)
    for number in range(2, 62):
        (repo / f"records/{number:04d}-faq.yaml").unlink()
    commit_all(repo, "delete them")
    shim = tmp_path / "bin"
    shim.mkdir()
    log = tmp_path / "git.log"
    real = subprocess.run(["which", "git"], capture_output=True, text=True, check=True).stdout.strip()
    (shim / "git").write_text(f'#!/bin/sh\necho "$1 $2" >> {log}\nexec {real} "$@"\n')
    (shim / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim}:{os.environ['PATH']}")
    import git as gitpython

    monkeypatch.setattr(gitpython.Git, "GIT_PYTHON_GIT_EXECUTABLE", str(shim / "git"))
    _, data, _ = report(repo, "--changed-since", "main", "--select", "SC411")
    assert len([d for d in data["diagnostics"] if d["code"] == "SC411"]) == 60  # type: ignore[attr-defined]
    calls = log.read_text().splitlines()
    assert sum(line.startswith("cat-file") for line in calls) <= 4  # the records and the policy files
    assert len(calls) < 20, calls
