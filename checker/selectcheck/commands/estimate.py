"""`selectcheck estimate MODEL …`: the memory breakdown of one workload (DESIGN §5).

The flags mirror a record's workload keys. Text output: a table of the parts (GB and share),
the total per GPU, the verdict on `--gpu`/`--vram-gb` with the cheapest confirmed fix, and
the catalog GPUs the workload fits. `--format json` prints the stable shape of DESIGN §5.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from selectcheck.errors import EXIT_CONFIG

if TYPE_CHECKING:
    from selectcheck.catalog import Catalog
    from selectcheck.compute.architecture import Architecture
    from selectcheck.compute.memory import MemoryEstimate, MemoryWorkload

GB = 1_000_000_000
MAX_CONFIG_BYTES = 1024 * 1024

# The choices of `selectcheck.compute.memory` (kept here so `--help` does not import it; a
# test holds them equal).
MODES = ("inference", "lora", "qlora", "full-finetune")
PRECISIONS = (
    "fp32",
    "bf16",
    "fp16",
    "mixed",
    "fp8",
    "int8",
    "int4",
    "nf4",
    "gptq-int4",
    "awq-int4",
    "gguf-q8_0",
    "gguf-q6_k",
    "gguf-q5_k_m",
    "gguf-q4_k_m",
    "gguf-q4_0",
    "gguf-q3_k_m",
    "gguf-q2_k",
)
KV_PRECISIONS = ("fp32", "bf16", "fp16", "fp8", "int8", "q8_0", "q4_0")
ENGINES = ("transformers", "vllm", "llama.cpp")
OPTIMIZERS = ("adamw", "adamw-8bit", "sgd")

_COUNT = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([kKmMbBtT]?)\s*$")
_SUFFIX = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9, "t": 10**12}


class ParameterCount(click.ParamType):  # type: ignore[type-arg]
    """`8030261248`, `8.03e9`, `8B`, `1.5b`, `500M`."""

    name = "N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            match = _COUNT.match(str(value))
            if match is None:
                self.fail(f"{value!r} is not a parameter count (e.g. 8030261248, 8.03e9, 8B, 500M)", param, ctx)
            number = int(float(match.group(1)) * _SUFFIX[match.group(2).lower()])
        if number < 1:
            self.fail("the parameter count must be positive", param, ctx)
        return number


@dataclass(frozen=True)
class _Card:
    label: str
    total_bytes: int
    gpu_id: str | None


class _UsageError(Exception):
    def __init__(self, message: str, help: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.help = help


@click.command("estimate")
@click.argument("model", required=False)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A Hugging Face config.json, for a model the catalog does not know.",
)
@click.option("--parameters", type=ParameterCount(), help="Total parameter count (all experts), e.g. 8.03e9 or 8B.")
@click.option("--mode", type=click.Choice(MODES), default="inference", show_default=True)
@click.option("--precision", type=click.Choice(PRECISIONS), default="bf16", show_default=True, help="Weights.")
@click.option(
    "--kv-cache-precision",
    type=click.Choice(KV_PRECISIONS),
    help="KV cache [default: bf16; fp16 for fp16 weights].",
)
@click.option("--context", type=click.IntRange(min=1), default=4096, show_default=True, help="Tokens per sequence.")
@click.option("--batch", type=click.IntRange(min=1), default=1, show_default=True, help="Sequences at once.")
@click.option("--engine", type=click.Choice(ENGINES), default="transformers", show_default=True)
@click.option("--gradient-checkpointing/--no-gradient-checkpointing", default=False, show_default=True)
@click.option("--optimizer", type=click.Choice(OPTIMIZERS), default="adamw", show_default=True, help="Training.")
@click.option("--lora-rank", type=click.IntRange(1, 4096), default=16, show_default=True, help="lora/qlora.")
@click.option("--gpu", metavar="ID", help="A catalog GPU id, e.g. L4, A100-80GB, H100-80GB.")
@click.option("--vram-gb", type=click.FloatRange(min=0, min_open=True), help="Memory per GPU in GB (1e9 bytes).")
@click.option("--count", type=click.IntRange(1, 1024), default=1, show_default=True, help="GPUs (tensor parallel).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--policy",
    type=click.Path(path_type=Path),
    help="Policy file: catalogs and VRAM headroom (default: discovered config, else the shipped policy).",
)
def estimate(
    model: str | None,
    config_path: Path | None,
    parameters: int | None,
    mode: str,
    precision: str,
    kv_cache_precision: str | None,
    context: int,
    batch: int,
    engine: str,
    gradient_checkpointing: bool,
    optimizer: str,
    lora_rank: int,
    gpu: str | None,
    vram_gb: float | None,
    count: int,
    fmt: str,
    policy: Path | None,
) -> None:
    """Estimate peak GPU memory of MODEL (a catalog id or alias) for one workload.

    \b
    Examples:
      selectcheck estimate meta-llama/Llama-3.1-8B-Instruct --context 32768 --batch 8 --gpu L4
      selectcheck estimate llama-3.1-8b --engine vllm --precision awq-int4 --kv-cache-precision fp8
      selectcheck estimate mistralai/Mistral-7B-v0.3 --mode full-finetune --precision mixed --gpu A100-40GB
      selectcheck estimate --config path/to/config.json --mode qlora --gpu RTX-4090
      selectcheck estimate acme/private-13b --parameters 13B --gpu L40S --format json
    """
    from selectcheck.catalog import catalog_for
    from selectcheck.compute.architecture import ArchitectureError
    from selectcheck.compute.memory import MemoryWorkload, MemoryWorkloadError, estimate_memory
    from selectcheck.errors import ConfigError
    from selectcheck.policy_loader import load_policy

    try:
        loaded = load_policy(policy)
        catalog = catalog_for(loaded.catalog_files)
        name, architecture, max_context = _resolve_model(catalog, model, config_path, parameters)
        card = _resolve_card(catalog, gpu, vram_gb)
        workload = MemoryWorkload(
            mode=mode,
            precision=precision,
            context_length=context,
            batch_size=batch,
            kv_cache_precision=kv_cache_precision,
            gradient_checkpointing=gradient_checkpointing,
            optimizer=optimizer,
            lora_rank=lora_rank,
            engine=engine,
            gpu_count=count,
        )
        result = estimate_memory(workload, architecture, parameters)
    except ConfigError as error:
        _fail(error.message, error.help, error.location)
    except _UsageError as error:
        _fail(error.message, error.help)
    except (MemoryWorkloadError, ArchitectureError, ValueError) as error:
        _fail(str(error), "See `selectcheck estimate --help` for the flags and their values.")
    except ArithmeticError:
        _fail("--context × --batch is too large to estimate", "Give the tokens a workload really holds.")

    headroom = loaded.policy.vram.headroom
    budget = _budget(card.total_bytes, headroom, engine) if card is not None else None
    fits = None if budget is None else result.total_bytes <= budget
    if fmt == "json":
        import json

        resolved = workload.resolved()
        resolved["gpu"] = card.gpu_id if card is not None else gpu
        resolved["vram_gb"] = vram_gb
        payload = {
            "model": name,
            "parameters": result.parameters,
            "workload": resolved,
            "parts": result.parts(),
            "total_bytes": result.total_bytes,
            "per_gpu_bytes": result.per_gpu_bytes,
            "usable_bytes": budget,
            "fits": fits,
        }
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo(
        _text_report(
            name=name,
            catalog=catalog,
            workload=workload,
            result=result,
            architecture=architecture,
            parameters=parameters,
            card=card,
            budget=budget,
            headroom=headroom,
            max_context=max_context,
        )
    )


def _fail(message: str, help: str | None = None, location: str | None = None) -> NoReturn:
    text = f"{location}: {message}" if location else message
    click.echo(f"selectcheck: error: {text}", err=True)
    if help:
        click.echo(f"  help: {help}", err=True)
    sys.exit(EXIT_CONFIG)


def _budget(card_bytes: int, headroom: float, engine: str) -> int:
    from selectcheck.compute.memory import workload_budget_bytes

    return workload_budget_bytes(card_bytes, headroom, engine)


def _resolve_model(
    catalog: Catalog, model: str | None, config_path: Path | None, parameters: int | None
) -> tuple[str | None, Architecture | None, tuple[int, str] | None]:
    """(name for the report, architecture or None, (max context, where from) or None)."""
    import json

    from selectcheck.compute.architecture import ArchitectureError, architecture_from_hf_config

    entry = catalog.models.get(model) if model else None
    if config_path is not None:
        try:
            with config_path.open("rb") as handle:
                raw = handle.read(MAX_CONFIG_BYTES + 1)
        except OSError as exc:
            raise _UsageError(f"cannot read {config_path}: {exc.strerror or exc}") from None
        if len(raw) > MAX_CONFIG_BYTES:
            raise _UsageError(f"{config_path} is larger than 1 MiB; is it a config.json?")
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _UsageError(f"{config_path} is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise _UsageError(f"{config_path} is not a JSON object")
        try:
            architecture = architecture_from_hf_config(data)
        except ArchitectureError as exc:
            raise _UsageError(f"{config_path}: {exc}") from None
        positions = architecture.max_position_embeddings
        return model or str(config_path), architecture, (positions, "its config.json") if positions else None
    if entry is not None:
        limit = (entry.max_context_for(model), "the model catalog") if model else None
        return entry.id, entry.architecture(), limit
    if parameters is not None:
        return model, None, None
    if model:
        close = catalog.models.suggest(model)
        hint = f"Did you mean `{close}`? " if close else ""
        raise _UsageError(
            f"unknown model {model!r}: not in the model catalog",
            f"{hint}For another model pass --config path/to/config.json or --parameters N.",
        )
    raise _UsageError(
        "no model: give MODEL (a catalog id or alias), --config path/to/config.json or --parameters N",
        "See `selectcheck estimate --help`.",
    )


def _resolve_card(catalog: Catalog, gpu: str | None, vram_gb: float | None) -> _Card | None:
    if vram_gb is not None:
        entry = catalog.gpus.get(gpu) if gpu else None
        label = f"{entry.id if entry else gpu or 'GPU'} ({vram_gb:g} GB)"
        return _Card(label, int(vram_gb * GB), entry.id if entry else gpu)
    if gpu is None:
        return None
    entry = catalog.gpus.get(gpu)
    if entry is None:
        close = catalog.gpus.suggest(gpu)
        hint = f"Did you mean `{close}`? " if close else ""
        raise _UsageError(
            f"unknown GPU {gpu!r}: not in the GPU catalog",
            f"{hint}Or give its memory with --vram-gb N.",
        )
    return _Card(entry.id, entry.total_bytes(), entry.id)


def _gb(value: int | float) -> str:
    return f"{value / GB:.2f} GB"


def _settings(workload: MemoryWorkload) -> str:
    weights = workload.base_precision
    parts = [workload.mode, f"{weights} base weights" if workload.mode in ("lora", "qlora") else f"{weights} weights"]
    if workload.mode == "inference":
        parts.append(f"{workload.resolved_kv_cache_precision} KV cache")
    parts.append(f"context {workload.context_length:,} × batch {workload.batch_size}")
    parts.append(workload.engine)
    if workload.is_training:
        parts.append(workload.optimizer)
        parts.append("gradient checkpointing" if workload.gradient_checkpointing else "no gradient checkpointing")
        if workload.mode in ("lora", "qlora"):
            parts.append(f"LoRA rank {workload.lora_rank}")
    parts.append(f"{workload.gpu_count} GPU" + ("s" if workload.gpu_count > 1 else ""))
    return ", ".join(parts)


def _text_report(
    *,
    name: str | None,
    catalog: Catalog,
    workload: MemoryWorkload,
    result: MemoryEstimate,
    architecture: Architecture | None,
    parameters: int | None,
    card: _Card | None,
    budget: int | None,
    headroom: float,
    max_context: tuple[int, str] | None,
) -> str:
    from selectcheck.compute.memory import VLLM_GPU_MEMORY_UTILIZATION, suggest_fix, usable_bytes

    lines = [f"{name or 'model'}: {result.parameters:,} parameters", _settings(workload), ""]
    total = result.total_bytes
    width = max(len(key) for key in result.parts())
    lines.append(f"{'part':<{width}}  {'GB':>9}  {'share':>6}")
    for key, size in result.parts().items():
        mark = "*" if key in result.approximated else " "
        share = size / total if total else 0.0
        lines.append(f"{key:<{width}}  {size / GB:>9.2f}  {share:>6.1%}{mark}".rstrip())
    where = "per GPU" if workload.gpu_count == 1 else f"per GPU, each of {workload.gpu_count}"
    when = {"backward": ", in backward", "optimizer step": ", at the optimizer step", "prefill": ", in prefill"}
    lines.append(f"{'total':<{width}}  {total / GB:>9.2f}  {1:>6.1%}  peak {where}{when.get(result.moment, '')}")
    if result.approximated:
        lines.append("* approximated from the parameter count (architecture unknown): pass --config for exact figures")
    detail = result.detail()
    shown = [
        f"{key.replace('_', ' ')} {_gb(value)}"
        for key, value in detail.items()
        if key
        in (
            "cuda_context",
            "workspace",
            "allocator_reserve",
            "logits",
            "adapters",
            "master_weights",
            "optimizer_step_buffers",
        )
    ]
    if shown:
        lines.append("  of which: " + ", ".join(shown))
    if max_context is not None and workload.context_length > max_context[0]:
        lines.append(
            f"note: context {workload.context_length:,} exceeds the model's maximum of {max_context[0]:,} tokens "
            f"({max_context[1]}); see SC103"
        )
    lines.append("")

    if card is not None and budget is not None:
        factor = 1 - headroom
        claim = "usable"
        if workload.engine == "vllm" and budget < usable_bytes(card.total_bytes, headroom):
            factor, claim = VLLM_GPU_MEMORY_UTILIZATION, "claimed by vLLM"
        each = f"{workload.gpu_count} × " if workload.gpu_count > 1 else ""
        head = f"On {each}{card.label}: {_gb(budget)} {claim} per GPU ({_gb(card.total_bytes)} × {factor:.2f}): "
        if total <= budget:
            lines.append(head + f"fits, {_gb(budget - total)} to spare.")
        else:
            lines.append(head + f"does not fit, {_gb(total - budget)} over.")
            cards = [(g.id, g.total_bytes()) for g in catalog.gpus if g.total_bytes() > card.total_bytes]
            fix = suggest_fix(workload, budget, architecture, parameters, gpus=cards, headroom=headroom)
            lines.append(f"  fix: {fix.message}" if fix else "  fix: no single change the estimator knows fits.")
        lines.append("")

    fitting: list[tuple[int, str, int]] = []
    for entry in catalog.gpus:
        card_budget = _budget(entry.total_bytes(), headroom, workload.engine)
        if total <= card_budget:
            fitting.append((entry.total_bytes(), entry.id, card_budget))
    fitting.sort()
    rule = f"usable = total × {1 - headroom:.2f}"
    if workload.engine == "vllm":
        rule += f", at most × {VLLM_GPU_MEMORY_UTILIZATION:.2f} under vLLM"
    each = f", {workload.gpu_count} of each" if workload.gpu_count > 1 else ""
    if not fitting:
        lines.append(f"Fits on none of the {len(catalog.gpus)} catalog GPUs{each} ({rule}).")
    else:
        lines.append(f"Fits on these catalog GPUs{each} ({rule}):")
        id_width = max(len(gpu_id) for _, gpu_id, _ in fitting)
        lines.append(f"  {'gpu':<{id_width}}  {'usable':>10}  {'spare':>10}")
        for _, gpu_id, card_budget in fitting:
            lines.append(f"  {gpu_id:<{id_width}}  {_gb(card_budget):>10}  {_gb(card_budget - total):>10}")
    return "\n".join(lines)
