"""The per-user catalog cache: keyed by the YAML bytes, never stale, never trusted over a
broken YAML, harmless when missing or corrupt."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from selectcheck.catalog import _read_entries, cache_directory
from selectcheck.errors import ConfigError
from selectcheck.resources import POLICY_DIR

CATALOG_DIR = POLICY_DIR / "catalog"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("SELECTCHECK_CACHE_DIR", str(directory))
    return directory


def test_first_read_fills_the_cache_and_the_second_reads_it(cache: Path, tmp_path: Path) -> None:
    shutil.copy(CATALOG_DIR / "gpus.yaml", tmp_path / "gpus.yaml")
    first = _read_entries("gpus", tmp_path / "gpus.yaml")
    entries = list(cache.glob("catalog-*.json"))
    assert len(entries) == 1 and not list(cache.glob(".catalog-*"))
    assert [e["id"] for e in json.loads(entries[0].read_text())["gpus"]] == [e.id for e in first]
    # The second read is served from the cache: shown by an entry edited in the cache only.
    data = json.loads(entries[0].read_text())
    data["gpus"] = data["gpus"][:1]
    entries[0].write_text(json.dumps(data))
    assert [e.id for e in _read_entries("gpus", tmp_path / "gpus.yaml")] == [first[0].id]


def test_a_changed_file_gets_a_new_key_and_errors_come_from_the_yaml(cache: Path, tmp_path: Path) -> None:
    shutil.copy(CATALOG_DIR / "gpus.yaml", tmp_path / "gpus.yaml")
    _read_entries("gpus", tmp_path / "gpus.yaml")
    text = (tmp_path / "gpus.yaml").read_text()
    (tmp_path / "gpus.yaml").write_text(text.replace("marketed_gb: 24", "marketed_gb: lots", 1))
    with pytest.raises(ConfigError) as error:
        _read_entries("gpus", tmp_path / "gpus.yaml")
    assert error.value.location is not None and error.value.location.startswith(str(tmp_path / "gpus.yaml") + ":")
    assert len(list(cache.glob("catalog-*.json"))) == 1  # the broken file was not cached


def test_a_corrupt_entry_is_ignored_and_rewritten(cache: Path, tmp_path: Path) -> None:
    shutil.copy(CATALOG_DIR / "licenses.yaml", tmp_path / "licenses.yaml")
    expected = _read_entries("licenses", tmp_path / "licenses.yaml")
    (entry,) = cache.glob("catalog-*.json")
    entry.write_text('{"licenses": [{"id": "trunc')
    assert _read_entries("licenses", tmp_path / "licenses.yaml") == expected
    assert json.loads(entry.read_text())["licenses"][0]["id"] == expected[0].id


def test_an_unwritable_cache_is_not_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("SELECTCHECK_CACHE_DIR", str(blocker / "cache"))
    shutil.copy(CATALOG_DIR / "gpus.yaml", tmp_path / "gpus.yaml")
    assert _read_entries("gpus", tmp_path / "gpus.yaml")


def test_an_empty_setting_turns_the_cache_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELECTCHECK_CACHE_DIR", "")
    assert cache_directory() is None
    monkeypatch.delenv("SELECTCHECK_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere")
    assert cache_directory() == Path("/somewhere/selectcheck")
