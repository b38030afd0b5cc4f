"""The record and policy validators cached on disk (`model.compiled`): the same verdicts as
the models' own validation, served from the cache in later processes, never stale when the
code changes, and harmless when the cache is corrupt."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any

import pydantic
import pytest
import yaml

from selectcheck.loader import load_bytes, user_cache
from selectcheck.model import compiled
from selectcheck.model.policy import Policy
from selectcheck.model.record import Record
from selectcheck.resources import DEFAULT_POLICY
from tests.conftest import FIXTURES, REPO

RECORD_FILES = sorted([*REPO.glob("records/*.yaml"), *FIXTURES.rglob("*.yaml")])


def _outcome(validate: Any, data: Any, strict: bool) -> Any:
    try:
        return ("valid", validate(data, strict=strict))
    except pydantic.ValidationError as error:
        return ("invalid", [(e["type"], e["loc"]) for e in error.errors()])


def _documents() -> list[tuple[str, Any]]:
    found = []
    for path in RECORD_FILES:
        doc = load_bytes(path.read_bytes(), str(path))
        if not doc.failures:  # the loader's own fixtures never reach a validator
            found.append((str(path.relative_to(REPO)), doc.data))
    return found


def test_the_cached_validator_judges_every_fixture_as_the_model_does(tmp_path: Path) -> None:
    documents = _documents()
    assert len(documents) > 100
    valid = 0
    for strict in (True, False):
        for name, data in documents:
            expected = _outcome(Record.model_validate, data, strict)
            assert _outcome(partial(compiled.validate, Record), data, strict) == expected, name
            valid += expected[0] == "valid"
    assert valid > 20  # both verdicts are exercised
    policy = yaml.safe_load(DEFAULT_POLICY.read_bytes())
    policy.pop("extends", None)
    assert compiled.validate(Policy, policy) == Policy.model_validate(policy)


_PROBE = """
import json, sys
from selectcheck.cli import main
from selectcheck.model.record import Record
try:
    main(["validate", "--format", "json", sys.argv[1]])
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "built": bool(Record.__pydantic_complete__),
                  "plugins": "pydantic.plugin._loader" in sys.modules}), file=sys.stderr)
"""


def _probe(record: Path, cache: Path) -> tuple[dict[str, Any], str]:
    env = {**os.environ, "SELECTCHECK_CACHE_DIR": str(cache), "SELECTCHECK_TODAY": "2026-11-26"}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(record)], capture_output=True, text=True, env=env, cwd=REPO, check=False
    )
    return json.loads(done.stderr.strip().splitlines()[-1]), done.stdout


def test_a_later_process_validates_with_the_cached_validator_and_builds_no_model(tmp_path: Path) -> None:
    record = REPO / "records" / "0001-code-review-assistant.yaml"
    first, first_report = _probe(record, tmp_path)
    assert first["built"] is True  # nothing cached yet: the model was built
    assert len(list(tmp_path.glob("validator-*.pickle"))) == 2  # the record's and the policy's
    second, second_report = _probe(record, tmp_path)
    assert second == {"code": first["code"], "built": False, "plugins": False}
    assert second_report == first_report


def test_a_changed_module_changes_the_fingerprint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "selectcheck"
    shutil.copytree(Path(user_cache.__file__).parent.parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(user_cache, "_PACKAGE_DIR", package)
    before = user_cache.code_fingerprint.__wrapped__()
    assert user_cache.code_fingerprint.__wrapped__() == before  # stable while nothing changes
    model = package / "model" / "record.py"
    model.write_text(model.read_text() + "\n# a change\n")
    assert user_cache.code_fingerprint.__wrapped__() != before


def test_a_corrupt_or_foreign_entry_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELECTCHECK_CACHE_DIR", str(tmp_path))
    data = yaml.safe_load((REPO / "records" / "0001-code-review-assistant.yaml").read_bytes())
    expected = Record.model_validate(data)
    target = user_cache.cache_file("validator", f"{Record.__module__}.{Record.__qualname__}".encode())
    assert target is not None
    for content in (b"\x80\x05truncated", pickle.dumps({"not": "a validator"})):
        target.write_bytes(content)
        compiled._validator.cache_clear()
        assert compiled.validate(Record, data) == expected
        assert pickle.loads(target.read_bytes()).__class__.__name__ == "SchemaValidator"
    compiled._validator.cache_clear()


def test_runs_racing_on_an_empty_cache_agree_and_leave_whole_entries(tmp_path: Path) -> None:
    record = REPO / "records" / "0001-code-review-assistant.yaml"
    env = {**os.environ, "SELECTCHECK_CACHE_DIR": str(tmp_path), "SELECTCHECK_TODAY": "2026-11-26"}
    command = [sys.executable, "-m", "selectcheck", "validate", "--format", "json", str(record)]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, env=env, cwd=REPO) for _ in range(4)]
    reports = {run.communicate()[0] for run in runs}
    assert len(reports) == 1 and b'"tool": "selectcheck"' in reports.pop()
    assert all(run.returncode == 0 for run in runs)
    entries = sorted(p.name.split("-")[0] for p in tmp_path.iterdir())
    assert entries == ["catalogs", "validator", "validator"]  # no temporary file left behind
    for entry in tmp_path.iterdir():
        assert pickle.loads(entry.read_bytes()) is not None


def test_an_unwritable_or_disabled_cache_only_costs_time(tmp_path: Path) -> None:
    record = REPO / "records" / "0001-code-review-assistant.yaml"
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    expected = None
    for setting in ("", str(blocker / "cache"), str(tmp_path / "cache")):
        env = {**os.environ, "SELECTCHECK_CACHE_DIR": setting, "SELECTCHECK_TODAY": "2026-11-26"}
        command = [sys.executable, "-m", "selectcheck", "validate", "--format", "json", str(record)]
        done = subprocess.run(command, capture_output=True, env=env, cwd=REPO, check=False)
        assert done.returncode == 0 and done.stderr == b""
        expected = expected or done.stdout
        assert done.stdout == expected
    assert sorted(tmp_path.iterdir()) == [blocker, tmp_path / "cache"]  # nothing written elsewhere


def test_the_cache_keeps_a_bounded_number_of_entries_per_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELECTCHECK_CACHE_DIR", str(tmp_path))
    for age in range(20):  # entries of older versions of the code, the oldest last
        old = tmp_path / f"validator-{age:064x}.pickle"
        old.write_bytes(pickle.dumps(age))
        os.utime(old, ns=(10**18 - age * 10**9, 10**18 - age * 10**9))
    other_kind = tmp_path / f"catalogs-{0:064x}.pickle"
    other_kind.write_bytes(b"")
    os.utime(other_kind, ns=(1, 1))
    target = user_cache.cache_file("validator", b"this version")
    user_cache.store(target, "new")
    kept = sorted(p.name for p in tmp_path.glob("validator-*.pickle"))
    assert len(kept) == user_cache.MAX_ENTRIES_PER_KIND and target is not None and target.name in kept
    assert f"validator-{0:064x}.pickle" in kept and f"validator-{19:064x}.pickle" not in kept  # oldest go
    assert other_kind.exists()  # other kinds are pruned on their own writes


def test_a_warm_process_reads_a_declared_architecture_as_a_cold_one_does(tmp_path: Path) -> None:
    """Instances of a model class that was never built (the validator came from the cache)
    still dump their fields: the architecture of a candidate is read that way (SC103)."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "rules" / "SC103" / "fail-local-config", project / "records")
    env = {**os.environ, "SELECTCHECK_CACHE_DIR": str(tmp_path / "cache"), "SELECTCHECK_TODAY": "2026-11-26"}
    command = [sys.executable, "-m", "selectcheck", "validate", "--format", "json", "records"]
    cold, warm = (subprocess.run(command, capture_output=True, env=env, cwd=project, check=False) for _ in range(2))
    assert (cold.returncode, warm.returncode) == (1, 1) and warm.stderr == b""
    assert warm.stdout == cold.stdout and b'"SC103"' in warm.stdout
