"""`selectcheck new`: a fresh record parses, passes the schema and reports only what remains
to be filled in; numbering continues; nothing is ever overwritten."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from selectcheck.authoring import next_numbering, record_id_of, scalar, slugify
from selectcheck.loader import load_path
from selectcheck.model.record import Record
from selectcheck.policy_loader import load_policy
from selectcheck.schema_check import check_schema
from tests.conftest import REPO, CliResult, invoke

CODER = "Qwen/Qwen2.5-Coder-7B-Instruct"
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
SMALL = "Qwen/Qwen2.5-0.5B-Instruct"
SOURCE = "https://arxiv.org/abs/2409.12186"
# Findings that say what remains to fill in. Nothing else may fire on a fresh record.
FILL_IN = {
    "SC007",  # no --task: the category is TODO
    "SC104",  # no --gpu: the GPU is TODO
    "SC105",  # a model the catalog does not know: parameters are TODO
    "SC201",  # no scores yet on the task's benchmarks
    "SC210",  # no score yet on a benchmark with a policy minimum
    "SC302",  # a model the catalog does not know: the license is TODO
    "SC401",  # accepted without an own evaluation
}
INFO = {"SC303"}  # license obligations: information about the chosen license, not a gap


def _new(project: Path, *args: str) -> CliResult:
    return invoke(["new", *args], project)


def _codes(project: Path, *paths: str) -> list[str]:
    result = invoke(["validate", "--format", "json", *(paths or ("records",))], project)
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    return sorted(d["code"] for d in result.json()["diagnostics"])


def _assert_schema_clean(path: Path) -> dict[str, Any]:
    doc = load_path(path, path.name)
    assert not doc.failures, [f.message for f in doc.failures]
    assert check_schema(doc.data, "record.schema.json") == []
    Record.model_validate(doc.data)
    data: dict[str, Any] = doc.data
    return data


def _only_record(project: Path) -> Path:
    (path,) = sorted((project / "records").glob("*.yaml"))
    return path


def test_fresh_record_parses_passes_schema_and_asks_only_for_scores(project: Path) -> None:
    result = _new(
        project,
        "Base model for the PR review assistant",
        *("--task", "code", "--model", CODER, "--model", LLAMA, "--gpu", "A100-80GB", "--mode", "lora"),
    )
    assert result.exit_code == 0, result.stderr
    path = project / "records" / "0001-base-model-for-the-pr-review-assistant.yaml"
    assert result.stdout == f"created records/{path.name} (MSR-0001)\n"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=https://")
    data = _assert_schema_clean(path)
    assert data["id"] == "MSR-0001" and data["status"] == "proposed"
    assert data["task"]["category"] == "code"
    assert data["decision"]["chosen"] == CODER
    assert [c["license"] for c in data["candidates"]] == ["apache-2.0", "llama3.1"]
    assert data["workloads"][0] == {
        "name": "fine-tune",
        "mode": "lora",
        "hardware": {"gpu": "A100-80GB", "count": 1},
        "precision": "bf16",
        "context_length": 4096,
        "batch_size": 1,
        "gradient_checkpointing": True,
        "optimizer": "adamw",
        "lora_rank": 16,
    }
    # The catalogs' facts are in the comments: benchmarks as slots, parameters, context, memory.
    for fact in ("#   humaneval:", "#   swe-bench-verified:", "7.62e9 parameters", "32,768 tokens", "81,920 MiB"):
        assert fact in text, fact
    assert "fits" in text and "DOES NOT FIT" not in text
    assert _codes(project) == ["SC201"]


@pytest.mark.parametrize(
    "args",
    [
        ["--model", CODER, "--gpu", "L40S"],
        ["--model", LLAMA, "--gpu", "A100-80GB", "--count", "2", "--mode", "qlora"],
        ["--model", "acme/private-7b", "--gpu", "L4"],
    ],
)
def test_the_records_estimate_hint_runs(project: Path, args: list[str]) -> None:
    assert _new(project, "Hint", "--task", "code", *args).exit_code == 0
    text = _only_record(project).read_text(encoding="utf-8")
    (hint,) = [line for line in text.splitlines() if line.startswith("#   selectcheck estimate ")]
    argv = hint.removeprefix("#   selectcheck ").replace("--parameters N", "--parameters 7e9").split()
    result = invoke(argv, project)
    assert result.exit_code == 0, result.stdout + result.stderr


def test_accepting_the_fresh_record_asks_for_the_own_evaluation(project: Path) -> None:
    _new(project, "Coder", "--task", "code", "--model", CODER, "--gpu", "L40S")
    path = _only_record(project)
    path.write_text(path.read_text(encoding="utf-8").replace("status: proposed", "status: accepted"), "utf-8")
    assert _codes(project) == ["SC201", "SC401"]


def test_filling_in_the_slots_clears_the_findings(project: Path) -> None:
    _new(project, "Coder", "--task", "code", "--model", CODER, "--gpu", "L40S")
    path = _only_record(project)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    # What an author does: uncomment `scores:` and one slot, fill in the value and the source.
    (at,) = [i for i, line in enumerate(lines) if line.startswith("    # scores:")]
    lines[at] = lines[at].replace("    # scores:", "    scores:  ", 1)
    (at,) = [i for i, line in enumerate(lines) if line.startswith("    #   mbpp:")]
    lines[at] = lines[at].replace("    #   ", "      ", 1).replace("TODO", "83.5").replace("https://…", SOURCE)
    path.write_text("".join(lines), encoding="utf-8")
    assert _assert_schema_clean(path)["candidates"][0]["scores"] == {"mbpp": {"value": 83.5, "source": SOURCE}}
    assert _codes(project) == []


@pytest.mark.parametrize("mode", ["inference", "lora", "qlora", "full-finetune"])
@pytest.mark.parametrize("category", sorted(load_policy(None, REPO).policy.tasks))
def test_every_task_and_mode_gives_a_schema_clean_record(project: Path, category: str, mode: str) -> None:
    result = _new(project, f"{category} {mode}", "--task", category, "--model", SMALL, "--model", LLAMA)
    assert result.exit_code == 0, result.stderr
    result = _new(project, f"{category} {mode} on an L40S", "--task", category, "--model", SMALL, "--gpu", "L40S")
    assert result.exit_code == 0, result.stderr
    for path in sorted((project / "records").glob("*.yaml")):
        _assert_schema_clean(path)
    codes = set(_codes(project))
    assert codes <= FILL_IN | INFO, codes
    assert "SC201" in codes


def test_gpu_without_bf16_gets_fp16(project: Path) -> None:
    assert _new(project, "Small", "--task", "chat", "--model", SMALL, "--gpu", "T4").exit_code == 0
    workload = _assert_schema_clean(_only_record(project))["workloads"][0]
    assert workload["precision"] == "fp16" and workload["hardware"] == {"gpu": "T4", "count": 1}


def test_a_workload_that_does_not_fit_is_flagged_at_once(project: Path) -> None:
    result = _new(project, "Too big", "--task", "code", "--model", LLAMA, "--gpu", "L4", "--mode", "lora")
    assert result.exit_code == 0
    assert "does not fit" in result.stderr and "selectcheck estimate" in result.stderr
    assert "DOES NOT FIT" in _only_record(project).read_text(encoding="utf-8")


def test_bare_title_is_schema_clean_and_lists_the_categories(project: Path) -> None:
    assert _new(project, "We need a model").exit_code == 0
    path = _only_record(project)
    data = _assert_schema_clean(path)
    assert data["task"]["category"] == "TODO"
    assert "#   support-bot" in path.read_text(encoding="utf-8")
    codes = set(_codes(project))
    assert codes <= FILL_IN and "SC007" in codes


def test_unknown_model_gets_todo_license_and_a_note(project: Path) -> None:
    result = _new(project, "Ours", "--task", "chat", "--model", "acme/chat-7b", "--gpu", "L4")
    assert result.exit_code == 0
    assert "acme/chat-7b is not in the model catalog" in result.stderr
    path = _only_record(project)
    assert _assert_schema_clean(path)["candidates"][0]["license"] == "TODO"
    assert "# parameters: TODO" in path.read_text(encoding="utf-8")
    assert set(_codes(project)) <= FILL_IN and "SC302" in _codes(project)


def test_short_model_alias_is_written_as_the_repo_id(project: Path) -> None:
    _new(project, "Alias", "--task", "code", "--model", "llama-3.1-8b", "--gpu", "L4")
    assert _assert_schema_clean(_only_record(project))["decision"]["chosen"] == LLAMA


def test_numbering_continues_after_existing_records(project: Path) -> None:
    # the records with the evaluation outputs they cite (records/evals/)
    shutil.copytree(REPO / "records", project / "records", dirs_exist_ok=True)
    (project / "schemas").mkdir()  # where the example records' modeline points (SC008)
    shutil.copy(REPO / "schemas" / "record.schema.json", project / "schemas")
    highest = max(int(p.name[:4]) for p in (REPO / "records").glob("*.yaml"))
    result = _new(project, "Next one", "--task", "math", "--model", SMALL, "--gpu", "L4")
    assert result.exit_code == 0, result.stderr
    number = f"{highest + 1:04d}"
    path = project / "records" / f"{number}-next-one.yaml"
    assert _assert_schema_clean(path)["id"] == f"MSR-{number}"
    codes = invoke(["validate", "--format", "json", "records"], project).json()["diagnostics"]
    assert {d["code"] for d in codes if d["file"].endswith(path.name)} == {"SC201"}
    assert all(d["file"].endswith(path.name) for d in codes if d["severity"] != "info"), codes


def test_numbering_follows_the_highest_number_and_the_prefix_in_use(project: Path) -> None:
    record = (REPO / "records" / "0001-code-review-assistant.yaml").read_text(encoding="utf-8")
    (project / "records" / "0012-review.yaml").write_text(record.replace("MSR-0001", "ADR-0012"), "utf-8")
    (project / "records" / "0003-other.yaml").write_text(record.replace("MSR-0001", "ADR-0003"), "utf-8")
    (project / "records" / "notes.txt").write_text("9999", "utf-8")
    result = _new(project, "Third decision: ça marche!", "--task", "code", "--model", CODER, "--gpu", "L4")
    assert result.exit_code == 0, result.stderr
    path = project / "records" / "0013-third-decision-ca-marche.yaml"
    data = _assert_schema_clean(path)
    assert data["id"] == "ADR-0013"
    assert data["title"] == "Third decision: ça marche!"


def test_record_directories_come_from_the_policy(tmp_path: Path) -> None:
    (tmp_path / ".selectcheck.yaml").write_text("policy_version: 1\nrecords: [decisions/models]\n", "utf-8")
    result = _new(tmp_path, "Elsewhere", "--task", "code", "--model", CODER, "--gpu", "L4")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "decisions" / "models" / "0001-elsewhere.yaml").is_file()
    assert _codes(tmp_path, "decisions/models") == ["SC201"]


def test_dry_run_writes_nothing(project: Path) -> None:
    result = _new(project, "Just looking", "--task", "code", "--model", CODER, "--gpu", "L4", "--dry-run")
    assert result.exit_code == 0
    assert list((project / "records").iterdir()) == []
    assert result.stdout.startswith("# yaml-language-server: $schema=")
    data = yaml.safe_load(result.stdout)
    assert data["id"] == "MSR-0001" and data["title"] == "Just looking"
    assert check_schema(data | {"date": str(data["date"])}, "record.schema.json") == []


def test_an_existing_file_is_never_overwritten(project: Path) -> None:
    target = project / "records" / "0001-mine.yaml"
    target.write_text("precious: true\n", encoding="utf-8")
    result = _new(project, "Mine", "--task", "code", "--model", CODER, "--output", "records/0001-mine.yaml")
    assert result.exit_code == 2
    assert "already exists" in result.stderr and "never overwrites" in result.stderr
    assert target.read_text(encoding="utf-8") == "precious: true\n"
    # Without --output the next number is free, so the file lands beside it.
    assert _new(project, "Mine", "--task", "code", "--model", CODER).exit_code == 0
    assert (project / "records" / "0002-mine.yaml").is_file()
    assert target.read_text(encoding="utf-8") == "precious: true\n"


def test_output_option_writes_where_asked(project: Path) -> None:
    # A name without a number gets the record's number in front, so the two agree (SC408).
    result = _new(project, "Here", "--task", "code", "--model", CODER, "--gpu", "L4", "-o", "drafts/here.yaml")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "created drafts/0001-here.yaml (MSR-0001)\n"
    assert "drafts/here.yaml has no number, so the record is 0001-here.yaml" in result.stderr
    assert not (project / "drafts" / "here.yaml").exists()
    assert _assert_schema_clean(project / "drafts" / "0001-here.yaml")["id"] == "MSR-0001"


# The highest number of the example records, which _team_project puts in decisions/team-a/.
EXAMPLES_HIGHEST = max(int(p.name[:4]) for p in (REPO / "records").glob("*.yaml"))


def _team_project(tmp_path: Path) -> Path:
    """The issue's layout: records in team folders under `decisions/`, the schema vendored,
    and the example records (MSR-0001 up to EXAMPLES_HIGHEST) in `decisions/team-a/`."""
    (tmp_path / ".selectcheck.yaml").write_text("policy_version: 1\nrecords: [decisions]\n", "utf-8")
    (tmp_path / "schemas").mkdir()
    shutil.copy(REPO / "schemas" / "record.schema.json", tmp_path / "schemas")
    team = tmp_path / "decisions" / "team-a"
    team.mkdir(parents=True)
    for example in sorted((REPO / "records").glob("*.yaml")):
        text = example.read_text(encoding="utf-8").replace("$schema=../schemas/", "$schema=../../schemas/", 1)
        (team / example.name).write_text(text, encoding="utf-8")
    return tmp_path


def _number_of(name: str) -> int:
    """The number SC408 reads at the start of a file name."""
    match = re.match(r"\d+", name)
    assert match is not None, name
    return int(match.group())


def test_output_with_a_free_number_takes_that_number(tmp_path: Path) -> None:
    # The case: one past the next number, which `new` used to ignore.
    project = _team_project(tmp_path)
    number = f"{EXAMPLES_HIGHEST + 2:04d}"
    output = f"decisions/team-a/{number}-x.yaml"
    result = _new(project, "Triage", "--task", "code", "--model", CODER, "--gpu", "L4", "-o", output)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"created {output} (MSR-{number})\n"
    path = project / output
    data = _assert_schema_clean(path)
    assert data["id"] == f"MSR-{number}"
    assert path.read_text("utf-8").startswith("# yaml-language-server: $schema=../../schemas/record.schema.json\n")
    # Neither the id and the file name (SC408) nor the modeline (SC008) draw a finding.
    assert _codes(project, output) == ["SC201"]


@pytest.mark.parametrize(
    ("output", "holder"),
    [
        ("decisions/team-b/0002-y.yaml", "decisions/team-a/0002-support-bot.yaml (MSR-0002)"),
        ("decisions/0003_z.yml", "decisions/team-a/0003-contract-extraction-qlora.yaml (MSR-0003)"),
    ],
)
def test_output_with_a_taken_number_is_refused_naming_the_holder(tmp_path: Path, output: str, holder: str) -> None:
    project = _team_project(tmp_path)
    before = sorted(project.rglob("*.y*ml"))
    result = _new(project, "Clash", "--task", "code", "-o", output)
    assert result.exit_code == 2
    assert f"is taken: {holder} has it" in result.stderr
    assert f"the next is {EXAMPLES_HIGHEST + 1:04d}" in result.stderr
    assert sorted(project.rglob("*.y*ml")) == before


def test_a_number_held_only_by_an_id_is_taken_too(tmp_path: Path) -> None:
    project = _team_project(tmp_path)
    number = f"{EXAMPLES_HIGHEST + 5:04d}"
    moved = project / "decisions" / "team-a" / f"{number}-moved.yaml"
    (project / "decisions" / "team-a" / "0002-support-bot.yaml").rename(moved)  # id MSR-0002
    holder = f"decisions/team-a/{number}-moved.yaml (MSR-0002) has it"
    # Number 2 is held by the id only, and the file's number by the name only.
    for taken in ("0002", number):
        result = _new(project, "Clash", "--task", "code", "-o", f"decisions/team-b/{taken}-y.yaml")
        assert result.exit_code == 2 and holder in result.stderr, result.stderr


@pytest.mark.parametrize(
    "output",
    ["decisions/team-b/x.yaml", "decisions/team-b/0042-x.yaml", "decisions/7_x.yml", "elsewhere/00012.yaml", "y.yaml"],
)
def test_the_id_and_the_file_name_always_agree(tmp_path: Path, output: str) -> None:
    project = _team_project(tmp_path)
    result = _new(project, "Agree", "--task", "code", "-o", output)
    assert result.exit_code == 0, result.stderr
    created = project / re.search(r"^created (\S+) \((\S+)\)$", result.stdout).group(1)  # type: ignore[union-attr]
    record_id = _assert_schema_clean(created)["id"]
    assert _number_of(created.name) == int(record_id.split("-")[1])
    assert result.stdout == f"created {created.relative_to(project).as_posix()} ({record_id})\n"
    assert "SC408" not in _codes(project, created.relative_to(project).as_posix())


def test_numbering_counts_records_in_nested_folders(tmp_path: Path) -> None:
    project = _team_project(tmp_path)
    result = _new(project, "Next", "--task", "code", "--model", CODER)
    assert result.exit_code == 0, result.stderr
    number = f"{EXAMPLES_HIGHEST + 1:04d}"
    assert result.stdout == f"created decisions/{number}-next.yaml (MSR-{number})\n"


def test_numbering_follows_no_link_but_counts_its_name(tmp_path: Path) -> None:
    project = _team_project(tmp_path)
    outside = tmp_path.parent / f"{tmp_path.name}-outside.yaml"
    outside.write_text("id: MSR-0099\n", encoding="utf-8")
    linked = EXAMPLES_HIGHEST + 3
    (project / "decisions" / "team-a" / f"{linked:04d}-linked.yaml").symlink_to(outside)
    result = _new(project, "Next", "--task", "code", "--model", CODER)
    assert result.exit_code == 0, result.stderr
    # The number in the link's name counts; the 99 behind it is never read.
    assert result.stdout == f"created decisions/{linked + 1:04d}-next.yaml (MSR-{linked + 1:04d})\n"


def test_output_must_be_a_yaml_file(project: Path) -> None:
    result = _new(project, "Notes", "-o", "records/notes.txt")
    assert result.exit_code == 2
    assert "not a .yaml file" in result.stderr
    assert list((project / "records").iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--task", "cod"], "no task category 'cod' (did you mean code?)"),
        (["--gpu", "A100-81GB"], "unknown GPU 'A100-81GB': not in the GPU catalog"),
        (["--gpu", "L4", "--detect-hardware"], "not both"),
        (["--model", CODER, "--model", CODER], "named twice"),
        (["--model", "two words"], "not a model id"),
        (["--mode", "pretrain"], "pretrain"),
    ],
)
def test_usage_errors_exit_2_and_write_nothing(project: Path, args: list[str], message: str) -> None:
    result = _new(project, "Bad", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert list((project / "records").iterdir()) == []


def test_blank_title_is_refused(project: Path) -> None:
    assert _new(project, "   ").exit_code == 2


def test_modeline_points_at_the_projects_schema_when_it_has_one() -> None:
    # In this repository the schema is committed, so the modeline is the same relative path
    # the example records use (a dry run: nothing is written into the repository).
    result = invoke(["new", "Example", "--task", "code", "--model", CODER, "--dry-run"], REPO)
    assert result.exit_code == 0, result.stderr
    modeline = result.stdout.splitlines()[0]
    assert modeline == "# yaml-language-server: $schema=../schemas/record.schema.json"
    for record in (REPO / "records").glob("*.yaml"):
        assert record.read_text(encoding="utf-8").splitlines()[0] == modeline
    assert (REPO / "records" / "../schemas/record.schema.json").is_file()


# --- the pure parts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Base model for the PR review assistant", "base-model-for-the-pr-review-assistant"),
        ("Support bot: RAG over docs (v2)!", "support-bot-rag-over-docs-v2"),
        ("Modèle pour l'équipe — été", "modele-pour-l-equipe-ete"),
        ("A very long title that goes on and on past forty characters", "a-very-long-title-that-goes-on-and-on"),
        ("x" * 60, "x" * 40),
        ("日本語", "record"),
        ("--", "record"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug
    assert len(slugify(title)) <= 40
    assert slugify(title).isascii()


def test_next_numbering() -> None:
    assert next_numbering([], []).record_id == "MSR-0001"
    numbering = next_numbering(["0002-a.yaml", "0010-b.yml", "README.md", "x-0099.yaml"], [("MSR", 7)])
    assert (numbering.number, numbering.prefix) == (11, "MSR")
    assert numbering.file_name("c") == "0011-c.yaml"
    assert next_numbering([], [("ADR", 1), ("ADR", 2), ("MSR", 3)]).record_id == "ADR-0004"
    assert next_numbering(["12345-big.yaml"], []).record_id == "MSR-12346"
    assert record_id_of("# c\nschema_version: 1\nid: MSR-0042  # x\n") == ("MSR", 42)
    assert record_id_of("  id: MSR-0042\n") is None


@pytest.mark.parametrize(
    "text",
    ["plain title", "a: b", "#hash", "x # y", "yes", "null", "1.0", "2026-01-01", "-lead", "@at", "'q'", '"d"',
     "back\\slash", "tab\there", "ünïcode", "[flow]", "{map}", "a,b", "trailing ", "*alias", "&anchor", "!tag",
     "%pct", "line\u2028sep", "ctrl\x07"],
)  # fmt: skip
def test_scalar_reads_back_as_the_same_string(text: str) -> None:
    assert yaml.safe_load(f"title: {scalar(text)}\n") == {"title": text}
    assert "\n" not in scalar(text)


# --- hardware detection (last: it depends on selectcheck.hardware) -------------------------


def _fake_gpus(monkeypatch: pytest.MonkeyPatch, *gpus: tuple[str, int]) -> None:
    from selectcheck import hardware

    detected = [hardware.DetectedGpu(i, name, total) for i, (name, total) in enumerate(gpus)]
    monkeypatch.setattr(hardware, "detect_gpus", lambda: detected)


def test_detect_hardware_uses_the_local_gpus(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    h100 = ("NVIDIA H100 80GB HBM3", 81559 * 1024 * 1024)
    _fake_gpus(monkeypatch, h100, h100, ("NVIDIA T4", 15360 * 1024 * 1024))
    result = _new(project, "Detected", "--task", "code", "--model", CODER, "--detect-hardware")
    assert result.exit_code == 0, result.stderr
    path = _only_record(project)
    assert _assert_schema_clean(path)["workloads"][0]["hardware"] == {"gpu": "H100-80GB", "count": 2}
    assert "detected by NVML: NVIDIA H100 80GB HBM3 × 2, 81,559 MiB each" in path.read_text(encoding="utf-8")
    assert _codes(project) == ["SC201"]


def test_detect_hardware_unknown_card_uses_its_memory(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_gpus(monkeypatch, ("NVIDIA Future GPU", 99_990_000_000))
    assert _new(project, "Future", "--task", "code", "--model", CODER, "--detect-hardware").exit_code == 0
    hardware = _assert_schema_clean(_only_record(project))["workloads"][0]["hardware"]
    assert hardware == {"gpu": "Future-GPU", "vram_gb": 99.9, "count": 1}
    assert _codes(project) == ["SC201"]


def test_detect_hardware_with_no_gpu_is_a_usage_error(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_gpus(monkeypatch)
    result = _new(project, "None", "--task", "code", "--model", CODER, "--detect-hardware")
    assert result.exit_code == 2 and "no NVIDIA GPU" in result.stderr


def test_detect_hardware_without_nvml_is_a_clean_usage_error(project: Path) -> None:
    from selectcheck.errors import ConfigError
    from selectcheck.hardware import detect_gpus

    try:
        detect_gpus()
    except ConfigError:
        pass  # no NVML here: the case this test is about
    else:
        pytest.skip("this machine has NVIDIA GPUs")
    result = _new(project, "No GPU", "--task", "code", "--model", CODER, "--detect-hardware")
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr and result.stderr.startswith("selectcheck: error:")
    assert list((project / "records").iterdir()) == []


def test_parallelism_reaches_the_record_and_its_estimate_hint(project: Path) -> None:
    args = ["--model", LLAMA, "--gpu", "A100-80GB", "--count", "4", "--mode", "full-finetune"]
    result = _new(project, "Sharded", "--task", "code", *args, "--parallelism", "zero-3")
    assert result.exit_code == 0, result.stderr
    path = _only_record(project)
    workload = _assert_schema_clean(path)["workloads"][0]
    assert workload["parallelism"] == "zero-3" and workload["hardware"]["count"] == 4
    text = path.read_text(encoding="utf-8")
    (hint,) = [line for line in text.splitlines() if line.startswith("#   selectcheck estimate ")]
    assert "--parallelism zero-3" in hint and "--gradient-checkpointing" in hint
    assert invoke(hint.removeprefix("#   selectcheck ").split(), project).exit_code == 0
    # Several GPUs without --parallelism: the default is written out, so the record says it.
    other = project / "other"
    (other / "records").mkdir(parents=True)
    replicas = _new(other, "Replicas", "--model", LLAMA, "--gpu", "A100-80GB", "--count", "2", "--mode", "lora")
    assert replicas.exit_code == 0
    assert _assert_schema_clean(_only_record(other))["workloads"][0]["parallelism"] == "ddp"


# ---- --from-shortlist: the workload, use and task of a saved shortlist, its top models -------


def _save_shortlist(project: Path, *args: str, name: str = "shortlist.json") -> dict[str, Any]:
    result = invoke(["shortlist", *args, "--format", f"json={name}"], project)
    assert result.exit_code == 0, result.stderr
    document: dict[str, Any] = json.loads((project / name).read_text(encoding="utf-8"))
    return document


def _listed(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for row in document["models"] if row["reason"] is None]


def test_from_shortlist_prefills_workload_use_task_and_the_top_models(project: Path) -> None:
    flags = ("--gpu", "L4", "--engine", "vllm", "--context", "8192", "--batch", "4", "--use", "internal")
    shortlist = _save_shortlist(project, *flags, "--task", "code")
    result = _new(project, "Code assistant", "--from-shortlist", "shortlist.json")
    assert result.exit_code == 0, result.stderr
    path = _only_record(project)
    data = _assert_schema_clean(path)
    top = _listed(shortlist)[:3]
    assert [c["model"] for c in data["candidates"]] == [row["model"] for row in top]
    assert [c["license"] for c in data["candidates"]] == [row["license"]["id"] for row in top]
    assert data["decision"]["chosen"] == top[0]["model"]
    assert data["workloads"] == [{**shortlist["workload"], "precision": top[0]["precision"]}]
    assert data["task"]["category"] == "code" and data["task"]["intended_use"] == "internal"
    text = path.read_text(encoding="utf-8")
    # Empty score blocks for every benchmark the policy requires for the task, per candidate.
    for benchmark in shortlist["task"]["benchmarks"]:
        assert text.count(f"#   {benchmark}:") == 3, benchmark
    assert text.count("# shortlist: fits at ") == 3
    # Only the evidence is missing: the infrastructure and license checks already pass.
    assert _codes(project) == ["SC201"]
    # The estimate hint repeats the shortlist's workload, and it fits.
    (hint,) = [line for line in text.splitlines() if line.startswith("#   selectcheck estimate ")]
    estimate = invoke([*hint.removeprefix("#   selectcheck ").split(), "--format", "json"], project)
    assert estimate.exit_code == 0, estimate.stderr
    assert estimate.json()["fits"] is True and estimate.json()["total_bytes"] == top[0]["per_gpu_bytes"]


def test_from_shortlist_takes_the_named_models_in_order(project: Path) -> None:
    shortlist = _save_shortlist(project, "--gpu", "L4", "--engine", "vllm", "--context", "12288", "--batch", "8")
    args = ["--from-shortlist", "shortlist.json", "--model", LLAMA, "--model", "llama-3.2-3b", "--task", "support-bot"]
    result = _new(project, "Support bot", *args)
    assert result.exit_code == 0, result.stderr
    data = _assert_schema_clean(_only_record(project))
    assert [c["model"] for c in data["candidates"]] == [LLAMA, "meta-llama/Llama-3.2-3B-Instruct"]
    (llama,) = [row for row in shortlist["models"] if row["model"] == LLAMA]
    assert data["workloads"][0]["precision"] == llama["precision"] == "awq-int4"
    assert data["task"]["category"] == "support-bot"
    text = _only_record(project).read_text(encoding="utf-8")
    assert "(the workload's precision is awq-int4, the chosen model's)" in text  # the 3B fits at bf16
    assert set(_codes(project)) == {"SC201", "SC210", "SC303"}


def test_from_shortlist_reads_stdin_and_keeps_a_training_workload(project: Path) -> None:
    _save_shortlist(project, "--gpu", "A100-80GB", "--mode", "qlora", "--context", "2048")
    raw = (project / "shortlist.json").read_bytes()
    result = invoke(["new", "Fine-tune", "--from-shortlist", "-", "--top", "1"], project, input=raw)
    assert result.exit_code == 0, result.stderr
    data = _assert_schema_clean(_only_record(project))
    assert len(data["candidates"]) == 1
    assert data["workloads"][0] == {
        "name": "fine-tune",
        "mode": "qlora",
        "engine": "transformers",
        "hardware": {"gpu": "A100-80GB", "count": 1},
        "precision": "nf4",
        "context_length": 2048,
        "batch_size": 1,
        "gradient_checkpointing": True,
        "optimizer": "adamw",
        "lora_rank": 16,
    }
    assert set(_codes(project)) <= FILL_IN | INFO


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "meta-llama/Llama-3.1-70B-Instruct"], "is left out of the shortlist: does not fit"),
        (["--model", "acme/private-7b"], "acme/private-7b is not in the shortlist"),
        (["--gpu", "L4"], "--gpu cannot be combined with --from-shortlist"),
        (["--mode", "lora", "--count", "2"], "--count and --mode cannot be combined with --from-shortlist"),
    ],
)
def test_from_shortlist_usage_errors(project: Path, args: list[str], message: str) -> None:
    _save_shortlist(project, "--gpu", "L4")
    result = _new(project, "Bad", "--from-shortlist", "shortlist.json", *args)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert list((project / "records").iterdir()) == []


def test_a_file_that_is_not_a_shortlist_is_a_usage_error(project: Path) -> None:
    missing = _new(project, "Bad", "--from-shortlist", "nowhere.json")
    assert missing.exit_code == 2 and "cannot read nowhere.json" in missing.stderr
    (project / "text.json").write_text("not json", encoding="utf-8")
    assert "text.json is not JSON" in _new(project, "Bad", "--from-shortlist", "text.json").stderr
    shortlist = _save_shortlist(project, "--gpu", "L4")
    shortlist["models"][0]["precision"] = "fp4"
    (project / "edited.json").write_text(json.dumps(shortlist), encoding="utf-8")
    edited = _new(project, "Bad", "--from-shortlist", "edited.json")
    assert edited.exit_code == 2 and "edited.json is not a shortlist: /models/0/precision" in edited.stderr
    empty = _save_shortlist(project, "--gpu", "T4", "--context", "131072", "--batch", "64", name="none.json")
    assert _listed(empty) == []
    nothing = _new(project, "Bad", "--from-shortlist", "none.json")
    assert nothing.exit_code == 2 and "lists no model that fits" in nothing.stderr
    assert list((project / "records").iterdir()) == []


@pytest.mark.parametrize(
    "flags",
    [
        ["--mode", "qlora", "--context", "8192", "--batch", "2"],
        ["--mode", "lora", "--context", "2048", "--no-gradient-checkpointing"],
        ["--mode", "inference", "--engine", "vllm", "--precision", "fp8", "--context", "16384", "--batch", "8"],
        ["--mode", "full-finetune", "--count", "4", "--parallelism", "zero-3", "--gpu", "A100-80GB"],
    ],
)
def test_new_writes_the_workload_estimate_describes(project: Path, flags: list[str]) -> None:
    """`new` takes estimate's workload flags: the record it writes holds them, its memory note is
    estimate's figure for them, and the estimate command it suggests is that same call."""
    gpu = [] if "--gpu" in flags else ["--gpu", "L4"]
    result = _new(project, "Flags", "--model", "Qwen/Qwen2.5-7B-Instruct", *gpu, *flags, "--dry-run")
    assert result.exit_code == 0, result.stderr
    record = yaml.safe_load(result.stdout)
    workload = record["workloads"][0]
    given = dict(zip(flags[::2], flags[1::2], strict=False))
    assert workload["mode"] == given["--mode"]
    if "--context" in given:
        assert workload["context_length"] == int(given["--context"])
    assert workload["batch_size"] == int(given.get("--batch", "1"))
    if "--engine" in given:
        assert workload["engine"] == given["--engine"] and workload["precision"] == given["--precision"]
    if "--parallelism" in given:
        assert workload["parallelism"] == given["--parallelism"] and workload["hardware"]["count"] == 4
    if given["--mode"] == "qlora":
        assert workload["gradient_checkpointing"] is True  # as estimate defaults it for qlora
    if "--no-gradient-checkpointing" in flags:
        assert workload["gradient_checkpointing"] is False
    command = next(line for line in result.stdout.splitlines() if "selectcheck estimate " in line)
    argv = command.split("selectcheck estimate ", 1)[1].split()
    estimate = invoke(["estimate", *argv, "--format", "json"], project)
    assert estimate.exit_code == 0, estimate.stderr
    note = next(line for line in result.stdout.splitlines() if "# estimate for" in line)
    assert f"{estimate.json()['total_bytes'] / 1e9:.1f} GB per GPU" in note
