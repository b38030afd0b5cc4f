"""Every rule against real YAML fixtures: `tests/fixtures/rules/<CODE>/<case>/`.

A case directory holds the records of a small project (plus an optional `.selectcheck.yaml`
policy and any files the records name). Expectations live in the fixtures themselves, as a
comment on the line of the node the finding must point at:

    chosen: Qwen/Qwen2.5-7B-instruct  # expect: SC409 error @11

means: a SC409 diagnostic of severity error at this line, column 11. In `fail*` cases the
diagnostics of the case's code must be exactly the expected ones; in `pass*` cases there
must be none of that code.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, invoke

EXPECT = re.compile(r"#\s*expect:\s*(SC\d{3})\s+(error|warning|info)\s+@(\d+)")
RULE_FIXTURES = FIXTURES / "rules"
CASES = sorted(p for p in RULE_FIXTURES.glob("SC*/*") if p.is_dir())


def _expected(case: Path) -> set[tuple[str, str, str, int, int]]:
    found = set()
    for file in sorted(case.rglob("*.yaml")):
        if file.name.startswith("."):
            continue
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            for code, severity, column in EXPECT.findall(line):
                found.add((f"records/{file.relative_to(case).as_posix()}", code, severity, number, int(column)))
    return found


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}-{c.name}" for c in CASES])
def test_rule_fixture(case: Path, tmp_path: Path) -> None:
    code = case.parent.name
    records = tmp_path / "records"
    shutil.copytree(case, records)
    for extra in records.glob(".selectcheck.yaml"):
        extra.rename(tmp_path / extra.name)
    result = invoke(["validate", "--format", "json", "records"], tmp_path)
    assert result.exit_code in (0, 1), result.stderr
    report = result.json()
    actual = {
        (d["file"], d["code"], d["severity"], d["line"], d["column"])
        for d in report["diagnostics"]
        if d["code"] == code and not d["waived"]
    }
    expected = _expected(case)
    if case.name.startswith("pass"):
        assert not expected, "pass cases must not carry expectations"
        assert actual == set(), f"{code} fired on a passing fixture: {actual}"
    else:
        assert expected, "fail cases must mark at least one expected finding"
        assert actual == expected


def test_every_implemented_rule_has_fixtures() -> None:
    from selectcheck.rules.registry import all_rules

    covered = {p.parent.name for p in CASES}
    for code, rule in all_rules().items():
        if rule.stage in ("git", "hardware"):
            continue  # exercised against real git repositories / a faked NVML instead
        cases = {p.name.split("-")[0] for p in RULE_FIXTURES.glob(f"{code}/*") if p.is_dir()}
        assert code in covered and {"pass", "fail"} <= cases, f"{code} needs a pass and a fail fixture"
