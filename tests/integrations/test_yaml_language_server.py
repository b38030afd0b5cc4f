"""The editor and `selectcheck validate` agree: Red Hat's yaml-language-server (the engine of
VS Code's YAML extension), driven over stdio through its real language-server protocol.

The server is the npm package pinned in `.ci/node/package-lock.json`; `.ci/run` installs it
(`npm ci --prefix .ci/node`) and this module does the same when it is missing and npm is
present. Without Node.js the module is skipped, saying so.

The editor settings are the ones `docs/editor-setup.md` tells users to write: its
`yaml.schemas` block is read from the page, so the page cannot show a mapping that does not
work. The workspace is a copy of the project: the schema, the example records with their
modeline, and the same records without one in nested folders, which only the glob mapping
can reach.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, invoke
from tests.integrations.lsp import LanguageServerClient

NODE_DIR = REPO / ".ci" / "node"
SERVER = NODE_DIR / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
EDITOR_SETUP = REPO / "docs" / "editor-setup.md"
SCHEMA_CODES = {"SC002", "SC003"}  # what the editor can know: the record schema
EXAMPLES = sorted((REPO / "records").glob("*.yaml"))
BASE = REPO / "records" / "0001-code-review-assistant.yaml"
MAPPED_FOLDERS = (".", "team-a", "team-b/2026")
RECORD_SCHEMA = json.loads((REPO / "schemas" / "record.schema.json").read_text(encoding="utf-8"))


# ---- the server ----------------------------------------------------------------------------


def _server_command() -> list[str]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the yaml-language-server test needs `node` (and npm once)")
    if not SERVER.is_file():
        _install_server()
    return [node, str(SERVER), "--stdio"]


def _install_server() -> None:
    """`npm ci` from the committed lock file, as `.ci/run` does; one installer at a time."""
    import fcntl

    npm = shutil.which("npm")
    if npm is None:
        pytest.fail(f"{SERVER} is missing and npm is not installed: run `npm ci --prefix .ci/node`")
    with (NODE_DIR / "package.json").open("rb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if SERVER.is_file():
            return
        result = subprocess.run(
            [npm, "ci", "--prefix", str(NODE_DIR), "--ignore-scripts", "--no-audit", "--no-fund"],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    if result.returncode != 0 or not SERVER.is_file():
        pytest.fail(f"`npm ci --prefix .ci/node` failed:\n{result.stdout}\n{result.stderr}")


def documented_settings() -> dict[str, Any]:
    """The `yaml.*` settings of the JSON block in docs/editor-setup.md, as the `yaml` section
    VS Code would serve them."""
    text = EDITOR_SETUP.read_text(encoding="utf-8")
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", text, re.S) if '"yaml.schemas"' in b]
    assert len(blocks) == 1, "docs/editor-setup.md must show exactly one `yaml.schemas` settings block"
    return {key.removeprefix("yaml."): value for key, value in blocks[0].items() if key.startswith("yaml.")}


@dataclass
class Editor:
    """One running server over a workspace folder, used as an editor uses it."""

    client: LanguageServerClient
    root: Path
    _versions: dict[str, int]

    def open(self, path: Path, text: str | None = None) -> list[dict[str, Any]]:
        """Open a document (its text on disk unless given) and return its diagnostics."""
        uri = path.as_uri()
        seen = self.client.publications(uri)
        self._versions[uri] = 1
        document = {"uri": uri, "languageId": "yaml", "version": 1, "text": text or path.read_text("utf-8")}
        self.client.notify("textDocument/didOpen", {"textDocument": document})
        return self.client.diagnostics_after(uri, seen)

    def change(self, path: Path, text: str) -> list[dict[str, Any]]:
        uri = path.as_uri()
        seen = self.client.publications(uri)
        self._versions[uri] += 1
        self.client.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": self._versions[uri]}, "contentChanges": [{"text": text}]},
        )
        return self.client.diagnostics_after(uri, seen)

    def hover(self, path: Path, line: int, character: int) -> str:
        position = {"line": line, "character": character}
        params = {"textDocument": {"uri": path.as_uri()}, "position": position}
        result = self.client.request("textDocument/hover", params)
        return "" if result is None else str(result["contents"]["value"])

    def completion(self, path: Path, line: int, character: int) -> list[dict[str, Any]]:
        position = {"line": line, "character": character}
        result = self.client.request(
            "textDocument/completion", {"textDocument": {"uri": path.as_uri()}, "position": position}
        )
        items: list[dict[str, Any]] = result["items"] if isinstance(result, dict) else result
        return items


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The schema where the docs say to keep it, the example records as they are (with their
    modeline), and the same records without a modeline beside them and one and two folders
    deeper."""
    root = tmp_path_factory.mktemp("workspace")
    (root / "schemas").mkdir()
    shutil.copy(REPO / "schemas" / "record.schema.json", root / "schemas")
    shutil.copytree(REPO / "records", root / "records")
    for folder in MAPPED_FOLDERS:
        for example in EXAMPLES:
            _write(root / "records" / folder / f"plain-{example.name}", _without_modeline(example.read_text("utf-8")))
    return root


