"""Hostile and broken inputs: each gets its code and a location, fast, without a traceback."""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selectcheck.loader import load_bytes
from tests.conftest import BASE_RECORD, invoke

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
