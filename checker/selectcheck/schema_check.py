"""JSON-Schema validation whose every violation lands on the offending YAML node.

check-jsonschema reports a JSON path; selectcheck reports `file:line:col` of the node,
one diagnostic per violation, with a message written for people and a fix hint
(unknown keys get a "did you mean" from the allowed ones).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

import pydantic

from selectcheck.compute.aliases import normalize_id
from selectcheck.model import compiled
from selectcheck.resources import load_schema

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

    from selectcheck.loader import Yaml11Reading

ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)

_X_KEY = re.compile(r"^x-")
_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


@dataclass(frozen=True, slots=True)
class SchemaViolation:
    pointer: str
    message: str
    help: str
    at_key: bool = False  # locate the mapping key (unknown keys) rather than the value
    expected_types: tuple[str, ...] = ()  # JSON types the schema wanted, for a type violation


@cache
def validator_for(schema_name: str) -> Draft202012Validator:
    """Built once per process: building a validator costs more than validating a record."""
    from jsonschema import Draft202012Validator, FormatChecker

    schema = load_schema(schema_name)
    return Draft202012Validator(schema, format_checker=FormatChecker(formats=("date",)))


def _pointer(path: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and not math.isfinite(value):
        return "not a number" if math.isnan(value) else "infinite"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_names(expected: Any) -> str:
    names = expected if isinstance(expected, list) else [expected]
    return " or ".join(_TYPE_WORDS.get(str(n), str(n)) for n in names)


def _where(path: Any, root: Any) -> str:
    """A readable name for the node at `path`: `task`, `workloads[0] ('serving').hardware`;
    a list item is named by its `name`, `model` or `rule` so the reader knows which one."""
    text, node = "", root
    for part in path:
        node = node[part] if isinstance(node, (dict, list)) and _has_part(node, part) else None
        if isinstance(part, int):
            labels = [node.get(k) for k in ("name", "model", "rule")] if isinstance(node, dict) else []
            label = next((v for v in labels if isinstance(v, str) and v), None)
            text += f"[{part}]" + (f" ({label!r})" if label else "")
        else:
            text += f".{part}" if text else str(part)
    return text or "the record"


def _has_part(node: Any, part: Any) -> bool:
    if isinstance(node, list):
        return isinstance(part, int) and 0 <= part < len(node)
    return part in node


def _property_name(error: ValidationError, root: Any) -> str:
    """The property a value belongs to: its key, or the readable path of a list item."""
    path = error.absolute_path
    if not path:
        return "the record"
    return str(path[-1]) if isinstance(path[-1], str) else _where(path, root)


def _unwrap(error: ValidationError) -> ValidationError:
    """`anyOf: [X, null]` (an optional field) fails as 'not valid under any of the given
    schemas'; the useful message is X's own error."""
    from jsonschema.exceptions import best_match

    while error.validator in ("anyOf", "oneOf") and error.context:
        non_null = [e for e in error.context if e.validator_value != "null"]
        candidate = best_match(non_null or error.context)
        if candidate is None:
            break
        error = candidate
    return error


def _owners_of(key: str, here: Any, schema_name: str) -> list[str]:
    """The other mappings of the schema that have `key` (a workload, a candidate…)."""
    definitions = load_schema(schema_name).get("$defs", {})
    return [
        "a " + re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()
        for name, definition in sorted(definitions.items())
        if key in definition.get("properties", {}) and definition is not here
    ]


def _violations(error: ValidationError, root: Any, schema_name: str) -> Iterator[SchemaViolation]:
    branches: Any = error.validator_value
    hardware_choice = (
        error.validator == "anyOf"
        and isinstance(branches, list)
        and all(isinstance(b, dict) and set(b) <= {"required", "title"} and "required" in b for b in branches)
    )
    if hardware_choice:
        options = " or ".join(f"`{b['required'][0]}`" for b in branches)
        yield SchemaViolation(
            _pointer(error.absolute_path),
            f"{_where(error.absolute_path, root)} needs {options}",
            f"Add {options} (a catalog GPU id, or its memory in GB).",
            at_key=True,
        )
        return
    error = _unwrap(error)
    pointer = _pointer(error.absolute_path)
    validator: Any = error.validator
    expected: Any = error.validator_value
    instance: Any = error.instance
    schema: Any = error.schema
    if validator == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        for key in sorted(instance, key=str):
            if key in allowed or _X_KEY.match(str(key)):
                continue
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            owners = [] if close else _owners_of(str(key), error.schema, schema_name)
            if close:
                hint = f"Did you mean `{close[0]}`?"
            elif owners:
                hint = (
                    f"`{key}` is a key of {' or '.join(owners)}: it looks dedented out of its mapping; "
                    "indent it like the keys above it."
                )
            else:
                hint = f"Allowed keys: {', '.join(allowed)}."
            yield SchemaViolation(
                f"{pointer}/{key}",
                f"unknown key {key!r} in {_where(error.absolute_path, root)}",
                f"{hint} Keys of your own must start with `x-`.",
                at_key=True,
            )
        return
    if validator == "required":
        # jsonschema reports each missing key as its own error, naming it first in the message.
        missing = [
            name
            for name in expected
            if isinstance(instance, dict) and name not in instance and error.message.startswith(repr(name))
        ]
        for name in missing:
            yield SchemaViolation(
                f"{pointer}/{name}",
                f"missing required key {name!r}" + (f" in {_where(error.absolute_path, root)}" if pointer else ""),
                f"Add `{name}:` here; see `selectcheck schema {schema_name.removesuffix('.schema.json')}` "
                "for what it holds.",
                at_key=True,
            )
        return
    if validator == "type":
        message = f"{_property_name(error, root)} must be {_type_names(expected)}, not {_describe(instance)}"
        names = tuple(str(n) for n in (expected if isinstance(expected, list) else [expected]))
        yield SchemaViolation(pointer, message, "Change the value to the expected type.", expected_types=names)
        return
    if validator in ("enum", "const"):
        choices = expected if isinstance(expected, list) else [expected]
        words = [str(o) for o in choices]
        spelled = {normalize_id(w): w for w in words}  # `vLLM`, `AWQ_int4`: the case or separators
        close = [spelled[normalize_id(str(instance))]] if normalize_id(str(instance)) in spelled else []
        close = close or difflib.get_close_matches(str(instance), words, n=1, cutoff=0.5)
        hint = f"Did you mean `{close[0]}`? " if close else ""
        yield SchemaViolation(
            pointer,
            f"{_property_name(error, root)} is {_describe(instance)}; expected one of: {', '.join(words)}",
            f"{hint}Use one of the listed values.",
        )
        return
    if validator == "format":
        yield SchemaViolation(
            pointer,
            f"{_property_name(error, root)} is {_describe(instance)}, not a valid {expected}",
            "Write dates as YYYY-MM-DD, for example 2026-11-20.",
        )
        return
    if validator == "pattern" and isinstance(schema, dict) and schema.get("format") == "date":
        yield SchemaViolation(
            pointer,
            f"{_property_name(error, root)} {_describe(instance)} is not a date between 1900 and 2999",
            "Write the real date as YYYY-MM-DD, for example 2026-11-20.",
        )
        return
    if validator == "pattern":
        yield SchemaViolation(
            pointer,
            f"{_property_name(error, root)} {_describe(instance)} does not match the pattern {expected}",
            "Record ids look like MSR-0007 and rule codes like SC207.",
        )
        return
    if validator in ("minItems", "minLength"):
        yield SchemaViolation(
            pointer,
            f"{_property_name(error, root)} must not be empty",
            "Fill in at least one value.",
        )
        return
    if validator in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        relation = {
            "minimum": "at least",
            "exclusiveMinimum": "greater than",
            "maximum": "at most",
            "exclusiveMaximum": "less than",
        }[str(validator)]
        huge = isinstance(instance, float) and math.isinf(instance)
        yield SchemaViolation(
            pointer,
            f"{_property_name(error, root)} is {_describe(instance)}; it must be {relation} {_number(expected)}",
            "A number this large reads as infinity; write the real value." if huge else "Correct the number.",
        )
        return
    yield SchemaViolation(pointer, f"{_property_name(error, root)}: {error.message}", "Correct the value.")


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) and abs(value) >= 10_000 else str(value)


def check_schema(data: Any, schema_name: str) -> list[SchemaViolation]:
    validator = validator_for(schema_name)
    errors = sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), str(e.validator)))
    found: list[SchemaViolation] = []
    non_finite: set[str] = set()
    for error in errors:
        if isinstance(error.instance, float) and not math.isfinite(error.instance):
            # `.inf` breaks every numeric keyword at once (type, maximum, …): say it once.
            pointer = _pointer(error.absolute_path)
            if pointer in non_finite:
                continue
            non_finite.add(pointer)
        found.extend(_violations(error, data, schema_name))
    return found


def validate_document(data: Any, model: type[ModelT], schema_name: str) -> tuple[ModelT | None, list[SchemaViolation]]:
    """The typed model of `data`, or the located schema violations.

    Fast path: the strict pydantic model (compiled, ~50x faster than jsonschema, its
    validator cached on disk by `model.compiled`) never
    accepts what the generated JSON Schema rejects — a hypothesis test in
    `tests/test_schemas.py` holds them to that. Only when pydantic refuses does the JSON
    Schema run, to produce one located, readable violation per problem, and jsonschema is
    imported only then.
    """
    try:
        return compiled.validate(model, data), []
    except pydantic.ValidationError:
        pass
    violations = check_schema(data, schema_name)
    if violations:
        return None, violations
    try:  # valid JSON, stricter pydantic (e.g. `schema_version: 1.0`): accept it
        return compiled.validate(model, data, strict=False), []
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        pointer = "".join(f"/{p}" for p in first["loc"] if not str(p).startswith("function-"))
        if first["type"] == "finite_number":  # NaN: JSON Schema has no way to refuse it
            name = str(first["loc"][-1]) if first["loc"] else "the value"
            return None, [SchemaViolation(pointer, f"{name} is not a number (.nan)", "Write a number.")]
        return None, [SchemaViolation(pointer, first["msg"], "Correct the value.")]


# ---- YAML 1.1 readings -----------------------------------------------------------------------
# selectcheck reads YAML 1.2, like editors and check-jsonschema. Where YAML 1.1 (PyYAML and
# older tools) reads a plain scalar as another value and the schema wants a boolean or number
# there, say so with the fix, so a record means the same to every reader.

_BOOLEAN_OR_NUMBER = frozenset({"boolean", "number", "integer"})


def _yaml11_literal(value: Any) -> str:
    """The value as YAML 1.2 would have to be written (no digit grouping)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def yaml11_notes(
    violations: list[SchemaViolation], readings: Mapping[str, Yaml11Reading]
) -> tuple[list[SchemaViolation], list[SchemaViolation]]:
    """(the violations, with the fix for YAML 1.1 readings; warnings for numbers that pass the
    schema but that YAML 1.1 reads as another number, such as `0150`)."""
    if not readings:
        return violations, []
    noted: list[SchemaViolation] = []
    for violation in violations:
        reading = readings.get(violation.pointer)
        if reading is not None and _BOOLEAN_OR_NUMBER.intersection(violation.expected_types):
            literal = _yaml11_literal(reading.value)
            kind = "true or false" if isinstance(reading.value, bool) else "a number"
            violation = replace(
                violation,
                help=f"A bare `{reading.text}` is text in YAML 1.2 (selectcheck, editors, check-jsonschema), "
                f"although YAML 1.1 tools read it as {literal}. If you mean {kind}, write `{literal}`.",
            )
        noted.append(violation)
    warnings = []
    failing = {v.pointer for v in violations}
    for pointer, reading in readings.items():
        if pointer in failing or isinstance(reading.value, bool) or ":" in reading.text:
            continue
        if any(token.startswith("x-") for token in pointer.split("/")):
            continue  # the team's own metadata: no schema reads it
        value = reading.text.replace("_", "").lstrip("+-").lstrip("0") or "0"
        sign = "-" if reading.text.startswith("-") else ""
        warnings.append(
            SchemaViolation(
                pointer,
                f"`{reading.text}` is {sign}{value} in YAML 1.2 (selectcheck, editors, check-jsonschema), "
                f"but {_yaml11_literal(reading.value)} (octal) to YAML 1.1 tools such as PyYAML",
                f"Write `{sign}{value}` without the leading zero, so every YAML reader sees the same number.",
            )
        )
    return noted, warnings
