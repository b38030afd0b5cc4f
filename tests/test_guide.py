"""docs/guide.md works as written: its commands, run in order in an empty directory, exit as
annotated and print what the guide shows; its file edits apply; its links resolve. Also
checks the editor-setup page against the repository it describes."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO, invoke

GUIDE = REPO / "docs" / "guide.md"
EDITOR_SETUP = REPO / "docs" / "editor-setup.md"

_FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_MARKER = re.compile(r"<!--\s*guide:\s*(write|append|edit)\s+(\S+)\s*-->\s*$")
_EXIT = re.compile(r"#\s*exit\s+(\d+)\s*$")


@dataclass
class Command:
    line: str  # as shown after `$ `
    argv: list[str]
    exit_code: int
    shown: list[str]  # the output lines the guide shows


@dataclass
class FileStep:
    action: str  # write | append | edit
    path: str
    body: str


Step = Command | FileStep


def _commands(block: str) -> list[Command]:
    commands: list[Command] = []
    for raw in block.splitlines():
        if raw.startswith("$ "):
            line = raw[2:].strip()
            match = _EXIT.search(line)
            argv = shlex.split(line, comments=True)
            assert argv[0] == "selectcheck", f"the guide may only run selectcheck: {line}"
            commands.append(Command(line, argv[1:], int(match.group(1)) if match else 0, []))
        else:
            assert commands, f"output before any command: {raw!r}"
            commands[-1].shown.append(raw)
    return commands


def guide_steps(text: str) -> list[Step]:
    """Console blocks become commands; a yaml or diff block after a `<!-- guide: … -->`
    marker becomes a file step. Other blocks are illustration only."""
    steps: list[Step] = []
    for match in _FENCE.finditer(text):
        language, body = match.group(1), match.group(2)
        before = text[: match.start()].rstrip().splitlines()
        marker = _MARKER.search(before[-1]) if before else None
        if marker is not None:
            steps.append(FileStep(marker.group(1), marker.group(2), body))
        elif language in ("console", "bash") and "$ selectcheck" in body:
            steps.extend(_commands(body))
    return steps


def _normalized(text: str) -> str:
    return " ".join(text.split())


def _assert_shows(command: Command, output: str) -> None:
    printed = _normalized(output)
    for line in command.shown:
        expected = line.strip()
        if expected in ("", "…"):
            continue
        expected = _normalized(expected.strip("…"))
        assert expected in printed, f"docs/guide.md shows {line!r} for `{command.line}`, but it printed:\n{output}"


def _apply_diff(text: str, diff: str, where: str) -> str:
    for hunk in re.split(r"^@@.*\n", diff, flags=re.MULTILINE):
        old: list[str] = []
        new: list[str] = []
        for line in hunk.splitlines():
            mark, rest = line[:1], line[1:]
            assert mark in (" ", "-", "+"), f"{where}: not a diff line: {line!r}"
            if mark in (" ", "-"):
                old.append(rest)
            if mark in (" ", "+"):
                new.append(rest)
        before, after = "\n".join(old) + "\n", "\n".join(new) + "\n"
        assert text.count(before) == 1, f"{where}: the guide's edit does not match the file:\n{before}"
        text = text.replace(before, after)
    return text


def _apply(step: FileStep, project: Path) -> None:
    path = project / step.path
    if step.action == "write":
        path.parent.mkdir(parents=True, exist_ok=True)  # evaluation outputs live in their own folders
        path.write_text(step.body, encoding="utf-8")
    elif step.action == "append":
        assert path.is_file(), f"the guide appends to {step.path}, which does not exist yet"
        path.write_text(path.read_text(encoding="utf-8") + step.body, encoding="utf-8")
    else:
        path.write_text(_apply_diff(path.read_text(encoding="utf-8"), step.body, step.path), encoding="utf-8")


def test_the_guide_runs_as_written(tmp_path: Path) -> None:
    steps = guide_steps(GUIDE.read_text(encoding="utf-8"))
    used = {step.argv[0] for step in steps if isinstance(step, Command)}
    assert {"shortlist", "estimate", "noise", "new", "validate", "import"} <= used
    # The lesson's order: the shortlist first, then the record, then the evidence.
    order = [step.argv[0] for step in steps if isinstance(step, Command)]
    assert order[0] == "shortlist" and order.index("shortlist") < order.index("new") < order.index("noise")
    for step in steps:
        if isinstance(step, FileStep):
            _apply(step, tmp_path)
            continue
        result = invoke(step.argv, tmp_path)
        output = result.stdout + result.stderr
        assert result.exit_code == step.exit_code, (
            f"`{step.line}` exited {result.exit_code}, the guide says {step.exit_code}:\n{output}"
        )
        _assert_shows(step, output)
    # The walk ends at an accepted record that passes.
    (record,) = sorted((tmp_path / "records").glob("*.yaml"))
    assert "\nstatus: accepted\n" in record.read_text(encoding="utf-8")
    final = invoke(["validate", "--format", "json", "records/"], tmp_path)
    assert final.exit_code == 0
    assert final.json()["summary"]["error"] == 0 and final.json()["summary"]["warning"] == 0


def test_the_guide_reads_its_own_steps() -> None:
    text = "\n".join(
        [
            "```console",
            "$ selectcheck validate records/   # exit 1",
            "…SC201 [error] x…",
            "```",
            "<!-- guide: edit r.yaml -->",
            "```diff",
            "-a: 1",
            "+a: 2",
            "```",
            "```yaml",
            "not: a step",
            "```",
        ]
    )
    steps = guide_steps(text)
    assert steps == [
        Command("selectcheck validate records/   # exit 1", ["validate", "records/"], 1, ["…SC201 [error] x…"]),
        FileStep("edit", "r.yaml", "-a: 1\n+a: 2\n"),
    ]
    assert _apply_diff("a: 1\nb: 2\n", "-a: 1\n+a: 2\n b: 2\n", "r") == "a: 2\nb: 2\n"
    with pytest.raises(AssertionError):
        _apply_diff("a: 1\n", "-c: 3\n", "r")


def test_the_guides_links_resolve() -> None:
    text = GUIDE.read_text(encoding="utf-8") + EDITOR_SETUP.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    assert targets
    for target in targets:
        if "://" in target:
            continue
        assert (GUIDE.parent / target).exists(), f"broken link in docs: {target}"


def test_the_guide_links_every_rule_it_names() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    prose = _FENCE.sub("", text)
    for code in set(re.findall(r"\bSC\d{3}\b", prose)):
        assert f"[{code}](rules/{code}.md)" in prose, f"docs/guide.md names {code} without linking its page"


def test_editor_setup_matches_the_repository() -> None:
    text = EDITOR_SETUP.read_text(encoding="utf-8")
    settings = json.loads(text.split("```json\n", 1)[1].split("```", 1)[0])
    ((schema, globs),) = settings["yaml.schemas"].items()
    assert (REPO / schema).is_file()
    # The record folder and every folder below it, in the glob syntax of yaml-language-server
    # (`**` is zero or more folders); tests/integrations/test_yaml_language_server.py runs
    # the server with this very block.
    assert "records/**/*.yaml" in globs
    modeline = "# yaml-language-server: $schema=../schemas/record.schema.json"
    assert modeline in text
    for record in (REPO / "records").glob("*.yaml"):
        assert record.read_text(encoding="utf-8").startswith(modeline + "\n")
    # The documented way to vendor the schema prints the committed schema.
    assert "selectcheck schema record > schemas/record.schema.json" in text
    printed = invoke(["schema", "record"], REPO).stdout
    assert printed == (REPO / "schemas" / "record.schema.json").read_text(encoding="utf-8")


def test_new_writes_a_relative_modeline_once_the_schema_is_vendored(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    schema = invoke(["schema", "record"], tmp_path).stdout
    (tmp_path / "schemas" / "record.schema.json").write_text(schema, encoding="utf-8")
    assert invoke(["new", "Vendored", "--task", "code"], tmp_path).exit_code == 0
    (record,) = (tmp_path / "records").glob("*.yaml")
    first = record.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/record.schema.json"
