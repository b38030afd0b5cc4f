"""Where the shipped data lives: `schemas/` and `policy/` reach the package through symlinks
in the source tree (editable installs) and as copies in a built wheel."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
SCHEMA_DIR = PACKAGE_DIR / "schemas"
POLICY_DIR = PACKAGE_DIR / "policy"
DEFAULT_POLICY = POLICY_DIR / "default.yaml"
SCHEMA_BASE_URI = "https://raw.githubusercontent.com/selectcheck/selectcheck/main/schemas/"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A committed JSON Schema by file name, e.g. `record.schema.json`."""
    with (SCHEMA_DIR / name).open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema
