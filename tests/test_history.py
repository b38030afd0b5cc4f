"""Decisions as history (SC404, SC411, `--changed-since`) against real git repositories.

Every test builds a repository in a temporary directory with the git CLI, makes the change
a pull request would make, and runs the real `selectcheck validate` in-process.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TODAY, copy_base, invoke

# The test projects bring their own policy without catalogs: history rules need none.
POLICY = """\
policy_version: 1
extends: none
tasks:
  instruction-following: {benchmarks: [ifeval]}
"""
ACCEPTED = {"status: proposed": "status: accepted"}
REC1 = "records/0001-faq.yaml"
REC2 = "records/0002-faq.yaml"
REC3 = "records/0003-faq.yaml"


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Commits need an identity; the user's own git config must not leak into the tests."""
    home = tmp_path / "home"
    home.mkdir()
    for key, value in {
        "GIT_AUTHOR_NAME": "Ana Example",
        "GIT_AUTHOR_EMAIL": "ana@example.com",
        "GIT_COMMITTER_NAME": "Ana Example",
        "GIT_COMMITTER_EMAIL": "ana@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
        "HOME": str(home),
    }.items():
        monkeypatch.setenv(key, value)
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)


def git(cwd: Path, *args: str, input: str | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False, input=input)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def record(repo: Path, name: str, number: int = 1, **replacements: str) -> Path:
    target = repo / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if number != 1:
        replacements = {"id: MSR-0001": f"id: MSR-{number:04d}", **replacements}
    return copy_base(target, **replacements)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def validate(repo: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    """JSON report of the structural and record-set rules (the test policy has no catalogs,
    so catalog-backed rules would only add noise)."""
    result = invoke(["validate", "--format", "json", "--select", "SC0,SC4", "--ignore", "SC006", *args], repo)
    report = json.loads(result.stdout) if result.exit_code in (0, 1) else {}
    return result.exit_code, report, result.stderr


def findings(report: dict[str, Any], *codes: str) -> list[dict[str, Any]]:
    return [d for d in report["diagnostics"] if not codes or d["code"] in codes]


def position(path: Path, needle: str) -> tuple[int, int]:
    """1-based (line, column) of the first occurrence of `needle` in the file."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(f"{needle!r} not in {path}")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


def make_repo(tmp_path: Path) -> Path:
    """A repository whose `main` holds the policy and one accepted record, MSR-0001."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / ".selectcheck.yaml").write_text(POLICY, encoding="utf-8")
    record(root, REC1, **ACCEPTED)
    commit_all(root, "MSR-0001 accepted")
    return root


def branch(repo: Path, name: str = "feature") -> None:
    git(repo, "checkout", "-q", "-b", name)


# ---- SC404 ------------------------------------------------------------------------------------
def test_editing_an_accepted_record_reports_sc404_at_the_edited_field(repo: Path) -> None:
    branch(repo)
    edit(repo / REC1, "ifeval: {value: 71.2", "ifeval: {value: 79.9")
    commit_all(repo, "better score")

    code, report, _ = validate(repo, "--changed-since", "main")

    assert code == 1
    [diag] = findings(report, "SC404")
    assert (diag["file"], diag["severity"]) == (REC1, "error")
    assert (diag["line"], diag["column"]) == position(repo / REC1, "79.9")
    assert diag["pointer"] == "/candidates/0/scores/ifeval/value"
    assert "71.2 to 79.9" in diag["message"] and "MSR-0001" in diag["message"]
    assert "supersedes" in diag["help"]


def test_sc404_points_at_the_first_of_several_changes_and_counts_the_rest(repo: Path) -> None:
    branch(repo)
    edit(repo / REC1, "Draft answers to internal FAQ", "Draft replies to internal FAQ")
    edit(repo / REC1, "context_length: 4096", "context_length: 8192")
    edit(repo / REC1, "  - model: microsoft/phi-4\n", "  - model: microsoft/Phi-4\n")
    commit_all(repo, "several edits")

    _, report, _ = validate(repo, "--changed-since", "main")

    [diag] = findings(report, "SC404")
    assert diag["pointer"] == "/task/description"
    assert diag["line"] == position(repo / REC1, "Draft replies")[0]
    assert "and 2 more fields" in diag["message"]


def test_only_status_superseded_by_and_waivers_may_change(repo: Path) -> None:
    branch(repo)
    edit(
        repo / REC1,
        "status: accepted\n",
        "status: superseded\nsuperseded_by: MSR-0002\n",
    )
    record(repo, REC2, 2, **{"status: proposed\n": "status: accepted\nsupersedes: [MSR-0001]\n"})
    commit_all(repo, "MSR-0002 supersedes MSR-0001")

    code, report, _ = validate(repo, "--changed-since", "main")

    assert code == 0, report["diagnostics"]
    assert findings(report) == []
    assert report["files"] == 2


def test_a_waiver_for_sc404_silences_it_without_an_unused_waiver_warning(repo: Path) -> None:
    branch(repo)
    edit(repo / REC1, "https://arxiv.org/abs/2412.15115", "https://arxiv.org/abs/2412.15115v2")
    with (repo / REC1).open("a", encoding="utf-8") as handle:
        handle.write(
            "\nwaivers:\n  - rule: SC404\n    reason: The source URL pointed at a withdrawn version.\n"
            "    approved_by: ana@example.com\n    expires: 2027-06-30\n"
        )
    commit_all(repo, "fix a source link")

    code, report, _ = validate(repo, "--changed-since", "main")

    assert code == 0
    [diag] = findings(report)
    assert diag["code"] == "SC404" and diag["waived"] is True


@pytest.mark.parametrize(
    ("before", "after"),
    [("rejected", "accepted"), ("accepted", "proposed"), ("superseded", "accepted")],
)
def test_a_status_change_the_lifecycle_forbids_is_sc404_at_status(tmp_path: Path, before: str, after: str) -> None:
    root = tmp_path / "lifecycle"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / ".selectcheck.yaml").write_text(POLICY, encoding="utf-8")
    extra = "\nsuperseded_by: MSR-0002" if before == "superseded" else ""
    record(root, REC1, **{"status: proposed": f"status: {before}{extra}"})
    record(root, REC2, 2, **{"status: proposed": "status: accepted\nsupersedes: [MSR-0001]"})
    commit_all(root, "base")
    branch(root)
    edit(root / REC1, f"status: {before}{extra}", f"status: {after}")
    commit_all(root, "in place")

    code, report, _ = validate(root, "--changed-since", "main")

    assert code == 1
    lifecycle = [d for d in findings(report, "SC404") if d["pointer"] == "/status"]
    assert len(lifecycle) == 1
    assert (lifecycle[0]["line"], lifecycle[0]["column"]) == position(root / REC1, after)
    assert f"from {before} to {after}" in lifecycle[0]["message"]


