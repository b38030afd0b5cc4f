"""The workload flags `estimate` and `shortlist` share (they mirror a record's workload keys),
how a usage error ends either command, and how `--gpu`/`--vram-gb` must name one card.

Only click and the choice lists (`compute.choices`, plain `typing`) are imported at the top,
like every module of this package.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

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
)
from selectcheck.errors import EXIT_CONFIG

if TYPE_CHECKING:
    from selectcheck.catalog import Catalog
    from selectcheck.catalog.gpus import GpuEntry
    from selectcheck.compute.memory import MemoryWorkload

F = TypeVar("F", bound=Callable[..., Any])


class UsageError(Exception):
    """A flag or combination of flags the command cannot work with: exit 2 with a help line."""

    def __init__(self, message: str, help: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.help = help


def fail(message: str, help: str | None = None, location: str | None = None) -> NoReturn:
    text = f"{location}: {message}" if location else message
    click.echo(f"selectcheck: error: {text}", err=True)
    if help:
        click.echo(f"  help: {help}", err=True)
    sys.exit(EXIT_CONFIG)


@dataclass(frozen=True)
class WorkloadFlags:
    """The values of the flags :func:`workload_options` declares (click passes them by these
    names), and the two workloads they describe: the estimator's and a record's."""

    mode: str
    precision: str | None
    kv_cache_precision: str | None
    context: int
    batch: int
    engine: str
    gradient_checkpointing: bool | None
    optimizer: str
    lora_rank: int
    adapter_precision: str
    autocast: bool
    attention: str
    gpu: str | None
    vram_gb: float | None
    count: int
    parallelism: str | None
    offload: str | None
    gpu_memory_utilization: float
    max_model_len: int | None
    max_num_seqs: int
    max_num_batched_tokens: int
    flash_attention: bool
    n_ubatch: int
    parallel: int | None
    gpu_layers: int | None

    @classmethod
    def of(cls, values: dict[str, Any]) -> WorkloadFlags:
        """The flags among a command's keyword arguments."""
        return cls(**{field.name: values[field.name] for field in fields(cls)})

    @property
    def checkpointing(self) -> bool:
        """As given, else on for QLoRA (its recipe) and off otherwise."""
        return self.mode == "qlora" if self.gradient_checkpointing is None else self.gradient_checkpointing

    def memory_workload(self) -> MemoryWorkload:
        """The estimator's workload; the precision defaults to nf4 for qlora, else bf16.
        Raises the estimator's errors for settings that cannot run."""
        from selectcheck.compute.memory import MemoryWorkload

        return MemoryWorkload(
            mode=self.mode,
            precision=self.precision or ("nf4" if self.mode == "qlora" else "bf16"),
            context_length=self.context,
            batch_size=self.batch,
            kv_cache_precision=self.kv_cache_precision,
            gradient_checkpointing=self.checkpointing,
            optimizer=self.optimizer,
            lora_rank=self.lora_rank,
            adapter_precision=self.adapter_precision,
            autocast=self.autocast,
            attention=self.attention,
            engine=self.engine,
            gpu_count=self.count,
            parallelism=self.parallelism,
            offload=self.offload,
            gpu_memory_utilization=self.gpu_memory_utilization,
            max_model_len=self.max_model_len,
            max_num_seqs=self.max_num_seqs,
            max_num_batched_tokens=self.max_num_batched_tokens,
            flash_attention=self.flash_attention,
            n_ubatch=self.n_ubatch,
            parallel=self.parallel,
            gpu_layers=self.gpu_layers,
        )

    def record_workload(self) -> dict[str, Any]:
        """The flags as a record's workload, in the order a record writes its keys: what a team
        would write, leaving out settings of other engines and the defaults an engine applies
        anyway. The precision is as given (`any` included)."""
        from selectcheck.compute.memory import MemoryWorkload

        defaults = MemoryWorkload()
        training = self.mode != "inference"
        hardware: dict[str, Any] = {}
        if self.gpu is not None:
            hardware["gpu"] = self.gpu
        if self.vram_gb is not None:
            hardware["vram_gb"] = self.vram_gb
        hardware["count"] = self.count
        workload: dict[str, Any] = {
            "name": "fine-tune" if training else "serving",
            "mode": self.mode,
            "engine": self.engine,
            "hardware": hardware,
        }
        if self.parallelism is not None:
            workload["parallelism"] = self.parallelism
        workload["precision"] = self.precision
        if self.kv_cache_precision is not None:
            workload["kv_cache_precision"] = self.kv_cache_precision
        workload["context_length"] = self.context
        workload["batch_size"] = self.batch
        if training:
            workload["gradient_checkpointing"] = self.checkpointing
            workload["optimizer"] = self.optimizer
        if self.offload is not None:
            workload["offload"] = self.offload  # for inference it cannot run: SC107 says so
        if self.mode in ("lora", "qlora"):
            workload["lora_rank"] = self.lora_rank
            if self.adapter_precision != defaults.adapter_precision:
                workload["adapter_precision"] = self.adapter_precision
        if training and self.autocast:
            workload["autocast"] = True
        engine_settings: dict[str, tuple[tuple[str, Any, Any], ...]] = {
            "transformers": (("attention", self.attention, defaults.attention),),
            "vllm": (
                ("gpu_memory_utilization", self.gpu_memory_utilization, defaults.gpu_memory_utilization),
                ("max_model_len", self.max_model_len, None),
                ("max_num_seqs", self.max_num_seqs, defaults.max_num_seqs),
                ("max_num_batched_tokens", self.max_num_batched_tokens, defaults.max_num_batched_tokens),
            ),
            "llama.cpp": (
                ("flash_attention", self.flash_attention, defaults.flash_attention),
                ("n_ubatch", self.n_ubatch, defaults.n_ubatch),
                ("parallel", self.parallel, None),
                ("gpu_layers", self.gpu_layers, None),
            ),
        }
        for key, value, default in engine_settings[self.engine]:
            if value != default:
                workload[key] = value
        return workload


