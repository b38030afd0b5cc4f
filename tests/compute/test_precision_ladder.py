"""The precisions `selectcheck shortlist --precision any` tries, highest quality first."""

from __future__ import annotations

import pytest

from selectcheck.compute.choices import PRECISIONS
from selectcheck.compute.memory import WEIGHT_BITS
from selectcheck.compute.memory.feasibility import setting_impossibilities
from selectcheck.compute.memory.precisions import INFERENCE_LADDERS, TRAINING_LADDERS, precisions_by_quality

CASES = [("inference", engine) for engine in INFERENCE_LADDERS] + [(mode, "transformers") for mode in TRAINING_LADDERS]


@pytest.mark.parametrize(("mode", "engine"), CASES)
def test_each_step_can_run_and_holds_fewer_bits_than_the_one_before(mode: str, engine: str) -> None:
    ladder = precisions_by_quality(mode, engine)
    assert ladder and len(set(ladder)) == len(ladder)
    for precision in ladder:
        assert precision in PRECISIONS
        parallelism = "ddp" if mode != "inference" else "tensor"
        problems = setting_impossibilities(
            mode=mode, engine=engine, precision=precision, parallelism=parallelism, offload=None
        )
        assert problems == [], (mode, engine, precision)
    # Highest quality first: 16-bit, then 8-bit, then fewer bits (scales and zero points aside:
    # fp8 before gptq-int8, whose group scales make it a little larger, is the same tier).
    tiers = [int(WEIGHT_BITS[precision]) for precision in ladder]
    assert tiers == sorted(tiers, reverse=True)
    assert tiers[-1] < tiers[0] or mode == "full-finetune" or ladder == ("nf4",)


def test_a_card_without_bf16_runs_the_16_bit_step_in_fp16() -> None:
    assert precisions_by_quality("inference", "vllm", bf16=False) == ("fp16", "fp8", "gptq-int8", "awq-int4")
    assert precisions_by_quality("lora", "transformers", bf16=False)[0] == "fp16"
    assert precisions_by_quality("qlora", "transformers", bf16=False) == ("nf4",)
    assert precisions_by_quality("inference", "llama.cpp", bf16=False) == INFERENCE_LADDERS["llama.cpp"]
