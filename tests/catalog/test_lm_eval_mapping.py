"""The benchmark catalog's lm-evaluation-harness mapping: every benchmark the harness runs
names its tasks and headline `metric,filter`, as the harness writes them in a results file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from selectcheck.catalog import Catalog
from selectcheck.catalog.benchmarks import BenchmarkCatalogFile
from selectcheck.compute.aliases import normalize_id
from selectcheck.evidence.lm_eval import parse_results

CATALOG = Path(__file__).resolve().parents[2] / "policy" / "catalog" / "benchmarks.yaml"
LM_EVAL = Path(__file__).resolve().parents[1] / "data" / "lm-eval"

# The examples, and the harness's result keys (lm_eval/tasks/…, 0.4.13).
HEADLINE = {
    "ifeval": ("ifeval", "prompt_level_strict_acc,none"),
    "humaneval": ("humaneval", "pass@1,create_test"),
    "gsm8k": ("gsm8k", "exact_match,strict-match"),
    "mmlu": ("mmlu", "acc,none"),
    "truthfulqa-mc2": ("truthfulqa_mc2", "acc,none"),
    "math-lvl5": ("leaderboard_math_hard", "exact_match,none"),
    "mbpp": ("mbpp", "pass_at_1,none"),
}
NOT_IN_THE_HARNESS = ["livecodebench", "swe-bench", "swe-bench-verified", "hle", "mt-bench", "chatbot-arena"]


@pytest.mark.parametrize(("benchmark", "expected"), HEADLINE.items())
def test_headline_metric(catalog: Catalog, benchmark: str, expected: tuple[str, str]) -> None:
    entry = catalog.benchmarks.get(benchmark)
    assert entry is not None and entry.lm_eval
    assert (entry.lm_eval[0].task, entry.lm_eval[0].metric) == expected


@pytest.mark.parametrize("benchmark", NOT_IN_THE_HARNESS)
def test_benchmarks_the_harness_does_not_run_have_no_mapping(catalog: Catalog, benchmark: str) -> None:
    entry = catalog.benchmarks.get(benchmark)
    assert entry is not None and entry.lm_eval == ()


def test_every_task_resolves_to_its_own_benchmark(catalog: Catalog) -> None:
    for entry in catalog.benchmarks:
        for mapping in entry.lm_eval:
            assert catalog.benchmarks.get(mapping.task) is entry, mapping.task
            metric, _, filter = mapping.metric.partition(",")
            assert metric and filter, mapping.metric


def test_the_real_results_files_have_the_catalogs_keys(catalog: Catalog) -> None:
    results = parse_results(next((LM_EVAL / "dummy-seed1234").glob("results_*.json")).read_bytes())
    for benchmark in ("ifeval", "gsm8k"):
        entry = catalog.benchmarks.get(benchmark)
        assert entry is not None
        metric, _, filter = entry.lm_eval[0].metric.partition(",")
        assert len(results.tasks[entry.lm_eval[0].task].find(metric, filter)) == 1


def test_a_task_must_also_be_an_alias() -> None:
    data = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    ifeval = next(e for e in data["benchmarks"] if e["id"] == "ifeval")
    ifeval["lm_eval"].append({"task": "ifeval_ja", "metric": "prompt_level_strict_acc,none"})
    with pytest.raises(ValidationError, match="lm_eval task 'ifeval_ja' must also be the id or an alias"):
        BenchmarkCatalogFile.model_validate(data)
    ifeval["lm_eval"][-1] = {"task": "ifeval", "metric": "prompt_level_strict_acc"}
    with pytest.raises(ValidationError, match="metric"):
        BenchmarkCatalogFile.model_validate(data)


def test_task_names_are_unique_across_benchmarks() -> None:
    data = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    tasks = [normalize_id(m["task"]) for e in data["benchmarks"] for m in e.get("lm_eval", [])]
    assert len(tasks) == len(set(tasks))
