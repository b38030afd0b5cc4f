"""Hostile and broken inputs: each gets its code and a location, fast, without a traceback."""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selectcheck.loader import load_bytes
from tests.conftest import BASE_RECORD, REPO, copy_base, invoke

BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n" for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
)

HOSTILE: dict[str, tuple[bytes, str, int, int]] = {
    # name: (content, expected code, line, column)
    "billion-laughs": (BILLION_LAUGHS.encode(), "SC005", 5, 4),
    "random-bytes": (bytes(range(256)) * 4, "SC005", 1, 1),
    "latin-1": ("schema_version: 1\ntitle: Modèle\n".encode("latin-1"), "SC005", 2, 11),
    "empty": (b"", "SC005", 1, 1),
    "only-comments": (b"# nothing here\n", "SC005", 1, 1),
    "two-documents": (b"schema_version: 1\n---\nschema_version: 1\n", "SC005", 2, 1),
    "deep-nesting": (b"a: " + b"[" * 10_000 + b"]" * 10_000 + b"\n", "SC005", 1, 1003),
    "deep-block-nesting": (
        "".join(f"{' ' * i}k:\n" for i in range(200)).encode(),
        "SC005",
        66,
        66,
    ),
    "duplicate-keys": (b"schema_version: 1\nid: MSR-0001\nid: MSR-0002\n", "SC004", 3, 1),
    "python-tag": (b"schema_version: !!python/object/apply:os.system [ls]\n", "SC001", 1, 17),
    "syntax": (b"schema_version: 1\ntitle: 'unterminated\n", "SC001", 3, 1),
    "not-a-mapping": (b"- just\n- a list\n", "SC002", 1, 1),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_gets_located_code(name: str, project: Path) -> None:
    content, code, line, column = HOSTILE[name]
    target = project / "records" / "0001-hostile.yaml"
    target.write_bytes(content)
    started = time.perf_counter()
    result = invoke(["validate", "--format", "json", "records"], project)
    elapsed = time.perf_counter() - started
    assert result.exit_code == 1
    diagnostics = [d for d in result.json()["diagnostics"] if d["code"] == code]
    assert diagnostics, result.stdout
    first = diagnostics[0]
    assert (first["line"], first["column"]) == (line, column)
    assert first["help"]
    # Generous bound: the point is "not seconds, not minutes"; timings belong in benchmarks/.
    assert elapsed < 5


def test_fifty_megabyte_file_is_refused_without_reading_it(project: Path) -> None:
    target = project / "records" / "0001-huge.yaml"
    with target.open("wb") as handle:
        handle.write(b"schema_version: 1\ntitle: '")
        handle.seek(50 * 1024 * 1024)
        handle.write(b"'\n")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = invoke(["validate", "--format", "json", "records"], project)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    diag = result.json()["diagnostics"][0]
    assert diag["code"] == "SC005"
    assert "52,428,802 bytes" in diag["message"]
    assert (after - before) < 20 * 1024  # KiB: the file was never read whole


def test_alias_bomb_does_not_grow_memory() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(20):
        doc = load_bytes(BILLION_LAUGHS.encode(), "bomb.yaml")
        assert doc.failures[0].code == "SC005"
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert (after - before) < 50 * 1024  # KiB


def test_broken_record_does_not_hide_valid_one(project: Path) -> None:
    (project / "records" / "0001-broken.yaml").write_bytes(b"schema_version: 1\ntitle: [\n")
    (project / "records" / "0002-valid.yaml").write_text(
        BASE_RECORD.read_text()
        .replace("id: MSR-0001", "id: MSR-0002")
        .replace("status: proposed", "status: proposed\n"),
        encoding="utf-8",
    )
    (project / "records" / "0003-also-broken.yaml").write_text(
        BASE_RECORD.read_text().replace("id: MSR-0001", "id: MSR-0003").replace("mode: inference", "mode: infer"),
        encoding="utf-8",
    )
    result = invoke(["validate", "--format", "json", "records"], project)
    report = result.json()
    assert report["files"] == 3
    files = {d["file"] for d in report["diagnostics"] if d["severity"] == "error"}
    assert files == {"records/0001-broken.yaml", "records/0003-also-broken.yaml"}
    assert result.exit_code == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.one_of(st.binary(max_size=2000), st.text(max_size=2000).map(lambda t: t.encode("utf-8"))))
def test_arbitrary_input_never_raises(content: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    project = tmp_path_factory.mktemp("fuzz")
    result = invoke(
        ["validate", "--format", "json", "--stdin-filename", "records/0001-fuzz.yaml", "-"],
        project,
        input=content,
    )
    assert result.exit_code in (0, 1, 2)
    report = json.loads(result.stdout)
    assert report["files"] == 1
    for diag in report["diagnostics"]:
        assert diag["line"] >= 1 and diag["column"] >= 1 and diag["code"].startswith("SC")


@settings(max_examples=40, deadline=None)
@given(
    mutation=st.tuples(st.integers(min_value=0, max_value=3000), st.text(max_size=30)),
)
def test_mutated_record_never_raises(mutation: tuple[int, str], tmp_path_factory: pytest.TempPathFactory) -> None:
    """Arbitrary edits of a valid record: the realistic shape of broken input."""
    offset, insert = mutation
    text = BASE_RECORD.read_text(encoding="utf-8")
    offset %= len(text)
    project = tmp_path_factory.mktemp("mut")
    result = invoke(
        ["validate", "--format", "json", "--stdin-filename", "records/0001-m.yaml", "-"],
        project,
        input=(text[:offset] + insert + text[offset:]).encode("utf-8"),
    )
    assert result.exit_code in (0, 1, 2)
    json.loads(result.stdout)


# ==== Issue 19: no value, name or write stops the run ===========================================
# Every case puts the hostile record next to another record with a known finding (SC208 at its
# benchmark reason) and asserts the hostile one's located diagnostic, the exit code and that
# the other record's finding is still reported, in the JSON report the Action reads.

OTHER = "records/0002-other.yaml"


def _other_record(project: Path) -> Path:
    """A record whose reason claims phi-4 scores lower on IFEval than it does: SC208."""
    return copy_base(
        project / OTHER, **{"id: MSR-0001": "id: MSR-0002", "ifeval: {value: 63.0": "ifeval: {value: 75.0"}
    )


def _hostile(project: Path, name: str = "0001-hostile.yaml", **replacements: str) -> Path:
    return copy_base(project / "records" / name, **replacements)


def _position(path: Path, needle: str) -> tuple[int, int]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(f"{needle!r} not in {path}")


@dataclass
class Run:
    exit_code: int
    report: dict[str, Any]
    stderr: str
    outputs: dict[str, str]

    def at(self, file: str, code: str) -> list[tuple[int, int]]:
        return [(d["line"], d["column"]) for d in self.report["diagnostics"] if d["file"] == file and d["code"] == code]

    def find(self, file: str, code: str) -> dict[str, Any]:
        found = [d for d in self.report["diagnostics"] if d["file"] == file and d["code"] == code]
        assert found, (file, code, self.report["diagnostics"])
        return found[0]


def _validate(project: Path, *args: str, paths: tuple[str, ...] = ("records",)) -> Run:
    """`validate` writing all six formats to files, as the Action does, each parsed back."""
    out = project.parent / f"{project.name}-reports"
    out.mkdir(exist_ok=True)
    files = {
        "json": "r.json",
        "sarif": "r.sarif",
        "junit": "r.xml",
        "markdown": "r.md",
        "github": "a.txt",
        "text": "r.txt",
    }
    formats = [arg for name, file in files.items() for arg in ("--format", f"{name}={out / file}")]
    result = invoke(["validate", *formats, *args, *paths], project)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    if result.exit_code == 2:
        return Run(2, {}, result.stderr, {})
    outputs = {name: (out / file).read_text(encoding="utf-8") for name, file in files.items()}
    report = json.loads(outputs["json"])
    sarif = json.loads(outputs["sarif"])
    assert len(sarif["runs"][0]["results"]) == len(report["diagnostics"])
    ElementTree.fromstring(outputs["junit"])
    for diag in report["diagnostics"]:
        assert f":{diag['line']}:{diag['column']}: {diag['code']} [" in outputs["text"]
    return Run(result.exit_code, report, result.stderr, outputs)


def _assert_other_still_reported(run: Run) -> None:
    assert run.at(OTHER, "SC208"), run.report["diagnostics"]


# ---- item 4: integers longer than Python converts ---------------------------------------------
@pytest.mark.parametrize(
    ("field", "needle"),
    [
        ("    x-size: " + "1" * 5000 + "\n", "x-size: "),
        ("    parameters: -" + "9" * 4400 + "\n", "parameters: "),
        ("    parameters: 0x" + "f" * 4000 + "\n", "parameters: "),
    ],
)
def test_an_integer_too_long_to_convert_is_sc005_at_the_number(project: Path, field: str, needle: str) -> None:
    _other_record(project)
    hostile = _hostile(project, **{"    license: apache-2.0\n": "    license: apache-2.0\n" + field})
    run = _validate(project)
    line, column = _position(hostile, needle)
    assert run.exit_code == 1
    diag = run.find("records/0001-hostile.yaml", "SC005")
    assert (diag["line"], diag["column"]) == (line, column + len(needle))
    assert "4,300" in diag["message"] and diag["help"]
    _assert_other_still_reported(run)


def test_an_integer_too_long_in_a_policy_is_a_located_policy_error(project: Path) -> None:
    _other_record(project)
    (project / ".selectcheck.yaml").write_text(
        "policy_version: 1\nown_evaluation:\n  min_n: " + "7" * 4500 + "\n", encoding="utf-8"
    )
    run = _validate(project)
    assert run.exit_code == 2
    assert run.stderr.startswith("selectcheck: error: .selectcheck.yaml:3:10: invalid policy: this number is longer")
    assert len(run.stderr.splitlines()) == 2  # the message and its help, nothing else


def test_an_integer_too_long_in_the_base_revision_does_not_stop_history(tmp_path: Path) -> None:
    from tests.test_history import commit_all, git

    repo = tmp_path / "repo"
    (repo / "records").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    _other_record(repo)
    base = _hostile(
        repo,
        **{
            "status: proposed": "status: accepted",
            "    license: mit\n": "    license: mit\n    x-n: " + "1" * 5000 + "\n",
        },
    )
    commit_all(repo, "a record that no longer loads")
    git(repo, "checkout", "-q", "-b", "feature")
    base.write_text(
        base.read_text(encoding="utf-8").replace("1" * 5000, "1").replace("mode: inference", "mode: infer"),
        encoding="utf-8",
    )
    other = repo / OTHER
    other.write_text(other.read_text(encoding="utf-8") + "# touched\n", encoding="utf-8")
    run = _validate(repo, "--changed-since", "main", paths=())
    assert run.exit_code == 1
    assert run.report["files"] == 2
    assert run.at("records/0001-hostile.yaml", "SC002") == [_position(base, "infer")]
    # Unreadable at the base, so there is nothing to hold the accepted record to (no SC404).
    assert not run.at("records/0001-hostile.yaml", "SC404")
    _assert_other_still_reported(run)


# ---- items 5 and 6: infinite, absurd and far-off values ----------------------------------------
@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        (
            "    license: apache-2.0\n",
            "    license: apache-2.0\n    parameters: 1e400\n",
            "1e400",
            "parameters is infinite",
        ),
        (
            "    license: apache-2.0\n",
            "    license: apache-2.0\n    parameters: .inf\n",
            ".inf",
            "parameters is infinite",
        ),
        (
            "    license: apache-2.0\n",
            "    license: apache-2.0\n    parameters: 1e300\n",
            "1e300",
            "at most 1,000,000,000,000,000",
        ),
        ("ifeval: {value: 71.2,", "ifeval: {value: .nan,", ".nan", "value is not a number"),
        ("ifeval: {value: 71.2,", "ifeval: {value: -1e400,", "-1e400", "value is infinite"),
        ("hardware: {gpu: A100-80GB}", "hardware: {vram_gb: 1e400}", "1e400", "vram_gb is infinite"),
        ("context_length: 4096", "context_length: 1e400", "1e400", "context_length is infinite"),
        ("  n: 200", "  n: 1" + "0" * 40, "1" + "0" * 40, "n is"),
        ("microsoft/phi-4: 58.5", "microsoft/phi-4: 1e400", "1e400", "is infinite"),
        ("date: 2026-11-01", "date: 9999-12-31", "9999-12-31", "date '9999-12-31' is not a date between 1900 and 2999"),
    ],
)
def test_an_absurd_value_is_sc002_at_the_value(project: Path, old: str, new: str, needle: str, message: str) -> None:
    _other_record(project)
    hostile = _hostile(project, **{old: new})
    run = _validate(project)
    assert run.exit_code == 1
    diag = run.find("records/0001-hostile.yaml", "SC002")
    assert (diag["line"], diag["column"]) == _position(hostile, needle)
    assert message in diag["message"], diag
    at_node = [
        d
        for d in run.report["diagnostics"]
        if d["code"] == "SC002" and (d["file"], d["line"], d["column"]) == (diag["file"], diag["line"], diag["column"])
    ]
    assert len(at_node) == 1, at_node  # one value, one finding (`.inf` breaks several keywords at once)
    assert run.outputs["markdown"].startswith("## ❌ selectcheck: ")  # the summary a crash used to lose
    _assert_other_still_reported(run)


