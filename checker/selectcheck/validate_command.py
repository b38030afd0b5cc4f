"""`selectcheck validate`: policy → files → engine → reporters → exit code."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import click

from selectcheck.diagnostics import Report, Severity
from selectcheck.display_names import printable_name, shortened
from selectcheck.engine import CheckSession, Selection, Source
from selectcheck.errors import ConfigError
from selectcheck.policy_loader import load_policy
from selectcheck.reporters import renderer
from selectcheck.reporters.sanitize import safe_line
from selectcheck.rules.context import RunOptions

EXIT_OK, EXIT_FINDINGS, EXIT_CONFIG = 0, 1, 2
STDIN = Path("-")


@dataclass(slots=True)
class ValidateOptions:
    paths: Sequence[Path] = ()
    policy: Path | None = None
    formats: list[tuple[str, str | None]] = field(default_factory=list)
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    strict: bool = False
    exit_zero: bool = False
    changed_since: str | None = None
    detect_hardware: bool = False
    stdin_filename: str | None = None
    color: bool = False


def _sources(session: CheckSession, options: ValidateOptions, *, allow_empty: bool = False) -> list[Source]:
    paths = list(options.paths)
    sources: list[Source] = []
    if STDIN in paths:
        if paths.count(STDIN) > 1:
            raise ConfigError("`-` (stdin) can be given only once")
        display, problem = printable_name(options.stdin_filename or "<stdin>")
        sources.append(Source(display, None, sys.stdin.buffer.read(), name_problem=problem))
        paths = [p for p in paths if p != STDIN]
    if not paths and not sources:
        paths = [d for d in session.loaded_policy.record_dirs if d.is_dir()]
        if not paths and not allow_empty:  # a pull request may delete the last record (SC411)
            wanted = ", ".join(str(d) for d in session.loaded_policy.record_dirs)
            raise ConfigError(
                f"no paths given and no record directory found ({wanted})",
                help="Pass files or directories, or set `records:` in your policy.",
            )
    sources.extend(session.expand(paths))
    return sources


def _exit_code(report: Report, options: ValidateOptions) -> int:
    if report.internal_errors:
        return EXIT_CONFIG
    if options.exit_zero:
        return EXIT_OK
    failing = {Severity.ERROR, Severity.WARNING} if options.strict else {Severity.ERROR}
    if any(d.severity in failing and not d.waived for d in report.diagnostics):
        return EXIT_FINDINGS
    return EXIT_OK


def _emit(report: Report, options: ValidateOptions) -> list[str]:
    """Print or write every report; the reports that could not be written, as messages."""
    formats = options.formats
    under_actions = os.environ.get("GITHUB_ACTIONS") == "true"
    failures: list[str] = []
    if not formats:
        formats = [("github", None)] if under_actions else [("text", None)]
        summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
        if under_actions and summary_path:
            try:  # the step summary is appended to by every step: it cannot be replaced
                with open(summary_path, "a", encoding="utf-8") as handle:
                    handle.write(renderer("markdown")(report))
            except OSError as exc:
                failures.append(f"cannot append the markdown report to $GITHUB_STEP_SUMMARY: {exc.strerror}")
    for name, target in formats:
        if name == "text":
            from selectcheck.reporters.text import render as render_text

            text = render_text(report, click.style if options.color else _no_style)
        else:
            text = renderer(name)(report)
        if target is None:
            click.echo(text, nl=False, color=options.color if name == "text" else None)
            continue
        try:
            write_atomically(Path(target), text)
        except (OSError, UnicodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            failures.append(f"cannot write the {name} report to {shortened(target)}: {reason}")
    return failures


def write_atomically(target: Path, text: str) -> None:
    """Replace `target` with `text` whole, or leave it as it was.

    The report goes to a temporary file in the same directory, which is renamed over the
    target only once it is complete: a full disk, a killed run or two runs writing the same
    file never leave a truncated or interleaved report where a reader (the Action, a SARIF
    upload) would take it for this run's. A target that is not a regular file
    (`/dev/stdout`, a pipe) is written as it is: it holds no earlier report to protect.
    """
    try:
        if not stat.S_ISREG(target.stat().st_mode):
            with target.open("w", encoding="utf-8") as stream:
                stream.write(text)
            return
    except FileNotFoundError:
        pass
    if target.is_symlink():
        target = target.resolve()  # replace the file it names, not the link
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name[:64]}.", suffix=".tmp", dir=target.parent)
    try:
        # No fsync: a killed process loses nothing the kernel has accepted, and a report is
        # regenerated by the next run; only the rename has to come after the last write.
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o666 & ~_umask())  # what a plain open() would have created
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def _no_style(text: str, **_: object) -> str:
    return text


def run_validate(options: ValidateOptions) -> int:
    try:
        os.getcwd()
    except OSError as exc:  # the directory was deleted under the shell
        raise ConfigError("the working directory no longer exists", help="cd into the repository again.") from exc
    loaded = load_policy(options.policy)
    run_options = RunOptions()
    if options.detect_hardware:
        from selectcheck.hardware import detect_gpus

        run_options.detected_gpus = detect_gpus()
    under_actions = os.environ.get("GITHUB_ACTIONS") == "true"
    run_options.memory_charts = any(name == "markdown" for name, _ in options.formats) or (
        under_actions and not options.formats
    )
    session = CheckSession(loaded, Selection(options.select, options.ignore), run_options)
    history = None
    if options.changed_since or os.environ.get("GITHUB_BASE_REF"):
        from selectcheck.history import resolve_history

        history = resolve_history(loaded.root, options.changed_since)
    sources = _sources(session, options, allow_empty=history is not None)
    if history is not None and options.changed_since:
        # Only an explicit --changed-since narrows the run; under GitHub Actions the base
        # ref alone turns on the history rules (SC404, SC411) but every record is checked.
        sources = history.filter_sources(sources, session)
    report = session.run(sources)
    report.fail_on_warnings = options.strict
    if history is not None:
        history.check(report, session)
    failures = _emit(report, options)
    for message in report.internal_errors:
        click.echo(f"selectcheck: {safe_line(message)} (this is a bug in selectcheck; please report it)", err=True)
    if failures:
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        raise ConfigError(
            failures[0] + more, help="No report was left half-written; free space or fix the path and run again."
        )
    return _exit_code(report, options)
