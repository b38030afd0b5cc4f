"""How a pull request's policy weakens the checks compared with the base revision's.

A policy arrives in the same pull request as the records it judges, so a change that makes
the checks pass more easily must be visible next to those records. This compares the two
effective (merged) policies and returns every change that loosens them, each at the policy
key that makes it: a rule switched off or down, a record directory moved, a catalog file
added or edited, a threshold relaxed, a license allowed, a task's evidence widened.
Changes that only tighten the checks need no report: they surface as findings on records.
A setting this module does not know the direction of is reported whenever it changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selectcheck.loader.files import RefusedFile, read_regular
from selectcheck.policy_loader import CATALOG_KINDS, MAX_POLICY_BYTES, LoadedPolicy

SEVERITY_RANK = {"off": 0, "info": 1, "warning": 2, "error": 3}
# Numeric settings whose larger value makes the checks pass more easily, and smaller.
LOOSER_WHEN_HIGHER = ("/waivers/max_days", "/evidence/max_age_days")
LOOSER_WHEN_LOWER = (
    "/confidence",
    "/vram/headroom",
    "/vram/warn_headroom",
    "/own_evaluation/min_n",
    "/equivalence/margin",
)
# List settings whose added entries loosen the checks, and whose removed ones.
LOOSER_WHEN_ADDED = ("/licenses/allow", "/human_preference")
LOOSER_WHEN_REMOVED = ("/licenses/deny", "/own_evaluation/required_status")


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """One change of the policy that can make a failing record pass (SC009)."""

    pointer: str  # where the head policy sets it (JSON pointer into the policy document)
    message: str


def loosened(base: LoadedPolicy, head: LoadedPolicy, default_severity: Mapping[str, str]) -> list[PolicyChange]:
    """Every change from `base` to `head` that can make a failing record pass."""
    changes = list(_rule_changes(base, head, default_severity))
    changes.extend(_directory_changes(base, head))
    changes.extend(_catalog_changes(base, head))
    old, new = _settings(base), _settings(head)
    for pointer in sorted(old.keys() | new.keys()):
        before, after = old.get(pointer), new.get(pointer)
        if not (before or after) and before in (None, {}, []) and after in (None, {}, []):
            continue  # an empty mapping or list that appears or goes says nothing
        if before != after and _looser(pointer, before, after):
            changes.append(PolicyChange(pointer, f"{pointer[1:].replace('/', '.')} {_describe(before, after)}"))
    return changes


def _rule_changes(base: LoadedPolicy, head: LoadedPolicy, default: Mapping[str, str]) -> Iterator[PolicyChange]:
    for code in sorted(base.policy.rules.keys() | head.policy.rules.keys()):
        before = str(base.policy.rules.get(code, default.get(code, "error")))
        after = str(head.policy.rules.get(code, default.get(code, "error")))
        if SEVERITY_RANK.get(after, 3) < SEVERITY_RANK.get(before, 3):
            yield PolicyChange(f"/rules/{code}", f"rules: {code} was {before} at the base and is {after} here")


def _directory_changes(base: LoadedPolicy, head: LoadedPolicy) -> Iterator[PolicyChange]:
    before = sorted(_relative(d, base.root) for d in base.record_dirs)
    after = sorted(_relative(d, head.root) for d in head.record_dirs)
    if before != after:
        yield PolicyChange(
            "/records", f"the record directories were {', '.join(before)} at the base and are {', '.join(after)} here"
        )


def _catalog_changes(base: LoadedPolicy, head: LoadedPolicy) -> Iterator[PolicyChange]:
    for kind in CATALOG_KINDS:
        before = {_relative(p, base.root): _digest(p) for p in base.catalog_files.get(kind, ())}
        after = {_relative(p, head.root): _digest(p) for p in head.catalog_files.get(kind, ())}
        for path, digest in after.items():
            if path not in before:
                yield PolicyChange(f"/catalog/{kind}", f"the {kind} catalog {path} was added")
            elif before[path] != digest:
                yield PolicyChange(f"/catalog/{kind}", f"the {kind} catalog {path} was edited")


def _settings(loaded: LoadedPolicy) -> dict[str, Any]:
    """The effective policy as leaves by JSON pointer (paths, rules and catalogs apart)."""
    data = loaded.policy.model_dump(mode="json", exclude={"rules", "records", "catalog", "extends"})
    leaves: dict[str, Any] = {}

    def walk(value: Any, pointer: str) -> None:
        if isinstance(value, dict) and value:
            for key, item in value.items():
                walk(item, f"{pointer}/{key}")
        else:
            leaves[pointer] = value

    walk(data, "")
    return leaves


def _looser(pointer: str, before: Any, after: Any) -> bool:
    if pointer.endswith("/description"):
        return False  # prose
    numbers = isinstance(before, (int, float)) and isinstance(after, (int, float))
    if pointer in LOOSER_WHEN_HIGHER and numbers:
        return bool(after > before)
    if pointer in LOOSER_WHEN_LOWER and numbers:
        return bool(after < before)
    if pointer.startswith("/tasks/") and "/minimums/" in pointer:
        return after is None or (numbers and after < before)
    lists = isinstance(before, list) and isinstance(after, list)
    if pointer in LOOSER_WHEN_ADDED and lists:
        return bool(set(after) - set(before)) or (pointer == "/licenses/allow" and not after)
    if pointer in LOOSER_WHEN_REMOVED and lists:
        return bool(set(before) - set(after))
    if pointer.startswith("/tasks/") and pointer.endswith("/benchmarks") and lists:
        return set(before) != set(after)
    return True  # a change this module cannot judge is shown to the reviewer


def _describe(before: Any, after: Any) -> str:
    if before is None:
        return f"was added ({_show(after)})"
    if after is None:
        return f"was removed (it was {_show(before)})"
    return f"changed from {_show(before)} at the base to {_show(after)} here"


def _show(value: Any) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name  # the shipped policy pack: the same on both sides


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(read_regular(path, MAX_POLICY_BYTES)).hexdigest()
    except (OSError, RefusedFile):
        return ""
