"""`selectcheck estimate MODEL …`: the memory breakdown of one workload (DESIGN §5).

The flags mirror a record's workload keys. Text output: a table of the parts (GB and share),
the total per GPU, the verdict on `--gpu`/`--vram-gb` with the cheapest confirmed fix, and
the catalog GPUs the workload fits. `--format json` prints the stable shape of DESIGN §5.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from selectcheck.commands.workload_flags import (
    UsageError,
    WorkloadFlags,
    fail,
    named_card,
    workload_options,
)
from selectcheck.compute.choices import TRAINING_PARALLELISMS
from selectcheck.compute.units import GB, format_gb

if TYPE_CHECKING:
    from selectcheck.catalog import Catalog
    from selectcheck.compute.architecture import Architecture
    from selectcheck.compute.memory import MemoryEstimate, MemoryWorkload
    from selectcheck.compute.memory.vllm import VllmCapacity

_gb = functools.partial(format_gb, digits=2)  # the estimate table shows two decimals

MAX_CONFIG_BYTES = 1024 * 1024

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
    """The GPU `selectcheck estimate` sizes against."""

    label: str
    total_bytes: int
    gpu_id: str | None


@click.command("estimate")
@click.argument("model", required=False)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A Hugging Face config.json, for a model the catalog does not know.",
)
@click.option("--parameters", type=ParameterCount(), help="Total parameter count (all experts), e.g. 8.03e9 or 8B.")
@workload_options(precision_help="Weights [default: nf4 for qlora, else bf16].")
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
    fmt: str,
    policy: Path | None,
    **flags: Any,
) -> None:
    """Estimate peak GPU memory of MODEL (a catalog id or alias) for one workload.

    \b
    Examples:
      selectcheck estimate meta-llama/Llama-3.1-8B-Instruct --context 32768 --batch 8 --gpu L4
      selectcheck estimate llama-3.1-8b --engine vllm --precision awq-int4 --kv-cache-precision fp8
      selectcheck estimate mistralai/Mistral-7B-v0.3 --mode full-finetune --precision mixed --gpu A100-40GB
      selectcheck estimate --config path/to/config.json --mode qlora --gpu RTX-4090
      selectcheck estimate acme/private-13b --parameters 13B --gpu L40S --format json
      selectcheck estimate llama-3.1-70b --mode full-finetune --precision mixed --gpu A100-80GB --count 8 \\
          --parallelism zero-3 --offload optimizer --gradient-checkpointing
    """
    from selectcheck.catalog import catalog_for
    from selectcheck.compute.architecture import ArchitectureError
    from selectcheck.compute.memory import MemoryWorkloadError, estimate_memory
    from selectcheck.errors import ConfigError
    from selectcheck.policy_loader import load_policy

    given = WorkloadFlags.of(flags)
    try:
        loaded = load_policy(policy)
        catalog = catalog_for(loaded.catalog_files)
        name, architecture, max_context = _resolve_model(catalog, model, config_path, parameters)
        card = _resolve_card(catalog, given.gpu, given.vram_gb)
        workload = given.memory_workload()
        result = estimate_memory(workload, architecture, parameters)
    except ConfigError as error:
        fail(error.message, error.help, error.location)
    except UsageError as error:
        fail(error.message, error.help)
    except (MemoryWorkloadError, ArchitectureError, ValueError) as error:
        fail(str(error), "See `selectcheck estimate --help` for the flags and their values.")
    except ArithmeticError:
        fail("--context × --batch is too large to estimate", "Give the tokens a workload really holds.")

    headroom = loaded.policy.vram.headroom
    budget = _budget(card.total_bytes, headroom, workload) if card is not None else None
    vllm = _vllm(workload, architecture, result, card)
    fits = _fits(result, budget, vllm)
    strategies = _strategies(workload, architecture, parameters, card, headroom)
    if fmt == "json":
        import json

        resolved = workload.resolved()
        resolved["gpu"] = card.gpu_id if card is not None else given.gpu
        resolved["vram_gb"] = given.vram_gb
        payload: dict[str, Any] = {
            "model": name,
            "parameters": result.parameters,
            "workload": resolved,
            "parts": result.parts(),
            "total_bytes": result.total_bytes,
            "per_gpu_bytes": result.per_gpu_bytes,
            "usable_bytes": budget,
            "fits": fits,
            "overhead_parts": result.overhead_parts(),
            "host_bytes": result.host_bytes,
        }
        if workload.engine == "vllm":
            payload["vllm"] = None if vllm is None else _vllm_json(vllm)
        if strategies is not None:
            payload["strategies"] = {key: _strategy_json(row) for key, row in strategies.items()}
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
            vllm=vllm,
            strategies=strategies,
        )
    )


@dataclass(frozen=True)
class _Strategy:
    """One multi-GPU strategy's estimate for the side-by-side table, or why it cannot run."""

    workload: MemoryWorkload | None
    estimate: MemoryEstimate | None
    fits: bool | None
    error: str | None = None