@pytest.fixture(scope="module")
def editor(workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Editor]:
    command = _server_command()
    # Offline and deterministic: no schema store download, no telemetry; the rest is the docs'.
    settings = {"yaml": {**documented_settings(), "schemaStore": {"enable": False}}, "http": {}}
    log_path = tmp_path_factory.mktemp("yaml-language-server") / "stderr.log"
    with log_path.open("wb") as log:
        client = LanguageServerClient(command, workspace, log, lambda section: settings.get(section))
        client.request(
            "initialize",
            {
                "processId": None,
                "rootUri": workspace.as_uri(),
                "workspaceFolders": [{"uri": workspace.as_uri(), "name": workspace.name}],
                "capabilities": {
                    "workspace": {"configuration": True, "didChangeConfiguration": {"dynamicRegistration": True}},
                    "textDocument": {
                        "completion": {"completionItem": {"snippetSupport": True}},
                        "hover": {"contentFormat": ["markdown", "plaintext"]},
                        "publishDiagnostics": {},
                    },
                },
            },
        )
        client.notify("initialized", {})
        client.notify("workspace/didChangeConfiguration", {"settings": None})
        ready = Editor(client, workspace, {})
        _wait_until_the_mapping_applies(ready, workspace)
        yield ready
        assert client.shutdown() == 0, log_path.read_text("utf-8", "replace")


def _wait_until_the_mapping_applies(editor: Editor, workspace: Path) -> None:
    """Settings arrive asynchronously; until they do, every document is schema-free and gets
    no diagnostics, which would make every "no diagnostics" below pass for nothing. A
    document with a typo is edited until the server reports it."""
    probe = workspace / "records" / "probe" / "0099-probe.yaml"
    _write(probe, "schema_version: 1\ntypo_key: 1\n")
    diagnostics = editor.open(probe)
    for attempt in range(200):
        if diagnostics:
            return
        diagnostics = editor.change(probe, f"schema_version: 1\ntypo_key: {attempt}\n")
    pytest.fail("the yaml.schemas mapping of docs/editor-setup.md never applied to records/probe/0099-probe.yaml")


# ---- helpers ---------------------------------------------------------------------------------


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _without_modeline(text: str) -> str:
    first, rest = text.split("\n", 1)
    assert first.startswith("# yaml-language-server:")
    return rest


def _position(text: str, key: str, occurrence: int = 0) -> tuple[int, int]:
    """0-based line and character of the `occurrence`-th `key:` in `text`."""
    found = [
        (number, match.start(1))
        for number, line in enumerate(text.splitlines())
        if (match := re.match(rf"\s*(?:- )?({re.escape(key)}):", line))
    ]
    return found[occurrence]


def _selectcheck(workspace: Path, path: Path) -> list[dict[str, Any]]:
    result = invoke(["validate", "--format", "json", path.relative_to(workspace).as_posix()], workspace)
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    diagnostics: list[dict[str, Any]] = result.json()["diagnostics"]
    return diagnostics


def _lines(diagnostics: list[dict[str, Any]]) -> set[int]:
    """1-based lines of editor diagnostics (LSP ranges are 0-based)."""
    return {d["range"]["start"]["line"] + 1 for d in diagnostics}


# ---- valid records: silence, and the schema really applies -------------------------------------


@pytest.mark.parametrize("name", ["", *(f"{folder}/plain-" for folder in MAPPED_FOLDERS)])
@pytest.mark.parametrize("example", [p.name for p in EXAMPLES])
def test_valid_records_get_no_diagnostics(editor: Editor, workspace: Path, name: str, example: str) -> None:
    # records/*.yaml through their modeline; the copies without one (beside them, one and two
    # folders deeper) through the documented glob mapping.
    path = workspace / "records" / f"{name}{example}"
    assert editor.open(path) == []
    # No diagnostics counts only if the schema applied: its help text is there on hover.
    text = path.read_text("utf-8")
    assert "Tokens per sequence" in editor.hover(path, *_position(text, "context_length"))


# ---- broken records: the editor flags each schema error where selectcheck does -----------------

