"""The GitHub Action: `action.yml` wiring and its script run the way the runner runs it.

`run_action_step` reads `action.yml`, resolves the `env:` of the `validate` step the way the
runner evaluates `${{ }}` (inputs with their defaults, the interpreter from the install
step), and runs the step's `run:` script with `bash --noprofile --norc -eo pipefail` in a
project directory, with fresh `GITHUB_STEP_SUMMARY` and `GITHUB_OUTPUT` files. The action's
outputs are then read back through `action.yml`'s `outputs:` mapping.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from selectcheck.action import ActionInputs, Reports, build_argv, read_inputs, write_outputs
from tests.conftest import REPO, copy_base, git, invoke

ACTION_FILE = REPO / "action.yml"
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
EXPRESSION = re.compile(r"^\$\{\{\s*([^}]+?)\s*\}\}$")
ANNOTATION = re.compile(r"^::(error|warning|notice) (?P<props>[^:]*)::(?P<data>.*)$")
SHA_PIN = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<action>[^@\s]+)@(?P<ref>\S+)(?P<rest>.*)$")
SCHEMA = REPO / "tests" / "data" / "sarif-schema-2.1.0.json"


def action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION_FILE.read_text(encoding="utf-8"))
    return data


def parse_github_output(text: str) -> dict[str, str]:
    """`$GITHUB_OUTPUT` as the runner reads it: `name=value` or `name<<DELIM` … `DELIM`."""
    outputs: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value: list[str] = []
            while lines[i] != delimiter:
                value.append(lines[i])
                i += 1
            i += 1
            outputs[name] = "\n".join(value)
        else:
            name, value_text = line.split("=", 1)
            outputs[name] = value_text
    return outputs


@dataclass
class ActionRun:
    returncode: int
    stdout: str
    stderr: str
    summary: str
    step_outputs: dict[str, str]
    outputs: dict[str, str]  # the action's outputs, through action.yml's `outputs:`

    @property
    def log(self) -> str:
        return self.stdout + self.stderr

    def annotations(self) -> list[tuple[str, dict[str, str], str]]:
        found = []
        for line in self.stdout.splitlines():
            match = ANNOTATION.match(line)
            if match:
                props = dict(p.split("=", 1) for p in match["props"].split(",")) if match["props"] else {}
                found.append((match[1], props, match["data"]))
        return found


def runner_env(workdir: Path) -> dict[str, str]:
    """The environment a hosted runner gives a step, less anything from this machine's CI."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_", "RUNNER_"))}
    runner_temp = workdir.parent / f"{workdir.name}-runner-temp"
    runner_temp.mkdir(exist_ok=True)
    env.update(
        GITHUB_ACTIONS="true",
        CI="true",
        GITHUB_WORKSPACE=str(workdir),
        GITHUB_ACTION_PATH=str(REPO),
        RUNNER_TEMP=str(runner_temp),
        GITHUB_STEP_SUMMARY=str(runner_temp / "step_summary"),
        GITHUB_OUTPUT=str(runner_temp / "output"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.pop("NO_COLOR", None)
    for name in ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"):
        Path(env[name]).write_text("", encoding="utf-8")
    return env


def _bash(script: str, workdir: Path, env: dict[str, str], timeout: int) -> subprocess.CompletedProcess[str]:
    """A composite step's `shell: bash`, as the runner starts it."""
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_install_step(workdir: Path) -> str:
    """The `install` step: a virtual environment with selectcheck from the action's path;
    returns its `python` output."""
    (step,) = [s for s in action()["runs"]["steps"] if s.get("id") == "install"]
    assert step["shell"] == "bash" and "${{" not in step["run"]
    env = runner_env(workdir)
    for key, raw in step["env"].items():
        match = EXPRESSION.match(str(raw))
        assert match and match[1] == "steps.python.outputs.python-path", raw
        env[key] = sys.executable  # what setup-python's `python-path` output names
    proc = _bash(step["run"], workdir, env, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    outputs = parse_github_output(Path(env["GITHUB_OUTPUT"]).read_text(encoding="utf-8"))
    return outputs["python"]


def run_action_step(
    workdir: Path, inputs: dict[str, str] | None = None, python: str = sys.executable, **extra_env: str
) -> ActionRun:
    meta = action()
    values = {name: str(spec.get("default", "")) for name, spec in meta["inputs"].items()}
    for name in inputs or {}:
        assert name in values, f"action.yml has no input {name!r}"
    values.update(inputs or {})
    (step,) = [s for s in meta["runs"]["steps"] if s.get("id") == "validate"]
    env = runner_env(workdir)
    env.update(extra_env)
    for key, raw in step["env"].items():
        match = EXPRESSION.match(str(raw))
        assert match, f"{key}: {raw!r} is not a single expression"
        expression = match[1]
        if expression.startswith("inputs."):
            env[key] = values[expression.removeprefix("inputs.")]
        elif expression == "steps.install.outputs.python":
            env[key] = python  # the test venv has selectcheck installed, as the install step does
        else:
            raise AssertionError(f"unexpected expression {expression!r}")
    script = step["run"]
    assert step["shell"] == "bash" and "${{" not in script
    proc = _bash(script, workdir, env, timeout=120)
    step_outputs = parse_github_output(Path(env["GITHUB_OUTPUT"]).read_text(encoding="utf-8"))
    outputs = {}
    for name, spec in meta["outputs"].items():
        match = EXPRESSION.match(spec["value"])
        assert match and match[1].startswith("steps.validate.outputs."), spec["value"]
        outputs[name] = step_outputs.get(match[1].removeprefix("steps.validate.outputs."), "")
    return ActionRun(
        proc.returncode,
        proc.stdout,
        proc.stderr,
        Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8"),
        step_outputs,
        outputs,
    )


def bad_record(path: Path) -> Path:
    """A record whose `decision.chosen` is not a candidate: SC409 at `chosen_line(path)`."""
    return copy_base(
        path,
        **{"id: MSR-0001": "id: MSR-0002", "chosen: Qwen/Qwen2.5-7B-Instruct": "chosen: Qwen/Qwen2.5-72B-Instruct"},
    )


def chosen_line(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if line.strip().startswith("chosen:"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    (root / "records").mkdir(parents=True)
    copy_base(root / "records" / "0001-faq.yaml")
    return root


# ---- action.yml and the workflows, statically ------------------------------------------


def test_action_metadata_shape() -> None:
    meta = action()
    assert meta["runs"]["using"] == "composite"
    assert set(meta["inputs"]) == {"paths", "policy", "strict", "sarif-file", "changed-only", "extra-args"}
    assert set(meta["outputs"]) == {"errors", "warnings", "sarif-file"}
    assert {"icon", "color"} <= set(meta["branding"]) and len(meta["description"]) <= 125  # Marketplace
    steps = meta["runs"]["steps"]
    setup = [s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python@")]
    assert setup and re.fullmatch(r"3\.\d+", str(setup[0]["with"]["python-version"])), "Python must be pinned"
    install = next(s for s in steps if s.get("id") == "install")
    assert '"$GITHUB_ACTION_PATH"' in install["run"]
    for step in steps:
        if "run" in step:
            assert step.get("shell"), "every composite run step needs a shell"


@pytest.mark.parametrize("path", [ACTION_FILE, *WORKFLOWS], ids=lambda p: p.name)
def test_no_expressions_inside_run_scripts(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    steps = data["runs"]["steps"] if "runs" in data else [s for job in data["jobs"].values() for s in job["steps"]]
    for step in steps:
        assert "${{" not in step.get("run", ""), f"{path.name}: step {step.get('name')!r} expands ${{{{ }}}} in run:"


@pytest.mark.parametrize("path", [ACTION_FILE, *WORKFLOWS], ids=lambda p: p.name)
def test_third_party_actions_are_pinned_by_sha(path: Path) -> None:
    for line in path.read_text(encoding="utf-8").splitlines():
        match = SHA_PIN.match(line)
        if not match or match["action"].startswith("./"):
            continue
        assert re.fullmatch(r"[0-9a-f]{40}", match["ref"]), f"{path.name}: {line.strip()} is not pinned by SHA"
        assert re.search(r"#\s*v\d+(\.\d+)*", match["rest"]), f"{path.name}: {line.strip()} lacks a version comment"


def test_dogfood_workflow_runs_the_action_and_uploads_sarif() -> None:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "dogfood.yml").read_text(encoding="utf-8"))
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    ours = [s for s in steps if s.get("uses") == "./"]
    assert ours and ours[0]["with"]["paths"] == "records/" and ours[0]["with"]["sarif-file"]
    upload = [s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@")]
    assert upload and "always()" in upload[0]["if"]


# ---- the action's script, the way the runner runs it -------------------------------------


def test_annotations_summary_and_outputs(project: Path) -> None:
    bad = bad_record(project / "records" / "0002-bad.yaml")
    run = run_action_step(project, {"paths": "records", "sarif-file": "reports/selectcheck.sarif"})
    assert run.returncode == 1, run.log

    # Annotations: the bad record's SC409 at its line and column; nothing for the good record.
    annotations = run.annotations()
    sc409 = [a for a in annotations if a[1].get("title", "").startswith("SC409")]
    assert sc409, run.stdout
    kind, props, data = sc409[0]
    assert kind == "error"
    assert props["file"] == "records/0002-bad.yaml" and props["line"] == str(chosen_line(bad))
    assert props["col"] == "11" and props["title"] == "SC409 chosen-not-candidate"
    assert "Qwen/Qwen2.5-72B-Instruct" in data
    assert all(a[1].get("file") != "records/0001-faq.yaml" for a in annotations)

    # The counts agree with the JSON report of the same records.
    expected = invoke(["validate", "--format", "json", "records"], project).json()["summary"]
    assert run.outputs["errors"] == str(expected["error"]) != "0"
    assert run.outputs["warnings"] == str(expected["warning"])
    assert set(run.step_outputs) == {"errors", "warnings", "sarif-file"}

    # The job summary: the markdown report, with the verdict and the failing record.
    assert run.summary.strip(), "nothing appended to $GITHUB_STEP_SUMMARY"
    assert "0002-bad.yaml" in run.summary and "SC409" in run.summary
    assert "::error" not in run.summary

    # SARIF written where asked (parent created), named in the output, and valid.
    assert run.outputs["sarif-file"] == "reports/selectcheck.sarif"
    log = json.loads((project / "reports" / "selectcheck.sarif").read_text(encoding="utf-8"))
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    assert {r["ruleId"] for r in log["runs"][0]["results"]} >= {"SC409"}


@pytest.mark.slow
def test_install_step_then_validate_step(project: Path) -> None:
    """Both steps as the runner runs them: pip installs the action's checkout into a fresh
    virtual environment (from the package index), and that interpreter checks the records."""
    bad_record(project / "records" / "0002-bad.yaml")
    python = run_install_step(project)
    assert Path(python).is_file() and "selectcheck-venv" in Path(python).parts
    run = run_action_step(project, {"paths": "records/"}, python=python)
    assert run.returncode == 1, run.log
    assert any(a[1].get("title", "").startswith("SC409") for a in run.annotations())
    assert run.outputs["errors"] != "0" and run.outputs["warnings"] != ""


def test_clean_records_pass_with_zero_counts(project: Path) -> None:
    run = run_action_step(project, {})  # default paths: the policy's record directories
    assert run.returncode == 0, run.log
    assert run.outputs == {"errors": "0", "warnings": "0", "sarif-file": ""}
    assert not [a for a in run.annotations() if a[0] == "error"]
    assert run.summary.strip()


def test_strict_makes_warnings_fail(project: Path) -> None:
    # SC408 (warning): the file name's number does not match the id.
    copy_base(project / "records" / "0005-faq.yaml", **{"id: MSR-0001": "id: MSR-0002"})
    relaxed = run_action_step(project, {"strict": "false"})
    assert relaxed.returncode == 0, relaxed.log
    assert int(relaxed.outputs["warnings"]) >= 1 and relaxed.outputs["errors"] == "0"
    strict = run_action_step(project, {"strict": "true"})
    assert strict.returncode == 1, strict.log
    assert strict.outputs["warnings"] == relaxed.outputs["warnings"]


def test_paths_are_split_like_a_shell_but_never_run_by_one(project: Path) -> None:
    spaced = project / "my records"
    spaced.mkdir()
    bad_record(spaced / "0002-bad.yaml")
    dashed = project / "-odd.yaml"
    copy_base(dashed)
    run = run_action_step(project, {"paths": "'my records/0002-bad.yaml'\n-odd.yaml\n$(touch pwned)"})
    # `$(touch pwned)` is a path that does not exist: a configuration error, not a command.
    assert run.returncode == 2, run.log
    assert not (project / "pwned").exists()
    assert "no such file or directory" in run.stderr
    run = run_action_step(project, {"paths": "'my records/0002-bad.yaml'\n  -odd.yaml  "})
    assert run.returncode == 1, run.log
    files = {a[1].get("file") for a in run.annotations()}
    assert "my records/0002-bad.yaml" in files  # `-odd.yaml` is a path, not an option
    assert run.outputs["errors"] != "0"


def test_extra_args_and_policy_reach_validate(project: Path) -> None:
    bad_record(project / "records" / "0002-bad.yaml")
    (project / "team-policy.yaml").write_text("policy_version: 1\nextends: default\nrules: {SC409: warning}\n")
    run = run_action_step(
        project,
        {"policy": "team-policy.yaml", "extra-args": "--format 'junit=junit report.xml' --ignore SC303"},
    )
    assert run.returncode == 0, run.log  # SC409 is only a warning under this policy
    assert run.outputs["errors"] == "0" and int(run.outputs["warnings"]) >= 1
    assert (project / "junit report.xml").read_text(encoding="utf-8").startswith("<?xml")


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"strict": "maybe"}, "input strict must be true or false"),
        ({"extra-args": "--ignore 'SC207"}, "input extra-args cannot be split"),
        ({"policy": "missing-policy.yaml"}, "selectcheck could not check the records (exit code 2)"),
        ({"extra-args": "--no-such-flag"}, "selectcheck could not check the records (exit code 2)"),
    ],
)
def test_bad_inputs_fail_with_exit_code_2(project: Path, inputs: dict[str, str], message: str) -> None:
    run = run_action_step(project, inputs)
    assert run.returncode == 2, run.log
    assert any(kind == "error" and message in data for kind, _, data in run.annotations()), run.stdout
    assert run.outputs["errors"] == "" and run.outputs["sarif-file"] == ""


def test_changed_only_checks_the_pull_requests_records(project: Path) -> None:
    # The base branch already holds a bad record; the pull request adds a good one.
    bad_record(project / "records" / "0002-bad.yaml")
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "base")
    git(project, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(project, "checkout", "-q", "-b", "feature")
    copy_base(project / "records" / "0003-faq.yaml", **{"id: MSR-0001": "id: MSR-0003"})
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "pr")
    run = run_action_step(project, {"changed-only": "true"}, GITHUB_BASE_REF="main", GITHUB_EVENT_NAME="pull_request")
    assert run.returncode == 0, run.log
    assert run.outputs["errors"] == "0"
    assert "0002-bad.yaml" not in run.stdout


REPORTS = Reports.under(Path("tmp"))


def test_without_changed_only_a_pull_request_checks_every_record(project: Path) -> None:
    bad_record(project / "records" / "0002-bad.yaml")
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "base")
    git(project, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(project, "checkout", "-q", "-b", "feature")
    copy_base(project / "records" / "0003-faq.yaml", **{"id: MSR-0001": "id: MSR-0003"})
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "pr")
    run = run_action_step(project, {"changed-only": "false"}, GITHUB_BASE_REF="main", GITHUB_EVENT_NAME="pull_request")
    assert run.returncode == 1, run.log
    assert "records/0002-bad.yaml" in run.stdout


