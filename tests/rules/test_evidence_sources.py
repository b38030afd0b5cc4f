"""Scores checked against the evaluation outputs they cite (SC212), the run's own n and
standard error in the noise rules (SC006, SC206, SC207, SC210), and own evaluations compared
item by item. Through the real CLI, on real lm-evaluation-harness outputs and model cards
copied into a temporary repository."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, invoke
from tests.rules.test_evidence_rules import base as record

DATA = Path(__file__).resolve().parents[1] / "data"
RUN_A = "evals/qwen/results_2026-11-29T20-33-18.815259.json"  # dummy-seed1234
RUN_B = "evals/phi/results_2026-11-29T20-33-47.718971.json"  # dummy-seed4321
RUN_LIMITED = "evals/qwen-limit40/results_2026-11-29T20-33-59.910409.json"
SAMPLES_A = "evals/qwen/samples_sc_arith_mc_2026-11-29T20-33-18.815259.jsonl"
SAMPLES_B = "evals/phi/samples_sc_arith_mc_2026-11-29T20-33-47.718971.jsonl"
SAMPLES_LIMITED = "evals/qwen-limit40/samples_sc_arith_mc_2026-11-29T20-33-59.910409.jsonl"
SUPERNOVA = "evals/cards/arcee-ai--Llama-3.1-SuperNova-Lite/README.md"
STABLECODE = "evals/cards/stabilityai--stablecode-completion-alpha-3b-4k/README.md"
PHIND = "evals/cards/Phind--Phind-CodeLlama-34B-v2/README.md"
QWEN, PHI = "Qwen/Qwen2.5-7B-Instruct", "microsoft/phi-4"
IFEVAL_QWEN = '      ifeval: {value: 71.2, source: "https://arxiv.org/abs/2412.15115"}\n'
IFEVAL_PHI = '      ifeval: {value: 63.0, source: "https://arxiv.org/abs/2412.08905"}\n'
OWN_RESULTS = "    Qwen/Qwen2.5-7B-Instruct: 74.0\n    microsoft/phi-4: 58.5\n"
IFEVAL_REASON = "    - kind: benchmark\n      benchmark: ifeval\n      over: [microsoft/phi-4]\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with committed evaluation outputs: two full runs, a --limit run and cards."""
    (tmp_path / ".git").mkdir()  # the project root is the nearest folder with .git
    for folder, name in (
        ("dummy-seed1234", "qwen"),
        ("dummy-seed4321", "phi"),
        ("dummy-seed1234-limit40", "qwen-limit40"),
    ):
        shutil.copytree(DATA / "lm-eval" / folder, tmp_path / "evals" / name)
    shutil.copytree(DATA / "model-cards", tmp_path / "evals" / "cards")
    (tmp_path / "records").mkdir()
    return tmp_path


def validate(repo: Path, text: str, *args: str) -> tuple[int, list[dict[str, Any]]]:
    (repo / "records" / "0001-faq.yaml").write_text(text, encoding="utf-8")
    result = invoke(["validate", "--format", "json", *args, "records"], repo)
    assert result.exit_code in (0, 1), result.stderr
    return result.exit_code, result.json()["diagnostics"]


