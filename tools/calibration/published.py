"""The estimate next to memory figures other people published (tests/data/memory-published.yaml):
what each row is compared with, and the README's tables per engine.

    python tools/calibration/published.py            # Markdown tables, one per engine
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
try:
    import selectcheck  # noqa: F401
except ImportError:  # running from a checkout without an install
    sys.path.insert(0, str(REPO / "checker"))

import yaml  # noqa: E402

from selectcheck.catalog import Catalog, catalog_for  # noqa: E402
from selectcheck.compute.architecture import Architecture, architecture_from_hf_config  # noqa: E402
from selectcheck.compute.memory import MemoryEstimate, MemoryWorkload, estimate_memory  # noqa: E402
from selectcheck.compute.memory.parallel import sharding  # noqa: E402
from selectcheck.compute.memory.training import model_states  # noqa: E402
from selectcheck.compute.memory.vllm import capacity  # noqa: E402

DATA = REPO / "tests" / "data" / "memory-published.yaml"
GIB, MIB = 2**30, 2**20


def load_rows(path: Path = DATA) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return rows


def default_catalog() -> Catalog:
    from selectcheck.policy_loader import load_policy

    return catalog_for(load_policy(None, cwd=REPO).catalog_files)


def architecture(row: dict[str, Any], catalog: Catalog) -> Architecture:
    if "config" in row:
        return architecture_from_hf_config(row["config"])
    entry = catalog.models.get(row["model"])
    if entry is None:
        raise LookupError(f"{row['id']}: {row['model']} is not in the model catalog")
    return entry.architecture()


def estimate(row: dict[str, Any], catalog: Catalog) -> tuple[MemoryWorkload, Architecture, MemoryEstimate]:
    workload = MemoryWorkload(**row["workload"])
    arch = architecture(row, catalog)
    return workload, arch, estimate_memory(workload, arch)


def deepspeed_states(row: dict[str, Any]) -> tuple[float, float]:
    """Model states per GPU and host RAM as DeepSpeed counts them (no activations): fp16/bf16
    weights, fp32 master weights, gradients and Adam's states under the row's ZeRO stage."""
    workload = MemoryWorkload(**row["workload"], gpu_count=row["gpus"])
    states = model_states(
        trainable=row["parameters"],
        frozen_weight_bytes=0.0,
        param_bytes=2,
        mixed=True,
        optimizer="adamw",
        strategy=sharding(workload.resolved_parallelism, workload.gpu_count),
        offload=workload.offload,
        gathered=2 * row["largest_layer"],  # DeepSpeed: 4 bytes a parameter of the largest layer
        lm_head=0,
    )
    gpu = states.weights + states.master + states.gradients + states.states + states.gathered
    return gpu, states.host


@dataclass(frozen=True)
class Comparison:
    estimated: float
    published: float
    unit: str  # GiB | MiB | tokens

    @property
    def ratio(self) -> float:
        return self.estimated / self.published


def compare(row: dict[str, Any], catalog: Catalog) -> Comparison:
    """The estimate's figure that matches what the row measures, next to the published one."""
    kind = row["measures"]
    if kind.startswith("deepspeed-states"):
        gpu, host = deepspeed_states(row)
        return Comparison((gpu if kind.endswith("gpu") else host) / GIB, row["value_gib"], "GiB")
    workload, arch, est = estimate(row, catalog)
    if kind == "allocated":  # tensors only: the overhead is not allocated memory
        return Comparison((est.total_bytes - est.overhead) / GIB, row["value_gib"], "GiB")
    if kind == "gb-rounded":
        return Comparison(est.total_bytes / GIB, row["value_gib"], "GiB")
    if kind == "fit-limit":
        return Comparison(est.total_bytes / GIB, row["card_gib"], "GiB")
    if kind == "vllm-kv-cache-tokens":
        tokens = capacity(workload, arch, est, row["card_bytes"]).kv_cache_tokens
        return Comparison(tokens, row["value_tokens"], "tokens")
    if kind == "llama-cpp-kv-buffer":
        return Comparison(est.kv_cache / MIB, row["value_mib"], "MiB")
    if kind == "llama-cpp-compute-buffer":
        return Comparison(est.detail()["compute_buffer"] / MIB, row["value_mib"], "MiB")
    if kind == "gguf-model-size":
        return Comparison((est.weights + est.host_bytes) / GIB, row["value_gib"], "GiB")
    raise ValueError(f"{row['id']}: no comparison for {kind!r}")


def does_not_fit(row: dict[str, Any], catalog: Catalog, headroom: float = 0.05) -> bool:
    """For a run that ran out of memory: does the estimate say it does not fit?"""
    from selectcheck.compute.memory import workload_budget_bytes

    workload, arch, est = estimate(row, catalog)
    card = int(row["card_gib"] * GIB)
    if workload.engine == "vllm":
        return not capacity(workload, arch, est, card).starts
    return est.total_bytes > workload_budget_bytes(card, headroom, workload.engine)


def _label(row: dict[str, Any]) -> str:
    if "label" in row:
        return str(row["label"])
    w = row["workload"]
    return f"{row['model'].split('/')[-1]} {w['precision']}, {w['context_length']:,} tokens"


def markdown(catalog: Catalog) -> str:
    rows = load_rows()
    out: list[str] = []

    # transformers inference: the Qwen2.5 speed benchmark, summarised per precision.
    qwen = [r for r in rows if r["measures"] == "allocated"]
    groups: dict[str, list[float]] = defaultdict(list)
    for r in qwen:
        groups[r["workload"]["precision"]].append(compare(r, catalog).ratio)
    out += [
        "| precision | points | estimate ÷ published (min–median–max) | within 0.95–1.15 |",
        "| --- | ---: | --- | ---: |",
    ]
    for precision, ratios in groups.items():
        ratios.sort()
        inside = sum(0.95 <= x <= 1.15 for x in ratios)
        out.append(
            f"| {precision} | {len(ratios)} | {ratios[0]:.2f}–{ratios[len(ratios) // 2]:.2f}–{ratios[-1]:.2f} "
            f"| {inside}/{len(ratios)} |"
        )
    out.append("")

    def table(kinds: tuple[str, ...], title: str) -> None:
        out.extend(
            [
                f"| {title} | measures | published | selectcheck | ratio | source |",
                "| --- | --- | ---: | ---: | ---: | --- |",
            ]
        )
        for r in rows:
            if r["measures"] not in kinds:
                continue
            if r["measures"] == "does-not-fit":
                verdict = "does not fit" if does_not_fit(r, catalog) else "FITS"
                where = f"out of memory on {r['card_gib']:g} GiB"
                out.append(f"| {_label(r)} | {where} | OOM | {verdict} | | [source]({r['source']}) |")
                continue
            c = compare(r, catalog)
            fmt = "{:,.0f}" if c.unit == "tokens" else "{:,.2f}"
            out.append(
                f"| {_label(r)} | {r['measures']} | {fmt.format(c.published)} {c.unit} "
                f"| {fmt.format(c.estimated)} {c.unit} | {c.ratio:.2f} | [source]({r['source']}) |"
            )
        out.append("")

    table(("vllm-kv-cache-tokens",), "vLLM")
    table(("llama-cpp-kv-buffer", "llama-cpp-compute-buffer", "gguf-model-size"), "llama.cpp")
    table(("gb-rounded", "fit-limit"), "training (HF transformers + peft)")
    table(("deepspeed-states-gpu", "deepspeed-states-host"), "multi-GPU training")
    table(("does-not-fit",), "out of memory")
    return "\n".join(out)


def main() -> int:
    print(markdown(default_catalog()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
