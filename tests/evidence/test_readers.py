"""The evaluation-output readers (selectcheck.evidence) on real files: lm-evaluation-harness
0.4.13 results and samples (tests/data/lm-eval), and public model cards with `model-index`
(tests/data/model-cards). Every bad input is an EvidenceError that says what is wrong."""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

import pytest

from selectcheck.evidence.files import EvidenceError, classify_source, read_in_repository, split_fragment
from selectcheck.evidence.lm_eval import parse_results, split_metric
from selectcheck.evidence.model_card import parse_model_card
from selectcheck.evidence.samples import parse_samples, samples_task

DATA = Path(__file__).resolve().parents[1] / "data"
LM_EVAL = DATA / "lm-eval"
CARDS = DATA / "model-cards"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def one(folder: str, pattern: str) -> Path:
    (path,) = (LM_EVAL / folder).glob(pattern)
    return path


# --------------------------------------------------------------------------- results files


def test_results_file_of_a_full_run() -> None:
    results = parse_results(one("dummy-seed1234", "results_*.json").read_bytes())
    assert [t.name for t in results.top_level] == ["ifeval", "gsm8k", "sc_arith_mc"]
    assert results.lm_eval_version == "0.4.13"
    assert results.date == datetime.date(2026, 11, 29)
    assert results.limit is None
    ifeval = results.tasks["ifeval"]
    assert (ifeval.n_original, ifeval.n_effective, ifeval.n_shot, ifeval.version) == (24, 24, 0, "4.0")
    (strict,) = ifeval.find("prompt_level_strict_acc")
    assert strict.key == "prompt_level_strict_acc,none"
    assert strict.value == pytest.approx(7 / 24)
    assert strict.stderr == pytest.approx(0.09477598811252415)
    (inst,) = ifeval.find("inst_level_strict_acc")
    assert inst.stderr is None  # the harness writes "N/A" for IFEval's instruction-level stderr
    gsm8k = results.tasks["gsm8k"]
    assert gsm8k.n_shot == 5 and gsm8k.version == "3.0"
    assert {m.key for m in gsm8k.metrics} == {"exact_match,strict-match", "exact_match,flexible-extract"}
    assert len(gsm8k.find("exact_match")) == 2 and len(gsm8k.find("exact_match", "strict-match")) == 1


def test_results_file_of_a_limited_run() -> None:
    results = parse_results(one("dummy-seed1234-limit40", "results_*.json").read_bytes())
    task = results.tasks["sc_arith_mc"]
    assert (task.n_original, task.n_effective) == (120, 40)
    assert results.limit == 40.0
    assert task.find("acc")[0].value == pytest.approx(0.275)


def test_results_model_comes_from_the_model_args() -> None:
    data = json.loads(one("dummy-seed1234", "results_*.json").read_text(encoding="utf-8"))
    assert parse_results(json.dumps(data).encode()).model == data["model_name"]  # `dummy` has no pretrained=
    data["config"]["model_args"] = "pretrained=Qwen/Qwen2.5-7B-Instruct,dtype=bfloat16"
    assert parse_results(json.dumps(data).encode()).model == "Qwen/Qwen2.5-7B-Instruct"
    data["config"]["model_args"] = {"pretrained": "meta-llama/Llama-3.1-8B-Instruct"}
    assert parse_results(json.dumps(data).encode()).model == "meta-llama/Llama-3.1-8B-Instruct"


