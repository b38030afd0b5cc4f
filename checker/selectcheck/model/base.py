"""Base class shared by the record and policy models.

The pydantic models are the single source of truth: `schemas/*.schema.json` are generated
from them (`python -m selectcheck.model.schemagen`), and a test fails when a committed
schema is stale. At run time the generated JSON Schema does the validation (so editors,
check-jsonschema and selectcheck agree exactly), and the models give typed access to data
that already passed it.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

# Teams may keep their own metadata under `x-` keys; every other unknown key is a typo.
X_KEY_PATTERN = "^x-"


def _allow_x_keys(schema: dict[str, Any], _cls: type) -> None:
    schema["patternProperties"] = {X_KEY_PATTERN: {"description": "Your own metadata; ignored by selectcheck."}}


class SchemaModel(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra=_allow_x_keys,
        populate_by_name=True,
        # Strict, so that whatever pydantic accepts the generated JSON Schema accepts too:
        # no "5" → 5 coercion. The engine validates with pydantic first (fast) and asks the
        # JSON Schema only for located messages when pydantic refuses (schema_check.py).
        strict=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _drop_x_keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(isinstance(k, str) and k.startswith("x-") for k in data):
            return {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}
        return data


_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_date_only(value: Any) -> Any:
    """YAML dates stay strings; accept exactly what JSON Schema's `format: date` accepts (a
    lax pydantic date would also take a number as a Unix timestamp)."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("dates are written YYYY-MM-DD")
    return value


IsoDate = Annotated[datetime.date, Field(strict=False), BeforeValidator(_iso_date_only)]


def _not_bool(value: Any) -> Any:
    """`true == 1` in Python, not in JSON Schema: keep booleans out of numeric literals."""
    if isinstance(value, bool):
        raise ValueError("a number is expected, not true or false")
    return value


NotBool = BeforeValidator(_not_bool)
