"""Every rule's documented failing and passing example, run through the real CLI, so the docs
(`selectcheck explain`, docs/rules/) cannot drift from behaviour.

Loader examples are whole files. The other examples are fragments of a
record: the test lays each over `tests/fixtures/base-record.yaml` (mappings merge key by key,
other values replace the base's; a `candidates` or `workloads` item takes the keys it leaves out
from the base's item at that position, so a fragment need not repeat licenses and hardware).
The failing example must raise the rule's code; the passing one must not.

Two comment conventions, readable as they stand in the docs: a line `# records/NNNN-name.yaml`
starts the next record file of a multi-record example, and `# .selectcheck.yaml: SETTINGS`
gives the project's policy settings (over the default policy).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from selectcheck.diagnostics import Stage
from selectcheck.rules.registry import all_rules
from tests.conftest import BASE_RECORD, invoke

# Judged against real git repositories (tests/test_history.py) and a faked NVML
# (tests/test_hardware.py): their examples show two states side by side, not one record.
ELSEWHERE = {Stage.GIT, Stage.HARDWARE}
RULES = [r for r in all_rules().values() if r.stage not in ELSEWHERE]


def _overlay(base: Any, fragment: Any, key: str = "") -> Any:
    if isinstance(base, dict) and isinstance(fragment, dict):
        return {**base, **{k: _overlay(base.get(k), v, k) for k, v in fragment.items()}}
    if key in ("candidates", "workloads") and isinstance(base, list) and isinstance(fragment, list):
        return [
            {**base[min(i, len(base) - 1)], **item} if isinstance(item, dict) else item
            for i, item in enumerate(fragment)
        ]
    return fragment


FILE_MARK = re.compile(r"^# (records/\S+\.yaml)\s*$")
POLICY_MARK = re.compile(r"^# \.selectcheck\.yaml: (.+)$")


def _files(example: str) -> dict[str, str]:
    """The example's record files by path (one unnamed file unless it names several)."""
    files: dict[str, list[str]] = {}
    current = "records/0001-example.yaml"
    for line in example.splitlines():
        named = FILE_MARK.match(line)
        if named:
            current = named.group(1)
            continue
        files.setdefault(current, []).append(line)
    return {path: "\n".join(lines) + "\n" for path, lines in files.items()}


def _codes(project: Path, example: str, whole_file: bool) -> set[str]:
    (project / "records").mkdir(exist_ok=True)
    for line in example.splitlines():
        policy = POLICY_MARK.match(line)
        if policy:
            (project / ".selectcheck.yaml").write_text(f"policy_version: 1\n{policy.group(1)}\n", encoding="utf-8")
    for path, text in _files(example).items():
        if not whole_file:
            base = yaml.safe_load(BASE_RECORD.read_text(encoding="utf-8"))
            text = yaml.safe_dump(_overlay(base, yaml.safe_load(text)), sort_keys=False)
        (project / path).write_text(text, encoding="utf-8")
    result = invoke(["validate", "--format", "json", "records"], project)
    assert result.exit_code in (0, 1), result.stderr
    return {d["code"] for d in result.json()["diagnostics"] if not d["waived"]}


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
@pytest.mark.parametrize("kind", ["failing", "passing"])
def test_documented_example(rule: Any, kind: str, tmp_path: Path) -> None:
    info = rule.info
    example = info.failing_example if kind == "failing" else info.passing_example
    codes = _codes(tmp_path, example, whole_file=info.stage is Stage.LOADER)
    if kind == "failing":
        assert info.code in codes, f"the failing example of {info.code} does not fail: {sorted(codes)}"
    else:
        assert info.code not in codes, f"the passing example of {info.code} raises it: {sorted(codes)}"
