"""SC208 claim-contradicted: a reason's claim disagrees with the cited scores."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.analysis.evidence import claims
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC208",
    name="claim-contradicted",
    severity="error",
    summary="a reason says the chosen model beats X on B, but X scores higher or equal, or a score is missing",
    explanation="""
        A `kind: benchmark` reason with `benchmark: B` and `over: [X, …]` claims that the
        chosen model beats each X on B; a `kind: own-evaluation` reason claims the same on
        your own evaluation. The claim must agree with the evidence in the same record:
        both models need a score on B (matched through the catalog's aliases) or a result
        in `own_evaluation.results`, X must be a candidate (for benchmark claims), and the
        chosen model must score strictly higher. Leaderboard-normalised and raw scores are
        compared on the raw scale.

        Apples and oranges cannot support a claim either: when both scores say how they
        were measured (`setting`, or the shots and task version of a cited lm-eval results
        file) and the settings differ — 0-shot against 5-shot, pass@1 against pass@10 — the
        claim is uncheckable and reported here. Settings that differ only in case, spaces
        or punctuation are the same.

        One finding per contradicted or uncheckable `over` entry, at the reason, with both
        scores and the noise floor. Reasons of other kinds (license, hardware, latency,
        cost, ecosystem, other) are not checked against scores. A claim that holds but
        rests on a gap inside the noise is SC206's.
    """,
    failing="""
        candidates:
          - model: Qwen/Qwen2.5-7B-Instruct
            scores:
              ifeval: {value: 71.2, source: "https://arxiv.org/abs/2412.15115"}
          - model: meta-llama/Llama-3.1-8B-Instruct
            scores:
              ifeval: {value: 80.4, source: "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct"}
        decision:
          chosen: Qwen/Qwen2.5-7B-Instruct
          reasons:
            - kind: benchmark   # Llama scores 80.4 against 71.2
              benchmark: ifeval
              over: [meta-llama/Llama-3.1-8B-Instruct]
    """,
    passing="""
        candidates:
          - model: Qwen/Qwen2.5-7B-Instruct
            scores:
              ifeval: {value: 71.2, source: "https://arxiv.org/abs/2412.15115"}
          - model: microsoft/phi-4
            scores:
              ifeval: {value: 63.0, source: "https://arxiv.org/abs/2412.08905"}
        decision:
          chosen: Qwen/Qwen2.5-7B-Instruct
          reasons:
            - kind: benchmark
              benchmark: ifeval
              over: [microsoft/phi-4]
    """,
)
def claim_contradicted(ctx: RecordContext) -> Iterator[Finding]:

    for claim in claims(ctx):
        if claim.outcome in ("contradicted", "missing", "incomparable"):
            yield Finding(claim.pointer, claim.message, claim.help)
