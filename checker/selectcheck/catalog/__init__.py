"""The facts selectcheck reasons with: GPUs, models, benchmarks and licenses.

One loader for every catalog: files named by the policy (shipped ones first, then a
repository's own), each validated by its pydantic model, merged so that a later entry with
the same id replaces an earlier one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pydantic
from pydantic import BaseModel, ValidationError

from selectcheck import __version__
from selectcheck.compute.aliases import AliasIndex
from selectcheck.errors import ConfigError
from selectcheck.loader import load_bytes
from selectcheck.loader.files import RefusedFile, read_regular, write_atomically

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


# The loaded catalogs are cached in the user's cache directory, keyed by the SHA-256 of every
# catalog file's bytes and of selectcheck's and pydantic's versions: unpickling the validated
# entries takes a few milliseconds where parsing and validating the YAML takes tens, a large
# share of a one-file pre-commit run (and the entry classes never build their validators). A
# changed file has a new key, so a stale entry is never served; entries are written to a
# temporary file and renamed, so two runs racing never see half an entry. The cache is the
# user's own, like Python's `__pycache__`: it lives outside the repository, where a pull request
# cannot write. Any problem with it (unwritable, corrupt, from another version) falls back to
# the YAML, which reports errors with their locations.
CACHE_ENV = "SELECTCHECK_CACHE_DIR"
MAX_CATALOG_BYTES = 16 * 1024 * 1024


def cache_directory() -> Path | None:
    """`$SELECTCHECK_CACHE_DIR` (empty: no cache), else the platform's user cache directory."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit is not None:
        return Path(explicit) if explicit else None
    base = os.environ.get("XDG_CACHE_HOME") or os.environ.get("LOCALAPPDATA")
    return (Path(base) if base else Path.home() / ".cache") / "selectcheck"


def _cache_file(contents: list[tuple[str, Path, bytes]]) -> Path | None:
    directory = cache_directory()
    if directory is None:
        return None
    key = hashlib.sha256(f"{__version__}\0{pydantic.VERSION}".encode())
    for kind, path, raw in contents:
        key.update(f"\0{kind}\0{path}\0".encode("utf-8", "surrogateescape"))
        key.update(hashlib.sha256(raw).digest())
    return directory / f"catalogs-{key.hexdigest()}.pickle"


def _cached(target: Path | None) -> Catalog | None:
    if target is None:
        return None
    try:
        with target.open("rb") as handle:
            catalog = pickle.load(handle)
    except Exception:  # missing, truncated, or written by another version: rebuild it
        return None
    return catalog if isinstance(catalog, Catalog) else None


def _read_catalog_file(kind: str, path: Path) -> bytes:
    try:
        raw = read_regular(path, MAX_CATALOG_BYTES)
    except (OSError, RefusedFile) as exc:
        message = f"{kind} catalog {path} cannot be read: {exc}"
        raise ConfigError(message, help="Check the policy's `catalog` paths.") from exc
    if len(raw) > MAX_CATALOG_BYTES:
        raise ConfigError(f"{kind} catalog {path} is over the {MAX_CATALOG_BYTES:,}-byte limit")
    return raw


def _read_yaml_entries(kind: str, path: Path, raw: bytes) -> list[Any]:
    doc = load_bytes(raw, str(path))
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
    return entries


@cache
def load_catalog(files: tuple[tuple[str, tuple[Path, ...]], ...]) -> Catalog:
    """Cached per process: the shipped catalogs are parsed once however many runs a test does."""
    by_kind = dict(files)
    contents: list[tuple[str, Path, bytes]] = []
    for kind in KINDS:
        for path in by_kind.get(kind, ()):
            if not path.exists():
                raise ConfigError(f"{kind} catalog not found: {path}", help="Check the policy's `catalog` paths.")
            contents.append((kind, path, _read_catalog_file(kind, path)))
    target = _cache_file(contents)
    cached = _cached(target)
    if cached is not None:
        return cached
    entries: dict[str, list[Any]] = {kind: [] for kind in KINDS}
    for kind, path, raw in contents:
        entries[kind].extend(_read_yaml_entries(kind, path, raw))
    catalog = Catalog(**{kind: AliasIndex(found) for kind, found in entries.items()})
    if target is not None:
        with contextlib.suppress(OSError, pickle.PicklingError):  # a cache: a failed write costs only time
            write_atomically(target, pickle.dumps(catalog, protocol=pickle.HIGHEST_PROTOCOL))
    return catalog


def catalog_for(catalog_files: dict[str, tuple[Path, ...]]) -> Catalog:
    return load_catalog(tuple(sorted(catalog_files.items())))
