"""The command line: a thin click layer over the engine, calculators and reporters.

Imports of anything heavy happen inside the commands, so `selectcheck --version` and a
one-file pre-commit run pay only for what they use.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from selectcheck import __version__
from selectcheck.commands import LazyGroup
from selectcheck.errors import EXIT_CONFIG


def _fail_config(error: Exception) -> NoReturn:
    """Exit 2 with the error on one line (and a help line): its text can quote policy or
    record content, so it is neutralised like every other report line."""
    from selectcheck.errors import ConfigError
    from selectcheck.reporters.sanitize import safe_line

    if isinstance(error, ConfigError):
        where = f"{safe_line(error.location)}: " if error.location else ""
        click.echo(f"selectcheck: error: {where}{safe_line(error.message)}", err=True)
        if error.help:
            click.echo(f"  help: {safe_line(error.help)}", err=True)
    else:
        click.echo(f"selectcheck: error: {safe_line(str(error))}", err=True)
    sys.exit(EXIT_CONFIG)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", "-V", prog_name="selectcheck")
def main() -> None:
    """Check model-selection records: memory fit, benchmark evidence, noise floors, licenses."""


def _parse_formats(values: tuple[str, ...]) -> list[tuple[str, str | None]]:
    from selectcheck.reporters import FORMATS

    formats: list[tuple[str, str | None]] = []
    for value in values:
        name, _, target = value.partition("=")
        if name not in FORMATS:
            raise click.BadParameter(
                f"unknown format {name!r}; choose from {', '.join(FORMATS)}", param_hint="--format"
            )
        formats.append((name, target or None))
    return formats


def _codes(values: tuple[str, ...]) -> tuple[str, ...]:
    codes = tuple(c.strip().upper() for v in values for c in v.split(",") if c.strip())
    for code in codes:
        if not (code.startswith("SC") and code[2:].isdigit() and len(code) <= 5):
            raise click.BadParameter(f"{code!r} is not a rule code or prefix such as SC2 or SC207")
    return codes


def _use_color(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, allow_dash=True))
@click.option(
    "--policy",
    type=click.Path(path_type=Path),
    help="Policy file (default: discovered config, else the shipped policy).",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    metavar="FORMAT[=FILE]",
    help="text, json, github, sarif, markdown or junit; repeatable; `=FILE` writes to a file.",
)
@click.option("--select", multiple=True, metavar="CODES", help="Only these codes or prefixes (comma-separated).")
@click.option("--ignore", multiple=True, metavar="CODES", help="Skip these codes or prefixes (comma-separated).")
@click.option("--strict", is_flag=True, help="Warnings fail the run too.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings fail.")
@click.option("--allow-empty", is_flag=True, help="Exit 0, not 2, when no record file is found.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes checking files at once [default: the number of cores; a few hundred files per process at least].",
)
@click.option(
    "--changed-since", metavar="REV", help="Check only records changed since REV (git); enables history rules."
)
@click.option("--detect-hardware", is_flag=True, help="Compare workloads with the local NVIDIA GPUs (NVML).")
@click.option("--stdin-filename", metavar="NAME", help="The file name to report for `-` (stdin).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
def validate(
    paths: tuple[Path, ...],
    policy: Path | None,
    formats: tuple[str, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    strict: bool,
    exit_zero: bool,
    allow_empty: bool,
    jobs: int | None,
    changed_since: str | None,
    detect_hardware: bool,
    stdin_filename: str | None,
    color: str,
) -> None:
    """Check records (files or directories; default: the configured record directories)."""
    from selectcheck.errors import ConfigError
    from selectcheck.validate_command import ValidateOptions, run_validate

    options = ValidateOptions(
        paths=paths,
        policy=policy,
        formats=_parse_formats(formats),
        select=_codes(select),
        ignore=_codes(ignore),
        strict=strict,
        exit_zero=exit_zero,
        allow_empty=allow_empty,
        jobs=jobs or os.cpu_count() or 1,
        changed_since=changed_since,
        detect_hardware=detect_hardware,
        stdin_filename=stdin_filename,
        color=_use_color(color),
    )
    try:
        code = run_validate(options)
    except ConfigError as error:
        _fail_config(error)
    sys.exit(code)


@main.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_command(fmt: str) -> None:
    """List every rule code with its name, default severity and pipeline stage."""
    import json

    from selectcheck.rules.registry import rule_table

    table = rule_table()
    if fmt == "json":
        rows: list[dict[str, Any]] = [
            {
                "code": info.code,
                "name": info.name,
                "severity": info.default_severity.value,
                "stage": info.stage.value,
                "options": list(info.options),
                "configurable": info.configurable,
                "waivable": info.waivable,
                "summary": info.summary,
            }
            for info in table.values()
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    for info in table.values():
        click.echo(
            f"{info.code}  {info.name:<24} {info.default_severity.value:<8} {info.stage.value:<9} {info.summary}"
        )


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Explain a rule (by code, SC207, or name, smaller-equivalent), with examples."""
    import difflib

    from selectcheck.explain import explain_text
    from selectcheck.reporters.sanitize import safe_line
    from selectcheck.rules.registry import rule_table

    table = rule_table()
    wanted = code.strip()
    by_name = {info.name: info for info in table.values()}
    info = table.get(wanted.upper()) or by_name.get(wanted.lower().replace("_", "-"))
    if info is None:
        close = difflib.get_close_matches(wanted.lower(), [*by_name, *(c.lower() for c in table)], n=1)
        hint = f" Did you mean `{close[0]}`?" if close else ""
        click.echo(f"selectcheck: error: unknown rule {safe_line(code)!r}.{hint} See `selectcheck rules`.", err=True)
        sys.exit(EXIT_CONFIG)
    click.echo(explain_text(info), nl=False)


@main.command()
@click.argument(
    "name",
    required=False,
    default="record",
    type=click.Choice(
        [
            "record",
            "policy",
            "report",
            "shortlist",
            "catalog-gpus",
            "catalog-models",
            "catalog-benchmarks",
            "catalog-licenses",
        ]
    ),
)
def schema(name: str) -> None:
    """Print a JSON Schema (record, policy, the JSON report's, the shortlist's or a catalog's)."""
    from selectcheck.resources import SCHEMA_DIR

    click.echo((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"), nl=False)
