"""`validate --jobs N` checks files in several processes and writes exactly the reports a
single process writes: the same findings, in the same order, in every format."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from tests.conftest import BASE_RECORD, REPO, invoke

sys.path.insert(0, str(REPO / "benchmarks"))
from generate_records import generate

FORMATS = ("text", "json", "github", "sarif", "markdown", "junit")


def _reports(project: Path, jobs: str) -> dict[str, str]:
    out = project / f"out-{jobs}"
    out.mkdir()
    args = [arg for name in FORMATS for arg in ("--format", f"{name}={out / name}")]
    result = invoke(["validate", "--jobs", jobs, *args, "records"], project)
    assert result.exit_code == 1, result.stderr
    return {name: (out / name).read_text(encoding="utf-8") for name in FORMATS}


def test_several_processes_write_the_reports_one_process_writes(tmp_path: Path) -> None:
    generate(450, tmp_path / "records")  # enough for two processes of 200 files or more
    (tmp_path / "records" / "0100-broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    shutil.copy(BASE_RECORD, tmp_path / "records" / "0200-faq.yaml")  # SC408 and SC405 across processes
    single, parallel = _reports(tmp_path, "1"), _reports(tmp_path, "2")
    for name in FORMATS:
        assert parallel[name] == single[name], f"{name} differs between --jobs 1 and --jobs 2"
    assert "SC001" in single["text"] and "SC405" in single["text"]


def _record_id(path: Path) -> str:
    return next(line.split(":", 1)[1].strip() for line in path.read_text().splitlines() if line.startswith("id:"))


def test_records_that_are_not_checked_still_index_across_processes(tmp_path: Path) -> None:
    """The index covers the record directory, not only the files given: a checked record may
    supersede one that is not checked this run, whichever process scans it."""
    paths = generate(430, tmp_path / "records")
    newer, older = paths[0], paths[-1]
    text = newer.read_text(encoding="utf-8")
    newer.write_text(text.replace("\ntitle:", f"\nsupersedes: [{_record_id(older)}]\ntitle:", 1), encoding="utf-8")
    given = [str(p.relative_to(tmp_path)) for p in paths[:-1]]  # every record but the superseded one

    def report(jobs: str) -> str:
        return invoke(["validate", "--jobs", jobs, "--format", "json", *given], tmp_path).stdout

    single, parallel = report("1"), report("2")
    assert parallel == single
    assert '"SC402"' not in parallel  # the superseded record was found in the directory
    older.unlink()  # the control: without it, the supersedes names an unknown record
    assert '"SC402"' in report("2")
