"""The rule registry: each rule is declared once, in its own module `scNNN_<name>.py`, with
its code, name, default severity, pipeline stage, the policy options it reads, summary and a
long explanation with a failing and a passing example (like ruff's `rule`).

Rule functions register with `@rule(...)`. Codes that a pipeline stage emits rather than a
function (the loader's SC001/SC004/SC005, the schema's SC002/SC003, git's SC404/SC411) are
declared with `declare(...)`, so `rules`, `explain` and the post-processing still know them.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from typing_extensions import NotRequired, TypedDict, Unpack

from selectcheck.analysis.context import RecordContext
from selectcheck.diagnostics import RuleInfo, Severity, Stage, Text


@dataclass(frozen=True, slots=True)
class Finding:
    """What a rule reports; the engine adds file, location, severity and waivers."""

    pointer: str
    message: str
    help: str = ""
    at_key: bool = False
    # Catalog URLs quoted in `message`/`help` that reporters may show as links (Diagnostic.links).
    links: tuple[str, ...] = ()


CheckFunction = Callable[[RecordContext], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A registered rule: its metadata and the function that checks a record (None: another stage reports it)."""

    info: RuleInfo
    check: CheckFunction | None

    @property
    def code(self) -> str:
        return self.info.code

    @property
    def stage(self) -> Stage:
        return self.info.stage


_REGISTRY: dict[str, Rule] = {}


class RuleMetadata(TypedDict):
    code: str
    name: str
    severity: str
    summary: str
    explanation: Text
    failing: Text
    passing: Text
    stage: NotRequired[Stage]  # default Stage.RECORD
    options: NotRequired[tuple[str, ...]]  # dotted policy paths the rule reads
    configurable: NotRequired[bool]  # default True: a policy may re-grade or switch it off
    waivable: NotRequired[bool]  # default True: a record's waiver may silence a finding


def _register(check: CheckFunction | None, meta: RuleMetadata) -> None:
    code = meta["code"]
    if code in _REGISTRY and _REGISTRY[code].check is not check:
        raise RuntimeError(f"rule {code} registered twice")
    info = RuleInfo(
        code,
        meta["name"],
        Severity(meta["severity"]),
        meta["summary"],
        meta["explanation"],
        meta["failing"],
        meta["passing"],
        meta.get("stage", Stage.RECORD),
        meta.get("options", ()),
        meta.get("configurable", True),
        meta.get("waivable", True),
    )
    _REGISTRY[code] = Rule(info, check)


def rule(**meta: Unpack[RuleMetadata]) -> Callable[[CheckFunction], CheckFunction]:
    """Register a rule function: `check(ctx)` yields `Finding`s."""

    def decorate(check: CheckFunction) -> CheckFunction:
        _register(check, meta)
        return check

    return decorate


def declare(**meta: Unpack[RuleMetadata]) -> None:
    """Declare a code that a pipeline stage emits (no rule function)."""
    _register(None, meta)


@cache
def all_rules() -> dict[str, Rule]:
    """Every registered rule by code, in code order (imports the rule modules once)."""
    import selectcheck.rules as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name.startswith("sc"):
            importlib.import_module(f"{package.__name__}.{module.name}")
    return dict(sorted(_REGISTRY.items()))


def rule_table() -> dict[str, RuleInfo]:
    """Every rule's metadata by code, in code order."""
    return {code: r.info for code, r in all_rules().items()}
