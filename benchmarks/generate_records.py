"""Generate N realistic model-selection records for benchmarks (varied tasks, models,
workloads, candidates, scores), the size of the examples in `records/`.

    python benchmarks/generate_records.py 1000 /tmp/records

Each record is built from the shipped catalogs so that it passes the schema and most rules,
as a healthy repository's records do; a few carry the warnings real repositories have.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

TASKS: dict[str, list[str]] = {
    "code": ["humaneval", "humaneval-plus", "mbpp", "livecodebench"],
    "reasoning": ["bbh", "math-500", "gpqa-diamond", "musr"],
    "math": ["gsm8k", "math-500", "aime-2024"],
    "instruction-following": ["ifeval"],
    "support-bot": ["truthfulqa-mc2", "ifeval"],
}
MODELS = [
    ("Qwen/Qwen2.5-7B-Instruct", "apache-2.0"),
    ("Qwen/Qwen2.5-14B-Instruct", "apache-2.0"),
    ("Qwen/Qwen2.5-Coder-7B-Instruct", "apache-2.0"),
    ("Qwen/Qwen3-8B", "apache-2.0"),
    ("meta-llama/Llama-3.1-8B-Instruct", "llama3.1"),
    ("meta-llama/Llama-3.2-3B-Instruct", "llama3.2"),
    ("mistralai/Mistral-7B-Instruct-v0.3", "apache-2.0"),
    ("mistralai/Mistral-Nemo-Instruct-2407", "apache-2.0"),
    ("google/gemma-3-12b-it", "gemma"),
    ("microsoft/phi-4", "mit"),
    ("microsoft/Phi-3-mini-128k-instruct", "mit"),
]
SERVING = [
    ("L4", "awq-int4", "vllm", 8192, 2),
    ("A10G", "awq-int4", "vllm", 4096, 8),
    ("L40S", "bf16", "vllm", 8192, 2),
    ("A100-80GB", "bf16", "vllm", 16384, 4),
    ("H100-80GB", "fp8", "vllm", 16384, 4),
    ("RTX-4090", "gguf-q4_k_m", "llama.cpp", 8192, 1),
]
TUNING = [
    ("A100-80GB", "lora", "bf16", 4096, 2, "adamw"),
    ("RTX-4090", "qlora", "nf4", 2048, 1, "adamw-8bit"),
    ("H100-80GB", "lora", "bf16", 8192, 1, "adamw"),
]
WORDS = ["review", "support", "triage", "summarise", "extract", "classify", "route", "translate", "draft", "answer"]


def _record(number: int, rng: random.Random) -> str:
    category = rng.choice(list(TASKS))
    benchmarks = TASKS[category]
    models = rng.sample(MODELS, k=rng.randint(2, 4))
    chosen = models[0][0]
    base = rng.uniform(55, 80)
    lines = [
        # The published URL: valid wherever the records are written (SC008).
        "# yaml-language-server: $schema=https://raw.githubusercontent.com/selectcheck/selectcheck/main/schemas/record.schema.json",
        "schema_version: 1",
        f"id: MSR-{number:04d}",
        f"title: Base model for the {rng.choice(WORDS)} assistant {number}",
        "status: accepted",
        f"date: 2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
        f"decision_makers: [owner{number % 17}@example.com]",
        "",
        "task:",
        f"  category: {category}",
        f"  description: {rng.choice(WORDS).capitalize()} requests for team {number % 23} and propose answers.",
        "  intended_use: internal",
        f"  user_facing: {'true' if rng.random() < 0.3 else 'false'}",
        "",
        "workloads:",
    ]
    gpu, precision, engine, context, batch = rng.choice(SERVING)
    lines += [
        "  - name: serving",
        "    mode: inference",
        f"    engine: {engine}",
        f"    hardware: {{gpu: {gpu}}}",
        f"    precision: {precision}",
        f"    context_length: {context}",
        f"    batch_size: {batch}",
    ]
    if rng.random() < 0.5:
        tgpu, mode, tprec, tctx, tbatch, optimizer = rng.choice(TUNING)
        lines += [
            "  - name: fine-tune",
            f"    mode: {mode}",
            f"    hardware: {{gpu: {tgpu}}}",
            f"    precision: {tprec}",
            f"    context_length: {tctx}",
            f"    batch_size: {tbatch}",
            "    gradient_checkpointing: true",
            f"    optimizer: {optimizer}",
            "    lora_rank: 16",
        ]
    lines += ["", "candidates:"]
    for rank, (model, license_id) in enumerate(models):
        lines += [f"  - model: {model}", f"    license: {license_id}", "    scores:"]
        for bench in benchmarks:
            value = min(99.0, max(1.0, base - rank * rng.uniform(12, 20) + rng.uniform(-2, 2)))
            lines.append(f'      {bench}: {{value: {value:.1f}, source: "https://example.com/evals/{bench}"}}')
    lines += [
        "",
        "decision:",
        f"  chosen: {chosen}",
        "  reasons:",
        "    - kind: own-evaluation",
        f"      over: [{', '.join(m for m, _ in models[1:])}]",
        "      note: Clearly ahead on our own evaluation set.",
        "  summary: Strongest on the task benchmarks and on our own evaluation; fits the serving GPU.",
        "",
        "own_evaluation:",
        "  dataset: 400 held-out requests labelled by two reviewers",
        "  n: 400",
        "  metric: accepted answers (%)",
        "  results:",
    ]
    for rank, (model, _) in enumerate(models):
        lines.append(f"    {model}: {max(5.0, 80 - rank * 15 + rng.uniform(-1, 1)):.1f}")
    lines.append("  source: docs/evals/own.md")
    return "\n".join(lines) + "\n"


def generate(count: int, directory: Path, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(1, count + 1):
        path = directory / f"{number:04d}-record.yaml"
        path.write_text(_record(number, rng), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    generate(args.count, args.directory, args.seed)


if __name__ == "__main__":
    main()
