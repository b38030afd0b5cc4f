"""Run one fuzz case through the real CLI and judge the result.

A case is a small project on disk: the mutated record (or a mutated policy or catalog) next to
a control record whose finding is known. The run writes all six report formats to files, and
each is parsed back. A crash is anything a user should never see:

- an exception escaping the command, or a rule's internal error;
- an exit code other than 0 or 1 for a record (a record is data, never the run's
  configuration), or other than 0, 1 or 2 for a policy; exit 2 without a one-line reason;
- a report that does not parse as its format, or a diagnostic without a location inside
  the file;
- the control record's finding missing: one broken record must never hide the others.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import tempfile
import traceback
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from selectcheck.catalog import load_catalog
from selectcheck.cli import main
from tests.fuzz.mutate import FIXTURES, Case

FORMATS = {
    "json": "report.json",
    "sarif": "report.sarif",
    "junit": "report.xml",
    "markdown": "report.md",
    "github": "annotations.txt",
    "text": "report.txt",
}
CONTROL_NAME = "9000-control.yaml"
# The control record claims phi-4 scores lower on ifeval than it does: SC208 at that reason,
# waived, so that the policy's waiver limits are exercised on every run too.
CONTROL_RECORD = (FIXTURES / "base-record.yaml").read_text(encoding="utf-8").replace(
    "id: MSR-0001", "id: MSR-9000"
).replace("ifeval: {value: 63.0", "ifeval: {value: 75.0") + (
    "\nwaivers:\n  - rule: SC208\n    reason: The comparison is on our own data.\n"
    "    approved_by: ana@example.com\n    expires: 2027-06-30\n"
)
CONTROL_FINDING = ("SC208", f"records/{CONTROL_NAME}")

_ANNOTATION = re.compile(r"^::(error|warning|notice)( [^:\r\n]*)?::[^\r\n]*$")
_CODE = re.compile(r"^SC[0-9]{3}$")


@dataclass(slots=True)
class Outcome:
    exit_code: int
    problems: list[str] = field(default_factory=list)
    stderr: str = ""

    @property
    def crashed(self) -> bool:
        return bool(self.problems)

    def signature(self) -> str:
        """What distinguishes one crash from another (the first problem, without numbers)."""
        first = self.problems[0] if self.problems else ""
        return re.sub(r"[0-9]+", "N", first.splitlines()[0])[:160]


@contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def build_project(case: Case, root: Path) -> list[str]:
    """Write the case's files under `root`; the `validate` arguments that check them."""
    records = root / "records"
    records.mkdir(parents=True)
    (records / CONTROL_NAME).write_text(CONTROL_RECORD, encoding="utf-8")
    if case.policy is not None:
        (root / ".selectcheck.yaml").write_bytes(case.policy)
    if case.catalog is not None:
        (root / "catalog").mkdir()
        (root / "catalog" / "gpus.yaml").write_bytes(case.catalog)
    if case.target == "stdin":
        assert case.stdin_name is not None
        return ["--stdin-filename", case.stdin_name, "-", "records"]
    (records / os.fsdecode(case.record_name)).write_bytes(case.record)
    return ["records"]


def run_case(case: Case, workdir: Path | None = None) -> Outcome:
    base = Path(tempfile.mkdtemp(prefix="selectcheck-fuzz-", dir=workdir))
    try:
        root, out = base / "project", base / "out"
        root.mkdir()
        out.mkdir()
        paths = build_project(case, root)
        args = ["validate", "--color", "never"]
        for name, file in FORMATS.items():
            args += ["--format", f"{name}={out / file}"]
        with _working_directory(root):
            result = CliRunner().invoke(
                main, [*args, *paths], input=case.record if case.target == "stdin" else None, catch_exceptions=True
            )
        outcome = Outcome(result.exit_code, stderr=result.stderr)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            assert result.exc_info is not None
            frames = traceback.extract_tb(result.exc_info[2])
            ours = [f for f in frames if "selectcheck" in f.filename] or frames
            where = f"{Path(ours[-1].filename).name}:{ours[-1].name}" if ours else "?"
            outcome.problems.append(
                f"exception {type(result.exception).__name__} in {where}: {result.exception}"[:2000]
            )
            return outcome
        _judge(case, outcome, root, out)
        return outcome
    finally:
        shutil.rmtree(base, ignore_errors=True)
        if case.policy is not None:
            # Catalogs are cached per path for the process; each case's paths are new.
            load_catalog.cache_clear()


