"""The policy pack (DESIGN §4): task categories, thresholds, severities and catalogs."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from selectcheck.model.base import MAX_ITEMS, MAX_SCORE, Finite, NotBool, SchemaModel
from selectcheck.model.record import NonEmpty, Status

# A century: longer evidence ages and waivers mean "never", and keep date arithmetic in range.
MAX_DAYS = 36_500
# selectcheck reads YAML 1.2, where a bare `off` is the text "off"; `false` (what YAML 1.1
# tools make of it) means off too, so a policy reads the same in either.
SeverityOverride = Literal["error", "warning", "info", "off", False]


class TaskPolicy(SchemaModel):
    benchmarks: Annotated[list[str], Field(min_length=1)] = Field(
        title="Benchmarks", description="Benchmark ids that measure this task; evidence must come from these."
    )
    minimums: dict[str, Finite] = Field(
        default_factory=dict,
        title="Minimums",
        description="Benchmark id → the lowest acceptable score of the chosen model (SC210).",
    )
    description: str | None = Field(default=None, title="Description", description="What the category covers.")


class VramPolicy(SchemaModel):
    headroom: Annotated[float, Field(ge=0, lt=1)] = Field(
        default=0.05,
        title="Headroom",
        description="Fraction of the card kept free: usable = total × (1 − headroom) (SC101).",
    )
    warn_headroom: Annotated[float, Field(ge=0, lt=1)] = Field(
        default=0.15,
        title="Warning headroom",
        description="A fit inside total × (1 − warn_headroom) … usable warns as tight (SC102).",
    )


class LicensePolicy(SchemaModel):
    deny: list[str] = Field(default_factory=list, title="Deny", description="License ids never allowed.")
    allow: list[str] = Field(
        default_factory=list, title="Allow", description="When non-empty, the only license ids allowed."
    )


def _accepted_only() -> list[Status]:
    return ["accepted"]


class OwnEvaluationPolicy(SchemaModel):
    required_status: list[Status] = Field(
        default_factory=_accepted_only,
        title="Required for status",
        description="Record statuses that must carry an own evaluation (SC401).",
    )
    min_n: Annotated[int, Field(ge=1, le=MAX_ITEMS)] = Field(
        default=100, title="Minimum items", description="Own evaluations smaller than this warn (SC410)."
    )


class EvidencePolicy(SchemaModel):
    max_age_days: Annotated[int, Field(ge=1, le=MAX_DAYS)] = Field(
        default=730, title="Maximum age (days)", description="Scores older than this warn (SC211)."
    )


DEFAULT_EQUIVALENCE_MARGIN = 5.0
"""SC207's default margin, in percentage points (stated in `policy/default.yaml` too)."""

DEFAULT_EQUIVALENCE_MARGINS: dict[str, float] = {"chatbot-arena": 20.0}
"""SC207's default margins for benchmarks not scored in percentage points (stated in
`policy/default.yaml` too): 20 Arena rating points is a 52.9% head-to-head win rate."""


def _default_margins() -> dict[str, float]:
    return dict(DEFAULT_EQUIVALENCE_MARGINS)


class EquivalencePolicy(SchemaModel):
    margin: Annotated[float, Field(gt=0, le=MAX_SCORE)] = Field(
        default=DEFAULT_EQUIVALENCE_MARGIN,
        title="Equivalence margin",
        description=(
            "The largest gap, in percentage points, at which two scores on a proportion benchmark "
            "(or the own evaluation) still count as equivalent: SC207 calls a smaller candidate "
            "equivalent when the two one-sided tests (TOST) at the policy's confidence put the gap "
            "inside ±margin."
        ),
    )
    margins: dict[NonEmpty, Annotated[float, Field(gt=0, le=MAX_SCORE)]] = Field(
        default_factory=_default_margins,
        title="Per-benchmark margins",
        description=(
            "Benchmark id → margin in that benchmark's own unit (rating points for Chatbot Arena, "
            "judge points for MT-Bench); `own-evaluation` for the own evaluation. Overrides "
            "`margin`. A rating or judge benchmark without an entry is never used to show "
            "equivalence."
        ),
    )


class WaiverPolicy(SchemaModel):
    max_days: Annotated[int, Field(ge=1, le=MAX_DAYS)] = Field(
        default=365,
        title="Maximum waiver length (days)",
        description="A waiver may not expire later than this many days after the record's date.",
    )


class CatalogPaths(SchemaModel):
    gpus: list[str] = Field(default_factory=list, description="GPU catalog files, relative to this policy.")
    models: list[str] = Field(default_factory=list, description="Model catalog files, relative to this policy.")
    benchmarks: list[str] = Field(default_factory=list, description="Benchmark catalog files, relative to this policy.")
    licenses: list[str] = Field(default_factory=list, description="License catalog files, relative to this policy.")


class Policy(SchemaModel):
    """A selectcheck policy. Data only: nothing in it can make the checker run code."""

    policy_version: Annotated[Literal[1], NotBool] = Field(title="Policy version", description="Always 1.")
    extends: str | None = Field(
        default=None,
        title="Extends",
        description="`default` for the shipped policy, or a path (relative to this file) of another policy.",
    )
    records: list[str] = Field(
        default_factory=list,
        title="Record directories",
        description="Directories (relative to this file) that hold the records; default `records/`.",
    )
    confidence: Annotated[float, Field(ge=0.5, lt=1)] = Field(
        default=0.95, title="Confidence", description="Confidence level of noise floors (SC206, SC207)."
    )
    vram: VramPolicy = Field(default_factory=VramPolicy, title="VRAM", description="Memory-fit margins.")
    tasks: dict[str, TaskPolicy] = Field(
        default_factory=dict,
        title="Tasks",
        description="Task categories with the benchmarks that measure them.",
    )
    human_preference: list[str] = Field(
        default_factory=list,
        title="Human preference benchmarks",
        description="Benchmarks that count as human-preference evidence (SC209).",
    )
    licenses: LicensePolicy = Field(
        default_factory=LicensePolicy, title="Licenses", description="Allowed and denied license ids."
    )
    own_evaluation: OwnEvaluationPolicy = Field(
        default_factory=OwnEvaluationPolicy, title="Own evaluation", description="Own-evaluation requirements."
    )
    evidence: EvidencePolicy = Field(
        default_factory=EvidencePolicy, title="Evidence", description="Evidence freshness."
    )
    equivalence: EquivalencePolicy = Field(
        default_factory=EquivalencePolicy,
        title="Equivalence",
        description="Margins within which SC207 calls a smaller candidate equivalent (TOST).",
    )
    waivers: WaiverPolicy = Field(default_factory=WaiverPolicy, title="Waivers", description="Waiver limits.")
    rules: dict[Annotated[str, Field(pattern=r"^SC[0-9]{3}$")], SeverityOverride] = Field(
        default_factory=dict,
        title="Rule severities",
        description="Rule code → error, warning, info or off (`false` also means off).",
    )

    @field_validator("rules", mode="after")
    @classmethod
    def _off_is_off(cls, rules: dict[str, SeverityOverride]) -> dict[str, SeverityOverride]:
        return {code: "off" if value is False else value for code, value in rules.items()}

    catalog: CatalogPaths = Field(
        default_factory=CatalogPaths,
        title="Catalogs",
        description="Catalog files this policy adds; entries override same-id entries of the parent.",
    )
