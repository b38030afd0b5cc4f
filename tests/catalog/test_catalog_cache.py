"""The per-user catalog cache: keyed by every catalog file's bytes, never stale, never
trusted over a broken YAML, harmless when missing, corrupt or unwritable."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from selectcheck.catalog import Catalog, load_catalog
from selectcheck.errors import ConfigError
from selectcheck.loader.user_cache import cache_directory
from selectcheck.resources import POLICY_DIR

CATALOG_DIR = POLICY_DIR / "catalog"
KINDS = ("gpus", "models", "benchmarks", "licenses")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("SELECTCHECK_CACHE_DIR", str(directory))
    return directory


def _copy(tmp_path: Path) -> tuple[tuple[str, tuple[Path, ...]], ...]:
    for kind in KINDS:
        shutil.copy(CATALOG_DIR / f"{kind}.yaml", tmp_path / f"{kind}.yaml")
    return tuple((kind, (tmp_path / f"{kind}.yaml",)) for kind in KINDS)


def _load(files: tuple[tuple[str, tuple[Path, ...]], ...]) -> Catalog:
    return load_catalog.__wrapped__(files)  # past the per-process memo, to the cache


def test_first_load_fills_the_cache_and_the_second_reads_it(cache: Path, tmp_path: Path) -> None:
    files = _copy(tmp_path)
    first = _load(files)
    (entry,) = cache.glob("catalogs-*.pickle")
    assert not list(cache.glob(".*"))  # no temporary file left behind
    # The second load is served from the cache: shown by an entry edited in the cache only.
    edited = pickle.loads(entry.read_bytes())
    gpus = list(edited.gpus)[:1]
    edited = Catalog(type(edited.gpus)(gpus), edited.models, edited.benchmarks, edited.licenses)
    entry.write_bytes(pickle.dumps(edited))
    second = _load(files)
    assert [g.id for g in second.gpus] == [gpus[0].id] != [g.id for g in first.gpus]


def test_a_changed_file_gets_a_new_key_and_errors_come_from_the_yaml(cache: Path, tmp_path: Path) -> None:
    files = _copy(tmp_path)
    _load(files)
    text = (tmp_path / "gpus.yaml").read_text()
    (tmp_path / "gpus.yaml").write_text(text.replace("marketed_gb: 24", "marketed_gb: lots", 1))
    with pytest.raises(ConfigError) as error:
        _load(files)
    assert error.value.location is not None and error.value.location.startswith(str(tmp_path / "gpus.yaml") + ":")
    assert len(list(cache.glob("catalogs-*.pickle"))) == 1  # the broken catalog was not cached


def test_a_corrupt_entry_is_ignored_and_rewritten(cache: Path, tmp_path: Path) -> None:
    files = _copy(tmp_path)
    expected = [e.id for e in _load(files).licenses]
    (entry,) = cache.glob("catalogs-*.pickle")
    entry.write_bytes(b"\x80\x05truncated")
    assert [e.id for e in _load(files).licenses] == expected
    assert isinstance(pickle.loads(entry.read_bytes()), Catalog)


def test_an_unwritable_cache_is_not_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("SELECTCHECK_CACHE_DIR", str(blocker / "cache"))
    assert len(_load(_copy(tmp_path)).gpus) > 10


def test_an_empty_setting_turns_the_cache_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELECTCHECK_CACHE_DIR", "")
    assert cache_directory() is None
    monkeypatch.delenv("SELECTCHECK_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere")
    assert cache_directory() == Path("/somewhere/selectcheck")


def test_a_fifo_catalog_is_a_configuration_error_not_a_hang(tmp_path: Path, cache: Path) -> None:
    import os

    files = _copy(tmp_path)
    (tmp_path / "gpus.yaml").unlink()
    os.mkfifo(tmp_path / "gpus.yaml")
    with pytest.raises(ConfigError, match="FIFO"):
        _load(files)
