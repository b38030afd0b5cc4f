"""The workload settings that decide memory (DESIGN §2, §5, §10), validated once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from selectcheck.compute.choices import (
    ADAPTER_PRECISIONS,
    ATTENTIONS,
    ENGINES,
    KV_PRECISIONS,
    MODES,
    OFFLOADS,
    OPTIMIZERS,
    PARALLELISMS,
    PRECISIONS,
    TRAINING_MODES,
)
from selectcheck.compute.memory.constants import (
    LLAMA_CPP_UBATCH,
    VLLM_GPU_MEMORY_UTILIZATION,
    VLLM_MAX_NUM_BATCHED_TOKENS,
    VLLM_MAX_NUM_SEQS,
)
from selectcheck.compute.memory.errors import MemoryWorkloadError
from selectcheck.compute.memory.feasibility import refuse, resolved_parallelism, setting_impossibilities


def _choice(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise MemoryWorkloadError(f"{name} {value!r} is not one of: {', '.join(allowed)}", name)


def _positive(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise MemoryWorkloadError(f"{name} must be a positive integer, got {value!r}", name)


@dataclass(frozen=True)
class MemoryWorkload:
    """The record's workload keys that decide memory (DESIGN §2, §10).

    ``batch_size`` is the sequences one GPU holds at once (the per-device micro-batch under
    data parallelism). Engine settings apply to their engine only: vLLM's
    ``gpu_memory_utilization``, ``max_model_len``, ``max_num_seqs``, ``max_num_batched_tokens``;
    llama.cpp's ``flash_attention``, ``n_ubatch``, ``parallel``, ``gpu_layers``; transformers'
    ``attention``; training's ``autocast``, ``adapter_precision``, ``offload``.
    """

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
    # How several GPUs are used; None = tensor for inference, ddp for training.
    parallelism: str | None = None
    offload: str | None = None
    # transformers: how attention is computed (eager materialises the score matrix).
    attention: str = "sdpa"
    # Training: torch.autocast to bf16 (HF Trainer's bf16=True), and the adapters' dtype (peft
    # keeps them in fp32 by default).
    autocast: bool = False
    adapter_precision: str = "fp32"
    # vLLM.
    gpu_memory_utilization: float = VLLM_GPU_MEMORY_UTILIZATION
    max_model_len: int | None = None
    max_num_seqs: int = VLLM_MAX_NUM_SEQS
    max_num_batched_tokens: int = VLLM_MAX_NUM_BATCHED_TOKENS
    # llama.cpp.
    flash_attention: bool = True
    n_ubatch: int = LLAMA_CPP_UBATCH
    parallel: int | None = None
    gpu_layers: int | None = None

    def __post_init__(self) -> None:
        _choice("mode", self.mode, MODES)
        _choice("precision", self.precision, PRECISIONS)
        _choice("engine", self.engine, ENGINES)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _choice("attention", self.attention, ATTENTIONS)
        _choice("adapter_precision", self.adapter_precision, ADAPTER_PRECISIONS)
        if self.kv_cache_precision is not None:
            _choice("kv_cache_precision", self.kv_cache_precision, KV_PRECISIONS)
        if self.parallelism is not None:
            _choice("parallelism", self.parallelism, PARALLELISMS)
        if self.offload is not None:
            _choice("offload", self.offload, OFFLOADS)
        for name in ("context_length", "batch_size", "lora_rank", "gpu_count", "max_num_seqs"):
            _positive(name, getattr(self, name))
        for name in ("max_num_batched_tokens", "n_ubatch"):
            _positive(name, getattr(self, name))
        for name in ("max_model_len", "parallel"):
            if getattr(self, name) is not None:
                _positive(name, getattr(self, name))
        if self.gpu_layers is not None and (
            isinstance(self.gpu_layers, bool) or not isinstance(self.gpu_layers, int) or self.gpu_layers < 0
        ):
            message = f"gpu_layers must be a non-negative integer, got {self.gpu_layers!r}"
            raise MemoryWorkloadError(message, "gpu_layers")
        utilization = self.gpu_memory_utilization
        if isinstance(utilization, bool) or not isinstance(utilization, (int, float)) or not 0 < utilization <= 1:
            raise MemoryWorkloadError(
                f"gpu_memory_utilization must be in (0, 1], got {utilization!r}", "gpu_memory_utilization"
            )
        refuse(
            setting_impossibilities(
                mode=self.mode,
                engine=self.engine,
                precision=self.precision,
                parallelism=self.resolved_parallelism,
                offload=self.offload,
            )
        )

    @property
    def is_training(self) -> bool:
        return self.mode in TRAINING_MODES

    @property
    def resolved_parallelism(self) -> str:
        """As given, else the default of the mode (feasibility.resolved_parallelism)."""
        return resolved_parallelism(self.mode, self.parallelism)

    @property
    def resolved_kv_cache_precision(self) -> str:
        """The KV dtype: as given, else the compute dtype (bf16; fp16 for fp16 weights,
        fp32 for fp32 weights, which transformers keeps in the cache); llama.cpp's cache is
        f16 whatever the weights."""
        if self.kv_cache_precision is not None:
            return self.kv_cache_precision
        if self.engine == "llama.cpp":
            return "fp16"
        if self.precision in ("fp16", "fp32"):
            return self.precision
        return "bf16"

    @property
    def resolved_max_model_len(self) -> int:
        """vLLM's max_model_len: as given, else the workload's context length."""
        return self.max_model_len if self.max_model_len is not None else self.context_length

    @property
    def sequences(self) -> int:
        """Sequences the engine holds at once (llama.cpp: its parallel slots)."""
        if self.engine == "llama.cpp" and self.parallel is not None:
            return self.parallel
        return self.batch_size

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
            "parallelism": self.resolved_parallelism,
        }
        if self.is_training:
            out["gradient_checkpointing"] = self.gradient_checkpointing
            out["optimizer"] = self.optimizer
            out["offload"] = self.offload
            out["autocast"] = self.autocast
            if self.mode in ("lora", "qlora"):
                out["lora_rank"] = self.lora_rank
                out["adapter_precision"] = self.adapter_precision
        if self.engine == "transformers":
            out["attention"] = self.attention
        elif self.engine == "vllm":
            out["gpu_memory_utilization"] = self.gpu_memory_utilization
            out["max_model_len"] = self.resolved_max_model_len
            out["max_num_seqs"] = self.max_num_seqs
            out["max_num_batched_tokens"] = self.max_num_batched_tokens
        else:
            out["flash_attention"] = self.flash_attention
            out["n_ubatch"] = self.n_ubatch
            out["parallel"] = self.sequences
            out["gpu_layers"] = self.gpu_layers
        return out

    def replace(self, **changes: Any) -> MemoryWorkload:
        return replace(self, **changes)
