"""The committed JSON Schemas are generated from the pydantic models and must not be stale;
they are valid draft 2020-12 schemas with help text on every property."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from selectcheck.model.schemagen import SCHEMAS, render
from selectcheck.resources import SCHEMA_DIR
from tests.conftest import REPO


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_is_current(name: str) -> None:
    committed = (REPO / "schemas" / name).read_text(encoding="utf-8")
    assert committed == render(name), f"schemas/{name} is stale: run `python -m selectcheck.model.schemagen`"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_is_valid_2020_12(name: str) -> None:
    schema = json.loads((SCHEMA_DIR / name).read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith(name)


def _properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for definition in [schema, *schema.get("$defs", {}).values()]:
        for name, prop in definition.get("properties", {}).items():
            found.append((f"{definition.get('title')}.{name}", prop))
    return found


@pytest.mark.parametrize("name", ["record.schema.json", "policy.schema.json"])
def test_every_property_has_title_and_description(name: str) -> None:
    schema = json.loads((SCHEMA_DIR / name).read_text())
    missing = [p for p, prop in _properties(schema) if not (prop.get("title") and prop.get("description"))]
    assert missing == []


def test_unknown_keys_rejected_but_x_keys_allowed() -> None:
    schema = json.loads((SCHEMA_DIR / "record.schema.json").read_text())
    validator = Draft202012Validator(schema)
    record = {
        "schema_version": 1,
        "id": "MSR-0001",
        "title": "t",
        "status": "proposed",
        "date": "2026-11-01",
        "decision_makers": ["a"],
        "task": {"category": "code", "description": "d", "intended_use": "internal"},
        "workloads": [
            {"name": "s", "mode": "inference", "hardware": {"gpu": "L4"}, "precision": "bf16", "context_length": 1}
        ],
        "candidates": [{"model": "m", "license": "mit"}],
        "decision": {"chosen": "m", "reasons": [{"kind": "other"}]},
    }
    assert validator.is_valid(record)
    assert validator.is_valid({**record, "x-owner": "platform"})
    assert not validator.is_valid({**record, "owner": "platform"})
    assert not validator.is_valid({**record, "task": {**record["task"], "x-ok": 1, "typo": 1}})
