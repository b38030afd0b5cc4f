"""Reading files that a pull request controls, safely.

Records, policies and catalogs are data from pull requests, and so is the shape of the tree
they sit in: a record file may be a symbolic link to `/etc/passwd`, a record directory a link
to `/`, an entry a FIFO that blocks a reader forever or a device that never ends. So:

* only regular files are read, opened without following a link and without blocking, and
  checked with `fstat` on the open descriptor (no window between the check and the read);
* at most the size limit plus one byte is read, so a huge file is never read whole;
* directories are walked without following links; links and other non-regular entries
  that look like records are returned as refusals, to be reported, never silently skipped;
* messages name the path in the repository, never a link's target.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

RECORD_SUFFIXES = (".yaml", ".yml")

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class RefusedFile(Exception):
    """A path that selectcheck will not read; the message says why without quoting a target."""


def read_regular(path: Path, limit: int) -> bytes:
    """At most `limit + 1` bytes of the regular file at `path`.

    Raises `RefusedFile` for a symbolic link or anything that is not a regular file, and
    `OSError` when the file cannot be opened or read."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP or (exc.errno in (errno.EMLINK, errno.ENOTDIR) and os.path.islink(path)):
            raise RefusedFile("it is a symbolic link, which selectcheck does not follow") from exc
        raise
    with open(descriptor, "rb", closefd=True) as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            raise RefusedFile(f"it is {kind}, not a regular file")
        return handle.read(limit + 1)


def linked_component(path: Path, root: Path) -> Path | None:
    """The first component of `path`, from `root` down (or the path itself when it lies
    outside `root`), that is a symbolic link; None when there is none."""
    absolute = Path(os.path.abspath(path))
    try:
        parts = absolute.relative_to(root).parts
    except ValueError:
        return absolute if absolute.is_symlink() else None
    current = root
    for part in parts:
        current = current / part
        if current.is_symlink():
            return current
    return None


@dataclass(frozen=True, slots=True)
class WalkedFile:
    """A record-like entry of a directory: `refusal` is None for a regular file."""

    path: Path
    refusal: str | None = None


def walk_records(directory: Path) -> Iterator[WalkedFile]:
    """Record files (`.yaml`, `.yml`) below `directory`, without following
    links; hidden files and directories (a leading dot) are not records. Links (to files or
    to directories) and other non-regular entries are yielded with their refusal."""
    for current, dirs, files in os.walk(directory, followlinks=False):
        dirs.sort()
        base = Path(current)
        for name in list(dirs):
            if name.startswith("."):
                dirs.remove(name)
            elif (base / name).is_symlink():
                dirs.remove(name)
                yield WalkedFile(base / name, "it is a symbolic link to a directory, which selectcheck does not follow")
        for name in sorted(files):
            if name.startswith(".") or not name.endswith(RECORD_SUFFIXES):
                continue
            path = base / name
            try:
                mode = path.lstat().st_mode
            except OSError:
                continue  # gone since the directory was listed
            if stat.S_ISLNK(mode):
                yield WalkedFile(path, "it is a symbolic link, which selectcheck does not follow")
            elif not stat.S_ISREG(mode):
                kind = next((label for test, label in _KINDS if test(mode)), "not a regular file")
                yield WalkedFile(path, f"it is {kind}, not a regular file")
            else:
                yield WalkedFile(path)
