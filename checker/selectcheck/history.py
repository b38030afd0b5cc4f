"""Decisions as history: git-aware checks (SC404, SC411) and `validate --changed-since`.

A decision record, once accepted, is history: it may be deprecated or superseded, never
rewritten or deleted. This module compares the record set with the merge base of a base
revision and HEAD:

* the base is `--changed-since REV`, else `origin/$GITHUB_BASE_REF` under GitHub Actions
  (`GITHUB_ACTIONS=true`, pull-request events), else there are no git checks at all;
* the comparison is from the merge base to the working tree (what selectcheck checks is
  what is on disk; in CI that is HEAD), untracked record files counting as added;
* renames are followed by record id, not by git's similarity guess: a settled record whose
  path disappeared is matched with an added file that carries the same `id`;
* SC404: a settled record (status `accepted`, `deprecated` or `superseded` at the base)
  whose content changed except `status`, `superseded_by` and `waivers`, and any status
  change the lifecycle forbids (`rejected` → `accepted` in place, `accepted` → `proposed`…);
* SC411: a settled record deleted instead of deprecated or superseded.

Git is only read: plumbing commands (`rev-parse`, `merge-base`, `diff-index`, `ls-files`,
`hash-object` without `-w`) and blob reads; no checkout, no fetch, no index refresh.
gitpython is imported inside `resolve_history`, so runs without git checks never load it.
A shallow clone or a missing base revision is a configuration error (exit code 2) that
says what to fetch, never a silent "no changes".
"""

from __future__ import annotations

import datetime
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from selectcheck.catalog import MAX_CATALOG_BYTES
from selectcheck.diagnostics import Diagnostic, Span
from selectcheck.errors import ConfigError
from selectcheck.loader import LoadedDocument, LoadLimits, load_bytes, load_path
from selectcheck.loader.files import RECORD_SUFFIXES
from selectcheck.loader.yaml_loader import has_pointer, join_pointer
from selectcheck.policy_diff import PolicyChange, loosened
from selectcheck.policy_loader import load_policy
from selectcheck.rules.registry import all_rules

if TYPE_CHECKING:
    from selectcheck.engine import CheckSession, Source

# The base revision's YAML and TOML files copied to load its policy: enough for any policy
# pack; a repository with more keeps its policy files among the first in path order.
MAX_BASE_POLICY_FILES = 20_000
# Fields an accepted record may still change: its lifecycle and its accountability.
MUTABLE_FIELDS = ("status", "superseded_by", "waivers")
# Statuses a record reaches only through acceptance: its content is history from then on.
SETTLED = frozenset({"accepted", "deprecated", "superseded"})
# Status changes a record may make in place (a new decision takes a new record).
TRANSITIONS: Mapping[str, frozenset[str]] = {
    "proposed": frozenset({"proposed", "accepted", "rejected", "deprecated", "superseded"}),
    "accepted": frozenset({"accepted", "deprecated", "superseded"}),
    "deprecated": frozenset({"deprecated", "superseded"}),
    "superseded": frozenset({"superseded"}),
    "rejected": frozenset({"rejected"}),
}
_TRANSITION_HELP = {
    "accepted": "An accepted decision can only become deprecated or superseded.",
    "deprecated": "A deprecated decision can only become superseded; to reinstate it, "
    "write a new record that supersedes it.",
    "superseded": "A superseded decision stays superseded; its successor carries the decision now.",
    "rejected": "A rejected record is final; to take that option after all, write a new "
    "record (it may cite this one) and keep this one rejected.",
}


def base_revision(changed_since: str | None, environ: Mapping[str, str] = os.environ) -> tuple[str, str] | None:
    """(revision, where it came from), or None when no git checks apply."""
    if changed_since:
        return changed_since, "--changed-since"
    if environ.get("GITHUB_ACTIONS") == "true":
        ref = environ.get("GITHUB_BASE_REF", "").strip()
        if ref:
            return f"origin/{ref}", "GITHUB_BASE_REF"
    return None


