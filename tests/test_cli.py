"""The command line as users meet it: exit codes, formats, rules/explain/schema, stdin."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from selectcheck.rules.registry import all_rules, rule_table
from tests.conftest import BASE_RECORD, REPO, copy_base, invoke


def test_examples_in_records_pass() -> None:
    result = invoke(["validate", "records/"], REPO)
    assert result.exit_code == 0, result.stdout
    assert "error" not in result.stdout.split("\n")[-2].lower() or "0 errors" in result.stdout


def test_exit_codes(project: Path) -> None:
    copy_base(project / "records" / "0001-faq.yaml")
    assert invoke(["validate", "records"], project).exit_code == 0
    copy_base(project / "records" / "0002-faq.yaml", **{"id: MSR-0001": "id: MSR-0002", "mode: inference": "mode: x"})
    assert invoke(["validate", "records"], project).exit_code == 1
    assert invoke(["validate", "--exit-zero", "records"], project).exit_code == 0
    assert invoke(["validate", "records/missing.yaml"], project).exit_code == 2
    assert invoke(["validate", "--format", "yaml", "records"], project).exit_code == 2
    assert invoke(["validate", "--select", "bogus", "records"], project).exit_code == 2


def test_strict_turns_warnings_into_failures(project: Path) -> None:
    # SC408 (a warning): the file name's number differs from the id.
    copy_base(project / "records" / "0009-faq.yaml")
    result = invoke(["validate", "--format", "json", "records"], project)
    assert [d["code"] for d in result.json()["diagnostics"]] == ["SC408"]
    assert result.exit_code == 0
    assert invoke(["validate", "--strict", "records"], project).exit_code == 1


def test_select_and_ignore_prefixes(project: Path) -> None:
    copy_base(project / "records" / "0009-faq.yaml", **{"chosen: Qwen/Qwen2.5-7B-Instruct": "chosen: nope/x"})
    codes = lambda *a: sorted(  # noqa: E731
        d["code"] for d in invoke(["validate", "--format", "json", *a, "records"], project).json()["diagnostics"]
    )
    assert {"SC408", "SC409"} <= set(codes())
    assert "SC408" not in codes("--ignore", "SC408")
    assert set(codes("--select", "SC4")) <= {c for c in codes() if c.startswith("SC4")}
    assert codes("--select", "SC409") == ["SC409"]


def test_text_format_shows_source_caret_and_help(project: Path) -> None:
    copy_base(
        project / "records" / "0001-faq.yaml",
        **{"chosen: Qwen/Qwen2.5-7B-Instruct": "chosen: Qwen/Qwen2.5-7B-instruct"},
    )
    result = invoke(["validate", "--color", "never", "records"], project)
    lines = result.stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if "SC409" in line)
    assert lines[head].startswith("records/0001-faq.yaml:34:11: SC409 [error] ")
    assert lines[head + 1].endswith("chosen: Qwen/Qwen2.5-7B-instruct")
    caret = lines[head + 2]
    assert caret.strip() == "^" * len("Qwen/Qwen2.5-7B-instruct")
    assert caret.index("^") == lines[head + 1].index("Qwen/Qwen2.5-7B-instruct")
    assert lines[head + 3].startswith("  help: Did you mean `Qwen/Qwen2.5-7B-Instruct`?")
    assert lines[-1] == "Found 1 error, 0 warnings in 1 file."
    assert "\x1b[" not in result.stdout


def test_color_always_and_no_color(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_base(project / "records" / "0009-faq.yaml")
    assert "\x1b[" in invoke(["validate", "--color", "always", "records"], project).stdout
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in invoke(["validate", "records"], project).stdout


def test_stdin_with_filename(project: Path) -> None:
    result = invoke(
        ["validate", "--format", "json", "--stdin-filename", "records/0004-x.yaml", "-"],
        project,
        input=BASE_RECORD.read_bytes(),
    )
    diags = result.json()["diagnostics"]
    assert [(d["code"], d["file"]) for d in diags] == [("SC408", "records/0004-x.yaml")]


def test_json_shape_is_stable(project: Path) -> None:
    copy_base(project / "records" / "0009-faq.yaml")
    report = invoke(["validate", "--format", "json", "records"], project).json()
    # DESIGN §7's keys in their order, plus the version of the shape (issue 16).
    assert list(report) == ["tool", "version", "report_version", "files", "summary", "diagnostics"]
    assert report["tool"] == "selectcheck" and report["files"] == 1 and report["report_version"] == 1
    assert report["summary"] == {"error": 0, "warning": 1, "info": 0, "waived": 0}
    assert list(report["diagnostics"][0]) == [
        "code",
        "severity",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "pointer",
        "message",
        "help",
        "waived",
    ]


def test_format_to_file_and_several_formats(project: Path) -> None:
    copy_base(project / "records" / "0009-faq.yaml")
    result = invoke(["validate", "--format", "json=out.json", "--format", "text", "records"], project)
    assert "SC408" in result.stdout
    assert json.loads((project / "out.json").read_text())["summary"]["warning"] == 1


DESIGN_CODES = {
    code: (name, severity)
    for code, name, severity in (
        line.split("\t")
        for line in (REPO / "tests" / "data" / "design-rule-codes.tsv").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    )
}


def test_rules_lists_every_design_code_with_its_stage() -> None:
    result = invoke(["rules"], REPO)
    for code, (name, _) in DESIGN_CODES.items():
        line = next(line for line in result.stdout.splitlines() if line.startswith(code))
        assert name in line and all_rules()[code].stage.value in line
    rows = json.loads(invoke(["rules", "--format", "json"], REPO).stdout)
    assert {r["code"] for r in rows} == set(rule_table())
    assert {r["code"]: r["configurable"] for r in rows}["SC001"] is False
    assert {r["code"]: r["waivable"] for r in rows}["SC207"] is True


def test_rule_modules_match_the_design_contract() -> None:
    """Every code the design fixes is implemented under its fixed name and severity, and every
    rule carries its explanation and both examples."""
    for code, (name, severity) in DESIGN_CODES.items():
        assert code in all_rules(), f"{code} of DESIGN §3 has no rule"
        info = all_rules()[code].info
        assert (info.name, info.default_severity.value) == (name, severity)
    for rule in all_rules().values():
        assert rule.info.explanation and rule.info.failing_example and rule.info.passing_example


def test_explain_accepts_rule_names_and_suggests() -> None:
    by_name = invoke(["explain", "smaller-equivalent"], REPO)
    assert by_name.exit_code == 0 and by_name.stdout.startswith("# SC207 smaller-equivalent")
    assert invoke(["explain", "sc207"], REPO).stdout == by_name.stdout
    unknown = invoke(["explain", "smaller-equivalnt"], REPO)
    assert unknown.exit_code == 2 and "Did you mean `smaller-equivalent`?" in unknown.stderr


def test_explain_prints_both_examples() -> None:
    result = invoke(["explain", "SC405"], REPO)
    assert result.exit_code == 0
    assert result.stdout.startswith("# SC405 duplicate-id")
    assert "## Fails" in result.stdout and "## Passes" in result.stdout
    assert "records/0007-support-bot.yaml" in result.stdout
    assert invoke(["explain", "sc405"], REPO).stdout == result.stdout
    assert invoke(["explain", "SC999"], REPO).exit_code == 2


@pytest.mark.parametrize("name", ["record", "policy"])
def test_schema_command_prints_committed_schema(name: str) -> None:
    result = invoke(["schema", name], REPO)
    assert json.loads(result.stdout)["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert result.stdout == (REPO / "schemas" / f"{name}.schema.json").read_text()


def test_version_and_module_entry_point() -> None:
    out = subprocess.run([sys.executable, "-m", "selectcheck", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "selectcheck, version 0.1.0"


def test_version_does_not_import_heavy_modules() -> None:
    code = (
        "import sys; from selectcheck.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('git', 'pynvml', 'jsonschema', 'pydantic', 'yaml') if m in sys.modules]\n"
        "print('HEAVY:' + ','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "HEAVY:"


def test_markdown_report_draws_each_workload_of_the_examples() -> None:
    result = invoke(["validate", "--format", "markdown", "records/"], REPO)
    assert result.exit_code == 0
    # 0001 has two workloads, 0002 one, 0003 two, 0004 one: one memory chart each, against the card.
    assert result.stdout.count("xychart-beta") == 6
    assert "L40S" in result.stdout and "RTX-4090" in result.stdout
