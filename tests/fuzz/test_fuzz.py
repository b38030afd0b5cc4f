"""The seeded mutation fuzzer, bounded for every test run, and the crashes it has found.

`SELECTCHECK_FUZZ_INPUTS` (default 1,000) and `SELECTCHECK_FUZZ_SEED` choose the campaign;
`benchmarks/fuzz.py` runs long ones. Each file in `corpus/` is an input that crashed
selectcheck when it was found: it is replayed here on every run.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.fuzz.harness import CORPUS, case_from_json, run_case
from tests.fuzz.mutate import BYTE_MUTATIONS, TEXT_MUTATIONS, make_case

FUZZ_INPUTS = int(os.environ.get("SELECTCHECK_FUZZ_INPUTS", "1000"))
FUZZ_SEED = int(os.environ.get("SELECTCHECK_FUZZ_SEED", "20261129"))
CHUNK = 100


@pytest.mark.parametrize("start", range(0, FUZZ_INPUTS, CHUNK))
def test_fuzz_inputs_never_crash(start: int, tmp_path: Path) -> None:
    crashes = []
    for index in range(start, min(start + CHUNK, FUZZ_INPUTS)):
        case = make_case(FUZZ_SEED, index)
        outcome = run_case(case, tmp_path)
        if outcome.crashed:
            crashes.append(
                f"input {index} ({case.target}, {case.mutation}): {outcome.problems[0][:300]}\n"
                f"  reproduce: python benchmarks/fuzz.py --seed {FUZZ_SEED} --start {index} --inputs 1 --save-crashes"
            )
    assert not crashes, "\n".join(crashes)


def test_the_campaign_covers_every_kind_of_input() -> None:
    """The bounded run is only worth its time if it reaches every target and mutation."""
    cases = [make_case(FUZZ_SEED, index) for index in range(FUZZ_INPUTS)]
    targets = collections.Counter(case.target for case in cases)
    assert set(targets) == {"record", "policy", "catalog", "stdin"}
    assert min(targets.values()) >= FUZZ_INPUTS // 50
    mutations = collections.Counter(name for case in cases for name in case.mutation.split("+"))
    assert set(BYTE_MUTATIONS) | set(TEXT_MUTATIONS) | {"file-name"} <= set(mutations)
    # The same seed and index always make the same input: any failure can be replayed.
    assert make_case(FUZZ_SEED, 7) == make_case(FUZZ_SEED, 7) != make_case(FUZZ_SEED + 1, 7)


CORPUS_FILES = sorted(CORPUS.glob("*.json"))


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.stem for p in CORPUS_FILES])
def test_a_crash_once_found_stays_fixed(path: Path, tmp_path: Path) -> None:
    found = json.loads(path.read_text(encoding="utf-8"))
    outcome = run_case(case_from_json(found), tmp_path)
    assert not outcome.crashed, f"{found['crash']}\nnow: {outcome.problems}"
    if found["target"] == "policy":
        # The fix is a policy error with its location, or a run that checks the records.
        assert outcome.exit_code in (0, 1) or outcome.stderr.startswith("selectcheck: error: .selectcheck.yaml:")


def test_the_corpus_holds_the_crashes_the_fuzzer_found() -> None:
    assert len(CORPUS_FILES) >= 10
    for path in CORPUS_FILES:
        found = json.loads(path.read_text(encoding="utf-8"))
        assert found["crash"] and found["found_by"]["mutation"], path


def test_the_long_campaign_runner_runs_and_saves_what_it_finds(tmp_path: Path) -> None:
    """`benchmarks/fuzz.py` on a few inputs: the count line the README figures come from."""
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "fuzz.py"),
            "--seed",
            "3",
            "--inputs",
            "5",
            "--save-crashes",
            str(tmp_path / "found"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "seed 3: 5 inputs" in done.stdout and "0 crashing inputs, 0 distinct crashes" in done.stdout
    assert not (tmp_path / "found").exists()  # nothing crashed, so nothing was saved