def _judge(case: Case, outcome: Outcome, root: Path, out: Path) -> None:
    code, stderr = outcome.exit_code, outcome.stderr
    if "internal error" in stderr or "Traceback" in stderr:
        line = next(line for line in stderr.splitlines() if "internal error" in line or "Traceback" in line)
        outcome.problems.append(f"internal error: {line}"[:2000])
        return
    record_case = case.target in ("record", "stdin")
    allowed = {0, 1} if record_case else {0, 1, 2}
    if code not in allowed:
        outcome.problems.append(f"exit code {code} for a {case.target} input: {stderr.strip()[:300]}")
        return
    if code == 2:
        if not stderr.startswith("selectcheck: error:") or len(stderr.splitlines()) > 2:
            outcome.problems.append(f"exit 2 without a one-line reason: {stderr[:300]!r}")
        return
    texts: dict[str, str] = {}
    for name, file in FORMATS.items():
        try:
            texts[name] = (out / file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            outcome.problems.append(f"{name} report unreadable: {type(exc).__name__}")
    if outcome.problems:
        return
    try:
        report = _check_json(texts["json"], root, case)
        _check_sarif(texts["sarif"], report)
        _check_junit(texts["junit"], report)
        _check_markdown(texts["markdown"])
        _check_github(texts["github"])
        _check_text(texts["text"], report)
    except (AssertionError, ValueError, ET.ParseError, KeyError, TypeError) as exc:
        outcome.problems.append(f"report check failed: {type(exc).__name__}: {exc}"[:2000])
        return
    if record_case:
        found = {(d["code"], d["file"]) for d in report["diagnostics"]}
        if CONTROL_FINDING not in found:
            outcome.problems.append("the control record's SC208 finding is missing: a broken record hid another")


def _line_count(path: Path) -> int:
    try:
        text = path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return 10**9  # stdin or an unreadable name: only the lower bound is checked
    return max(len(re.split(r"\r\n|\r|\n|\x85|\u2028|\u2029", text)), 1)


def _check_json(text: str, root: Path, case: Case) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(text)
    assert report["tool"] == "selectcheck"
    assert isinstance(report["files"], int) and report["files"] >= 1
    assert set(report["summary"]) == {"error", "warning", "info", "waived"}
    for diag in report["diagnostics"]:
        assert _CODE.match(diag["code"]), diag
        assert diag["severity"] in ("error", "warning", "info"), diag
        assert 1 <= diag["line"] <= diag["end_line"], diag
        assert diag["column"] >= 1 and diag["end_column"] >= 1, diag
        assert isinstance(diag["message"], str) and diag["message"], diag
        assert isinstance(diag["help"], str), diag
        lines = _line_count(root / diag["file"]) if case.target != "stdin" else 10**9
        assert diag["line"] <= lines + 1, (diag, lines)
    return report


def _check_sarif(text: str, report: dict[str, Any]) -> None:
    sarif = json.loads(text)
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert len(results) == len(report["diagnostics"]), (len(results), len(report["diagnostics"]))
    for result in results:
        assert _CODE.match(result["ruleId"])
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1


def _check_junit(text: str, report: dict[str, Any]) -> None:
    root = ET.fromstring(text)
    cases = root.findall(".//testcase")
    assert len(cases) == report["files"], (len(cases), report["files"])


def _cells(row: str) -> int:
    return len(re.findall(r"(?<!\\)\|", row))


def _check_markdown(text: str) -> None:
    lines = text.splitlines()
    assert lines and lines[0].startswith("## "), lines[:1]
    header: int | None = None
    for line in lines:
        if not line.startswith("|"):
            header = None
            continue
        if header is None:
            header = _cells(line)
        assert _cells(line) == header, line[:200]


def _check_github(text: str) -> None:
    for line in re.split(r"\r\n|\r|\n", text.rstrip("\n")):
        if line.lstrip().startswith("::"):
            assert _ANNOTATION.match(line), line[:200]
        else:
            assert line.startswith("selectcheck: "), line[:200]


def _check_text(text: str, report: dict[str, Any]) -> None:
    for diag in report["diagnostics"]:
        assert f":{diag['line']}:{diag['column']}: {diag['code']} [" in text, diag


# ---- the crash corpus -------------------------------------------------------------------------

CORPUS = Path(__file__).resolve().parent / "corpus"


def case_to_json(case: Case, outcome: Outcome) -> dict[str, Any]:
    def blob(data: bytes | None) -> Any:
        if data is None:
            return None
        try:
            return {"text": data.decode("utf-8")}
        except UnicodeDecodeError:
            return {"base64": base64.b64encode(data).decode("ascii")}

    return {
        "found_by": {"seed": case.seed, "index": case.index, "mutation": case.mutation},
        "crash": outcome.problems[0][:500],
        "target": case.target,
        "record_name_hex": case.record_name.hex(),
        "stdin_name": case.stdin_name,
        "record": blob(case.record),
        "policy": blob(case.policy),
        "catalog": blob(case.catalog),
    }


def case_from_json(data: dict[str, Any]) -> Case:
    def unblob(value: Any) -> bytes | None:
        if value is None:
            return None
        if "text" in value:
            return str(value["text"]).encode("utf-8")
        return base64.b64decode(value["base64"])

    record = unblob(data["record"])
    assert record is not None
    found = data["found_by"]
    return Case(
        int(found["seed"]),
        int(found["index"]),
        data["target"],
        found["mutation"],
        bytes.fromhex(data["record_name_hex"]),
        record,
        policy=unblob(data["policy"]),
        catalog=unblob(data["catalog"]),
        stdin_name=data["stdin_name"],
    )


def save_crash(case: Case, outcome: Outcome, directory: Path = CORPUS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(outcome.signature().encode()).hexdigest()[:10]
    path = directory / f"{case.target}-{digest}.json"
    path.write_text(json.dumps(case_to_json(case, outcome), indent=1, ensure_ascii=True) + "\n", encoding="utf-8")
    return path