def _vllm(
    workload: MemoryWorkload, architecture: Architecture | None, result: MemoryEstimate, card: _Card | None
) -> VllmCapacity | None:
    if workload.engine != "vllm" or card is None:
        return None
    from selectcheck.compute.memory import proxy_architecture
    from selectcheck.compute.memory.vllm import capacity

    arch = architecture or proxy_architecture(result.parameters)
    return capacity(workload, arch, result, card.total_bytes)


def _fits(result: MemoryEstimate, budget: int | None, vllm: VllmCapacity | None) -> bool | None:
    if budget is None:
        return None
    if vllm is not None and not (vllm.starts and vllm.outside_fits):
        return False
    return result.total_bytes <= budget


def _vllm_json(vllm: VllmCapacity) -> dict[str, Any]:
    return {
        "kv_cache_tokens": vllm.kv_cache_tokens,
        "max_concurrency": round(vllm.max_concurrency, 2),
        "max_model_len": vllm.request_tokens,
        "share_bytes": vllm.share_bytes,
        "kv_pool_bytes": vllm.pool_bytes,
        "outside_share_bytes": vllm.outside_share_bytes,
    }


def _strategy_json(row: _Strategy) -> dict[str, Any]:
    if row.estimate is None or row.workload is None:
        return {"error": row.error}
    return {
        "offload": row.workload.offload,
        "per_gpu_bytes": row.estimate.total_bytes,
        "host_bytes": row.estimate.host_bytes,
        "fits": row.fits,
    }


def _strategies(
    workload: MemoryWorkload,
    architecture: Architecture | None,
    parameters: int | None,
    card: _Card | None,
    headroom: float,
) -> dict[str, _Strategy] | None:
    """Per-GPU memory of every multi-GPU strategy, for a training workload on several GPUs:
    the workload's offload where the strategy supports it, none where it does not."""
    from selectcheck.compute.memory import ImpossibleWorkload, MemoryWorkloadError, estimate_memory
    from selectcheck.compute.memory.feasibility import PARAMETER_OFFLOAD, SHARDED_TRAINING

    if not workload.is_training or workload.gpu_count < 2:
        return None
    out: dict[str, _Strategy] = {}
    for strategy in TRAINING_PARALLELISMS:
        offload = workload.offload
        if (offload == "parameters" and strategy not in PARAMETER_OFFLOAD) or strategy not in SHARDED_TRAINING:
            offload = None
        try:
            trial = workload.replace(parallelism=strategy, offload=offload)
            estimate = estimate_memory(trial, architecture, parameters)
        except (ImpossibleWorkload, MemoryWorkloadError) as error:
            out[strategy] = _Strategy(None, None, None, str(error))
            continue
        budget = _budget(card.total_bytes, headroom, trial) if card is not None else None
        out[strategy] = _Strategy(trial, estimate, None if budget is None else estimate.total_bytes <= budget)
    return out


