"""The GitHub Action's entry point: ``python -m selectcheck.action`` (see ``action.yml``).

The composite action passes its inputs to this module only through environment variables
(``INPUT_PATHS``, ``INPUT_POLICY``, ``INPUT_STRICT``, ``INPUT_SARIF_FILE``,
``INPUT_CHANGED_ONLY``, ``INPUT_EXTRA_ARGS``), never by expanding ``${{ }}`` into a
script, so no input can become shell code. This module then

1. builds the ``selectcheck validate`` argument list (``paths`` and ``extra-args`` are
   split with :func:`shlex.split`, never by a shell; the paths come after ``--`` so a
   path can never be read as an option);
2. runs ``validate`` in this process, writing the github annotations, the markdown
   report (appended to ``$GITHUB_STEP_SUMMARY``), a JSON report (for the counts) and,
   when ``sarif-file`` is set, SARIF to files;
3. writes the outputs ``errors``, ``warnings`` and ``sarif-file`` to ``$GITHUB_OUTPUT`` in
   the multi-line-safe ``name<<DELIMITER`` form;
4. exits with validate's exit code (0 pass, 1 findings that fail, 2 usage or configuration
   error), so the step fails exactly when the command would.

The log. The runner treats a line that starts with ``::`` as a workflow command, and
record text comes from pull requests. So the step's log is built in two parts: first
whatever else validate printed (``extra-args`` may ask for ``--format text``; errors go to
stderr), captured and passed line by line through
:func:`~selectcheck.reporters.sanitize.safe_line`, so none of those lines can be a command;
then the annotations file that the github reporter wrote, whose every line is an escaped
annotation or the closing count line by construction. Whatever this module prints itself
is built from fixed words and integers.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import shlex
import sys
import tempfile
from collections.abc import Mapping, Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from selectcheck.errors import EXIT_CONFIG, EXIT_OK

_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0", ""})
# How the runner splits a log into lines.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Colour (SGR) sequences from `--color always`: dropped rather than shown as U+FFFD.
_SGR = re.compile(r"\x1b\[[0-9;]*m")


class InputError(Exception):
    """An action input that cannot be used (exit code 2)."""


@dataclass(frozen=True, slots=True)
class ActionInputs:
    """The GitHub Action's inputs, read from its INPUT_* environment."""

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


@dataclass(frozen=True, slots=True)
class Reports:
    """Where validate writes the reports the action reads back."""

    annotations: Path
    markdown: Path
    json: Path

    @classmethod
    def under(cls, directory: Path) -> Reports:
        return cls(directory / "annotations.txt", directory / "summary.md", directory / "report.json")


def build_argv(inputs: ActionInputs, environ: Mapping[str, str], reports: Reports) -> list[str]:
    """The ``selectcheck`` argument list for these inputs (without the program name)."""
    argv = [
        "validate",
        "--format",
        f"github={reports.annotations}",
        "--format",
        f"markdown={reports.markdown}",
        "--format",
        f"json={reports.json}",
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


def run_selectcheck(argv: Sequence[str]) -> tuple[int, str, str]:
    """Run the ``selectcheck`` command line in this process: (exit code, stdout, stderr)."""
    from selectcheck.cli import main

    out, err = io.StringIO(), io.StringIO()
    code: int = EXIT_OK
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main(args=list(argv), prog_name="selectcheck")
        except SystemExit as exc:
            if exc.code is not None:
                code = exc.code if isinstance(exc.code, int) else EXIT_CONFIG
    return code, out.getvalue(), err.getvalue()


def echo_safely(text: str, stream: TextIO) -> None:
    """Print captured output so that no line of it can be read as a workflow command."""
    from selectcheck.reporters.sanitize import safe_line

    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    for line in lines:
        stream.write(safe_line(_SGR.sub("", line)) + "\n")
    stream.flush()


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


def _complete_sarif(path: Path) -> bool:
    """Whether `path` holds a whole SARIF log. validate writes reports atomically and the
    file was deleted before the run, so a file here is this run's; reading it back makes
    sure that no truncated report is ever announced as the `sarif-file` output."""
    try:
        log = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(log, dict) and log.get("version") == "2.1.0" and isinstance(log.get("runs"), list)


def _annotate_failure(text: str) -> None:
    # Fixed text only (see the module docstring).
    print(f"::error title=selectcheck::{text}", flush=True)


def run(environ: Mapping[str, str] = os.environ) -> int:
    """Run the action: inputs from ``environ``, outputs to ``$GITHUB_OUTPUT``."""
    try:
        inputs = read_inputs(environ)
        if inputs.sarif_file:
            sarif = Path(inputs.sarif_file)
            sarif.parent.mkdir(parents=True, exist_ok=True)
            if sarif.is_file():  # a file left from an earlier step must not pass for this run's report
                sarif.unlink()
    except InputError as exc:
        _annotate_failure(str(exc))
        return EXIT_CONFIG
    except OSError:
        _annotate_failure("the directory for input sarif-file cannot be created")
        return EXIT_CONFIG
    if inputs.changed_only and base_ref(environ) is None:
        print("selectcheck: changed-only applies to pull requests; checking every record", flush=True)
    with tempfile.TemporaryDirectory(prefix="selectcheck-action-", dir=environ.get("RUNNER_TEMP") or None) as tmp:
        reports = Reports.under(Path(tmp))
        code, out, err = run_selectcheck(build_argv(inputs, environ, reports))
        echo_safely(out, sys.stdout)
        echo_safely(err, sys.stderr)
        if reports.annotations.is_file():
            # Written by the github reporter: escaped annotations and the count line only.
            sys.stdout.write(reports.annotations.read_text(encoding="utf-8"))
            sys.stdout.flush()
        summary_path = environ.get("GITHUB_STEP_SUMMARY")
        if summary_path:
            _append(summary_path, reports.markdown)
        outputs = _counts(reports.json)
    if inputs.sarif_file and _complete_sarif(Path(inputs.sarif_file)):
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
