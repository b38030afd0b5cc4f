"""Peak GPU memory of one workload, per GPU, as a sum of named parts (DESIGN §5).

Pure computation: no YAML, no catalogs, no English advice. The package, by concern:

* ``workload``: the settings that decide memory, validated once (:class:`MemoryWorkload`);
* ``precisions``: bits per weight and bytes per KV element, quantisation metadata included;
* ``constants``: every number that physics cannot give, with its provenance;
* ``parts``: what every engine shares (KV cache, prefill peak, masks, widths);
* ``transformers``, ``training``, ``vllm``, ``llama_cpp``: each engine's own estimate;
* ``estimate``: :func:`estimate_memory`, the dispatcher, and :class:`MemoryEstimate`, whose
  parts ``weights, kv_cache, activations, gradients, optimizer, overhead`` add up to
  ``total_bytes``, the peak on one GPU that is compared with the card.
"""

from __future__ import annotations

from selectcheck.compute.memory.constants import (
    CONSTANTS,
    CUDA_CONTEXT_BYTES,
    VLLM_GPU_MEMORY_UTILIZATION,
    Constant,
)
from selectcheck.compute.memory.errors import ImpossibleWorkload, MemoryWorkloadError
from selectcheck.compute.memory.estimate import (
    OVERHEAD_PARTS,
    PART_NAMES,
    MemoryEstimate,
    estimate_memory,
    proxy_architecture,
    usable_bytes,
    workload_budget_bytes,
)
from selectcheck.compute.memory.parts import kv_cache_bytes, kv_cache_bytes_per_token
from selectcheck.compute.memory.precisions import (
    GGUF_PRECISIONS,
    NF4_BITS,
    NF4_DOUBLE_QUANT_BITS,
    QUANTIZED_PRECISIONS,
    WEIGHT_BITS,
    bits_per_weight,
    weight_bytes,
)
from selectcheck.compute.memory.workload import MemoryWorkload

__all__ = [
    "CONSTANTS",
    "CUDA_CONTEXT_BYTES",
    "GGUF_PRECISIONS",
    "NF4_BITS",
    "NF4_DOUBLE_QUANT_BITS",
    "OVERHEAD_PARTS",
    "PART_NAMES",
    "QUANTIZED_PRECISIONS",
    "VLLM_GPU_MEMORY_UTILIZATION",
    "WEIGHT_BITS",
    "Constant",
    "ImpossibleWorkload",
    "MemoryEstimate",
    "MemoryWorkload",
    "MemoryWorkloadError",
    "bits_per_weight",
    "estimate_memory",
    "kv_cache_bytes",
    "kv_cache_bytes_per_token",
    "proxy_architecture",
    "usable_bytes",
    "weight_bytes",
    "workload_budget_bytes",
]
