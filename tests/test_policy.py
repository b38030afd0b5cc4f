"""Policy discovery, extends, overrides and invalid policies (exit 2, located)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import copy_base, invoke


def _codes(project: Path, *args: str) -> list[str]:
    result = invoke(["validate", "--format", "json", *args, "records"], project)
    assert result.exit_code in (0, 1), result.stderr
    return [d["code"] + ":" + d["severity"] for d in result.json()["diagnostics"]]


def test_selectcheck_yaml_overrides_severity_and_turns_rules_off(project: Path) -> None:
    copy_base(project / "records" / "0009-faq.yaml")
    assert _codes(project) == ["SC408:warning"]
    (project / ".selectcheck.yaml").write_text("policy_version: 1\nrules: {SC408: error}\n")
    assert _codes(project) == ["SC408:error"]
    (project / ".selectcheck.yaml").write_text("policy_version: 1\nrules: {SC408: off}\n")
    assert _codes(project) == []


def test_config_is_found_upward_from_a_subdirectory(project: Path) -> None:
    copy_base(project / "records" / "0009-faq.yaml")
    (project / ".selectcheck.yaml").write_text("policy_version: 1\nrules: {SC408: info}\n")
    sub = project / "records"
    result = invoke(["validate", "--format", "json", "."], sub)
    assert [d["severity"] for d in result.json()["diagnostics"]] == ["info"]


def test_pyproject_tool_table(project: Path) -> None:
    copy_base(project / "records" / "0009-faq.yaml")
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.selectcheck]\nrules = { SC408 = "off" }\n')
    assert _codes(project) == []


def test_extends_relative_file_and_task_added(project: Path) -> None:
    copy_base(
        project / "records" / "0001-faq.yaml",
        **{"category: instruction-following": "category: legal-extraction"},
    )
    assert _codes(project) == ["SC007:error"]
    (project / "policies").mkdir()
    (project / "policies" / "org.yaml").write_text(
        "policy_version: 1\ntasks:\n  legal-extraction:\n    benchmarks: [ifeval]\n"
    )
    (project / ".selectcheck.yaml").write_text("policy_version: 1\nextends: policies/org.yaml\n")
    assert _codes(project) == []


def test_default_record_directory_is_used_without_paths(project: Path) -> None:
    copy_base(project / "records" / "0009-faq.yaml")
    result = invoke(["validate", "--format", "json"], project)
    assert result.json()["files"] == 1


def test_invalid_policy_is_exit_2_with_location(project: Path) -> None:
    copy_base(project / "records" / "0001-faq.yaml")
    (project / ".selectcheck.yaml").write_text("policy_version: 1\nvram:\n  headrom: 0.1\n")
    result = invoke(["validate", "records"], project)
    assert result.exit_code == 2
    assert ".selectcheck.yaml:3:3: invalid policy: unknown key 'headrom'" in result.stderr
    assert "Did you mean `headroom`?" in result.stderr
    assert "Traceback" not in result.stderr


def test_policy_yaml_error_and_cycle_and_outside_paths(project: Path) -> None:
    copy_base(project / "records" / "0001-faq.yaml")
    config = project / ".selectcheck.yaml"
    config.write_text("policy_version: 1\nrules: {SC408: off\n")
    assert invoke(["validate", "records"], project).exit_code == 2
    config.write_text("policy_version: 1\nextends: .selectcheck.yaml\n")
    result = invoke(["validate", "records"], project)
    assert result.exit_code == 2 and "cycle" in result.stderr
    config.write_text("policy_version: 1\nextends: https://example.com/policy.yaml\n")
    result = invoke(["validate", "records"], project)
    assert result.exit_code == 2 and "never fetches" in result.stderr
    config.write_text("policy_version: 1\nextends: ../../../../etc/passwd\n")
    result = invoke(["validate", "records"], project)
    assert result.exit_code == 2 and "outside the project" in result.stderr


def test_explicit_policy_flag(project: Path) -> None:
    copy_base(project / "records" / "0009-faq.yaml")
    (project / "strict.yaml").write_text("policy_version: 1\nrules: {SC408: error}\n")
    assert _codes(project, "--policy", "strict.yaml") == ["SC408:error"]
    assert invoke(["validate", "--policy", "nope.yaml", "records"], project).exit_code == 2


def test_record_directories_from_policy(project: Path) -> None:
    (project / "decisions").mkdir()
    copy_base(project / "decisions" / "0009-faq.yaml")
    (project / ".selectcheck.yaml").write_text("policy_version: 1\nrecords: [decisions]\n")
    result = invoke(["validate", "--format", "json"], project)
    assert [d["file"] for d in result.json()["diagnostics"]] == ["decisions/0009-faq.yaml"]


def test_unknown_license_in_policy_lists_is_a_configuration_error(project: Path) -> None:
    copy_base(project / "records" / "0001-faq.yaml")
    (project / ".selectcheck.yaml").write_text("policy_version: 1\nlicenses: {deny: [apache-2.1]}\n")
    result = invoke(["validate", "records"], project)
    assert result.exit_code == 2
    assert "licenses.deny names 'apache-2.1'" in result.stderr
    assert "Did you mean `apache-2.0`?" in result.stderr


def test_equivalence_margins_default_and_merge(project: Path) -> None:
    """SC207's margins: the defaults the explanation quotes are the ones default.yaml states,
    and a repository's policy adds per-benchmark margins without losing the defaults."""
    from selectcheck.model.policy import DEFAULT_EQUIVALENCE_MARGIN, DEFAULT_EQUIVALENCE_MARGINS
    from selectcheck.policy_loader import load_policy

    shipped = load_policy(None, cwd=project).policy.equivalence
    assert shipped.margin == DEFAULT_EQUIVALENCE_MARGIN == 5.0
    assert shipped.margins == DEFAULT_EQUIVALENCE_MARGINS == {"chatbot-arena": 20.0}
    (project / ".selectcheck.yaml").write_text(
        "policy_version: 1\nextends: default\nequivalence: {margins: {humaneval: 3, own-evaluation: 2.5}}\n",
        encoding="utf-8",
    )
    merged = load_policy(None, cwd=project).policy.equivalence
    assert merged.margin == 5.0
    assert merged.margins == {"chatbot-arena": 20.0, "humaneval": 3, "own-evaluation": 2.5}
    (project / ".selectcheck.yaml").write_text("policy_version: 1\nequivalence: {margin: 0}\n", encoding="utf-8")
    result = invoke(["validate"], project)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert ".selectcheck.yaml:2:23: invalid policy: margin is 0; it must be greater than 0" in result.stderr
