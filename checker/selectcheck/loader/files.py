"""Reading files that a pull request controls, safely.

Records, policies and catalogs are data from pull requests, and so is the shape of the tree
they sit in: a record file may be a symbolic link to `/etc/passwd`, a record directory a link
to `/`, an entry a FIFO that blocks a reader forever or a device that never ends. So:

* only regular files are read, opened without following a link and without blocking, and
  checked with `fstat` on the open descriptor (no window between the check and the read);
* at most the size limit plus one byte is read, so a huge file is never read whole;
* directories are walked without following links; links and other non-regular entries
  that look like records are returned as refusals, to be reported, never silently skipped;
* messages name the path in the repository, never a link's target, and file names reach
  reports with the bytes that are not UTF-8 and control characters escaped;
* what selectcheck writes (reports, its catalog cache) replaces a file whole or not at all.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
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


_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable_name(name: str) -> tuple[str, str | None]:
    """The name as every report can carry it, and what had to be escaped in it (or None).

    POSIX names are bytes; Python keeps the bytes that are not UTF-8 as lone surrogates,
    which no UTF-8 report can encode, and a newline in a name would split a report line.
    Both become escapes such as `\\xe9`.
    """
    try:
        raw = name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that no file name produced
        raw = name.encode("utf-8", "backslashreplace")
    escaped = raw.decode("utf-8", "backslashreplace")
    problem = None if escaped == name else "is not UTF-8"
    if _CONTROL_CHARACTER.search(escaped):
        escaped = _CONTROL_CHARACTER.sub(lambda m: f"\\x{ord(m.group()):02x}", escaped)
        problem = problem or "contains control characters"
    return escaped, problem


def shortened(name: str, limit: int = 80) -> str:
    """A name for a one-line message: printable, and its middle cut when it is long."""
    text = printable_name(name)[0]
    return text if len(text) <= limit else f"{text[: limit // 2]}…{text[-limit // 2 :]}"


def write_atomically(target: Path, text: str | bytes) -> None:
    """Replace `target` with `text` (or bytes) whole, or leave it as it was.

    The report goes to a temporary file in the same directory, which is renamed over the
    target only once it is complete: a full disk, a killed run or two runs writing the same
    file never leave a truncated or interleaved report where a reader (the Action, a SARIF
    upload) would take it for this run's. A target that is not a regular file
    (`/dev/stdout`, a pipe) is written as it is: it holds no earlier report to protect.
    """
    try:
        if not stat.S_ISREG(target.stat().st_mode):
            with target.open("wb") as stream:
                stream.write(text if isinstance(text, bytes) else text.encode("utf-8"))
            return
    except FileNotFoundError:
        pass
    if target.is_symlink():
        target = target.resolve()  # replace the file it names, not the link
    target.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # only writes need it: kept off the start-up path

    handle, temporary = tempfile.mkstemp(prefix=f".{target.name[:64]}.", suffix=".tmp", dir=target.parent)
    try:
        # No fsync: a killed process loses nothing the kernel has accepted, and a report is
        # regenerated by the next run; only the rename has to come after the last write.
        with os.fdopen(handle, "wb") as stream:
            stream.write(text if isinstance(text, bytes) else text.encode("utf-8"))
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
