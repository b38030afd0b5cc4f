"""Generated documentation must match the code: README sections and one page per rule."""

from __future__ import annotations

from selectcheck.docgen import render_readme, rule_pages
from selectcheck.rules.registry import rule_table
from tests.conftest import REPO, invoke


def test_readme_generated_sections_are_current() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert text == render_readme(text), "README is stale: run `python -m selectcheck.docgen`"


def test_every_rule_has_a_page_equal_to_explain() -> None:
    pages = REPO / "docs" / "rules"
    assert sorted(p.name for p in pages.glob("*.md")) == sorted(f"{code}.md" for code in rule_table())
    for code in rule_table():
        page = (pages / f"{code}.md").read_text(encoding="utf-8")
        assert page == invoke(["explain", code], REPO).stdout, f"docs/rules/{code}.md differs from explain"
    assert rule_pages().keys() == {f"{c}.md" for c in rule_table()}


def test_readme_opens_with_the_two_commands() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    first_block = text.split("```bash", 1)[1].split("```", 1)[0]
    assert "selectcheck validate records/" in first_block
    assert "pip install -e '.[test]' && pytest" in first_block
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "\npytest\n" in ci
