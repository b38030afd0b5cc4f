"""Bytes to located YAML documents: the only place that knows about YAML syntax."""

from selectcheck.loader.yaml_loader import (
    LoadedDocument,
    LoadFailure,
    LoadLimits,
    load_bytes,
    load_path,
)

__all__ = ["LoadFailure", "LoadLimits", "LoadedDocument", "load_bytes", "load_path"]
