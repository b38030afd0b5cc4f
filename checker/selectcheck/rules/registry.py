"""The rule registry: each rule is a small function with its code, name, default severity,
summary and a long explanation with a failing and a passing example (like ruff's `rule`).

Rule modules live next to this file, one per rule, named `scNNN_<name>.py`; they register
themselves with `@rule(...)` when the registry imports them. Codes emitted by a stage rather
than a function (the loader's SC001/SC004/SC005, the schema's SC002/SC003, git's SC404/SC411)
register with `stage=...` and no function, so `rules` and `explain` still know them.
"""

from __future__ import annotations

import importlib
import pkgutil
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from selectcheck.diagnostics import RuleInfo, Severity

if TYPE_CHECKING:
    from selectcheck.rules.context import RecordContext


@dataclass(frozen=True, slots=True)
class Finding:
    """What a rule reports; the engine adds file, location, severity and waivers."""

    pointer: str
    message: str
    help: str = ""
    at_key: bool = False
    # Catalog URLs quoted in `message`/`help` that reporters may show as links (Diagnostic.links).
    links: tuple[str, ...] = ()


CheckFunction = Callable[["RecordContext"], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Rule:
    info: RuleInfo
    check: CheckFunction | None
    stage: str  # "record" for rule functions; "loader", "schema", "git", "hardware" otherwise

    @property
    def code(self) -> str:
        return self.info.code


_REGISTRY: dict[str, Rule] = {}


def _clean(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def _register(rule_obj: Rule) -> None:
    if rule_obj.code in _REGISTRY and _REGISTRY[rule_obj.code].check is not rule_obj.check:
        raise RuntimeError(f"rule {rule_obj.code} registered twice")
    _REGISTRY[rule_obj.code] = rule_obj


def _info(code: str, name: str, severity: str, summary: str, explanation: str, failing: str, passing: str) -> RuleInfo:
    return RuleInfo(code, name, Severity(severity), summary, _clean(explanation), _clean(failing), _clean(passing))


def rule(
    *,
    code: str,
    name: str,
    severity: str,
    summary: str,
    explanation: str,
    failing: str,
    passing: str,
    stage: str = "record",
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a record rule: `check(ctx)` yields `Finding`s. `stage="hardware"` marks a
    rule that only has something to say under `--detect-hardware`."""

    def decorate(check: CheckFunction) -> CheckFunction:
        _register(Rule(_info(code, name, severity, summary, explanation, failing, passing), check, stage))
        return check

    return decorate


def stage_rule(
    *,
    code: str,
    name: str,
    severity: str,
    summary: str,
    explanation: str,
    failing: str,
    passing: str,
    stage: str,
) -> None:
    """Register a code that a pipeline stage emits (no rule function)."""
    _register(Rule(_info(code, name, severity, summary, explanation, failing, passing), None, stage))


@cache
def all_rules() -> dict[str, Rule]:
    """Every registered rule by code, in code order (imports the rule modules once)."""
    import selectcheck.rules as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name.startswith("sc"):
            importlib.import_module(f"{package.__name__}.{module.name}")
    return dict(sorted(_REGISTRY.items()))


def rule_table() -> dict[str, RuleInfo]:
    """Implemented rules plus the planned codes of DESIGN §3 that have no module yet."""
    from selectcheck.rules.contract import CONTRACT

    table = {code: r.info for code, r in all_rules().items()}
    for info in CONTRACT:
        table.setdefault(info.code, info)
    return dict(sorted(table.items()))
