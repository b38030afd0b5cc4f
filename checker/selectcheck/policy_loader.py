"""Find, read, merge and validate the policy (DESIGN §4).

Discovery, nearest first, searching upward from the working directory: `.selectcheck.yaml`
(or `.yml`), then a `pyproject.toml` with a `[tool.selectcheck]` table; `--policy PATH`
overrides it. A policy extends `default` (the shipped pack) unless it names another file.
Policies come from pull requests, so they are data only: paths must stay inside the
project (or the shipped pack), URLs are refused, and nothing is ever executed.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from selectcheck.errors import ConfigError
from selectcheck.loader import LoadedDocument, load_path
from selectcheck.loader.files import RefusedFile, read_regular, shortened
from selectcheck.model import compiled
from selectcheck.model.policy import Policy
from selectcheck.resources import DEFAULT_POLICY, POLICY_DIR
from selectcheck.schema_check import validate_document, yaml11_notes

CONFIG_NAMES = (".selectcheck.yaml", ".selectcheck.yml")
CATALOG_KINDS = ("gpus", "models", "benchmarks", "licenses")
MAX_POLICY_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class LoadedPolicy:
    """The merged policy with the files it came from and the paths it names."""

    policy: Policy
    root: Path
    sources: tuple[Path, ...]
    record_dirs: tuple[Path, ...]
    catalog_files: dict[str, tuple[Path, ...]]


def discover_config(start: Path, top: Path | None = None) -> Path | None:
    """The nearest config from `start` upward, never above `top` or the git repository's root
    (a config outside the repository is not the project's). A config that is a symbolic link
    is refused: a pull request could point it anywhere."""
    top = top or next((d for d in (start, *start.parents) if (d / ".git").exists()), None)
    for directory in (start, *start.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_symlink():
                raise ConfigError(
                    f"{candidate} is a symbolic link; selectcheck does not follow links to its policy",
                    help="Commit the policy itself as a regular file.",
                )
            if candidate.is_file():
                return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and not pyproject.is_symlink() and _pyproject_table(pyproject) is not None:
            return pyproject
        if directory == top:
            break
    return None


def _pyproject_table(path: Path) -> dict[str, Any] | None:
    if sys.version_info >= (3, 11):  # imported here: most runs find no pyproject.toml
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        raw = read_regular(path, MAX_POLICY_BYTES)
        if len(raw) > MAX_POLICY_BYTES:
            raise ConfigError(f"{path} is over the {MAX_POLICY_BYTES:,}-byte limit", location=str(path))
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, RefusedFile, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}", location=str(path)) from exc
    table = data.get("tool", {}).get("selectcheck")
    return table if isinstance(table, dict) else None


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _resolve(path: Path) -> tuple[Path, str | None]:
    """`path` resolved, and why the file system refuses it as a name (longer than it
    allows, a symlink loop, no permission, a NUL character), or None. A path that does not
    exist is not refused here: each caller reports that in its own words."""
    resolved = path
    try:
        resolved = path.resolve()
        resolved.stat()
    except (FileNotFoundError, NotADirectoryError):
        return resolved, None
    except ValueError:  # "embedded null byte": YAML can write "\0"
        return path, "the name contains a NUL character"
    except OSError as exc:
        return path, exc.strerror or type(exc).__name__
    return resolved, None


def _inside(path: Path, *roots: Path) -> bool:
    resolved = path.resolve()
    return any(resolved == r or r in resolved.parents for r in (root.resolve() for root in roots))


class _Reader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.sources: list[Path] = []

    def read_chain(self, path: Path, *, from_toml: bool = False) -> dict[str, Any]:
        """The merged raw policy of `path` and everything it extends."""
        path = path.resolve()
        if path in self.sources:
            chain = " → ".join(_display(p, self.root) for p in [*self.sources, path])
            raise ConfigError(f"policy extends itself in a cycle: {chain}", location=str(path))
        self.sources.append(path)
        data, doc = self._read(path, from_toml)
        # Every policy builds on the shipped one unless it says `extends: none`.
        extends = data.pop("extends", None if path == DEFAULT_POLICY.resolve() else "default")
        parent: dict[str, Any] = {}
        if extends is not None and extends != "none":
            parent = self.read_chain(self._resolve_extends(str(extends), path, doc))
        own = self._absolutize(data, path.parent, doc, path)
        return _merge(parent, own)

    def _resolve_extends(self, extends: str, path: Path, doc: LoadedDocument | None) -> Path:
        location = self._location(doc, "/extends", path)
        if extends == "default":
            return DEFAULT_POLICY
        if "://" in extends:
            raise ConfigError(
                f"extends {extends!r} is a URL; selectcheck never fetches anything",
                location=location,
                help="Vendor the policy into the repository and name its relative path.",
            )
        target, problem = _resolve(path.parent / extends)
        if problem is not None:
            raise ConfigError(f"extends {shortened(extends)!r}: {problem}", location=location)
        if not _inside(target, self.root, POLICY_DIR):
            raise ConfigError(
                f"extends {extends!r} points outside the project",
                location=location,
                help="Policies may only extend files inside the repository.",
            )
        if not target.is_file():
            raise ConfigError(f"extends {extends!r}: no such file", location=location)
        return target

    @staticmethod
    def _location(doc: LoadedDocument | None, pointer: str, path: Path, *, at_key: bool = False) -> str:
        if doc is None:
            return str(path)
        span = doc.locate(pointer, key=at_key)
        return f"{doc.path}:{span.line}:{span.column}"

    def _read(self, path: Path, from_toml: bool) -> tuple[dict[str, Any], LoadedDocument | None]:
        doc: LoadedDocument | None = None
        if from_toml or path.name == "pyproject.toml":
            table = _pyproject_table(path)
            data: Any = {"policy_version": 1, **(table or {})}
        else:
            doc = load_path(path, _display(path, self.root))
            fatal = next((f for f in doc.failures), None)
            if fatal is not None:
                raise ConfigError(
                    f"invalid policy: {fatal.message}",
                    location=f"{doc.path}:{fatal.span.line}:{fatal.span.column}",
                    help=fatal.help,
                )
            data = doc.data
        _, violations = validate_document(data, Policy, "policy.schema.json")
        if doc is not None:
            violations, _ = yaml11_notes(violations, doc.yaml11)
        if violations:
            first = violations[0]
            where = self._location(doc, first.pointer, path, at_key=first.at_key)
            more = f" (and {len(violations) - 1} more problems)" if len(violations) > 1 else ""
            raise ConfigError(f"invalid policy: {first.message}{more}", location=where, help=first.help)
        assert isinstance(data, dict)
        return dict(data), doc

    def _absolutize(self, data: dict[str, Any], base: Path, doc: LoadedDocument | None, path: Path) -> dict[str, Any]:
        """Paths inside a policy are relative to its own file; resolve them now, before merging."""
        result = dict(data)

        def usable(written: str, pointer: str, what: str) -> Path:
            target, problem = _resolve(base / written)
            if problem is not None:
                raise ConfigError(
                    f"{what} {shortened(written)!r}: {problem}",
                    location=self._location(doc, pointer, path),
                    help="Name a file or directory inside the repository.",
                )
            return target

        if "records" in result:
            records = []
            for i, p in enumerate(result["records"]):
                target = usable(p, f"/records/{i}", "record directory")
                if "://" in p or not _inside(target, self.root):
                    raise ConfigError(
                        f"record directory {p!r} is outside the project",
                        help="Record directories must live in the repository.",
                    )
                records.append(str(target))
            result["records"] = records
        if "catalog" in result:
            catalog: dict[str, list[str]] = {}
            for kind, paths in result["catalog"].items():
                resolved = []
                for i, p in enumerate(paths):
                    target = usable(p, f"/catalog/{kind}/{i}", "catalog file")
                    if "://" in p or not _inside(target, self.root, POLICY_DIR):
                        raise ConfigError(
                            f"catalog file {p!r} is outside the project",
                            help="Catalog files must live in the repository.",
                        )
                    resolved.append(str(target))
                catalog[kind] = resolved
            result["catalog"] = catalog
        return result


def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """Child keys win; mappings merge key by key; catalog file lists add up (later files
    override same-id entries); other lists are replaced."""
    merged = dict(parent)
    for key, value in child.items():
        if key == "catalog" and isinstance(value, dict):
            catalog = {k: list(v) for k, v in parent.get("catalog", {}).items()}
            for kind, paths in value.items():
                catalog[kind] = catalog.get(kind, []) + list(paths)
            merged[key] = catalog
        elif isinstance(value, dict) and isinstance(parent.get(key), dict):
            merged[key] = _merge(parent[key], value)
        else:
            merged[key] = value
    return merged


def load_policy(explicit: Path | None = None, cwd: Path | None = None, root: Path | None = None) -> LoadedPolicy:
    """The effective policy for a run in `cwd`; `root`, when given, is the project root (the
    git stage loads the base revision's policy from a copy of its files)."""
    cwd = (cwd or Path.cwd()).resolve()
    if explicit is not None:
        explicit, problem = _resolve(cwd / explicit)
        if problem is not None:
            raise ConfigError(f"cannot use the policy path {shortened(str(explicit))}: {problem}")
        if not explicit.is_file():
            raise ConfigError(
                f"policy file not found: {shortened(str(explicit), 1000)}", help="Check the --policy path."
            )
        config = explicit
        root = root or _project_root(cwd)
    else:
        config = discover_config(cwd, root) or DEFAULT_POLICY
        root = config.parent if config != DEFAULT_POLICY else (root or _project_root(cwd))
    reader = _Reader(root)
    raw = reader.read_chain(config)
    try:
        policy = compiled.validate(Policy, raw)
    except ValidationError as exc:  # the schema passed every file, so only merges can break it
        raise ConfigError(f"invalid merged policy: {exc.errors()[0]['msg']}") from exc
    record_dirs = tuple(Path(p) for p in policy.records) or (root / "records",)
    catalog_files = {kind: tuple(Path(p) for p in getattr(policy.catalog, kind)) for kind in CATALOG_KINDS}
    return LoadedPolicy(policy, root, tuple(reader.sources), record_dirs, catalog_files)


def _project_root(cwd: Path) -> Path:
    """The repository root (nearest directory with .git), else the working directory."""
    for directory in (cwd, *cwd.parents):
        if (directory / ".git").exists():
            return directory
    return cwd
