"""`selectcheck noise BENCHMARK SCORE_A SCORE_B`: the floor, the gap, the verdict and the
smallest n, in text and JSON, and exit 2 (never a traceback) for what it cannot judge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult, invoke


def noise(tmp_path: Path, *args: str) -> CliResult:
    return invoke(["noise", *args], tmp_path)


def as_json(tmp_path: Path, *args: str) -> dict[str, Any]:
    result = noise(tmp_path, *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return result.json()


def test_text_output(tmp_path: Path) -> None:
    result = noise(tmp_path, "humaneval", "72.6", "68.9")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "benchmark    HumanEval (humaneval), n=164, pass@1"
    assert lines[1] == "scores       A 72.6, B 68.9"
    assert lines[2] == "gap          3.7 points"
    assert lines[3] == "noise floor  9.8 points (unpaired normal approximation)"
    assert lines[4] == "verdict      noise: the gap is within the noise floor at 95%, a tie"
    assert lines[5] == "smallest n   1,160 items per model would make this gap meaningful"
    assert "a 3.7-point HumanEval gap; at n=164 the 95% noise floor is 9.8 points" in lines[-1]


def test_json_output(tmp_path: Path) -> None:
    data = as_json(tmp_path, "humaneval", "72.6", "68.9")
    assert data["benchmark"] == "humaneval" and data["name"] == "HumanEval" and data["known"]
    assert data["n"] == 164 and data["confidence"] == 0.95
    assert data["gap"] == pytest.approx(3.7) and data["floor"] == pytest.approx(9.84, abs=0.01)
    assert data["significant"] is False and data["verdict"] == "noise"
    assert data["method"] == "normal" and data["min_n"] == 1160
    assert data["summary"].startswith("a 3.7-point HumanEval gap")


@pytest.mark.parametrize(
    ("benchmark", "a", "b", "floor"),
    [
        ("humaneval", "55", "45", 10.8),  # DESIGN §6: HumanEval n=164 at p≈0.5
        ("MMLU (5-shot)", "50.5", "49.5", 1.17),  # MMLU n=14,042 at p≈0.5, by its leaderboard alias
        ("gsm8k", "50.5", "49.5", 3.8),
    ],
)
def test_reference_floors(tmp_path: Path, benchmark: str, a: str, b: str, floor: float) -> None:
    assert as_json(tmp_path, benchmark, a, b)["floor"] == pytest.approx(floor, abs=0.05)


def test_meaningful_gap(tmp_path: Path) -> None:
    result = noise(tmp_path, "ifeval", "80.4", "71.2")
    assert result.exit_code == 0
    assert "verdict      meaningful: the gap exceeds the noise floor at 95%" in result.stdout
    data = as_json(tmp_path, "ifeval", "71.2", "80.4")
    assert data["significant"] is True and data["gap"] == pytest.approx(-9.2)
    assert data["min_n"] is not None and data["min_n"] < 541


def test_b_ahead_and_zero_gap(tmp_path: Path) -> None:
    assert "(B ahead)" in noise(tmp_path, "mbpp", "70", "75").stdout
    result = noise(tmp_path, "mmlu", "70", "70")
    assert "smallest n   none: a zero gap is never meaningful" in result.stdout
    assert as_json(tmp_path, "mmlu", "70", "70")["min_n"] is None


def test_options_change_the_floor(tmp_path: Path) -> None:
    unpaired = as_json(tmp_path, "ifeval", "80.4", "77.4")["floor"]
    paired = as_json(tmp_path, "ifeval", "80.4", "77.4", "--correlation", "0.5")
    assert paired["floor"] < unpaired and paired["correlation"] == 0.5
    stricter = as_json(tmp_path, "ifeval", "80.4", "77.4", "--confidence", "0.99")["floor"]
    assert stricter == pytest.approx(unpaired * 2.5758 / 1.9600, rel=1e-3)
    subset = as_json(tmp_path, "ifeval", "80.4", "77.4", "--n", "2000")
    assert subset["n"] == 2000 and subset["significant"] is True


def test_policy_confidence_is_the_default(tmp_path: Path) -> None:
    (tmp_path / ".selectcheck.yaml").write_text("policy_version: 1\nconfidence: 0.9\n", encoding="utf-8")
    data = as_json(tmp_path, "humaneval", "72.6", "68.9")
    assert data["confidence"] == 0.9 and "the 90% noise floor" in data["summary"]


def test_small_n_and_normalised_scores(tmp_path: Path) -> None:
    aime = as_json(tmp_path, "aime24", "40", "20")
    assert aime["benchmark"] == "aime-2024" and aime["method"] == "boschloo" and aime["n"] == 30
    assert aime["test"] == "Boschloo's exact test" and aime["p_value"] == pytest.approx(0.0987, abs=1e-3)
    assert aime["significant"] is False and aime["min_n"] == 49
    tiny = noise(tmp_path, "aime24", "60", "0", "--n", "5")
    assert "noise floor  60 points (Boschloo's exact test, p = 0.062)" in tiny.stdout
    assert "verdict      noise" in tiny.stdout
    raw = as_json(tmp_path, "gpqa", "40", "35")["floor"]
    normalised = as_json(tmp_path, "gpqa", "20", "13.3", "--normalized")
    assert normalised["normalized"] is True and normalised["floor"] > raw
    assert "normalised points" in noise(tmp_path, "gpqa", "20", "13.3", "--normalized").stdout


def test_ratings_need_intervals(tmp_path: Path) -> None:
    result = noise(tmp_path, "chatbot-arena", "1190", "1176")
    assert result.exit_code == 2 and "no noise floor can be computed" in result.stderr
    assert "--ci95-a" in result.stderr
    data = as_json(tmp_path, "LMArena", "1190", "1176", "--ci95-a", "1185", "1195", "--ci95-b", "1172", "1180")
    assert data["method"] == "stderr" and data["significant"] is True and data["min_n"] is None
    assert data["test"] == "z-test of the difference"
    overlap = as_json(tmp_path, "chatbot-arena", "1187", "1182", "--ci95-a", "1183", "1191", "--ci95-b", "1177", "1187")
    assert overlap["significant"] is False and "z-test of the difference" in overlap["summary"]


def test_an_interval_and_its_standard_error_give_one_verdict(tmp_path: Path) -> None:
    """Issue 21: 1250 vs 1242 with ±5 intervals was noise while stderr 2.55 was meaningful."""
    intervals = ("--ci95-a", "1245", "1255", "--ci95-b", "1237", "1247")
    by_interval = as_json(tmp_path, "chatbot-arena", "1250", "1242", *intervals)
    by_stderr = as_json(tmp_path, "chatbot-arena", "1250", "1242", "--stderr-a", "2.55", "--stderr-b", "2.55")
    assert by_interval["verdict"] == by_stderr["verdict"] == "meaningful"
    assert by_interval["p_value"] == pytest.approx(by_stderr["p_value"], rel=1e-2)
    assert by_stderr["p_value"] == pytest.approx(0.0266, abs=1e-4)
    text = noise(tmp_path, "chatbot-arena", "1250", "1242", "--ci95-a", "1245", "1255", "--ci95-b", "1237", "1247")
    assert "(z-test of the difference, p = 0.027; standard errors from the 95% intervals)" in text.stdout


def test_impossible_correlation_is_a_usage_error(tmp_path: Path) -> None:
    """Issue 21: `--correlation 1` gave a 0.00055-point floor and "meaningful"."""
    result = noise(tmp_path, "humaneval", "50", "49.4", "--correlation", "1")
    assert result.exit_code == 2 and result.stdout == ""
    assert "impossible" in result.stderr and "between -0.988 and 0.988" in result.stderr
    assert "Traceback" not in result.stderr
    highest = as_json(tmp_path, "humaneval", "50", "49.4", "--correlation", "0.988")
    assert highest["method"] == "mcnemar" and highest["discordant"] == [1, 0]
    assert highest["p_value"] == 1.0 and highest["verdict"] == "noise" and highest["min_n"] > 164


def test_equivalence_line(tmp_path: Path) -> None:
    data = as_json(tmp_path, "humaneval", "83.5", "84.8")
    assert data["equivalence"]["margin"] == 5.0 and data["equivalence"]["equivalent"] is False
    assert data["equivalence"]["p_value"] == pytest.approx(0.179, abs=1e-3)
    wide = as_json(tmp_path, "humaneval", "83.5", "84.8", "--margin", "10")
    assert wide["equivalence"]["equivalent"] is True
    judge = as_json(tmp_path, "mt-bench", "8.1", "8.0", "--stderr-a", "0.1", "--stderr-b", "0.1")
    assert judge["equivalence"]["equivalent"] is None and "no equivalence margin" in judge["equivalence"]["summary"]
    text = noise(tmp_path, "mmlu", "70.2", "70.0").stdout
    assert "equivalence  equivalent within ±5 points: the 90% interval of the gap is [" in text


def test_unknown_benchmark(tmp_path: Path) -> None:
    result = noise(tmp_path, "if-eval-strict", "80", "70")
    assert result.exit_code == 2 and result.stdout == ""
    assert "unknown benchmark 'if-eval-strict'" in result.stderr
    assert "Did you mean `ifeval`?" in result.stderr and "--n" in result.stderr
    data = as_json(tmp_path, "ticket-triage", "80", "70", "--n", "300")
    assert data["known"] is False and data["n"] == 300 and data["significant"] is True
    assert "not in the catalog" in noise(tmp_path, "ticket-triage", "80", "70", "--n", "300").stdout


def test_aggregate_and_bad_input(tmp_path: Path) -> None:
    result = noise(tmp_path, "open-llm-leaderboard-v2", "35.2", "30.1")
    assert result.exit_code == 2 and "no item count" in result.stderr
    out_of_range = noise(tmp_path, "humaneval", "120", "70")
    assert out_of_range.exit_code == 2 and "outside HumanEval's range [0, 100]" in out_of_range.stderr
    for args in (
        ["humaneval", "70", "60", "--confidence", "1.5"],
        ["humaneval", "70", "60", "--n", "0"],
        ["humaneval", "seventy", "60"],
        ["humaneval", "70", "60", "--ci95-a", "80", "60", "--ci95-b", "50", "70"],
    ):
        bad = noise(tmp_path, *args)
        assert bad.exit_code == 2, args
        assert "Traceback" not in bad.stderr
