"""The facts selectcheck reasons with: GPUs, models, benchmarks and licenses.

One loader for every catalog: files named by the policy (shipped ones first, then a
repository's own), each validated by its pydantic model, merged so that a later entry with
the same id replaces an earlier one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from selectcheck.catalog.base import AliasIndex
from selectcheck.errors import ConfigError
from selectcheck.loader import load_path

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


# The shipped catalogs are also committed as plain JSON (`compiled.json` beside them, made by
# `python -m selectcheck.catalog.compile`), keyed by each YAML file's SHA-256: JSON loads in a
# millisecond where YAML takes tens, a noticeable share of a one-file pre-commit run. The
# JSON is used only while its hash matches the YAML byte for byte; it is validated exactly
# like the YAML, and any error is reported from the YAML, with its line and column.
COMPILED_NAME = "compiled.json"


def _compiled_data(path: Path, raw: bytes) -> Any | None:
    compiled = _compiled_catalogs(path.parent)
    entry = compiled.get(path.name)
    if isinstance(entry, dict) and entry.get("sha256") == hashlib.sha256(raw).hexdigest():
        return entry.get("data")
    return None


@cache
def _compiled_catalogs(directory: Path) -> dict[str, Any]:
    try:
        with (directory / COMPILED_NAME).open(encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _read_entries(kind: str, path: Path) -> list[Any]:
    try:
        raw = path.read_bytes()
    except OSError:
        raw = b""
    data = _compiled_data(path, raw) if raw else None
    if data is not None:
        try:
            parsed = _file_model(kind).model_validate(data)
            return list(getattr(parsed, kind))
        except ValidationError:
            pass  # report it from the YAML below, with a location
    return _read_yaml_entries(kind, path)


def _read_yaml_entries(kind: str, path: Path) -> list[Any]:
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
