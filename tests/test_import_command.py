"""`selectcheck import lm-eval` / `import model-card`: the printed `scores:` block, `--write`
into a record in place, and the errors, on real lm-evaluation-harness outputs and model
cards. What it writes must then pass `selectcheck validate` (SC212 included)."""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BASE_RECORD, REPO, invoke

DATA = Path(__file__).resolve().parent / "data"
QWEN = "Qwen/Qwen2.5-7B-Instruct"
RUN_A = "evals/qwen/results_2026-11-29T20-33-18.815259.json"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    shutil.copytree(DATA / "lm-eval" / "dummy-seed1234", tmp_path / "evals" / "qwen")
    shutil.copytree(DATA / "lm-eval" / "dummy-seed1234-limit40", tmp_path / "evals" / "qwen-limit40")
    shutil.copytree(DATA / "model-cards", tmp_path / "evals" / "cards")
    (tmp_path / "records").mkdir()
    shutil.copy(BASE_RECORD, tmp_path / "records" / "0001-faq.yaml")
    return tmp_path


EXPECTED_BLOCK = (
    "    scores:\n"
    f"      ifeval: {{value: 29.17, source: {RUN_A}, n: 24, stderr: 9.48, "
    'setting: "0-shot, ifeval v4.0", date: 2026-11-29}\n'
    f"      gsm8k: {{value: 0.0, source: {RUN_A}, n: 30, stderr: 0.0, "
    'setting: "5-shot, gsm8k v3.0", date: 2026-11-29}\n'
    f'      sc_arith_mc: {{value: 30.83, source: "{RUN_A}#sc_arith_mc,acc,none", n: 120, stderr: 4.23, '
    'setting: "0-shot, sc_arith_mc v1.0", date: 2026-11-29}  '
    "# sc_arith_mc also reports acc_norm,none: change the #fragment to cite one\n"
)


def test_prints_the_scores_block(repo: Path) -> None:
    result = invoke(["import", "lm-eval", RUN_A, "--model", QWEN], repo)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == EXPECTED_BLOCK


def test_a_folder_and_a_limited_run(repo: Path) -> None:
    result = invoke(["import", "lm-eval", "evals/qwen-limit40", "--model", QWEN], repo)
    assert result.exit_code == 0, result.stderr
    (line,) = result.stdout.splitlines()[1:]
    assert "value: 27.5" in line and "n: 40" in line
    assert line.endswith(
        "# a --limit run: 40 of 120 items; sc_arith_mc also reports acc_norm,none: change the #fragment to cite one"
    )


def test_the_printed_block_pasted_into_a_record_passes(repo: Path) -> None:
    block = invoke(["import", "lm-eval", RUN_A, "--model", QWEN], repo).stdout
    path = repo / "records" / "0001-faq.yaml"
    text = path.read_text(encoding="utf-8")
    old = '    scores:\n      ifeval: {value: 71.2, source: "https://arxiv.org/abs/2412.15115"}\n'
    assert old in text
    path.write_text(
        text.replace(old, block).replace("benchmark: ifeval\n      over:", "benchmark: gsm8k\n      over:"), "utf-8"
    )
    result = invoke(["validate", "--format", "json", "--select", "SC0,SC212", "records"], repo)
    assert result.exit_code == 0, result.stdout
    assert result.json()["diagnostics"] == []


def test_write_changes_only_the_candidates_scores(repo: Path) -> None:
    path = repo / "records" / "0001-faq.yaml"
    before = path.read_text(encoding="utf-8")
    result = invoke(["import", "lm-eval", "evals/qwen", "--model", QWEN, "--write", "records/0001-faq.yaml"], repo)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"wrote 3 score(s) for {QWEN} into records/0001-faq.yaml\n"
    after = path.read_text(encoding="utf-8")
    old = '      ifeval: {value: 71.2, source: "https://arxiv.org/abs/2412.15115"}\n'
    new_lines = EXPECTED_BLOCK.split("\n", 1)[1].replace(
        "  # sc_arith_mc also reports acc_norm,none: change the #fragment to cite one", ""
    )
    assert after == before.replace(old, new_lines)  # comments, quoting and every other line kept
    assert after.startswith("# A complete, valid record that passes every rule.")
    check = invoke(["validate", "--format", "json", "--select", "SC212", "records"], repo)
    assert check.json()["diagnostics"] == []


