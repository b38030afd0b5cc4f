"""`selectcheck new TITLE`: scaffold the next record from the commented template."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from selectcheck.commands.workload_flags import UsageError, named_card, workload_options
from selectcheck.compute.units import GB
from selectcheck.errors import EXIT_CONFIG

if TYPE_CHECKING:
    from selectcheck.authoring import HardwareChoice, ModelChoice, Numbering
    from selectcheck.catalog import Catalog
    from selectcheck.model.shortlist import ShortlistModel

# A shortlist of the whole catalog is tens of kilobytes; anything far larger is not one.
MAX_SHORTLIST_BYTES = 16 * 1024 * 1024
WRITE_SHORTLIST = "Write it with `selectcheck shortlist … --format json=FILE`."


def _fail(message: str, help: str | None = None) -> NoReturn:
    click.echo(f"selectcheck: error: {message}", err=True)
    if help:
        click.echo(f"  help: {help}", err=True)
    sys.exit(EXIT_CONFIG)


# The workload flags `new` shares with `estimate` (the rest are settings of other engines).
NEW_WORKLOAD_FLAGS = (
    "gpu",
    "vram_gb",
    "count",
    "mode",
    "parallelism",
    "precision",
    "kv_cache_precision",
    "context",
    "batch",
    "engine",
    "gradient_checkpointing",
)


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
@workload_options(
    precision_help="Weights [default: bf16 (fp16 where the GPU has no bf16), mixed for full-finetune, nf4 for qlora].",
    only=NEW_WORKLOAD_FLAGS,
)
@click.option("--detect-hardware", is_flag=True, help="Take the workload's GPUs from the local NVIDIA GPUs (NVML).")
@click.option(
    "--from-shortlist",
    "shortlist_path",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    help="A `selectcheck shortlist --format json` file (`-`: stdin): its workload, use and task, and its top "
    "models as candidates (or those named with --model).",
)
@click.option(
    "--top",
    type=click.IntRange(1, 20),
    default=3,
    show_default=True,
    help="With --from-shortlist and no --model: how many of its models (smallest first) become candidates.",
)
@click.option("--decision-maker", "decision_makers", multiple=True, metavar="WHO", help="Default: git user.email.")
@click.option("--policy", type=click.Path(path_type=Path), help="Policy file (default: discovered config).")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write here instead of <records>/NNNN-slug.yaml. A number at the start of the name is the record's "
    "number and must be free; a name without one gets the next free number in front.",
)
@click.option("--dry-run", is_flag=True, help="Print the record instead of writing it.")
def new(
    title: str,
    category: str | None,
    models: tuple[str, ...],
    gpu: str | None,
    vram_gb: float | None,
    count: int,
    mode: str,
    parallelism: str | None,
    precision: str | None,
    kv_cache_precision: str | None,
    context: int,
    batch: int,
    engine: str,
    gradient_checkpointing: bool | None,
    detect_hardware: bool,
    shortlist_path: Path | None,
    top: int,
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

    With --from-shortlist the workload, the intended use and the task come from a saved
    `selectcheck shortlist`, and the candidates are its top models (or the --model ones).
    """
    from selectcheck import authoring
    from selectcheck.analysis.context import today
    from selectcheck.catalog import catalog_for
    from selectcheck.errors import ConfigError
    from selectcheck.loader.modeline import schema_reference
    from selectcheck.policy_loader import load_policy

    title = title.strip()
    if not title or not title.isprintable():
        _fail("the title must be one non-empty line of text")
    if (gpu is not None or vram_gb is not None) and detect_hardware:
        _fail("give --gpu (or --vram-gb) or --detect-hardware, not both")
    if shortlist_path is not None:
        click_context = click.get_current_context()
        given = [
            f"--{name.replace('_', '-')}"
            for name in ("detect_hardware", *NEW_WORKLOAD_FLAGS)
            if click_context.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE
        ]
        if given:
            _fail(
                f"{' and '.join(given)} cannot be combined with --from-shortlist",
                "The workload comes from the shortlist; run `selectcheck shortlist` again with other flags.",
            )
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

    picked: ShortlistPick | None = None
    if shortlist_path is not None:
        picked = _read_shortlist(shortlist_path, catalog, models, top)
        models = ()
        category = category or picked.category
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

    if picked is not None:
        choices = list(picked.models)
    hardware: HardwareChoice | None = None
    if picked is not None:
        hardware = picked.hardware
        mode = picked.workload["mode"]
    elif gpu is not None or vram_gb is not None:
        try:
            gpu_entry = named_card(catalog, gpu, vram_gb)
        except UsageError as error:
            _fail(error.message, error.help)
        if gpu_entry is not None and vram_gb is None:
            hardware = authoring.gpu_hardware(gpu_entry, count)
        else:  # a card the catalog does not know, or the team's own measurement of one it does
            assert vram_gb is not None
            hardware = authoring.HardwareChoice(
                gpu=gpu,
                vram_gb=vram_gb,
                count=count,
                note=f"{vram_gb:g} GB per GPU, as given",
                bf16=gpu_entry.bf16 if gpu_entry is not None else True,
                total_bytes=int(vram_gb * GB),
            )
    elif detect_hardware:
        try:
            hardware = _detected_hardware(catalog)
        except ConfigError as error:
            _fail(str(error))

    given_context = (
        click.get_current_context().get_parameter_source("context") == click.core.ParameterSource.COMMANDLINE
    )
    context_length = context if given_context else authoring.default_context(choices)
    if picked is not None:
        context_length = picked.workload["context_length"]
    workload = authoring.WorkloadChoice(
        mode=mode,
        engine=engine,
        precision=precision or authoring.default_precision(mode, hardware.bf16 if hardware is not None else True),
        kv_cache_precision=kv_cache_precision,
        context_length=context_length,
        batch_size=batch,
        # The template's recommendation for training; `estimate` is shown the same flag.
        gradient_checkpointing=mode != "inference" if gradient_checkpointing is None else gradient_checkpointing,
        parallelism=parallelism,
    )
    estimate = None
    if choices and hardware is not None and picked is None:
        estimate = authoring.estimate_note(choices[0], workload, hardware, pol.vram.headroom)

    if output is None:
        numbering = authoring.scan_records(loaded.record_dirs).next
        target = loaded.record_dirs[0] / numbering.file_name(authoring.slugify(title))
    else:
        numbering, target = _numbered_output(output if output.is_absolute() else cwd / output, loaded.record_dirs, cwd)
    makers = decision_makers or ((authoring.git_email(cwd) or authoring.TODO),)
    record = authoring.NewRecord(
        title=title,
        numbering=numbering,
        date=today(),
        decision_makers=makers,
        schema_ref=schema_reference(target.parent, loaded.root),
        mode=mode,
        parallelism=parallelism,
        settings=workload,
        task=task,
        categories=tuple(pol.tasks),
        models=tuple(choices),
        hardware=hardware,
        context_length=context_length,
        estimate_note=estimate,
        min_eval_n=pol.own_evaluation.min_n,
        intended_use=picked.use if picked is not None else "commercial",
        workload=picked.workload if picked is not None else None,
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
    if estimate is not None and "DOES NOT FIT" in estimate and hardware is not None:
        click.echo(
            f"selectcheck: note: {choices[0].name} does not fit {hardware.gpu or 'this GPU'} for {mode} at "
            f"{context_length} tokens; compare settings with `selectcheck estimate {choices[0].name} --mode {mode} "
            f"--context {context_length}` (try qlora, a quantised precision or a larger card)",
            err=True,
        )
    click.echo(f"next: replace the TODOs, then run `selectcheck validate {shown}`", err=True)


def _numbered_output(target: Path, record_dirs: tuple[Path, ...], cwd: Path) -> tuple[Numbering, Path]:
    """`-o`: the record's number comes from the file name (it must be free), or, where the
    name has none, the next free number is put in front of it, so the id and the file name
    always agree (SC408). Free means unused by the records of the record directories and of
    the target's own folder."""
    from selectcheck import authoring
    from selectcheck.loader.files import RECORD_SUFFIXES

    if target.suffix not in RECORD_SUFFIXES:
        _fail(
            f"{_shown(target, cwd)} is not a .yaml file; `selectcheck validate` looks only at .yaml and .yml files",
            f"Name it {target.stem}.yaml.",
        )
    numbers = authoring.scan_records([*record_dirs, target.parent])
    try:
        numbering, numbered = authoring.number_output(target, numbers)
    except authoring.NumberTaken as taken:
        holder = taken.holder
        has = f"{_shown(holder.path, cwd)}" + (f" ({holder.record_id})" if holder.record_id else "")
        free_name = f"{numbers.next.number:04d}{target.name.lstrip('0123456789')}"
        _fail(
            f"number {taken.number} of {_shown(target, cwd)} is taken: {has} has it",
            f"Use a free number (the next is {free_name}), or leave the number out of -o and `new` "
            "puts the next free one in front of the name.",
        )
    if numbered != target:
        click.echo(
            f"selectcheck: note: {_shown(target, cwd)} has no number, so the record is {numbered.name} "
            f"({numbering.record_id}): the file name and the id agree",
            err=True,
        )
    return numbering, numbered


def _shown(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return str(path)


def _detected_hardware(catalog: Catalog) -> HardwareChoice:
    """The local NVIDIA GPUs (NVML) as the workload's hardware: the largest group of identical
    cards, as `selectcheck hardware` would print it."""
    from selectcheck import authoring
    from selectcheck.compute.units import MIB
    from selectcheck.errors import ConfigError
    from selectcheck.hardware import detect_gpus, group_gpus

    groups = group_gpus(detect_gpus(), catalog.gpus)
    if not groups:
        raise ConfigError("NVML found no NVIDIA GPU on this machine", help="Give the GPU with --gpu instead.")
    group = max(groups, key=lambda g: g.count)  # the first of the largest groups
    block = group.block()
    entry = catalog.gpus.get(group.catalog_id) if group.catalog_id is not None else None
    others = f"; {len(groups) - 1} other kind(s) of GPU not used here" if len(groups) > 1 else ""
    return authoring.HardwareChoice(
        gpu=block.get("gpu"),
        vram_gb=block.get("vram_gb"),
        count=group.count,
        note=f"detected by NVML: {group.name} × {group.count}, {group.total_bytes // MIB:,} MiB each{others}",
        bf16=entry.bf16 if entry is not None else True,
        total_bytes=group.total_bytes,
    )


@dataclass(frozen=True)
class ShortlistPick:
    """What a record takes from a saved shortlist."""

    workload: dict[str, Any]  # a record workload, its precision that of the first candidate
    use: str
    category: str | None
    models: tuple[ModelChoice, ...]
    hardware: HardwareChoice | None  # for the comment after `hardware:`


def _read_shortlist(path: Path, catalog: Catalog, names: tuple[str, ...], top: int) -> ShortlistPick:
    """The shortlist file, checked against its schema, and the candidates it gives: the models
    named with --model (each must be one it lists), else its first ``top`` listed models."""
    import json

    from pydantic import ValidationError

    from selectcheck import authoring
    from selectcheck.model.shortlist import Shortlist

    shown = "stdin" if str(path) == "-" else str(path)
    try:
        if str(path) == "-":
            raw = sys.stdin.buffer.read(MAX_SHORTLIST_BYTES + 1)
        else:
            with path.open("rb") as handle:
                raw = handle.read(MAX_SHORTLIST_BYTES + 1)
    except OSError as exc:
        _fail(f"cannot read {shown}: {exc.strerror or exc}")
    if len(raw) > MAX_SHORTLIST_BYTES:
        _fail(f"{shown} is larger than 16 MiB: not a shortlist", WRITE_SHORTLIST)
    try:
        document = json.loads(raw)
        shortlist = Shortlist.model_validate(document)
    except (ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, ValidationError):
            error = exc.errors()[0]
            where = "/" + "/".join(str(part) for part in error["loc"])
            _fail(
                f"{shown} is not a shortlist: {where}: {error['msg']}",
                f"{WRITE_SHORTLIST} `selectcheck schema shortlist` prints its schema.",
            )
        _fail(f"{shown} is not JSON: {exc}", WRITE_SHORTLIST)
    listed = [row for row in shortlist.models if row.reason is None]
    rows = [_shortlisted(shortlist.models, catalog, name) for name in names] if names else listed[:top]
    if not rows:
        _fail(
            f"{shown} lists no model that fits with a license that allows {shortlist.use} use",
            "Run `selectcheck shortlist` with a larger card, more GPUs, a shorter context or `--precision any`.",
        )
    # The file's own workload (checked above), so the record keeps the keys in the same order.
    workload = {**document["workload"], "precision": rows[0].precision}
    gpu = catalog.gpus.get(workload["hardware"]["gpu"]) if "gpu" in workload["hardware"] else None
    hardware = authoring.gpu_hardware(gpu, workload["hardware"].get("count", 1)) if gpu is not None else None
    choices = tuple(
        authoring.ModelChoice(row.model, catalog.models.get(row.model), row.license.id, _shortlist_note(row, rows[0]))
        for row in rows
    )
    category = shortlist.task.category if shortlist.task is not None else None
    return ShortlistPick(workload, shortlist.use, category, choices, hardware)


def _shortlisted(models: list[ShortlistModel], catalog: Catalog, name: str) -> ShortlistModel:
    entry = catalog.models.get(name)
    wanted = {name.lower(), entry.id.lower()} if entry is not None else {name.lower()}
    for row in models:
        if row.model.lower() in wanted:
            if row.reason is not None:
                _fail(f"{row.model} is left out of the shortlist: {row.reason} ({row.rule})")
            return row
    _fail(f"{name} is not in the shortlist", "Name one of the models it lists, or leave --model out for its top ones.")


def _shortlist_note(row: ShortlistModel, first: ShortlistModel) -> str:
    """`shortlist: fits at bf16, 18.5 GB per GPU, 3.3 GB to spare, up to 15,856 tokens`."""
    from selectcheck.compute.units import format_gb

    note = f"shortlist: fits at {row.precision}"
    if row.per_gpu_bytes is not None:
        note += f", {format_gb(row.per_gpu_bytes)} per GPU"
    if row.headroom_bytes is not None:
        note += f", {format_gb(row.headroom_bytes)} to spare"
    if row.max_context is not None:
        note += f", up to {row.max_context:,} tokens"
    if row.precision != first.precision:
        note += f" (the workload's precision is {first.precision}, the chosen model's)"
    return note
