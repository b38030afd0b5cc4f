"""What each multi-GPU strategy shards (DESIGN §10), as the share of each part one GPU holds.

* ddp: every GPU holds everything (HF Trainer / torchrun's default with several GPUs);
* zero-1: optimizer states (and fp32 master weights) split over the GPUs;
* zero-2: + gradients;
* zero-3, fsdp: + weights; each GPU gathers a whole layer's weights (the current one and the
  prefetched next) while it computes it;
* tensor: weights, KV heads and the layers' inner activations split by the degree (which
  must divide the heads);
* pipeline: layers split into stages; each stage keeps its layers' weights, states and KV.

Under data-parallel strategies each GPU holds its own micro-batch's activations.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sharding:
    """The share of each kind of memory one GPU holds under a parallel layout."""

    weights: float  # share of the (compute-dtype) weights each GPU holds between layers
    gradients: float
    optimizer: float  # master weights, optimizer states and the step's buffers
    activations: float  # share of the layers' inner activations (tensor parallel splits them)
    kv_cache: float  # share of the KV cache (tensor: by heads, pipeline: by layers)
    gathers_layers: bool = False  # zero-3 / fsdp all-gather each layer's weights before use
    splits_heads: bool = False  # tensor parallel: KV heads are split, never a head itself


def sharding(strategy: str, gpu_count: int) -> Sharding:
    """The shares one of ``gpu_count`` GPUs holds under ``strategy`` (everything at 1 GPU)."""
    n = float(gpu_count)
    if gpu_count == 1 or strategy == "ddp":
        return Sharding(1.0, 1.0, 1.0, 1.0, 1.0)
    if strategy == "zero-1":
        return Sharding(1.0, 1.0, 1 / n, 1.0, 1.0)
    if strategy == "zero-2":
        return Sharding(1.0, 1 / n, 1 / n, 1.0, 1.0)
    if strategy in ("zero-3", "fsdp"):
        return Sharding(1 / n, 1 / n, 1 / n, 1.0, 1.0, gathers_layers=True)
    if strategy == "tensor":
        return Sharding(1 / n, 1 / n, 1 / n, 1 / n, 1 / n, splits_heads=True)
    if strategy == "pipeline":
        # The first stage keeps activations of as many micro-batches in flight as there are
        # stages (1F1B), which adds up to about one micro-batch through every layer.
        return Sharding(1 / n, 1 / n, 1 / n, 1.0, 1 / n)
    raise ValueError(f"unknown parallelism {strategy!r}")
