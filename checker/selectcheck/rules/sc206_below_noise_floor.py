"""SC206 below-noise-floor: a benchmark or own-evaluation reason rests on a gap inside the
benchmark's noise."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.analysis.evidence import claims
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC206",
    name="below-noise-floor",
    severity="error",
    options=("confidence",),
    summary="a benchmark or own-evaluation reason rests on a gap smaller than the noise floor",
    explanation="""
        A benchmark is a sample of items, so two models' scores differ by chance even when
        the models are equally good. "0.5% is noise" is the crude version; the real noise
        floor depends on the benchmark's size and on the scores: at 95% confidence a
        HumanEval gap (164 problems) must exceed about 8–11 points, an IFEval gap (541
        prompts) about 5–6, an MMLU gap (14,042 questions) about 1.2 (DESIGN §6).

        Each `over` entry of a `kind: benchmark` reason is a claim "the chosen model beats
        X on B"; each `over` entry of a `kind: own-evaluation` reason is the same claim on
        your own evaluation, held to the same standard with its `n`. The floor comes from
        the catalog's item count (or the score's own `n`), the scores' `stderr`, or their
        `ci95` (ratings: the intervals must not overlap); a declared `paired_correlation`
        gives the lower paired floor; small n uses Newcombe's score interval;
        leaderboard-normalised scores scale the floor by 1/(1 − chance). The confidence is
        the policy's `confidence`.

        One finding per claim whose lead does not clear the floor, at the reason, with the
        gap, n, the floor and the confidence, and the n at which the gap would be
        meaningful. A claim on a leaderboard average, or on a rating without intervals, has
        no floor at all and is reported too. A claim the scores contradict (X scores higher
        or equal) or cannot check (a score is missing) is SC208's.
    """,
    failing="""
        candidates:
          - model: meta-llama/Llama-3.1-8B-Instruct
            scores:
              humaneval: {value: 72.6, source: "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct"}
          - model: google/gemma-2-9b-it
            scores:
              humaneval: {value: 68.9, source: "https://arxiv.org/abs/2412.15115"}
        decision:
          chosen: meta-llama/Llama-3.1-8B-Instruct
          reasons:
            - kind: benchmark   # a 3.7-point gap; at n=164 the 95% floor is 9.8 points
              benchmark: humaneval
              over: [google/gemma-2-9b-it]
    """,
    passing="""
        candidates:
          - model: Qwen/Qwen2.5-Coder-7B-Instruct
            scores:
              humaneval: {value: 88.4, source: "https://arxiv.org/abs/2409.12186"}
          - model: meta-llama/Llama-3.1-8B-Instruct
            scores:
              humaneval: {value: 72.6, source: "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct"}
        decision:
          chosen: Qwen/Qwen2.5-Coder-7B-Instruct
          reasons:
            - kind: benchmark   # a 15.8-point gap; at n=164 the 95% floor is 8.4 points
              benchmark: humaneval
              over: [meta-llama/Llama-3.1-8B-Instruct]
    """,
)
def below_noise_floor(ctx: RecordContext) -> Iterator[Finding]:

    for claim in claims(ctx):
        if claim.outcome == "noise":
            yield Finding(claim.pointer, claim.message, claim.help)
