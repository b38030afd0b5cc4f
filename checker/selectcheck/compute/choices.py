"""The choices a workload may make, defined once: the record schema (as `Literal` types),
the memory estimator, and the `estimate`/`new`/`shortlist` flags all read them here. Only
`typing` is imported, so a command's `--help` can list them for free."""

from __future__ import annotations

from typing import Literal, get_args

Mode = Literal["inference", "lora", "qlora", "full-finetune"]
WeightPrecision = Literal[
    "fp32",
    "bf16",
    "fp16",
    "fp8",
    "int8",
    "int4",
    "nf4",
    "gptq-int4",
    "gptq-int8",
    "awq-int4",
    "gguf-f16",
    "gguf-q8_0",
    "gguf-q6_k",
    "gguf-q5_k_m",
    "gguf-q5_k_s",
    "gguf-q4_k_m",
    "gguf-q4_k_s",
    "gguf-iq4_nl",
    "gguf-q4_0",
    "gguf-iq4_xs",
    "gguf-q3_k_l",
    "gguf-q3_k_m",
    "gguf-q3_k_s",
    "gguf-q2_k",
    "mixed",
]
KvPrecision = Literal["fp32", "bf16", "fp16", "fp8", "int8", "q8_0", "q4_0"]
Engine = Literal["transformers", "vllm", "llama.cpp"]
Optimizer = Literal["adamw", "adamw-8bit", "paged-adamw", "paged-adamw-8bit", "sgd"]
Parallelism = Literal["tensor", "pipeline", "ddp", "fsdp", "zero-1", "zero-2", "zero-3"]
Offload = Literal["optimizer", "parameters"]
Attention = Literal["sdpa", "flash", "eager"]
AdapterPrecision = Literal["fp32", "bf16"]

MODES: tuple[Mode, ...] = get_args(Mode)
PRECISIONS: tuple[WeightPrecision, ...] = get_args(WeightPrecision)
KV_PRECISIONS: tuple[KvPrecision, ...] = get_args(KvPrecision)
ENGINES: tuple[Engine, ...] = get_args(Engine)
OPTIMIZERS: tuple[Optimizer, ...] = get_args(Optimizer)
PARALLELISMS: tuple[Parallelism, ...] = get_args(Parallelism)
OFFLOADS: tuple[Offload, ...] = get_args(Offload)
ATTENTIONS: tuple[Attention, ...] = get_args(Attention)
ADAPTER_PRECISIONS: tuple[AdapterPrecision, ...] = get_args(AdapterPrecision)
TRAINING_MODES: tuple[Mode, ...] = ("lora", "qlora", "full-finetune")
# Data parallel first: the default of HF Trainer / torchrun, then what shards more.
TRAINING_PARALLELISMS: tuple[Parallelism, ...] = ("ddp", "zero-1", "zero-2", "zero-3", "fsdp", "tensor", "pipeline")
