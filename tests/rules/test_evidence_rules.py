"""The evidence rules (SC006, SC201–SC211, SC401, SC410) through the real CLI: the numbers in
their messages, and the edge cases the YAML fixtures do not spell out.

`tests/test_rule_fixtures.py` asserts code, severity and location of every fixture in
`tests/fixtures/rules/<CODE>/`; here the same fixtures are run again and their messages are
held to the numbers that matter (gap, floor, n, confidence, minimum, age).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BASE_RECORD, FIXTURES, REPO, invoke

RULES = FIXTURES / "rules"
EVIDENCE_CODES = (
    "SC006", "SC201", "SC202", "SC203", "SC204", "SC205", "SC206", "SC207", "SC208", "SC209",
    "SC210", "SC211", "SC401", "SC410",
)  # fmt: skip


def _validate(project: Path) -> list[dict[str, Any]]:
    result = invoke(["validate", "--format", "json", "records"], project)
    assert result.exit_code in (0, 1), result.stderr
    diagnostics: list[dict[str, Any]] = result.json()["diagnostics"]
    return diagnostics


def case(tmp_path: Path, code: str, name: str) -> list[dict[str, Any]]:
    """Run the fixture case `<code>/<name>` and return its diagnostics of `code`."""
    records = tmp_path / "records"
    shutil.copytree(RULES / code / name, records)
    for extra in records.glob(".selectcheck.yaml"):
        extra.rename(tmp_path / extra.name)
    return [d for d in _validate(tmp_path) if d["code"] == code]


def check(tmp_path: Path, text: str, policy: str | None = None) -> list[dict[str, Any]]:
    """Validate one record (and an optional `.selectcheck.yaml`); all diagnostics."""
    records = tmp_path / "records"
    records.mkdir(parents=True, exist_ok=True)
    (records / "0001-record.yaml").write_text(text, encoding="utf-8")
    if policy is not None:
        (tmp_path / ".selectcheck.yaml").write_text(policy, encoding="utf-8")
    return _validate(tmp_path)


def base(**replacements: str) -> str:
    text = BASE_RECORD.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def of(diagnostics: list[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    return [d for d in diagnostics if d["code"] == code and not d["waived"]]


def messages(diagnostics: list[dict[str, Any]]) -> list[str]:
    return [d["message"] for d in diagnostics]


QWEN7 = "Qwen/Qwen2.5-7B-Instruct"
PHI4 = "microsoft/phi-4"
BASE_SCORES = (
    "  - model: Qwen/Qwen2.5-7B-Instruct\n"
    "    license: apache-2.0\n"
    "    scores:\n"
    '      ifeval: {value: 71.2, source: "https://arxiv.org/abs/2412.15115"}\n'
    "  - model: microsoft/phi-4\n"
    "    license: mit\n"
    "    scores:\n"
    '      ifeval: {value: 63.0, source: "https://arxiv.org/abs/2412.08905"}\n'
)


def with_candidates(candidates: str, **replacements: str) -> str:
    return base(**{BASE_SCORES: candidates}, **replacements)


# --------------------------------------------------------------------------- the base


def test_base_record_and_example_records_are_clean(tmp_path: Path) -> None:
    assert not [d for d in check(tmp_path, base()) if d["code"] in EVIDENCE_CODES]
    result = invoke(["validate", "--format", "json", "records"], REPO)
    assert result.exit_code == 0, result.stdout
    fired = [d for d in result.json()["diagnostics"] if d["code"] in EVIDENCE_CODES]
    assert fired == []


@pytest.mark.parametrize("code", EVIDENCE_CODES)
def test_explain_shows_both_examples(tmp_path: Path, code: str) -> None:
    from selectcheck.rules.registry import all_rules

    info = all_rules()[code].info
    assert info.failing_example.strip() and info.passing_example.strip() and len(info.explanation) > 200
    result = invoke(["explain", code], tmp_path)
    assert result.exit_code == 0
    assert info.failing_example.splitlines()[0].strip() in result.stdout
    assert info.passing_example.splitlines()[-1].strip() in result.stdout


def test_explain_sc206_and_sc207_name_their_tests_and_quote_computed_numbers(tmp_path: Path) -> None:
    """Issue 21: the explanations say exactly which test is used, and the numbers they quote
    are the ones the code computes (SC206 used to quote "8–11 points" for HumanEval)."""
    from selectcheck.compute import noise

    sc206 = " ".join(invoke(["explain", "SC206"], tmp_path).stdout.split())
    for test in (
        "the z-test of the difference",
        "the exact McNemar test",
        "the unpaired two-sample z-test",
        "Boschloo's exact unconditional test",
        "Fisher's exact test",
    ):
        assert test in sc206, test
    humaneval = f"{noise.normal_floor(0.9, 0.9, 164, 164):.1f}–{noise.normal_floor(0.5, 0.5, 164, 164):.1f} points"
    assert humaneval == "6.5–10.8 points" and f"must exceed {humaneval}" in sc206
    assert f"fewer than {noise.min_discordant(0.95)} discordant items" in sc206
    assert "between -0.135 and 0.972" in sc206 and "(Boschloo p = 0.062)" in sc206
    sc207 = " ".join(invoke(["explain", "SC207"], tmp_path).stdout.split())
    assert "two one-sided tests (TOST" in sc207 and "Newcombe's hybrid score interval" in sc207
    assert "TOST p = 0.18" in sc207 and "a 52.9% head-to-head win rate" in sc207
    assert "`equivalence.margin` (5 points by default)" in sc207


# --------------------------------------------------------------------------- SC006


def test_sc006_message_and_suggestion(tmp_path: Path) -> None:
    found = case(tmp_path, "SC006", "fail")
    strict = next(d for d in found if "if-eval-strict" in d["message"])
    assert "microsoft/phi-4" in strict["message"] and "no n" in strict["message"]
    assert "Did you mean `ifeval`?" in strict["help"]
    assert strict["pointer"] == "/candidates/1/scores/if-eval-strict"


def test_sc006_escapes_pointer_and_accepts_stderr(tmp_path: Path) -> None:
    candidates = BASE_SCORES.replace(
        '      ifeval: {value: 63.0, source: "https://arxiv.org/abs/2412.08905"}\n',
        '      ifeval: {value: 63.0, source: "https://arxiv.org/abs/2412.08905"}\n'
        "      acme/faq~style: {value: 55.5, source: docs/evals/faq.md}\n"
        "      acme/tone: {value: 51.0, stderr: 2.2, source: docs/evals/tone.md}\n",
    )
    found = of(check(tmp_path, with_candidates(candidates)), "SC006")
    assert [d["pointer"] for d in found] == ["/candidates/1/scores/acme~1faq~0style"]
    assert found[0]["line"] == 32 and found[0]["column"] == 7


# --------------------------------------------------------------------------- SC201–SC205


def test_sc201_messages(tmp_path: Path) -> None:
    (found,) = case(tmp_path, "SC201", "fail")
    assert "meta-llama/Llama-3.1-8B-Instruct" in found["message"]
    assert "task 'code' (humaneval, humaneval-plus, mbpp" in found["message"]
    assert "its 2 scores are on mmlu, ifeval" in found["message"]
    (bare,) = case(tmp_path / "b", "SC201", "fail-no-scores")
    assert "cites no scores at all" in bare["message"]


def test_sc201_silent_for_an_unknown_category(tmp_path: Path) -> None:
    found = check(tmp_path, base(**{"category: instruction-following": "category: faq-drafting"}))
    assert of(found, "SC007") and not of(found, "SC201")


def test_sc202_message(tmp_path: Path) -> None:
    (found,) = case(tmp_path, "SC202", "fail")
    assert "Open LLM Leaderboard v2 average 35.2" in found["message"]
    assert "6 benchmarks" in found["message"] and "'support-bot'" in found["message"]
    assert "(truthfulqa-mc2, ifeval)" in found["help"]


def test_sc203_message(tmp_path: Path) -> None:
    found = case(tmp_path, "SC203", "fail")
    assert messages(found) == [
        f"{QWEN7}'s IFEval score 71.2 has no source",
        f"{QWEN7}'s MBPP score 79.2 has no source",
        f"{PHI4}'s IFEval score 63 has no source",
    ]


def test_sc204_message(tmp_path: Path) -> None:
    (found,) = case(tmp_path, "SC204", "fail")
    assert "saturated benchmark (HumanEval 88.4)" in found["message"]
    assert "humaneval-plus" in found["help"] and "humaneval," not in found["help"]


def test_sc205_messages(tmp_path: Path) -> None:
    found = case(tmp_path, "SC205", "fail")
    assert messages(found) == [
        "google/gemma-2-9b-it's MT-Bench score 82 lies outside the benchmark's range [1, 10]",
        "google/gemma-2-9b-it's IFEval score -70.1 lies outside the benchmark's range [0, 100]",
        "meta-llama/Llama-3.1-8B-Instruct's Chatbot Arena score 3,176 lies outside the benchmark's range [500, 2,500]",
    ]
    assert [d["pointer"] for d in found] == [
        f"/candidates/{i}/scores/{k}/value" for i, k in ((0, "mt-bench"), (0, "ifeval"), (1, "chatbot-arena"))
    ]


# --------------------------------------------------------------------------- SC206


def test_sc206_messages_state_gap_floor_n_and_confidence(tmp_path: Path) -> None:
    found = case(tmp_path, "SC206", "fail")
    assert messages(found) == [
        "decision rests on a 3.7-point HumanEval gap over google/gemma-2-9b-it; at n=164 the 95% "
        "noise floor is 9.8 points",
        "decision rests on a 4.5-point own-evaluation gap over google/gemma-2-9b-it; at n=200 the "
        "95% noise floor is 9.4 points",
    ]
    assert [d["pointer"] for d in found] == ["/decision/reasons/0", "/decision/reasons/1"]
    assert "n ≥ 1,160" in found[0]["help"] and "paired_correlation" in found[0]["help"]
    assert "n ≥ 875" in found[1]["help"]


def test_sc206_claims_without_a_floor(tmp_path: Path) -> None:
    average, judge, arena = case(tmp_path, "SC206", "fail-no-floor")
    assert "5.1-point Open LLM Leaderboard v2 average gap" in average["message"]
    assert "no noise floor can be computed" in average["message"]
    assert "filters, not verdicts" in average["help"]
    assert "0.1-point MT-Bench gap" in judge["message"] and "ci95" in judge["help"]
    # Ratings are judged by the z-test of their difference, the intervals read as standard
    # errors (issue 21: interval overlap is roughly a 99.4% test, not a 95% one).
    assert arena["message"] == (
        "decision rests on a 5-point Chatbot Arena gap over mistralai/Mistral-Nemo-Instruct-2407; "
        "with standard errors from the 95% intervals the 95% noise floor is 6.4 points "
        "(z-test of the difference, p = 0.13)"
    )


HUMANEVAL_PAIR = (
    "  - model: Qwen/Qwen2.5-7B-Instruct\n"
    "    license: apache-2.0\n"
    "    scores:\n"
    '      humaneval: {value: 88.4, source: "https://arxiv.org/abs/2412.15115"}\n'
    "  - model: microsoft/phi-4\n"
    "    license: mit\n"
    "    scores:\n"
    '      humaneval: {value: 78.0, source: "https://arxiv.org/abs/2412.08905"}\n'
)


def test_sc206_uses_the_policy_confidence(tmp_path: Path) -> None:
    record = with_candidates(HUMANEVAL_PAIR, **{"benchmark: ifeval": "benchmark: humaneval"})
    # 10.4 points at n=164: beyond the 95% floor (8.0), inside the 99% one (10.5).
    assert not of(check(tmp_path / "a", record), "SC206")
    (found,) = of(check(tmp_path / "b", record, "policy_version: 1\nconfidence: 0.99\n"), "SC206")
    assert found["message"].endswith("at n=164 the 99% noise floor is 10.5 points")


def test_sc206_paired_correlation_and_stderr(tmp_path: Path) -> None:
    candidates = HUMANEVAL_PAIR.replace("78.0", "84.0")
    record = with_candidates(candidates, **{"benchmark: ifeval": "benchmark: humaneval"})
    (unpaired,) = of(check(tmp_path / "a", record), "SC206")
    assert "a 4.4-point HumanEval gap" in unpaired["message"]
    # 88.4% and 84% allow a per-item correlation of at most 0.830. At 0.8 the scores imply
    # 8 items only Qwen solved and 1 only Phi-4 solved: exact McNemar p = 0.039.
    paired = record.replace(
        "      over: [microsoft/phi-4]\n", "      over: [microsoft/phi-4]\n      paired_correlation: 0.8\n"
    )
    assert not of(check(tmp_path / "b", paired), "SC206")
    impossible_record = paired.replace("paired_correlation: 0.8", "paired_correlation: 0.9")
    (impossible,) = of(check(tmp_path / "d", impossible_record), "SC206")
    assert impossible["pointer"] == "/decision/reasons/0/paired_correlation"
    assert "a paired correlation of 0.9, impossible for scores of 88.4% and 84%" in impossible["message"]
    assert "between -0.158 and 0.830" in impossible["message"]
    stated = record.replace("value: 84.0,", "value: 84.0, stderr: 1.0,").replace(
        "value: 88.4,", "value: 88.4, stderr: 1.0,"
    )
    assert not of(check(tmp_path / "c", stated), "SC206")  # floor 1.96·√2 = 2.8 points


def test_sc206_own_evaluation_result_not_a_percentage(tmp_path: Path) -> None:
    record = base(
        **{
            "    - kind: benchmark\n      benchmark: ifeval\n": "    - kind: own-evaluation\n",
            "Qwen/Qwen2.5-7B-Instruct: 74.0": "Qwen/Qwen2.5-7B-Instruct: 412",
        }
    )
    (found,) = of(check(tmp_path, record), "SC206")
    assert "no noise floor can be computed" in found["message"] and "412" in found["message"]


# --------------------------------------------------------------------------- SC207


def test_sc207_message(tmp_path: Path) -> None:
    (found,) = case(tmp_path, "SC207", "fail")
    message = found["message"]
    assert found["severity"] == "warning" and found["pointer"] == "/candidates/1/model"
    assert "the smaller Qwen/Qwen2.5-7B-Instruct (7.6B parameters)" in message
    assert "equivalent to the chosen Qwen/Qwen2.5-14B-Instruct (14.8B) within the policy's margins" in message
    assert "permits commercial use" in message
    assert "— own evaluation 72 vs 71.5 (90% interval of the gap [−2.8, 3.8] inside ±5 points, TOST p = 0.013)" in (
        message
    )
    assert (
        "inconclusive: HumanEval 83.5 vs 84.8 (90% interval of the gap [−7.9, 5.3] not inside ±5 points, "
        "TOST p = 0.18); MBPP 82 vs 79.2 (90% interval of the gap [−1.3, 6.9] not inside ±5 points, TOST p = 0.19)"
    ) in message


def test_sc207_within_noise_is_not_equivalence(tmp_path: Path) -> None:
    """Issue 21: the old failing example (HumanEval 83.5 vs 84.8 at n=164, TOST p = .18) was
    called "statistically indistinguishable"; no comparison in it shows equivalence."""
    assert not case(tmp_path, "SC207", "pass-not-equivalent")


def test_sc207_margin_comes_from_the_policy(tmp_path: Path) -> None:
    record = (RULES / "SC207" / "pass-not-equivalent" / "0001-review.yaml").read_text(encoding="utf-8")
    # MBPP 82.0 vs 79.2 at n=500: the 90% interval [−1.3, 6.9] fits inside ±7, not ±5.
    (found,) = of(check(tmp_path / "a", record, "policy_version: 1\nequivalence: {margins: {mbpp: 7}}\n"), "SC207")
    assert "MBPP 82 vs 79.2 (90% interval of the gap [−1.3, 6.9] inside ±7 points" in found["message"]
    assert not of(check(tmp_path / "b", record, "policy_version: 1\nequivalence: {margin: 6}\n"), "SC207")


FOURTEEN_SEVEN = (
    "  - model: Qwen/Qwen2.5-14B-Instruct\n"
    "    license: apache-2.0\n"
    "    scores:\n"
    '      ifeval: {value: 74.0, source: "https://example.com/ifeval-run"}\n'
    "  - model: Qwen/Qwen2.5-7B-Instruct\n"
    "    license: apache-2.0\n"
    "    scores:\n"
    '      ifeval: {value: 73.8, source: "https://arxiv.org/abs/2412.15115"}\n'
)


def fourteen_over_seven(reason: str = "    - kind: other\n      note: bigger\n") -> str:
    return with_candidates(
        FOURTEEN_SEVEN,
        **{
            "chosen: Qwen/Qwen2.5-7B-Instruct": "chosen: Qwen/Qwen2.5-14B-Instruct",
            "    - kind: benchmark\n      benchmark: ifeval\n      over: [microsoft/phi-4]\n": reason,
            "own_evaluation:": "x-own-evaluation:",
        },
    )


def test_sc207_other_reasons_do_not_silence_it_but_a_waiver_does(tmp_path: Path) -> None:
    ecosystem = "    - kind: ecosystem\n      over: [Qwen/Qwen2.5-7B-Instruct]\n      note: tools\n"
    (found,) = of(check(tmp_path / "a", fourteen_over_seven(ecosystem)), "SC207")
    equivalent = "IFEval 74 vs 73.8 (90% interval of the gap [−4.2, 4.6] inside ±5 points, TOST p = 0.036)"
    assert equivalent in found["message"]
    assert "own evaluation" not in found["message"]
    waived = fourteen_over_seven() + (
        "waivers:\n  - rule: SC207\n    reason: The 7B model lacks our tool-call format.\n"
        "    approved_by: ana@example.com\n    expires: 2027-06-30\n"
    )
    diags = check(tmp_path / "b", waived)
    assert [d["waived"] for d in diags if d["code"] == "SC207"] == [True]


def test_sc207_silent_when_the_chosen_model_is_significantly_better(tmp_path: Path) -> None:
    record = fourteen_over_seven().replace("value: 74.0", "value: 81.0")
    assert not of(check(tmp_path, record), "SC207")


def test_sc207_silent_when_not_meaningfully_smaller(tmp_path: Path) -> None:
    # Qwen2.5-7B (7.6B) is 95% of Llama-3.1-8B (8.0B): not a smaller model worth a finding.
    record = fourteen_over_seven().replace("Qwen/Qwen2.5-14B-Instruct", "meta-llama/Llama-3.1-8B-Instruct")
    record = record.replace(
        "license: apache-2.0\n    scores:\n      ifeval: {value: 74.0",
        "license: llama3.1\n    scores:\n      ifeval: {value: 74.0",
        1,
    )
    assert not of(check(tmp_path, record), "SC207")


def test_sc207_silent_when_the_size_is_unknown(tmp_path: Path) -> None:
    record = fourteen_over_seven().replace("Qwen/Qwen2.5-7B-Instruct", "acme/faq-drafter-7b")
    assert not of(check(tmp_path, record), "SC207")
    sized = record.replace(
        "  - model: acme/faq-drafter-7b\n", "  - model: acme/faq-drafter-7b\n    parameters: 7.0e9\n"
    )
    (found,) = of(check(tmp_path / "b", sized), "SC207")
    assert "acme/faq-drafter-7b (7B parameters)" in found["message"]


# --------------------------------------------------------------------------- SC208


def test_sc208_messages(tmp_path: Path) -> None:
    found = case(tmp_path, "SC208", "fail")
    llama = "meta-llama/Llama-3.1-8B-Instruct"
    assert messages(found) == [
        f"the reason claims {QWEN7} beats {llama} on IFEval, but {llama} scores higher: 80.4 "
        "against 71.2 (a 9.2-point IFEval gap; at n=541 the 95% noise floor is 5.1 points)",
        f"the reason claims {QWEN7} beats {PHI4} on IFEval, but both score 71.2",
        f"the reason claims {QWEN7} beats {llama} on MMLU, but {QWEN7} has no MMLU score",
        f"the reason claims {QWEN7} beats mistralai/Mistral-7B-Instruct-v0.3 on IFEval, but "
        "mistralai/Mistral-7B-Instruct-v0.3 is not among the candidates",
        f"the reason claims {QWEN7} beats google/gemma-2-9b-it on the own evaluation, but the own "
        "evaluation has no result for google/gemma-2-9b-it",
    ]
    assert [d["pointer"] for d in found] == [
        "/decision/reasons/0",
        "/decision/reasons/0",
        "/decision/reasons/1",
        "/decision/reasons/2",
        "/decision/reasons/3",
    ]


def test_sc208_compares_normalised_and_raw_scores_on_the_raw_scale(tmp_path: Path) -> None:
    # GPQA normalised 10 = raw 32.5 (chance 0.25), ahead of a raw 30.0 although 10 < 30.
    candidates = BASE_SCORES.replace("ifeval: {value: 71.2,", "gpqa: {value: 10.0, normalized: true,").replace(
        "ifeval: {value: 63.0,", "gpqa: {value: 30.0,"
    )
    record = with_candidates(candidates, **{"benchmark: ifeval": "benchmark: gpqa"})
    diags = check(tmp_path, record)
    assert not of(diags, "SC208")
    (noise,) = of(diags, "SC206")
    assert "a 2.5-point GPQA gap" in noise["message"] and "at n=448" in noise["message"]


# --------------------------------------------------------------------------- SC209–SC211


def test_sc209_message(tmp_path: Path) -> None:
    (found,) = case(tmp_path, "SC209", "fail")
    assert "(chatbot-arena, arena-hard, mt-bench, alpacaeval-lc)" in found["message"]
    assert "its 2 scores (ifeval, truthfulqa-mc2) are all automatic" in found["message"]
    assert "the own evaluation is missing" in found["message"]


def test_sc209_own_evaluation_must_include_the_chosen_model(tmp_path: Path) -> None:
    record = base(
        **{
            "user_facing: false": "user_facing: true",
            "    Qwen/Qwen2.5-7B-Instruct: 74.0\n": "",
        }
    )
    (found,) = of(check(tmp_path, record), "SC209")
    assert "the own evaluation has no result for it" in found["message"]


def test_sc210_leaderboard_number_one_under_the_minimum(tmp_path: Path) -> None:
    (found,) = case(tmp_path, "SC210", "fail")
    assert found["message"] == (
        "the chosen model meta-llama/Meta-Llama-3-8B scores 43.9 on TruthfulQA MC2, under the "
        "policy minimum of 50 for task 'support-bot': 6.1 points short; at n=817 its 95% "
        "interval is [40.5, 47.3]"
    )
    assert found["pointer"] == "/candidates/0/scores/TruthfulQA (0-shot)/value"
    (missing,) = case(tmp_path / "b", "SC210", "fail-missing")
    assert "has no TruthfulQA MC2 score; the policy requires at least 50" in missing["message"]


def test_sc210_normalised_scores_are_compared_raw(tmp_path: Path) -> None:
    policy = (
        "policy_version: 1\ntasks:\n  instruction-following:\n"
        "    benchmarks: [ifeval, gpqa]\n    minimums: {gpqa: 30}\n"
    )
    candidates = BASE_SCORES.replace(
        '      ifeval: {value: 71.2, source: "https://arxiv.org/abs/2412.15115"}\n',
        '      ifeval: {value: 71.2, source: "https://arxiv.org/abs/2412.15115"}\n'
        "      gpqa: {value: 5.0, normalized: true, source: docs/evals/gpqa.md}\n",
    )
    (found,) = of(check(tmp_path / "a", with_candidates(candidates), policy), "SC210")
    assert "scores 5 (normalised; 28.8 raw) on GPQA, under the policy minimum of 30" in found["message"]
    assert "1.2 points short" in found["message"]
    passing = with_candidates(candidates.replace("value: 5.0", "value: 10.0"))
    assert not of(check(tmp_path / "b", passing, policy), "SC210")  # 10 normalised = 32.5 raw


def test_sc211_messages(tmp_path: Path) -> None:
    score, evaluation = case(tmp_path, "SC211", "fail")
    assert score["message"] == (
        "mistralai/Mistral-7B-Instruct-v0.3's IFEval score is dated 2024-06-26, 858 days before "
        "the decision (2026-11-01); the policy's maximum age is 730 days"
    )
    assert score["pointer"] == "/candidates/1/scores/ifeval/date"
    assert evaluation["message"].startswith("the own evaluation is dated 2024-09-30, 762 days")
    (proposed,) = case(tmp_path / "b", "SC211", "fail-proposed")
    assert "736 days before today (2026-11-26)" in proposed["message"]


def test_sc211_policy_max_age(tmp_path: Path) -> None:
    record = base(**{'"https://arxiv.org/abs/2412.15115"}': '"https://arxiv.org/abs/2412.15115", date: 2026-06-01}'})
    assert not of(check(tmp_path / "a", record), "SC211")
    (found,) = of(check(tmp_path / "b", record, "policy_version: 1\nevidence: {max_age_days: 90}\n"), "SC211")
    assert "178 days before today (2026-11-26); the policy's maximum age is 90 days" in found["message"]


# --------------------------------------------------------------------------- SC401, SC410


def test_sc401_messages(tmp_path: Path) -> None:
    (found,) = case(tmp_path, "SC401", "fail")
    assert found["pointer"] == "/status"
    assert "accepted but has no own_evaluation" in found["message"] and "n=100" in found["message"]
    (chosen,) = case(tmp_path / "b", "SC401", "fail-chosen-missing")
    assert chosen["message"] == (
        f"the own evaluation (200 items) has no result for the chosen model {QWEN7}; it evaluated {QWEN7}-AWQ, {PHI4}"
    )


def test_sc401_policy_required_status(tmp_path: Path) -> None:
    record = base(**{"own_evaluation:": "x-own-evaluation:"})
    assert not of(check(tmp_path / "a", record), "SC401")
    policy = "policy_version: 1\nown_evaluation: {required_status: [proposed, accepted]}\n"
    (found,) = of(check(tmp_path / "b", record, policy), "SC401")
    assert "for status proposed, accepted" in found["message"]


def test_sc410_message(tmp_path: Path) -> None:
    (found,) = case(tmp_path, "SC410", "fail")
    assert found["message"] == (
        "the own evaluation has n=40 items, under the policy minimum of 100; two results near "
        "72.5% need a 17.5-point gap to differ at 95% (at n=100: 12.4 points)"
    )


def test_sc207_example_record_is_covered_by_its_own_evaluation(tmp_path: Path) -> None:
    """records/0002: the 3B model is within noise of the 8B on TruthfulQA and IFEval, and the
    own evaluation (78.0 vs 64.3 at n=300, floor 7.2) justifies the larger model. Within
    noise is not equivalence: without the own evaluation nothing shows the 3B equivalent
    (TruthfulQA 54 vs 50.3 at n=817: the 90% interval reaches 7.8 points), so SC207 is silent
    too; with an own evaluation that does show it, the rule fires."""
    text = (REPO / "records" / "0002-support-bot.yaml").read_text(encoding="utf-8")
    assert not of(check(tmp_path / "a", text), "SC207")
    without = text[: text.index("own_evaluation:")].replace("status: accepted", "status: proposed")
    assert not of(check(tmp_path / "b", without), "SC207")
    close = text.replace("n: 300\n", "n: 3000\n").replace(
        "meta-llama/Llama-3.2-3B-Instruct: 64.3", "meta-llama/Llama-3.2-3B-Instruct: 77.0"
    )
    diagnostics = check(tmp_path / "c", close)
    (found,) = of(diagnostics, "SC207")
    assert "meta-llama/Llama-3.2-3B-Instruct (3.2B parameters)" in found["message"]
    assert "— own evaluation 78 vs 77 (90% interval of the gap [−0.77, 2.8] inside ±5 points" in found["message"]
    inconclusive = "inconclusive: TruthfulQA MC2 54 vs 50.3 (90% interval of the gap [−0.36, 7.8] not inside ±5 points"
    assert inconclusive in found["message"]
    assert of(diagnostics, "SC206")  # the own-evaluation reason now rests on a 1-point gap
