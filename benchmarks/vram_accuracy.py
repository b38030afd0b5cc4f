"""How close selectcheck's memory estimate is to real peak GPU memory.

For every measured point of tests/data/vram-h200-transformers.jsonl (H200, HF transformers
5.17, sdpa, bf16; see tests/data/README-vram.md) this prints selectcheck's estimate, the
weights-only figure `accelerate estimate-memory` gives (parameters × 2 bytes for bf16, no
KV cache, activations or runtime), the seed lesson's rule of thumb (weights × 1.2), the
measurement (NVML: what the process held on the card) and each figure's ratio to it.

    python benchmarks/vram_accuracy.py                 # Markdown table
    python benchmarks/vram_accuracy.py --format json   # one object per point
    python benchmarks/vram_accuracy.py --format summary --data tests/data/vram-simulated-h200.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
try:
    import selectcheck  # noqa: F401
except ImportError:  # running from a checkout without an install
    sys.path.insert(0, str(REPO / "checker"))

from selectcheck.compute.architecture import Architecture, architecture_from_hf_config  # noqa: E402
from selectcheck.compute.memory import MemoryWorkload, estimate_memory  # noqa: E402

DATA = REPO / "tests" / "data" / "vram-h200-transformers.jsonl"
CONFIGS = REPO / "tests" / "fixtures" / "configs"
GB = 1e9


def workload_for(row: dict[str, Any]) -> MemoryWorkload:
    """The record workload a probe row (../shared/tools/vram_probe.py) corresponds to."""
    batch = row.get("batch", 1)
    if row["kind"] == "infer":
        # The KV cache holds the prompt and the generated tokens.
        return MemoryWorkload(context_length=row["ctx"] + row.get("new_tokens", 0), batch_size=batch)
    mode: str = row["mode"]
    ckpt = mode.endswith("_ckpt")
    base = mode.removesuffix("_ckpt")
    if base == "lora":  # peft LoRA r=16 on all linear layers, torch AdamW
        return MemoryWorkload(
            mode="lora", context_length=row["seq"], batch_size=batch, gradient_checkpointing=ckpt, lora_rank=16
        )
    return MemoryWorkload(
        mode="full-finetune",
        precision="mixed" if base == "full_mixed" else "bf16",
        context_length=row["seq"],
        batch_size=batch,
        gradient_checkpointing=ckpt,
    )


def architecture_for(row: dict[str, Any]) -> Architecture:
    """The architecture a probe row ran: the config it carries (replayed rows), else the
    config in tests/fixtures/configs/<model>.json, else the catalog entry of that name, so
    new probe points of any catalog model can be appended to the data as they are."""
    if row.get("config"):
        return architecture_from_hf_config(row["config"])
    path = CONFIGS / f"{row['model']}.json"
    if path.is_file():
        return architecture_from_hf_config(json.loads(path.read_text(encoding="utf-8")))
    from selectcheck.catalog import catalog_for
    from selectcheck.policy_loader import load_policy

    entry = catalog_for(load_policy(None, cwd=REPO).catalog_files).models.get(row["model"])
    if entry is None:
        raise LookupError(
            f"no config for {row['model']!r}: add tests/fixtures/configs/{row['model']}.json or a catalog entry"
        )
    return entry.architecture()


def label(row: dict[str, Any]) -> str:
    if row["kind"] == "infer":
        batch = f" ×{row['batch']}" if row.get("batch", 1) != 1 else ""
        return f"inference {row['ctx']:,} tokens{batch}"
    return row["mode"].replace("_", " ") + f", {row['seq']:,} tokens"


def category(row: dict[str, Any]) -> str:
    if row["kind"] == "infer":
        return "inference, batch 1" if row.get("batch", 1) == 1 else "inference, batch > 1"
    return row["mode"].replace("_ckpt", " + checkpointing").replace("_", " ")


def points(data: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in data.read_text().splitlines() if line.strip()]
    weights = {r["model"]: r["weight_bytes"] for r in rows if r["kind"] == "weights"}
    out = []
    for row in rows:
        if row["kind"] not in ("infer", "train") or not row.get("nvml"):
            continue  # the probe's env/weights/error rows, or a run without NVML (no GPU)
        est = estimate_memory(workload_for(row), architecture_for(row))
        weights_only = weights.get(row["model"], 2 * est.parameters)
        measured = row["nvml"]
        out.append(
            {
                "model": row["model"],
                "workload": label(row),
                "category": category(row),
                "measured_bytes": measured,
                "selectcheck_bytes": est.total_bytes,
                "accelerate_bytes": weights_only,
                "rule_of_thumb_bytes": int(weights_only * 1.2),
                "selectcheck_ratio": round(est.total_bytes / measured, 3),
                "accelerate_ratio": round(weights_only / measured, 3),
                "rule_of_thumb_ratio": round(weights_only * 1.2 / measured, 3),
                "parts": est.parts(),
            }
        )
    return out


def markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "| model | workload | measured (GB) | selectcheck (GB) | ratio | accelerate, weights "
        "only (GB) | ratio | weights × 1.2 (GB) | ratio |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['model']} | {r['workload']} | {r['measured_bytes'] / GB:.1f} "
            f"| {r['selectcheck_bytes'] / GB:.1f} | {r['selectcheck_ratio']:.2f} "
            f"| {r['accelerate_bytes'] / GB:.1f} | {r['accelerate_ratio']:.2f} "
            f"| {r['rule_of_thumb_bytes'] / GB:.1f} | {r['rule_of_thumb_ratio']:.2f} |"
        )

    def span(key: str) -> str:
        values = [r[key] for r in results]
        inside = sum(0.95 <= v <= 1.20 for v in values)
        return f"{min(values):.2f}–{max(values):.2f}, {inside}/{len(values)} within 0.95–1.20"

    lines += [
        "",
        f"Ratios to the measurement (estimate ÷ NVML): selectcheck {span('selectcheck_ratio')}; "
        f"accelerate {span('accelerate_ratio')}; weights × 1.2 {span('rule_of_thumb_ratio')}.",
    ]
    return "\n".join(lines)


def summary(results: list[dict[str, Any]]) -> str:
    """One line per kind of workload: how many points, and the spread of each ratio."""
    lines = [
        "| workload | points | models | selectcheck ratio (min–median–max) | accelerate | weights × 1.2 |",
        "| --- | ---: | ---: | --- | --- | --- |",
    ]
    order = ["inference, batch 1", "inference, batch > 1"]
    order += sorted({r["category"] for r in results} - set(order))

    def spread(values: list[float]) -> str:
        values = sorted(values)
        return f"{values[0]:.2f}–{values[len(values) // 2]:.2f}–{values[-1]:.2f}"

    for name in order:
        group = [r for r in results if r["category"] == name]
        if not group:
            continue
        lines.append(
            f"| {name} | {len(group)} | {len({r['model'] for r in group})} "
            f"| {spread([r['selectcheck_ratio'] for r in group])} "
            f"| {spread([r['accelerate_ratio'] for r in group])} "
            f"| {spread([r['rule_of_thumb_ratio'] for r in group])} |"
        )
    inside = sum(0.95 <= r["selectcheck_ratio"] <= 1.20 for r in results)
    lines += ["", f"selectcheck within 0.95–1.20: {inside}/{len(results)} points."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", choices=("markdown", "summary", "json"), default="markdown")
    parser.add_argument("--data", type=Path, default=DATA, help="measurements (JSON lines)")
    args = parser.parse_args(argv)
    try:
        results = points(args.data)
    except LookupError as error:  # a row of a model with neither a fixture config nor a catalog entry
        print(f"{args.data}: {error.args[0]}", file=sys.stderr)
        return 2
    if not results:
        print(f"{args.data}: no measured infer or train rows (NVML figures) to compare with", file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps(results, indent=2))
    elif args.format == "summary":
        print(summary(results))
    else:
        print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