def test_a_far_date_with_a_waiver_is_located_at_both_dates(project: Path) -> None:
    _other_record(project)
    hostile = _hostile(project, **{"date: 2026-11-01": "date: 9999-12-31"})
    with hostile.open("a", encoding="utf-8") as handle:
        handle.write(
            "waivers:\n  - rule: SC207\n    reason: r\n    approved_by: ana@example.com\n    expires: 9999-12-31\n"
        )
    run = _validate(project)
    assert run.exit_code == 1
    lines = hostile.read_text(encoding="utf-8").splitlines()
    expires = next(i for i, line in enumerate(lines, start=1) if "expires:" in line)
    assert run.at("records/0001-hostile.yaml", "SC002") == [(_position(hostile, "9999")[0], 7), (expires, 14)]
    _assert_other_still_reported(run)


@pytest.mark.parametrize(
    ("policy", "location", "message"),
    [
        ("waivers: {max_days: 3000000}", ".selectcheck.yaml:2:21", "max_days is 3000000; it must be at most 36,500"),
        (
            "evidence: {max_age_days: 1e400}",
            ".selectcheck.yaml:2:26",
            "max_age_days is infinite; it must be at most 36,500",
        ),
        (
            "tasks:\n  code: {benchmarks: [humaneval], minimums: {humaneval: .nan}}",
            ".selectcheck.yaml:3:57",
            "humaneval is not a number",
        ),
    ],
)
def test_an_absurd_policy_value_is_a_located_policy_error(
    project: Path, policy: str, location: str, message: str
) -> None:
    _other_record(project)
    waived = _hostile(project)
    with waived.open("a", encoding="utf-8") as handle:  # a waiver makes the policy's limit count
        handle.write(
            "waivers:\n  - rule: SC207\n    reason: r\n    approved_by: ana@example.com\n    expires: 2027-01-01\n"
        )
    (project / ".selectcheck.yaml").write_text(f"policy_version: 1\n{policy}\n", encoding="utf-8")
    run = _validate(project)
    assert run.exit_code == 2
    assert run.stderr.startswith(f"selectcheck: error: {location}: invalid policy: "), run.stderr
    assert message in run.stderr


