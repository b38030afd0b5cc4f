"""SARIF end to end: `selectcheck validate --format sarif=FILE` on real fixture records.

The corpus is every failing rule fixture (`tests/fixtures/rules/<CODE>/fail*/`; each is run
as its own project, because cases reuse ids and carry their own policies) plus a git
project where an accepted record is edited and another deleted (SC404, SC411). Every SARIF
log must validate against the official 2.1.0 schema, carry each finding of the same run's
JSON report with the same rule, severity and region, and together the logs must show every
rule that has a failing fixture (and `test_rule_fixtures.py` requires one for every
implemented rule), plus the git rules.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
import pytest

from tests.conftest import FIXTURES, REPO, copy_base, invoke

SCHEMA_PATH = REPO / "tests" / "data" / "sarif-schema-2.1.0.json"
FAIL_CASES = sorted(p for p in (FIXTURES / "rules").glob("SC*/fail*") if p.is_dir())
LEVEL = {"error": "error", "warning": "warning", "info": "note"}

_fired: set[str] = set()


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _sarif_and_json(project: Path, *args: str) -> tuple[dict[str, Any], dict[str, Any], int]:
    result = invoke(
        ["validate", "--format", "sarif=report.sarif", "--format", "json=report.json", *args, "records"], project
    )
    assert result.exit_code in (0, 1), result.stderr
    sarif = json.loads((project / "report.sarif").read_text(encoding="utf-8"))
    report = json.loads((project / "report.json").read_text(encoding="utf-8"))
    return sarif, report, result.exit_code


def _check(sarif: dict[str, Any], report: dict[str, Any], validator: Any) -> set[str]:
    errors = sorted(validator.iter_errors(sarif), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]
    (run,) = sarif["runs"]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    results = run["results"]
    seen: list[tuple[str, str, str, int, int, int, int, bool]] = []
    for result in results:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        assert result["message"]["text"].strip()
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        region = physical["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert (region["endLine"], region["endColumn"]) >= (region["startLine"], region["startColumn"])
        uri = physical["artifactLocation"]["uri"]
        assert not uri.startswith(("/", "file:")), "URIs are relative to the repository root"
        suppressed = bool(result.get("suppressions"))
        seen.append(
            (
                unquote(uri),
                result["ruleId"],
                result["level"],
                region["startLine"],
                region["startColumn"],
                region["endLine"],
                region["endColumn"],
                suppressed,
            )
        )
    expected = [
        (
            d["file"],
            d["code"],
            LEVEL[d["severity"]],
            d["line"],
            d["column"],
            d["end_line"],
            d["end_column"],
            d["waived"],
        )
        for d in report["diagnostics"]
    ]
    assert sorted(seen) == sorted(expected)
    return {code for _, code, *_ in seen}


@pytest.mark.parametrize("case", FAIL_CASES, ids=[f"{c.parent.name}-{c.name}" for c in FAIL_CASES])
def test_fixture_case_sarif_is_valid(case: Path, tmp_path: Path, validator: Any) -> None:
    shutil.copytree(case, tmp_path / "records")
    for extra in (tmp_path / "records").glob(".selectcheck.yaml"):
        extra.rename(tmp_path / extra.name)
    sarif, report, _ = _sarif_and_json(tmp_path)
    codes = _check(sarif, report, validator)
    assert case.parent.name in codes, f"{case.parent.name} did not fire on its failing fixture"
    _fired.update(codes)


def _git(cwd: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def test_git_rules_sarif_is_valid(tmp_path: Path, validator: Any) -> None:
    records = tmp_path / "records"
    records.mkdir()
    accepted = {"status: proposed": "status: accepted"}
    copy_base(records / "0001-faq.yaml", **accepted)
    copy_base(records / "0002-faq.yaml", **accepted, **{"id: MSR-0001": "id: MSR-0002"})
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "base")
    # Rewrite an accepted decision (SC404) and delete another (SC411).
    text = (records / "0001-faq.yaml").read_text(encoding="utf-8")
    (records / "0001-faq.yaml").write_text(text.replace("context_length: 4096", "context_length: 2048"))
    (records / "0002-faq.yaml").unlink()
    sarif, report, exit_code = _sarif_and_json(tmp_path, "--changed-since", "main")
    assert exit_code == 1
    codes = _check(sarif, report, validator)
    assert {"SC404", "SC411"} <= codes, codes
    _fired.update(codes)


def test_every_fixture_rule_fired() -> None:
    """Runs after the cases above (file order): the corpus shows every rule with a fixture."""
    if len(_fired) == 0:
        pytest.skip("run with the corpus cases")
    wanted = {case.parent.name for case in FAIL_CASES} | {"SC404", "SC411"}
    assert wanted <= _fired, f"never fired: {sorted(wanted - _fired)}"
