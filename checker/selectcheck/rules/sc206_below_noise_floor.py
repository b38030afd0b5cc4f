"""SC206 below-noise-floor: a benchmark or own-evaluation reason rests on a gap inside the
benchmark's noise."""

from __future__ import annotations

from collections.abc import Iterator
from string import Template

from selectcheck.analysis.context import RecordContext
from selectcheck.analysis.evidence import claims
from selectcheck.compute import noise
from selectcheck.rules.registry import Finding, rule

# The numbers the explanation and the examples quote are computed here, from the code that
# judges the records, so the documentation cannot drift from the verdicts.


def _floor(percent: float, n: int) -> str:
    return f"{noise.normal_floor(percent / 100, percent / 100, n, n):.1f}"


def _range(n: int) -> str:
    return f"{_floor(90, n)}–{_floor(50, n)}"


def _explanation() -> str:
    tiny = noise.gap_verdict(noise.Score(60.0), noise.Score(0.0), n=5)
    bounds = noise.correlation_bounds(0.884, 0.878)
    assert bounds is not None and tiny.p_value is not None

    text = Template("""
        A benchmark is a sample of items, so two models' scores differ by chance even when
        the models are equally good. "0.5% is noise" is the crude version; the real noise
        floor depends on the benchmark's size and on the scores: at 95% confidence, for scores
        between 90% and 50%, a HumanEval gap (164 problems) must exceed $humaneval points, an
        IFEval gap (541 prompts) $ifeval, an MMLU gap (14,042 questions) $mmlu (DESIGN §6).

        Each `over` entry of a `kind: benchmark` reason is a claim "the chosen model beats X
        on B"; each `over` entry of a `kind: own-evaluation` reason is the same claim on your
        own evaluation, held to the same standard with its `n`. The claim is tested two-sided
        at the policy's `confidence` c (meaningful when p < 1 − c), by the first of these
        that applies:

        * Scores with `stderr` or `ci95` (ratings such as Chatbot Arena need one): the z-test
          of the difference, z = gap / sqrt(se_a² + se_b² − 2ρ·se_a·se_b). A `ci95` counts as
          its width / 3.92 standard errors, so an interval and the standard error it stands
          for give the same verdict. Two 95% intervals that merely overlap are not a 95% test.
        * A declared `paired_correlation` ρ (both models scored on the same items) must lie
          inside the range the two scores allow as per-item pass/fail results (the Fréchet
          bounds: for 88.4% and 87.8%, between $rho_low and $rho_high); an impossible one is an
          error at that field. The scores and ρ imply how many items only one model got right:
          under $discordant such items (or $exact_n items) the exact McNemar test on them
          decides, so no correlation can make meaningful a gap that fewer than $fewest
          discordant items produce (at 95%). Otherwise the paired z-test.
        * Accuracy-like scores with `n` items (the catalog's, or the score's own), at least
          $exact_n items each and at least $small successes and failures each: the unpaired
          two-sample z-test, floor = z × sqrt(p_a(1 − p_a)/n_a + p_b(1 − p_b)/n_b).
        * Fewer items, successes or failures: an exact test on whole items, Boschloo's exact
          unconditional test (up to $boschloo items per score; Fisher's exact test above). At
          n=5, 3/5 against 0/5 is noise (Boschloo p = $tiny_p), though the normal
          approximation's floor of $tiny_normal points would call the 60-point gap meaningful.

        An own-evaluation claim whose two models both have per-item files
        (`own_evaluation.samples`) over the same items is judged item by item instead: the
        exact McNemar test for pass/fail items, the paired t-test for graded ones.

        Leaderboard-normalised scores scale the floor by 1/(1 − chance). One finding per claim
        whose lead does not clear the floor, at the reason, with the gap, n, the floor, the
        confidence, the test when it is not the normal approximation, and the n at which the
        gap would be meaningful. A claim on a leaderboard average, or on a rating without
        uncertainty, has no floor at all and is reported too. A claim the scores contradict (X
        scores higher or equal) or cannot check (a score is missing) is SC208's.
    """).substitute(
        humaneval=_range(164),
        ifeval=_range(541),
        mmlu=_range(14042),
        rho_low=f"{bounds[0]:.3f}",
        rho_high=f"{bounds[1]:.3f}",
        discordant=noise.SMALL_DISCORDANT,
        exact_n=noise.EXACT_BELOW_N,
        fewest=noise.min_discordant(0.95),
        small=f"{noise.SMALL_COUNT:g}",
        boschloo=noise.BOSCHLOO_MAX_N,
        tiny_p=f"{tiny.p_value:.3f}",
        tiny_normal=f"{noise.normal_floor(0.6, 0.0, 5, 5):.1f}",
    )
    return text


def _example_floor(a: float, b: float, n: int) -> str:
    return f"{noise.normal_floor(a / 100, b / 100, n, n):.1f}"


def _failing() -> str:
    text = Template("""
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
            - kind: benchmark   # a 3.7-point gap; at n=164 the 95% floor is $floor points
              benchmark: humaneval
              over: [google/gemma-2-9b-it]
    """).substitute(floor=_example_floor(72.6, 68.9, 164))
    return text


def _passing() -> str:
    text = Template("""
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
            - kind: benchmark   # a 15.8-point gap; at n=164 the 95% floor is $floor points
              benchmark: humaneval
              over: [meta-llama/Llama-3.1-8B-Instruct]
    """).substitute(floor=_example_floor(88.4, 72.6, 164))
    return text


@rule(
    code="SC206",
    name="below-noise-floor",
    severity="error",
    options=("confidence",),
    summary="a benchmark or own-evaluation reason rests on a gap smaller than the noise floor",
    explanation=_explanation,
    failing=_failing,
    passing=_passing,
)
def below_noise_floor(ctx: RecordContext) -> Iterator[Finding]:

    for claim in claims(ctx):
        if claim.outcome in ("noise", "invalid"):
            yield Finding(claim.pointer, claim.message, claim.help)
