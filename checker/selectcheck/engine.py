"""The pipeline: files → located documents → schema → typed records → rules → diagnostics.

One broken record never hides the others: every file is checked on its own, and a file
that cannot be parsed still gets its located diagnostic while the rest go on. Cross-record
rules see every record of the configured record directories, even when only some files
are passed (pre-commit passes only the changed ones).
"""

from __future__ import annotations

import contextlib
import datetime
import difflib
import gc
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from selectcheck import __version__
from selectcheck.analysis.candidates import record_workload_memory
from selectcheck.analysis.context import ProjectIndex, RecordContext, RecordSummary, RunOptions
from selectcheck.catalog import Catalog, catalog_for
from selectcheck.diagnostics import FILE_START, Diagnostic, FileResult, Report, Severity, Span, Stage
from selectcheck.errors import ConfigError
from selectcheck.loader import LoadedDocument, load_bytes, load_path
from selectcheck.loader.files import (
    RefusedFile,
    WalkedFile,
    linked_component,
    printable_name,
    read_regular,
    shortened,
    walk_records,
)
from selectcheck.loader.summary import scan_summary
from selectcheck.loader.yaml_loader import has_pointer, unreadable
from selectcheck.model.record import Record, Waiver
from selectcheck.policy_loader import LoadedPolicy
from selectcheck.rules.registry import Rule, all_rules, rule_table
from selectcheck.rules.sc008_schema_modeline import CODE as MODELINE_CODE
from selectcheck.rules.sc008_schema_modeline import check_modeline
from selectcheck.schema_check import validate_document, yaml11_notes

if TYPE_CHECKING:
    from selectcheck.history import GitFile, History

SUPPORTED_SCHEMA_VERSIONS = (1,)
MAX_RECORD_BYTES = 1024 * 1024
# Bytes of checked files kept between indexing and checking (each file is read once).
CONTENT_CACHE_BYTES = 16 * 1024 * 1024
# Below this many files per process, forking costs more than it saves.
MIN_FILES_PER_JOB = 200
REFUSAL_HELP = "Commit the record itself as a regular file inside the record directory."
T = TypeVar("T")


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
    # Why the file is not read (a link, a FIFO…): reported as SC005 instead of a check.
    refusal: str | None = None
    # `path` made absolute and normalised, where `expand` found it.
    absolute: Path | None = None
    # Why the name cannot be shown as it is (not UTF-8, control characters): SC005, and the
    # file is still checked.
    name_problem: str | None = None