def test_write_replaces_a_score_under_its_alias_spelling(repo: Path) -> None:
    path = repo / "records" / "0001-faq.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("      ifeval: {value: 71.2", "      IFEval: {value: 71.2"), "utf-8"
    )
    result = invoke(["import", "lm-eval", RUN_A, "--model", QWEN, "--write", "records/0001-faq.yaml"], repo)
    assert result.exit_code == 0, result.stderr
    text = path.read_text(encoding="utf-8")
    assert "      IFEval: {value: 29.17," in text and "ifeval:" not in text.split("microsoft/phi-4")[0]


def test_model_card_import_marks_leaderboard_normalisation(repo: Path) -> None:
    card = "evals/cards/arcee-ai--Llama-3.1-SuperNova-Lite/README.md"
    result = invoke(["import", "model-card", card], repo)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "    scores:"
    assert lines[1] == f"      ifeval: {{value: 80.17, source: {card}, setting: 0-shot}}"
    assert lines[2] == f"      bbh: {{value: 31.57, source: {card}, setting: 3-shot, normalized: true}}"
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        "ifeval",
        "bbh",
        "math-lvl5",
        "gpqa",
        "musr",
        "mmlu-pro",
    ]


def test_model_card_with_fractions_and_skipped_datasets(repo: Path) -> None:
    stablecode = invoke(
        ["import", "model-card", "evals/cards/stabilityai--stablecode-completion-alpha-3b-4k/README.md"], repo
    )
    assert stablecode.stdout.splitlines()[1] == (
        "      humaneval: {value: 17.68, source: evals/cards/stabilityai--stablecode-completion-alpha-3b-4k/README.md}"
    )
    starcoder = invoke(["import", "model-card", "evals/cards/bigcode--starcoder2-3b/README.md"], repo)
    assert [line.split(":")[0].strip() for line in starcoder.stdout.splitlines()[1:]] == ["humaneval-plus", "humaneval"]
    assert "note: skipped CruxEval-I pass@1 (not in the benchmark catalog)" in starcoder.stderr


def test_model_card_write_finds_the_candidate_by_its_model_index_name(repo: Path) -> None:
    path = repo / "records" / "0001-faq.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("microsoft/phi-4", "arcee-ai/Llama-3.1-SuperNova-Lite"), "utf-8"
    )
    card = "evals/cards/arcee-ai--Llama-3.1-SuperNova-Lite/README.md"
    result = invoke(["import", "model-card", card, "--write", "records/0001-faq.yaml"], repo)
    assert result.exit_code == 0, result.stderr
    assert "wrote 6 score(s) for arcee-ai/Llama-3.1-SuperNova-Lite" in result.stdout
    check = invoke(["validate", "--format", "json", "--select", "SC212", "records"], repo)
    assert check.json()["diagnostics"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["lm-eval", RUN_A, "--model", QWEN, "--write", "records/0001-faq.yaml", "--model", "org/missing"],
            "records/0001-faq.yaml has no candidate org/missing",
        ),
        (["lm-eval", "evals/nothing", "--model", QWEN], "no such file or directory: evals/nothing"),
        (["lm-eval", "evals/cards", "--model", QWEN], "evals/cards holds no results_*.json file"),
        (
            ["lm-eval", "evals/cards/README.md", "--model", QWEN],
            "cannot use evals/cards/README.md: it is not valid JSON",
        ),
        (["model-card", "evals/cards/README.md"], "cannot use evals/cards/README.md: it has no YAML front matter"),
        (["model-card", "records/0001-faq.yaml"], "records/0001-faq.yaml is not named README.md"),
        (
            [
                "model-card",
                "evals/cards/arcee-ai--Llama-3.1-SuperNova-Lite/README.md",
                "--write",
                "records/0001-faq.yaml",
            ],
            "cannot tell which candidate of records/0001-faq.yaml the card is about",
        ),
    ],
)
def test_errors_exit_2_without_a_traceback(repo: Path, args: list[str], message: str) -> None:
    before = (repo / "records" / "0001-faq.yaml").read_bytes()
    result = invoke(["import", *args], repo)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert (repo / "records" / "0001-faq.yaml").read_bytes() == before


