"""The GitHub Action's entry point: ``python -m selectcheck.action`` (see ``action.yml``).

The composite action passes its inputs to this module only through environment variables
(``INPUT_PATHS``, ``INPUT_POLICY``, ``INPUT_STRICT``, ``INPUT_SARIF_FILE``,
``INPUT_CHANGED_ONLY``, ``INPUT_EXTRA_ARGS``), never by expanding ``${{ }}`` into a
script, so no input can become shell code. This module then

1. builds the ``selectcheck validate`` argument list (``paths`` and ``extra-args`` are
   split with :func:`shlex.split`, never by a shell; the paths come after ``--`` so a
   path can never be read as an option);
2. runs ``validate`` in this process, asking for github annotations on stdout, the
   markdown report (appended to ``$GITHUB_STEP_SUMMARY``), a JSON report (for the counts)
   and, when ``sarif-file`` is set, SARIF;
3. writes the outputs ``errors``, ``warnings`` and ``sarif-file`` to ``$GITHUB_OUTPUT`` in
   the multi-line-safe ``name<<DELIMITER`` form;
4. exits with validate's exit code (0 pass, 1 findings that fail, 2 usage or configuration
   error), so the step fails exactly when the command would.

Everything this module itself prints is built from fixed words and integers: no input or
record text reaches a line of the log except through validate's escaped annotations.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

EXIT_OK, EXIT_FINDINGS, EXIT_CONFIG = 0, 1, 2

_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0", ""})


class InputError(Exception):
    """An action input that cannot be used (exit code 2)."""


@dataclass(frozen=True, slots=True)
class ActionInputs:
    paths: tuple[str, ...] = ()
    policy: str = ""
    strict: bool = False
    sarif_file: str = ""
    changed_only: bool = False
    extra_args: tuple[str, ...] = ()


def _flag(environ: Mapping[str, str], name: str) -> bool:
    value = environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    # The value is not echoed: it may come from anywhere in the workflow.
    raise InputError(f"input {_input_name(name)} must be true or false")


def _input_name(env_name: str) -> str:
    return env_name.removeprefix("INPUT_").lower().replace("_", "-")


def _split(environ: Mapping[str, str], name: str) -> tuple[str, ...]:
    try:
        return tuple(shlex.split(environ.get(name, ""), comments=False, posix=True))
    except ValueError as exc:  # unbalanced quotes or a trailing backslash
        raise InputError(f"input {_input_name(name)} cannot be split into arguments ({exc})") from exc


def read_inputs(environ: Mapping[str, str]) -> ActionInputs:
    """The action's inputs from the ``INPUT_*`` variables that ``action.yml`` sets."""
    return ActionInputs(
        paths=_split(environ, "INPUT_PATHS"),
        policy=environ.get("INPUT_POLICY", "").strip(),
        strict=_flag(environ, "INPUT_STRICT"),
        sarif_file=environ.get("INPUT_SARIF_FILE", "").strip(),
        changed_only=_flag(environ, "INPUT_CHANGED_ONLY"),
        extra_args=_split(environ, "INPUT_EXTRA_ARGS"),
    )


def base_ref(environ: Mapping[str, str]) -> str | None:
    """The pull request's base branch, when the workflow runs for a pull request."""
    ref = environ.get("GITHUB_BASE_REF", "").strip()
    return ref or None


def build_argv(inputs: ActionInputs, environ: Mapping[str, str], json_report: Path, markdown_report: Path) -> list[str]:
    """The ``selectcheck`` argument list for these inputs (without the program name)."""
    argv = [
        "validate",
        "--format",
        "github",
        "--format",
        f"markdown={markdown_report}",
        "--format",
        f"json={json_report}",
    ]
    if inputs.sarif_file:
        argv += ["--format", f"sarif={inputs.sarif_file}"]
    if inputs.policy:
        argv += ["--policy", inputs.policy]
    if inputs.strict:
        argv.append("--strict")
    if inputs.changed_only:
        ref = base_ref(environ)
        if ref is not None:
            argv += ["--changed-since", f"origin/{ref}"]
    argv += inputs.extra_args
    if inputs.paths:
        argv += ["--", *inputs.paths]
    return argv


def run_selectcheck(argv: Sequence[str]) -> int:
    """Run the ``selectcheck`` command line in this process and return its exit code."""
    from selectcheck.cli import main

    try:
        main(args=list(argv), prog_name="selectcheck")
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return EXIT_OK
        return code if isinstance(code, int) else EXIT_CONFIG
    return EXIT_OK


def write_outputs(path: str, outputs: Mapping[str, str]) -> None:
    """Append outputs to ``$GITHUB_OUTPUT`` in the ``name<<DELIMITER`` form, with a random
    delimiter that the value cannot contain, so no value can set another output."""
    with open(path, "a", encoding="utf-8", newline="\n") as handle:
        for name, value in outputs.items():
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            while delimiter in value:  # pragma: no cover - 128 random bits
                delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def _append(target: str, source: Path) -> None:
    try:
        text = source.read_text(encoding="utf-8")
    except OSError:
        return
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(text)


def _counts(json_report: Path) -> dict[str, str]:
    try:
        summary = json.loads(json_report.read_text(encoding="utf-8"))["summary"]
        return {"errors": str(int(summary["error"])), "warnings": str(int(summary["warning"]))}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _annotate_failure(text: str) -> None:
    # Fixed text only (see the module docstring).
    print(f"::error title=selectcheck::{text}", flush=True)


def run(environ: Mapping[str, str] = os.environ) -> int:
    """Run the action: inputs from ``environ``, outputs to ``$GITHUB_OUTPUT``."""
    try:
        inputs = read_inputs(environ)
    except InputError as exc:
        _annotate_failure(str(exc))
        return EXIT_CONFIG
    if inputs.sarif_file:
        sarif = Path(inputs.sarif_file)
        sarif.parent.mkdir(parents=True, exist_ok=True)
        if sarif.is_file():  # a file left from an earlier step must not pass for this run's report
            sarif.unlink()
    if inputs.changed_only and base_ref(environ) is None:
        print("selectcheck: changed-only applies to pull requests; checking every record", flush=True)
    with tempfile.TemporaryDirectory(prefix="selectcheck-action-", dir=environ.get("RUNNER_TEMP") or None) as tmp:
        json_report = Path(tmp) / "report.json"
        markdown_report = Path(tmp) / "summary.md"
        argv = build_argv(inputs, environ, json_report, markdown_report)
        sys.stdout.flush()
        code = run_selectcheck(argv)
        sys.stdout.flush()
        sys.stderr.flush()
        summary_path = environ.get("GITHUB_STEP_SUMMARY")
        if summary_path:
            _append(summary_path, markdown_report)
        outputs = _counts(json_report)
    if inputs.sarif_file and Path(inputs.sarif_file).is_file():
        outputs["sarif-file"] = inputs.sarif_file
    output_path = environ.get("GITHUB_OUTPUT")
    if output_path:
        write_outputs(output_path, outputs)
    if code == EXIT_CONFIG:
        _annotate_failure("selectcheck could not check the records (exit code 2); the log above says why")
    return code


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