def workload_options(
    *,
    precision_choices: tuple[str, ...] = PRECISIONS,
    precision_default: str | None = None,
    precision_help: str,
    only: tuple[str, ...] | None = None,
) -> Callable[[F], F]:
    """The flags of one workload, from `--mode` to llama.cpp's `--gpu-layers` (or `only` those
    whose parameters are named, as `new` takes the common ones)."""
    options = [
        click.option("--mode", type=click.Choice(MODES), default="inference", show_default=True),
        click.option(
            "--precision",
            type=click.Choice(precision_choices),
            default=precision_default,
            show_default=precision_default is not None,
            help=precision_help,
        ),
        click.option(
            "--kv-cache-precision",
            type=click.Choice(KV_PRECISIONS),
            help="KV cache [default: bf16; fp16 for fp16 weights and under llama.cpp].",
        ),
        click.option(
            "--context", type=click.IntRange(min=1), default=4096, show_default=True, help="Tokens per sequence."
        ),
        click.option(
            "--batch", type=click.IntRange(min=1), default=1, show_default=True, help="Sequences at once, per GPU."
        ),
        click.option("--engine", type=click.Choice(ENGINES), default="transformers", show_default=True),
        click.option(
            "--gradient-checkpointing/--no-gradient-checkpointing",
            default=None,
            help="Training [default: on for qlora, else off].",
        ),
        click.option(
            "--optimizer", type=click.Choice(OPTIMIZERS), default="adamw", show_default=True, help="Training."
        ),
        click.option("--lora-rank", type=click.IntRange(1, 4096), default=16, show_default=True, help="lora/qlora."),
        click.option(
            "--adapter-precision",
            type=click.Choice(ADAPTER_PRECISIONS),
            default="fp32",
            show_default=True,
            help="lora/qlora.",
        ),
        click.option(
            "--autocast/--no-autocast",
            default=False,
            show_default=True,
            help="Training under torch.autocast (bf16=True).",
        ),
        click.option(
            "--attention",
            type=click.Choice(ATTENTIONS),
            default="sdpa",
            show_default=True,
            help="transformers attention.",
        ),
        click.option("--gpu", metavar="ID", help="A catalog GPU id, e.g. L4, A100-80GB, H100-80GB."),
        click.option(
            "--vram-gb", type=click.FloatRange(min=0, min_open=True), help="Memory per GPU in GB (1e9 bytes)."
        ),
        click.option("--count", type=click.IntRange(1, 1024), default=1, show_default=True, help="GPUs."),
        click.option(
            "--parallelism",
            type=click.Choice(PARALLELISMS),
            help="How --count GPUs share the work [default: tensor for inference, ddp for training].",
        ),
        click.option(
            "--offload", type=click.Choice(OFFLOADS), help="Training: keep optimizer (or parameters) in host RAM."
        ),
        click.option(
            "--gpu-memory-utilization",
            type=click.FloatRange(0, 1, min_open=True),
            default=0.9,
            show_default=True,
            help="vLLM.",
        ),
        click.option("--max-model-len", type=click.IntRange(min=1), help="vLLM [default: --context]."),
        click.option("--max-num-seqs", type=click.IntRange(min=1), default=256, show_default=True, help="vLLM."),
        click.option(
            "--max-num-batched-tokens", type=click.IntRange(min=1), default=8192, show_default=True, help="vLLM."
        ),
        click.option(
            "--flash-attention/--no-flash-attention", default=True, show_default=True, help="llama.cpp (-fa)."
        ),
        click.option("--n-ubatch", type=click.IntRange(min=1), default=512, show_default=True, help="llama.cpp (-ub)."),
        click.option("--parallel", type=click.IntRange(min=1), help="llama.cpp slots (-np) [default: --batch]."),
        click.option(
            "--gpu-layers", type=click.IntRange(min=0), help="llama.cpp layers on the GPU (-ngl) [default: all]."
        ),
    ]

    def apply(function: F) -> F:
        for option in reversed(options):
            if only is None or _parameter(option) in only:
                function = option(function)
        return function

    return apply


