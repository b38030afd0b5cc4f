"""Hostile record text cannot inject workflow commands into a GitHub Actions log.

Records come from pull requests. The runner reads a step's output a line at a time (CR, LF
or CRLF end a line) and treats a line that starts with `::` (after whitespace) as a
workflow command (`::add-mask::`, `::stop-commands::`, `::error …`), and, in the legacy
form, any line containing `##[`. These tests put such text into ids, titles, task
categories, model names, license ids, keys, benchmark names and file names (with real
newlines, CRs, `%0A`, `::`, `,` and `##[`), run the action's script the way the runner
does and `selectcheck validate` as a plain `run:` step would, and check every line of the
log: the only lines that start with `::` are the tool's own annotations, in exactly the
grammar the github reporter writes (`::error|warning|notice key=value,…::data` with
escaped property values), and no line contains `##[`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BASE_RECORD
from tests.integrations.test_action import run_action_step

# Every way we know to end a line or start a command, in YAML double-quoted escapes.
HOSTILE = (
    r"x\n::add-mask::leak\r\n::error file=evil.yaml,line=1::pwned %0A::warning::w %0D "
    r"##[error]legacy :: a,b \u2028::notice::ls \x85::nel \r::stop-commands::tok \n  ::set-env name=A::1"
)
COMMAND_LINE = re.compile(r"^\s*::")
OUR_ANNOTATION = re.compile(
    r"^::(?:error|warning|notice) "
    r"(?:file|line|col|endLine|endColumn|title)=[^:,\r\n]*"
    r"(?:,(?:file|line|col|endLine|endColumn|title)=[^:,\r\n]*)*"
    r"::[^\r\n]*$"
)
RUNNER_LINES = re.compile(r"\r\n|\r|\n")


def _record(**replacements: str) -> str:
    text = BASE_RECORD.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def hostile_project(root: Path) -> Path:
    records = root / "records"
    records.mkdir(parents=True)
    (records / "0001-faq.yaml").write_text(
        _record(
            **{
                "title: Base model for the FAQ answer drafter": f'title: "{HOSTILE}"',
                "category: instruction-following": f'category: "{HOSTILE}"',
                "chosen: Qwen/Qwen2.5-7B-Instruct": f'chosen: "Qwen/{HOSTILE}"',
            }
        ),
        encoding="utf-8",
    )
    (records / "0002-faq.yaml").write_text(
        _record(
            **{
                "id: MSR-0001": f'id: "MSR-0002{HOSTILE}"',
                "status: proposed": 'status: proposed\nsupersedes: ["MSR-0009::add-mask::x"]',
                "license: apache-2.0": f'license: "{HOSTILE}"',
                "ifeval: {value: 71.2": f'"{HOSTILE}": {{value: 71.2, source: "https://e.com"}}\n'
                "      ifeval: {value: 71.2",
            }
        ),
        encoding="utf-8",
    )
    (records / "0005-faq.yaml").write_text(
        _record(
            **{
                "id: MSR-0001": "id: MSR-0005",
                "decision_makers: [ana@example.com]": f'decision_makers: [ana@example.com]\n"::add-mask::{HOSTILE}": 1',
            }
        ),
        encoding="utf-8",
    )
    # File names: `::`, `%0A`, `,`, and a real newline.
    (records / "0003-::add-mask::%0A,x.yaml").write_text(_record(), encoding="utf-8")
    (records / "0004-a\n::add-mask::b.yaml").write_text(_record(), encoding="utf-8")
    return root


def assert_no_injected_commands(log: str) -> int:
    """Every command-looking line is one of our annotations; returns how many there are."""
    ours = 0
    for line in RUNNER_LINES.split(log):
        assert "##[" not in line, f"legacy command marker in: {line!r}"
        if COMMAND_LINE.match(line):
            assert OUR_ANNOTATION.match(line), f"not one of selectcheck's annotations: {line!r}"
            ours += 1
    return ours


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return hostile_project(tmp_path / "workspace")


def test_hostile_text_reaches_the_log_escaped(project: Path) -> None:
    run = run_action_step(project, {"sarif-file": "selectcheck.sarif"})
    assert run.returncode == 1, run.log
    # The hostile text did reach the log (so this test exercises something) …
    assert run.log.count("add-mask") >= 5
    assert "%0A" in run.log and "%3A%3Aadd-mask" in run.log
    # … and nothing in it can start a command but our own annotations.
    annotations = assert_no_injected_commands(run.log)
    assert annotations >= 8
    assert set(run.step_outputs) == {"errors", "warnings", "sarif-file"}
    assert run.outputs["sarif-file"] == "selectcheck.sarif"


def test_text_format_through_the_action_is_neutralised(project: Path) -> None:
    # `--format text` to stdout prints source lines and file names: the action re-emits
    # everything but its own annotations through safe_line.
    run = run_action_step(project, {"extra-args": "--format text --color always"})
    assert run.returncode == 1, run.log
    assert "SC409" in run.stdout
    assert assert_no_injected_commands(run.log) >= 8


def test_hostile_inputs_are_data(project: Path) -> None:
    marker = project / "pwned"
    inputs = {
        "paths": f"records '$(touch {marker})' \"`touch {marker}`\"",
        "policy": f"$(touch {marker})\n::add-mask::x",
        "extra-args": f"--ignore SC207 ';touch {marker}' '&& touch {marker}'",
        "sarif-file": "::add-mask::x.sarif",
    }
    run = run_action_step(project, inputs)
    assert run.returncode == 2, run.log
    assert not marker.exists()
    assert_no_injected_commands(run.log)


def test_hostile_policy_through_the_action(project: Path) -> None:
    # A pull request can edit the policy: its text reaches configuration-error messages.
    (project / ".selectcheck.yaml").write_text(
        'policy_version: 1\nextends: default\nrecords: ["x\\n::add-mask::y\\r::error::z"]\n', encoding="utf-8"
    )
    run = run_action_step(project, {})
    assert run.returncode == 2, run.log
    assert "add-mask" in run.log
    assert_no_injected_commands(run.log)


def _validate(project: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    summary = project.parent / "summary.md"
    env.update(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary))
    proc = subprocess.run(
        [sys.executable, "-m", "selectcheck", "validate", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode in (1, 2), proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def test_plain_validate_step_default_output(project: Path) -> None:
    """`run: selectcheck validate` in a workflow: github annotations by default."""
    log = _validate(project, "records")
    assert log.count("add-mask") >= 5
    assert assert_no_injected_commands(log) >= 8


def test_plain_validate_step_hostile_policy(project: Path) -> None:
    (project / ".selectcheck.yaml").write_text(
        'policy_version: 1\nextends: default\nrecords: ["x\\n::add-mask::y"]\n', encoding="utf-8"
    )
    log = _validate(project)
    assert "add-mask" in log
    assert_no_injected_commands(log)


def test_plain_validate_step_text_format(project: Path) -> None:
    log = _validate(project, "--format", "text", "records")
    assert_no_injected_commands(log)
