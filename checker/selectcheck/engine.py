"""The pipeline: files → located documents → schema → typed records → rules → diagnostics.

One broken record never hides the others: every file is checked on its own, and a file
that cannot be parsed still gets its located diagnostic while the rest go on. Cross-record
rules see every record of the configured record directories, even when only some files
are passed (pre-commit passes only the changed ones).
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selectcheck import __version__
from selectcheck.analysis.candidates import record_workload_memory
from selectcheck.catalog import Catalog, catalog_for
from selectcheck.diagnostics import (
    FILE_START,
    Diagnostic,
    FileResult,
    Report,
    Severity,
)
from selectcheck.display_names import printable_name, shortened
from selectcheck.errors import ConfigError
from selectcheck.loader import LoadedDocument, load_bytes, load_path
from selectcheck.loader.summary import scan_summary
from selectcheck.model.record import Record
from selectcheck.policy_loader import LoadedPolicy
from selectcheck.rules.context import ProjectIndex, RecordContext, RecordSummary, RunOptions
from selectcheck.rules.registry import Rule, all_rules, rule_table
from selectcheck.schema_check import validate_document, yaml11_notes

SUPPORTED_SCHEMA_VERSIONS = (1,)
MAX_RECORD_BYTES = 1024 * 1024
# Bytes of checked files kept between indexing and checking (each file is read once).
CONTENT_CACHE_BYTES = 16 * 1024 * 1024
RECORD_SUFFIXES = (".yaml", ".yml")


@dataclass(slots=True)
class Selection:
    """--select / --ignore, ruff-style: a code matches a prefix (`SC2` is every SC2xx)."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def enabled(self, code: str) -> bool:
        if self.select and not any(code.startswith(p) for p in self.select):
            return False
        return not any(code.startswith(p) for p in self.ignore)


@dataclass(slots=True)
class Source:
    """A file to check: a path on disk, or bytes from stdin with the name to report."""

    display: str
    path: Path | None = None
    content: bytes | None = None
    # Why the name cannot be shown as it is (not UTF-8, control characters), if so.
    name_problem: str | None = None