def test_a_proposed_record_may_be_edited_and_accepted(repo: Path) -> None:
    record(repo, REC2, 2)
    commit_all(repo, "MSR-0002 proposed")
    branch(repo)
    edit(repo / REC2, "status: proposed", "status: accepted")
    edit(repo / REC2, "context_length: 4096", "context_length: 8192")
    commit_all(repo, "accept MSR-0002")

    code, report, _ = validate(repo, "--changed-since", "main")

    assert code == 0 and findings(report) == []


# ---- SC411 --------------------------------------------------------------------------------------
def test_deleting_an_accepted_record_is_sc411_at_its_status_line(repo: Path) -> None:
    base_text = (repo / REC1).read_text(encoding="utf-8")
    record(repo, REC2, 2)
    commit_all(repo, "MSR-0002 proposed")
    branch(repo)
    git(repo, "rm", "-q", REC1)
    git(repo, "commit", "-q", "-m", "drop MSR-0001")

    code, report, _ = validate(repo, "--changed-since", "main")

    assert code == 1
    [diag] = findings(report)
    assert (diag["code"], diag["file"], diag["pointer"]) == ("SC411", REC1, "/status")
    status_line = base_text.splitlines().index("status: accepted") + 1
    assert (diag["line"], diag["column"]) == (status_line, len("status: ") + 1)
    assert "deprecated" in diag["help"] and "superseded" in diag["help"]

    text = invoke(["validate", "--changed-since", "main"], repo).stdout
    assert f"{REC1}:{status_line}:9: SC411 [error]" in text
    assert "status: accepted" in text  # the base version's line is shown