def _budget(card_bytes: int, headroom: float, workload: MemoryWorkload) -> int:
    from selectcheck.compute.memory import workload_budget_bytes

    return workload_budget_bytes(card_bytes, headroom, workload.engine, workload.gpu_memory_utilization)


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
            raise UsageError(f"cannot read {config_path}: {exc.strerror or exc}") from None
        if len(raw) > MAX_CONFIG_BYTES:
            raise UsageError(f"{config_path} is larger than 1 MiB; is it a config.json?")
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise UsageError(f"{config_path} is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise UsageError(f"{config_path} is not a JSON object")
        try:
            architecture = architecture_from_hf_config(data)
        except ArchitectureError as exc:
            raise UsageError(f"{config_path}: {exc}") from None
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
        raise UsageError(
            f"unknown model {model!r}: not in the model catalog",
            f"{hint}For another model pass --config path/to/config.json or --parameters N.",
        )
    raise UsageError(
        "no model: give MODEL (a catalog id or alias), --config path/to/config.json or --parameters N",
        "See `selectcheck estimate --help`.",
    )


def _resolve_card(catalog: Catalog, gpu: str | None, vram_gb: float | None) -> _Card | None:
    entry = named_card(catalog, gpu, vram_gb)
    if vram_gb is not None:
        label = f"{entry.id if entry else gpu or 'GPU'} ({vram_gb:g} GB)"
        return _Card(label, int(vram_gb * GB), entry.id if entry else gpu)
    if entry is None:
        return None
    return _Card(entry.id, entry.total_bytes(), entry.id)


def _settings(workload: MemoryWorkload) -> str:
    weights = workload.precision
    parts = [workload.mode, f"{weights} base weights" if workload.mode in ("lora", "qlora") else f"{weights} weights"]
    if workload.mode == "inference":
        parts.append(f"{workload.resolved_kv_cache_precision} KV cache")
    parts.append(f"context {workload.context_length:,} × batch {workload.batch_size}")
    parts.append(workload.engine)
    if workload.engine == "transformers" and workload.attention != "sdpa":
        parts.append(f"{workload.attention} attention")
    if workload.engine == "vllm":
        parts.append(f"gpu_memory_utilization {workload.gpu_memory_utilization:g}")
        parts.append(f"max_model_len {workload.resolved_max_model_len:,}")
    if workload.engine == "llama.cpp":
        parts.append("flash attention" if workload.flash_attention else "no flash attention")
        if workload.gpu_layers is not None:
            parts.append(f"{workload.gpu_layers} GPU layers")
    if workload.is_training:
        parts.append(workload.optimizer)
        parts.append("gradient checkpointing" if workload.gradient_checkpointing else "no gradient checkpointing")
        if workload.autocast:
            parts.append("autocast")
        if workload.mode in ("lora", "qlora"):
            parts.append(f"LoRA rank {workload.lora_rank}")
        if workload.offload is not None:
            parts.append(f"{workload.offload} offload")
    gpus = f"{workload.gpu_count} GPU" + ("s" if workload.gpu_count > 1 else "")
    if workload.gpu_count > 1:
        gpus += f" ({workload.resolved_parallelism})"
    parts.append(gpus)
    return ", ".join(parts)


def _header(name: str | None, result: MemoryEstimate, architecture: Architecture | None) -> str:
    """`model: N parameters`, and the parameters a token uses where that is fewer (MoE)."""
    line = f"{name or 'model'}: {result.parameters:,} parameters"
    if architecture is not None and architecture.is_moe:
        from selectcheck.compute.architecture import active_parameters

        line += f" ({active_parameters(architecture):,} active per token; all experts stay in memory)"
    return line


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
    vllm: VllmCapacity | None,
    strategies: dict[str, _Strategy] | None,
) -> str:
    from selectcheck.compute.memory import estimate_memory, usable_bytes
    from selectcheck.rules.memory_advice import suggest_fix

    lines = [_header(name, result, architecture), _settings(workload), ""]
    total = result.total_bytes
    width = max(len(key) for key in result.parts())
    lines.append(f"{'part':<{width}}  {'GB':>9}  {'share':>6}")
    for key, size in result.parts().items():
        mark = "*" if key in result.approximated else " "
        share = size / total if total else 0.0
        lines.append(f"{key:<{width}}  {size / GB:>9.2f}  {share:>6.1%}{mark}".rstrip())
    where = "per GPU" if workload.gpu_count == 1 else f"per GPU, each of {workload.gpu_count}"
    when = {"backward": ", in backward", "optimizer step": ", at the optimizer step", "prefill": ", in prefill"}
    if workload.engine == "vllm":
        when["serving"] = ", inside vLLM's share"
    lines.append(f"{'total':<{width}}  {total / GB:>9.2f}  {1:>6.1%}  peak {where}{when.get(result.moment, '')}")
    if result.approximated:
        lines.append("* approximated from the parameter count (architecture unknown): pass --config for exact figures")
    detail = result.detail()
    shown = [
        f"{key.replace('_', ' ')} {_gb(value)}"
        for key, value in detail.items()
        if value
        and key
        in (
            "cuda_context",
            "workspace",
            "allocator_reserve",
            "non_torch",
            "logits",
            "attention_scores",
            "compute_buffer",
            "adapters",
            "master_weights",
            "gathered_layers",
            "optimizer_step_buffers",
        )
    ]
    if shown:
        lines.append("  of which: " + ", ".join(shown))
    if result.host_bytes:
        what = "offloaded optimizer state" if workload.is_training else "layers and KV cache kept on the CPU"
        if workload.offload == "parameters":
            what += " and weights"
        lines.append(f"host RAM: {_gb(result.host_bytes)} ({what}; all GPUs' processes together)")
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
            factor, claim = workload.gpu_memory_utilization, "claimed by vLLM"
        each = f"{workload.gpu_count} × " if workload.gpu_count > 1 else ""
        head = f"On {each}{card.label}: {_gb(budget)} {claim} per GPU ({_gb(card.total_bytes)} × {factor:.2f}): "
        if vllm is not None:
            lines.append(
                f"vLLM on {card.label}: KV cache pool {_gb(vllm.pool_bytes)} = {vllm.kv_cache_tokens:,} tokens; "
                f"maximum concurrency {vllm.max_concurrency:.2f}x at max_model_len {vllm.request_tokens:,}"
            )
            if not vllm.starts:
                lines.append("  vLLM would refuse to start: the pool holds less than one request of max_model_len.")
            if not vllm.outside_fits:
                lines.append(
                    f"  the CUDA context and graphs need {_gb(vllm.outside_share_bytes)} outside the share; "
                    f"the card leaves {_gb(vllm.outside_room_bytes)}: lower gpu_memory_utilization."
                )
        if total <= budget:
            lines.append(head + f"fits, {_gb(budget - total)} to spare.")
        else:
            lines.append(head + f"does not fit, {_gb(total - budget)} over.")
            cards = [(g.id, g.total_bytes()) for g in catalog.gpus if g.total_bytes() > card.total_bytes]
            trials: dict[MemoryWorkload, MemoryEstimate] = {workload: result}

            def estimate_of(trial: MemoryWorkload) -> MemoryEstimate:
                if trial not in trials:
                    trials[trial] = estimate_memory(trial, architecture, parameters)
                return trials[trial]

            fix = suggest_fix(workload, result, budget, estimate_of, gpus=cards, headroom=headroom)
            lines.append(f"  fix: {fix.message}" if fix else "  fix: no single change the estimator knows fits.")
        lines.append("")

    if strategies is not None:
        lines += _strategy_table(workload, strategies, card)
        lines.append("")

    fitting: list[tuple[int, str, int]] = []
    for entry in catalog.gpus:
        card_budget = _budget(entry.total_bytes(), headroom, workload)
        if total <= card_budget:
            fitting.append((entry.total_bytes(), entry.id, card_budget))
    fitting.sort()
    rule = f"usable = total × {1 - headroom:.2f}"
    if workload.engine == "vllm":
        rule += f", at most × {workload.gpu_memory_utilization:.2f} under vLLM"
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


def _strategy_table(workload: MemoryWorkload, strategies: dict[str, _Strategy], card: _Card | None) -> list[str]:
    """Per-GPU memory of every strategy side by side, so the user sees which one fits."""
    where = f" on {workload.gpu_count} × {card.label}" if card is not None else f" on {workload.gpu_count} GPUs"
    lines = [f"Per GPU with each multi-GPU strategy{where}:"]
    lines.append(f"  {'strategy':<9}  {'offload':<10}  {'per GPU':>10}  {'host RAM':>10}  fits")
    for key, row in strategies.items():
        mark = " <" if key == workload.resolved_parallelism else ""
        if row.estimate is None or row.workload is None:
            lines.append(f"  {key:<9}  {'':<10}  {'-':>10}  {'-':>10}  cannot run: {row.error}{mark}")
            continue
        verdict = {True: "yes", False: "no", None: "-"}[row.fits]
        offload = row.workload.offload or "none"
        host = _gb(row.estimate.host_bytes) if row.estimate.host_bytes else "-"
        lines.append(
            f"  {key:<9}  {offload:<10}  {_gb(row.estimate.total_bytes):>10}  {host:>10}  {verdict}{mark}".rstrip()
        )
    return lines