@dataclass(slots=True)
class CheckSession:
    loaded_policy: LoadedPolicy
    selection: Selection = field(default_factory=Selection)
    options: RunOptions = field(default_factory=RunOptions)
    _catalog: Catalog | None = None
    _internal_errors: list[str] = field(default_factory=list)
    _active: list[Rule] | None = None
    _cwd: Path = field(default_factory=lambda: _absolute(Path.cwd()))

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = catalog_for(self.loaded_policy.catalog_files)
            _check_policy_licenses(self.loaded_policy, self._catalog)
        return self._catalog

    # ---- collecting files -------------------------------------------------------------
    def display(self, path: Path) -> str:
        """The path as reports show it: relative to the working directory when inside it,
        with any byte that is not UTF-8 and any control character escaped."""
        return printable_name(self._relative(path))[0]

    def _relative(self, path: Path) -> str:
        absolute = _absolute(path)
        for base in (self._cwd, self.loaded_policy.root):
            try:
                return absolute.relative_to(base).as_posix()
            except ValueError:
                continue
        return path.as_posix()

    def expand(self, paths: Sequence[Path]) -> list[Source]:
        sources: list[Source] = []
        seen: set[Path] = set()
        for path in paths:
            try:
                exists, is_dir = path.exists(), path.is_dir()
            except OSError as exc:  # a name longer than the system allows, a symlink loop
                shown = shortened(path.as_posix())
                raise ConfigError(
                    f"cannot use the path {shown}: {exc.strerror}", help="Check the paths you passed."
                ) from exc
            if not exists:
                shown = shortened(path.as_posix(), 1000)
                raise ConfigError(f"no such file or directory: {shown}", help="Check the paths you passed.")
            files = sorted(_walk_records(path)) if is_dir else [path]
            for file in files:
                resolved = _absolute(file)
                if resolved not in seen:
                    seen.add(resolved)
                    display, problem = printable_name(self._relative(file))
                    sources.append(Source(display, file, name_problem=problem))
        return sources

    # ---- the project index ------------------------------------------------------------
    def project_index(self, sources: Sequence[Source]) -> ProjectIndex:
        """Summaries of every record in the record directories and of the checked files.

        Summaries come from a light text scan (`loader.summary`), not a YAML parse. The bytes
        of checked files are kept for the check itself (so each file is read once) while they
        fit the cache budget; past it, a file is read again when its turn comes, so memory
        stays bounded however many records a run checks.
        """
        index = ProjectIndex()
        budget = CONTENT_CACHE_BYTES
        checked: set[Path] = set()
        for source in sources:
            if source.content is None and source.path is not None:
                checked.add(_absolute(source.path))
                raw = _read_limited(source.path)
                if raw is not None and len(raw) <= min(budget, MAX_RECORD_BYTES):
                    source.content = raw
                    budget -= len(raw)
            else:
                raw = source.content
            index.add(_summary(source.display, _scan_bytes(raw)))
        for directory in self.loaded_policy.record_dirs:
            if not directory.is_dir():
                continue
            for file in sorted(_walk_records(directory)):
                if _absolute(file) not in checked:
                    index.add(_summary(self.display(file), _scan_bytes(_read_limited(file))))
        return index

    # ---- checking -----------------------------------------------------------------------
    def run(self, sources: Sequence[Source]) -> Report:
        """Check `sources` one at a time: only each file's result outlives its turn."""
        with _batch_gc():
            return self._run(sources)

    def _run(self, sources: Sequence[Source]) -> Report:
        _CWD.value = os.getcwd()
        try:
            return self._check_all(sources)
        finally:
            _CWD.value = None

    def _check_all(self, sources: Sequence[Source]) -> Report:
        project = self.project_index(sources)
        self._internal_errors = []
        results = []
        for source in sources:
            if source.content is not None:
                doc = load_bytes(source.content, source.display)
                if source.path is not None:
                    source.content = None  # cached by project_index; release it now
            else:
                assert source.path is not None
                doc = load_path(source.path, source.display)
            results.append(self.check_document(source, doc, project))
        return Report(results, rule_table(), __version__, internal_errors=self._internal_errors)

    def check_document(self, source: Source, doc: LoadedDocument, project: ProjectIndex) -> FileResult:
        result = FileResult(source.display)
        raw: list[tuple[str, Diagnostic]] = []
        if source.name_problem is not None:
            raw.append(
                (
                    "SC005",
                    self._diag(
                        "SC005",
                        doc,
                        FILE_START,
                        "",
                        f"the file name {source.name_problem}; reports show it escaped",
                        "Rename the file (`git mv`) to a UTF-8 name without control characters, so every "
                        "report, and GitHub's annotations, can name it.",
                    ),
                )
            )
        for failure in doc.failures:
            raw.append(
                (
                    failure.code,
                    self._diag(failure.code, doc, failure.span, failure.pointer, failure.message, failure.help),
                )
            )
        data = doc.data
        record: Record | None = None
        if data is not None and not any(f.fatal for f in doc.failures):
            record, stage_diags = self._validate(doc)
            raw.extend((d.code, d) for d in stage_diags)
        if isinstance(data, dict):
            result.record_id = data.get("id") if isinstance(data.get("id"), str) else None
            result.title = data.get("title") if isinstance(data.get("title"), str) else None
            decision = data.get("decision")
            if isinstance(decision, dict) and isinstance(decision.get("chosen"), str):
                result.chosen_model = decision["chosen"]
        context: RecordContext | None = None
        if record is not None:
            assert isinstance(data, dict)
            context = RecordContext(
                record=record,
                data=data,
                doc=doc,
                path=_absolute(source.path or Path(source.display)),
                display_path=source.display,
                policy=self.loaded_policy.policy,
                catalog=self.catalog,
                project=project,
                root=self.loaded_policy.root,
                options=self.options,
            )
            raw.extend(self._run_rules(context))
            if self.options.memory_charts:
                # The markdown report's memory chart, whether or not SC101/SC102 ran (memoised).
                result.memory = list(record_workload_memory(context))
        result.diagnostics = self._finish(raw, record, doc)
        if result.diagnostics:
            result.keep_source(doc.lines)
        return result

    def _diag(self, code: str, doc: LoadedDocument, span: Any, pointer: str, message: str, help: str) -> Diagnostic:
        rule = all_rules().get(code)
        severity = rule.info.default_severity if rule else Severity.ERROR
        return Diagnostic(code, severity, doc.path, span, pointer, message, help)

    def _validate(self, doc: LoadedDocument) -> tuple[Record | None, list[Diagnostic]]:
        data = doc.data
        if not isinstance(data, dict):
            return None, [
                self._diag(
                    "SC002",
                    doc,
                    doc.locate(""),
                    "",
                    f"a record must be a mapping, not {_kind(data)}",
                    "Start the file with `schema_version: 1` and the record's keys.",
                )
            ]
        version = data.get("schema_version")
        if version not in SUPPORTED_SCHEMA_VERSIONS or isinstance(version, bool):
            if "schema_version" in data:
                span, message = doc.locate("/schema_version"), f"schema_version {version!r} is not supported"
            else:
                span, message = FILE_START, "schema_version is missing"
            return None, [
                self._diag(
                    "SC003",
                    doc,
                    span,
                    "/schema_version",
                    message,
                    "Set `schema_version: 1` (the only version this selectcheck reads).",
                )
            ]
        record, violations = validate_document(data, Record, "record.schema.json")
        violations, yaml11_warnings = yaml11_notes(violations, doc.yaml11)
        diags = [
            self._diag("SC002", doc, doc.locate(v.pointer, key=v.at_key), v.pointer, v.message, v.help)
            for v in violations
        ]
        for warning in yaml11_warnings:
            diag = self._diag("SC002", doc, doc.locate(warning.pointer), warning.pointer, warning.message, warning.help)
            diag.severity = Severity.WARNING  # valid either way; only YAML 1.1 tools read it differently
            diags.append(diag)
        return record, diags

    @property
    def active_rules(self) -> list[Rule]:
        """Record rules that are on and selected, worked out once per run."""
        if self._active is None:
            overrides = self.loaded_policy.policy.rules
            self._active = [
                rule
                for code, rule in all_rules().items()
                if rule.check is not None and overrides.get(code) != "off" and self.selection.enabled(code)
            ]
        return self._active

    def _run_rules(self, context: RecordContext) -> Iterator[tuple[str, Diagnostic]]:
        for rule in self.active_rules:
            code = rule.code
            assert rule.check is not None
            try:
                findings = list(rule.check(context))
            except Exception as exc:  # a bug in a rule must not hide the other records
                self._internal_errors.append(
                    f"{context.display_path}: internal error in {code}: {type(exc).__name__}: {exc}"
                )
                continue
            for finding in findings:
                span = context.doc.locate(finding.pointer, key=finding.at_key)
                yield code, self._diag(code, context.doc, span, finding.pointer, finding.message, finding.help)

    def _finish(
        self, raw: list[tuple[str, Diagnostic]], record: Record | None, doc: LoadedDocument
    ) -> list[Diagnostic]:
        overrides = self.loaded_policy.policy.rules
        kept: list[Diagnostic] = []
        for code, diag in raw:
            setting = overrides.get(code)
            if setting == "off" or not self.selection.enabled(code):
                continue
            if setting is not None and not code.startswith("SC0"):
                diag.severity = Severity(setting)
            kept.append(diag)
        if record is not None:
            kept.extend(self._apply_waivers(kept, record, doc))
        kept.sort(key=lambda d: d.sort_key())
        return kept

    def _apply_waivers(self, diags: list[Diagnostic], record: Record, doc: LoadedDocument) -> list[Diagnostic]:
        """Mark waived diagnostics; report expired (SC406) and unused (SC407) waivers."""
        extra: list[Diagnostic] = []
        today = self.options.today
        max_days = self.loaded_policy.policy.waivers.max_days
        for index, waiver in enumerate(record.waivers):
            pointer = f"/waivers/{index}"

            def report(code: str, field: str, message: str, help: str, pointer: str = pointer) -> None:
                extra.append(
                    self._diag(code, doc, doc.locate(f"{pointer}/{field}"), f"{pointer}/{field}", message, help)
                )

            limit = record.date + datetime.timedelta(days=max_days)
            if waiver.expires < today:
                report(
                    "SC406",
                    "expires",
                    f"the waiver of {waiver.rule} expired on {waiver.expires.isoformat()}",
                    "Fix the finding, or renew the waiver with a new approval and expiry date.",
                )
            elif waiver.expires > limit:
                report(
                    "SC406",
                    "expires",
                    f"the waiver of {waiver.rule} runs to {waiver.expires.isoformat()}, more than the "
                    f"policy's {max_days} days after the record's date ({limit.isoformat()})",
                    f"Set `expires` on or before {limit.isoformat()}; renew it when it runs out.",
                )
            elif waiver.rule.startswith("SC0"):
                report(
                    "SC407",
                    "rule",
                    f"{waiver.rule} cannot be waived: SC0xx findings mean the record cannot be read",
                    "Fix the file instead and delete this waiver.",
                )
            else:
                matched = [d for d in diags if d.code == waiver.rule and not d.waived]
                rule = all_rules().get(waiver.rule)
                history_rule = rule is not None and rule.stage == "git"  # judged by history.check
                if not matched and not history_rule:
                    report(
                        "SC407",
                        "rule",
                        f"the waiver of {waiver.rule} is unused: the rule no longer fires for this record",
                        "Delete the waiver; it would silently hide a future finding.",
                    )
                for diag in matched:
                    diag.waived = True
                    diag.waiver_reason = f"{waiver.reason} (approved by {waiver.approved_by}, until {waiver.expires})"
        for diag in extra:
            setting = self.loaded_policy.policy.rules.get(diag.code)
            if setting is not None and setting != "off":
                diag.severity = Severity(setting)
        return [
            d for d in extra if self.loaded_policy.policy.rules.get(d.code) != "off" and self.selection.enabled(d.code)
        ]


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return type(value).__name__