def test_a_run_of_another_model_is_refused(repo: Path) -> None:
    data = json.loads((repo / RUN_A).read_text(encoding="utf-8"))
    data["config"]["model_args"] = "pretrained=meta-llama/Llama-3.1-8B-Instruct"
    (repo / "evals" / "other.json").write_text(json.dumps(data), encoding="utf-8")
    result = invoke(["import", "lm-eval", "evals/other.json", "--model", QWEN], repo)
    assert result.exit_code == 2
    assert (
        "evals/other.json is a run of meta-llama/Llama-3.1-8B-Instruct, not of Qwen/Qwen2.5-7B-Instruct"
        in result.stderr
    )


def test_the_same_benchmark_from_two_runs_is_refused(repo: Path) -> None:
    shutil.copytree(DATA / "lm-eval" / "dummy-seed4321", repo / "evals" / "again")
    result = invoke(["import", "lm-eval", "evals/qwen", "evals/again", "--model", QWEN], repo)
    assert result.exit_code == 2
    assert f"ifeval is in both {RUN_A} and evals/again/results_2026-11-29T20-33-47.718971.json" in result.stderr


def test_a_file_outside_the_repository_is_refused(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "results_2026-11-29T20-33-18.815259.json"
    shutil.copy(repo / RUN_A, outside)
    result = invoke(["import", "lm-eval", str(outside), "--model", QWEN], repo)
    assert result.exit_code == 2
    assert "is outside the repository" in result.stderr


def test_write_refuses_a_layout_it_cannot_keep(repo: Path) -> None:
    """Three-space indentation: no round-trip setting reproduces it, so nothing is written."""
    path = repo / "records" / "0001-odd.yaml"
    path.write_text(
        "schema_version: 1\ncandidates:\n   -  model: Qwen/Qwen2.5-7B-Instruct\n      license: apache-2.0\n", "utf-8"
    )
    before = path.read_bytes()
    result = invoke(["import", "lm-eval", RUN_A, "--model", QWEN, "--write", "records/0001-odd.yaml"], repo)
    assert result.exit_code == 2
    assert "cannot write records/0001-odd.yaml without changing its layout" in result.stderr
    assert path.read_bytes() == before


def test_import_keeps_the_example_records_layout(tmp_path: Path) -> None:
    """The shipped example records round-trip byte for byte (four-space sequences, folded
    scalars, comments), so `--write` can be used on records written like them."""
    (tmp_path / ".git").mkdir()
    shutil.copytree(REPO / "records", tmp_path / "records")
    shutil.copytree(DATA / "model-cards", tmp_path / "cards")
    for record in sorted((tmp_path / "records").glob("*.yaml")):
        text = record.read_text(encoding="utf-8")
        model = text.split("  - model: ", 1)[1].split("\n", 1)[0]
        result = invoke(
            [
                "import",
                "model-card",
                "cards/bigcode--starcoder2-3b/README.md",
                "--model",
                model,
                "--write",
                str(record),
            ],
            tmp_path,
        )
        assert result.exit_code == 0, result.stderr
        diff = difflib.ndiff(text.splitlines(), record.read_text(encoding="utf-8").splitlines())
        changed = [line for line in diff if line.startswith(("+ ", "- "))]
        assert changed and all(line.startswith("      humaneval") for line in (c[2:] for c in changed)), changed


def test_only_import_write_loads_ruamel(repo: Path) -> None:
    """ruamel.yaml is for writing records in place; validation and a printed import keep to
    selectcheck's own loader."""
    code = (
        "import sys\nfrom selectcheck.cli import main\n"
        "for args in (['validate', 'records'], ['import', 'lm-eval', sys.argv[1], '--model', sys.argv[2]]):\n"
        "    try:\n        main(args)\n    except SystemExit:\n        pass\n"
        "print('IMPORT RAN:', 'selectcheck.commands.import_' in sys.modules)\n"
        "print('RUAMEL:', [m for m in sys.modules if m.startswith('ruamel')])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, RUN_A, QWEN], capture_output=True, text=True, check=True, cwd=repo
    )
    assert out.stdout.splitlines()[-2:] == ["IMPORT RAN: True", "RUAMEL: []"]