def test_deleting_a_proposed_record_is_allowed(repo: Path) -> None:
    record(repo, REC2, 2)
    commit_all(repo, "MSR-0002 proposed")
    branch(repo)
    git(repo, "rm", "-q", REC2)
    git(repo, "commit", "-q", "-m", "withdraw MSR-0002")

    code, report, _ = validate(repo, "--changed-since", "main")

    assert code == 0 and findings(report) == []


def test_moving_an_accepted_record_is_followed_by_id(repo: Path) -> None:
    branch(repo)
    git(repo, "mv", REC1, "records/0001-faq-drafter.yaml")
    commit_all(repo, "rename")

    code, report, _ = validate(repo, "--changed-since", "main")
    assert code == 0 and findings(report) == []

    edit(repo / "records/0001-faq-drafter.yaml", "batch_size: 4", "batch_size: 16")
    commit_all(repo, "and edit")

    code, report, _ = validate(repo, "--changed-since", "main")
    assert code == 1
    [diag] = findings(report)
    assert (diag["code"], diag["file"]) == ("SC404", "records/0001-faq-drafter.yaml")
    assert f"moved from {REC1}" in diag["message"]
    assert diag["line"] == position(repo / "records/0001-faq-drafter.yaml", "batch_size: 16")[0]


# ---- --changed-since ------------------------------------------------------------------------------
def test_changed_since_checks_only_changed_records(repo: Path) -> None:
    # On main: MSR-0002 is broken (its chosen model is not a candidate) but nobody touches it.
    record(repo, REC2, 2, **{"chosen: Qwen/Qwen2.5-7B-Instruct": "chosen: Qwen/Qwen2.5-72B"})
    commit_all(repo, "broken record")
    branch(repo)
    record(repo, REC3, 3, **{"chosen: Qwen/Qwen2.5-7B-Instruct": "chosen: Qwen/Qwen2.5-3B"})
    commit_all(repo, "MSR-0003")

    code, report, _ = validate(repo, "--changed-since", "main")

    assert code == 1
    assert report["files"] == 1
    assert {(d["file"], d["code"]) for d in findings(report)} == {(REC3, "SC409")}
    # Without the flag (and outside GitHub Actions) every record is checked.
    _, everything, _ = validate(repo)
    assert {d["file"] for d in findings(everything, "SC409")} == {REC2, REC3}


def test_cross_record_rules_still_see_unchanged_records(repo: Path) -> None:
    branch(repo)
    record(repo, REC2, 2, **{"status: proposed": "status: proposed\nsupersedes: [MSR-0001]"})
    commit_all(repo, "MSR-0002 wants to supersede MSR-0001")

    _, report, _ = validate(repo, "--changed-since", "main")

    # MSR-0001 is unchanged and not checked, but SC403 knows it is still accepted.
    [diag] = findings(report)
    assert (diag["code"], diag["file"]) == ("SC403", REC2)
    assert "status accepted" in diag["message"]


def test_changed_accepted_records_are_checked_even_with_explicit_paths(repo: Path) -> None:
    branch(repo)
    edit(repo / REC1, "batch_size: 4", "batch_size: 8")
    record(repo, REC2, 2)
    commit_all(repo, "two changes")

    code, report, _ = validate(repo, "--changed-since", "main", REC2)

    assert code == 1
    assert {(d["file"], d["code"]) for d in findings(report)} == {(REC1, "SC404")}


def test_uncommitted_and_untracked_changes_count(repo: Path) -> None:
    branch(repo)
    edit(repo / REC1, "batch_size: 4", "batch_size: 8")  # not committed
    record(repo, REC2, 2, **{"chosen: Qwen/Qwen2.5-7B-Instruct": "chosen: Qwen/Qwen2.5-3B"})

    code, report, _ = validate(repo, "--changed-since", "main")

    assert code == 1
    assert {(d["file"], d["code"]) for d in findings(report)} == {(REC1, "SC404"), (REC2, "SC409")}