# ---- item 7: file names that are not UTF-8, or hold control characters ----------------------
@pytest.mark.parametrize(
    ("raw_name", "shown", "problem"),
    [
        (b"0001-caf\xe9.yaml", "records/0001-caf\\xe9.yaml", "is not UTF-8"),
        (b"0001-new\nline.yaml", "records/0001-new\\x0aline.yaml", "contains control characters"),
    ],
)
def test_a_hostile_file_name_is_sc005_and_every_report_is_written(
    project: Path, raw_name: bytes, shown: str, problem: str
) -> None:
    _other_record(project)
    target = project / "records" / os.fsdecode(raw_name)
    copy_base(target, **{"mode: inference": "mode: infer"})
    run = _validate(project)
    assert run.exit_code == 1
    diag = run.find(shown, "SC005")
    assert (diag["line"], diag["column"]) == (1, 1) and problem in diag["message"]
    assert run.at(shown, "SC002") == [_position(target, "infer")]  # its content is still checked
    _assert_other_still_reported(run)
    for name in ("text", "junit", "github"):
        assert shown in run.outputs[name], name
    results = json.loads(run.outputs["sarif"])["runs"][0]["results"]
    uris = {unquote(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in results}
    assert shown in uris


def test_a_hostile_stdin_filename_is_escaped_too(project: Path) -> None:
    content = BASE_RECORD.read_bytes()
    result = invoke(
        ["validate", "--format", "json", "--stdin-filename", os.fsdecode(b"records/0001-\xff.yaml"), "-"],
        project,
        input=content,
    )
    assert result.exit_code == 1
    [diag] = result.json()["diagnostics"]
    assert diag["file"] == "records/0001-\\xff.yaml" and diag["code"] == "SC005"


# ---- item 8: names longer than the file system allows -----------------------------------------
LONG = "a" * 300


@pytest.mark.parametrize(
    ("policy", "args", "expected"),
    [
        (f"policy_version: 1\nextends: {LONG}.yaml\n", (), ".selectcheck.yaml:2:10: extends 'aaaa"),
        (f"policy_version: 1\nrecords: [{LONG}]\n", (), ".selectcheck.yaml:2:11: record directory 'aaaa"),
        (f"policy_version: 1\ncatalog: {{gpus: [{LONG}.yaml]}}\n", (), ".selectcheck.yaml:2:18: catalog file 'aaaa"),
        (None, ("--policy", LONG), "selectcheck: error: cannot use the policy path "),
        (None, (LONG,), "selectcheck: error: cannot use the path aaaa"),
    ],
)
def test_a_name_longer_than_the_system_allows_is_a_one_line_error(
    project: Path, policy: str | None, args: tuple[str, ...], expected: str
) -> None:
    _other_record(project)
    if policy is not None:
        (project / ".selectcheck.yaml").write_text(policy, encoding="utf-8")
    result = invoke(["validate", "--format", "json", *args], project)
    assert result.exit_code == 2
    assert expected in result.stderr and "File name too long" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and LONG not in result.stderr  # the name is shortened


def test_a_nul_in_a_policy_path_is_a_located_policy_error(project: Path) -> None:
    (project / ".selectcheck.yaml").write_text('policy_version: 1\nrecords: ["re\\0cords"]\n', encoding="utf-8")
    result = invoke(["validate"], project)
    assert result.exit_code == 2
    assert ".selectcheck.yaml:2:11: record directory" in result.stderr and "NUL" in result.stderr


# ---- item 11: locating is linear ---------------------------------------------------------------
def test_thousands_of_findings_are_each_located_at_their_own_node(project: Path) -> None:
    _other_record(project)
    keys = "".join(f"k{i:05d}: 1\n" for i in range(5000))
    scores = "".join(f"      b{i:05d}: {{value: x}}\n" for i in range(5000))
    first_score = '      ifeval: {value: 71.2, source: "https://arxiv.org/abs/2412.15115"}\n'
    hostile = _hostile(project, **{first_score: first_score + scores})
    with hostile.open("a", encoding="utf-8") as handle:
        handle.write(keys)
    run = _validate(project)
    assert run.exit_code == 1
    lines = hostile.read_text(encoding="utf-8").splitlines()
    located = run.at("records/0001-hostile.yaml", "SC002")
    assert len(located) == 10_000
    for line, column in located:
        text = lines[line - 1]
        assert (text.startswith("k") and column == 1) or (text.strip().startswith("b") and text[column - 1] == "x")
    _assert_other_still_reported(run)


# ---- item 13: reports are written whole or not at all ------------------------------------------
def _limited_run(project: Path, args: list[str], *, max_bytes: int, killed: bool) -> subprocess.CompletedProcess[str]:
    """`selectcheck validate` in a process that may not write files larger than `max_bytes`.
    Python ignores SIGXFSZ, so by default the write fails (EFBIG), as on a full disk; with
    `killed`, the default action is restored and the kernel kills the process in the middle
    of the write that crosses the limit, as `kill -9` would."""
    restore = "import signal; signal.signal(signal.SIGXFSZ, signal.SIG_DFL); " if killed else ""
    code = f"import sys; {restore}from selectcheck.cli import main; main(prog_name='selectcheck')"
    env = {**os.environ, "SELECTCHECK_TODAY": "2026-11-26"}
    return subprocess.run(
        [sys.executable, "-c", code, "validate", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes)),
        check=False,
        timeout=120,
    )