# (name, text in the example record, its replacement, selectcheck's code): one schema error
# each, of every kind the schema has (unknown key, enum, type, required, pattern, range,
# either-key, empty list, date shape, schema_version), at the top level and nested.
BROKEN = [
    ("unknown-top-level-key", "status: accepted\n", "status: accepted\nowner: platform\n", "SC002"),
    ("status-typo", "status: accepted", "status: acepted", "SC002"),
    ("id-pattern", "id: MSR-0001", "id: msr-1", "SC002"),
    ("title-missing", "title: Base model for the pull-request review assistant\n", "", "SC002"),
    ("decision-makers-empty", "decision_makers: [ana@example.com, li@example.com]", "decision_makers: []", "SC002"),
    ("date-shape", "date: 2026-11-02", "date: 02.11.2026", "SC002"),
    # The editor's "Value must be 1." is selectcheck's SC003, on the same node.
    ("schema-version", "schema_version: 1", "schema_version: 2", "SC003"),
    ("intended-use-typo", "intended_use: commercial", "intended_use: comercial", "SC002"),
    ("user-facing-type", "user_facing: true", "user_facing: sometimes", "SC002"),
    ("workload-key-typo", "gradient_checkpointing: true", "gradient_checkpoint: true", "SC002"),
    ("mode-typo", "mode: lora", "mode: lora-4bit", "SC002"),
    ("precision-typo", "precision: bf16", "precision: bf-16", "SC002"),
    ("context-length-type", "context_length: 4096", "context_length: 4k", "SC002"),
    ("batch-size-zero", "batch_size: 2", "batch_size: 0", "SC002"),
    ("hardware-neither-key", "hardware: {gpu: L4}", "hardware: {count: 1}", "SC002"),
    ("engine-typo", "engine: vllm", "engine: vLLM-0.6", "SC002"),
    ("latency-negative", "p95_budget: 2500", "p95_budget: -1", "SC002"),
    ("score-type", "value: 88.4", "value: high", "SC002"),
    ("score-key-typo", 'source: "https://arxiv.org/abs/2409.12186", set', 'sauce: "https://arxiv.org", set', "SC002"),
    ("reason-kind-typo", "- kind: license", "- kind: licence", "SC002"),
    ("candidates-empty", "candidates:\n  - model: Qwen", "candidates: []\nx-was:\n  - model: Qwen", "SC002"),
    ("own-evaluation-n-type", "n: 400", "n: four hundred", "SC002"),
    # `yes` is text in YAML 1.2, which the editor and selectcheck both read.
    ("yaml11-boolean", "user_facing: true", "user_facing: yes", "SC002"),
]  # fmt: skip


def _broken(workspace: Path, name: str, old: str, new: str) -> Path:
    text = _without_modeline(BASE.read_text("utf-8"))
    assert old in text, old
    return _write(workspace / "records" / "broken" / f"0001-{name}.yaml", text.replace(old, new, 1))