def of(diagnostics: list[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    return [d for d in diagnostics if d["code"] == code]


def scores(qwen: str, phi: str) -> dict[str, str]:
    return {IFEVAL_QWEN: qwen, IFEVAL_PHI: phi}


# --------------------------------------------------------------------------- SC212 scores


def test_a_record_citing_real_outputs_passes(repo: Path) -> None:
    text = record(
        **scores(
            f"      ifeval: {{value: 29.17, source: {RUN_A}}}\n"
            f"      gsm8k: {{value: 0.0, source: {RUN_A}}}\n"
            f'      sc_arith_mc: {{value: 30.8, source: "{RUN_A}#sc_arith_mc,acc"}}\n'
            f"      humaneval: {{value: 17.68, source: {STABLECODE}}}\n",
            f"      ifeval: {{value: 80.2, source: {SUPERNOVA}}}\n"
            f"      mmlu-pro: {{value: 31.97, normalized: true, source: {SUPERNOVA}}}\n"
            f'      humaneval: {{value: 73.8, source: "{PHIND}#HumanEval,pass@1"}}\n',
        ),
        **{IFEVAL_REASON: "    - kind: license\n      note: ok\n"},
    )
    code, diagnostics = validate(repo, text)
    assert code == 0, diagnostics
    assert of(diagnostics, "SC212") == [] and of(diagnostics, "SC006") == []


@pytest.mark.parametrize(
    ("value", "agrees"),
    [
        ("29.17", True),
        ("29.2", True),
        ("29", True),
        ("29.167", True),
        ("29.1", False),
        ("29.3", False),
        ("0.2917", False),
    ],
)
def test_a_value_agrees_within_its_printed_precision(repo: Path, value: str, agrees: bool) -> None:
    """The file says 0.291666…: 29.2 is that rounded, 29.1 is not."""
    text = record(**{IFEVAL_QWEN: f"      ifeval: {{value: {value}, source: {RUN_A}}}\n"})
    _, diagnostics = validate(repo, text, "--select", "SC212")
    if agrees:
        assert diagnostics == []
        return
    (finding,) = diagnostics
    assert finding["pointer"] == "/candidates/0/scores/ifeval/value"
    assert (finding["line"], finding["column"]) == (27, 23)
    assert finding["message"] == (
        f"{QWEN}'s IFEval score {value} differs from 29.1667 (ifeval, prompt_level_strict_acc,none = 0.2917) "
        "in results_2026-11-29T20-33-18.815259.json"
    )


def test_the_catalog_decides_task_and_metric_and_a_fragment_overrides_it(repo: Path) -> None:
    # gsm8k → exact_match,strict-match; both filters are 0 in this run, so name the other explicitly
    text = record(
        **{
            IFEVAL_QWEN: f'      ifeval: {{value: 29.2, source: "{RUN_A}#ifeval,inst_level_strict_acc"}}\n'
            f'      gsm8k: {{value: 0, source: "{RUN_A}#gsm8k,exact_match,flexible-extract"}}\n'
        }
    )
    (finding,) = of(validate(repo, text)[1], "SC212")
    assert "differs from 37.931 (ifeval, inst_level_strict_acc,none = 0.3793)" in finding["message"]


@pytest.mark.parametrize(
    ("source", "message", "help"),
    [
        ("evals/qwen/results_2026-01-01T00-00-00.json", "but it does not exist in the repository", "Commit"),
        ("/home/ana/results.json", "but it is an absolute path", "relative to the repository root"),
        ("../results.json", "but it climbs out of the repository with `..`", "without `..`"),
        (f"{RUN_A}#mmlu,acc", "but it has no task 'mmlu' (it has ifeval, gsm8k, sc_arith_mc)", "#TASK,METRIC"),
        (f"{RUN_A}#ifeval,acc", "but task ifeval has no metric 'acc' (it has prompt_level_strict_acc,none", "METRIC"),
        ("evals/cards/README.md", "but it has no YAML front matter", "metadata block included"),
        (f"{RUN_A}#gsm8k,exact_match,strict-match", "but its gsm8k scores GSM8K, not IFEval", "under `gsm8k`"),
        (f"{SUPERNOVA}#BBH,acc_norm", "but its BBH scores BBH, not IFEval", "under `bbh`"),
    ],
)
def test_a_cited_file_that_cannot_back_the_score(repo: Path, source: str, message: str, help: str) -> None:
    text = record(**{IFEVAL_QWEN: f'      ifeval: {{value: 29.2, source: "{source}"}}\n'})
    (finding,) = of(validate(repo, text)[1], "SC212")
    assert finding["pointer"] == "/candidates/0/scores/ifeval/source"
    assert finding["line"] == 27 and finding["column"] == 37
    assert message in finding["message"] and help in finding["help"]


def test_a_file_of_an_unknown_format(repo: Path) -> None:
    shutil.copy(REPO / "tests" / "fixtures" / "configs" / "qwen2.5-7b.json", repo / "evals" / "config.json")
    (repo / "evals" / "notes").mkdir()
    (repo / "evals" / "notes" / "README.md").write_text("# Our notes\n", encoding="utf-8")
    (repo / "evals" / "binary.json").write_bytes(bytes(range(256)))
    text = record(
        **scores(
            "      ifeval: {value: 29.2, source: evals/config.json}\n"
            "      gsm8k: {value: 1, source: evals/binary.json}\n",
            "      ifeval: {value: 80.2, source: evals/notes/README.md}\n",
        )
    )
    messages = [d["message"] for d in of(validate(repo, text)[1], "SC212")]
    assert any("it is not an lm-evaluation-harness results file" in m for m in messages)
    assert any("it is not UTF-8 text" in m for m in messages)
    assert any("it has no YAML front matter" in m for m in messages)


def test_a_symbolic_link_out_of_the_repository(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside") / "results.json"
    shutil.copy(repo / RUN_A, outside)
    (repo / "evals" / "linked.json").symlink_to(outside)
    text = record(**{IFEVAL_QWEN: "      ifeval: {value: 29.2, source: evals/linked.json}\n"})
    (finding,) = of(validate(repo, text)[1], "SC212")
    assert "symbolic link, which selectcheck does not follow" in finding["message"]


def test_a_large_file_is_not_read(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import selectcheck.analysis.sources as sources

    monkeypatch.setattr(sources, "MAX_RESULTS_BYTES", 10_000)
    text = record(**{IFEVAL_QWEN: f"      ifeval: {{value: 29.2, source: {RUN_A}}}\n"})
    (finding,) = of(validate(repo, text)[1], "SC212")
    assert "larger than the 10,000-byte limit for cited files" in finding["message"]


def test_n_and_stderr_must_match_the_file(repo: Path) -> None:
    text = record(
        **{
            IFEVAL_QWEN: f"      ifeval: {{value: 29.2, n: 541, stderr: 9.5, source: {RUN_A}}}\n"
            f'      sc_arith_mc: {{value: 30.83, stderr: 0.04, source: "{RUN_A}#sc_arith_mc,acc"}}\n'
        }
    )
    findings = of(validate(repo, text)[1], "SC212")
    assert [f["pointer"] for f in findings] == [
        "/candidates/0/scores/ifeval/n",
        "/candidates/0/scores/sc_arith_mc/stderr",
    ]
    assert "states n=541, but results_2026-11-29T20-33-18.815259.json scored 24 items" in findings[0]["message"]
    assert (
        "states stderr 0.04, but results_2026-11-29T20-33-18.815259.json gives 4.2334 for sc_arith_mc, acc,none"
        in findings[1]["message"]
    )


def test_a_run_of_another_model(repo: Path) -> None:
    data = json.loads((repo / RUN_A).read_text(encoding="utf-8"))
    data["config"]["model_args"] = "pretrained=meta-llama/Llama-3.1-8B-Instruct,dtype=bfloat16"
    (repo / "evals" / "llama").mkdir()
    (repo / "evals" / "llama" / "results_2026-11-29T20-33-18.815259.json").write_text(
        json.dumps(data), encoding="utf-8"
    )
    text = record(
        **{IFEVAL_QWEN: "      ifeval: {value: 29.2, source: evals/llama/results_2026-11-29T20-33-18.815259.json}\n"}
    )
    (finding,) = of(validate(repo, text)[1], "SC212")
    assert finding["message"] == (
        f"{QWEN}'s IFEval score cites results_2026-11-29T20-33-18.815259.json, a run of "
        f"meta-llama/Llama-3.1-8B-Instruct, not of {QWEN}"
    )


def test_model_card_units_and_leaderboard_normalisation(repo: Path) -> None:
    text = record(
        **scores(
            f"      humaneval: {{value: 0.18, source: {STABLECODE}}}\n",
            f"      bbh: {{value: 31.57, source: {SUPERNOVA}}}\n",
        )
    )
    findings = of(validate(repo, text)[1], "SC212")
    assert [f["pointer"] for f in findings] == [
        "/candidates/0/scores/humaneval/value",
        "/candidates/1/scores/bbh/value",
    ]
    assert "score 0.18 differs from 17.68 (HumanEval, pass@1 = 0.1768) in README.md" in findings[0]["message"]
    assert (
        "is the Open LLM Leaderboard's normalised value (rescaled from the 29% chance level)" in findings[1]["message"]
    )


def test_a_card_with_several_metrics_for_the_benchmark(repo: Path) -> None:
    # stablecode reports pass@1 and pass@10 for HumanEval: the catalog's metric, pass@1, decides
    text = record(**{IFEVAL_QWEN: f'      humaneval: {{value: 27.01, source: "{STABLECODE}#HumanEval,pass@10"}}\n'})
    assert of(validate(repo, text)[1], "SC212") == []
    text = record(**{IFEVAL_QWEN: f"      humaneval: {{value: 27.01, source: {STABLECODE}}}\n"})
    (finding,) = of(validate(repo, text)[1], "SC212")
    assert "differs from 17.68" in finding["message"]


# --------------------------------------------------------------------------- the run's own n and stderr


def test_noise_floor_uses_the_runs_n_and_stderr_and_says_so(repo: Path) -> None:
    text = record(
        **scores(
            f'      sc_arith_mc: {{value: 30.8, source: "{RUN_A}#sc_arith_mc,acc"}}\n',
            f'      sc_arith_mc: {{value: 20.8, source: "{RUN_B}#sc_arith_mc,acc"}}\n',
        ),
        **{IFEVAL_REASON: "    - kind: benchmark\n      benchmark: sc_arith_mc\n      over: [microsoft/phi-4]\n"},
    )
    diagnostics = validate(repo, text)[1]
    assert of(diagnostics, "SC006") == []  # n comes from the run, so the unknown benchmark has a floor
    (finding,) = of(diagnostics, "SC206")
    assert finding["message"] == (
        "decision rests on a 10-point sc_arith_mc gap over microsoft/phi-4; with the stated standard errors "
        f"the 95% noise floor is 11 points (z-test of the difference, p = 0.076) ({QWEN}: n=120 and stderr 4.23 from "
        f"results_2026-11-29T20-33-18.815259.json; {PHI}: n=120 and stderr 3.72 from "
        "results_2026-11-29T20-33-47.718971.json)"
    )


def test_a_limited_run_is_said_in_the_message(repo: Path) -> None:
    policy = "policy_version: 1\ntasks:\n  instruction-following: {benchmarks: [ifeval], minimums: {sc_arith_mc: 50}}\n"
    (repo / ".selectcheck.yaml").write_text(policy, encoding="utf-8")
    text = record(
        **{IFEVAL_QWEN: IFEVAL_QWEN + f'      sc_arith_mc: {{value: 27.5, source: "{RUN_LIMITED}#sc_arith_mc,acc"}}\n'}
    )
    (finding,) = of(validate(repo, text)[1], "SC210")
    assert "at n=40 its 95% interval is" in finding["message"]
    assert finding["message"].endswith(
        f"({QWEN}: n=40 of 120, a --limit run, and stderr 7.15 from results_2026-11-29T20-33-59.910409.json)"
    )


# --------------------------------------------------------------------------- own evaluations, item by item


def own(samples: dict[str, str], results: tuple[str, str] = ("30.83", "20.83"), n: int = 120) -> dict[str, str]:
    lines = "".join(f'    {model}: "{path}"\n' for model, path in samples.items())
    return {
        OWN_RESULTS: f"    {QWEN}: {results[0]}\n    {PHI}: {results[1]}\n  samples:\n{lines}",
        "  n: 200\n": f"  n: {n}\n",
        IFEVAL_REASON: "    - kind: own-evaluation\n      over: [microsoft/phi-4]\n",
    }


def test_paired_claim_on_real_samples(repo: Path) -> None:
    """Two random guessers over the same 120 questions: the paired test, with the unpaired
    floor at the same n beside it, calls the 10-point gap a tie."""
    text = record(**own({QWEN: f"{SAMPLES_A}#acc", PHI: f"{SAMPLES_B}#acc"}))
    diagnostics = validate(repo, text)[1]
    assert of(diagnostics, "SC212") == []
    (finding,) = of(diagnostics, "SC206")
    assert finding["message"] == (
        "decision rests on a 10-point own-evaluation gap over microsoft/phi-4; paired on 120 items, "
        f"McNemar's exact test (31 items only {QWEN} got right, 19 only {PHI}): p = 0.119, not under 0.05 "
        "(unpaired, at n=120 the 95% noise floor is 11 points, which the gap does not clear)"
    )


def write_grades(repo: Path, name: str, outcomes: list[int]) -> str:
    path = repo / "evals" / "own" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps({"id": f"q{i}", "correct": c}) + "\n" for i, c in enumerate(outcomes)), "utf-8")
    return f"evals/own/{name}"


def test_paired_test_passes_a_gap_the_unpaired_floor_calls_noise(repo: Path) -> None:
    """The README's case: 300 items, 81% against 76%, 21 to 6 on the items they disagree on."""
    a = [1] * 222 + [1] * 21 + [0] * 6 + [0] * 51
    b = [1] * 222 + [0] * 21 + [1] * 6 + [0] * 51
    samples = {QWEN: write_grades(repo, "qwen.jsonl", a), PHI: write_grades(repo, "phi.jsonl", b)}
    paired = record(**own(samples, ("81.0", "76.0"), 300))
    diagnostics = validate(repo, paired)[1]
    assert of(diagnostics, "SC206") == [] and of(diagnostics, "SC212") == []
    unpaired = record(**{k: v for k, v in own(samples, ("81.0", "76.0"), 300).items()})
    unpaired = unpaired.replace(f'  samples:\n    {QWEN}: "{samples[QWEN]}"\n    {PHI}: "{samples[PHI]}"\n', "")
    (finding,) = of(validate(repo, unpaired)[1], "SC206")
    assert "at n=300 the 95% noise floor is 6.6 points" in finding["message"]


def test_a_smaller_model_the_paired_test_beats_is_not_equivalent(repo: Path) -> None:
    """SC207 (the smallest model that meets the need) stays quiet when the per-item own
    evaluation shows the larger chosen model better, even without a reason claiming it."""
    small = "meta-llama/Llama-3.2-3B-Instruct"
    base = record(
        **{
            "  - model: microsoft/phi-4\n    license: mit\n": f"  - model: {small}\n    license: llama3.2\n",
            IFEVAL_PHI: '      ifeval: {value: 68.0, source: "https://huggingface.co/meta-llama/Llama-3.2-3B-Instruct"}\n',
            IFEVAL_REASON: "    - kind: license\n      note: Apache-2.0.\n",
            OWN_RESULTS: f"    {QWEN}: 81.0\n    {small}: 80.0\n",
            "  n: 200\n": "  n: 2000\n",
        }
    )
    # Unpaired, the 1-point gap at n=2,000 is inside the noise and its 90% interval inside
    # ±5 points: the smaller model is shown equivalent (TOST, issue 21).
    (before,) = of(validate(repo, base)[1], "SC207")
    assert "own evaluation 81 vs 80 (90% interval of the gap" in before["message"]
    # Item by item, 30 items only the chosen model got right against 10: McNemar p = 0.002.
    a = [1] * 1590 + [1] * 30 + [0] * 10 + [0] * 370
    b = [1] * 1590 + [0] * 30 + [1] * 10 + [0] * 370
    with_samples = base + (
        f'  samples:\n    {QWEN}: "{write_grades(repo, "a.jsonl", a)}"\n'
        f'    {small}: "{write_grades(repo, "b.jsonl", b)}"\n'
    )
    diagnostics = validate(repo, with_samples)[1]
    assert of(diagnostics, "SC207") == [] and of(diagnostics, "SC212") == []


def test_mismatched_items_are_an_error_that_counts_them(repo: Path) -> None:
    text = record(**own({QWEN: f"{SAMPLES_A}#acc", PHI: f"{SAMPLES_LIMITED}#acc"}, ("30.83", "27.5")))
    diagnostics = validate(repo, text)[1]
    (finding,) = of(diagnostics, "SC212")
    assert finding["pointer"] == "/own_evaluation/samples/microsoft~1phi-4"
    assert finding["message"] == (
        f"the per-item files of {QWEN} and {PHI} are not the same items: 80 only in {QWEN}'s, "
        f"0 only in {PHI}'s (40 shared)"
    )
    # no paired test on different items: the claim falls back to the unpaired floor
    (claim,) = of(diagnostics, "SC206")
    assert "McNemar" not in claim["message"] and "at n=120 the 95% noise floor" in claim["message"]


def test_results_and_n_must_match_the_items(repo: Path) -> None:
    text = record(**own({QWEN: f"{SAMPLES_A}#acc", PHI: f"{SAMPLES_B}#acc_norm"}, ("31.0", "20.0"), n=100))
    findings = of(validate(repo, text)[1], "SC212")
    assert [f["pointer"] for f in findings] == [
        "/own_evaluation/n",
        "/own_evaluation/results/Qwen~1Qwen2.5-7B-Instruct",
    ]
    assert findings[0]["message"] == "the own evaluation states n=100, but its per-item files hold 120 items"
    assert findings[1]["message"] == (
        f"the own evaluation states 31.0 for {QWEN}, but its per-item file gives 30.83 points (mean acc over 120 items)"
    )


def test_lm_eval_samples_default_to_the_catalogs_metric(repo: Path) -> None:
    ifeval_a = "evals/qwen/samples_ifeval_2026-11-29T20-33-18.815259.jsonl"
    ifeval_b = "evals/phi/samples_ifeval_2026-11-29T20-33-47.718971.jsonl"
    text = record(**own({QWEN: ifeval_a, PHI: ifeval_b}, ("29.17", "29.17"), n=24))
    diagnostics = validate(repo, text)[1]
    assert of(diagnostics, "SC212") == []  # read as prompt_level_strict_acc, IFEval's headline metric
    assert of(diagnostics, "SC208") != []  # and 29.17 against 29.17 is no win


def test_unusable_per_item_files(repo: Path) -> None:
    (repo / "evals" / "bad.jsonl").write_text('{"id": "a", "correct": 1}\n{"id": "a", "correct": 0}\n', "utf-8")
    # gsm8k's samples read with the catalog's strict-match filter; renamed, nothing says which filter
    gsm8k = "evals/qwen/samples_gsm8k_2026-11-29T20-33-18.815259.jsonl"
    shutil.copy(repo / gsm8k, repo / "evals" / "gsm.jsonl")
    text = record(
        **own({QWEN: "evals/bad.jsonl", PHI: "evals/missing.jsonl", "google/gemma-2-9b-it": "evals/gsm.jsonl"})
    )
    findings = of(validate(repo, text)[1], "SC212")
    by_pointer = {f["pointer"]: f["message"] for f in findings}
    assert len(by_pointer) == len(findings) == 3
    assert "line 2 repeats the id 'a' of line 1" in by_pointer["/own_evaluation/samples/Qwen~1Qwen2.5-7B-Instruct"]
    assert "it does not exist in the repository" in by_pointer["/own_evaluation/samples/microsoft~1phi-4"]
    gemma = by_pointer["/own_evaluation/samples/google~1gemma-2-9b-it"]
    assert "2 filters (strict-match, flexible-extract)" in gemma


def test_a_per_item_file_needs_a_result(repo: Path) -> None:
    text = record(
        **own({QWEN: f"{SAMPLES_A}#acc", PHI: f"{SAMPLES_B}#acc", "google/gemma-2-9b-it": f"{SAMPLES_B}#acc_norm"})
    )
    (finding,) = of(validate(repo, text)[1], "SC212")
    assert finding["message"] == "the own evaluation has a per-item file for google/gemma-2-9b-it but no result for it"
    assert finding["pointer"] == "/own_evaluation/samples/google~1gemma-2-9b-it"