def test_a_group_adds_up_its_subtasks() -> None:
    """Groups (mmlu, leaderboard_bbh) have metrics but no n-samples of their own: their n is
    the sum over their leaf tasks, nested groups included."""
    data = json.loads(one("dummy-seed1234", "results_*.json").read_text(encoding="utf-8"))
    data["results"]["sc_suite"] = {"alias": "sc_suite", "acc,none": 0.3, "acc_stderr,none": 0.03}
    data["results"]["sc_outer"] = {"alias": "sc_outer", "acc,none": 0.3}
    data["group_subtasks"] = {"sc_suite": ["sc_arith_mc", "gsm8k"], "sc_outer": ["sc_suite", "ifeval"]}
    results = parse_results(json.dumps(data).encode())
    suite = results.tasks["sc_suite"]
    assert suite.is_group and (suite.n_original, suite.n_effective) == (150, 150)
    assert results.tasks["sc_outer"].n_effective == 174
    assert [t.name for t in results.top_level] == ["sc_outer"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"results": {', "not valid JSON: Expecting property name enclosed in double quotes at line 1, column 14"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"results": {}, "versions": {}}', "holds no task results"),
        (b"\xff\xfe{}", "not UTF-8 text"),
        (b"[" * 100_000 + b"]" * 100_000, "nests JSON too deeply"),
    ],
)
def test_broken_results_files(raw: bytes, message: str) -> None:
    with pytest.raises(EvidenceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_results(raw)


def test_a_json_file_that_is_not_a_results_file() -> None:
    with pytest.raises(EvidenceError, match="not an lm-evaluation-harness results file") as info:
        parse_results((FIXTURES / "configs" / "llama-3.1-8b.json").read_bytes())
    assert "results_<timestamp>.json" in info.value.help


def test_metric_keys_split_into_metric_and_filter() -> None:
    assert split_metric("exact_match,strict-match") == ("exact_match", "strict-match")
    assert split_metric("pass@1") == ("pass@1", None)


# --------------------------------------------------------------------------- samples files


def test_lm_eval_samples_with_the_metric_named() -> None:
    raw = one("dummy-seed1234", "samples_ifeval_*.jsonl").read_bytes()
    items = parse_samples(raw, metric="prompt_level_strict_acc")
    assert items.n == 24 and items.format == "lm-eval" and items.metric == "prompt_level_strict_acc"
    assert set(items.values) == {0.0, 1.0}  # true/false in the file
    assert items.mean == pytest.approx(7 / 24)  # what the results file reports
    assert items.keys[0].startswith("0:") and len(items.keys[0]) > 60  # doc_id and doc_hash


def test_lm_eval_samples_refuse_to_guess_among_metrics_and_filters() -> None:
    with pytest.raises(EvidenceError, match=r"2 per-item metrics \(prompt_level_strict_acc, prompt_level_loose_acc\)"):
        parse_samples(one("dummy-seed1234", "samples_ifeval_*.jsonl").read_bytes())
    gsm8k = one("dummy-seed1234", "samples_gsm8k_*.jsonl").read_bytes()
    with pytest.raises(EvidenceError, match=r"2 filters \(strict-match, flexible-extract\)"):
        parse_samples(gsm8k)
    items = parse_samples(gsm8k, metric="exact_match", filter="flexible-extract")
    assert items.n == 30 and items.metric == "exact_match,flexible-extract"
    with pytest.raises(EvidenceError, match="no filter 'loose'"):
        parse_samples(gsm8k, metric="exact_match", filter="loose")
    with pytest.raises(EvidenceError, match="no per-item metric 'inst_level_strict_acc'"):
        # a list per prompt, not one score per item
        parse_samples(one("dummy-seed1234", "samples_ifeval_*.jsonl").read_bytes(), metric="inst_level_strict_acc")


def test_lm_eval_samples_mean_equals_the_results_file() -> None:
    results = parse_results(one("dummy-seed4321", "results_*.json").read_bytes())
    items = parse_samples(one("dummy-seed4321", "samples_sc_arith_mc_*.jsonl").read_bytes(), metric="acc_norm")
    assert items.mean == pytest.approx(results.tasks["sc_arith_mc"].find("acc_norm")[0].value)


def test_samples_file_names_give_the_task() -> None:
    assert samples_task("samples_sc_arith_mc_2026-11-29T20-33-18.815259.jsonl") == "sc_arith_mc"
    assert samples_task("samples_leaderboard_ifeval_2024-06-01T10-00-00.jsonl") == "leaderboard_ifeval"
    assert samples_task("grades.jsonl") is None


def test_graded_items() -> None:
    items = parse_samples(b'{"id": "t-1", "correct": 1}\n\n{"id": 2, "correct": false, "note": "x"}\n')
    assert items.keys == ("t-1", "2") and items.values == (1.0, 0.0)
    assert items.format == "jsonl" and items.metric == "correct" and items.proportion
    scored = parse_samples(b'{"id": "a", "score": 4.5}\n{"id": "b", "score": 2}\n')
    assert scored.metric == "score" and scored.mean == pytest.approx(3.25) and not scored.proportion


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "holds no items"),
        (b'{"id": "a", "correct": 1}\n{"id": "a", "correct": 0}\n', "line 2 repeats the id 'a' of line 1"),
        (b'{"id": "a", "correct": 2}\n', r'line 1: "correct" must be 0, 1, true or false, not 2'),
        (b'{"id": "a", "correct": 1}\n{"id": "b", "score": 0.5}\n', 'line 2 has no "correct" \\(it has "score"'),
        (b'{"id": "a", "correct": 1}\nnot json\n', "line 2 is not valid JSON"),
        (b'{"id": "a", "correct": 1}\n[1]\n', "line 2 is not a JSON object"),
        (b'{"id": true, "correct": 1}\n', 'line 1 has no usable "id"'),
        (b'{"question": "q"}\n', "neither an lm-eval sample"),
        (b'{"id": "a", "score": NaN}\n', r'"score" must be a finite number'),
    ],
)
def test_broken_graded_items(raw: bytes, message: str) -> None:
    with pytest.raises(EvidenceError, match=message):
        parse_samples(raw)