def test_build_argv() -> None:
    inputs = read_inputs(
        {
            "INPUT_PATHS": "records/a.yaml\n'b c.yaml'",
            "INPUT_POLICY": "p.yaml",
            "INPUT_STRICT": "True",
            "INPUT_SARIF_FILE": "out.sarif",
            "INPUT_CHANGED_ONLY": "true",
            "INPUT_EXTRA_ARGS": "--ignore SC207",
        }
    )
    argv = build_argv(inputs, {"GITHUB_BASE_REF": "main"}, REPORTS)
    assert argv[0] == "validate"
    assert argv[-3:] == ["--", "records/a.yaml", "b c.yaml"]
    joined = " ".join(argv)
    assert "--format sarif=out.sarif" in joined and "--policy p.yaml" in joined and "--strict" in argv
    assert "--changed-since origin/main" in joined and "--ignore SC207" in joined
    # Outside a pull request, changed-only has no base to compare with: everything is checked.
    assert "--changed-since" not in build_argv(inputs, {}, REPORTS)
    assert "--" not in build_argv(ActionInputs(), {}, REPORTS)


def test_outputs_are_multiline_safe(tmp_path: Path) -> None:
    target = tmp_path / "output"
    write_outputs(str(target), {"sarif-file": "a\nerrors=999\nb", "errors": "1"})
    assert parse_github_output(target.read_text(encoding="utf-8")) == {
        "sarif-file": "a\nerrors=999\nb",
        "errors": "1",
    }


