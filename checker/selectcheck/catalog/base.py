"""Building blocks every catalog shares: strict pydantic entries that cite their sources.

Records name GPUs, models, benchmarks and licenses by id or alias; the lookup lives in
`selectcheck.compute.aliases`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

# Every catalog entry cites a web source; the schemas hold them to this pattern.
URL_PATTERN = r"^https?://\S+$"


class CatalogModel(BaseModel):
    """Base of every catalog entry: unknown keys are errors, `x-` keys are rejected too
    (catalogs are our own data and must stay exact), values are immutable."""

    # A repository can add catalog files through a pull request: no value may be infinite
    # or NaN (`1e400`, `.nan`), which would only overflow later, inside a rule.
    # defer_build: the entries usually come from the catalog cache, unpickled without
    # validation, so a class builds its validator only when a catalog file is read as YAML.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False, defer_build=True)


def list_to_tuple(value: Any) -> Any:
    """CatalogModel is strict, which refuses a list for a tuple; YAML only has lists."""
    return tuple(value) if isinstance(value, list) else value


# A tuple field that YAML may write as a list.
Ids = Annotated[tuple[str, ...], BeforeValidator(list_to_tuple)]
