"""The built wheel ships the schemas and the policy pack: install it into a fresh virtual
environment and run `selectcheck validate` outside the checkout."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_wheel_installs_and_validates_outside_the_repo(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO)],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("selectcheck-*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True)
    outside = tmp_path / "elsewhere"
    shutil.copytree(REPO / "records", outside / "records")
    result = subprocess.run(
        [str(env_dir / "bin" / "selectcheck"), "validate", "records/"],
        cwd=outside,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed" in result.stdout or "0 errors" in result.stdout
    schema = subprocess.run(
        [str(env_dir / "bin" / "selectcheck"), "schema", "policy"], cwd=outside, capture_output=True, text=True
    )
    assert '"policy_version"' in schema.stdout
    # The installed package holds real files, not links back into a source tree.
    site = subprocess.run(
        [str(python), "-c", "import selectcheck.resources as r; print(r.SCHEMA_DIR, r.DEFAULT_POLICY)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=outside,
    ).stdout.split()
    assert all(str(tmp_path) in p for p in site)
