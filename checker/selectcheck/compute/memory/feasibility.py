"""Workloads that cannot run at all, whatever the card: the facts behind SC107.

Each check names the workload key that makes the workload impossible (so a rule can point at
it) and says why in one clause. Pure: the settings and, for the checks that need them, the
head and layer counts and the card's capabilities come in as plain values.
"""

from __future__ import annotations

from dataclasses import dataclass

from selectcheck.compute.choices import TRAINING_MODES
from selectcheck.compute.memory.errors import ImpossibleWorkload
from selectcheck.compute.memory.precisions import (
    FOUR_BIT_PRECISIONS,
    GGUF_PRECISIONS,
    TRAINABLE_PRECISIONS,
)

INFERENCE_ENGINES = ("vllm", "llama.cpp")
# Strategies that shard training state (optimizer states, gradients, weights).
SHARDED_TRAINING = ("zero-1", "zero-2", "zero-3", "fsdp")
# Offloading parameters needs them sharded and gathered per layer: ZeRO stage 3 or FSDP.
PARAMETER_OFFLOAD = ("zero-3", "fsdp")
# Engines that split attention heads across tensor-parallel GPUs and refuse degrees that do
# not divide them (llama.cpp splits whole layers, or rows by ratio, and has no such limit).
HEAD_SPLITTING_ENGINES = ("transformers", "vllm")
# vLLM runs FP8 checkpoints on cards without FP8 tensor cores weight-only (W8A16, the FP8
# Marlin kernel), from compute capability 7.5: docs.vllm.ai features/quantization/fp8 ("FP8
# models will run on compute capability >= 7.5 (Turing) as weight-only W8A16"; 8.0 before
# the Turing port, vllm-project/vllm#5975).
VLLM_FP8_WEIGHT_ONLY_CAPABILITY = (7, 5)


def resolved_parallelism(mode: str, parallelism: str | None) -> str:
    """As given, else tensor parallel for inference and plain data parallel for training
    (what HF Trainer / torchrun do with several GPUs)."""
    if parallelism is not None:
        return parallelism
    return "ddp" if mode in TRAINING_MODES else "tensor"


@dataclass(frozen=True)
class Impossibility:
    """One reason a workload cannot run: the workload key to blame and what is wrong."""

    key: str  # mode | engine | precision | parallelism | offload | hardware
    code: str  # a stable name for the kind of impossibility
    message: str


def setting_impossibilities(
    *,
    mode: str,
    engine: str,
    precision: str,
    parallelism: str,
    offload: str | None,
) -> list[Impossibility]:
    """Mode, engine, precision and strategy combinations that do not exist."""
    out: list[Impossibility] = []
    training = mode in TRAINING_MODES
    if training and engine in INFERENCE_ENGINES:
        out.append(Impossibility("engine", "training-engine", f"{engine} is an inference engine; it cannot run {mode}"))
    if engine == "llama.cpp" and precision not in GGUF_PRECISIONS:
        out.append(Impossibility("precision", "llama-cpp-weights", f"llama.cpp runs GGUF weights, not {precision!r}"))
    if training and precision in GGUF_PRECISIONS and engine == "transformers":
        out.append(
            Impossibility(
                "precision",
                "gguf-training",
                f"{precision!r} is a GGUF file: transformers dequantises it on load and cannot fine-tune it",
            )
        )
    if mode == "qlora" and precision not in FOUR_BIT_PRECISIONS:
        out.append(
            Impossibility(
                "precision",
                "qlora-base",
                f"QLoRA trains adapters on 4-bit base weights ({', '.join(FOUR_BIT_PRECISIONS)}), not {precision!r}",
            )
        )
    if mode == "full-finetune" and precision not in TRAINABLE_PRECISIONS:
        out.append(
            Impossibility(
                "precision",
                "full-finetune-precision",
                f"full-finetune trains every weight, which needs fp32, bf16, fp16 or mixed precision, not "
                f"{precision!r}",
            )
        )
    if precision == "mixed" and mode != "full-finetune":
        out.append(
            Impossibility(
                "precision",
                "mixed-precision",
                "precision 'mixed' is only meaningful for full-finetune (fp32 master weights, bf16 compute)",
            )
        )
    if not training and parallelism in SHARDED_TRAINING:
        out.append(
            Impossibility(
                "parallelism",
                "inference-sharding",
                f"{parallelism} shards training state; inference splits a model with tensor or pipeline "
                "parallelism (or runs ddp replicas)",
            )
        )
    if offload is not None and not training:
        out.append(
            Impossibility(
                "offload",
                "inference-offload",
                "offload is a training setting (ZeRO-Offload, FSDP CPU offload); llama.cpp keeps layers on the "
                "host with gpu_layers",
            )
        )
    elif offload == "parameters" and parallelism not in PARAMETER_OFFLOAD:
        out.append(
            Impossibility(
                "offload",
                "parameter-offload",
                f"offloading parameters needs them sharded (zero-3 or fsdp), not {parallelism}",
            )
        )
    elif offload == "optimizer" and parallelism not in SHARDED_TRAINING:
        out.append(
            Impossibility(
                "offload",
                "optimizer-offload",
                f"optimizer offload is a ZeRO / FSDP feature (zero-1, zero-2, zero-3 or fsdp), not {parallelism}",
            )
        )
    return out


