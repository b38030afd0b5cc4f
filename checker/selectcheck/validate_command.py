"""`selectcheck validate`: policy → files → engine → reporters → exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import click

from selectcheck.analysis.context import RunOptions
from selectcheck.diagnostics import Report, Severity
from selectcheck.engine import MAX_RECORD_BYTES, CheckSession, Selection, Source
from selectcheck.errors import EXIT_CONFIG, EXIT_FINDINGS, EXIT_OK, ConfigError
from selectcheck.loader.files import printable_name, shortened, write_atomically
from selectcheck.policy_loader import load_policy
from selectcheck.reporters import renderer
from selectcheck.reporters.sanitize import safe_line

STDIN = Path("-")


@dataclass(slots=True)
class ValidateOptions:
    """The options of one `selectcheck validate` run, as the CLI and the Action give them."""

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
    allow_empty: bool = False
    jobs: int = 1


def _sources(session: CheckSession, options: ValidateOptions) -> list[Source]:
    paths = list(options.paths)
    sources: list[Source] = []
    if STDIN in paths:
        if paths.count(STDIN) > 1:
            raise ConfigError("`-` (stdin) can be given only once")
        display, problem = printable_name(options.stdin_filename or "<stdin>")
        # Read one byte past the limit: the loader reports an oversized input as SC005.
        content = sys.stdin.buffer.read(MAX_RECORD_BYTES + 1)
        sources.append(Source(display, None, content, name_problem=problem))
        paths = [p for p in paths if p != STDIN]
    if not paths and not sources:
        paths = [d for d in session.loaded_policy.record_dirs if d.is_dir()]
    sources.extend(session.expand(paths))
    return sources


def _nothing_checked(session: CheckSession, options: ValidateOptions) -> ConfigError:
    """A run that found no record at all must not pass: a CI job pointed at the wrong folder
    (or a pull request that empties or moves the record directory) would go green."""
    where = ", ".join(str(p) for p in options.paths) or ", ".join(
        session.display(d) for d in session.loaded_policy.record_dirs
    )
    return ConfigError(
        f"no record files (*.yaml, *.yml) found in {where}",
        help="Point selectcheck at the directory that holds the records (`records:` in the policy), "
        "or pass --allow-empty when an empty record set is expected.",
    )


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


def _no_style(text: str, **_: object) -> str:
    return text


def run_validate(options: ValidateOptions) -> int:
    try:
        os.getcwd()
    except OSError as exc:  # the directory was deleted under the shell
        raise ConfigError("the working directory no longer exists", help="cd into the repository again.") from exc
    loaded = load_policy(options.policy)
    run_options = RunOptions(jobs=options.jobs)
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
    sources = _sources(session, options)
    found = bool(sources)
    if history is not None and options.changed_since:
        # Only an explicit --changed-since narrows the run; under GitHub Actions the base
        # ref alone turns on the history rules (SC404, SC411) but every record is checked.
        sources = history.filter_sources(sources, session)
    report = session.run(sources, history)
    if not found and not report.files and not options.allow_empty:
        raise _nothing_checked(session, options)
    report.fail_on_warnings = options.strict
    failures = _emit(report, options)
    for message in report.internal_errors:
        click.echo(f"selectcheck: {safe_line(message)} (this is a bug in selectcheck; please report it)", err=True)
    if failures:
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        raise ConfigError(
            failures[0] + more, help="No report was left half-written; free space or fix the path and run again."
        )
    return _exit_code(report, options)
