"""The pre-commit hook, run by the real `pre-commit` tool.

`pre-commit try-repo` installs hooks from a git repository at a commit; for a local path
with uncommitted changes it commits only the *tracked* changes into a shadow clone, so new
files (this manifest, before its first commit) would be missing. The test therefore commits
a snapshot of the checkout as it is on disk (every file git does not ignore) into a
temporary repository and points try-repo at that. pre-commit builds the hook's virtual
environment with pip from the package registry (that needs the network once); the hook
itself never does, which `test_hook_entry_runs_offline` shows with sockets disabled.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, copy_base, git

MANIFEST = REPO / ".pre-commit-hooks.yaml"


def _snapshot_checkout(target: Path) -> Path:
    """A git repository holding the checkout's current files (tracked or new, not ignored)."""
    listed = git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    target.mkdir()
    for name in sorted(set(filter(None, listed.split("\0")))):
        source = REPO / name
        if not os.path.lexists(source):
            continue  # deleted in the working tree
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            os.symlink(os.readlink(source), dest)
        elif source.is_file():
            shutil.copy2(source, dest)
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "snapshot")
    return target


def _bad_record(path: Path) -> int:
    """A record whose `decision.chosen` is not a candidate (SC409); returns that line."""
    copy_base(
        path,
        **{"id: MSR-0001": "id: MSR-0002", "chosen: Qwen/Qwen2.5-7B-Instruct": "chosen: Qwen/Qwen2.5-72B-Instruct"},
    )
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if line.strip().startswith("chosen:"))


def test_manifest() -> None:
    (hook,) = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert hook["id"] == "selectcheck"
    assert hook["language"] == "python"
    assert hook["entry"] == "selectcheck validate"
    assert hook["require_serial"] is True and hook["pass_filenames"] is True
    import re

    files = re.compile(hook["files"])
    assert files.search("records/0001-x.yaml") and files.search("records/sub/0002-y.yml")
    assert not files.search("policy/default.yaml") and not files.search("records/README.md")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_try_repo_fails_on_the_bad_record(tmp_path: Path) -> None:
    hooks = _snapshot_checkout(tmp_path / "selectcheck")
    project = tmp_path / "project"
    (project / "records").mkdir(parents=True)
    copy_base(project / "records" / "0001-faq.yaml")
    bad_line = _bad_record(project / "records" / "0002-bad.yaml")
    (project / "notes").mkdir()
    (project / "notes" / "broken.yaml").write_text("not: [valid\n")  # outside `files`: not checked
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PRE_COMMIT"))}
    env.update(NO_COLOR="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PRE_COMMIT_COLOR="never")
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hooks), "selectcheck", "--all-files", "--color", "never"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,  # builds the hook's virtualenv: pip installs selectcheck and its dependencies
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "selectcheck (model-selection records)" in output and "Failed" in output, output
    assert f"records/0002-bad.yaml:{bad_line}:11: SC409 [error]" in output, output
    assert "records/0001-faq.yaml:" not in output, output
    assert "broken.yaml" not in output, output


def test_hook_entry_runs_offline(tmp_path: Path) -> None:
    """The hook's command with every socket refused: it still checks the records."""
    (tmp_path / "records").mkdir()
    copy_base(tmp_path / "records" / "0001-faq.yaml")
    _bad_record(tmp_path / "records" / "0002-bad.yaml")
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(
        "import socket\n"
        "def _refuse(*args, **kwargs):\n"
        "    raise OSError('network access attempted during selectcheck validate')\n"
        "socket.socket.connect = _refuse\n"
        "socket.socket.connect_ex = _refuse\n"
        "socket.getaddrinfo = _refuse\n"
        "socket.create_connection = _refuse\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env.update(PYTHONPATH=str(guard), NO_COLOR="1")
    (hook,) = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    entry = hook["entry"].split()
    assert entry[0] == "selectcheck"
    files = ["records/0001-faq.yaml", "records/0002-bad.yaml"]
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from selectcheck.cli import main; sys.exit(main())", *entry[1:], *files],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "SC409" in proc.stdout and "network access attempted" not in proc.stdout + proc.stderr