# ---- the snippets in docs/integrations.md ---------------------------------------------------

DOCS = REPO / "docs" / "integrations.md"


def _yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S)


def test_docs_workflow_snippet_is_a_valid_workflow(tmp_path: Path) -> None:
    workflows = [b for b in _yaml_blocks() if b.lstrip().startswith("# .github/workflows/")]
    assert workflows
    for index, block in enumerate(workflows):
        path = tmp_path / f"workflow{index}.yml"
        path.write_text(block, encoding="utf-8")
        data = yaml.safe_load(block)
        steps = [s for job in data["jobs"].values() for s in job["steps"]]
        assert any(str(s.get("uses", "")).startswith("OWNER/selectcheck@") for s in steps)
        assert all("${{" not in s.get("run", "") for s in steps)
        proc = subprocess.run(
            [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
    # The inputs the docs use exist.
    names = set(action()["inputs"])
    for block in workflows:
        for step in (s for job in yaml.safe_load(block)["jobs"].values() for s in job["steps"]):
            if str(step.get("uses", "")).startswith("OWNER/selectcheck@"):
                assert set(step.get("with", {})) <= names


def test_docs_precommit_snippet_is_a_valid_config(tmp_path: Path) -> None:
    from pre_commit.clientlib import load_config

    (block,) = [b for b in _yaml_blocks() if b.startswith("repos:")]
    path = tmp_path / ".pre-commit-config.yaml"
    path.write_text(block, encoding="utf-8")
    config = load_config(str(path))
    assert config["repos"][0]["hooks"][0]["id"] == "selectcheck"
