"""Generate `schemas/*.schema.json` from the pydantic models (the source of truth).

Run `python -m selectcheck.model.schemagen` after changing a model; `tests/test_schemas.py`
fails while a committed schema differs from what this prints.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from selectcheck.resources import SCHEMA_BASE_URI, SCHEMA_DIR

# file name → (module, model class, title)
SCHEMAS: dict[str, tuple[str, str, str]] = {
    "record.schema.json": ("selectcheck.model.record", "Record", "selectcheck model-selection record"),
    "policy.schema.json": ("selectcheck.model.policy", "Policy", "selectcheck policy"),
    "catalog-gpus.schema.json": ("selectcheck.catalog.gpus", "GpuCatalogFile", "selectcheck GPU catalog"),
    "catalog-models.schema.json": ("selectcheck.catalog.models", "ModelCatalogFile", "selectcheck model catalog"),
    "catalog-benchmarks.schema.json": (
        "selectcheck.catalog.benchmarks",
        "BenchmarkCatalogFile",
        "selectcheck benchmark catalog",
    ),
    "catalog-licenses.schema.json": (
        "selectcheck.catalog.licenses",
        "LicenseCatalogFile",
        "selectcheck license catalog",
    ),
    "report.schema.json": ("selectcheck.reporters.json", "JsonReport", "selectcheck JSON report"),
    "shortlist.schema.json": ("selectcheck.model.shortlist", "Shortlist", "selectcheck shortlist"),
}


def _titled(node: Any) -> None:
    """pydantic drops `title` next to a `$ref`; editors show it, so put it back."""
    if isinstance(node, dict):
        for key, prop in node.get("properties", {}).items():
            if isinstance(prop, dict) and "title" not in prop:
                prop["title"] = key.replace("_", " ").capitalize()
        for value in node.values():
            _titled(value)
    elif isinstance(node, list):
        for item in node:
            _titled(item)


def generate(name: str) -> dict[str, Any]:
    module_name, class_name, title = SCHEMAS[name]
    model: type[BaseModel] = getattr(importlib.import_module(module_name), class_name)
    body = model.model_json_schema()
    _titled(body)
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_BASE_URI + name,
        "title": title,
    }
    schema.update({k: v for k, v in body.items() if k != "title"})
    return schema


def render(name: str) -> str:
    return json.dumps(generate(name), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    names = argv if argv else list(SCHEMAS)
    for name in names:
        try:
            text = render(name)
        except ModuleNotFoundError as exc:  # a catalog module not written yet
            print(f"skip {name}: {exc}", file=sys.stderr)
            continue
        target = Path(SCHEMA_DIR) / name
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
