"""The JSON mirror of the shipped catalogs is current and is used only while it matches."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from selectcheck.catalog import COMPILED_NAME, _compiled_catalogs, _read_entries
from selectcheck.catalog.compile import CATALOG_DIR, render
from selectcheck.errors import ConfigError


def test_committed_mirror_is_current() -> None:
    committed = (CATALOG_DIR / COMPILED_NAME).read_text(encoding="utf-8")
    assert committed == render(), "policy/catalog/compiled.json is stale: run `python -m selectcheck.catalog.compile`"


def test_mirror_and_yaml_give_the_same_entries(tmp_path: Path) -> None:
    for kind in ("gpus", "models", "benchmarks", "licenses"):
        yaml_only = tmp_path / kind
        yaml_only.mkdir()
        shutil.copy(CATALOG_DIR / f"{kind}.yaml", yaml_only / f"{kind}.yaml")
        assert _read_entries(kind, yaml_only / f"{kind}.yaml") == _read_entries(kind, CATALOG_DIR / f"{kind}.yaml")


def test_a_stale_mirror_is_ignored_and_errors_come_from_the_yaml(tmp_path: Path) -> None:
    shutil.copy(CATALOG_DIR / "gpus.yaml", tmp_path / "gpus.yaml")
    mirror = json.loads((CATALOG_DIR / COMPILED_NAME).read_text())
    (tmp_path / COMPILED_NAME).write_text(json.dumps({"gpus.yaml": mirror["gpus.yaml"]}))
    _compiled_catalogs.cache_clear()
    text = (tmp_path / "gpus.yaml").read_text()
    (tmp_path / "gpus.yaml").write_text(text.replace("marketed_gb: 24", "marketed_gb: lots", 1))
    with pytest.raises(ConfigError) as error:
        _read_entries("gpus", tmp_path / "gpus.yaml")
    assert error.value.location is not None and error.value.location.startswith(str(tmp_path / "gpus.yaml") + ":")