def resolve_history(root: Path, changed_since: str | None) -> History | None:
    """Open the repository around `root` and compare it with the merge base of the base
    revision and HEAD; None when neither `--changed-since` nor a GitHub pull request asks
    for git checks. Raises `ConfigError` (exit code 2) when the comparison is impossible."""
    wanted = base_revision(changed_since)
    if wanted is None:
        return None
    rev, origin = wanted
    if rev.startswith("-") or any(c in rev for c in "\0\n\r") or rev.strip() != rev:
        raise ConfigError(
            f"{rev!r} ({origin}) is not a git revision",
            help="Pass a branch, tag or commit, for example `--changed-since origin/main`.",
        )
    try:
        import git
    except ImportError as exc:  # gitpython missing, or no `git` executable on PATH
        raise ConfigError(
            f"git checks ({origin}) need gitpython and the git executable: {exc}",
            help="Install git, or run without --changed-since.",
        ) from exc
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise ConfigError(
            f"{origin} asks for git checks, but {root} is not inside a git repository",
            help="Run selectcheck inside the repository's checkout (actions/checkout in CI), or drop --changed-since.",
        ) from exc
    if repo.bare or repo.working_tree_dir is None:
        raise ConfigError(f"{repo.git_dir} is a bare repository; git checks need a checkout")
    # Read-only: only plumbing runs (see `_changes`); no optional locks and no credential
    # prompt either, as a second line of defence.
    repo.git.update_environment(GIT_OPTIONAL_LOCKS="0", GIT_TERMINAL_PROMPT="0")
    try:
        return _open_history(repo, rev, origin)
    except BaseException:
        repo.close()
        raise


def _fetch_help(rev: str, shallow: bool) -> str:
    ref = rev[len("origin/") :] if rev.startswith("origin/") else None
    checkout = "In GitHub Actions set `fetch-depth: 0` on actions/checkout (`with: {fetch-depth: 0}`)"
    if ref is not None:
        fetch = f"git fetch {'--unshallow ' if shallow else ''}origin +refs/heads/{ref}:refs/remotes/origin/{ref}"
    else:
        fetch = "git fetch --unshallow" if shallow else f"git fetch origin {rev}"
    return f"{checkout}; elsewhere run `{fetch}` before selectcheck."


@dataclass
class _Git:
    """The few read-only git commands, with exit codes instead of exceptions."""

    repo: Any

    def run(self, *args: str) -> tuple[int, str, str]:
        import git

        command = [git.Git.GIT_PYTHON_GIT_EXECUTABLE or "git", *args]
        try:
            status, out, err = self.repo.git.execute(
                command, with_extended_output=True, with_exceptions=False, stdout_as_string=False
            )
        except git.GitCommandNotFound as exc:
            raise ConfigError(f"the git executable cannot be run: {exc}", help="Install git.") from exc
        text = out.decode("utf-8", "surrogateescape") if isinstance(out, bytes) else str(out or "")
        return int(status or 0), text, str(err or "")

    def feed(self, args: Sequence[str], stdin: bytes) -> bytes:
        """Run a git command that reads its requests from standard input (`cat-file --batch`)."""
        import git

        command = [git.Git.GIT_PYTHON_GIT_EXECUTABLE or "git", *args]
        environment = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}
        try:
            done = subprocess.run(
                command, input=stdin, capture_output=True, cwd=self.repo.working_tree_dir, env=environment, check=False
            )
        except OSError as exc:
            raise ConfigError(f"the git executable cannot be run: {exc}", help="Install git.") from exc
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
            raise ConfigError(f"git {args[0]} failed: {message}")
        return done.stdout

    def check(self, *args: str) -> str:
        status, out, err = self.run(*args)
        if status != 0:
            message = err.strip().splitlines()[-1] if err.strip() else f"exit status {status}"
            help = None
            if "dubious ownership" in err:
                help = 'Mark the checkout as safe: git config --global --add safe.directory "$PWD".'
            raise ConfigError(f"git {args[0]} failed: {message}", help=help)
        return out