def test_a_report_that_cannot_be_written_leaves_the_previous_one_whole(project: Path) -> None:
    _other_record(project)
    sarif, json_report = project / "out" / "report.sarif", project / "out" / "report.json"
    sarif.parent.mkdir()
    sarif.write_text('{"previous": "run"}', encoding="utf-8")
    done = _limited_run(
        project,
        ["--format", f"sarif={sarif}", "--format", f"json={json_report}", "records"],
        max_bytes=16 * 1024,
        killed=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("selectcheck: error: cannot write the sarif report to ")
    assert "File too large" in done.stderr and "Traceback" not in done.stderr
    assert sarif.read_text(encoding="utf-8") == '{"previous": "run"}'  # untouched, not truncated
    assert json.loads(json_report.read_text(encoding="utf-8"))["summary"]["error"] == 1  # the others are written
    assert sorted(p.name for p in sarif.parent.iterdir()) == ["report.json", "report.sarif"]  # no temporary left


def test_a_run_killed_while_writing_leaves_the_previous_report(project: Path) -> None:
    _other_record(project)
    sarif = project / "report.sarif"
    sarif.write_text('{"previous": "run"}', encoding="utf-8")
    done = _limited_run(project, ["--format", f"sarif={sarif}", "records"], max_bytes=16 * 1024, killed=True)
    assert done.returncode == -signal.SIGXFSZ
    assert sarif.read_text(encoding="utf-8") == '{"previous": "run"}'


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="/dev/full is Linux's always-full device")
def test_a_full_device_is_a_one_line_error_and_the_other_reports_are_written(project: Path) -> None:
    _other_record(project)
    result = invoke(["validate", "--format", "sarif=/dev/full", "--format", "json", "records"], project)
    assert result.exit_code == 2
    assert result.stderr.startswith("selectcheck: error: cannot write the sarif report to /dev/full: No space left")
    assert result.json()["summary"]["error"] == 1  # stdout still got its report


