"""Records with one ordinary human mistake must fail with a located error; clean controls pass.

`tests/fixtures/near-miss/<class>/` holds, per class of mistake the trust issue names, records
that differ from a clean one (`tests/fixtures/base-record.yaml` or the first example record)
by one mistake, marked where the error must land (`# expect: CODE severity @column` on the
line). `clean/` holds records that must pass. Each record is checked alone, as a team's
repository would hold it. `tests/test_hostile_inputs.py` holds the input and schema stages to
check-jsonschema's verdict on every one of them.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, invoke

CORPUS = FIXTURES / "near-miss"
EXPECT = re.compile(r"#\s*expect:\s*(SC\d{3})\s+(error|warning|info)\s+@(\d+)")
RECORDS = sorted(CORPUS.rglob("*.yaml"))


def _check(path: Path, tmp_path: Path) -> tuple[int, list[dict[str, object]]]:
    (tmp_path / "records").mkdir(parents=True)
    shutil.copy(path, tmp_path / "records" / path.name)
    result = invoke(["validate", "--format", "json", "records"], tmp_path)
    assert result.exit_code in (0, 1), result.stderr
    return result.exit_code, result.json()["diagnostics"]


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_near_miss(path: Path, tmp_path: Path) -> None:
    exit_code, diagnostics = _check(path, tmp_path)
    errors = {(d["code"], d["severity"], d["line"], d["column"]) for d in diagnostics if d["severity"] == "error"}
    if path.parent.name == "clean":
        assert exit_code == 0 and not errors, f"a clean control fails: {sorted(errors)}"
        return
    expected = {
        (code, severity, number, int(column))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        for code, severity, column in EXPECT.findall(line)
    }
    assert expected, "every near miss marks where its error must land"
    assert exit_code == 1
    assert expected <= errors, f"missing {sorted(expected - errors)}; got {sorted(errors)}"


def test_every_class_has_several_instances() -> None:
    classes = {p.parent.name for p in RECORDS} - {"clean"}
    for name in classes:
        assert len(list((CORPUS / name).glob("*.yaml"))) >= 2, name
    assert len(list((CORPUS / "clean").glob("*.yaml"))) >= 3
