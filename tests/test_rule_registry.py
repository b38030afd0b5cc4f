"""The registry is the one declaration of each rule: its policy options exist in the policy
model and are the ones the rule reads; configurability and waivability are rule attributes."""

from __future__ import annotations

import ast
import inspect
import re

import pytest
from pydantic import BaseModel

from selectcheck.diagnostics import Stage
from selectcheck.model.policy import Policy
from selectcheck.rules.registry import all_rules

RULES = list(all_rules().values())


def _field(model: type[BaseModel], dotted: str) -> bool:
    head, _, rest = dotted.partition(".")
    field = model.model_fields.get(head)
    if field is None:
        return False
    if not rest:
        return True
    annotation = field.annotation
    return isinstance(annotation, type) and issubclass(annotation, BaseModel) and _field(annotation, rest)


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_declared_options_exist_in_the_policy_model(rule: object) -> None:
    for option in rule.info.options:  # type: ignore[attr-defined]
        assert _field(Policy, option), f"{rule.code} declares {option!r}, which the policy does not have"  # type: ignore[attr-defined]


@pytest.mark.parametrize("rule", [r for r in RULES if r.check is not None], ids=lambda r: r.code)
def test_policy_reads_in_a_rule_module_are_declared(rule: object) -> None:
    """A rule module that reads `ctx.policy.<option>` declares that option (or a parent)."""
    source = inspect.getsource(inspect.getmodule(rule.check))  # type: ignore[attr-defined, arg-type]
    declared = rule.info.options  # type: ignore[attr-defined]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            text = ast.unparse(node)
            match = re.fullmatch(r"ctx\.policy\.([a-z_]+(?:\.[a-z_]+)?)", text)
            if match and not match.group(1).endswith(("get", "items")):
                read = match.group(1)
                assert any(read == o or read.startswith(o + ".") or o.startswith(read + ".") for o in declared), (
                    f"{rule.code} reads policy {read!r} but declares {declared}"  # type: ignore[attr-defined]
                )


def test_input_checks_are_fixed_and_unwaivable() -> None:
    for code in ("SC001", "SC002", "SC003", "SC004", "SC005", "SC009"):
        info = all_rules()[code].info
        assert not info.configurable and not info.waivable
    assert all(not r.info.waivable for r in RULES if r.code.startswith("SC0"))
    assert all(r.info.configurable and r.info.waivable for r in RULES if not r.code.startswith("SC0"))


def test_stages_are_what_the_pipeline_emits() -> None:
    stage_of = {r.code: r.stage for r in RULES}
    assert {c for c, s in stage_of.items() if s is Stage.LOADER} == {"SC001", "SC004", "SC005"}
    assert {c for c, s in stage_of.items() if s is Stage.GIT} == {"SC009", "SC404", "SC411"}
    assert all((r.check is None) == (r.stage in (Stage.LOADER, Stage.SCHEMA, Stage.GIT, Stage.WAIVERS)) for r in RULES)