def test_a_policy_change_rechecks_every_record(repo: Path) -> None:
    record(repo, REC2, 2, **{"chosen: Qwen/Qwen2.5-7B-Instruct": "chosen: Qwen/Qwen2.5-72B"})
    commit_all(repo, "broken record")
    branch(repo)
    edit(repo / ".selectcheck.yaml", "extends: none\n", "extends: none\nrules: {SC207: warning}\n")
    commit_all(repo, "policy change")

    _, report, _ = validate(repo, "--changed-since", "main")

    assert {(d["file"], d["code"]) for d in findings(report)} == {(REC2, "SC409")}


def test_no_changes_means_nothing_to_check(repo: Path) -> None:
    code, report, _ = validate(repo, "--changed-since", "main")
    assert code == 0 and report["files"] == 0


# ---- CI situations --------------------------------------------------------------------------------
def test_detached_head_at_a_merge_commit(repo: Path) -> None:
    branch(repo)
    edit(repo / REC1, "ifeval: {value: 71.2", "ifeval: {value: 75.0")
    commit_all(repo, "edit on the branch")
    git(repo, "checkout", "-q", "main")
    # main moves on after the branch started; that change must not count as the PR's.
    record(repo, REC2, 2, **{"chosen: Qwen/Qwen2.5-7B-Instruct": "chosen: Qwen/Qwen2.5-72B"})
    commit_all(repo, "main moves on")
    # What actions/checkout gives a pull_request run: a detached HEAD at the merge commit.
    git(repo, "checkout", "-q", "--detach", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge feature into main", "feature")
    assert subprocess.run(["git", "symbolic-ref", "-q", "HEAD"], cwd=repo, check=False).returncode != 0
    assert len(git(repo, "rev-parse", "HEAD^@").split()) == 2

    code, report, _ = validate(repo, "--changed-since", "main")

    assert code == 1
    assert {(d["file"], d["code"]) for d in findings(report)} == {(REC1, "SC404")}


def test_github_base_ref_under_github_actions(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(origin))
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(origin), str(work))
    branch(work)
    edit(work / REC1, "batch_size: 4", "batch_size: 32")
    commit_all(work, "pull request")

    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    code, report, _ = validate(work)  # without GITHUB_ACTIONS=true: no git checks
    assert code == 0 and findings(report) == []

    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, report, _ = validate(work)
    assert code == 1
    [diag] = findings(report)
    assert diag["code"] == "SC404" and "origin/main" in diag["message"]
    # The flag wins over the environment.
    code, report, _ = validate(work, "--changed-since", "HEAD")
    assert code == 0 and report["files"] == 0

    monkeypatch.setenv("GITHUB_BASE_REF", "release")
    result = invoke(["validate"], work)
    assert result.exit_code == 2
    assert "origin/release" in result.stderr and "GITHUB_BASE_REF" in result.stderr
    assert "git fetch origin +refs/heads/release:refs/remotes/origin/release" in result.stderr


def test_a_shallow_clone_is_exit_2_with_what_to_fetch(repo: Path, tmp_path: Path) -> None:
    branch(repo)
    edit(repo / REC1, "batch_size: 4", "batch_size: 2")
    commit_all(repo, "pull request")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", f"file://{repo}", str(clone))
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"

    result = invoke(["validate", "--changed-since", "origin/main"], clone)
    assert result.exit_code == 2
    assert "shallow" in result.stderr and "origin/main" in result.stderr
    assert "fetch-depth: 0" in result.stderr
    fix = "git fetch --unshallow origin +refs/heads/main:refs/remotes/origin/main"
    assert fix in result.stderr

    # Only the base tip fetched: the merge base is still out of reach; never "no changes".
    git(clone, "fetch", "-q", "--depth", "1", "origin", "+refs/heads/main:refs/remotes/origin/main")
    result = invoke(["validate", "--changed-since", "origin/main"], clone)
    assert result.exit_code == 2
    assert "shallow" in result.stderr and "merge base" in result.stderr and fix in result.stderr

    # Doing what the message says makes the check work.
    git(clone, *fix.split()[1:])
    code, report, _ = validate(clone, "--changed-since", "origin/main")
    assert code == 1
    assert [d["code"] for d in findings(report)] == ["SC404"]


