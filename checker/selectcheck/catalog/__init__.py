"""The facts selectcheck reasons with: GPUs, models, benchmarks and licenses.

One loader for every catalog: files named by the policy (shipped ones first, then a
repository's own), each validated by its pydantic model, merged so that a later entry with
the same id replaces an earlier one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from selectcheck.compute.aliases import AliasIndex
from selectcheck.errors import ConfigError
from selectcheck.loader import load_bytes, user_cache
from selectcheck.loader.files import RefusedFile, read_regular

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
    """Every catalog of a run, each indexed by id and alias."""

    gpus: AliasIndex[GpuEntry]
    models: AliasIndex[ModelEntry]
    benchmarks: AliasIndex[BenchmarkEntry]
    licenses: AliasIndex[LicenseEntry]


# The loaded catalogs are cached in the user's cache directory (`loader.user_cache`), keyed by
# every catalog file's path and bytes: unpickling the validated entries takes a few
# milliseconds where parsing and validating the YAML takes tens, a large share of a one-file
# pre-commit run (and the entry classes never build their validators). Any problem with the
# cache falls back to the YAML, which reports errors with their locations.
MAX_CATALOG_BYTES = 16 * 1024 * 1024


def _cache_file(contents: list[tuple[str, Path, bytes]]) -> Path | None:
    return user_cache.cache_file(
        "catalogs",
        *(f"{kind}\0{path}".encode("utf-8", "surrogateescape") + b"\0" + raw for kind, path, raw in contents),
    )


def _cached(target: Path | None) -> Catalog | None:
    catalog = user_cache.load(target)
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
    user_cache.store(target, catalog)
    return catalog


def catalog_for(catalog_files: dict[str, tuple[Path, ...]]) -> Catalog:
    return load_catalog(tuple(sorted(catalog_files.items())))
