"""The memory rules SC101–SC105 called directly on records built from the base fixture, with
the shipped catalogs: message wording and numbers, pointers, the fix in the help (checked
against the estimator itself), policy margins, and the memory summary the markdown report
draws. End-to-end behaviour through the CLI and YAML locations is covered by the fixtures in
`tests/fixtures/rules/SC10*/`; SC106 (NVML) by `tests/test_hardware.py`."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from selectcheck.analysis.candidates import memory_workload
from selectcheck.analysis.context import ProjectIndex, RecordContext, RunOptions
from selectcheck.catalog import Catalog
from selectcheck.compute.memory import estimate_memory, workload_budget_bytes
from selectcheck.loader import load_bytes
from selectcheck.model.policy import Policy
from selectcheck.model.record import Record
from selectcheck.rules.memory_advice import with_article
from selectcheck.rules.registry import Finding, all_rules
from selectcheck.schema_check import check_schema
from tests.conftest import invoke

REPO = Path(__file__).resolve().parents[2]
BASE = REPO / "tests" / "fixtures" / "base-record.yaml"

LLAMA8 = "meta-llama/Llama-3.1-8B-Instruct"
QWEN7 = "Qwen/Qwen2.5-7B-Instruct"
GB = 1_000_000_000
NUMBER = r"\d+(?:\.\d)?"


def _record(
    workloads: list[dict[str, Any]], *, chosen: str = QWEN7, candidates: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(yaml.safe_load(BASE.read_text(encoding="utf-8")))
    data["workloads"] = workloads
    if candidates is not None:
        data["candidates"] = candidates
    data["decision"]["chosen"] = chosen
    return data


def _serving(**changes: Any) -> dict[str, Any]:
    workload: dict[str, Any] = {
        "name": "serving",
        "mode": "inference",
        "hardware": {"gpu": "A100-80GB"},
        "precision": "bf16",
        "context_length": 4096,
        "batch_size": 4,
    }
    workload.update(changes)
    return workload


def _llama(**extra: Any) -> list[dict[str, Any]]:
    return [
        {"model": LLAMA8, "license": "llama3.1", "scores": {}, **extra},
        {"model": QWEN7, "license": "apache-2.0", "scores": {}},
    ]


def _context(data: dict[str, Any], catalog: Catalog, *, vram: dict[str, float] | None = None) -> RecordContext:
    text = yaml.safe_dump(data, sort_keys=False)
    doc = load_bytes(text.encode(), "records/0001-x.yaml")
    policy = Policy.model_validate({"policy_version": 1, "vram": vram or {}})
    return RecordContext(
        record=Record.model_validate(data),
        data=data,
        doc=doc,
        path=REPO / "records" / "0001-x.yaml",
        display_path="records/0001-x.yaml",
        policy=policy,
        catalog=catalog,
        project=ProjectIndex(),
        root=REPO,
        options=RunOptions(),
    )


def _run(code: str, ctx: RecordContext) -> list[Finding]:
    check = all_rules()[code].check
    assert check is not None
    findings = list(check(ctx))
    for finding in findings:  # every pointer names a real node, never the file start
        assert ctx.doc.locate(finding.pointer).line > 1, finding.pointer
    return findings


# --------------------------------------------------------------------------- registration


@pytest.mark.parametrize(
    ("code", "name", "severity", "stage"),
    [
        ("SC101", "vram-exceeded", "error", "record"),
        ("SC102", "vram-tight", "warning", "record"),
        ("SC103", "context-exceeds-model", "error", "record"),
        ("SC104", "unknown-gpu", "error", "record"),
        ("SC105", "unknown-architecture", "warning", "record"),
        ("SC106", "hardware-mismatch", "error", "hardware"),
    ],
)
def test_rules_are_registered(code: str, name: str, severity: str, stage: str) -> None:
    rule = all_rules()[code]
    assert (rule.info.name, rule.info.default_severity.value, rule.stage.value) == (name, severity, stage)
    assert rule.check is not None
    assert rule.info.explanation and rule.info.failing_example and rule.info.passing_example


# --------------------------------------------------------------------------- SC101


def test_sc101_message_carries_estimate_usable_and_largest_part(catalog: Catalog) -> None:
    data = _record(
        [_serving(hardware={"gpu": "L4"}, context_length=32768, batch_size=8)], chosen=LLAMA8, candidates=_llama()
    )
    ctx = _context(data, catalog)
    [finding] = _run("SC101", ctx)
    assert finding.pointer == "/workloads/0/hardware"
    pattern = (
        rf"workload 'serving': estimated peak ({NUMBER}) GB per GPU exceeds the ({NUMBER}) GB usable on L4 "
        rf"\(24\.2 GB × 0\.95\); the (KV cache is|activations are|weights are) the largest part \(({NUMBER}) GB\)"
    )
    match = re.fullmatch(pattern, finding.message)
    assert match, finding.message
    entry = catalog.models.get(LLAMA8)
    assert entry is not None
    estimate = estimate_memory(memory_workload(ctx.record.workloads[0]), entry.architecture())
    assert float(match.group(1)) == pytest.approx(estimate.total_bytes / GB, abs=0.05)
    assert float(match.group(2)) == pytest.approx(workload_budget_bytes(23034 * 2**20, 0.05) / GB, abs=0.05)
    assert float(match.group(4)) == pytest.approx(max(estimate.parts().values()) / GB, abs=0.05)
    # The help's fix is one the estimator confirms: its new estimate is within the budget,
    # and a bigger catalog GPU is named as the alternative.
    fix = re.search(rf"drops from ({NUMBER}) GB to ({NUMBER}) GB, within the ({NUMBER}) GB budget", finding.help)
    assert fix, finding.help
    assert float(fix.group(2)) <= float(fix.group(3))
    assert re.search(r"Or keep the workload as it is on an? [A-Z0-9-]+", finding.help), finding.help


def test_sc101_fix_is_confirmed_by_the_estimator(catalog: Catalog) -> None:
    """Apply the help's change to the record and check it again: SC101 is gone."""
    data = _record(
        [_serving(hardware={"gpu": "L4"}, context_length=32768, batch_size=8)], chosen=LLAMA8, candidates=_llama()
    )
    [finding] = _run("SC101", _context(data, catalog))
    change = re.match(r"Shorten context_length from \d+ to (\d+)", finding.help)
    assert change, finding.help
    data["workloads"][0]["context_length"] = int(change.group(1))
    assert _run("SC101", _context(data, catalog)) == []


def test_sc101_full_finetune_help_names_lora_or_qlora_and_a_bigger_gpu(catalog: Catalog) -> None:
    workload = _serving(
        name="fine-tune",
        mode="full-finetune",
        precision="mixed",
        hardware={"gpu": "A100-40GB"},
        context_length=2048,
        batch_size=4,
        gradient_checkpointing=True,
    )
    [finding] = _run("SC101", _context(_record([workload]), catalog))
    assert "the optimizer state is the largest part" in finding.message
    assert re.search(r"Fine-tune with Q?LORA \(rank 16\) instead of all weights", finding.help, re.I), finding.help
    assert re.search(r"Or keep the workload as it is on an? (B200|MI300X): ", finding.help), finding.help


def test_sc101_vllm_budget_is_the_claimed_share_and_counts_kv_tokens(catalog: Catalog) -> None:
    workload = _serving(
        engine="vllm",
        hardware={"gpu": "H100-80GB", "count": 2},
        context_length=32768,
        batch_size=8,
    )
    data = _record(
        [workload],
        chosen="meta-llama/Llama-3.1-70B-Instruct",
        candidates=[
            {"model": "meta-llama/Llama-3.1-70B-Instruct", "license": "llama3.1", "scores": {}},
            {"model": LLAMA8, "license": "llama3.1", "scores": {}},
        ],
    )
    [finding] = _run("SC101", _context(data, catalog))
    assert "that vLLM claims on each of 2 × H100-80GB (85.5 GB × 0.90 gpu_memory_utilization)" in finding.message
    assert re.search(r"holds the KV cache of [\d,]+ tokens, the workload needs 262,144 \(32,768 × 8\)", finding.message)


def test_sc101_policy_headroom_sets_the_usable_memory(catalog: Catalog) -> None:
    # 20.5 GB on an L4 fits at the default 5% headroom, not with 30% kept free.
    workload = _serving(hardware={"gpu": "L4"}, context_length=4096, batch_size=1)
    data = _record([workload], chosen=LLAMA8, candidates=_llama())
    assert _run("SC101", _context(data, catalog)) == []
    [finding] = _run("SC101", _context(data, catalog, vram={"headroom": 0.3, "warn_headroom": 0.35}))
    assert "usable on L4 (24.2 GB × 0.70)" in finding.message


def test_sc101_parameters_only_says_what_is_approximated(catalog: Catalog) -> None:
    candidates = [
        {"model": "acme/private-70b", "license": "apache-2.0", "parameters": 7.06e10, "scores": {}},
        {"model": QWEN7, "license": "apache-2.0", "scores": {}},
    ]
    data = _record([_serving(hardware={"gpu": "L40S"})], chosen="acme/private-70b", candidates=candidates)
    [finding] = _run("SC101", _context(data, catalog))
    assert "the weights are the largest part (141.2 GB)" in finding.message
    assert "KV cache and activations approximated from the parameter count" in finding.message


def test_impossible_settings_are_sc107s_not_sc101s(catalog: Catalog) -> None:
    # Training under vLLM has no memory to estimate: SC107 says why, at the engine; SC101 is
    # silent (it used to report "memory cannot be estimated" here).
    data = _record([_serving(mode="lora", engine="vllm")])
    ctx = _context(data, catalog)
    assert _run("SC101", ctx) == []
    [finding] = _run("SC107", ctx)
    assert finding.pointer == "/workloads/0/engine"
    assert finding.message == "workload 'serving' cannot run: vllm is an inference engine; it cannot run lora"
    assert "engine: transformers" in finding.help


def test_sc107_precisions_the_catalog_card_cannot_compute_in(catalog: Catalog) -> None:
    """The GPU catalog's bf16/fp8/compute_capability decide: vLLM refuses bf16 on T4 and V100,
    transformers dequantises fp8 on an A100, vLLM runs fp8 weight-only there."""
    cases = {
        ("vllm", "bf16", "T4"): "vLLM refuses bf16 on T4 (compute capability 7.5; bf16 from 8.0)",
        ("vllm", "bf16", "V100-32GB"): "vLLM refuses bf16 on V100-32GB (compute capability 7.0; bf16 from 8.0)",
        ("vllm", "fp16", "V100-32GB"): None,
        ("vllm", "fp8", "A100-80GB"): None,
        ("vllm", "fp8", "V100-32GB"): "vLLM cannot run fp8 weights on V100-32GB",
        ("transformers", "fp8", "A100-80GB"): "A100-80GB has no FP8 tensor cores",
        ("transformers", "fp8", "L4"): None,
        ("transformers", "bf16", "T4"): None,
    }
    for (engine, precision, gpu), expected in cases.items():
        ctx = _context(_record([_serving(engine=engine, precision=precision, hardware={"gpu": gpu})]), catalog)
        findings = _run("SC107", ctx)
        if expected is None:
            assert findings == [], (engine, precision, gpu)
        else:
            [finding] = findings
            assert finding.pointer == "/workloads/0/precision"
            assert expected in finding.message, finding.message


def test_sc101_absurd_sizes_are_refused_by_the_schema_and_the_largest_allowed_are_findings(
    catalog: Catalog,
) -> None:
    # Past the schema's bounds a size is a located SC002, never an overflow in the estimator.
    violations = check_schema(_record([_serving(context_length=int("9" * 400))]), "record.schema.json")
    assert "/workloads/0/context_length" in [v.pointer for v in violations]
    # The largest sizes the schema allows are estimated like any other.
    data = _record([_serving(context_length=10_000_000, batch_size=100_000)])
    [finding] = _run("SC101", _context(data, catalog))
    assert finding.pointer == "/workloads/0/hardware"
    assert "exceeds" in finding.message


def test_sc101_checks_every_workload_and_only_the_chosen_model(catalog: Catalog) -> None:
    workloads = [
        _serving(name="fine-tune", mode="lora", gradient_checkpointing=True, batch_size=2),
        _serving(name="edge", hardware={"gpu": "T4"}, precision="fp16"),
        _serving(name="serving", hardware={"gpu": "L4"}, context_length=32768, batch_size=8),
    ]
    findings = _run("SC101", _context(_record(workloads, chosen=LLAMA8, candidates=_llama()), catalog))
    assert [f.pointer for f in findings] == ["/workloads/1/hardware", "/workloads/2/hardware"]
    # The same workloads fit a small chosen model; the larger unchosen candidate is not judged here.
    small = [
        {"model": "Qwen/Qwen2.5-0.5B-Instruct", "license": "apache-2.0", "scores": {}},
        {"model": LLAMA8, "license": "llama3.1", "scores": {}},
    ]
    data = _record(workloads[:2], chosen="Qwen/Qwen2.5-0.5B-Instruct", candidates=small)
    assert _run("SC101", _context(data, catalog)) == []


def test_sc101_skips_unknown_gpus_and_unknown_chosen_models(catalog: Catalog) -> None:
    data = _record([_serving(hardware={"gpu": "A100-90GB"}, context_length=131072, batch_size=64)])
    assert _run("SC101", _context(data, catalog)) == []  # SC104's finding
    data = _record([_serving()], chosen="acme/unknown")
    assert _run("SC101", _context(data, catalog)) == []  # SC409's finding


def test_article_before_gpu_ids() -> None:
    assert [with_article(g) for g in ("L4", "H200", "A100-80GB", "RTX-4090", "T4", "B200", "V100-32GB")] == [
        "an L4",
        "an H200",
        "an A100-80GB",
        "an RTX-4090",
        "a T4",
        "a B200",
        "a V100-32GB",
    ]


# --------------------------------------------------------------------------- SC102


def test_sc102_warns_inside_the_margin_and_helps_below_the_warning_line(catalog: Catalog) -> None:
    candidates = [
        {"model": "Qwen/Qwen2.5-32B-Instruct", "license": "apache-2.0", "scores": {}},
        {"model": QWEN7, "license": "apache-2.0", "scores": {}},
    ]
    data = _record(
        [_serving(context_length=8192, batch_size=2)], chosen="Qwen/Qwen2.5-32B-Instruct", candidates=candidates
    )
    ctx = _context(data, catalog)
    assert _run("SC101", ctx) == []
    [finding] = _run("SC102", ctx)
    assert finding.pointer == "/workloads/0/hardware"
    assert re.search(
        rf"fits the {NUMBER} GB usable on A100-80GB \(85\.9 GB × 0\.95\), but only {NUMBER} GB \(\d+%\) of the card "
        rf"stays free, under the policy's 15% margin \(warning above 73\.0 GB\); the weights are the largest part",
        finding.message,
    ), finding.message
    fix = re.search(rf"to ({NUMBER}) GB, within the 73\.0 GB budget", finding.help)
    assert fix and float(fix.group(1)) <= 73.0, finding.help
    # A policy that only warns above 90% of the card is satisfied.
    assert _run("SC102", _context(data, catalog, vram={"headroom": 0.05, "warn_headroom": 0.08})) == []


# --------------------------------------------------------------------------- SC103


def test_sc103_uses_the_variant_maximum_and_points_at_context_length(catalog: Catalog) -> None:
    data = _record([_serving(context_length=65536, batch_size=1)])
    [finding] = _run("SC103", _context(data, catalog))
    assert finding.pointer == "/workloads/0/context_length"
    assert finding.message == (
        "workload 'serving': context_length 65,536 exceeds the 32,768-token maximum context of "
        "Qwen/Qwen2.5-7B-Instruct (model catalog)"
    )
    base = [
        {"model": "Qwen/Qwen2.5-7B", "license": "apache-2.0", "scores": {}},
        {"model": QWEN7, "license": "apache-2.0", "scores": {}},
    ]
    assert (
        _run(
            "SC103",
            _context(_record([_serving(context_length=65536)], chosen="Qwen/Qwen2.5-7B", candidates=base), catalog),
        )
        == []
    )


def test_sc103_prefers_the_records_own_architecture(catalog: Catalog) -> None:
    arch = {"config": "tests/fixtures/configs/llama-3.1-8b.json", "max_position_embeddings": 8192}
    data = _record([_serving(context_length=16384)], chosen=LLAMA8, candidates=_llama(architecture=arch))
    [finding] = _run("SC103", _context(data, catalog))
    assert "8,192-token maximum context" in finding.message
    assert "max_position_embeddings of its config.json" in finding.message


# --------------------------------------------------------------------------- SC104


def test_sc104_did_you_mean_and_aliases(catalog: Catalog) -> None:
    workloads = [
        _serving(name="a", hardware={"gpu": "A100-90GB"}),
        _serving(name="b", hardware={"gpu": "NVIDIA A100-SXM4-80GB"}),  # NVML name: an alias
        _serving(name="c", hardware={"gpu": "a100 80gb"}),  # case, spaces
        _serving(name="d", hardware={"gpu": "Acme-X1", "vram_gb": 48}),
    ]
    [finding] = _run("SC104", _context(_record(workloads), catalog))
    assert finding.pointer == "/workloads/0/hardware/gpu"
    assert "GPU 'A100-90GB' is not in the GPU catalog" in finding.message
    assert finding.help.startswith("Did you mean `A100-80GB`?")


# --------------------------------------------------------------------------- SC105


def test_sc105_unknown_model_points_at_the_candidate(catalog: Catalog) -> None:
    candidates = [
        {"model": QWEN7, "license": "apache-2.0", "scores": {}},
        {"model": "acme/private-13b", "license": "apache-2.0", "scores": {}},
    ]
    data = _record([_serving()], chosen="acme/private-13b", candidates=candidates)
    [finding] = _run("SC105", _context(data, catalog))
    assert finding.pointer == "/candidates/1/model"
    assert (
        "acme/private-13b is not in the model catalog and has neither `parameters` nor `architecture`"
        in finding.message
    )
    assert "whether it fits the workloads is unverified" in finding.message
    # Issue 13: every candidate is checked; an unknown one that is not chosen cannot be
    # compared on size and fit.
    data = _record([_serving()], chosen=QWEN7, candidates=candidates)
    [other] = _run("SC105", _context(data, catalog))
    assert other.pointer == "/candidates/1/model" and "cannot be compared" in other.message


def test_sc105_suggests_the_catalog_id_a_typo_means(catalog: Catalog) -> None:
    typo = "Qwen/Qwen2.5-Coder-7B-Instrukt"
    candidates = [{"model": typo, "license": "apache-2.0", "scores": {}}]
    data = _record([_serving()], chosen=typo, candidates=candidates)
    [finding] = _run("SC105", _context(data, catalog))
    assert "Did you mean `Qwen/Qwen2.5-Coder-7B-Instruct`?" in finding.help


def test_sc105_reports_an_unusable_architecture_and_the_fallback(catalog: Catalog) -> None:
    broken = {"config": "tests/fixtures/configs/does-not-exist.json"}
    data = _record([_serving()], chosen=LLAMA8, candidates=_llama(architecture=broken))
    [finding] = _run("SC105", _context(data, catalog))
    assert finding.pointer == "/candidates/0/architecture/config"
    assert "cannot read" in finding.message and "uses the model catalog's architecture instead" in finding.message
    outside = {"config": "../../etc/passwd"}
    data = _record([_serving()], chosen=LLAMA8, candidates=_llama(architecture=outside, parameters=8.0e9))
    [finding] = _run("SC105", _context(data, catalog))
    assert "outside the repository" in finding.message
    inline = {"hidden_size": 4096, "num_attention_heads": 32, "intermediate_size": 14336, "vocab_size": 128256}
    data = _record(
        [_serving()],
        chosen="acme/x",
        candidates=[{"model": "acme/x", "license": "mit", "architecture": inline}, _llama()[1]],
    )
    [finding] = _run("SC105", _context(data, catalog))
    assert "num_hidden_layers" in finding.message and "memory cannot be estimated" in finding.message


# --------------------------------------------------------------------------- the markdown chart


def test_workload_memory_is_recorded_for_the_report(catalog: Catalog) -> None:
    workloads = [
        _serving(name="fine-tune", mode="lora", gradient_checkpointing=True, batch_size=2),
        _serving(name="serving", hardware={"gpu": "L4"}, context_length=32768, batch_size=8),
    ]
    ctx = _context(_record(workloads, chosen=LLAMA8, candidates=_llama()), catalog)
    _run("SC101", ctx)
    _run("SC102", ctx)  # filled once, however many rules ask
    memory = ctx.memo("workload_memory", list)
    assert [(m.workload, m.hardware, m.fits) for m in memory] == [
        ("fine-tune", "A100-80GB", True),
        ("serving", "L4", False),
    ]
    serving = memory[1]
    assert serving.model == LLAMA8
    assert sum(p.bytes for p in serving.parts) == serving.total_bytes
    assert {p.name for p in serving.parts} == {"weights", "kv_cache", "activations", "overhead"}
    assert serving.card_bytes == 23034 * 2**20
    assert serving.usable_bytes == workload_budget_bytes(23034 * 2**20, 0.05)


def test_markdown_report_draws_the_memory_chart(tmp_path: Path) -> None:
    (tmp_path / "records").mkdir()
    fixture = REPO / "tests" / "fixtures" / "rules" / "SC101" / "fail-long-context" / "0001-faq.yaml"
    (tmp_path / "records" / "0001-faq.yaml").write_text(fixture.read_text(encoding="utf-8"), encoding="utf-8")
    result = invoke(["validate", "--format", "markdown", "records"], tmp_path)
    assert result.exit_code == 1
    assert "**Memory estimate**" in result.stdout
    assert "| serving | meta-llama/Llama-3.1-8B-Instruct | L4 |" in result.stdout
    assert "❌ exceeds" in result.stdout and "✅ fits" in result.stdout
    assert result.stdout.count("xychart-beta") == 2


def test_sc101_says_when_vllm_would_refuse_to_start(catalog: Catalog) -> None:
    # The workload's own 4,096 × 4 tokens fit the pool, but one request of max_model_len does
    # not: vLLM refuses to start ("larger than the maximum number of tokens … in KV cache").
    workload = _serving(engine="vllm", hardware={"gpu": "L4"}, max_model_len=131072, batch_size=2)
    data = _record([workload], chosen=LLAMA8, candidates=_llama())
    [finding] = _run("SC101", _context(data, catalog))
    assert finding.pointer == "/workloads/0/max_model_len"
    assert re.search(r"vLLM would refuse to start: the KV cache pool .* holds [\d,]+ tokens", finding.message)
    assert "less than one request of max_model_len 131,072" in finding.message
    tokens = int(re.search(r"holds ([\d,]+) tokens", finding.message).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert f"Lower max_model_len to at most {tokens:,}" in finding.help
    # What the help says is enough: SC101 is silent at that length.
    workload["max_model_len"] = tokens
    assert _run("SC101", _context(_record([workload], chosen=LLAMA8, candidates=_llama()), catalog)) == []


def test_sc101_says_when_the_share_leaves_no_room_for_cuda_graphs(catalog: Catalog) -> None:
    workload = _serving(engine="vllm", hardware={"gpu": "H100-80GB"}, gpu_memory_utilization=0.995)
    [finding] = _run("SC101", _context(_record([workload]), catalog))
    assert finding.pointer == "/workloads/0/gpu_memory_utilization"
    assert "outside vLLM's share, but the CUDA context and CUDA graphs need about 1.4 GB" in finding.message
    assert finding.help == "Lower gpu_memory_utilization to at most 0.98."


def test_sc101_training_on_several_gpus_is_data_parallel_unless_the_record_says(catalog: Catalog) -> None:
    workload = _serving(
        name="fine-tune",
        mode="full-finetune",
        precision="mixed",
        hardware={"gpu": "A100-80GB", "count": 8},
        context_length=2048,
        batch_size=1,
        gradient_checkpointing=True,
    )
    # HF Trainer / torchrun on 8 GPUs: every GPU holds all of a 7B model's states.
    [finding] = _run("SC101", _context(_record([workload]), catalog))
    assert "exceeds the 81.6 GB usable on each of 8 × A100-80GB" in finding.message
    workload["parallelism"] = "zero-3"
    assert _run("SC101", _context(_record([workload]), catalog)) == []