def test_reports_go_through_symlinks_and_to_devices(project: Path, capfd: pytest.CaptureFixture[str]) -> None:
    _other_record(project)
    (project / "out").mkdir()
    (project / "latest.json").symlink_to("out/report.json")
    result = invoke(["validate", "--format", "json=latest.json", "records"], project)
    assert result.exit_code == 1
    assert (project / "latest.json").is_symlink()  # the link stays; the file it names is written
    assert json.loads((project / "out" / "report.json").read_text(encoding="utf-8"))["files"] == 1
    done = subprocess.run(
        [sys.executable, "-m", "selectcheck", "validate", "--format", "json=/dev/stdout", "records"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1 and json.loads(done.stdout)["files"] == 1, done.stderr


def test_two_runs_writing_one_report_never_interleave(project: Path) -> None:
    _other_record(project)
    for number in range(3, 60):  # a report of some size, so that the writes overlap
        copy_base(project / "records" / f"{number:04d}-x.yaml", **{"id: MSR-0001": f"id: MSR-{number:04d}"})
    target = project / "report.sarif"
    env = {**os.environ, "SELECTCHECK_TODAY": "2026-11-26"}
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "selectcheck", "validate", "--format", f"sarif={target}", path],
            cwd=project,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for path in ("records", OTHER)
    ]
    for process in runs:
        assert process.wait(timeout=120) in (0, 1)
    log = json.loads(target.read_text(encoding="utf-8"))  # one whole report, from one of the runs
    assert len(log["runs"][0]["results"]) >= 1
    assert [p.name for p in project.iterdir() if p.name.startswith(".report")] == []