def test_unknown_revisions_and_non_repositories_are_configuration_errors(repo: Path, tmp_path: Path) -> None:
    result = invoke(["validate", "--changed-since", "no-such-branch"], repo)
    assert result.exit_code == 2 and "unknown base revision no-such-branch" in result.stderr
    result = invoke(["validate", "--changed-since", "--output=x"], repo)
    assert result.exit_code == 2 and "not a git revision" in result.stderr

    plain = tmp_path / "plain"
    (plain / "records").mkdir(parents=True)
    (plain / ".selectcheck.yaml").write_text(POLICY, encoding="utf-8")
    record(plain, REC1)
    result = invoke(["validate", "--changed-since", "main"], plain)
    assert result.exit_code == 2 and "not inside a git repository" in result.stderr

    orphan = tmp_path / "orphan"
    git(tmp_path, "clone", "-q", str(repo), str(orphan))
    git(orphan, "checkout", "-q", "--orphan", "unrelated")
    commit_all(orphan, "unrelated history")
    result = invoke(["validate", "--changed-since", "origin/main"], orphan)
    assert result.exit_code == 2 and "no common ancestor" in result.stderr


# ---- read-only, lazily imported ------------------------------------------------------------------
def _snapshot(repo: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("GIT_OPTIONAL_LOCKS", "0")  # the snapshot itself must not refresh the index
    files = {}
    for path in sorted((repo / ".git").rglob("*")):
        if path.is_file():
            files[path.relative_to(repo).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    snapshot = {
        "status": git(repo, "status", "--porcelain", "--untracked-files=all"),
        "head": git(repo, "rev-parse", "HEAD"),
        "symbolic": subprocess.run(
            ["git", "symbolic-ref", "-q", "HEAD"], cwd=repo, capture_output=True, text=True, check=False
        ).stdout,
        "refs": git(repo, "for-each-ref"),
        "git_dir": files,
    }
    monkeypatch.delenv("GIT_OPTIONAL_LOCKS")
    return snapshot


def test_the_repository_is_unchanged_after_a_run(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    branch(repo)
    edit(repo / REC1, "batch_size: 4", "batch_size: 8")
    commit_all(repo, "edit")
    record(repo, REC2, 2)  # untracked
    edit(repo / REC1, "batch_size: 8", "batch_size: 6")  # uncommitted
    # A stale stat in the index: a plain `git diff` would refresh and rewrite the index.
    os.utime(repo / ".selectcheck.yaml", (1_000_000_000, 1_000_000_000))
    before = _snapshot(repo, monkeypatch)

    for args in (["--changed-since", "main"], ["--changed-since", "main", REC2], []):
        result = invoke(["validate", "--select", "SC0,SC4", *args], repo)
        assert result.exit_code in (0, 1), result.stderr

    assert _snapshot(repo, monkeypatch) == before
    # The control: git's own porcelain does rewrite the index here.
    git(repo, "status", "--porcelain")
    assert _snapshot(repo, monkeypatch)["git_dir"] != before["git_dir"]


_PROBE = """
import sys
from selectcheck.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    print("EXIT", exc.code, "GIT", "git" in sys.modules, file=sys.stderr)
"""


def _probe(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env["SELECTCHECK_TODAY"] = TODAY
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, "validate", "--select", "SC0,SC4", "--ignore", "SC006", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stderr.strip().splitlines()[-1]


def test_gitpython_is_not_imported_without_git_checks(repo: Path) -> None:
    assert _probe(repo) == "EXIT 0 GIT False"
    # The probe can see the import when it happens.
    assert _probe(repo, "--changed-since", "main") == "EXIT 0 GIT True"
