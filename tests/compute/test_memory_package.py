"""The memory package's structure: every fitted number has its provenance, and no estimator
code names a model family (family quirks are Architecture fields set from one table)."""

from __future__ import annotations

import ast
from pathlib import Path

import selectcheck.compute.memory as memory_package
from selectcheck.compute.architecture import FAMILIES
from selectcheck.compute.memory import constants

PACKAGE = Path(memory_package.__file__).parent


def test_every_constant_is_registered_with_its_provenance() -> None:
    numbers = {
        name: value
        for name, value in vars(constants).items()
        if name.isupper() and isinstance(value, (int, float)) and not isinstance(value, bool)
    }
    assert numbers, "constants.py defines no numbers"
    assert set(numbers) == set(constants.CONSTANTS)
    for name, value in numbers.items():
        constant = constants.CONSTANTS[name]
        assert constant.value == value, name
        assert constant.kind in ("measured", "fitted", "default"), name
        assert len(constant.provenance) > 40, f"{name}: say where the number comes from"


def test_no_estimator_module_names_a_model_family() -> None:
    families = set(FAMILIES)
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                assert node.attr != "model_type", f"{path.name}:{node.lineno} branches on model_type"
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert node.value not in families, f"{path.name}:{node.lineno} names the family {node.value!r}"


def test_no_english_advice_in_the_estimator() -> None:
    assert not hasattr(memory_package, "suggest_fix")
    assert not any("suggest" in path.stem or "advice" in path.stem for path in PACKAGE.glob("*.py"))
