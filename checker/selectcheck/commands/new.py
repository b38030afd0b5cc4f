"""`selectcheck new TITLE`: scaffold the next record from the commented template."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from selectcheck.authoring import HardwareChoice
    from selectcheck.catalog import Catalog

MODES = ("inference", "lora", "qlora", "full-finetune")
EXIT_CONFIG = 2


def _fail(message: str, help: str | None = None) -> NoReturn:
    click.echo(f"selectcheck: error: {message}", err=True)
    if help:
        click.echo(f"  help: {help}", err=True)
    sys.exit(EXIT_CONFIG)


def _did_you_mean(suggestion: str | None) -> str:
    return f" (did you mean {suggestion}?)" if suggestion else ""


@click.command()
@click.argument("title")
@click.option("--task", "category", metavar="CATEGORY", help="A task category of the policy (code, support-bot, …).")
@click.option(
    "--model",
    "models",
    multiple=True,
    metavar="ID",
    help="A candidate (Hugging Face id); repeatable. The first one is the chosen model.",
)
@click.option("--gpu", metavar="ID", help="The GPU of the workload, a catalog id such as A100-80GB or L4.")
@click.option("--count", type=click.IntRange(1, 1024), default=1, show_default=True, help="GPUs used together.")
@click.option(
    "--mode", type=click.Choice(MODES), default="inference", show_default=True, help="The workload's mode."
)
@click.option("--detect-hardware", is_flag=True, help="Take the workload's GPUs from the local NVIDIA GPUs (NVML).")
@click.option("--decision-maker", "decision_makers", multiple=True, metavar="WHO", help="Default: git user.email.")
@click.option("--policy", type=click.Path(path_type=Path), help="Policy file (default: discovered config).")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write here instead of <records>/NNNN-slug.yaml.",
)
@click.option("--dry-run", is_flag=True, help="Print the record instead of writing it.")
def new(
    title: str,
    category: str | None,
    models: tuple[str, ...],
    gpu: str | None,
    count: int,
    mode: str,
    detect_hardware: bool,
    decision_makers: tuple[str, ...],
    policy: Path | None,
    output: Path | None,
    dry_run: bool,
) -> None:
    """Scaffold the next record (records/NNNN-slug.yaml) from the catalogs.

    It fills what the catalogs know (licenses, parameters and maximum context of the
    models, the GPU's memory, the task's benchmarks as score slots to fill) and never
    overwrites a file. A fresh record passes the schema; `selectcheck validate` then lists
    what remains to fill in.
    """
    from selectcheck import authoring
    from selectcheck.catalog import catalog_for
    from selectcheck.errors import ConfigError
    from selectcheck.policy_loader import load_policy
    from selectcheck.resources import SCHEMA_BASE_URI

    title = title.strip()
    if not title or not title.isprintable():
        _fail("the title must be one non-empty line of text")
    if gpu is not None and detect_hardware:
        _fail("give --gpu or --detect-hardware, not both")
    for name in (*models, *decision_makers):
        if not name.strip() or not name.isprintable() or any(ch.isspace() for ch in name):
            _fail(f"{name!r} is not a model id or handle (no spaces or control characters)")
    if len(set(models)) != len(models):
        _fail("a model is named twice in --model")

    cwd = Path.cwd()
    try:
        loaded = load_policy(policy, cwd)
        catalog = catalog_for(loaded.catalog_files)
    except ConfigError as error:
        _fail(str(error))
    pol = loaded.policy

    task = None
    if category is not None:
        task_policy = pol.tasks.get(category)
        if task_policy is None:
            import difflib

            close = difflib.get_close_matches(category, list(pol.tasks), n=1)
            _fail(
                f"the policy defines no task category {category!r}{_did_you_mean(close[0] if close else None)}",
                f"categories: {', '.join(pol.tasks)}; add your own under `tasks:` in .selectcheck.yaml",
            )
        benchmarks = {b: catalog.benchmarks.get(b) for b in task_policy.benchmarks}
        task = authoring.TaskChoice(category, task_policy, benchmarks)

    choices = []
    for name in models:
        entry = catalog.models.get(name)
        if entry is not None and "/" not in name:
            name = entry.id  # a short alias (llama-3.1-8b): write the repo id
        elif entry is None:
            click.echo(
                f"selectcheck: note: {name} is not in the model catalog{_did_you_mean(catalog.models.suggest(name))}; "
                "fill in its license and parameters",
                err=True,
            )
        choices.append(authoring.ModelChoice(name, entry))

    hardware: HardwareChoice | None = None
    if gpu is not None:
        gpu_entry = catalog.gpus.get(gpu)
        if gpu_entry is None:
            _fail(
                f"{gpu!r} is not in the GPU catalog{_did_you_mean(catalog.gpus.suggest(gpu))}",
                f"known GPUs: {', '.join(catalog.gpus.ids())}",
            )
        hardware = authoring.gpu_hardware(gpu_entry, count)
    elif detect_hardware:
        try:
            hardware = _detected_hardware(catalog)
        except ConfigError as error:
            _fail(str(error))

    context_length = authoring.default_context(choices)
    estimate = None
    if choices and hardware is not None:
        precision = authoring.default_precision(mode, hardware.bf16)
        estimate = authoring.estimate_note(choices[0], mode, precision, context_length, hardware, pol.vram.headroom)

    numbering = authoring.scan_records(loaded.record_dirs)
    if output is not None:
        target = output if output.is_absolute() else cwd / output
    else:
        target = loaded.record_dirs[0] / numbering.file_name(authoring.slugify(title))
    makers = decision_makers or ((authoring.git_email(cwd) or authoring.TODO),)
    record = authoring.NewRecord(
        title=title,
        numbering=numbering,
        date=authoring.today(),
        decision_makers=makers,
        schema_ref=authoring.schema_reference(target.parent, loaded.root, SCHEMA_BASE_URI + "record.schema.json"),
        mode=mode,
        task=task,
        categories=tuple(pol.tasks),
        models=tuple(choices),
        hardware=hardware,
        context_length=context_length,
        estimate_note=estimate,
        min_eval_n=pol.own_evaluation.min_n,
    )
    text = authoring.render_record(record)
    if dry_run:
        click.echo(text, nl=False)
        return
    shown = _shown(target, cwd)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8", newline="\n") as handle:  # "x": never overwrite
            handle.write(text)
    except FileExistsError:
        _fail(f"{shown} already exists; selectcheck new never overwrites a record", "Choose another --output.")
    except OSError as exc:
        _fail(f"cannot write {shown}: {exc.strerror}")
    click.echo(f"created {shown} ({numbering.record_id})")
    click.echo(f"next: replace the TODOs, then run `selectcheck validate {shown}`", err=True)


def _shown(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return str(path)


def _detected_hardware(catalog: Catalog) -> HardwareChoice:
    """The most common local NVIDIA GPU (NVML) as the workload's hardware."""
    from collections import Counter

    from selectcheck import authoring
    from selectcheck.errors import ConfigError
    from selectcheck.hardware import detect_gpus

    devices: list[Any] = list(detect_gpus())
    if not devices:
        raise ConfigError("NVML found no NVIDIA GPU", help="Give the GPU with --gpu instead.")
    names = Counter(str(_attr(d, "name", "model", "device_name") or "unknown GPU") for d in devices)
    name, count = names.most_common(1)[0]
    device = next(d for d in devices if str(_attr(d, "name", "model", "device_name")) == name)
    total = _total_bytes(device)
    entry = catalog.gpus.get(name)
    if entry is None:
        for candidate in (_attr(device, "catalog_id", "gpu", "gpu_id"),):
            if isinstance(candidate, str):
                entry = catalog.gpus.get(candidate)
    mib = f"{total // authoring.MIB:,} MiB" if total else "memory unknown"
    note = f"detected by NVML: {name} × {count}, {mib} each"
    if entry is not None:
        base = authoring.gpu_hardware(entry, count)
        return authoring.HardwareChoice(
            gpu=entry.id, count=count, note=note, bf16=entry.bf16, total_bytes=total or base.total_bytes
        )
    if not total:
        raise ConfigError(f"NVML reports {name} without its memory", help="Give the GPU with --gpu instead.")
    vram_gb = int(total / authoring.GB * 10) / 10  # round down: never claim more than there is
    return authoring.HardwareChoice(vram_gb=vram_gb, count=count, note=note, total_bytes=total)


def _attr(obj: Any, *names: str) -> Any:
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value is not None:
            return value
    return None


def _total_bytes(device: Any) -> int | None:
    total = _attr(device, "total_bytes", "memory_total_bytes", "memory_bytes")
    if isinstance(total, int):
        return total
    mib = _attr(device, "total_mib", "memory_total_mib", "nvml_total_mib")
    if isinstance(mib, int):
        return mib * 1024 * 1024
    return None
