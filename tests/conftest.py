"""Shared helpers: run the real CLI in-process against real files in temporary projects."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from selectcheck.catalog import Catalog, catalog_for
from selectcheck.cli import main
from selectcheck.policy_loader import load_policy

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BASE_RECORD = FIXTURES / "base-record.yaml"
TODAY = "2026-11-26"


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.stdout)
        return data


@pytest.fixture(scope="session")
def _catalog_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("selectcheck-cache")


@pytest.fixture(autouse=True)
def _pinned_environment(monkeypatch: pytest.MonkeyPatch, _catalog_cache: Path) -> None:
    monkeypatch.setenv("SELECTCHECK_TODAY", TODAY)
    monkeypatch.setenv("SELECTCHECK_CACHE_DIR", str(_catalog_cache))  # never the user's own cache
    for name in ("GITHUB_ACTIONS", "GITHUB_BASE_REF", "GITHUB_STEP_SUMMARY", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


def invoke(args: list[str], cwd: Path, input: bytes | None = None) -> CliResult:
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        result = runner.invoke(main, args, input=input, catch_exceptions=False)
    return CliResult(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The default policy's catalogs, loaded once (catalog tests define their own `catalog`)."""
    return catalog_for(load_policy(None, cwd=REPO).catalog_files)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """An empty project directory with a `records/` folder."""
    (tmp_path / "records").mkdir()
    yield tmp_path


@pytest.fixture
def run(project: Path) -> Callable[..., CliResult]:
    def _run(*args: str, input: bytes | None = None, cwd: Path | None = None) -> CliResult:
        return invoke(list(args), cwd or project, input=input)

    return _run


def copy_base(target: Path, **replacements: str) -> Path:
    text = BASE_RECORD.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    target.write_text(text, encoding="utf-8")
    return target


@pytest.fixture
def copy_tree() -> Callable[[Path, Path], None]:
    def _copy(source: Path, target: Path) -> None:
        shutil.copytree(source, target, dirs_exist_ok=True)

    return _copy


def git(cwd: Path, *args: str) -> str:
    """Run the real git CLI in `cwd` as a fixed author; returns its standard output."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout
