"""The cheapest fix the memory rules and `selectcheck estimate` propose: each is confirmed by
the estimator, tried in order of cost, and a workload estimated once is never estimated
again while trials run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from selectcheck.compute.architecture import Architecture, architecture_from_hf_config
from selectcheck.compute.memory import MemoryEstimate, MemoryWorkload, estimate_memory, usable_bytes
from selectcheck.rules.memory_advice import FixSuggestion, suggest_fix

CONFIGS = Path(__file__).resolve().parent.parent / "fixtures" / "configs"
H100 = 81_559 * 1024 * 1024
L4 = 23_034 * 1024 * 1024
LLAMA8: Architecture = architecture_from_hf_config(json.loads((CONFIGS / "llama-3.1-8b.json").read_text()))


class Counting:
    """The estimator, counting how often each workload is estimated."""

    def __init__(self, arch: Architecture) -> None:
        self.arch = arch
        self.calls: dict[MemoryWorkload, int] = {}

    def __call__(self, workload: MemoryWorkload) -> MemoryEstimate:
        self.calls[workload] = self.calls.get(workload, 0) + 1
        return estimate_memory(workload, self.arch)


def fix_for(workload: MemoryWorkload, budget: int, **kwargs: Any) -> FixSuggestion | None:
    estimate_of = Counting(LLAMA8)
    current = estimate_memory(workload, LLAMA8)
    fix = suggest_fix(workload, current, budget, estimate_of, **kwargs)
    assert workload not in estimate_of.calls  # the caller's estimate is reused, not recomputed
    assert all(count == 1 for count in estimate_of.calls.values())
    if fix is not None:
        assert fix.total_bytes == estimate_memory(fix.workload, LLAMA8).total_bytes
    return fix


def test_suggest_fix_prefers_gradient_checkpointing() -> None:
    lora = MemoryWorkload(mode="lora", context_length=2048)
    budget = usable_bytes(L4 * 2, 0.05)  # ~46 GB: LoRA without checkpointing (~43 GB) fits
    assert fix_for(lora, budget) is None
    tight = usable_bytes(30 * 10**9, 0.0)
    fix = fix_for(lora, tight)
    assert fix is not None and fix.kind == "gradient-checkpointing"
    assert fix.workload.gradient_checkpointing and fix.total_bytes <= tight
    assert "gradient checkpointing" in fix.message and "GB" in fix.message


def test_suggest_fix_quantises_or_changes_gpu() -> None:
    serve = MemoryWorkload(context_length=4096)
    budget = 15 * 10**9  # 16 GB of bf16 weights cannot fit
    fix = fix_for(serve, budget)
    assert fix is not None and fix.kind == "precision"
    assert fix.workload.precision == "int8"  # the largest quantised precision that fits
    assert fix.total_bytes <= budget
    # nothing but a bigger GPU helps a full fine-tune of 8B on 24 GB at this budget
    full = MemoryWorkload(mode="full-finetune", precision="mixed", context_length=2048)
    gpus = [("L4", L4), ("H100-80GB", H100), ("H200", 143_771 * 1024 * 1024)]
    assert fix_for(full, usable_bytes(10**9, 0), gpus=gpus) is None
    assert fix_for(full, usable_bytes(L4, 0.05), gpus=gpus) is None
    fix = fix_for(full, usable_bytes(L4, 0.05), gpus=[*gpus, ("B200", 192 * 10**9)])
    assert fix is not None and fix.kind == "gpu" and fix.gpu == "B200"
    assert fix.workload == full and "B200" in fix.message


def test_suggest_fix_picks_the_smallest_gpu_that_fits() -> None:
    serve = MemoryWorkload(context_length=131_072, batch_size=2)
    gpus = [("H200", 143_771 * 1024 * 1024), ("L4", L4), ("H100-80GB", H100)]
    est = estimate_memory(serve, LLAMA8)
    assert est.total_bytes > usable_bytes(H100, 0.05)
    fix = fix_for(serve, 10**9, gpus=gpus)
    # quantisation / shorter context are tried before the GPU; a 1 GB budget rules them out
    assert fix is not None and fix.kind == "gpu" and fix.gpu == "H200"
