"""The estimate: peak memory on one GPU as named parts, and what a workload may use."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from selectcheck.compute.architecture import Architecture, count_parameters
from selectcheck.compute.memory.constants import VLLM_GPU_MEMORY_UTILIZATION
from selectcheck.compute.memory.errors import MemoryWorkloadError
from selectcheck.compute.memory.feasibility import refuse, split_impossibilities
from selectcheck.compute.memory.precisions import QUANTIZED_PRECISIONS
from selectcheck.compute.memory.workload import MemoryWorkload

PART_NAMES = ("weights", "kv_cache", "activations", "gradients", "optimizer", "overhead")
# The items of the overhead part every engine reports (`overhead_parts` of `estimate --format
# json`), in report order; an engine may add its own (vLLM: non_torch).
OVERHEAD_PARTS = ("cuda_context", "workspace", "allocator_reserve", "multi_gpu_communication")


@dataclass(frozen=True)
class MemoryEstimate:
    """Peak memory on one GPU, in bytes, as named parts that add up to ``total_bytes``."""

    weights: int
    kv_cache: int
    activations: int
    gradients: int
    optimizer: int
    overhead: int
    total_bytes: int
    parameters: int
    workload: MemoryWorkload
    approximated: tuple[str, ...] = ()
    details: tuple[tuple[str, int], ...] = field(default=())
    # When the peak happens: "prefill" (transformers inference), "backward" or "optimizer
    # step" (training), "serving" (vLLM, llama.cpp: memory held for the whole run).
    moment: str = ""
    # Host RAM the workload needs besides, all GPUs' processes together: offloaded optimizer
    # state and weights (training), layers and cache llama.cpp keeps on the CPU.
    host_bytes: int = 0
    # The items of the overhead part, which add up to it.
    overhead_items: tuple[tuple[str, int], ...] = ()

    def parts(self) -> dict[str, int]:
        """The six parts, in the fixed order of the JSON report."""
        return {name: int(getattr(self, name)) for name in PART_NAMES}

    def detail(self) -> dict[str, int]:
        """Finer items inside the parts (CUDA context, allocator reserve, logits, …)."""
        return dict(self.details)

    def overhead_parts(self) -> dict[str, int]:
        """The overhead part item by item: every engine's common items (0 where it has none)
        and the engine's own; they add up to ``overhead``."""
        items = dict(self.overhead_items)
        out = {name: items.pop(name, 0) for name in OVERHEAD_PARTS}
        out.update(items)
        return out

    @property
    def per_gpu_bytes(self) -> int:
        return self.total_bytes


def build_estimate(
    workload: MemoryWorkload,
    params: int,
    parts: dict[str, float],
    overhead: dict[str, float],
    details: dict[str, float],
    moment: str,
    *,
    host_bytes: float = 0.0,
) -> MemoryEstimate:
    """Round every part and overhead item up to whole bytes; the overhead part is the sum of
    its items (which the details list too), the total the sum of the parts."""
    overhead_items = {name: math.ceil(value) for name, value in overhead.items()}
    details = {**overhead_items, **details}
    ints = {name: math.ceil(parts.get(name, 0.0)) for name in PART_NAMES}
    ints["overhead"] = sum(overhead_items.values())
    return MemoryEstimate(
        weights=ints["weights"],
        kv_cache=ints["kv_cache"],
        activations=ints["activations"],
        gradients=ints["gradients"],
        optimizer=ints["optimizer"],
        overhead=ints["overhead"],
        total_bytes=sum(ints.values()),
        parameters=params,
        workload=workload,
        details=tuple((k, math.ceil(v)) for k, v in details.items() if v),
        moment=moment,
        host_bytes=math.ceil(host_bytes),
        overhead_items=tuple((k, v) for k, v in overhead_items.items() if v),
    )


def usable_bytes(card_bytes: int, headroom: float) -> int:
    """What a workload may use on a card: total × (1 − headroom)."""
    if not 0 <= headroom < 1:
        raise ValueError(f"headroom must be in [0, 1), got {headroom}")
    return int(card_bytes * (1 - headroom))


def workload_budget_bytes(
    card_bytes: int,
    headroom: float,
    engine: str = "transformers",
    utilization: float = VLLM_GPU_MEMORY_UTILIZATION,
) -> int:
    """The budget a workload's total is compared with: the usable bytes, and for vLLM no
    more than the ``gpu_memory_utilization`` share it claims."""
    budget = usable_bytes(card_bytes, headroom)
    if engine == "vllm":
        budget = min(budget, int(card_bytes * utilization))
    return budget


def proxy_architecture(parameters: int) -> Architecture:
    """A typical modern decoder (GQA with 8 KV heads of 128, SwiGLU at 3.5 × hidden, 128k
    vocabulary, hidden = 128 × layers) with about ``parameters`` parameters. Used only when a
    model's architecture is unknown; the parts it drives are flagged as approximated."""
    if parameters <= 0:
        raise MemoryWorkloadError("parameters must be positive")
    vocab = 128_256
    best: Architecture | None = None
    best_err = math.inf
    for layers in range(2, 200):
        hidden = 128 * layers
        heads = hidden // 128
        arch = Architecture(
            hidden_size=hidden,
            num_hidden_layers=layers,
            num_attention_heads=heads,
            num_key_value_heads=min(8, heads),
            intermediate_size=128 * round(3.5 * hidden / 128),
            vocab_size=vocab,
            tie_word_embeddings=hidden < 3072,
        )
        err = abs(count_parameters(arch) - parameters)
        if err < best_err:
            best, best_err = arch, err
    assert best is not None
    return best


def estimate_memory(
    workload: MemoryWorkload,
    architecture: Architecture | None = None,
    parameters: int | None = None,
) -> MemoryEstimate:
    """Peak memory of ``workload`` on one GPU.

    Give the ``architecture`` (exact) or only ``parameters`` (a proxy architecture of that
    size drives KV cache and activations, which are then listed in ``approximated``). When
    both are given, ``parameters`` overrides the count used for weights.
    """
    from selectcheck.compute.memory import llama_cpp, training, transformers, vllm

    approximated: list[str] = []
    if architecture is None:
        if parameters is None:
            raise MemoryWorkloadError("estimate_memory needs an architecture or a parameter count")
        arch = proxy_architecture(parameters)
        approximated += ["kv_cache", "activations"]
        if workload.precision in QUANTIZED_PRECISIONS:
            approximated.append("weights")
        if workload.mode in ("lora", "qlora"):
            approximated += ["gradients", "optimizer"]
        exact_arch = False
    else:
        arch = architecture
        exact_arch = True
        refuse(
            split_impossibilities(
                engine=workload.engine,
                parallelism=workload.resolved_parallelism,
                gpu_count=workload.gpu_count,
                heads=arch.num_attention_heads,
                kv_heads=arch.num_key_value_heads,
                layers=arch.num_hidden_layers,
            )
        )
    params = parameters if parameters is not None else count_parameters(arch)
    if workload.engine == "vllm":
        est = vllm.estimate(workload, arch, params)
    elif workload.engine == "llama.cpp":
        est = llama_cpp.estimate(workload, arch, params)
    elif workload.is_training:
        est = training.estimate(workload, arch, params, exact_arch)
    else:
        est = transformers.estimate(workload, arch, params, exact_arch)
    if approximated:
        order = {name: i for i, name in enumerate(PART_NAMES)}
        est = replace(est, approximated=tuple(sorted(set(approximated), key=order.__getitem__)))
    return est