def _parameter(option: Callable[[F], F]) -> str:
    """The parameter name of a `click.option` decorator (its first long flag, as click names it)."""

    def probe() -> None: ...

    decorate: Any = option
    params: list[click.Parameter] = getattr(decorate(probe), "__click_params__", [])
    name = params[-1].name
    assert name is not None
    return name


def named_card(catalog: Catalog, gpu: str | None, vram_gb: float | None) -> GpuEntry | None:
    """The catalog card `--gpu` names (None for no `--gpu`, or a card the catalog does not know
    whose memory `--vram-gb` gives). A name the catalog does not know without `--vram-gb`, a
    family name such as `A100` that stands for several cards, and a `--vram-gb` that
    contradicts the card are usage errors, as SC104 finds them in a record."""
    from selectcheck.catalog.gpus import gpu_name_problem

    if gpu is None:
        return None
    entry = catalog.gpus.get(gpu)
    problem = gpu_name_problem(catalog.gpus, entry, gpu, vram_gb)
    if problem is None:
        return entry
    if problem.kind == "ambiguous":
        raise UsageError(
            f"GPU {gpu!r} is ambiguous: the catalog has {problem.card_list()}",
            f"Name the card you have: {' or '.join(f'--gpu {card.id}' for card in problem.cards)} "
            "(`nvidia-smi` shows its memory).",
        )
    if problem.kind == "vram-mismatch":
        raise UsageError(
            f"--vram-gb {vram_gb:g} does not match {problem.card_list()}, which --gpu {gpu} names",
            "Drop --vram-gb for a catalog card, or correct one of the two.",
        )
    close = catalog.gpus.suggest(gpu)
    hint = f"Did you mean `{close}`? " if close else ""
    raise UsageError(f"unknown GPU {gpu!r}: not in the GPU catalog", f"{hint}Or give its memory with --vram-gb N.")
