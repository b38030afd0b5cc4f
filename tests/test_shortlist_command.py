"""`selectcheck shortlist`: the catalog models that fit one workload, smallest first, with their
licenses; the JSON of `schemas/shortlist.schema.json`, a text table and GitHub Markdown; usage
errors. (`test_shortlist_grid.py` holds it to `validate` and `estimate` over a grid.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from selectcheck.analysis.shortlist import largest_fitting
from selectcheck.compute.memory.precisions import precisions_by_quality
from tests.conftest import REPO, CliResult, invoke
from tests.integrations.consumers import check_markdown, table_rows

SCHEMA = json.loads((REPO / "schemas" / "shortlist.schema.json").read_text(encoding="utf-8"))
# The support-bot workload of docs/guide.md: one L4, vLLM, 12k-token conversations, 8 at once.
GUIDE = ("--gpu", "L4", "--engine", "vllm", "--context", "12288", "--batch", "8", "--task", "support-bot")
LLAMA8 = "meta-llama/Llama-3.1-8B-Instruct"
LLAMA3 = "meta-llama/Llama-3.2-3B-Instruct"


def _run(project: Path, *args: str) -> CliResult:
    return invoke(["shortlist", *args], project)


def _json(project: Path, *args: str) -> dict[str, Any]:
    result = _run(project, *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    errors = list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(document))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]
    return document


def _row(document: dict[str, Any], model: str) -> dict[str, Any]:
    (row,) = [row for row in document["models"] if row["model"] == model]
    return row


def test_json_has_the_shape_of_design_10(project: Path) -> None:
    data = _json(project, *GUIDE)
    assert list(data) == ["shortlist_version", "workload", "use", "task", "card_bytes", "usable_bytes", "models"]
    assert data["workload"] == {
        "name": "serving",
        "mode": "inference",
        "engine": "vllm",
        "hardware": {"gpu": "L4", "count": 1},
        "precision": "any",
        "context_length": 12288,
        "batch_size": 8,
    }
    assert data["use"] == "commercial"
    assert data["task"] == {
        "category": "support-bot",
        "benchmarks": ["truthfulqa-mc2", "ifeval"],
        "minimums": {"truthfulqa-mc2": 50.0},
    }
    assert data["card_bytes"] == 23034 * 2**20
    assert data["usable_bytes"] == int(23034 * 2**20 * 0.9)  # vLLM's share, below the 95% headroom
    catalog_size = len(list((REPO / "policy" / "catalog" / "models.yaml").read_text().split("\n  - id: ")[1:]))
    assert len(data["models"]) == catalog_size
    for row in data["models"]:
        assert {"model", "parameters", "precision", "fits", "per_gpu_bytes", "max_context", "license", "reason"} <= set(
            row
        )
        assert set(row["license"]) == {"id", "verdict", "obligations"}
        assert (row["reason"] is None) == (row["rule"] is None)
        if row["reason"] is None:  # listed: fits, and the license allows the use
            assert row["fits"] is True and row["license"]["verdict"] != "forbidden"
            assert row["per_gpu_bytes"] + row["headroom_bytes"] == data["usable_bytes"]


def test_listed_models_come_first_smallest_first(project: Path) -> None:
    rows = _json(project, *GUIDE)["models"]
    listed = [row for row in rows if row["reason"] is None]
    left_out = [row for row in rows if row["reason"] is not None]
    assert rows == listed + left_out
    for group in (listed, left_out):
        sizes = [row["parameters"] for row in group]
        assert sizes == sorted(sizes)
    # The guide's two candidates are both listed, the 8B only once quantised to 4 bits.
    names = [row["model"] for row in listed]
    assert names.index(LLAMA3) < names.index(LLAMA8)
    assert _row({"models": rows}, LLAMA3)["precision"] == "bf16"
    assert _row({"models": rows}, LLAMA8)["precision"] == "awq-int4"


def test_each_left_out_model_has_one_reason_and_its_rule(project: Path) -> None:
    data = _json(project, *GUIDE)
    research_only = _row(data, "Qwen/Qwen2.5-3B-Instruct")
    assert research_only["fits"] is True and research_only["license"]["verdict"] == "forbidden"
    assert (research_only["reason"], research_only["rule"]) == (
        "license: qwen-research forbids commercial use",
        "SC301",
    )
    short = _row(data, "HuggingFaceTB/SmolLM2-1.7B-Instruct")
    assert short["rule"] == "SC103"
    assert short["reason"] == "context 12,288 exceeds the model's maximum of 8,192 tokens"
    too_big = _row(data, "meta-llama/Llama-3.1-70B-Instruct")
    assert too_big["rule"] == "SC101" and too_big["fits"] is False and too_big["precision"] == "awq-int4"
    assert too_big["reason"].startswith("does not fit even at awq-int4: ")
    assert too_big["max_context"] is None  # not even one token fits
    split = _json(project, "--gpu", "L4", "--count", "3", "--engine", "vllm")
    llama = _row(split, LLAMA8)
    assert llama["rule"] == "SC107" and llama["fits"] is None and llama["per_gpu_bytes"] is None
    assert llama["reason"] == "cannot run: tensor parallelism: 32 attention heads cannot be split evenly over 3 GPUs"


def test_precision_any_keeps_the_highest_quality_precision_that_fits(project: Path) -> None:
    """Every precision above the one shown fails `estimate` on the same workload."""
    data = _json(project, *GUIDE)
    ladder = precisions_by_quality("inference", "vllm")
    flags = ["--gpu", "L4", "--engine", "vllm", "--context", "12288", "--batch", "8", "--format", "json"]
    checked = 0
    for row in data["models"]:
        if row["reason"] is not None:
            continue
        for better in ladder[: ladder.index(row["precision"])]:
            estimate = invoke(["estimate", row["model"], "--precision", better, *flags], project)
            assert estimate.exit_code == 0, estimate.stderr
            assert json.loads(estimate.stdout)["fits"] is False, (row["model"], better)
            checked += 1
        chosen = invoke(["estimate", row["model"], "--precision", row["precision"], *flags], project).stdout
        assert json.loads(chosen)["fits"] is True
        assert json.loads(chosen)["total_bytes"] == row["per_gpu_bytes"]
    assert checked >= 5  # fp8 and awq-int4 rows exist on this card


def test_a_card_without_bf16_gets_fp16_and_refuses_bf16_under_vllm(project: Path) -> None:
    any_precision = _json(project, "--gpu", "T4", "--engine", "vllm")
    assert {row["precision"] for row in any_precision["models"]} <= {"fp16", "fp8", "gptq-int8", "awq-int4"}
    assert _row(any_precision, "meta-llama/Llama-3.2-1B-Instruct")["precision"] == "fp16"
    forced = _json(project, "--gpu", "T4", "--engine", "vllm", "--precision", "bf16")
    assert {row["rule"] for row in forced["models"]} == {"SC107"}
    assert all("vLLM refuses bf16 on T4" in row["reason"] for row in forced["models"])


def test_max_context_is_the_last_context_that_fits(project: Path) -> None:
    data = _json(project, *GUIDE)
    row = _row(data, LLAMA3)
    assert 12288 < row["max_context"] < row["model_max_context"]
    flags = ["--gpu", "L4", "--engine", "vllm", "--batch", "8", "--precision", row["precision"], "--format", "json"]
    at = json.loads(invoke(["estimate", LLAMA3, "--context", str(row["max_context"]), *flags], project).stdout)
    past = json.loads(invoke(["estimate", LLAMA3, "--context", str(row["max_context"] + 1), *flags], project).stdout)
    assert (at["fits"], past["fits"]) == (True, False)
    capped = _row(data, "Qwen/Qwen2.5-0.5B-Instruct")
    assert capped["max_context"] == capped["model_max_context"] == 32768


def test_use_and_policy_license_lists_decide_the_license_verdict(project: Path) -> None:
    command_r = "CohereForAI/c4ai-command-r-v01"
    commercial = _row(_json(project, "--gpu", "H100-80GB"), command_r)
    assert (commercial["license"]["verdict"], commercial["rule"]) == ("forbidden", "SC301")
    research = _row(_json(project, "--gpu", "H100-80GB", "--use", "research"), command_r)
    assert research["reason"] is None and research["license"]["verdict"] == "conditions"
    llama = _row(_json(project, "--gpu", "H100-80GB"), LLAMA8)
    assert llama["license"]["verdict"] == "conditions"
    assert any("Built with Llama" in text for text in llama["license"]["obligations"])
    (project / ".selectcheck.yaml").write_text("policy_version: 1\nlicenses: {deny: [Apache-2.0]}\n", encoding="utf-8")
    denied = _row(_json(project, "--gpu", "H100-80GB"), "Qwen/Qwen2.5-7B-Instruct")
    assert denied["license"]["verdict"] == "forbidden"
    assert (denied["reason"], denied["rule"]) == ("license: the policy's license lists reject apache-2.0", "SC305")


def _own_model(name: str, license: str) -> str:
    return (
        f"  - id: acme/{name}\n"
        f"    name: Acme {name}\n"
        "    family: acme\n"
        f"    license: {license}\n"
        "    max_context: 16384\n"
        "    config: {model_type: llama, hidden_size: 3072, num_hidden_layers: 28, num_attention_heads: 24,"
        " num_key_value_heads: 8, head_dim: 128, intermediate_size: 8192, vocab_size: 128256,"
        " tie_word_embeddings: true, max_position_embeddings: 16384}\n"
        f"    source: https://example.com/acme/{name}/config.json\n"
    )


def test_the_repositorys_own_catalog_entries_are_shortlisted(project: Path) -> None:
    (project / "catalog").mkdir()
    (project / "catalog" / "models.yaml").write_text(
        "catalog_version: 1\nmodels:\n" + _own_model("support-3b", "apache-2.0") + _own_model("tuned-3b", "acme-eula"),
        encoding="utf-8",
    )
    (project / ".selectcheck.yaml").write_text(
        "policy_version: 1\ncatalog: {models: [catalog/models.yaml]}\n", encoding="utf-8"
    )
    data = _json(project, *GUIDE)
    own = _row(data, "acme/support-3b")
    assert own["reason"] is None and own["license"]["verdict"] == "allowed"
    assert own["model_max_context"] == 16384 and own["max_context"] <= 16384
    # A license the catalog does not know is no reason to leave a model out (SC302 warns, SC301
    # does not fail), but nobody has checked its terms: that is its condition.
    unknown = _row(data, "acme/tuned-3b")
    assert unknown["reason"] is None and unknown["license"]["verdict"] == "conditions"
    assert unknown["license"]["obligations"] == [
        "the license catalog does not know 'acme-eula': read its terms before relying on it (SC302)"
    ]


def test_text_table_lists_reasons_benchmarks_and_conditions(project: Path) -> None:
    result = _run(project, *GUIDE)
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert text.startswith(
        "Shortlist: inference on L4 (24.15 GB, 21.74 GB claimed by vLLM per GPU), vllm, context 12,288 × batch 8, "
        "any precision\n"
    )
    listed_header = text.index("Fit and licensed for commercial use: ")
    left_out_header = text.index("Left out: ")
    assert listed_header < text.index(LLAMA8) < left_out_header
    assert text.index("Qwen/Qwen2.5-3B-Instruct") > left_out_header
    assert "license: qwen-research forbids commercial use (SC301)" in text
    assert "llama3.1: 6 conditions" in text
    assert "License conditions for commercial use (SC303 lists them in a record):\n  gemma:\n" in text
    assert "Evidence to gather for support-bot: truthfulqa-mc2 (policy minimum 50), ifeval" in text
    assert "Add --task" in _run(project, "--gpu", "L4").stdout


def test_markdown_renders_as_tables_github_accepts(project: Path) -> None:
    result = _run(project, *GUIDE, "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    data = _json(project, *GUIDE)
    rendered = check_markdown(result.stdout)
    assert rendered.elements.count("table") == 2
    listed = sum(row["reason"] is None for row in data["models"])
    left_out = len(data["models"]) - listed
    # Each table: a header, the delimiter row and one row per model; 7 and 4 cells (and the two edges).
    assert table_rows(result.stdout) == [[9] * (listed + 2), [6] * (left_out + 2)]
    assert rendered.elements.count("tr") == 2 + len(data["models"])
    assert rendered.html.count("<td>meta-llama/Llama-3.1-8B-Instruct</td>") == 1
    assert f"Left out: {left_out} models" in rendered.text


def test_formats_go_to_files_and_one_to_stdout(project: Path) -> None:
    result = _run(project, *GUIDE, "--format", "json=out/shortlist.json", "--format", "markdown=shortlist.md")
    assert result.exit_code == 2 and "cannot write out/shortlist.json" in result.stderr
    result = _run(project, *GUIDE, "--format", "json=shortlist.json", "--format", "markdown=shortlist.md")
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads((project / "shortlist.json").read_text(encoding="utf-8")) == _json(project, *GUIDE)
    assert (project / "shortlist.md").read_text(encoding="utf-8").startswith("### Shortlist: ")
    both = _run(project, *GUIDE, "--format", "text", "--format", "json=again.json")
    assert both.stdout.startswith("Shortlist: ") and (project / "again.json").is_file()
    two = _run(project, *GUIDE, "--format", "text", "--format", "json")
    assert two.exit_code == 2 and "only one format can go to standard output" in two.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "no GPU: give --gpu ID"),
        (["--gpu", "A100"], "GPU 'A100' is ambiguous: the catalog has A100-40GB (40 GB) and A100-80GB (80 GB)"),
        (["--gpu", "V100"], "--gpu V100-16GB or --gpu V100-32GB"),
        (["--gpu", "A100-90GB"], "Did you mean `A100-80GB`?"),
        (["--gpu", "L4", "--vram-gb", "80"], "--vram-gb 80 does not match L4 (24 GB)"),
        (["--gpu", "L4", "--task", "suport-bot"], "no task category 'suport-bot' (did you mean support-bot?)"),
        (["--gpu", "L4", "--use", "personal"], "Invalid value for '--use'"),
        (["--gpu", "L4", "--format", "yaml"], "unknown format 'yaml'"),
        (["--gpu", "L4", "--precision", "fp4"], "Invalid value for '--precision'"),
    ],
)
def test_usage_errors_exit_2_without_a_traceback(project: Path, args: list[str], expected: str) -> None:
    result = _run(project, *args)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_an_unknown_card_with_its_memory_is_judged_on_that_memory(project: Path) -> None:
    data = _json(project, "--gpu", "Acme-X1", "--vram-gb", "48", "--count", "2", "--mode", "qlora")
    assert data["workload"]["hardware"] == {"gpu": "Acme-X1", "vram_gb": 48, "count": 2}
    assert data["workload"]["gradient_checkpointing"] is True  # QLoRA's default, as estimate has it
    assert data["card_bytes"] == 48_000_000_000 and data["usable_bytes"] == int(48e9 * 0.95)
    assert {row["precision"] for row in data["models"]} == {"nf4"}


def test_schema_command_prints_the_committed_schema(project: Path) -> None:
    printed = invoke(["schema", "shortlist"], project).stdout
    assert printed == (REPO / "schemas" / "shortlist.schema.json").read_text(encoding="utf-8")
    assert json.loads(printed)["properties"]["models"]["items"]["$ref"].endswith("ShortlistModel")


@pytest.mark.parametrize(("last", "known"), [(0, None), (1, None), (4095, None), (4095, 100), (131072, None)])
def test_largest_fitting_finds_the_end_of_the_prefix_that_fits(last: int, known: int | None) -> None:
    calls: list[int] = []

    def fits_at(context: int) -> bool:
        calls.append(context)
        return context <= last

    assert largest_fitting(fits_at, 131072, known_fit=known) == (last or None)
    assert len(calls) <= 19  # the limit, then a bisection of at most 17 steps over 131,072 tokens