def test_the_action_announces_no_sarif_file_that_failed_to_write(tmp_path: Path) -> None:
    from tests.integrations.test_action import run_action_step

    workspace = tmp_path / "workspace"
    (workspace / "records").mkdir(parents=True)
    _other_record(workspace)
    # Bash sources $BASH_ENV before the step's script: files over 64 KiB cannot be written,
    # so the SARIF report (over 100 KiB with its rule descriptions) fails as on a full disk.
    limit = tmp_path / "limit.sh"
    limit.write_text("ulimit -f 64\n", encoding="utf-8")
    (workspace / "reports").mkdir()
    run = run_action_step(
        workspace, {"paths": "records", "sarif-file": "reports/selectcheck.sarif"}, BASH_ENV=str(limit)
    )
    assert run.returncode == 2, run.log
    assert "cannot write the sarif report" in run.stderr and "Traceback" not in run.log
    assert run.outputs["sarif-file"] == ""  # no output names a report that is not there
    assert list((workspace / "reports").iterdir()) == []  # nothing half-written either
    assert run.outputs["errors"] == "1"  # the JSON report was written, so the counts stand
    assert "SC208" in run.summary  # and the step summary still shows the findings


# ---- item 14: YAML 1.1 readings, repeated merge keys, CR-only files ------------------------------
def test_a_leading_zero_number_is_read_as_yaml_12_with_a_warning(project: Path) -> None:
    _other_record(project)
    hostile = _hostile(project, **{"  n: 200": "  n: 0150"})
    run = _validate(project)
    assert run.exit_code == 1  # the other record's SC208; this one only warns
    diag = run.find("records/0001-hostile.yaml", "SC002")
    assert diag["severity"] == "warning" and (diag["line"], diag["column"]) == _position(hostile, "0150")
    assert "`0150` is 150 in YAML 1.2" in diag["message"] and "104" in diag["message"]
    assert "Write `150`" in diag["help"]
    assert not run.at("records/0001-hostile.yaml", "SC410")  # n is 150, not 104


def test_a_base_60_number_is_text_with_the_fix(project: Path) -> None:
    _other_record(project)
    hostile = _hostile(project, **{"context_length: 4096": "context_length: 3:00:00"})
    run = _validate(project)
    assert run.exit_code == 1
    diag = run.find("records/0001-hostile.yaml", "SC002")
    assert (diag["line"], diag["column"]) == _position(hostile, "3:00:00")
    assert diag["help"].endswith("YAML 1.1 tools read it as 10800. If you mean a number, write `10800`.")
    _assert_other_still_reported(run)


@pytest.mark.parametrize("word", ["no", "off", "N", "Off"])
def test_a_yaml_11_boolean_word_gets_the_fix(project: Path, word: str) -> None:
    _other_record(project)
    hostile = _hostile(project, **{"user_facing: false": f"user_facing: {word}"})
    run = _validate(project)
    assert run.exit_code == 1
    diag = run.find("records/0001-hostile.yaml", "SC002")
    line, column = _position(hostile, "user_facing: ")
    assert (diag["line"], diag["column"]) == (line, column + len("user_facing: "))
    assert diag["help"].endswith("If you mean true or false, write `false`.")
    _assert_other_still_reported(run)


