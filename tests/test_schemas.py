"""The committed JSON Schemas are generated from the pydantic models and must not be stale;
they are valid draft 2020-12 schemas with help text on every property."""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from selectcheck.loader import load_bytes
from selectcheck.model.record import Record
from selectcheck.model.schemagen import SCHEMAS, render
from selectcheck.resources import SCHEMA_DIR
from selectcheck.schema_check import check_schema
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


# ---- the fast path and the JSON Schema agree ---------------------------------------------
# The engine trusts the strict pydantic model when it accepts a record and asks jsonschema
# only when it refuses (schema_check.validate_document). That is sound only if pydantic
# never accepts what the JSON Schema rejects: hypothesis mutates valid records and checks.

_EXAMPLES = [load_bytes(p.read_bytes(), p.name).data for p in sorted((REPO / "records").glob("*.yaml"))]
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=10**8),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["", "x", "2026-11-20", "2026-11-20T00:00:00", "20261120", "MSR-7", "bf16", "x-a", "SC207"]),
    st.lists(st.sampled_from(["a", "MSR-0002", 1]), max_size=2),
    st.dictionaries(st.sampled_from(["x-own", "gpu", "typo", "value"]), st.sampled_from([1, "L4", None]), max_size=2),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_paths(value, (*prefix, index)))
    return found


def _pydantic_accepts(data: Any) -> bool:
    try:
        Record.model_validate(data)
    except Exception:
        return False
    return True


def test_examples_pass_both() -> None:
    for data in _EXAMPLES:
        assert _pydantic_accepts(data)
        assert check_schema(data, "record.schema.json") == []


@settings(max_examples=int(os.environ.get("SELECTCHECK_AGREEMENT_EXAMPLES", "300")), deadline=None)
@given(
    example=st.sampled_from(range(len(_EXAMPLES))),
    choice=st.integers(min_value=0, max_value=10_000),
    value=_VALUES,
    mode=st.sampled_from(["replace", "delete", "add-key"]),
)
def test_pydantic_never_accepts_what_the_schema_rejects(example: int, choice: int, value: Any, mode: str) -> None:
    data = copy.deepcopy(_EXAMPLES[example])
    paths = _paths(data)
    path = paths[choice % len(paths)]
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if mode == "replace":
        parent[last] = value
    elif mode == "delete" and isinstance(parent, dict):
        del parent[last]
    elif mode == "add-key" and isinstance(parent[last], dict):
        parent[last][str(value)[:12] or "k"] = value
    if _pydantic_accepts(data):
        assert check_schema(data, "record.schema.json") == [], (path, mode, value)
