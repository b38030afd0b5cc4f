"""Bytes per weight and per cached key/value element, quantisation metadata included.

Weight quantisers that work on linear layers (GPTQ, AWQ, bitsandbytes, fp8) leave the
embeddings, the LM head and the norms in 16-bit; GGUF files quantise every tensor and their
figures are llama.cpp's own whole-file averages.
"""

from __future__ import annotations

from selectcheck.compute.architecture import Architecture, linear_parameters
from selectcheck.compute.memory.errors import MemoryWorkloadError

# bitsandbytes NF4: an fp32 absmax per 64-weight block; with QLoRA's double quantisation the
# absmax is 8-bit with one fp32 constant per 256 blocks (≈ 4.127 bits).
NF4_BITS = 4 + 32 / 64
NF4_DOUBLE_QUANT_BITS = 4 + 8 / 64 + 32 / (64 * 256)
# GPTQ / AWQ checkpoints, group size 128 (Qwen's, TheBloke's and AutoAWQ's default): packed
# int32 weights, an fp16 scale and a packed zero point of the same width per group and output
# column. (GPTQ's g_idx adds 32 bits per input row, under 0.01 bit per weight: left out.)
GPTQ_GROUP_SIZE = 128
GROUP128_INT4_BITS = 4 + (16 + 4) / GPTQ_GROUP_SIZE
GROUP128_INT8_BITS = 8 + (16 + 8) / GPTQ_GROUP_SIZE

# GGUF types: bits per weight of the whole file, from llama.cpp's tools/quantize/README.md
# (the meta-llama/Llama-3.1-8B table: embeddings and output included) — except Q4_0 (its block
# layout: 18 bytes per 32 weights) and Q3_K_M (the Llama-2-7B table of an older version of the
# same README).
GGUF_BITS: dict[str, float] = {
    "gguf-f16": 16.0005,
    "gguf-q8_0": 8.5008,
    "gguf-q6_k": 6.5633,
    "gguf-q5_k_m": 5.7036,
    "gguf-q5_k_s": 5.5704,
    "gguf-q4_k_m": 4.8944,
    "gguf-iq4_nl": 4.6818,
    "gguf-q4_k_s": 4.6672,
    "gguf-q4_0": 4.5,
    "gguf-iq4_xs": 4.4597,
    "gguf-q3_k_l": 4.2979,
    "gguf-q3_k_m": 3.91,
    "gguf-q3_k_s": 3.6429,
    "gguf-q2_k": 3.1593,
}

WEIGHT_BITS: dict[str, float] = {
    "fp32": 32.0,
    "bf16": 16.0,
    "fp16": 16.0,
    "mixed": 16.0,  # the bf16 compute copy; fp32 master weights are counted under optimizer
    "fp8": 8.0 + 32 / 4096,  # e4m3 plus a per-channel fp32 scale
    "int8": 8.0 + 32 / 4096,  # LLM.int8 / W8A8: int8 plus a per-row fp32 scale
    "int4": GROUP128_INT4_BITS,
    "nf4": NF4_BITS,
    "gptq-int4": GROUP128_INT4_BITS,
    "gptq-int8": GROUP128_INT8_BITS,
    "awq-int4": GROUP128_INT4_BITS,
    **GGUF_BITS,
}
# Linear-layer quantisers: embeddings, LM head and norms stay 16-bit.
QUANTIZED_PRECISIONS = ("fp8", "int8", "int4", "nf4", "gptq-int4", "gptq-int8", "awq-int4")
GGUF_PRECISIONS = tuple(GGUF_BITS)
# Precisions a training run can keep every weight trainable in.
TRAINABLE_PRECISIONS = ("fp32", "bf16", "fp16", "mixed")
# 4-bit base weights, as QLoRA needs them.
FOUR_BIT_PRECISIONS = ("nf4", "int4", "gptq-int4", "awq-int4")
# bitsandbytes precisions: dequantised to 16-bit one weight matrix at a time.
BITSANDBYTES_PRECISIONS = ("nf4", "int4", "int8")

# Bytes per cached key/value element.
KV_BYTES: dict[str, float] = {
    "fp32": 4.0,
    "bf16": 2.0,
    "fp16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "q8_0": 34 / 32,  # llama.cpp --cache-type-k q8_0
    "q4_0": 18 / 32,
}


def bits_per_weight(precision: str) -> float:
    try:
        return WEIGHT_BITS[precision]
    except KeyError:
        raise MemoryWorkloadError(f"unknown precision {precision!r}", "precision") from None


def kv_bytes_per_element(kv_precision: str) -> float:
    try:
        return KV_BYTES[kv_precision]
    except KeyError:
        raise MemoryWorkloadError(f"unknown KV-cache precision {kv_precision!r}", "kv_cache_precision") from None


def compute_bytes(precision: str) -> int:
    """Bytes per activation element: fp32 models compute in fp32, everything else in 16-bit."""
    return 4 if precision == "fp32" else 2


def weight_bytes(arch: Architecture | None, parameters: int, precision: str) -> int:
    """Bytes of the weights in ``precision`` (all experts resident).

    Linear-layer quantisers keep embeddings, LM head, norms and routers in 16-bit; without an
    architecture every parameter is counted at the quantised rate.
    """
    bits = bits_per_weight(precision)
    if precision in QUANTIZED_PRECISIONS and arch is not None:
        quantised = linear_parameters(arch)
        return int(quantised * bits / 8 + (parameters - quantised) * 2)
    return int(parameters * bits / 8)


# Weight precisions from the highest quality down, per mode and engine: the order in which
# `selectcheck shortlist --precision any` tries them, so the first that fits is the least lossy
# way to run the model on the card. Each is a precision the engine runs in practice: 16-bit,
# then FP8 and 8-bit, then 4-bit (bitsandbytes for transformers, AWQ for vLLM, the common GGUF
# types for llama.cpp). Training keeps full fine-tuning trainable (mixed, then pure bf16), LoRA
# on a 16-bit or 8-bit base, and QLoRA on NF4, its own recipe.
INFERENCE_LADDERS: dict[str, tuple[str, ...]] = {
    "transformers": ("bf16", "fp8", "int8", "nf4"),
    "vllm": ("bf16", "fp8", "gptq-int8", "awq-int4"),
    "llama.cpp": (
        "gguf-f16",
        "gguf-q8_0",
        "gguf-q6_k",
        "gguf-q5_k_m",
        "gguf-q4_k_m",
        "gguf-q3_k_m",
        "gguf-q2_k",
    ),
}
TRAINING_LADDERS: dict[str, tuple[str, ...]] = {
    "full-finetune": ("mixed", "bf16"),
    "lora": ("bf16", "int8"),
    "qlora": ("nf4",),
}


def precisions_by_quality(mode: str, engine: str, *, bf16: bool = True) -> tuple[str, ...]:
    """The weight precisions to try for ``mode`` under ``engine``, highest quality first. On a
    card without bf16 (``bf16=False``: T4, V100) the 16-bit step is fp16, as those cards run it.
    (Training under vLLM or llama.cpp gets the training ladder and is impossible at every step.)"""
    ladder = TRAINING_LADDERS.get(mode) or INFERENCE_LADDERS.get(engine, INFERENCE_LADDERS["transformers"])
    if not bf16:
        ladder = tuple("fp16" if precision == "bf16" else precision for precision in ladder)
    return ladder
