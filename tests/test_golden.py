"""Golden outputs: every report format over the fixture corpus, byte for byte.

A refactor must not change what users see. Each case of `tests/fixtures/rules/`, the
example `records/`, and a git history scenario (SC404/SC411 through `--changed-since`) is
validated with all six formats written to files; the outputs must equal the files under
`tests/golden/`. An intended change of output regenerates them with
`SELECTCHECK_UPDATE_GOLDEN=1 pytest tests/test_golden.py` and shows up in review as a diff.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO, invoke

GOLDEN = Path(__file__).resolve().parent / "golden"
FORMATS = ("text", "json", "github", "sarif", "markdown", "junit")
SUFFIX = {"text": "txt", "json": "json", "github": "github.txt", "sarif": "sarif", "markdown": "md", "junit": "xml"}
CASES = sorted(p for p in (FIXTURES / "rules").glob("SC*/*") if p.is_dir())
UPDATE = os.environ.get("SELECTCHECK_UPDATE_GOLDEN") == "1"


def _outputs(cwd: Path, args: list[str]) -> dict[str, str]:
    out = cwd / ".golden-out"
    out.mkdir()
    formats = [arg for name in FORMATS for arg in ("--format", f"{name}={out / name}")]
    result = invoke(["validate", *formats, *args], cwd)
    assert result.exit_code in (0, 1), result.stderr
    texts = {name: (out / name).read_text(encoding="utf-8") for name in FORMATS}
    texts["exit"] = f"{result.exit_code}\n{result.stdout}{result.stderr}"
    shutil.rmtree(out)
    return texts


def _compare(name: str, texts: dict[str, str]) -> None:
    folder = GOLDEN / name
    for fmt, text in texts.items():
        path = folder / f"output.{SUFFIX.get(fmt, fmt)}"
        if UPDATE:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            continue
        assert path.exists(), f"no golden output {path}; run with SELECTCHECK_UPDATE_GOLDEN=1"
        assert text == path.read_text(encoding="utf-8"), f"{name}: {fmt} output changed"


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}-{c.name}" for c in CASES])
def test_fixture_case_outputs(case: Path, tmp_path: Path) -> None:
    records = tmp_path / "records"
    shutil.copytree(case, records)
    for extra in records.glob(".selectcheck.yaml"):
        extra.rename(tmp_path / extra.name)
    _compare(f"{case.parent.name}-{case.name}", _outputs(tmp_path, ["records"]))


def _vendor_schema(root: Path) -> None:
    """The schema the example records' modeline names, where it names it (without it every
    record would rightly get SC008)."""
    (root / "schemas").mkdir()
    shutil.copy(REPO / "schemas" / "record.schema.json", root / "schemas")


def test_example_records_outputs(tmp_path: Path) -> None:
    shutil.copytree(REPO / "records", tmp_path / "records")
    _vendor_schema(tmp_path)
    _compare("example-records", _outputs(tmp_path, ["records"]))


def _git(cwd: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Ana Example",
        "GIT_AUTHOR_EMAIL": "ana@example.com",
        "GIT_COMMITTER_NAME": "Ana Example",
        "GIT_COMMITTER_EMAIL": "ana@example.com",
        "GIT_AUTHOR_DATE": "2026-11-20T10:00:00Z",
        "GIT_COMMITTER_DATE": "2026-11-20T10:00:00Z",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)


def test_history_outputs(tmp_path: Path) -> None:
    """An accepted record edited in place (SC404) and another deleted (SC411), with a waiver
    of SC404 on a third record: the git stage's findings in every format."""
    shutil.copytree(REPO / "records", tmp_path / "records")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "base")
    _vendor_schema(tmp_path)  # after the commit: the base revision, and so its hash, is the records alone
    _git(tmp_path, "checkout", "-q", "-b", "change")
    first = tmp_path / "records" / "0001-code-review-assistant.yaml"
    text = first.read_text(encoding="utf-8")
    assert "context_length: " in text
    first.write_text(text.replace("context_length: ", "context_length: 1", 1), encoding="utf-8")
    (tmp_path / "records" / "0002-support-bot.yaml").unlink()
    third = tmp_path / "records" / "0003-contract-extraction-qlora.yaml"
    text = third.read_text(encoding="utf-8").replace("batch_size: 1", "batch_size: 2", 1)
    text += (
        "\nwaivers:\n  - rule: SC404\n    reason: Corrects a typo in the batch size.\n"
        "    approved_by: ana@example.com\n    expires: 2027-01-31\n"
    )
    third.write_text(text, encoding="utf-8")
    _compare("history", _outputs(tmp_path, ["--changed-since", "main"]))
