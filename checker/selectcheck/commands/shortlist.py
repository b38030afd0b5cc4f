"""`selectcheck shortlist`: which catalog models can we run here, under our license, for this task?

The first step of the practice, before any benchmark: the models that fit the GPU memory you
have at the context you really use, smallest first, with the license verdict for your use and
the benchmarks your policy requires for the task. Each model is judged as `validate` would judge
it as the chosen model of a record with this workload (`analysis/shortlist.py`), so a model
listed here passes SC101/SC103/SC107/SC301/SC305 in such a record, and a model left out fails
the rule named with its reason.

Formats: a text table, `json` (`schemas/shortlist.schema.json`, read back by
`selectcheck new --from-shortlist`) and `markdown` (to paste into a decision record or a pull
request); `--format FORMAT=FILE` writes one to a file, and `--format` repeats.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from selectcheck.commands.workload_flags import (
    UsageError,
    WorkloadFlags,
    fail,
    named_card,
    workload_options,
)
from selectcheck.compute.choices import PRECISIONS

if TYPE_CHECKING:
    from selectcheck.analysis.shortlist import Shortlist, ShortlistRow
    from selectcheck.compute.license_terms import Use
    from selectcheck.model.policy import Policy
    from selectcheck.model.record import Workload

USES = ("commercial", "internal", "research")
FORMATS = ("text", "json", "markdown")


@click.command("shortlist")
@workload_options(
    precision_choices=("any", *PRECISIONS),
    precision_default="any",
    precision_help="Weights, or `any`: per model, the highest-quality precision that fits, tried from 16-bit down.",
)
@click.option(
    "--use",
    type=click.Choice(USES),
    default="commercial",
    show_default=True,
    help="The intended use each license is judged for (a record's task.intended_use).",
)
@click.option(
    "--task",
    "category",
    metavar="CATEGORY",
    help="A task category of the policy (code, support-bot, …): lists the benchmarks to gather.",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    metavar="FORMAT[=FILE]",
    help="text, json or markdown [default: text]; repeatable; `=FILE` writes it to a file.",
)
@click.option(
    "--policy",
    type=click.Path(path_type=Path),
    help="Policy file: catalogs, license lists, tasks and VRAM headroom (default: discovered config).",
)
def shortlist(use: str, category: str | None, formats: tuple[str, ...], policy: Path | None, **flags: Any) -> None:
    """List the catalog models that fit one workload, smallest first, with their licenses.

    Every model of the catalogs (your policy's own entries included) is estimated on the
    workload: those that fit and whose license allows --use come first, each with the
    precision that makes it fit, its peak per GPU, the memory to spare and the longest
    context that still fits; then the models left out, each with its one reason and the rule
    `selectcheck validate` would report. --task adds the benchmarks your policy requires.

    \b
    Examples:
      selectcheck shortlist --gpu L4 --engine vllm --context 12288 --batch 8 --task support-bot
      selectcheck shortlist --gpu A100-80GB --mode qlora --context 4096 --use internal
      selectcheck shortlist --vram-gb 48 --count 2 --precision bf16 --format markdown
      selectcheck shortlist --gpu RTX-4090 --engine llama.cpp --format json=shortlist.json
    """
    from selectcheck.analysis.shortlist import build_shortlist
    from selectcheck.catalog import catalog_for
    from selectcheck.errors import ConfigError
    from selectcheck.policy_loader import load_policy

    outputs = _outputs(formats)
    given = WorkloadFlags.of(flags)
    try:
        loaded = load_policy(policy)
        catalog = catalog_for(loaded.catalog_files)
        _check_task(loaded.policy, category)
        if given.gpu is None and given.vram_gb is None:
            raise UsageError(
                "no GPU: give --gpu ID (a catalog GPU) or --vram-gb N (memory per GPU)",
                "`selectcheck hardware` names the local GPUs; `policy/catalog/gpus.yaml` lists the catalog's.",
            )
        named_card(catalog, given.gpu, given.vram_gb)
        workload = given.record_workload()
        result = build_shortlist(
            _workload_model(workload),
            catalog=catalog,
            policy=loaded.policy,
            use=cast("Use", use),  # a click choice of USES
            precision=None if given.precision == "any" else given.precision,
            task=category,
        )
    except ConfigError as error:
        fail(error.message, error.help, error.location)
    except UsageError as error:
        fail(error.message, error.help)
    renderers = {
        "text": lambda: text_report(result, workload),
        "json": lambda: json.dumps(json_document(result, workload), indent=2, ensure_ascii=False) + "\n",
        "markdown": lambda: markdown_report(result, workload),
    }
    for name, target in outputs:
        body = renderers[name]()
        if target is None:
            click.echo(body, nl=False)
            continue
        try:
            Path(target).write_text(body, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {target}: {exc.strerror or exc}")
        click.echo(f"wrote {target} ({name})", err=True)


def _outputs(values: tuple[str, ...]) -> list[tuple[str, str | None]]:
    outputs: list[tuple[str, str | None]] = []
    for value in values or ("text",):
        name, _, target = value.partition("=")
        if name not in FORMATS:
            raise click.BadParameter(
                f"unknown format {name!r}; choose from {', '.join(FORMATS)}", param_hint="--format"
            )
        outputs.append((name, target or None))
    if sum(target is None for _, target in outputs) > 1:
        raise click.BadParameter("only one format can go to standard output; write the others to files (FORMAT=FILE)")
    return outputs


def _check_task(policy: Policy, category: str | None) -> None:
    if category is None or category in policy.tasks:
        return
    import difflib

    close = difflib.get_close_matches(category, list(policy.tasks), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise UsageError(
        f"the policy defines no task category {category!r}{hint}",
        f"categories: {', '.join(policy.tasks)}; add your own under `tasks:` in .selectcheck.yaml",
    )


def _workload_model(workload: dict[str, Any]) -> Workload:
    """The record model of the workload (its precision a placeholder when it is `any`)."""
    from pydantic import ValidationError

    from selectcheck.model.record import Workload

    data = {**workload, "precision": "bf16" if workload["precision"] == "any" else workload["precision"]}
    try:
        return Workload.model_validate(data)
    except ValidationError as error:  # the flags' types make this unreachable; never a traceback
        raise UsageError(f"the flags do not make a record workload: {error.errors()[0]['msg']}") from None


# --- json ---------------------------------------------------------------------------------


def json_document(result: Shortlist, workload: dict[str, Any]) -> dict[str, Any]:
    """The document of `schemas/shortlist.schema.json`."""
    from selectcheck.model.shortlist import SHORTLIST_VERSION

    task = None
    if result.task is not None:
        task = {"category": result.task, "benchmarks": list(result.benchmarks), "minimums": dict(result.minimums)}
    return {
        "shortlist_version": SHORTLIST_VERSION,
        "workload": workload,
        "use": result.use,
        "task": task,
        "card_bytes": result.card.total_bytes,
        "usable_bytes": result.budget_bytes,
        "models": [_json_row(row) for row in result.rows],
    }


def _json_row(row: ShortlistRow) -> dict[str, Any]:
    return {
        "model": row.model,
        "parameters": row.parameters,
        "precision": row.precision,
        "fits": row.fits,
        "per_gpu_bytes": row.per_gpu_bytes,
        "headroom_bytes": row.headroom_bytes,
        "max_context": row.max_context,
        "model_max_context": row.model_max_context,
        "license": {
            "id": row.license.id,
            "verdict": row.license.verdict,
            "obligations": list(row.license.obligations),
        },
        "reason": row.reason,
        "rule": row.rule,
    }


# --- text and markdown --------------------------------------------------------------------


def _gb(value: int | None) -> str:
    from selectcheck.compute.units import format_gb

    return "-" if value is None else format_gb(value, digits=2)


def _params(value: int) -> str:
    return f"{value / 1e9:.2f}B"  # billions of parameters, not bytes


def _context(row: ShortlistRow) -> str:
    if row.max_context is None:
        return "-"
    return f"{row.max_context:,}" + ("*" if row.max_context == row.model_max_context else "")


def _license(row: ShortlistRow) -> str:
    count = len(row.license.obligations)
    if row.license.verdict == "conditions":
        return f"{row.license.id}: {count} condition{'s' if count != 1 else ''}"
    return f"{row.license.id}: {row.license.verdict}"


def describe_workload(result: Shortlist, workload: dict[str, Any]) -> str:
    """`inference on 1 × L4 (24.15 GB, 21.74 GB usable per GPU), vllm, context 12,288 × batch 8, any precision`."""
    hardware = workload["hardware"]
    card = result.card.label
    count = hardware.get("count", 1)
    on = f"{count} × {card}" if count > 1 else card
    if count > 1:
        on += f" ({workload.get('parallelism') or ('ddp' if workload['mode'] != 'inference' else 'tensor')})"
    usable = "claimed by vLLM" if workload["engine"] == "vllm" else "usable"
    parts = [
        f"{workload['mode']} on {on} ({_gb(result.card.total_bytes)}, {_gb(result.budget_bytes)} {usable} per GPU)",
        workload["engine"],
        f"context {workload['context_length']:,} × batch {workload['batch_size']}",
        "any precision" if workload["precision"] == "any" else f"{workload['precision']} weights",
    ]
    if "kv_cache_precision" in workload:
        parts.append(f"{workload['kv_cache_precision']} KV cache")
    return ", ".join(parts)


def _conditions(result: Shortlist) -> dict[str, tuple[str, ...]]:
    """The conditions of each license among the listed models, once per license."""
    found: dict[str, tuple[str, ...]] = {}
    for row in result.listed:
        if row.license.verdict == "conditions":
            found.setdefault(row.license.id, row.license.obligations)
    return found


def _evidence(result: Shortlist) -> str | None:
    if result.task is None:
        return None
    names = [
        f"{name} (policy minimum {result.minimums[name]:g})" if name in result.minimums else name
        for name in result.benchmarks
    ]
    return f"Evidence to gather for {result.task}: {', '.join(names)}"


def text_report(result: Shortlist, workload: dict[str, Any]) -> str:
    from selectcheck.reporters.sanitize import safe_line

    listed, left_out = result.listed, result.left_out
    lines = [
        f"Shortlist: {safe_line(describe_workload(result, workload))}",
        f"Licenses judged for {result.use} use.",
        "",
    ]
    total = len(result.rows)
    if listed:
        lines.append(f"Fit and licensed for {result.use} use: {len(listed)} of {total} models, smallest first")
        header: tuple[str, ...] = ("model", "params", "precision", "per GPU", "spare", "max context", "license")
        rows: list[tuple[str, ...]] = [
            (
                row.model,
                _params(row.parameters),
                row.precision,
                _gb(row.per_gpu_bytes),
                _gb(row.headroom_bytes),
                _context(row),
                _license(row),
            )
            for row in listed
        ]
        lines += _table(header, rows, right=(1, 3, 4, 5))
        if any(row.max_context == row.model_max_context for row in listed):
            lines.append("  * the model's own maximum context")
    else:
        lines.append(
            f"No model of the {total} in the catalog fits this workload with a license that allows {result.use} use."
        )
    if left_out:
        lines.append("")
        lines.append(f"Left out: {len(left_out)} models, smallest first")
        header = ("model", "params", "reason")
        rows = [(row.model, _params(row.parameters), f"{row.reason} ({row.rule})") for row in left_out]
        lines += _table(header, rows, right=(1,))
    conditions = _conditions(result)
    if conditions:
        lines.append("")
        lines.append(f"License conditions for {result.use} use (SC303 lists them in a record):")
        for license_id, obligations in conditions.items():
            lines.append(f"  {license_id}:")
            lines += [f"    - {text}" for text in obligations]
    lines.append("")
    evidence = _evidence(result)
    lines.append(evidence if evidence is not None else "Add --task CATEGORY for the benchmarks your policy requires.")
    lines.append(
        "Next: save it (--format json=shortlist.json) and start the record with "
        "`selectcheck new TITLE --from-shortlist shortlist.json`."
    )
    return "\n".join(safe_line(line) for line in lines) + "\n"


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]], right: tuple[int, ...]) -> list[str]:
    widths = [max(len(cells[i]) for cells in (header, *rows)) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        padded = [
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return ("  " + "  ".join(padded)).rstrip()

    return [line(header), *(line(cells) for cells in rows)]


def markdown_report(result: Shortlist, workload: dict[str, Any]) -> str:
    from selectcheck.reporters.markdown import escape

    listed, left_out = result.listed, result.left_out
    out = [
        f"### Shortlist: {escape(describe_workload(result, workload))}",
        "",
        f"Licenses judged for **{escape(result.use)}** use; models smallest first. "
        "Made by selectcheck shortlist, which judges each model as selectcheck validate judges a record.",
        "",
    ]
    if listed:
        out.append("| model | parameters | precision | per GPU | spare | max context | license |")
        out.append("| --- | ---: | --- | ---: | ---: | ---: | --- |")
        for row in listed:
            cells = (
                escape(row.model),
                _params(row.parameters),
                row.precision,
                _gb(row.per_gpu_bytes),
                _gb(row.headroom_bytes),
                escape(_context(row)),
                escape(_license(row)),
            )
            out.append("| " + " | ".join(cells) + " |")
        if any(row.max_context == row.model_max_context for row in listed):
            out += ["", "\\* the model's own maximum context"]
    else:
        out.append(f"No catalog model fits this workload with a license that allows {escape(result.use)} use.")
    if left_out:
        out += ["", f"**Left out: {len(left_out)} models**, each with the one reason and the rule that says it", ""]
        out.append("| model | parameters | reason | rule |")
        out.append("| --- | ---: | --- | --- |")
        for row in left_out:
            reason = escape(row.reason or "")
            out.append(f"| {escape(row.model)} | {_params(row.parameters)} | {reason} | {row.rule} |")
    conditions = _conditions(result)
    if conditions:
        out += ["", f"**License conditions for {escape(result.use)} use**", ""]
        for license_id, obligations in conditions.items():
            out.append(f"- {escape(license_id)}: " + "; ".join(escape(text) for text in obligations))
    evidence = _evidence(result)
    if evidence is not None:
        out += ["", escape(evidence)]
    return "\n".join(out) + "\n"
