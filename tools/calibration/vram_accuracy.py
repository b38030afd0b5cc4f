"""How close selectcheck's memory estimate is to real peak GPU memory, and the calibration
points in the form the tests read.

Probe rows (tools/calibration/vram_probe.py, measured; tools/calibration/vram_simulate.py,
replayed) describe a run in the probe's terms (``ctx``, ``mode: lora_ckpt``…). ``convert``
turns them into calibration points: the record workload the run corresponds to, the model's
config.json values, and what was measured. tests/data/vram-calibration.jsonl holds those
points for both data files, so the tests (and the tables below) need no probe knowledge::

    python tools/calibration/vram_accuracy.py convert > tests/data/vram-calibration.jsonl

For every point this prints selectcheck's estimate, the weights-only figure `accelerate
estimate-memory` gives (parameters × 2 bytes for bf16, no KV cache, activations or runtime),
the seed lesson's rule of thumb (weights × 1.2), the measurement (NVML: what the process held
on the card) and each figure's ratio to it::

    python tools/calibration/vram_accuracy.py                       # Markdown table, measured points
    python tools/calibration/vram_accuracy.py --format json         # one object per point
    python tools/calibration/vram_accuracy.py --format summary --source replayed
    python tools/calibration/vram_accuracy.py --data $OUT/vram.jsonl   # fresh probe rows
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
try:
    import selectcheck  # noqa: F401
except ImportError:  # running from a checkout without an install
    sys.path.insert(0, str(REPO / "checker"))

from selectcheck.compute.architecture import architecture_from_hf_config  # noqa: E402
from selectcheck.compute.memory import MemoryWorkload, estimate_memory  # noqa: E402

MEASURED = REPO / "tests" / "data" / "vram-h200-transformers.jsonl"
REPLAYED = REPO / "tests" / "data" / "vram-simulated-h200.jsonl"
POINTS = REPO / "tests" / "data" / "vram-calibration.jsonl"
CONFIGS = REPO / "tests" / "fixtures" / "configs"
GB = 1e9


def workload_for(row: dict[str, Any]) -> dict[str, Any]:
    """The record workload (MemoryWorkload keys) a probe row corresponds to."""
    batch = row.get("batch", 1)
    if row["kind"] == "infer":
        # The KV cache holds the prompt and the generated tokens.
        return {"mode": "inference", "context_length": row["ctx"] + row.get("new_tokens", 0), "batch_size": batch}
    mode: str = row["mode"]
    ckpt = mode.endswith("_ckpt")
    base = mode.removesuffix("_ckpt")
    if base == "lora":  # peft LoRA r=16 on all linear layers, torch AdamW
        return {
            "mode": "lora",
            "precision": "bf16",
            "context_length": row["seq"],
            "batch_size": batch,
            "gradient_checkpointing": ckpt,
            "lora_rank": 16,
        }
    return {
        "mode": "full-finetune",
        "precision": "mixed" if base == "full_mixed" else "bf16",
        "context_length": row["seq"],
        "batch_size": batch,
        "gradient_checkpointing": ckpt,
    }


def config_for(row: dict[str, Any]) -> dict[str, Any]:
    """The config.json values a probe row ran: the config it carries (replayed rows), else
    tests/fixtures/configs/<model>.json, else the catalog entry of that name, so new probe
    points of any catalog model convert as they are."""
    if row.get("config"):
        return dict(row["config"])
    path = CONFIGS / f"{row['model']}.json"
    if path.is_file():
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return loaded
    from selectcheck.catalog import catalog_for
    from selectcheck.policy_loader import load_policy

    entry = catalog_for(load_policy(None, cwd=REPO).catalog_files).models.get(row["model"])
    if entry is None:
        raise LookupError(
            f"no config for {row['model']!r}: add tests/fixtures/configs/{row['model']}.json or a catalog entry"
        )
    return entry.config.model_dump(exclude_unset=True)


def label(row: dict[str, Any]) -> str:
    if row["kind"] == "infer":
        batch = f" ×{row['batch']}" if row.get("batch", 1) != 1 else ""
        return f"inference {row['ctx']:,} tokens{batch}"
    return row["mode"].replace("_", " ") + f", {row['seq']:,} tokens"


def category(row: dict[str, Any]) -> str:
    if row["kind"] == "infer":
        return "inference, batch 1" if row.get("batch", 1) == 1 else "inference, batch > 1"
    return row["mode"].replace("_ckpt", " + checkpointing").replace("_", " ")


def point_id(row: dict[str, Any]) -> str:
    if row["kind"] == "infer":
        return f"{row['model']}-infer-{row['ctx']}x{row.get('batch', 1)}"
    return f"{row['model']}-{row['mode']}-{row['seq']}"


def convert(rows: Iterable[dict[str, Any]], source: str) -> list[dict[str, Any]]:
    """Calibration points of the probe rows that measured a run (NVML figure present)."""
    points = []
    for row in rows:
        if row["kind"] not in ("infer", "train") or not row.get("nvml"):
            continue  # the probe's env/weights/error rows, or a run without NVML (no GPU)
        points.append(
            {
                "id": point_id(row),
                "source": source,
                "model": row["model"],
                "label": label(row),
                "category": category(row),
                "measured": {key: row[key] for key in ("nvml", "peak_reserved", "peak_alloc") if key in row},
                "workload": workload_for(row),
                "config": config_for(row),
            }
        )
    return points


def read_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def all_points() -> list[dict[str, Any]]:
    """The converted points of both data files, measured first."""
    return convert(read_rows(MEASURED), "measured") + convert(read_rows(REPLAYED), "replayed")


def results(points: list[dict[str, Any]], weights: dict[str, int]) -> list[dict[str, Any]]:
    out = []
    for point in points:
        est = estimate_memory(MemoryWorkload(**point["workload"]), architecture_from_hf_config(point["config"]))
        weights_only = weights.get(point["model"], 2 * est.parameters)
        measured = point["measured"]["nvml"]
        out.append(
            {
                "model": point["model"],
                "workload": point["label"],
                "category": point["category"],
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


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| model | workload | measured (GB) | selectcheck (GB) | ratio | accelerate, weights "
        "only (GB) | ratio | weights × 1.2 (GB) | ratio |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['workload']} | {r['measured_bytes'] / GB:.1f} "
            f"| {r['selectcheck_bytes'] / GB:.1f} | {r['selectcheck_ratio']:.2f} "
            f"| {r['accelerate_bytes'] / GB:.1f} | {r['accelerate_ratio']:.2f} "
            f"| {r['rule_of_thumb_bytes'] / GB:.1f} | {r['rule_of_thumb_ratio']:.2f} |"
        )

    def span(key: str) -> str:
        values = [r[key] for r in rows]
        inside = sum(0.95 <= v <= 1.20 for v in values)
        return f"{min(values):.2f}–{max(values):.2f}, {inside}/{len(values)} within 0.95–1.20"

    lines += [
        "",
        f"Ratios to the measurement (estimate ÷ NVML): selectcheck {span('selectcheck_ratio')}; "
        f"accelerate {span('accelerate_ratio')}; weights × 1.2 {span('rule_of_thumb_ratio')}.",
    ]
    return "\n".join(lines)


def summary(rows: list[dict[str, Any]]) -> str:
    """One line per kind of workload: how many points, and the spread of each ratio."""
    lines = [
        "| workload | points | models | selectcheck ratio (min–median–max) | accelerate | weights × 1.2 |",
        "| --- | ---: | ---: | --- | --- | --- |",
    ]
    order = ["inference, batch 1", "inference, batch > 1"]
    order += sorted({r["category"] for r in rows} - set(order))

    def spread(values: list[float]) -> str:
        values = sorted(values)
        return f"{values[0]:.2f}–{values[len(values) // 2]:.2f}–{values[-1]:.2f}"

    for name in order:
        group = [r for r in rows if r["category"] == name]
        if not group:
            continue
        lines.append(
            f"| {name} | {len(group)} | {len({r['model'] for r in group})} "
            f"| {spread([r['selectcheck_ratio'] for r in group])} "
            f"| {spread([r['accelerate_ratio'] for r in group])} "
            f"| {spread([r['rule_of_thumb_ratio'] for r in group])} |"
        )
    inside = sum(0.95 <= r["selectcheck_ratio"] <= 1.20 for r in rows)
    lines += ["", f"selectcheck within 0.95–1.20: {inside}/{len(rows)} points."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", choices=("report", "convert"), default="report")
    parser.add_argument("--format", choices=("markdown", "summary", "json"), default="markdown")
    parser.add_argument("--source", choices=("measured", "replayed"), default="measured")
    parser.add_argument("--data", type=Path, help="probe rows (JSON lines) instead of the calibration points")
    args = parser.parse_args(argv)
    try:
        if args.command == "convert":
            for point in all_points():
                print(json.dumps(point, sort_keys=True))
            return 0
        if args.data is not None:
            raw = read_rows(args.data)
            points = convert(raw, "measured")
        else:
            raw = read_rows(MEASURED)
            points = [p for p in map(json.loads, POINTS.read_text().splitlines()) if p["source"] == args.source]
    except LookupError as error:  # a row of a model with neither a fixture config nor a catalog entry
        print(f"{args.data or POINTS}: {error.args[0]}", file=sys.stderr)
        return 2
    if not points:
        print(f"{args.data or POINTS}: no measured infer or train rows (NVML figures) to compare with", file=sys.stderr)
        return 1
    weights = {r["model"]: r["weight_bytes"] for r in raw if r["kind"] == "weights"}
    rows = results(points, weights)
    if args.format == "json":
        print(json.dumps(rows, indent=2))
    elif args.format == "summary":
        print(summary(rows))
    else:
        print(markdown(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