@dataclass
class History:
    """What changed between the merge base and the working tree, and the checks on it."""

    repo: Any
    rev: str
    origin: str
    merge_base: str
    worktree: Path
    # posix path relative to the worktree → A (added), M (modified) or D (deleted)
    changes: dict[str, str] = field(default_factory=dict)

    @property
    def base_label(self) -> str:
        return f"the merge base with {self.rev} ({self.merge_base[:10]})"

    # ---- which files to check -------------------------------------------------------------
    def changed_paths(self) -> set[Path]:
        """Absolute paths of files added or modified since the merge base."""
        return {(self.worktree / p).resolve() for p, s in self.changes.items() if s != "D"}

    def filter_sources(self, sources: Sequence[Source], session: CheckSession | None = None) -> list[Source]:
        """Keep the sources changed since the merge base (stdin is kept). When the policy or a
        catalog it loads changed, every source is kept: the rules themselves changed."""
        changed = self.changed_paths()
        if session is not None:
            loaded = session.loaded_policy
            policy_files = [*loaded.sources, *(p for paths in loaded.catalog_files.values() for p in paths)]
            if any(p.resolve() in changed for p in policy_files):
                return list(sources)
        return [s for s in sources if s.path is None or s.path.resolve() in changed]

    # ---- SC404 / SC411 ----------------------------------------------------------------------
    def findings(self, session: CheckSession) -> dict[str, GitFile]:
        """SC404 and SC411 findings for every changed record of the record directories,
        whether or not it is among the checked files, and SC009 for a policy that loosens
        the base revision's, by the file's display path."""
        try:
            files = _Checker(self, session).run()
            for change_file in self.policy_findings(session):
                files.setdefault(change_file.doc.path, GitFile(change_file.doc)).diagnostics.extend(
                    change_file.diagnostics
                )
            return files
        finally:
            self.repo.close()

    def policy_findings(self, session: CheckSession) -> list[GitFile]:
        """SC009 for every way the effective policy loosens the base revision's. The base
        policy is loaded from a temporary copy of the base revision's YAML and TOML files
        (outside the record directories); nothing is checked out."""
        head = session.loaded_policy
        excluded = [f"{self._relative(d)}/" for d in head.record_dirs if self._relative(d)]
        listing = _Git(self.repo).check("ls-tree", "-r", "-z", "--name-only", self.merge_base)
        wanted = [
            p
            for p in listing.split("\0")
            if p.endswith((".yaml", ".yml", ".toml"))
            and not any(p.startswith(e) for e in excluded)
            # Git never stores such paths, but a crafted object could: nothing is written
            # outside the temporary copy.
            and not PurePosixPath(p).is_absolute()
            and ".." not in PurePosixPath(p).parts
        ][:MAX_BASE_POLICY_FILES]
        blobs = self.base_documents(wanted, limit=MAX_CATALOG_BYTES)
        with tempfile.TemporaryDirectory(prefix="selectcheck-base-") as directory:
            copy = Path(directory).resolve()
            for path, content in blobs.items():
                target = copy / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
            cwd = copy / (self._relative(Path.cwd()) or ".")
            cwd.mkdir(parents=True, exist_ok=True)
            config = self._relative(head.sources[0]) if head.sources else None
            explicit = copy / config if config and (copy / config).is_file() else None
            try:
                base = load_policy(explicit, cwd, root=copy)
            except (ConfigError, OSError):
                return []  # the base's own policy was broken: nothing to compare with
            defaults = {code: r.info.default_severity.value for code, r in all_rules().items()}
            changes = loosened(base, head, defaults)
        return [self._policy_finding(session, change) for change in changes]

    def _relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.worktree).as_posix().strip(".")
        except ValueError:
            return ""

    def _policy_finding(self, session: CheckSession, change: PolicyChange) -> GitFile:
        sources = [p for p in session.loaded_policy.sources if self._relative(p)]
        documents = [load_path(p, session.display(p)) for p in sources if p.suffix in (".yaml", ".yml")]
        # The file that sets it, else the project's own policy file, else (the pull request
        # deleted it) the name the project's policy has by default.
        fallback = LoadedDocument(session.display(sources[0]) if sources else ".selectcheck.yaml", "", None, None)
        setting = [d for d in documents if has_pointer(d.data, change.pointer)]
        doc = (setting or documents or [fallback])[0]
        diag = session.diagnostic(
            "SC009",
            doc,
            doc.locate(change.pointer),
            change.pointer,
            f"the policy loosens the checks against {self.base_label}: {change.message}",
            "Revert the policy change in this pull request, or land it on its own with reviewers' approval: "
            "a weaker policy fails the check until it is part of the base revision.",
        )
        return GitFile(doc, [diag])

    def record_paths(self, session: CheckSession) -> dict[str, str]:
        """The changes inside the configured record directories."""
        prefixes: list[PurePosixPath] = []
        for directory in session.loaded_policy.record_dirs:
            try:
                prefixes.append(PurePosixPath(directory.resolve().relative_to(self.worktree).as_posix()))
            except ValueError:
                continue  # a record directory outside the repository has no history
        selected: dict[str, str] = {}
        for path, status in self.changes.items():
            pure = PurePosixPath(path)
            if pure.suffix not in RECORD_SUFFIXES:
                continue
            for prefix in prefixes:
                if prefix == PurePosixPath(".") or prefix in pure.parents:
                    inner = pure.relative_to(prefix) if prefix != PurePosixPath(".") else pure
                    if not any(part.startswith(".") for part in inner.parts):
                        selected[path] = status
                    break
        return selected

    def base_documents(self, paths: Sequence[str], limit: int = LoadLimits().max_bytes) -> dict[str, bytes]:
        """The content at the merge base of each path that was a blob within the size limit,
        read in two `git cat-file` processes however many paths there are."""
        wanted = [p for p in paths if "\n" not in p and "\r" not in p]
        if not wanted:
            return {}
        gitcmd = _Git(self.repo)
        specs = "".join(f"{self.merge_base}:{p}\n" for p in wanted).encode("utf-8", "surrogateescape")
        sizes = gitcmd.feed(["cat-file", "--batch-check"], specs).split(b"\n")
        readable = [
            p
            for p, line in zip(wanted, sizes, strict=False)
            if len(parts := line.split()) == 3 and parts[1] == b"blob" and int(parts[2]) <= limit
        ]
        out = gitcmd.feed(
            ["cat-file", "--batch"],
            "".join(f"{self.merge_base}:{p}\n" for p in readable).encode("utf-8", "surrogateescape"),
        )
        blobs: dict[str, bytes] = {}
        position = 0
        for path in readable:
            end = out.index(b"\n", position)
            size = int(out[position:end].split()[2])
            blobs[path] = out[end + 1 : end + 1 + size]
            position = end + 1 + size + 1
        return blobs


