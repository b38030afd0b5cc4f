"""`selectcheck shortlist --format json`: the document's shape (DESIGN §10), published as a
JSON Schema.

`schemas/shortlist.schema.json` is generated from these models (`python -m
selectcheck.model.schemagen`, printed by `selectcheck schema shortlist`); the tests hold every
shortlist the suite writes to it, and `selectcheck new --from-shortlist` reads a file through
them. Its `workload` is a record's workload (the same keys and values, `precision: any` when
every precision was tried), so it can be pasted into a record as it is.

`shortlist_version` versions the shape: it changes whenever a key is added, removed or
renamed, or a value changes type or meaning.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from selectcheck.compute.choices import WeightPrecision
from selectcheck.model.record import IntendedUse, Workload

__all__ = ["SHORTLIST_VERSION", "Shortlist", "ShortlistLicense", "ShortlistModel", "ShortlistTask"]

SHORTLIST_VERSION = 1

Bytes = Annotated[int, Field(ge=0)]
Tokens = Annotated[int, Field(ge=1)]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ShortlistWorkload(Workload):
    """The workload every model is judged on: a record workload (`record.schema.json`), whose
    `precision` is `any` when each model was tried from the highest-quality precision down."""

    precision: WeightPrecision | Literal["any"] = Field(  # type: ignore[assignment]
        title="Precision",
        description="The weight precision asked for, or `any`: each model's row says the one that fits.",
    )


class ShortlistLicense(_Shape):
    """The model's license for the intended use, under the policy's license lists."""

    id: str = Field(min_length=1, description="The license the model catalog gives the model.")
    verdict: Literal["allowed", "conditions", "forbidden"] = Field(
        description=(
            "`forbidden`: its terms forbid the use (SC301) or the policy's lists reject it (SC305); "
            "`conditions`: it permits the use on the conditions listed (SC303), or the license catalog "
            "does not know it (SC302); `allowed`: it permits the use outright."
        )
    )
    obligations: list[str] = Field(description="The conditions, as SC303 lists them; empty unless `conditions`.")


class ShortlistModel(_Shape):
    """One catalog model on the workload."""

    model: str = Field(min_length=1, description="The model's Hugging Face id, as the model catalog names it.")
    parameters: Annotated[int, Field(ge=1)] = Field(description="Total parameters (all experts).")
    precision: WeightPrecision = Field(
        description="The precision that makes it fit (the highest-quality one); else the last one tried."
    )
    fits: bool | None = Field(
        description="Whether the estimate at `precision` fits the card (SC101); null when the workload cannot run."
    )
    per_gpu_bytes: Bytes | None = Field(description="The estimated peak on one GPU at `precision`.")
    headroom_bytes: int | None = Field(
        description="The usable memory left per GPU at `precision` (negative: how far over it)."
    )
    max_context: Tokens | None = Field(
        description=(
            "The longest context (tokens per sequence, at the workload's batch) that still fits at `precision`, "
            "up to the model's own maximum; null when not even one token fits."
        )
    )
    model_max_context: Tokens = Field(description="The model's own maximum context (model catalog, SC103).")
    license: ShortlistLicense = Field(description="The license verdict for the intended use.")
    reason: str | None = Field(
        description=(
            "Why the model is left out (one reason); null for a model that fits and whose license allows the use."
        )
    )
    rule: str | None = Field(
        pattern=r"^SC[0-9]{3}$",
        description="The rule `selectcheck validate` reports for that reason: SC107, SC103, SC101, SC301 or SC305.",
    )


class ShortlistTask(_Shape):
    """The task category and the evidence its policy asks for."""

    category: str = Field(min_length=1, description="The policy's task category (`--task`).")
    benchmarks: list[str] = Field(description="The benchmarks the policy lists for the task: the evidence to gather.")
    minimums: dict[str, float] = Field(
        description="Benchmark → the lowest acceptable score of the chosen model (SC210)."
    )


class Shortlist(_Shape):
    """`selectcheck shortlist --format json`: which models can run here, under our license, for this task."""

    shortlist_version: Literal[1] = Field(
        description=(
            "The version of this shape. It changes whenever a key is added, removed or renamed, or a "
            "value changes type or meaning."
        )
    )
    workload: ShortlistWorkload = Field(description="The workload every model is judged on, as a record writes it.")
    use: IntendedUse = Field(description="The intended use the licenses are judged for (`task.intended_use`).")
    task: ShortlistTask | None = Field(description="The task category (`--task`); null when none was given.")
    card_bytes: Bytes = Field(description="The memory of one GPU: the total NVML reports, or `vram_gb`.")
    usable_bytes: Bytes = Field(
        description="What a workload may use per GPU: card × (1 − the policy's headroom), at most vLLM's share."
    )
    models: list[ShortlistModel] = Field(
        description=(
            "Every catalog model: first those that fit and whose license allows the use, then those left "
            "out; each group smallest first."
        )
    )
