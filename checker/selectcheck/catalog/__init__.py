"""The facts selectcheck reasons with: GPUs, models, benchmarks and licenses.

One loader for every catalog: files named by the policy (shipped ones first, then a
repository's own), each validated by its pydantic model, merged so that a later entry with
the same id replaces an earlier one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from selectcheck import __version__
from selectcheck.compute.aliases import AliasIndex
from selectcheck.errors import ConfigError
from selectcheck.loader import load_path
from selectcheck.loader.files import write_atomically

if TYPE_CHECKING:
    from selectcheck.catalog.benchmarks import BenchmarkEntry
    from selectcheck.catalog.gpus import GpuEntry
    from selectcheck.catalog.licenses import LicenseEntry
    from selectcheck.catalog.models import ModelEntry

KINDS = ("gpus", "models", "benchmarks", "licenses")


def _file_model(kind: str) -> type[BaseModel]:
    """The pydantic model of a catalog file, imported only when a catalog is loaded."""
    if kind == "gpus":
        from selectcheck.catalog.gpus import GpuCatalogFile

        return GpuCatalogFile
    if kind == "models":
        from selectcheck.catalog.models import ModelCatalogFile

        return ModelCatalogFile
    if kind == "benchmarks":
        from selectcheck.catalog.benchmarks import BenchmarkCatalogFile

        return BenchmarkCatalogFile
    from selectcheck.catalog.licenses import LicenseCatalogFile

    return LicenseCatalogFile


@dataclass(frozen=True, slots=True)
class Catalog:
    gpus: AliasIndex[GpuEntry]
    models: AliasIndex[ModelEntry]
    benchmarks: AliasIndex[BenchmarkEntry]
    licenses: AliasIndex[LicenseEntry]


# A catalog file's plain data is cached as JSON in the user's cache directory, keyed by the
# SHA-256 of the YAML bytes and selectcheck's version: JSON loads in a millisecond where YAML
# takes tens, a noticeable share of a one-file pre-commit run. A changed file has a new key,
# so a stale entry is never served; entries are written to a temporary file and renamed, so
# two runs racing never see half an entry; the cache is only an accelerator and any problem
# with it (unwritable, corrupt) falls back to the YAML, which reports errors with locations.
CACHE_ENV = "SELECTCHECK_CACHE_DIR"


def cache_directory() -> Path | None:
    """`$SELECTCHECK_CACHE_DIR` (empty: no cache), else the platform's user cache directory."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit is not None:
        return Path(explicit) if explicit else None
    base = os.environ.get("XDG_CACHE_HOME") or os.environ.get("LOCALAPPDATA")
    return (Path(base) if base else Path.home() / ".cache") / "selectcheck"


def _cache_file(raw: bytes) -> Path | None:
    directory = cache_directory()
    if directory is None:
        return None
    key = hashlib.sha256(__version__.encode() + b"\0" + raw).hexdigest()
    return directory / f"catalog-{key}.json"


def _cached_data(raw: bytes) -> Any | None:
    target = _cache_file(raw)
    if target is None:
        return None
    try:
        with target.open(encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _store(raw: bytes, data: Any) -> None:
    target = _cache_file(raw)
    if target is None:
        return
    with contextlib.suppress(OSError, TypeError, ValueError):  # a cache: a failed write costs only time
        write_atomically(target, json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def _read_entries(kind: str, path: Path) -> list[Any]:
    try:
        raw = path.read_bytes()
    except OSError:
        raw = b""
    data = _cached_data(raw) if raw else None
    if data is not None:
        try:
            parsed = _file_model(kind).model_validate(data)
            return list(getattr(parsed, kind))
        except ValidationError:
            pass  # report it from the YAML below, with a location
    return _read_yaml_entries(kind, path, raw)


def _read_yaml_entries(kind: str, path: Path, raw: bytes) -> list[Any]:
    doc = load_path(path, str(path))
    if doc.failures:
        failure = doc.failures[0]
        raise ConfigError(
            f"invalid {kind} catalog: {failure.message}",
            location=f"{path}:{failure.span.line}:{failure.span.column}",
            help=failure.help,
        )
    try:
        parsed = _file_model(kind).model_validate(doc.data)
    except ValidationError as exc:
        error = exc.errors()[0]
        pointer = "".join(f"/{p}" for p in error["loc"] if not str(p).startswith("function-"))
        span = doc.locate(pointer)
        raise ConfigError(
            f"invalid {kind} catalog entry at {pointer or '/'}: {error['msg']}",
            location=f"{path}:{span.line}:{span.column}",
            help=f"See `schemas/catalog-{kind}.schema.json`.",
        ) from exc
    entries: list[Any] = list(getattr(parsed, kind))
    _store(raw, doc.data)
    return entries


@cache
def load_catalog(files: tuple[tuple[str, tuple[Path, ...]], ...]) -> Catalog:
    """Cached per process: the shipped catalogs are parsed once however many runs a test does."""
    by_kind = dict(files)
    indexes: dict[str, AliasIndex[Any]] = {}
    for kind in KINDS:
        entries: list[Any] = []
        for path in by_kind.get(kind, ()):
            if not path.is_file():
                raise ConfigError(f"{kind} catalog not found: {path}", help="Check the policy's `catalog` paths.")
            entries.extend(_read_entries(kind, path))
        indexes[kind] = AliasIndex(entries)
    return Catalog(**indexes)


def catalog_for(catalog_files: dict[str, tuple[Path, ...]]) -> Catalog:
    return load_catalog(tuple(sorted(catalog_files.items())))
