"""Generated documentation: the README's record reference and rule table, and one page per
rule under `docs/rules/`. Generated from the schema and the registry, so the docs cannot
drift from the code: `python -m selectcheck.docgen` rewrites them, and `tests/test_docs.py`
fails while anything is stale.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from selectcheck.explain import explain_text
from selectcheck.resources import load_schema
from selectcheck.rules.registry import rule_table

BEGIN = "<!-- BEGIN GENERATED: {name} (python -m selectcheck.docgen) -->"
END = "<!-- END GENERATED: {name} -->"


def _type_of(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in prop:
        return "mapping"
    if "anyOf" in prop:
        kinds = [_type_of(p, defs) for p in prop["anyOf"] if p.get("type") != "null"]
        return " or ".join(kinds)
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    kind = prop.get("type", "any")
    if kind == "array":
        items = prop.get("items", {})
        return f"list of {_type_of(items, defs)}" if items else "list"
    if kind == "object" and "additionalProperties" in prop and isinstance(prop["additionalProperties"], dict):
        return f"map of {_type_of(prop['additionalProperties'], defs)}"
    if prop.get("format") == "date":
        return "date"
    return str(kind)


def _ref_target(prop: dict[str, Any]) -> str | None:
    for candidate in [prop, *prop.get("anyOf", []), prop.get("items", {}), prop.get("additionalProperties", {})]:
        if isinstance(candidate, dict):
            if "$ref" in candidate:
                return str(candidate["$ref"]).rsplit("/", 1)[-1]
            nested = candidate.get("items")
            if isinstance(nested, dict) and "$ref" in nested:
                return str(nested["$ref"]).rsplit("/", 1)[-1]
    return None


def record_reference() -> str:
    schema = load_schema("record.schema.json")
    defs = schema.get("$defs", {})
    rows = ["| key | type | required | description |", "| --- | --- | --- | --- |"]

    def walk(definition: dict[str, Any], prefix: str, depth: int) -> None:
        required = set(definition.get("required", []))
        for key, prop in definition.get("properties", {}).items():
            path = f"{prefix}{key}"
            target = _ref_target(prop)
            kind = _type_of(prop, defs)
            if (target and "list" in (prop.get("type", "") + str(prop.get("anyOf", "")))) or prop.get(
                "type"
            ) == "array":
                kind = "list of mappings" if target else kind
            description = str(prop.get("description", "")).replace("|", "\\|")
            rows.append(f"| `{path}` | {kind} | {'yes' if key in required else ''} | {description} |")
            if target and depth < 3:
                suffix = "[]." if prop.get("type") == "array" else ("{}." if "additionalProperties" in prop else ".")
                walk(defs[target], f"{path}{suffix}", depth + 1)

    walk(schema, "", 0)
    return "\n".join(rows)


def rule_table_markdown() -> str:
    rows = ["| code | name | default | stage | fires when |", "| --- | --- | --- | --- | --- |"]
    for info in rule_table().values():
        rows.append(
            f"| [{info.code}](docs/rules/{info.code}.md) | {info.name} | {info.default_severity.value} "
            f"| {info.stage.value} | {info.summary} |"
        )
    return "\n".join(rows)


SECTIONS = {"record-reference": record_reference, "rule-table": rule_table_markdown}


def _constant(replacement: str) -> Callable[[re.Match[str]], str]:
    """A re.sub replacement taken literally (generated text may contain backslashes)."""
    return lambda _match: replacement


def render_readme(text: str) -> str:
    for name, build in SECTIONS.items():
        begin, end = BEGIN.format(name=name), END.format(name=name)
        pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
        if not pattern.search(text):
            raise ValueError(f"README lacks the markers of the generated section {name!r}")
        text = pattern.sub(_constant(f"{begin}\n{build()}\n{end}"), text)
    return text


def rule_pages() -> dict[str, str]:
    return {f"{code}.md": explain_text(info) for code, info in rule_table().items()}


def write(root: Path) -> list[Path]:
    written: list[Path] = []
    readme = root / "README.md"
    readme.write_text(render_readme(readme.read_text(encoding="utf-8")), encoding="utf-8")
    written.append(readme)
    pages = root / "docs" / "rules"
    pages.mkdir(parents=True, exist_ok=True)
    wanted = rule_pages()
    for stale in pages.glob("*.md"):
        if stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        (pages / name).write_text(text, encoding="utf-8")
        written.append(pages / name)
    return written


def main() -> int:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    for path in write(root):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
