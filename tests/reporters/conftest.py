"""Reports for the reporter tests: every severity, waived findings, memory, hostile text."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from selectcheck.diagnostics import (
    Diagnostic,
    FileResult,
    MemoryPart,
    Report,
    RuleInfo,
    Severity,
    Span,
    Stage,
    WorkloadMemory,
)

GIB = 2**30

# Text a pull request could put into a record (and so into messages, help, titles, paths).
HOSTILE = (
    "gap 0.4\n::add-mask::secret"
    "\r::warning file=x::fake"
    " %0A::set-output name=x::y %0D%25"
    " ##[set-output name=leak;]value"
    "\u2028::error::ls \u2029::notice::ps \x85::debug::nel \x0b::group::vt \x0c::endgroup::ff"
    " \x1b[2K\x1b[31mred\x00nul\x7fdel"
    " | pipe ` tick ``` fence <script>alert(1)</script> <img src=x onerror=y> &lt; &amp;"
    " [link](javascript:alert(1)) ![img](http://x/y.png) *em* _em_ ~~del~~ $x^2$ \\ @acme/owners"
    " \ud800 lone-surrogate \ufffe nonchar"
)

RULES: dict[str, RuleInfo] = {
    info.code: info
    for info in [
        RuleInfo(
            "SC001",
            "yaml-syntax",
            Severity.ERROR,
            "The file is not valid YAML.",
            "YAML that does not parse cannot be checked.",
        ),
        RuleInfo(
            "SC002",
            "schema",
            Severity.ERROR,
            "The record violates the JSON Schema.",
            "Each violation is reported at the offending node.",
        ),
        RuleInfo(
            "SC101",
            "vram-exceeded",
            Severity.ERROR,
            "A workload's estimated peak memory exceeds usable VRAM.",
            "Peak memory is the sum of weights, KV cache, activations and overhead. " * 40,
            failing_example="workloads:\n  - name: serving\n    hardware: {gpu: T4}\n",
            passing_example="workloads:\n  - name: serving\n    hardware: {gpu: H100-80GB}\n",
        ),
        RuleInfo(
            "SC102",
            "vram-tight",
            Severity.WARNING,
            "It fits, but inside the warning margin.",
            "Leave room for fragmentation.",
        ),
        RuleInfo(
            "SC106",
            "hardware-mismatch",
            Severity.ERROR,
            "Local GPUs differ.",
            "Needs --detect-hardware.",
            stage=Stage.HARDWARE,
        ),
        RuleInfo(
            "SC206",
            "below-noise-floor",
            Severity.ERROR,
            "A reason rests on a gap smaller than the noise floor.",
            "A gap smaller than the benchmark's noise floor is not evidence.",
            failing_example="reasons:\n  - kind: benchmark\n    benchmark: humaneval\n",
            passing_example="reasons:\n  - kind: own-evaluation\n",
        ),
        RuleInfo(
            "SC207",
            "smaller-equivalent",
            Severity.WARNING,
            "A smaller candidate is statistically indistinguishable.",
            "Prefer the smallest model that meets the need.",
        ),
        RuleInfo(
            "SC303",
            "license-obligations",
            Severity.INFO,
            "The license permits the use with conditions.",
            "List the obligations.",
        ),
    ]
}


def diag(
    code: str,
    severity: Severity,
    file: str,
    span: Span,
    message: str,
    *,
    pointer: str = "",
    help: str = "",
    waived: bool = False,
    waiver_reason: str | None = None,
) -> Diagnostic:
    return Diagnostic(code, severity, file, span, pointer, message, help, waived, waiver_reason)


REVIEW = "records/0007-review.yaml"
HOSTILE_PATH = "records/0008-weird,name::x\n::add-mask::y.yaml"
BROKEN = "records/0009-broken.yaml"
CLEAN = "records/0010-clean.yaml"


def _review() -> FileResult:
    return FileResult(
        path=REVIEW,
        record_id="MSR-0007",
        title="Base model for the pull-request review assistant",
        chosen_model="meta-llama/Llama-3.1-8B-Instruct",
        diagnostics=[
            diag(
                "SC303",
                Severity.INFO,
                REVIEW,
                Span(12, 14, 12, 22),
                "llama3.1 permits commercial use with conditions: 700M MAU cap, "
                "'Built with Llama' attribution, acceptable-use policy flow-down.",
                pointer="/candidates/0/license",
                help="Assign an owner for each obligation.",
            ),
            diag(
                "SC102",
                Severity.WARNING,
                REVIEW,
                Span(30, 5, 36, 1),
                "serving needs 20.1 GiB of 21.1 GiB usable on L4 (95%).",
                pointer="/workloads/1",
                help="Lower batch_size or context_length.",
            ),
            diag(
                "SC206",
                Severity.ERROR,
                REVIEW,
                Span(42, 9, 42, 28),
                "The ifeval gap of 0.4 points is below the 4.9-point noise floor (n=541).",
                pointer="/decision/reasons/0",
                help="Cite a benchmark with a larger gap or an own evaluation.",
            ),
            diag(
                "SC101",
                Severity.ERROR,
                REVIEW,
                Span(20, 5, 28, 3),
                "fine-tune needs 91.2 GiB but A100-80GB has 75.9 GiB usable.",
                pointer="/workloads/0",
                help="Use qlora or a larger GPU.",
            ),
            diag(
                "SC207",
                Severity.WARNING,
                REVIEW,
                Span(50, 3, 50, 40),
                "Llama-3.2-3B is indistinguishable on humaneval and fits.",
                pointer="/candidates/2",
                waived=True,
                waiver_reason="The 3B model lacks the tool-call format our agents need.",
            ),
        ],
        memory=[
            WorkloadMemory(
                workload="fine-tune",
                model="meta-llama/Llama-3.1-8B-Instruct",
                hardware="A100-80GB",
                parts=(
                    MemoryPart("weights", 16 * GIB),
                    MemoryPart("kv_cache", 1 * GIB),
                    MemoryPart("activations", 40 * GIB),
                    MemoryPart("gradients", 2 * GIB),
                    MemoryPart("optimizer", 30 * GIB),
                    MemoryPart("overhead", GIB + GIB // 5),
                ),
                total_bytes=91 * GIB,
                usable_bytes=76 * GIB,
                card_bytes=80 * GIB,
                fits=False,
            ),
            WorkloadMemory(
                workload="serving",
                model="meta-llama/Llama-3.1-8B-Instruct",
                hardware="L4",
                parts=(MemoryPart("weights", 5 * GIB), MemoryPart("kv_cache", 15 * GIB)),
                total_bytes=20 * GIB,
                usable_bytes=21 * GIB,
                card_bytes=22 * GIB,
                fits=True,
            ),
        ],
    )


def _hostile() -> FileResult:
    return FileResult(
        path=HOSTILE_PATH,
        record_id="MSR-0008 " + HOSTILE[:40],
        title=HOSTILE,
        chosen_model="evil/model`|<b>" + HOSTILE[:30],
        diagnostics=[
            diag(
                "SC206",
                Severity.ERROR,
                HOSTILE_PATH,
                Span(3, 1, 3, 10),
                HOSTILE,
                pointer="/decision/reasons/0\n::add-mask::x",
                help=HOSTILE,
            ),
            diag("SC303", Severity.INFO, HOSTILE_PATH, Span(4, 1, 4, 5), HOSTILE, help=HOSTILE),
            diag("SC002", Severity.WARNING, HOSTILE_PATH, Span(5, 7, 5, 3), HOSTILE),
            diag(
                "SC207",
                Severity.WARNING,
                HOSTILE_PATH,
                Span(6, 1, 6, 2),
                "waived one",
                waived=True,
                waiver_reason=HOSTILE,
            ),
            diag("SC999", Severity.ERROR, HOSTILE_PATH, Span(0, 0, 0, 0), "", pointer="/x"),
        ],
        memory=[
            WorkloadMemory(
                workload='serve"\n```\n%%{init: {"theme":"dark"}}%%' + HOSTILE[:50],
                model="x]\n<script>",
                hardware="T4 | <b>",
                parts=(MemoryPart('weights"]\n```', 3 * GIB),),
                total_bytes=3 * GIB,
                usable_bytes=None,
                card_bytes=None,
                fits=None,
            )
        ],
    )


def _broken() -> FileResult:
    return FileResult(
        path=BROKEN,
        diagnostics=[
            diag(
                "SC001",
                Severity.ERROR,
                BROKEN,
                Span(7, 3, 7, 4),
                "mapping values are not allowed here",
                pointer="",
                help="Quote the value or fix the indentation.",
            ),
        ],
    )


def _clean() -> FileResult:
    return FileResult(
        path=CLEAN,
        record_id="MSR-0010",
        title="Clean record",
        chosen_model="Qwen/Qwen2.5-7B-Instruct",
        memory=[
            WorkloadMemory(
                "serving",
                "Qwen/Qwen2.5-7B-Instruct",
                "vram_gb: 48",
                (),
                18 * GIB,
                None,
                48 * GIB,
                None,
            ),
        ],
    )


@pytest.fixture
def report() -> Report:
    """Every severity, waived findings, a broken file, a clean file and a hostile record."""
    return Report(files=[_review(), _hostile(), _broken(), _clean()], rules=RULES, version="0.1.0")


@pytest.fixture
def plain_report() -> Report:
    """The same without the hostile record: every output should round-trip exactly."""
    return Report(files=[_review(), _broken(), _clean()], rules=RULES, version="0.1.0")


@pytest.fixture
def clean_report() -> Report:
    return Report(files=[_clean()], rules=RULES, version="0.1.0")


@pytest.fixture
def huge_report() -> Callable[[int], Report]:
    """A report with `n` findings over 100 records (the 50,000-diagnostic stress case)."""

    def build(n: int) -> Report:
        files = [
            FileResult(path=f"records/{i:04d}-r.yaml", record_id=f"MSR-{i:04d}", title=f"R{i}") for i in range(100)
        ]
        severities = [Severity.ERROR, Severity.WARNING, Severity.INFO]
        for k in range(n):
            result = files[k % 100]
            result.diagnostics.append(
                diag(
                    "SC206",
                    severities[k % 3],
                    result.path,
                    Span(k // 100 + 1, 3, k // 100 + 1, 9),
                    f"finding {k}: the gap of {k % 7}.0 points is below the 4.9-point floor.",
                    pointer=f"/decision/reasons/{k}",
                    help="Cite a larger gap.",
                    waived=k % 11 == 0,
                    waiver_reason="accepted" if k % 11 == 0 else None,
                )
            )
        return Report(files=files, rules=RULES, version="0.1.0")

    return build


@pytest.fixture
def hostile_text() -> str:
    return HOSTILE


@pytest.fixture
def hostile_path() -> str:
    return HOSTILE_PATH