def tensor_parallel_problem(heads: int, kv_heads: int, degree: int) -> str | None:
    """Why a tensor-parallel ``degree`` cannot split ``heads`` query heads and ``kv_heads`` KV
    heads, or None. As vLLM checks it: the query heads must divide evenly; KV heads must
    divide evenly too, or, when there are fewer KV heads than GPUs, each KV head must be
    replicated on a whole number of GPUs."""
    if degree <= 1:
        return None
    if heads % degree:
        return f"{heads} attention heads cannot be split evenly over {degree} GPUs"
    if kv_heads >= degree and kv_heads % degree:
        return f"{kv_heads} KV heads cannot be split evenly over {degree} GPUs"
    if kv_heads < degree and degree % kv_heads:
        return f"{kv_heads} KV heads cannot be replicated evenly over {degree} GPUs"
    return None


def pipeline_problem(layers: int, degree: int) -> str | None:
    """Why ``degree`` pipeline stages cannot split ``layers`` decoder layers, or None."""
    if degree > layers:
        return f"{degree} pipeline stages need at least {degree} layers; the model has {layers}"
    return None


def split_impossibilities(
    *, engine: str, parallelism: str, gpu_count: int, heads: int, kv_heads: int, layers: int
) -> list[Impossibility]:
    """Ways of splitting a model over ``gpu_count`` GPUs that its shape does not allow."""
    out: list[Impossibility] = []
    if parallelism == "tensor" and engine in HEAD_SPLITTING_ENGINES:
        problem = tensor_parallel_problem(heads, kv_heads, gpu_count)
        if problem is not None:
            out.append(Impossibility("hardware", "tensor-parallel-heads", f"tensor parallelism: {problem}"))
    if parallelism == "pipeline":
        problem = pipeline_problem(layers, gpu_count)
        if problem is not None:
            out.append(Impossibility("hardware", "pipeline-layers", f"pipeline parallelism: {problem}"))
    return out


def capability_impossibilities(
    *,
    engine: str,
    precision: str,
    gpu: str,
    bf16: bool | None,
    fp8: bool | None,
    capability: tuple[int, int] | None,
) -> list[Impossibility]:
    """Weight precisions an engine cannot run on the card: ``bf16`` and ``fp8`` say whether the
    card has bf16 / FP8 tensor cores (None: unknown), ``capability`` is its NVIDIA compute
    capability (None: unknown or another vendor)."""
    out: list[Impossibility] = []
    level = f"compute capability {capability[0]}.{capability[1]}; " if capability else ""
    if engine == "vllm" and precision == "bf16" and bf16 is False:
        # vLLM's own check: "Bfloat16 is only supported on GPUs with compute capability of at
        # least 8.0" (vllm-project/vllm#946 on V100, #1157 on T4).
        out.append(Impossibility("precision", "bf16-capability", f"vLLM refuses bf16 on {gpu} ({level}bf16 from 8.0)"))
    if precision == "fp8" and fp8 is False:
        if engine == "vllm" and capability is not None and capability < VLLM_FP8_WEIGHT_ONLY_CAPABILITY:
            out.append(
                Impossibility(
                    "precision",
                    "fp8-capability",
                    f"vLLM cannot run fp8 weights on {gpu} ({level}FP8 computes from 8.9, weight-only FP8 "
                    "Marlin from 7.5)",
                )
            )
        elif engine == "transformers":
            # transformers' FP8 quantizer: "FP8 quantized models is only supported on GPUs with
            # compute capability >= 8.9 ... We will default to dequantizing the model to bf16"
            # (earlier releases raised instead).
            out.append(
                Impossibility(
                    "precision",
                    "fp8-dequantised",
                    f"{gpu} has no FP8 tensor cores ({level}FP8 from 8.9): transformers dequantises an fp8 "
                    "checkpoint to bf16 on load, so it runs with twice the weight memory, not in fp8",
                )
            )
    return out


def refuse(problems: list[Impossibility]) -> None:
    """Raise :class:`ImpossibleWorkload` for the first problem, if there is one."""
    if problems:
        raise ImpossibleWorkload(problems[0].message, problems[0].key)
