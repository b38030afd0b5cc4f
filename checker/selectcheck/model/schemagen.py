"""Generate `schemas/*.schema.json` from the pydantic models (the source of truth).

Run `python -m selectcheck.model.schemagen` after changing a model; `tests/test_schemas.py`
fails while a committed schema differs from what this prints.
"""

from __future__ import annotations

import importlib
import json
import re
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


# Words of class names that are written in capitals in prose.
_ACRONYMS = {"gpu": "GPU", "vram": "VRAM", "kv": "KV", "lora": "LoRA"}
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+")


def _words(class_name: str) -> str:
    """`OwnEvaluation` → `Own evaluation`, `GpuEntry` → `GPU entry`."""
    words = [_ACRONYMS.get(w.lower(), w.lower()) for w in _WORD.findall(class_name)]
    return words[0][:1].upper() + words[0][1:] + "".join(" " + w for w in words[1:]) if words else class_name


def _holders(body: dict[str, Any]) -> dict[str, set[str]]:
    """For each `$defs` entry, the titles of the properties whose value it is (a `$ref`, or
    an optional `anyOf: [$ref, null]`); entries reached through lists and maps have none."""
    holders: dict[str, set[str]] = {}
    for schema in [body, *body.get("$defs", {}).values()]:
        for prop in schema.get("properties", {}).values():
            branches = [prop, *prop.get("anyOf", [])]
            for branch in branches:
                ref = branch.get("$ref", "")
                if ref.startswith("#/$defs/"):
                    holders.setdefault(ref.removeprefix("#/$defs/"), set()).add(prop["title"])
    return holders


def _human_titles(body: dict[str, Any]) -> None:
    """Editors (yaml-language-server) show the title of the innermost schema on hover, so a
    `$defs` entry's title is what users read over its key: pydantic's class name
    (`OwnEvaluation`) becomes the title of the property that holds it (`Own evaluation`),
    or the class name in words where several properties or a list or map hold it. The
    branches of an "either key" `anyOf` get a title each, or the server joins the untitled
    ones into "Hardware || Hardware"."""
    holders = _holders(body)
    for name, definition in body.get("$defs", {}).items():
        titles = holders.get(name, set())
        definition["title"] = next(iter(titles)) if len(titles) == 1 else _words(name)
        properties = definition.get("properties", {})
        for branch in definition.get("anyOf", []):
            required = branch.get("required", [])
            if set(branch) == {"required"} and len(required) == 1 and required[0] in properties:
                branch["title"] = f"{definition['title']}: {properties[required[0]]['title']}"


def _annotate_null_branches(body: dict[str, Any]) -> None:
    """An optional key is `anyOf: [X, {type: null}]`. yaml-language-server joins the titles
    of `anyOf` branches it cannot tell apart into "Optimizer || Optimizer"; a null branch
    that carries the key's own title and description is told apart, and reads right when the
    value is null."""
    for schema in [body, *body.get("$defs", {}).values()]:
        for prop in schema.get("properties", {}).values():
            for branch in prop.get("anyOf", []):
                if branch == {"type": "null"}:
                    branch.update(title=prop["title"], description=prop.get("description", prop["title"]))


def _drop_null_defaults(node: Any) -> None:
    """`default: null` on an optional key makes editors complete it as `key: ${1:null}`; an
    absent key means the same, so the exported schema leaves the default out (the pydantic
    models keep theirs)."""
    if isinstance(node, dict):
        if "default" in node and node["default"] is None:
            del node["default"]
        for value in node.values():
            _drop_null_defaults(value)
    elif isinstance(node, list):
        for item in node:
            _drop_null_defaults(item)


def generate(name: str) -> dict[str, Any]:
    module_name, class_name, title = SCHEMAS[name]
    model: type[BaseModel] = getattr(importlib.import_module(module_name), class_name)
    body = model.model_json_schema()
    _titled(body)
    _human_titles(body)
    _annotate_null_branches(body)
    _drop_null_defaults(body)
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