def test_graded_items_have_no_metrics_to_pick() -> None:
    with pytest.raises(EvidenceError, match="no metrics or filters"):
        parse_samples(b'{"id": "a", "correct": 1}\n', metric="acc")


# --------------------------------------------------------------------------- model cards


def test_open_llm_leaderboard_card() -> None:
    card = parse_model_card((CARDS / "arcee-ai--Llama-3.1-SuperNova-Lite" / "README.md").read_bytes())
    assert not card.fractions
    ifeval = card.results[0]
    assert ifeval.dataset_names == ("IFEval", "IFEval (0-Shot)", "HuggingFaceH4/ifeval")
    assert ifeval.metric_type == "inst_level_strict_acc and prompt_level_strict_acc"
    assert (ifeval.value, ifeval.written, ifeval.num_few_shot) == (80.17, "80.17", 0)
    assert ifeval.source_name == "Open LLM Leaderboard"
    assert [r.dataset_names[0] for r in card.results] == ["IFEval", "BBH", "MATH Lvl 5", "GPQA", "MuSR", "MMLU-PRO"]


def test_card_with_fractions() -> None:
    card = parse_model_card((CARDS / "stabilityai--stablecode-completion-alpha-3b-4k" / "README.md").read_bytes())
    assert card.fractions
    assert [(r.metric_type, r.value, r.written) for r in card.results] == [
        ("pass@1", 0.1768, "0.1768"),
        ("pass@10", 0.2701, "0.2701"),
    ]


def test_card_with_a_per_cent_string() -> None:
    card = parse_model_card((CARDS / "Phind--Phind-CodeLlama-34B-v2" / "README.md").read_bytes())
    (result,) = card.results
    assert (result.value, result.written, result.percent_sign) == (73.8, "73.8", True)
    assert result.model_name == "Phind-CodeLlama-34B-v1"
    assert not card.fractions


def test_card_keeps_its_short_dataset_types() -> None:
    card = parse_model_card((CARDS / "bigcode--starcoder2-3b" / "README.md").read_bytes())
    assert ("HumanEval+", "humanevalplus") in [r.dataset_names for r in card.results]
    assert any(r.metric_type == "edit-smiliarity" for r in card.results)  # the card's own spelling


