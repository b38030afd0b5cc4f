"""The shortlist and `validate` can never disagree (issue 20).

Over a grid of GPUs × contexts × modes (engines) × intended uses, every row of every
`selectcheck shortlist --format json` becomes a real record file: that model as the only
candidate and the chosen one, the shortlist's own workload at the row's precision, the use as
`task.intended_use`. One real `selectcheck validate` over all of them must then report, for
each record, exactly what the shortlist said:

* a listed model (reason null): none of SC101, SC103, SC107, SC301, SC305 (nor SC0xx/SC104);
  the policy denies one license, so SC305 is in the grid too;
* a model left out: the rule named with its reason, and no rule the shortlist judges first
  (a workload that cannot run is SC107 before anything else; then the context, SC103; then
  memory, SC101; then the license, SC301 and SC305).

The maximum context is held to the same standard: a listed model's record at `max_context`
passes, and one token more fails SC101 (or SC103 past the model's own maximum). And the
shortlist's memory is `estimate`'s: `per_gpu_bytes` and `fits` equal `estimate --format json`
on the same flags (at the first context of the grid, where each row is also held to validate).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml

from selectcheck.analysis.shortlist import REASON_RULES
from tests.conftest import TODAY, invoke

GPUS = {
    "T4": ["--gpu", "T4"],  # 16 GB, no bf16, no FP8
    "L4": ["--gpu", "L4"],  # 24 GB, FP8
    "H100-80GB": ["--gpu", "H100-80GB"],
    "2xA10G": ["--gpu", "A10G", "--count", "2"],  # tensor parallel: the heads must split
}
CONTEXTS = ["4096", "32768"]
MODES = {
    "transformers": ["--mode", "inference"],
    "vllm": ["--mode", "inference", "--engine", "vllm", "--batch", "4"],
    "llama.cpp": ["--mode", "inference", "--engine", "llama.cpp"],
    "lora": ["--mode", "lora"],
    "qlora": ["--mode", "qlora"],
    "full-finetune": ["--mode", "full-finetune"],
}
USES = ["commercial", "internal", "research"]
CHECKED = ("SC0", "SC101", "SC103", "SC104", "SC107", "SC301", "SC305")
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _record(number: int, workload: dict[str, Any], row: dict[str, Any], use: str) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "id": f"MSR-{number:05d}",
        "title": f"{row['model']} on the shortlist's workload",
        "status": "proposed",
        "date": TODAY,
        "decision_makers": ["grid@example.com"],
        "task": {"category": "chat", "description": "The shortlist's workload.", "intended_use": use},
        "workloads": [workload],
        "candidates": [{"model": row["model"], "license": row["license"]["id"]}],
        "decision": {"chosen": row["model"], "reasons": [{"kind": "other", "note": "From the shortlist."}]},
    }


@pytest.mark.parametrize("gpu", list(GPUS))
def test_shortlist_and_validate_never_disagree(project: Path, gpu: str) -> None:
    # The policy denies one license, so SC305 is part of the grid too.
    (project / ".selectcheck.yaml").write_text("policy_version: 1\nlicenses: {deny: [gemma]}\n", encoding="utf-8")
    expected: dict[str, tuple[set[str], str | None, str]] = {}  # file → (allowed codes, required code, what)
    estimates_checked = 0

    def write(workload: dict[str, Any], row: dict[str, Any], use: str, rule: str | None, what: str) -> None:
        number = len(expected) + 1
        name = f"records/{number:05d}-grid.yaml"
        text = yaml.dump(_record(number, workload, row, use), Dumper=DUMPER, sort_keys=False)
        (project / name).write_text(text, encoding="utf-8")
        # A left-out model's record may also break rules judged after its reason, never before.
        later = set(REASON_RULES[REASON_RULES.index(rule) + 1 :]) if rule is not None else set()
        expected[name] = (later, rule, what)

    for context, (mode, mode_flags), use in itertools.product(CONTEXTS, MODES.items(), USES):
        flags = [*GPUS[gpu], "--context", context, *mode_flags]
        result = invoke(["shortlist", *flags, "--use", use, "--format", "json"], project)
        assert result.exit_code == 0, result.stderr
        document = result.json()
        for row in document["models"]:
            workload = {**document["workload"], "precision": row["precision"]}
            what = f"{row['model']} {row['precision']} {gpu} {context} {mode} {use}: {row['reason']}"
            write(workload, row, use, row["rule"], what)
            if use != USES[0]:
                continue  # memory does not depend on the use: check the rest once
            if row["fits"] is not None and context == CONTEXTS[0]:
                estimates_checked += _check_estimate(project, row, flags)
            if row["reason"] is None and context == CONTEXTS[0]:
                at = {**workload, "context_length": row["max_context"]}
                write(at, row, use, None, f"{what} at its max_context {row['max_context']}")
                if row["max_context"] < row["model_max_context"]:
                    past = {**workload, "context_length": row["max_context"] + 1}
                    write(past, row, use, "SC101", f"{what} one token past its max_context")

    report = invoke(["validate", "--format", "json", "--select", ",".join(CHECKED), "records"], project).json()
    assert report["files"] == len(expected)
    found: dict[str, set[str]] = {name: set() for name in expected}
    for diagnostic in report["diagnostics"]:
        found[diagnostic["file"]].add(diagnostic["code"])
    disagreements = []
    for name, (later, rule, what) in expected.items():
        codes = found[name]
        if rule is None and codes:
            disagreements.append(f"{what}: listed, but validate reports {sorted(codes)}")
        elif rule is not None and (rule not in codes or codes - {rule} - later):
            disagreements.append(f"{what}: left out for {rule}, but validate reports {sorted(codes)}")
    assert not disagreements, "\n".join(disagreements[:20])
    # The grid is not vacuous: models are listed, every kind of reason occurs (SC107 where the
    # heads must split over two GPUs), and estimate agreed on hundreds of rows.
    rules = {rule for _, rule, _ in expected.values()}
    assert {None, "SC101", "SC103", "SC301", "SC305"} <= rules
    assert ("SC107" in rules) == (gpu == "2xA10G")
    assert estimates_checked > 50


def _check_estimate(project: Path, row: dict[str, Any], flags: list[str]) -> int:
    """The row's memory is `estimate`'s on the same flags at the row's precision."""
    argv = ["estimate", row["model"], *flags, "--precision", row["precision"], "--format", "json"]
    result = invoke(argv, project)
    assert result.exit_code == 0, result.stderr
    estimate = result.json()
    assert (estimate["total_bytes"], estimate["fits"]) == (row["per_gpu_bytes"], row["fits"]), row["model"]
    return 1
