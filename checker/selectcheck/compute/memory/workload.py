"""The workload settings that decide memory (DESIGN §2, §5), validated once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from selectcheck.compute.memory.errors import MemoryWorkloadError
from selectcheck.compute.memory.precisions import (
    GGUF_PRECISIONS,
    KV_PRECISIONS,
    PRECISIONS,
    QUANTIZED_PRECISIONS,
    TRAINABLE_PRECISIONS,
)

MODES = ("inference", "lora", "qlora", "full-finetune")
TRAINING_MODES = ("lora", "qlora", "full-finetune")
ENGINES = ("transformers", "vllm", "llama.cpp")
OPTIMIZERS = ("adamw", "adamw-8bit", "sgd")


def _choice(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise MemoryWorkloadError(f"{name} {value!r} is not one of: {', '.join(allowed)}", name)


@dataclass(frozen=True)
class MemoryWorkload:
    """The record's workload keys that decide memory (DESIGN §2)."""

    mode: str = "inference"
    precision: str = "bf16"
    context_length: int = 4096
    batch_size: int = 1
    kv_cache_precision: str | None = None
    gradient_checkpointing: bool = False
    optimizer: str = "adamw"
    lora_rank: int = 16
    engine: str = "transformers"
    gpu_count: int = 1

    def __post_init__(self) -> None:
        _choice("mode", self.mode, MODES)
        _choice("precision", self.precision, PRECISIONS)
        _choice("engine", self.engine, ENGINES)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        if self.kv_cache_precision is not None:
            _choice("kv_cache_precision", self.kv_cache_precision, KV_PRECISIONS)
        for name in ("context_length", "batch_size", "lora_rank", "gpu_count"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise MemoryWorkloadError(f"{name} must be a positive integer, got {value!r}", name)
        if self.precision == "mixed" and self.mode != "full-finetune":
            raise MemoryWorkloadError("precision 'mixed' is only meaningful for full-finetune", "precision")
        if self.mode == "full-finetune" and self.precision not in TRAINABLE_PRECISIONS:
            raise MemoryWorkloadError(
                f"full-finetune trains every weight, which needs fp32, bf16, fp16 or mixed "
                f"precision, not {self.precision!r} (use lora or qlora for a quantised base)",
                "precision",
            )
        if self.mode in TRAINING_MODES and self.engine != "transformers":
            raise MemoryWorkloadError(f"{self.engine} is an inference engine; training uses transformers", "engine")
        if self.precision in GGUF_PRECISIONS and self.mode in TRAINING_MODES:
            raise MemoryWorkloadError("GGUF weights cannot be fine-tuned", "precision")

    @property
    def is_training(self) -> bool:
        return self.mode in TRAINING_MODES

    @property
    def resolved_kv_cache_precision(self) -> str:
        """The KV dtype: as given, else the compute dtype (bf16; fp16 for fp16 weights,
        fp32 for fp32 weights, which transformers keeps in the cache)."""
        if self.kv_cache_precision is not None:
            return self.kv_cache_precision
        if self.precision in ("fp16", "fp32"):
            return self.precision
        return "bf16"

    @property
    def base_precision(self) -> str:
        """The precision of the frozen/served weights (QLoRA: NF4 unless a quantised
        precision is given)."""
        if self.mode == "qlora" and self.precision not in QUANTIZED_PRECISIONS:
            return "nf4"
        return self.precision

    def resolved(self) -> dict[str, Any]:
        """The settings actually used, for reports (``selectcheck estimate --format json``)."""
        out: dict[str, Any] = {
            "mode": self.mode,
            "precision": self.precision,
            "kv_cache_precision": self.resolved_kv_cache_precision,
            "context_length": self.context_length,
            "batch_size": self.batch_size,
            "engine": self.engine,
            "gpu_count": self.gpu_count,
        }
        if self.is_training:
            out["gradient_checkpointing"] = self.gradient_checkpointing
            out["optimizer"] = self.optimizer
            if self.mode in ("lora", "qlora"):
                out["lora_rank"] = self.lora_rank
        return out

    def replace(self, **changes: Any) -> MemoryWorkload:
        return replace(self, **changes)