def _open_history(repo: Any, rev: str, origin: str) -> History:
    gitcmd = _Git(repo)
    shallow = gitcmd.check("rev-parse", "--is-shallow-repository").strip() == "true"
    status, head, _ = gitcmd.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if status != 0:
        raise ConfigError("HEAD has no commit yet, so there is nothing to compare", help="Commit first.")
    status, base, _ = gitcmd.run("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if status != 0:
        if shallow:
            raise ConfigError(
                f"the base revision {rev} (from {origin}) is not in this clone, which is shallow: "
                "selectcheck cannot tell what this change modified",
                help=_fetch_help(rev, shallow=True),
            )
        raise ConfigError(
            f"unknown base revision {rev} (from {origin}): no branch, tag or commit of that name in this clone",
            help=_fetch_help(rev, shallow=False)
            if rev.startswith("origin/")
            else "Check the name (`git branch -a`), or fetch it: `git fetch origin <branch>`.",
        )
    status, merge_base, err = gitcmd.run("merge-base", base.strip(), head.strip())
    if status == 1 and not merge_base.strip():
        if shallow:
            raise ConfigError(
                f"this clone is shallow and does not reach the merge base of {rev} and HEAD: "
                "selectcheck cannot tell what this change modified",
                help=_fetch_help(rev, shallow=True),
            )
        raise ConfigError(
            f"{rev} and HEAD have no common ancestor (unrelated histories)",
            help="Pass the branch this one was created from, e.g. `--changed-since origin/main`.",
        )
    if status != 0:
        raise ConfigError(f"git merge-base failed: {err.strip() or status}")
    worktree = Path(str(repo.working_tree_dir)).resolve()
    history = History(repo, rev, origin, merge_base.strip(), worktree)
    history.changes = _changes(gitcmd, history.merge_base)
    return history


def _changes(gitcmd: _Git, merge_base: str) -> dict[str, str]:
    """Tracked changes from the merge base to the working tree, plus untracked files as added.

    Plumbing only: porcelain `git diff` refreshes the index and writes it back (even with
    GIT_OPTIONAL_LOCKS=0), `git diff-index` never does. It reports a file whose index stat
    is stale with an unknown (all-zero) new id; such files are hashed (`git hash-object`
    without `-w` writes nothing) and dropped when their content is the base's.
    `--no-renames`: a rename is a delete and an add; records are matched again by id."""
    out = gitcmd.check("diff-index", "-z", "--no-renames", "--ignore-submodules", merge_base, "--")
    fields = out.split("\0")
    changes: dict[str, str] = {}
    unknown: dict[str, str] = {}  # path → its blob id at the merge base
    for meta, path in zip(fields[0::2], fields[1::2], strict=False):
        parts = meta.lstrip(":").split()
        if len(parts) != 5 or not path:
            continue
        old_mode, new_mode, old_id, new_id, status = parts
        letter = status[:1]
        if letter in ("A", "D"):
            changes[path] = letter
            continue
        changes[path] = "M"
        if old_mode == new_mode and set(new_id) == {"0"}:
            unknown[path] = old_id
    paths = sorted(unknown)
    for start in range(0, len(paths), 256):
        chunk = paths[start : start + 256]
        ids = gitcmd.check("hash-object", "--no-filters", "--", *chunk).split()
        for path, blob_id in zip(chunk, ids, strict=False):
            if blob_id == unknown[path]:
                del changes[path]  # only the stat changed
    untracked = gitcmd.check("ls-files", "--others", "--exclude-standard", "-z")
    for path in (f for f in untracked.split("\0") if f):
        changes[path] = "M" if changes.get(path) == "D" else "A"
    return changes


# ---- the checks -------------------------------------------------------------------------------
@dataclass
class _Current:
    """A record as the working tree holds it, loaded for the git checks."""

    path: str
    absolute: Path
    display: str
    doc: LoadedDocument


@dataclass
class GitFile:
    """The git stage's findings on one file: the current record, or a deleted record as it
    was at the merge base."""

    doc: LoadedDocument
    diagnostics: list[Diagnostic] = field(default_factory=list)


class _Checker:
    def __init__(self, history: History, session: CheckSession) -> None:
        self.history = history
        self.session = session
        self.files: dict[str, GitFile] = {}

    def run(self) -> dict[str, GitFile]:
        records = self.history.record_paths(self.session)
        added = [p for p, s in sorted(records.items()) if s == "A"]
        added_by_id: dict[str, _Current] = {}
        for path in added:
            current = self._current(path)
            rid = _get(current.doc.data, "id")
            if isinstance(rid, str):
                added_by_id.setdefault(rid, current)
        blobs = self.history.base_documents([p for p, s in sorted(records.items()) if s != "A"])
        for path, status in sorted(records.items()):
            if status == "A" or path not in blobs:
                continue
            base = load_bytes(blobs[path], self._display(path))
            if not isinstance(base.data, dict):
                continue  # unreadable at the base: nothing to hold it to
            if status == "M":
                self._compare(base, self._current(path), moved_from=None)
                continue
            rid = base.data.get("id")
            moved = added_by_id.pop(rid, None) if isinstance(rid, str) else None
            if moved is not None:
                self._compare(base, moved, moved_from=path)
            else:
                self._deleted(base)
        return self.files

    # -- helpers
    def _display(self, path: str) -> str:
        return self.session.display(self.history.worktree / path)

    def _current(self, path: str) -> _Current:
        absolute = self.history.worktree / path
        display = self._display(path)
        return _Current(path, absolute, display, load_path(absolute, display))

    def _deleted(self, base: LoadedDocument) -> None:
        data = base.data
        status = data.get("status")
        if status not in SETTLED:
            return  # proposed and rejected records may be withdrawn
        rid = data.get("id") if isinstance(data.get("id"), str) else base.path
        if status == "accepted":
            help = (
                f"Restore {base.path} and retire the decision through its status instead: "
                "`status: deprecated`, or `status: superseded` with `superseded_by` naming the successor."
            )
        else:
            help = f"Restore {base.path}: a {status} record stays in the record set as history."
        self._emit(
            "SC411",
            base,
            "/status",
            f"{rid} was {status} at {self.history.base_label} and has been deleted",
            help,
        )

    def _compare(self, base: LoadedDocument, current: _Current, moved_from: str | None) -> None:
        old, new = base.data, current.doc.data
        if not isinstance(new, dict):
            return  # the file's own findings (SC001/SC002…) already fail it
        rid = new.get("id") if isinstance(new.get("id"), str) else old.get("id")
        name = rid if isinstance(rid, str) else current.display
        old_status, new_status = old.get("status"), new.get("status")
        where = f" (moved from {moved_from})" if moved_from else ""
        if (
            isinstance(old_status, str)
            and isinstance(new_status, str)
            and old_status != new_status
            and old_status in TRANSITIONS
            and new_status not in TRANSITIONS[old_status]
        ):
            self._emit(
                "SC404",
                current.doc,
                "/status",
                f"{name}{where} changed status from {old_status} to {new_status} in place, "
                f"which the record lifecycle forbids",
                _TRANSITION_HELP.get(old_status, "Write a new record instead."),
            )
        if old_status not in SETTLED:
            return
        differences = _differences(
            {k: v for k, v in old.items() if k not in MUTABLE_FIELDS},
            {k: v for k, v in new.items() if k not in MUTABLE_FIELDS},
        )
        if not differences:
            return
        located = sorted(
            ((current.doc.locate(pointer), pointer, what) for pointer, what in differences),
            key=lambda item: (item[0].line, item[0].column),
        )
        span, pointer, what = located[0]
        more = len(located) - 1
        also = f" (and {more} more field{'s' if more != 1 else ''})" if more else ""
        article = "An" if old_status == "accepted" else "A"
        self._emit(
            "SC404",
            current.doc,
            pointer,
            f"{name}{where} was {old_status} at {self.history.base_label}, but {pointer} {what}{also}",
            f"{article} {old_status} record is history: revert the edit and record the new "
            f"decision in a new record that supersedes {name}. Only status, superseded_by and "
            "waivers may change.",
            span=span,
        )

    def _emit(
        self, code: str, doc: LoadedDocument, pointer: str, message: str, help: str, span: Span | None = None
    ) -> None:
        diag = self.session.diagnostic(code, doc, span or doc.locate(pointer), pointer, message, help)
        self.files.setdefault(doc.path, GitFile(doc)).diagnostics.append(diag)


def _get(data: Any, key: str) -> Any:
    return data.get(key) if isinstance(data, dict) else None


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, bool) or isinstance(new, bool):
        return type(old) is type(new) and old == new
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return old == new
    return type(old) is type(new) and old == new


def _show(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    text = value.isoformat() if isinstance(value, datetime.date) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _differences(old: Any, new: Any, pointer: str = "") -> list[tuple[str, str]]:
    """(pointer, what happened) for every leaf that differs, in the new document's order."""
    if isinstance(old, dict) and isinstance(new, dict):
        found: list[tuple[str, str]] = []
        for key, value in new.items():
            child = join_pointer(pointer, key)
            if key in old:
                found.extend(_differences(old[key], value, child))
            else:
                found.append((child, "was added"))
        found.extend((join_pointer(pointer, k), "was removed") for k in old if k not in new)
        return found
    if isinstance(old, list) and isinstance(new, list):
        found = []
        for index, (a, b) in enumerate(zip(old, new, strict=False)):
            found.extend(_differences(a, b, join_pointer(pointer, index)))
        found.extend((join_pointer(pointer, i), "was added") for i in range(len(old), len(new)))
        found.extend((join_pointer(pointer, i), "was removed") for i in range(len(new), len(old)))
        return found
    if _same(old, new):
        return []
    return [(pointer or "/", f"changed from {_show(old)} to {_show(new)}")]
