"""`selectcheck noise BENCHMARK --samples FILE_A FILE_B`: the paired form, on real lm-eval
samples and on the README's graded example, with the unpaired floor beside it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from statsmodels.stats.contingency_tables import mcnemar

from tests.conftest import REPO, invoke

LM_EVAL = Path(__file__).resolve().parent / "data" / "lm-eval"
TICKETS = "records/evals/0004-ticket-routing"
QWEN_GRADES = f"{TICKETS}/qwen2.5-7b-instruct.jsonl"
LLAMA_GRADES = f"{TICKETS}/llama-3.1-8b-instruct.jsonl"


def samples(folder: str, task: str) -> str:
    (path,) = (LM_EVAL / folder).glob(f"samples_{task}_*.jsonl")
    return str(path)


def test_paired_text_on_the_readme_example() -> None:
    result = invoke(["noise", "own-eval", "--samples", QWEN_GRADES, LLAMA_GRADES], REPO)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "benchmark    own-eval (not in the catalog)",
        "items        300 scored by both, matched item by item (correct)",
        "scores       A 81, B 76",
        "gap          5 points",
        "paired test  paired on 300 items, McNemar's exact test (21 items only A got right, 6 only B): "
        "p = 0.0059, under 0.05",
        "unpaired     at n=300 the 95% noise floor is 6.6 points (noise without pairing)",
        "verdict      meaningful: the paired test tells the models apart at 95%",
    ]


def test_the_readme_shows_what_the_commands_print() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Evidence it can verify", 1)[1].split("\n## ", 1)[0]
    block = section.split("```console\n", 1)[1].split("```", 1)[0]
    commands = re.split(r"^\$ selectcheck ", block, flags=re.MULTILINE)[1:]
    assert len(commands) == 2
    for command in commands:
        line, *shown = command.splitlines()
        printed = invoke(line.split(), REPO).stdout
        for expected in shown:
            if expected.strip() not in ("", "…"):
                assert expected in printed, f"README shows {expected!r} for `{line}`"


def test_paired_json_matches_statsmodels_on_real_lm_eval_samples() -> None:
    a, b = samples("dummy-seed1234", "sc_arith_mc"), samples("dummy-seed4321", "sc_arith_mc")
    result = invoke(["noise", "sc-arith", "--samples", f"{a}#acc", f"{b}#acc", "--format", "json"], REPO)
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert (data["paired"], data["method"], data["n"]) == (True, "mcnemar-exact", 120)
    assert (data["a_only"], data["b_only"]) == (31, 19)
    both_right = round(120 * 0.30833333) - 31
    table = [[both_right, 31], [19, 120 - both_right - 31 - 19]]
    assert data["p_value"] == pytest.approx(mcnemar(table, exact=True).pvalue, rel=1e-10)
    assert (data["score_a"], data["score_b"]) == (
        pytest.approx(30.833333, rel=1e-6),
        pytest.approx(20.833333, rel=1e-6),
    )
    assert data["verdict"] == "noise" and data["unpaired"]["significant"] is False


def test_paired_form_reads_the_catalogs_metric_of_a_known_task() -> None:
    a, b = samples("dummy-seed1234", "ifeval"), samples("dummy-seed4321", "ifeval")
    data = invoke(["noise", "ifeval", "--samples", a, b, "--format", "json"], REPO).json()
    assert (data["metric_a"], data["n"], data["p_value"]) == ("prompt_level_strict_acc", 24, 1.0)
    assert data["a_only"] == data["b_only"] == 0  # the dummy model answers every prompt the same way


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "--samples",
                samples("dummy-seed1234", "sc_arith_mc") + "#acc",
                samples("dummy-seed1234-limit40", "sc_arith_mc") + "#acc",
            ],
            "the two files are not the same items: 80 only in",
        ),
        (["70", "60", "--samples", QWEN_GRADES, LLAMA_GRADES], "not both"),
        (
            ["--samples", QWEN_GRADES, "records/evals/missing.jsonl"],
            "cannot use records/evals/missing.jsonl: it does not exist",
        ),
        (
            ["--samples", samples("dummy-seed1234", "sc_arith_mc"), samples("dummy-seed4321", "sc_arith_mc")],
            "2 per-item metrics (acc, acc_norm)",
        ),
        ([], "give the two scores, SCORE_A SCORE_B, or their per-item files"),
    ],
)
def test_paired_errors_exit_2(args: list[str], message: str) -> None:
    result = invoke(["noise", "own-eval", *args], REPO)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr
