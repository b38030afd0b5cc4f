"""Bytes to located YAML documents: the only place that knows about YAML syntax."""

from selectcheck.loader.yaml_loader import (
    LoadedDocument,
    LoadFailure,
    LoadLimits,
    Yaml11Reading,
    load_bytes,
    load_path,
)

__all__ = ["LoadFailure", "LoadLimits", "LoadedDocument", "Yaml11Reading", "load_bytes", "load_path"]
