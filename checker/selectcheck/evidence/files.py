"""Cited files: which sources name an evaluation output, and reading one safely.

Records come from pull requests, so a cited path is untrusted: it is read only inside the
repository (no absolute path, no `..`, no symbolic link at all, as for records), only if it
is a regular file (a FIFO would block the check), and only up to a size limit, with the
loader's own safe reader. Nothing is ever fetched from the network: a URL is a citation,
not something to read.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath
from typing import Literal

from selectcheck.loader.files import RefusedFile, linked_component, read_regular

__all__ = [
    "MAX_MODEL_CARD_BYTES",
    "MAX_RESULTS_BYTES",
    "MAX_SAMPLES_BYTES",
    "EvidenceError",
    "SourceKind",
    "classify_source",
    "read_in_repository",
    "read_local",
    "split_fragment",
]

MAX_RESULTS_BYTES = 16 * 1024 * 1024
"""lm-eval results files carry every task's config; a full Open LLM Leaderboard run is a few MB."""
MAX_SAMPLES_BYTES = 64 * 1024 * 1024
"""Per-item files repeat each prompt; an own evaluation of a few thousand items fits easily."""
MAX_MODEL_CARD_BYTES = 1024 * 1024

SourceKind = Literal["url", "lm-eval", "model-card", "text"]

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")


class EvidenceError(Exception):
    """A cited file that cannot be used. The message is a clause about the file ("it does not
    exist in the repository", "line 3 is not valid JSON") for the caller to attach to the
    path; `help` says what to do."""

    def __init__(self, message: str, help: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.help = help


def split_fragment(source: str) -> tuple[str, str | None]:
    """`evals/results.json#ifeval,prompt_level_strict_acc` → (path, "ifeval,prompt_level_strict_acc")."""
    path, hash_sign, fragment = source.strip().partition("#")
    return path.strip(), (fragment.strip() or None) if hash_sign else None


def classify_source(source: str) -> SourceKind:
    """What a score's `source` names: a URL (cited, never read), an lm-eval results file
    (`*.json`), a model card (`README.md`), or anything else (a write-up, a sentence),
    which selectcheck does not read. A model card is cited by its file name, `README.md`, as
    the Hub stores it; keep one folder per model."""
    if _URL.match(source.strip()):
        return "url"
    path, _ = split_fragment(source)
    name = PurePosixPath(path).name.lower()
    if name.endswith(".json"):
        return "lm-eval"
    if name == "readme.md":
        return "model-card"
    return "text"


def read_in_repository(root: Path, relative: str, *, max_bytes: int) -> bytes:
    """The bytes of `relative` (a repository-relative, `/`-separated path) under `root`.

    Raises EvidenceError for a path that is empty, absolute or climbs out with `..`; that
    is, or lies behind, a symbolic link (selectcheck follows none, like the loader); that
    does not exist or is not a regular file; or that is larger than `max_bytes`."""
    check_relative(relative)
    base = Path(os.path.abspath(root))
    path = base / relative
    if linked_component(path, base) is not None:
        raise EvidenceError(
            "it is, or lies behind, a symbolic link, which selectcheck does not follow",
            "Commit the file itself under the repository; selectcheck reads nothing through a link.",
        )
    return _read(
        path,
        max_bytes,
        "it does not exist in the repository",
        "Commit the evaluation output with the record, or correct the path (it is relative to the repository root).",
    )


def read_local(path: Path, *, max_bytes: int) -> bytes:
    """A file named on the command line, read like any other: a regular file, size-limited."""
    return _read(path, max_bytes, "it does not exist", "Check the path.")


def _read(path: Path, max_bytes: int, missing: str, missing_help: str) -> bytes:
    try:
        raw = read_regular(path, max_bytes)
    except RefusedFile as refusal:
        raise EvidenceError(str(refusal), "Cite a committed regular file.") from None
    except FileNotFoundError:
        raise EvidenceError(missing, missing_help) from None
    except IsADirectoryError:
        raise EvidenceError("it is a directory, not a regular file", "Cite the file itself.") from None
    except OSError as exc:
        raise EvidenceError(f"it cannot be read: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:
        raise EvidenceError(
            f"it is larger than the {max_bytes:,}-byte limit for cited files",
            "Cite a smaller file: the results file rather than a log, or a trimmed samples file.",
        )
    return raw


def check_relative(relative: str) -> None:
    """Refuse paths that are not plain repository-relative paths."""
    if not relative:
        raise EvidenceError("the path is empty", "Write the file's path relative to the repository root.")
    if "\x00" in relative:
        raise EvidenceError("the path contains a NUL character")
    if "\\" in relative:
        raise EvidenceError(
            "it uses backslashes",
            "Write repository paths with forward slashes, as git does: `evals/results.json`.",
        )
    if relative.startswith(("/", "~")) or _WINDOWS_DRIVE.match(relative):
        raise EvidenceError(
            "it is an absolute path",
            "Cite files by their path relative to the repository root, so the check works on every "
            "machine and never reads outside the repository.",
        )
    if ".." in PurePosixPath(relative).parts:
        raise EvidenceError(
            "it climbs out of the repository with `..`",
            "Cite files by their path from the repository root, without `..`.",
        )