def test_a_repeated_merge_key_is_sc004(project: Path) -> None:
    _other_record(project)
    hostile = _hostile(
        project,
        **{"    hardware: {gpu: A100-80GB}\n": "    hardware:\n      <<: {gpu: A100-80GB}\n      <<: {count: 1}\n"},
    )
    run = _validate(project)
    assert run.exit_code == 1
    line, _ = _position(hostile, "<<: {count")
    assert run.at("records/0001-hostile.yaml", "SC004") == [(line, 7)]
    _assert_other_still_reported(run)


def test_a_cr_only_record_is_read_not_called_empty(project: Path) -> None:
    _other_record(project)
    text = BASE_RECORD.read_text(encoding="utf-8").replace("mode: inference", "mode: infer")
    (project / "records" / "0001-classic-mac.yaml").write_bytes(text.replace("\n", "\r").encode())
    run = _validate(project)
    assert run.exit_code == 1
    line, column = _position(BASE_RECORD, "mode: inference")
    assert run.at("records/0001-classic-mac.yaml", "SC002") == [(line, column + 6)]
    assert not run.at("records/0001-classic-mac.yaml", "SC005")
    _assert_other_still_reported(run)


# ==== Issue 13 item 3: the same verdict as check-jsonschema ======================================
YAML11 = REPO / "tests" / "fixtures" / "yaml11"


def _schema_stage_failures(paths: list[Path]) -> set[str]:
    result = invoke(
        ["validate", "--format", "json", "--select", "SC001,SC002,SC003,SC004,SC005", *map(str, paths)], REPO
    )
    return {d["file"] for d in result.json()["diagnostics"] if d["severity"] == "error"}


def _check_jsonschema_failures(paths: list[Path]) -> set[str]:
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "check-jsonschema"),
            "--schemafile",
            "schemas/record.schema.json",
            "-o",
            "JSON",
            *map(str, paths),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr
    result = json.loads(done.stdout)
    return {e["filename"] for e in result["errors"]} | {e["filename"] for e in result["parse_errors"]}


def test_yaml_11_trap_records_get_the_verdict_their_header_states() -> None:
    paths = sorted(YAML11.glob("*.yaml"))
    failing = _schema_stage_failures([p.relative_to(REPO) for p in paths])
    for path in paths:
        verdict = re.search(r"# verdict: (pass|fail)", path.read_text(encoding="utf-8"))
        assert verdict, path
        rel = path.relative_to(REPO).as_posix()
        assert (rel in failing) == (verdict[1] == "fail"), rel
    assert len(paths) >= 20


def test_check_jsonschema_and_the_schema_stage_agree_on_every_test_record() -> None:
    paths = sorted(
        p.relative_to(REPO)
        for p in [
            *YAML11.glob("*.yaml"),
            *(REPO / "tests" / "fixtures" / "rules").rglob("*.yaml"),
            *(REPO / "tests" / "fixtures" / "near-miss").rglob("*.yaml"),
            *(REPO / "records").glob("*.yaml"),
            BASE_RECORD,
        ]
        if not p.name.startswith(".")
    )
    ours = _schema_stage_failures(paths)
    theirs = _check_jsonschema_failures(paths)
    assert ours == theirs
    assert len(ours) >= 15 and len(paths) - len(ours) >= 100  # both verdicts are well represented


def test_the_findings_scale_benchmark_runs_on_a_small_n() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "findings_scale.py"), "--sizes", "20,40"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    rows = [line.split() for line in done.stdout.splitlines()[1:]]
    assert [(row[0], row[2]) for row in rows] == [("unknown", "20"), ("unknown", "40"), ("bad", "20"), ("bad", "40")]
