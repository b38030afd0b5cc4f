"""selectcheck's cache in the user's cache directory: pickled results of work that depends only
on selectcheck's own code and on files it was given (validated catalogs, compiled validators).

Every entry is keyed by what it was made from, so a stale entry is never served: the
*code fingerprint* below (selectcheck's modules, pydantic's and pydantic-core's versions) and,
for catalogs, the SHA-256 of every catalog file. Entries are written to a temporary file and
renamed, so two runs racing never see half an entry. The cache is the user's own, like
Python's `__pycache__`: it lives outside the repository, where a pull request cannot write.
Any problem with it (missing, unwritable, corrupt, from another version) costs only time:
the caller rebuilds what it wanted. Each write removes the oldest entries of its kind beyond
`MAX_ENTRIES_PER_KIND`, so upgrades and edits never make the directory grow without bound.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from functools import cache
from pathlib import Path
from typing import Any

from selectcheck import __version__
from selectcheck.loader.files import write_atomically

CACHE_ENV = "SELECTCHECK_CACHE_DIR"
_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def cache_directory() -> Path | None:
    """`$SELECTCHECK_CACHE_DIR` (empty: no cache), else the platform's user cache directory."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit is not None:
        return Path(explicit) if explicit else None
    base = os.environ.get("XDG_CACHE_HOME") or os.environ.get("LOCALAPPDATA")
    return (Path(base) if base else Path.home() / ".cache") / "selectcheck"


@cache
def code_fingerprint() -> str:
    """Changes whenever selectcheck's code or pydantic changes.

    The version alone is not enough: an editable install keeps its version while its models
    change. Every module's size and modification time (what Python's bytecode cache checks to
    find a stale `.pyc`) is read with one `stat` per file, well under a millisecond.
    """
    import pydantic.version
    import pydantic_core

    key = hashlib.sha256(f"{__version__}\0{pydantic.version.VERSION}\0{pydantic_core.__version__}".encode())
    for root, directories, files in os.walk(_PACKAGE_DIR):
        directories[:] = sorted(d for d in directories if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                status = os.stat(os.path.join(root, name))
                entry = f"\0{root}/{name}\0{status.st_size}\0{status.st_mtime_ns}"
                key.update(entry.encode("utf-8", "surrogateescape"))
    return key.hexdigest()


def cache_file(kind: str, *parts: bytes) -> Path | None:
    """Where the entry of `kind` made from this code and these inputs lives; None: no cache."""
    directory = cache_directory()
    if directory is None:
        return None
    key = hashlib.sha256(code_fingerprint().encode())
    for part in parts:
        key.update(hashlib.sha256(part).digest())
    return directory / f"{kind}-{key.hexdigest()}.pickle"


def load(target: Path | None) -> Any | None:
    """The cached object, or None when there is none (or it cannot be read back)."""
    if target is None:
        return None
    try:
        with target.open("rb") as handle:
            return pickle.load(handle)
    except Exception:  # missing, truncated, or naming code that moved: rebuild it
        return None


# Entries kept per kind: one per version of the code and set of catalogs in use, so a few
# projects and upgrades fit, and the directory never grows without bound.
MAX_ENTRIES_PER_KIND = 16


def store(target: Path | None, value: object) -> None:
    if target is None:
        return
    with contextlib.suppress(OSError, pickle.PicklingError, TypeError, AttributeError):  # a cache: costs only time
        write_atomically(target, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        _prune(target)


def _prune(newest: Path) -> None:
    """Remove the least recently written entries of `newest`'s kind beyond the limit."""
    kind = newest.name.rsplit("-", 1)[0]
    entries = []
    for entry in newest.parent.glob(f"{kind}-*.pickle"):
        with contextlib.suppress(OSError):  # another run may remove it first
            entries.append((entry.stat().st_mtime_ns, entry))
    entries.sort(reverse=True)
    for _, entry in entries[MAX_ENTRIES_PER_KIND:]:
        if entry != newest:
            with contextlib.suppress(OSError):
                entry.unlink()