def _walk_records(directory: Path) -> Iterable[Path]:
    for path in directory.rglob("*"):
        if path.suffix in RECORD_SUFFIXES and path.is_file():
            if any(part.startswith(".") for part in path.relative_to(directory).parts):
                continue
            yield path


@contextlib.contextmanager
def _batch_gc() -> Iterator[None]:
    """Each record allocates tens of thousands of short-lived, acyclic objects (YAML nodes,
    pydantic models) that reference counting frees; the cyclic collector's frequent passes
    over them, and over everything imported at start-up, cost about a quarter of a large
    run. Freeze the start-up objects and collect less often while checking."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _check_policy_licenses(loaded: LoadedPolicy, catalog: Catalog) -> None:
    """A typo in `licenses.deny` would silently deny nothing: names must be catalog ids."""
    for kind in ("deny", "allow"):
        for name in getattr(loaded.policy.licenses, kind):
            if name not in catalog.licenses:
                close = catalog.licenses.suggest(name)
                hint = f"Did you mean `{close}`? " if close else ""
                raise ConfigError(
                    f"licenses.{kind} names {name!r}, which the license catalog does not know",
                    help=f"{hint}Use a license id or SPDX id from `selectcheck schema catalog-licenses`'s catalog,"
                    " or add the license to your policy pack's license catalog.",
                )


def _absolute(path: Path | str) -> Path:
    """Absolute and normalised without touching the file system (resolve() stats every
    component, which is a measurable share of a 100,000-record run)."""
    text = os.fspath(path)
    if not os.path.isabs(text):
        text = os.path.join(_CWD.get() or os.getcwd(), text)
    return Path(os.path.normpath(text))


class _WorkingDirectory:
    """The working directory, read once per run instead of once per path."""

    def __init__(self) -> None:
        self.value: str | None = None

    def get(self) -> str | None:
        return self.value


_CWD = _WorkingDirectory()


def _read_limited(path: Path) -> bytes | None:
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_RECORD_BYTES + 1)
    except OSError:
        return None


def _scan_bytes(raw: bytes | None) -> Any:
    """Summary fields of another record; unreadable files summarise as nothing (they are
    reported when that file itself is checked)."""
    if raw is None or len(raw) > MAX_RECORD_BYTES or b"\x00" in raw:
        return None
    try:
        return scan_summary(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return None


def _summary(display: str, data: Any) -> RecordSummary:
    if not isinstance(data, dict):
        return RecordSummary(display, None, None, (), None)
    rid = data.get("id")
    supersedes = data.get("supersedes")
    superseded_by = data.get("superseded_by")
    status = data.get("status")
    return RecordSummary(
        display,
        rid if isinstance(rid, str) else None,
        status if isinstance(status, str) else None,
        tuple(s for s in supersedes if isinstance(s, str)) if isinstance(supersedes, list) else (),
        superseded_by if isinstance(superseded_by, str) else None,
    )
