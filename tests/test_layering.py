"""The import layering the README's Architecture section draws, enforced on the source.

Every `import` in the package, including those inside functions (lazy imports still create
a dependency), must point at the same or a lower layer. The pure computation modules import
nothing from YAML, the CLI, pydantic, the catalogs or the rules: they take plain data.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "checker" / "selectcheck"

# Lowest first. A module belongs to the first layer with a prefix that matches its name.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("pure", ("selectcheck.compute", "selectcheck.errors", "selectcheck.diagnostics", "selectcheck.resources")),
    ("input", ("selectcheck.loader", "selectcheck.model", "selectcheck.explain", "selectcheck.reporters")),
    (
        "facts",
        ("selectcheck.catalog", "selectcheck.schema_check", "selectcheck.policy_loader", "selectcheck.policy_diff"),
    ),
    ("analysis", ("selectcheck.analysis", "selectcheck.hardware", "selectcheck.evidence")),
    ("rules", ("selectcheck.rules",)),
    ("pipeline", ("selectcheck.engine", "selectcheck.history")),
    (
        "interface",
        (
            "selectcheck.validate_command",
            "selectcheck.authoring",
            "selectcheck.commands",
            "selectcheck.action",
            "selectcheck.docgen",
            "selectcheck.cli",
            "selectcheck.__main__",
        ),
    ),
]
PURE_FORBIDDEN = ("yaml", "click", "pydantic", "jsonschema", "git", "pynvml")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int | None:
    if module == "selectcheck":
        return 0  # the package's __init__: the version string
    for index, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    return None


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module_name(p))
def test_no_module_imports_from_a_higher_layer(path: Path) -> None:
    name = _module_name(path)
    own = _layer(name)
    assert own is not None, f"{name} has no layer: add it to LAYERS (and to the README's drawing)"
    for line, target in _imports(path):
        if not target.startswith("selectcheck"):
            continue
        layer = _layer(target)
        assert layer is not None and layer <= own, (
            f"{name}:{line} imports {target} ({LAYERS[layer][0] if layer is not None else '?'}), "
            f"above its own layer ({LAYERS[own][0]})"
        )


@pytest.mark.parametrize("path", [p for p in MODULES if _layer(_module_name(p)) == 0], ids=lambda p: _module_name(p))
def test_pure_modules_take_plain_data(path: Path) -> None:
    for line, target in _imports(path):
        top = target.split(".")[0]
        assert top not in PURE_FORBIDDEN, f"{_module_name(path)}:{line} imports {target}"
        if top == "selectcheck":
            assert _layer(target) == 0, f"{_module_name(path)}:{line} imports {target}"


def test_the_readme_draws_these_layers() -> None:
    readme = (PACKAGE.parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Architecture") : readme.index("## Development")]
    rows = [line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[1:] == [name for name, _ in LAYERS]
