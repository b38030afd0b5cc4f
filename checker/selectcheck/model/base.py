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

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

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
        # JSON has no infinity or NaN; YAML writes them `.inf`/`.nan` or overflows into them
        # (`1e400`). A non-finite number would only overflow later, inside a rule.
        allow_inf_nan=False,
        # Defining the classes builds nothing: the validators come from `model.compiled`,
        # built once per version of the code and cached on disk.
        defer_build=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _drop_x_keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(isinstance(k, str) and k.startswith("x-") for k in data):
            return {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}
        return data


# Years 1900-2999: no decision, score or waiver lies outside them, and date arithmetic
# (a waiver's limit is the record's date plus the policy's days) stays far from year 9999.
FIRST_YEAR, LAST_YEAR = 1900, 2999
DATE_PATTERN = r"^(?:19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$"
_ISO_DATE = re.compile(DATE_PATTERN)


def _iso_date_only(value: Any) -> Any:
    """YAML dates stay strings; accept exactly what JSON Schema's `format: date` and the
    year pattern accept (a lax pydantic date would also take a number as a Unix timestamp)."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValueError(f"dates lie between {FIRST_YEAR} and {LAST_YEAR}")
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError(f"dates are written YYYY-MM-DD, in the years {FIRST_YEAR}-{LAST_YEAR}")
    return value


IsoDate = Annotated[
    datetime.date,
    Field(strict=False),
    BeforeValidator(_iso_date_only),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]

# Upper bounds far beyond any real value that keep every later computation finite (a
# pull request can write `parameters: 1e300`): the schema refuses such a value at its node.
MAX_ITEMS = 10**9  # benchmark and evaluation items
MAX_SCORE = 10**9  # a score in any benchmark's unit (percentage points, ratings)
Finite = Annotated[float, Field(ge=-MAX_SCORE, le=MAX_SCORE)]


def _not_bool(value: Any) -> Any:
    """`true == 1` in Python, not in JSON Schema: keep booleans out of numeric literals."""
    if isinstance(value, bool):
        raise ValueError("a number is expected, not true or false")
    return value


NotBool = BeforeValidator(_not_bool)
