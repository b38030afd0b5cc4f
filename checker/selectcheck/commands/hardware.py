"""`selectcheck hardware`: the local NVIDIA GPUs (NVML) as a ready-to-paste `hardware:` block."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from selectcheck.compute.units import format_gb
from selectcheck.errors import EXIT_CONFIG


@click.command("hardware")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--policy",
    type=click.Path(path_type=Path),
    help="Policy file whose GPU catalog names the cards (default: discovered config, else the shipped policy).",
)
def hardware(fmt: str, policy: Path | None) -> None:
    """Print the local NVIDIA GPUs (NVML) as a `hardware:` block for a record's workload."""
    import json

    from selectcheck.catalog import catalog_for
    from selectcheck.compute.units import MIB
    from selectcheck.errors import ConfigError
    from selectcheck.hardware import group_gpus, read_nvml
    from selectcheck.policy_loader import load_policy

    try:
        catalog = catalog_for(load_policy(policy).catalog_files)
        report = read_nvml()
    except ConfigError as error:
        click.echo(f"selectcheck: error: {error}", err=True)
        sys.exit(EXIT_CONFIG)
    driver, gpus = report.driver_version, report.gpus
    if not gpus:
        click.echo(
            "selectcheck: error: NVML found no NVIDIA GPU on this machine"
            + (f" (driver {driver})" if driver else "")
            + "\n  help: Give the workload's memory by hand: `hardware: {vram_gb: N}`.",
            err=True,
        )
        sys.exit(EXIT_CONFIG)
    groups = group_gpus(gpus, catalog.gpus)
    if fmt == "json":
        payload = {
            "driver_version": driver,
            "gpus": [
                {
                    "index": gpu.index,
                    "name": gpu.name,
                    "total_bytes": gpu.total_bytes,
                    "total_mib": gpu.total_mib,
                    "catalog_id": next(g.catalog_id for g in groups if gpu.index in g.indexes),
                }
                for gpu in gpus
            ],
            "hardware": [group.block() for group in groups],
        }
        click.echo(json.dumps(payload, indent=2))
        return
    lines = [f"# NVIDIA GPUs found by NVML (driver {driver}); paste the line under a workload of your record:"]
    for group in groups:
        which = ", ".join(str(i) for i in group.indexes)
        label = "GPU" if group.count == 1 else "GPUs"
        known = (
            f"catalog {group.catalog_id}"
            if group.catalog_id is not None
            else "not in the GPU catalog: memory given as vram_gb"
        )
        lines.append(
            f"# {label} {which}: {group.name}, {group.total_bytes // MIB:,} MiB "
            f"({format_gb(group.total_bytes)}) total per GPU; {known}"
        )
        if group.catalog_id is not None and group.vram_gb is not None:
            lines.append("#   NVML reports less memory than the catalog's card: vram_gb keeps the check honest")
        lines.append("hardware: " + _flow(group.block()))
    click.echo("\n".join(lines))


def _flow(block: dict[str, object]) -> str:
    """`{gpu: H100-80GB, count: 1}`: YAML flow style, as the record examples write it."""
    import json

    parts = []
    for key, value in block.items():
        text = str(value)
        if isinstance(value, str) and not _plain(value):
            text = json.dumps(value)  # a JSON string is a valid double-quoted YAML scalar
        parts.append(f"{key}: {text}")
    return "{" + ", ".join(parts) + "}"


def _plain(value: str) -> bool:
    """Safe unquoted: starts with a letter, no YAML syntax, not a YAML 1.1 boolean/null."""
    import re

    reserved = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9.+-]*", value)) and value.lower() not in reserved