def test_every_real_card_uses_crlf_and_still_reads() -> None:
    for readme in CARDS.glob("*/README.md"):
        raw = readme.read_bytes()
        assert b"\r\n" in raw
        assert parse_model_card(raw).results


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# A model\n", "no YAML front matter"),
        ("---\nlicense: mit\n", "not closed"),
        ("---\nlicense: mit\n---\n# card\n", "no `model-index`"),
        ("---\nmodel-index:\n- name: m\n  results: []\n---\n", "lists no numeric results"),
        ("---\nmodel-index: [\n---\n", r"not valid YAML: .*\(line 3\)"),
        (
            "---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
            "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n---\n",
            "not valid YAML",
        ),
    ],
)
def test_broken_model_cards(text: str, message: str) -> None:
    with pytest.raises(EvidenceError, match=message):
        parse_model_card(text.encode())


def test_card_values_that_are_not_numbers_are_skipped() -> None:
    text = (
        "---\nmodel-index:\n- name: m\n  results:\n  - dataset: {name: HumanEval, type: openai_humaneval}\n"
        "    metrics:\n    - {type: pass@1, value: pending}\n    - {type: pass@10, value: '20.0 ± 1.2'}\n"
        "    - {type: pass@100, value: true}\n---\n"
    )
    (result,) = parse_model_card(text.encode()).results
    assert (result.metric_type, result.value) == ("pass@10", 20.0)


# --------------------------------------------------------------------------- cited paths


def test_sources_are_classified_by_what_they_name() -> None:
    assert classify_source("https://huggingface.co/x/y") == "url"
    assert classify_source("evals/a/results_2026-11-01T10-00-00.json#ifeval,acc") == "lm-eval"
    assert classify_source("cards/Qwen/README.md") == "model-card"
    assert classify_source("docs/evals/faq.md") == "text"
    assert classify_source("Qwen2.5 technical report, table 3") == "text"
    assert split_fragment(" a/b.json#t,m ") == ("a/b.json", "t,m")
    assert split_fragment("a/b.json") == ("a/b.json", None)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "evals").mkdir(parents=True)
    (root / "evals" / "r.json").write_text("{}", encoding="utf-8")
    (tmp_path / "outside.json").write_text("{}", encoding="utf-8")
    return root


def test_reads_inside_the_repository(repo: Path) -> None:
    assert read_in_repository(repo, "evals/r.json", max_bytes=10) == b"{}"
    assert read_in_repository(repo, "./evals/r.json", max_bytes=10) == b"{}"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("", "the path is empty"),
        ("/etc/passwd", "absolute path"),
        ("~/r.json", "absolute path"),
        ("C:/evals/r.json", "absolute path"),
        ("../outside.json", r"climbs out of the repository with `\.\.`"),
        ("evals/../../outside.json", r"climbs out"),
        ("evals\\r.json", "backslashes"),
        ("evals/missing.json", "does not exist in the repository"),
        ("evals", "is a directory"),
        ("evals/r.json\x00", "NUL"),
    ],
)
def test_refuses_paths_that_are_not_plain_repository_files(repo: Path, path: str, message: str) -> None:
    with pytest.raises(EvidenceError, match=message):
        read_in_repository(repo, path, max_bytes=1000)


def test_refuses_symbolic_links_in_and_out(repo: Path) -> None:
    """Like records, cited files are never read through a link: not one out of the
    repository, not a folder link on the way, and not even one that stays inside."""
    (repo / "evals" / "escape.json").symlink_to(repo.parent / "outside.json")
    (repo / "up").symlink_to(repo.parent)
    (repo / "inside.json").symlink_to(repo / "evals" / "r.json")
    for path in ("evals/escape.json", "up/outside.json", "inside.json"):
        with pytest.raises(EvidenceError, match="symbolic link, which selectcheck does not follow"):
            read_in_repository(repo, path, max_bytes=1000)


def test_refuses_large_files_and_fifos(repo: Path) -> None:
    (repo / "big.json").write_bytes(b" " * 101)
    with pytest.raises(EvidenceError, match="larger than the 100-byte limit for cited files"):
        read_in_repository(repo, "big.json", max_bytes=100)
    os.mkfifo(repo / "pipe.json")  # reading it would block the check forever
    with pytest.raises(EvidenceError, match="it is a FIFO, not a regular file"):
        read_in_repository(repo, "pipe.json", max_bytes=100)
