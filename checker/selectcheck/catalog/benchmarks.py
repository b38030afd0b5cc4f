"""The benchmark catalog: what each benchmark id means and how noisy its scores are.

`policy/catalog/benchmarks.yaml` is validated against `BenchmarkCatalogFile`; the JSON
Schema `schemas/catalog-benchmarks.schema.json` is generated from these models, so every field
carries a description that editors show while typing.

Units follow the record (DESIGN §2): `proportion` benchmarks are scored in percentage
points (0–100); `rating` benchmarks (Chatbot Arena) in Elo-like rating points; `score`
benchmarks (MT-Bench) on their own judge scale. `chance` is always a fraction (0.25 for
four options), because the leaderboard normalisation it feeds is written that way.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from selectcheck.catalog.base import URL_PATTERN, CatalogModel, Ids, list_to_tuple
from selectcheck.compute.aliases import AliasIndex, normalize_id

__all__ = [
    "BenchmarkCatalogFile",
    "BenchmarkEntry",
    "LmEvalTask",
    "ScaleKind",
]

_Ids = Ids
_Bounded = Annotated[float, Field(ge=-(10**9), le=10**9)]
_Range = Annotated[tuple[_Bounded, _Bounded], BeforeValidator(list_to_tuple)]

ScaleKind = Literal["proportion", "rating", "score"]

_ID_PATTERN = r"^[a-z0-9][a-z0-9.+]*(-[a-z0-9.+]+)*$"


class LmEvalTask(CatalogModel):
    """One lm-evaluation-harness task that scores the benchmark, and the result key that is
    its headline number."""

    task: str = Field(
        pattern=r"^[A-Za-z0-9_.+-]+$",
        description=(
            "The task or group name as lm-evaluation-harness writes it in `results` "
            "(`ifeval`, `leaderboard_ifeval`, `gsm8k_cot`). Must also be the benchmark's id or "
            "one of its aliases."
        ),
        examples=["ifeval", "leaderboard_bbh"],
    )
    metric: str = Field(
        pattern=r"^[^,\s]+,[^,\s]+$",
        description=(
            "The result key of the headline metric, `metric,filter` exactly as in the results "
            "file: `prompt_level_strict_acc,none`, `exact_match,strict-match`, "
            "`pass@1,create_test`. A score that cites a results file without a `#task,metric` "
            "fragment is compared with this value."
        ),
        examples=["prompt_level_strict_acc,none", "exact_match,strict-match"],
    )


class BenchmarkEntry(CatalogModel):
    """One benchmark: its identity, the size of its scored set and what its scores mean."""

    id: str = Field(
        pattern=_ID_PATTERN,
        description=(
            "Canonical id used in records (`scores: {humaneval: …}`): lowercase, words "
            "joined by dashes, e.g. `truthfulqa-mc2`."
        ),
        examples=["humaneval", "mmlu-pro", "chatbot-arena"],
    )
    name: str = Field(
        min_length=1,
        description="Display name used in messages, e.g. `HumanEval+` or `MATH Lvl 5`.",
    )
    aliases: _Ids = Field(
        default=(),
        description=(
            "Other names that resolve to this benchmark: lm-evaluation-harness task names "
            "(`truthfulqa_mc2`, `leaderboard_bbh`), Open LLM Leaderboard column names "
            "(`MMLU-PRO`, `MATH Lvl 5`) and common spellings (`HumanEval+`). Matching is "
            "case-insensitive and treats spaces, underscores and dashes alike."
        ),
    )
    measures: str | None = Field(
        default=None,
        description="One line on what the benchmark measures.",
    )
    n: int | None = Field(
        default=None,
        gt=0,
        le=10**9,
        description=(
            "Number of scored items in the split that is actually evaluated. The noise "
            "floor of a score gap is computed from it. Null for leaderboard aggregates and "
            "for ratings without a fixed item set (Chatbot Arena); a record can then give "
            "`n`, `stderr` or `ci95` per score."
        ),
    )
    metric: str = Field(
        min_length=1,
        description=(
            "The metric the headline score reports, e.g. `acc_norm`, `pass@1`, "
            "`exact_match`, `prompt_level_strict_acc`, `Bradley-Terry rating`."
        ),
    )
    range: _Range = Field(
        description=(
            "[lo, hi]: the values a score can take, in the record's unit (percentage "
            "points 0–100 for proportions). A score outside it is an error (SC205). For "
            "unbounded ratings this is a generous sanity range."
        ),
    )
    chance: float = Field(
        default=0.0,
        ge=0.0,
        lt=1.0,
        description=(
            "Score of uniform random guessing as a fraction (0.25 for four options, 0.1 "
            "for ten); 0 for generative tasks. Leaderboard-normalised scores are "
            "(raw − chance) / (1 − chance), so their noise floor is scaled by "
            "1 / (1 − chance)."
        ),
    )
    scale: ScaleKind = Field(
        default="proportion",
        description=(
            "`proportion`: accuracy-like, in percentage points, binomial noise from `n`; "
            "`rating`: Elo-like rating (noise only from a `ci95` or `stderr`); `score`: "
            "a judge score such as MT-Bench's 1–10 (noise only from `ci95` or `stderr`)."
        ),
    )
    categories: _Ids = Field(
        default=(),
        description=(
            "Task categories this benchmark is evidence for (policy `tasks:`), e.g. "
            "`code`, `reasoning`, `math`, `instruction-following`, `factuality`, `chat`, "
            "`knowledge`, `human-preference`. Empty for aggregates, which are never task "
            "evidence."
        ),
    )
    saturated: bool = Field(
        default=False,
        description=(
            "Frontier models score near the ceiling, so the benchmark no longer separates "
            "them (SC204 warns when all evidence is saturated). Justify in `notes`."
        ),
    )
    aggregate: bool = Field(
        default=False,
        description=("A leaderboard average over several benchmarks. Never task evidence (SC202)."),
    )
    components: _Ids = Field(
        default=(),
        description="For aggregates: the ids of the benchmarks that are averaged.",
    )
    lm_eval: Annotated[tuple[LmEvalTask, ...], BeforeValidator(list_to_tuple)] = Field(
        default=(),
        description=(
            "The lm-evaluation-harness tasks that score this benchmark, with the metric each "
            "reports as the headline number. A score whose `source` is a results file is read "
            "from the first task here that the file holds; empty for benchmarks the harness "
            "does not run."
        ),
    )
    source: str = Field(
        pattern=URL_PATTERN,
        description="URL of the primary source for the item count and the metric.",
    )
    notes: str | None = Field(
        default=None,
        description=(
            "Caveats: unverified values, variants with other item counts, why the "
            "benchmark is (or is not) marked saturated."
        ),
    )

    @model_validator(mode="after")
    def _consistent(self) -> BenchmarkEntry:
        lo, hi = self.range
        if not lo < hi:
            raise ValueError(f"range [{lo}, {hi}] must have lo < hi")
        if self.scale == "proportion" and (lo < 0 or hi > 100):
            raise ValueError("a proportion benchmark's range must lie within [0, 100]")
        if self.aggregate and not self.components:
            raise ValueError("an aggregate benchmark must list its components")
        if self.components and not self.aggregate:
            raise ValueError("only an aggregate benchmark has components")
        if self.scale != "proportion" and self.chance != 0:
            raise ValueError("a chance level only applies to proportion benchmarks")
        names = {normalize_id(name) for name in (self.id, *self.aliases)}
        for mapping in self.lm_eval:
            if normalize_id(mapping.task) not in names:
                raise ValueError(f"lm_eval task {mapping.task!r} must also be the id or an alias")
        return self


class BenchmarkCatalogFile(CatalogModel):
    """A benchmark catalog file (`policy/catalog/benchmarks.yaml` or a team's own)."""

    catalog_version: Literal[1] = Field(
        description="Version of the catalog format; only 1 exists.",
    )
    benchmarks: Annotated[tuple[BenchmarkEntry, ...], BeforeValidator(list_to_tuple)] = Field(
        description="The benchmarks. Ids and aliases must be unique across the file.",
    )

    @model_validator(mode="after")
    def _unique_names(self) -> BenchmarkCatalogFile:
        owner: dict[str, str] = {}
        for entry in self.benchmarks:
            for name in (entry.id, *entry.aliases):
                key = normalize_id(name)
                previous = owner.setdefault(key, entry.id)
                if previous != entry.id:
                    raise ValueError(f"{name!r} of benchmark {entry.id!r} already names {previous!r}")
        known = {normalize_id(entry.id) for entry in self.benchmarks}
        for entry in self.benchmarks:
            missing = [c for c in entry.components if normalize_id(c) not in known]
            if missing:
                raise ValueError(f"aggregate {entry.id!r} lists unknown components: {', '.join(missing)}")
        return self

    def index(self) -> AliasIndex[BenchmarkEntry]:
        """Entries by id and alias (case-insensitive; spaces, `_` and `-` alike)."""
        return AliasIndex(self.benchmarks)
