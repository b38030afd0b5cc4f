"""The shipped benchmark catalog: complete, resolvable and self-consistent."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from selectcheck.catalog.benchmarks import BenchmarkCatalogFile, BenchmarkEntry
from selectcheck.compute.aliases import AliasIndex

CATALOG = Path(__file__).resolve().parents[2] / "policy" / "catalog" / "benchmarks.yaml"

# DESIGN §2.1
DESIGN_IDS = [
    "mmlu", "mmlu-pro", "arc-challenge", "hellaswag", "winogrande", "truthfulqa-mc1",
    "truthfulqa-mc2", "gsm8k", "math", "math-500", "math-lvl5", "bbh", "gpqa",
    "gpqa-diamond", "musr", "ifeval", "humaneval", "humaneval-plus", "mbpp", "mbpp-plus",
    "livecodebench", "swe-bench", "swe-bench-lite", "swe-bench-verified", "aime-2024",
    "aime-2025", "hle", "mt-bench", "alpacaeval-lc", "arena-hard", "chatbot-arena",
]  # fmt: skip
AGGREGATES = ["open-llm-leaderboard-v1", "open-llm-leaderboard-v2"]

# DESIGN §4 default policy: task -> benchmarks. Each must carry that task's category.
POLICY_TASKS = {
    "code": [
        "humaneval", "humaneval-plus", "mbpp", "mbpp-plus", "livecodebench",
        "swe-bench-verified", "swe-bench-lite",
    ],
    "reasoning": ["bbh", "math", "math-500", "math-lvl5", "gpqa", "gpqa-diamond", "musr"],
    "math": ["gsm8k", "math", "math-500", "math-lvl5", "aime-2024", "aime-2025"],
    "instruction-following": ["ifeval"],
    "factuality": ["truthfulqa-mc1", "truthfulqa-mc2"],
    "chat": ["chatbot-arena", "arena-hard", "mt-bench", "alpacaeval-lc"],
}  # fmt: skip


@pytest.fixture(scope="module")
def catalog() -> BenchmarkCatalogFile:
    data = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    return BenchmarkCatalogFile.model_validate(data)


@pytest.fixture(scope="module")
def index(catalog: BenchmarkCatalogFile) -> AliasIndex[BenchmarkEntry]:
    return catalog.index()


def test_yaml_validates(catalog: BenchmarkCatalogFile) -> None:
    assert catalog.catalog_version == 1
    assert isinstance(catalog.benchmarks, tuple)
    assert all(isinstance(entry.aliases, tuple) for entry in catalog.benchmarks)


def test_every_design_id_is_present(index: AliasIndex[BenchmarkEntry]) -> None:
    assert set(index.ids()) == set(DESIGN_IDS) | set(AGGREGATES)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("TruthfulQA_MC2", "truthfulqa-mc2"),
        ("truthfulqa mc2", "truthfulqa-mc2"),
        ("TruthfulQA", "truthfulqa-mc2"),
        ("truthfulqa_mc1", "truthfulqa-mc1"),
        ("leaderboard_bbh", "bbh"),
        ("BBH", "bbh"),
        ("hendrycks_math", "math"),
        ("minerva_math", "math"),
        ("gsm8k_cot", "gsm8k"),
        ("MMLU-PRO", "mmlu-pro"),
        ("leaderboard_mmlu_pro", "mmlu-pro"),
        ("MATH Lvl 5", "math-lvl5"),
        ("leaderboard_math_hard", "math-lvl5"),
        ("IFEval", "ifeval"),
        ("leaderboard_ifeval", "ifeval"),
        ("HumanEval+", "humaneval-plus"),
        ("humaneval_plus", "humaneval-plus"),
        ("MBPP+", "mbpp-plus"),
        ("arc_challenge", "arc-challenge"),
        ("ARC", "arc-challenge"),
        ("HellaSwag", "hellaswag"),
        ("winogrande", "winogrande"),
        ("GPQA", "gpqa"),
        ("gpqa_diamond", "gpqa-diamond"),
        ("leaderboard_gpqa_diamond", "gpqa-diamond"),
        ("MUSR", "musr"),
        ("leaderboard_musr", "musr"),
        ("hendrycks_math500", "math-500"),
        ("SWE-bench Verified", "swe-bench-verified"),
        ("swe_bench_lite", "swe-bench-lite"),
        ("aime24", "aime-2024"),
        ("AIME 2025", "aime-2025"),
        ("Humanity's Last Exam", "hle"),
        ("MT-Bench", "mt-bench"),
        ("AlpacaEval 2.0 LC", "alpacaeval-lc"),
        ("Arena-Hard-Auto", "arena-hard"),
        ("LMArena", "chatbot-arena"),
        ("  Chatbot_Arena ", "chatbot-arena"),
        ("Open LLM Leaderboard v2", "open-llm-leaderboard-v2"),
    ],
)
def test_aliases_resolve_case_insensitively(index: AliasIndex[BenchmarkEntry], name: str, expected: str) -> None:
    entry = index.get(name)
    assert entry is not None, name
    assert entry.id == expected


def test_every_entry_has_source_and_n(catalog: BenchmarkCatalogFile) -> None:
    for entry in catalog.benchmarks:
        assert entry.source.startswith("https://"), entry.id
        if entry.aggregate or entry.scale == "rating":
            assert entry.n is None, entry.id
        else:
            assert entry.n is not None and entry.n > 0, entry.id


def test_item_counts_from_the_reference(index: AliasIndex[BenchmarkEntry]) -> None:
    expected = {
        "mmlu": 14042, "mmlu-pro": 12032, "arc-challenge": 1172, "hellaswag": 10042,
        "winogrande": 1267, "truthfulqa-mc1": 817, "truthfulqa-mc2": 817, "gsm8k": 1319,
        "math": 5000, "math-500": 500, "math-lvl5": 1324, "gpqa": 448, "gpqa-diamond": 198,
        "musr": 756, "ifeval": 541, "humaneval": 164, "humaneval-plus": 164, "mbpp": 500,
        "mbpp-plus": 378, "swe-bench": 2294, "swe-bench-lite": 300,
        "swe-bench-verified": 500, "aime-2024": 30, "aime-2025": 30, "hle": 2500,
        "mt-bench": 80, "alpacaeval-lc": 805, "arena-hard": 500,
    }  # fmt: skip
    for benchmark_id, n in expected.items():
        entry = index.get(benchmark_id)
        assert entry is not None and entry.n == n, benchmark_id


def test_aggregates(index: AliasIndex[BenchmarkEntry]) -> None:
    for benchmark_id in AGGREGATES:
        entry = index.get(benchmark_id)
        assert entry is not None and entry.aggregate
        assert entry.categories == ()  # never task evidence
        assert len(entry.components) == 6
        assert all(index.get(c) is not None for c in entry.components)
    assert not any(entry.aggregate for entry in index if entry.id not in AGGREGATES)


def test_scales_and_chance(index: AliasIndex[BenchmarkEntry]) -> None:
    def get(benchmark_id: str) -> BenchmarkEntry:
        entry = index.get(benchmark_id)
        assert entry is not None
        return entry

    assert get("chatbot-arena").scale == "rating"
    assert get("mt-bench").scale == "score" and get("mt-bench").range == (1, 10)
    assert get("humaneval").scale == "proportion" and get("humaneval").range == (0, 100)
    assert get("mmlu").chance == 0.25
    assert get("mmlu-pro").chance == 0.1
    assert get("gpqa").chance == 0.25
    assert get("winogrande").chance == 0.5
    for generative in ("gsm8k", "math", "math-lvl5", "ifeval", "humaneval", "aime-2024"):
        assert get(generative).chance == 0


def test_saturated_flags_are_justified(index: AliasIndex[BenchmarkEntry]) -> None:
    saturated = {entry.id for entry in index if entry.saturated}
    assert {"humaneval", "gsm8k", "mmlu", "hellaswag", "arc-challenge", "winogrande"} <= (saturated)
    assert "humaneval-plus" not in saturated and "livecodebench" not in saturated
    for entry in index:
        if entry.saturated:
            assert entry.notes and "aturat" in entry.notes, entry.id


@pytest.mark.parametrize(("task", "benchmarks"), sorted(POLICY_TASKS.items()))
def test_policy_task_benchmarks_carry_the_category(
    index: AliasIndex[BenchmarkEntry], task: str, benchmarks: list[str]
) -> None:
    for benchmark_id in benchmarks:
        entry = index.get(benchmark_id)
        assert entry is not None and task in entry.categories, (task, benchmark_id)


def test_human_preference_benchmarks(index: AliasIndex[BenchmarkEntry]) -> None:
    for benchmark_id in ("chatbot-arena", "arena-hard", "mt-bench", "alpacaeval-lc"):
        entry = index.get(benchmark_id)
        assert entry is not None and "human-preference" in entry.categories


# --------------------------------------------------------------------------- model rules

MINIMAL = {
    "id": "internal-eval",
    "name": "Internal eval",
    "n": 200,
    "metric": "acc",
    "range": [0, 100],
    "source": "https://example.com/eval",
}


def test_yaml_lists_become_tuples() -> None:
    entry = BenchmarkEntry.model_validate({**MINIMAL, "aliases": ["ie"], "categories": ["code"]})
    assert entry.aliases == ("ie",) and entry.range == (0.0, 100.0)


@pytest.mark.parametrize(
    "change",
    [
        {"typo_key": 1},
        {"n": 0},
        {"n": "200"},
        {"range": [100, 0]},
        {"range": [0, 1000]},
        {"chance": 1.0},
        {"scale": "elo"},
        {"source": "not a url"},
        {"id": "Has Spaces"},
        {"aggregate": True},
        {"components": ["mmlu"]},
        {"aliases": [1]},
    ],
)
def test_bad_entries_are_rejected(change: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        BenchmarkEntry.model_validate({**MINIMAL, **change})


def test_duplicate_aliases_across_entries_are_rejected() -> None:
    other = {**MINIMAL, "id": "other-eval", "aliases": ["Internal_Eval"]}
    with pytest.raises(ValidationError, match="already names"):
        BenchmarkCatalogFile.model_validate({"catalog_version": 1, "benchmarks": [MINIMAL, other]})


def test_aggregate_components_must_exist() -> None:
    aggregate = {
        **MINIMAL,
        "id": "avg",
        "n": None,
        "aggregate": True,
        "components": ["nope"],
    }
    with pytest.raises(ValidationError, match="unknown components"):
        BenchmarkCatalogFile.model_validate({"catalog_version": 1, "benchmarks": [MINIMAL, aggregate]})


def test_entries_are_frozen(catalog: BenchmarkCatalogFile) -> None:
    with pytest.raises(ValidationError):
        catalog.benchmarks[0].n = 1  # type: ignore[misc]


def test_every_field_has_a_description() -> None:
    for model in (BenchmarkEntry, BenchmarkCatalogFile):
        for name, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{name}"
    schema = BenchmarkCatalogFile.model_json_schema()
    assert schema["$defs"]["BenchmarkEntry"]["properties"]["aliases"]["type"] == "array"