def _positions(diagnostics: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """1-based (line, column) of selectcheck's diagnostics or of the editor's (LSP ranges
    are 0-based)."""
    return sorted(
        (d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1)
        if "range" in d
        else (d["line"], d["column"])
        for d in diagnostics
    )


@pytest.mark.parametrize(("name", "old", "new", "code"), BROKEN, ids=[b[0] for b in BROKEN])
def test_each_schema_error_is_flagged_where_selectcheck_flags_it(
    editor: Editor, workspace: Path, name: str, old: str, new: str, code: str
) -> None:
    path = _broken(workspace, name, old, new)
    schema_errors = [d for d in _selectcheck(workspace, path) if d["code"] in SCHEMA_CODES]
    assert {d["code"] for d in schema_errors} == {code}
    # Errors at the same places, each on the same line and column: none missing, none extra.
    assert set(_positions(editor.open(path))) == set(_positions(schema_errors))


def test_only_validate_knows_february_has_no_30th(editor: Editor, workspace: Path) -> None:
    # docs/editor-setup.md: the editor checks only the shape of a date.
    path = _broken(workspace, "february-30", "date: 2026-11-02", "date: 2026-02-30")
    assert [(d["code"], d["line"]) for d in _selectcheck(workspace, path)] == [("SC002", 5)]
    assert editor.open(path) == []


def test_only_validate_warns_about_a_leading_zero(editor: Editor, workspace: Path) -> None:
    # docs/editor-setup.md: `0150` is 150 to the editor (YAML 1.2) and to selectcheck, which
    # warns that YAML 1.1 tools read it as 104.
    path = _broken(workspace, "leading-zero", "context_length: 4096", "context_length: 0150")
    found = [(d["severity"], d["line"]) for d in _selectcheck(workspace, path) if d["code"] in SCHEMA_CODES]
    assert found == [("warning", 21)]
    assert editor.open(path) == []


# ---- completion and hover ---------------------------------------------------------------------


def test_precision_completes_to_every_allowed_value(editor: Editor, workspace: Path) -> None:
    path = workspace / "records" / "team-a" / f"plain-{BASE.name}"
    text = path.read_text("utf-8")
    line, character = _position(text, "precision")
    editor.open(path)
    items = editor.completion(path, line, character + len("precision: "))
    allowed = RECORD_SCHEMA["$defs"]["Workload"]["properties"]["precision"]["enum"]
    assert sorted(item["label"] for item in items) == sorted(allowed)


def test_optional_keys_complete_without_a_null_placeholder(editor: Editor, workspace: Path) -> None:
    # The serving workload of the example, with an empty line to complete a key on.
    path = workspace / "records" / "completion" / BASE.name
    text = _without_modeline(BASE.read_text("utf-8"))
    text = text.replace("    batch_size: 8\n", "    batch_size: 8\n    \n", 1)
    _write(path, text)
    editor.open(path)
    line = text.splitlines().index("    batch_size: 8") + 1
    items = {item["label"]: item for item in editor.completion(path, line, 4)}
    workload = RECORD_SCHEMA["$defs"]["Workload"]["properties"]
    present = {"name", "mode", "engine", "hardware", "precision", "context_length", "batch_size", "latency_ms"}
    assert set(items) == set(workload) - present
    inserted = {label: item.get("insertText") or item["textEdit"]["newText"] for label, item in items.items()}
    assert not [text for text in inserted.values() if "null" in text], inserted
    assert inserted["kv_cache_precision"] == "kv_cache_precision: "


def test_hover_shows_the_help_of_context_length(editor: Editor, workspace: Path) -> None:
    path = workspace / "records" / "team-b" / "2026" / f"plain-{BASE.name}"
    text = path.read_text("utf-8")
    editor.open(path)
    hover = editor.hover(path, *_position(text, "context_length"))
    schema = RECORD_SCHEMA["$defs"]["Workload"]["properties"]["context_length"]
    assert hover.startswith(f"#### {schema['title']}\n\n{schema['description']}")


def test_hover_titles_are_written_for_people(editor: Editor, workspace: Path) -> None:
    path = workspace / "records" / BASE.name
    text = path.read_text("utf-8")
    editor.open(path)
    titles = {}
    for number, line in enumerate(text.splitlines()):
        match = re.match(r"\s*(?:- )?([a-z_0-9-]+):", line)
        if match and not line.lstrip().startswith("#"):
            hover = editor.hover(path, number, match.start(1))
            titles[match.group(1)] = hover.split("\n", 1)[0].removeprefix("#### ")
    # No class names (`OwnEvaluation`) and no joined alternatives (`Hardware || Hardware`).
    assert not [t for t in titles.values() if "||" in t or re.search(r"[a-z][A-Z][a-z]", t)], titles
    assert titles["own_evaluation"] == "Own evaluation"
    assert titles["latency_ms"] == "Latency (ms)"
    assert titles["hardware"] == "Hardware: GPU"
    assert titles["context_length"] == "Context length"


# ---- the modeline ---------------------------------------------------------------------------------


def test_a_copied_modeline_is_sc008_and_its_fix_turns_the_editor_back_on(editor: Editor, workspace: Path) -> None:
    # A record moved one folder down with its modeline copied from records/, and a typo.
    path = workspace / "records" / "team-c" / BASE.name
    text = BASE.read_text("utf-8").replace("status: accepted", "status: acepted", 1)
    _write(path, text)
    found = _selectcheck(workspace, path)
    (modeline,) = [d for d in found if d["code"] == "SC008"]
    (typo,) = [d for d in found if d["code"] == "SC002"]
    assert (modeline["line"], modeline["column"], modeline["severity"]) == (1, 33, "warning")
    # The editor: the schema cannot be loaded, and the typo goes unseen.
    seen = editor.open(path)
    assert [d["message"] for d in seen if "Unable to load schema" in d["message"]], seen
    assert typo["line"] not in _lines(seen)
    # The line SC008 says to write brings the editor's checking back, and SC008 is satisfied.
    fix = re.search(r"`(# yaml-language-server: \$schema=[^`]+)`", modeline["help"])
    assert fix is not None and fix.group(1) == "# yaml-language-server: $schema=../../schemas/record.schema.json"
    fixed = fix.group(1) + "\n" + text.split("\n", 1)[1]
    _write(path, fixed)
    assert _positions(editor.change(path, fixed)) == _positions([typo])
    assert [d["code"] for d in _selectcheck(workspace, path)] == ["SC002"]