@dataclass(slots=True)
class CheckSession:
    """One run's policy, rule selection and options; checks files into a Report."""

    loaded_policy: LoadedPolicy
    selection: Selection = field(default_factory=Selection)
    options: RunOptions = field(default_factory=RunOptions)
    _catalog: Catalog | None = None
    _internal_errors: list[str] = field(default_factory=list)
    _active: list[Rule] | None = None
    _cwd: Path = field(default_factory=lambda: _absolute(Path.cwd()))
    # The `$id` of each schema file a modeline names, read once per run (SC008).
    _schema_ids: dict[Path, str | None] = field(default_factory=dict)
    # The readable record files of each directory `expand` walked (absolute paths): the index
    # takes them from here instead of walking the directory again.
    _walked: dict[Path, list[Path]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_policy_rules(self.loaded_policy)

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

    def _relative(self, path: Path, absolute: Path | None = None) -> str:
        absolute = absolute or _absolute(path)
        for base in (self._cwd, self.loaded_policy.root):
            try:
                return absolute.relative_to(base).as_posix()
            except ValueError:
                continue
        return path.as_posix()

    def expand(self, paths: Sequence[Path]) -> list[Source]:
        """The record files under `paths`. Nothing behind a symbolic link is read: a pull
        request could point one anywhere (a record directory that is a link is a
        configuration error; a linked or non-regular record file gets SC005)."""
        sources: list[Source] = []
        seen: set[Path] = set()
        root = self.loaded_policy.root
        for path in paths:
            try:
                link = linked_component(path, root)
                exists, is_dir = path.exists(), path.is_dir()
            except OSError as exc:  # a name longer than the system allows, a symlink loop
                raise ConfigError(
                    f"cannot use the path {shortened(path.as_posix())}: {exc.strerror}",
                    help="Check the paths you passed.",
                ) from exc
            if link is not None and (link != _absolute(path) or is_dir):
                raise ConfigError(
                    f"{self.display(link)} is a symbolic link; selectcheck does not follow links to records",
                    help="Check the directory the records really live in (a link could point outside the repository).",
                )
            if link is None and not exists:
                shown = shortened(path.as_posix(), 1000)
                raise ConfigError(f"no such file or directory: {shown}", help="Check the paths you passed.")
            listed = self._walked.setdefault(_absolute(path), []) if link is None and is_dir else []
            walked = (
                sorted(walk_records(path), key=lambda w: w.path)
                if link is None and is_dir
                else [
                    WalkedFile(
                        path, None if link is None else "it is a symbolic link, which selectcheck does not follow"
                    )
                ]
            )
            for item in walked:
                absolute = _absolute(item.path)
                if item.refusal is None:
                    listed.append(absolute)
                if absolute not in seen:
                    seen.add(absolute)
                    display, problem = printable_name(self._relative(item.path, absolute))
                    sources.append(
                        Source(display, item.path, refusal=item.refusal, name_problem=problem, absolute=absolute)
                    )
        return sources

    # ---- the project index ------------------------------------------------------------
    def project_index(self, sources: Sequence[Source], jobs: int = 1) -> ProjectIndex:
        """Summaries of every record in the record directories and of the checked files.

        Summaries come from a light text scan (`loader.summary`) that hands anything it cannot
        read exactly as YAML does to the YAML parser. In one process, the bytes of checked
        files are kept for the check itself (so each file is read once) while they fit the
        cache budget; past it, a file is read again when its turn comes, so memory stays
        bounded however many records a run checks. With `jobs`, forked processes scan slices
        of the files (the index must be whole before any record is checked, so a scan in one
        process would be the part of a large run that does not shrink with more processes).
        """
        checked = {s.absolute or _absolute(s.path) for s in sources if s.content is None and s.path is not None}
        others: list[Path] = []
        for directory in self.loaded_policy.record_dirs:
            if linked_component(directory, self.loaded_policy.root) is not None or not directory.is_dir():
                continue
            listed = self._walked.get(_absolute(directory))
            if listed is None:
                walked = sorted(walk_records(directory), key=lambda w: w.path)
                listed = [_absolute(item.path) for item in walked if item.refusal is None]
            others.extend(path for path in listed if path not in checked)
        index = ProjectIndex()
        if jobs > 1:

            def summarize(start: int, end: int) -> list[RecordSummary]:
                first = len(sources)  # the checked files, then the other records
                return [
                    self._source_summary(sources[i]) if i < first else self._path_summary(others[i - first])
                    for i in range(start, end)
                ]

            for part in _in_processes(summarize, len(sources) + len(others), jobs):
                for summary in part:
                    index.add(summary)
            return index
        budget = CONTENT_CACHE_BYTES
        for source in sources:
            if source.content is None and source.path is not None and source.refusal is None:
                raw = _read_limited(source.path)
                if raw is not None and len(raw) <= min(budget, MAX_RECORD_BYTES):
                    source.content = raw
                    budget -= len(raw)
                index.add(_summary(source.display, _scan_bytes(raw)))
            else:
                index.add(self._source_summary(source))
        for path in others:
            index.add(self._path_summary(path))
        return index

    def _source_summary(self, source: Source) -> RecordSummary:
        raw: bytes | None = source.content
        if raw is None and source.refusal is None and source.path is not None:
            raw = _read_limited(source.path)
        return _summary(source.display, _scan_bytes(raw))

    def _path_summary(self, path: Path) -> RecordSummary:
        return _summary(self.display(path), _scan_bytes(_read_limited(path)))

    # ---- checking -----------------------------------------------------------------------
    def run(self, sources: Sequence[Source], history: History | None = None) -> Report:
        """Check `sources` one at a time: only each file's result outlives its turn. With
        `history`, the git stage's findings join each file's findings before post-processing,
        and records that only the git stage speaks about (deleted ones) follow the sources."""
        with _batch_gc():
            _CWD.value = os.getcwd()
            try:
                return self._check_all(sources, history)
            finally:
                _CWD.value = None

    def _check_all(self, sources: Sequence[Source], history: History | None) -> Report:
        jobs = min(self.options.jobs, len(sources) // MIN_FILES_PER_JOB)
        if jobs > 1 and "fork" not in _start_methods():
            jobs = 1
        project = self.project_index(sources, jobs)
        git_findings = history.findings(self) if history is not None else {}
        self._internal_errors = []
        results: list[FileResult] = []
        if jobs > 1:
            results = self._check_in_parallel(sources, project, git_findings, jobs)
        else:
            results = [self._check_source(source, project, git_findings) for source in sources]
        for git in git_findings.values():
            results.append(self._file_result(git.doc, list(git.diagnostics), record=None))
        return Report(results, rule_table(), __version__, internal_errors=self._internal_errors)

    def _check_in_parallel(
        self, sources: Sequence[Source], project: ProjectIndex, git_findings: dict[str, GitFile], jobs: int
    ) -> list[FileResult]:
        """Check contiguous slices of `sources` in `jobs` forked processes, which inherit the
        session, the project index and the git findings; results come back in source order,
        so the report is the one a single process writes."""
        own = {source.display: git_findings.pop(source.display) for source in sources if source.display in git_findings}

        def check(start: int, end: int) -> tuple[list[FileResult], list[str]]:
            self._internal_errors = []
            return [self._check_source(source, project, own) for source in sources[start:end]], self._internal_errors

        done = _in_processes(check, len(sources), jobs)
        results: list[FileResult] = []
        for slice_results, errors in done:
            results.extend(slice_results)
            self._internal_errors.extend(errors)
        return results

    def _check_source(self, source: Source, project: ProjectIndex, git_findings: dict[str, GitFile]) -> FileResult:
        if source.refusal is not None:
            doc = unreadable(source.display, f"the file is not read: {source.refusal}", REFUSAL_HELP)
        elif source.content is not None:
            doc = load_bytes(source.content, source.display)
            if source.path is not None:
                source.content = None  # cached by project_index; release it now
        else:
            assert source.path is not None
            doc = load_path(source.path, source.display)
        git = git_findings.pop(source.display, None)
        return self.check_document(source, doc, project, git.diagnostics if git else ())

    def check_document(
        self, source: Source, doc: LoadedDocument, project: ProjectIndex, extra: Iterable[Diagnostic] = ()
    ) -> FileResult:
        """Every stage's findings for one file (loader, modeline, schema, rules, and `extra`
        from the git stage), through the one post-processing path."""
        raw = [
            self.diagnostic(failure.code, doc, failure.span, failure.pointer, failure.message, failure.help)
            for failure in doc.failures
        ]
        if source.name_problem is not None:
            raw.append(
                self.diagnostic(
                    "SC005",
                    doc,
                    FILE_START,
                    "",
                    f"the file name {source.name_problem}; reports show it escaped",
                    "Rename the file (`git mv`) to a UTF-8 name without control characters, so every "
                    "report, and GitHub's annotations, can name it.",
                )
            )
        raw.extend(self._modeline(source, doc))
        record: Record | None = None
        if doc.data is not None and not any(f.fatal for f in doc.failures):
            record, stage_diags = self._validate(doc)
            raw.extend(stage_diags)
        context: RecordContext | None = None
        if record is not None:
            assert isinstance(doc.data, dict)
            context = RecordContext(
                record=record,
                data=doc.data,
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
        raw.extend(extra)
        result = self._file_result(doc, raw, record)
        if context is not None and self.options.memory_charts:
            # The markdown report's memory chart, whether or not SC101/SC102 ran (memoised).
            result.memory = list(record_workload_memory(context))
        return result

    def _modeline(self, source: Source, doc: LoadedDocument) -> Iterator[Diagnostic]:
        """SC008 on every readable file, valid or not: a wrong modeline hides exactly the
        schema errors an editor should have shown while the record was written."""
        if not self._enabled(all_rules()[MODELINE_CODE]):
            return
        path = _absolute(source.path or Path(source.display))
        finding = check_modeline(doc.text, path, self.loaded_policy.root, self._schema_ids)
        if finding is not None:
            yield self.diagnostic(MODELINE_CODE, doc, finding.span, "", finding.message, finding.help)

    def diagnostic(
        self, code: str, doc: LoadedDocument, span: Span, pointer: str, message: str, help: str
    ) -> Diagnostic:
        """A finding of any stage, at its rule's default severity (post-processing adjusts it)."""
        rule = all_rules().get(code)
        severity = rule.info.default_severity if rule else Severity.ERROR
        return Diagnostic(code, severity, doc.path, span, pointer, message, help)

    def _validate(self, doc: LoadedDocument) -> tuple[Record | None, list[Diagnostic]]:
        data = doc.data
        if not isinstance(data, dict):
            return None, [
                self.diagnostic(
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
                self.diagnostic(
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
            self.diagnostic("SC002", doc, doc.locate(v.pointer, key=v.at_key), v.pointer, v.message, v.help)
            for v in violations
        ]
        for warning in yaml11_warnings:
            diag = self.diagnostic(
                "SC002", doc, doc.locate(warning.pointer), warning.pointer, warning.message, warning.help
            )
            diag.severity = Severity.WARNING  # valid either way; only YAML 1.1 tools read it differently
            diags.append(diag)
        return record, diags

    @property
    def active_rules(self) -> list[Rule]:
        """Rule functions that are on and selected, worked out once per run."""
        if self._active is None:
            self._active = [rule for rule in all_rules().values() if rule.check is not None and self._enabled(rule)]
        return self._active

    def _enabled(self, rule: Rule) -> bool:
        if not rule.info.configurable:
            return True  # input checks: no policy or flag switches them off
        return self.loaded_policy.policy.rules.get(rule.code) != "off" and self.selection.enabled(rule.code)

    def _run_rules(self, context: RecordContext) -> Iterator[Diagnostic]:
        for rule in self.active_rules:
            assert rule.check is not None
            try:
                findings = list(rule.check(context))
            except Exception as exc:  # a bug in a rule must not hide the other records
                self._internal_errors.append(
                    f"{context.display_path}: internal error in {rule.code}: {type(exc).__name__}: {exc}"
                )
                continue
            for finding in findings:
                span = context.doc.locate(finding.pointer, key=finding.at_key)
                diag = self.diagnostic(rule.code, context.doc, span, finding.pointer, finding.message, finding.help)
                diag.links = finding.links
                yield diag

    # ---- post-processing: severity → selection → waivers → sort ------------------------
    def _file_result(self, doc: LoadedDocument, raw: list[Diagnostic], record: Record | None) -> FileResult:
        """The one path every finding takes before the report: the policy's severities, the
        run's selection, the record's waivers (judged only for a typed record; a file the
        git stage alone reports uses its waivers as written), then file order."""
        kept = self._configured(raw)
        if record is not None:
            waivers, judge = [_Waiver.of(w, i) for i, w in enumerate(record.waivers)], True
        else:
            waivers, judge = _Waiver.from_data(doc.data), False
        record_date = record.date if record is not None else _as_date(_get(doc.data, "date"))
        kept.extend(self._configured(self._apply_waivers(kept, waivers, record_date, doc, judge)))
        kept.sort(key=lambda d: d.sort_key())
        result = FileResult(doc.path, kept)
        result.describe(doc.data)
        if kept:
            result.keep_source(doc.lines)
        return result

    def _configured(self, diags: Iterable[Diagnostic]) -> list[Diagnostic]:
        overrides = self.loaded_policy.policy.rules
        rules = all_rules()
        kept: list[Diagnostic] = []
        for diag in diags:
            rule = rules.get(diag.code)
            if rule is not None and not rule.info.configurable:
                kept.append(diag)
                continue
            setting = overrides.get(diag.code)
            if setting == "off" or not self.selection.enabled(diag.code):
                continue
            if setting is not None:
                diag.severity = Severity(setting)
            kept.append(diag)
        return kept

    def _apply_waivers(
        self,
        diags: list[Diagnostic],
        waivers: list[_Waiver],
        record_date: datetime.date | None,
        doc: LoadedDocument,
        judge: bool,
    ) -> list[Diagnostic]:
        """Mark waived diagnostics. Judging a typed record's waivers also reports expired or
        too long ones (SC406) and those that waive nothing or cannot waive (SC407)."""
        extra: list[Diagnostic] = []
        today = self.options.today
        max_days = self.loaded_policy.policy.waivers.max_days
        rules = all_rules()
        for waiver in waivers:
            pointer = f"/waivers/{waiver.index}"

            def report(code: str, field: str, message: str, help: str, pointer: str = pointer) -> None:
                if judge:
                    at = f"{pointer}/{field}"
                    extra.append(self.diagnostic(code, doc, doc.locate(at), at, message, help))

            rule = rules.get(waiver.rule)
            limit = _add_days(record_date, max_days)
            if waiver.expires < today:
                report(
                    "SC406",
                    "expires",
                    f"the waiver of {waiver.rule} expired on {waiver.expires.isoformat()}",
                    "Fix the finding, or renew the waiver with a new approval and expiry date.",
                )
            elif limit is not None and waiver.expires > limit:
                report(
                    "SC406",
                    "expires",
                    f"the waiver of {waiver.rule} runs to {waiver.expires.isoformat()}, more than the "
                    f"policy's {max_days} days after the record's date ({limit.isoformat()})",
                    f"Set `expires` on or before {limit.isoformat()}; renew it when it runs out.",
                )
            elif rule is not None and not rule.info.waivable:
                report(
                    "SC407",
                    "rule",
                    f"{waiver.rule} cannot be waived: SC0xx findings mean the record cannot be read",
                    "Fix the file instead and delete this waiver.",
                )
            else:
                matched = [d for d in diags if d.code == waiver.rule and not d.waived]
                # The git stage's rules fire only when a change is checked against a base
                # revision, so their waivers are never judged unused.
                if not matched and not (rule is not None and rule.stage is Stage.GIT):
                    report(
                        "SC407",
                        "rule",
                        f"the waiver of {waiver.rule} is unused: the rule no longer fires for this record",
                        "Delete the waiver; it would silently hide a future finding.",
                    )
                for diag in matched:
                    diag.waived = True
                    diag.waiver_reason = waiver.describe()
        return extra


# The work of `_in_processes`, which its forked workers inherit (a closure over the session,
# the sources and the project index: nothing but the slice bounds is pickled to them).
_FORKED_WORK: Callable[[int, int], Any] | None = None


def _start_methods() -> list[str]:
    """Whether this platform can fork; multiprocessing is imported only for runs big enough
    to use it (a one-file pre-commit run never does)."""
    import multiprocessing

    return multiprocessing.get_all_start_methods()


def _in_processes(work: Callable[[int, int], T], count: int, jobs: int) -> list[T]:
    """`work(start, end)` over contiguous slices of `range(count)` in `jobs` forked processes;
    the results in slice order, so whatever is built from them is what one process builds.
    Several slices per process even out their speeds."""
    global _FORKED_WORK
    size = max(MIN_FILES_PER_JOB // 4, -(-count // (jobs * 8)))
    slices = [(start, min(start + size, count)) for start in range(0, count, size)]
    _FORKED_WORK = work
    try:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            return pool.map(_run_forked, slices, chunksize=1)
    finally:
        _FORKED_WORK = None


def _run_forked(bounds: tuple[int, int]) -> Any:
    assert _FORKED_WORK is not None
    with _batch_gc():
        _CWD.value = os.getcwd()
        return _FORKED_WORK(*bounds)


@dataclass(frozen=True, slots=True)
class _Waiver:
    """One entry of a record's `waivers:`, from the typed record or, for a file only the git
    stage reports (a deleted record), read leniently from its plain data."""

    index: int
    rule: str
    reason: str
    approved_by: str
    expires: datetime.date

    @classmethod
    def of(cls, waiver: Waiver, index: int) -> _Waiver:
        return cls(index, waiver.rule, waiver.reason, waiver.approved_by, waiver.expires)

    @classmethod
    def from_data(cls, data: Any) -> list[_Waiver]:
        entries = _get(data, "waivers")
        found: list[_Waiver] = []
        for index, entry in enumerate(entries if isinstance(entries, list) else ()):
            expires = _as_date(_get(entry, "expires"))
            rule = _get(entry, "rule")
            if isinstance(rule, str) and expires is not None:
                found.append(cls(index, rule, str(_get(entry, "reason")), str(_get(entry, "approved_by")), expires))
        return found

    def describe(self) -> str:
        return f"{self.reason} (approved by {self.approved_by}, until {self.expires})"


def _get(data: Any, key: str) -> Any:
    return data.get(key) if isinstance(data, dict) else None


def _as_date(value: Any) -> datetime.date | None:
    """Dates stay strings in loaded data (the schema checks their format)."""
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _add_days(date: datetime.date | None, days: int) -> datetime.date | None:
    """`date` + `days`, or None when there is no date or the sum is past year 9999."""
    if date is None:
        return None
    try:
        return date + datetime.timedelta(days=days)
    except OverflowError:
        return None


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return type(value).__name__


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


def _check_policy_rules(loaded: LoadedPolicy) -> None:
    """`rules:` may only name real codes, and never switch or re-grade an input check (a
    pull request could otherwise pass files that cannot even be read)."""
    rules = all_rules()
    for code, setting in loaded.policy.rules.items():
        rule = rules.get(code)
        if rule is None:
            close = difflib.get_close_matches(code, list(rules), n=1)
            raise ConfigError(
                f"rules: {code} is not a rule code",
                location=_policy_location(loaded, f"/rules/{code}"),
                help=(f"Did you mean `{close[0]}`? " if close else "") + "See `selectcheck rules`.",
            )
        if not rule.info.configurable and setting != rule.info.default_severity.value:
            raise ConfigError(
                f"rules: {code} ({rule.info.name}) cannot be set to {setting!r}: it means a file cannot be "
                "read as written, so it is always on",
                location=_policy_location(loaded, f"/rules/{code}"),
                help=f"Delete `{code}` from `rules:`.",
            )


def _policy_location(loaded: LoadedPolicy, pointer: str) -> str | None:
    """`path:line:col` of `pointer` in the first policy file of the chain that sets it."""
    for source in loaded.sources:
        if source.suffix in (".yaml", ".yml"):
            doc = load_path(source, str(source))
            if doc.data is not None and has_pointer(doc.data, pointer):
                span = doc.locate(pointer, key=True)
                return f"{source}:{span.line}:{span.column}"
    return str(loaded.sources[0]) if loaded.sources else None


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
        return read_regular(path, MAX_RECORD_BYTES)
    except (OSError, RefusedFile):
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
