"""Noise floors: is a gap between two benchmark scores larger than the benchmark's own noise?

Pure statistics (DESIGN §6): no YAML, no pydantic, no I/O, no scipy (a pre-commit hook pays
for every import; the exact tests below are a few dozen lines of arithmetic). The rules
(SC206, SC207) and `selectcheck noise` feed in two scores and what the catalog knows about
the benchmark, and get back a `GapVerdict` (is the difference real?) or an
`EquivalenceVerdict` (is it small enough to call the models equivalent?).

Scores are in the record's unit: percentage points (0–100) for `proportion` benchmarks,
rating points for `rating` ones (Chatbot Arena), the judge scale for `score` ones
(MT-Bench). `stderr` and `ci95` are in the unit of the score they accompany. Every test is
two-sided at level α = 1 − confidence; a gap is meaningful when p < α, equivalently when
|gap| exceeds the floor.

Which test decides, first match wins:

1. A score carries `stderr` or `ci95` (ratings always do, or no floor exists): the z-test of
   the difference, z = gap / sqrt(se_a² + se_b² − 2ρ·se_a·se_b). A `ci95` is turned into a
   standard error as its width / (2 × 1.959964), so an interval and the standard error it
   stands for give one verdict, at the policy's confidence. (Non-overlap of two 95%
   intervals is not a test at 95%: it is roughly a 99.4% test for equal widths.) A
   proportion score without either gets the binomial standard error from its `n`.
2. A proportion benchmark with `n` and a declared paired correlation ρ (both models scored
   on the same items): ρ must lie inside the range the two scores allow (Fréchet bounds of
   two Bernoulli variables, `correlation_bounds`), else `CorrelationError`. The scores and ρ
   imply a 2×2 table of items; below `EXACT_BELOW_N` items or `SMALL_DISCORDANT` discordant
   items (only one model right) the exact McNemar test on the discordant items decides, so
   no declared correlation can make meaningful a gap that a handful of items could produce
   (`min_discordant`: at 95% it takes at least 6 discordant items, all in one direction).
   Otherwise the paired normal form, SE = sqrt((p_a q_a + p_b q_b − 2ρ·sqrt(p_a q_a p_b q_b))/n).
3. A proportion benchmark with `n`: with at least `EXACT_BELOW_N` items per score and at
   least `SMALL_COUNT` successes and failures each, the unpaired two-sample z-test with each
   score's own p, floor = z_c × sqrt(p_a q_a/n_a + p_b q_b/n_b) (the DESIGN's reference
   values: HumanEval n=164 at 50% needs 10.8 points). Otherwise an exact test on the whole
   items (scores rounded to whole items): Boschloo's unconditional test (two-sided p = twice
   the smaller one-sided p, scipy's convention) when both n are at most `BOSCHLOO_MAX_N`,
   Fisher's exact test (two-sided by summing tables no likelier than the observed one, again
   scipy's convention) above, where Boschloo's sum over every table is too slow for a hook.
   Both keep their size at or below α; the normal test with these guards has a measured
   worst-case size of 0.057 at nominal 0.05 and 0.0131 at nominal 0.01 (n = 100…500).
   For an exact test the floor is the largest gap, on the grid of whole items with the lower
   score held fixed, that the test still calls noise.
4. Otherwise (a rating or judge score without uncertainty, or no `n`) no floor can be
   computed; `significant` is None.

Equivalence (SC207, `equivalence_verdict`): two one-sided tests (TOST) against a margin:
equivalent when the 1 − 2α interval of the difference lies inside ±margin; z-based where the
difference test above is, Newcombe's hybrid score interval where it would be exact.

Leaderboard-normalised scores (`normalized=True`, norm = (raw − chance)/(1 − chance)) are
turned back into raw proportions for the variance and the counts, and floors and intervals
are scaled by 1/(1 − chance) into normalised points. A normalised score compared with a raw
one is converted to the raw scale first.
"""

from __future__ import annotations

import bisect
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from statistics import NormalDist
from typing import Literal

from selectcheck.compute.paired import mcnemar_exact_p
from selectcheck.compute.search import first_true

__all__ = [
    "BOSCHLOO_MAX_N",
    "DEFAULT_CONFIDENCE",
    "EXACT_BELOW_N",
    "SMALL_COUNT",
    "SMALL_DISCORDANT",
    "TEST_NAMES",
    "CorrelationError",
    "EquivalenceVerdict",
    "GapVerdict",
    "Method",
    "ScaleKind",
    "Score",
    "boschloo_exact_p",
    "correlation_bounds",
    "equivalence_verdict",
    "fisher_exact_p",
    "format_p_value",
    "gap_verdict",
    "implied_discordant",
    "min_discordant",
    "min_n_for_gap",
    "newcombe_interval",
    "normal_floor",
    "own_evaluation_verdict",
    "se_from_ci95",
    "wilson_interval",
    "z_value",
]

DEFAULT_CONFIDENCE = 0.95
"""Policy `confidence` default."""

EXACT_BELOW_N = 100
"""With fewer items than this behind either score, an exact test decides (the normal
approximation's size runs above nominal at small n)."""

SMALL_COUNT = 10.0
"""Below this many successes (n·p) or failures (n·(1−p)) for either score, an exact test
decides (the textbook success-failure condition of the normal approximation)."""

SMALL_DISCORDANT = 25
"""Below this many discordant items (b + c) the exact McNemar test decides a paired
comparison (the usual threshold for McNemar's normal approximation)."""

BOSCHLOO_MAX_N = 200
"""Boschloo's test sums over all (n_a + 1)(n_b + 1) tables; above this many items per score
Fisher's exact test is used instead (only reached through a count below `SMALL_COUNT`)."""

ScaleKind = Literal["proportion", "rating", "score"]
Method = Literal["normal", "boschloo", "fisher", "mcnemar", "stderr", "none"]

TEST_NAMES: dict[Method, str] = {
    "normal": "two-sample z-test (normal approximation)",
    "boschloo": "Boschloo's exact test",
    "fisher": "Fisher's exact test",
    "mcnemar": "exact McNemar test",
    "stderr": "z-test of the difference",
    "none": "no test",
}
"""How each method is named in messages."""

_Z95 = NormalDist().inv_cdf(0.975)
_RELATIVE_TIE = 1e-9
"""Statistics within this relative distance are ties (the same table value computed along
different paths)."""


class CorrelationError(ValueError):
    """A declared paired correlation outside the range the two scores make possible."""

    def __init__(self, correlation: float, low: float, high: float, p_a: float, p_b: float) -> None:
        self.correlation = correlation
        self.low = low
        self.high = high
        self.why = (
            f"impossible for scores of {_num(100 * p_a)}% and {_num(100 * p_b)}%: per-item "
            f"pass/fail results at these rates can only correlate between {low:.3f} and {high:.3f}"
        )
        super().__init__(f"a paired correlation of {correlation:g} is {self.why}")


# --------------------------------------------------------------------------- basics


def z_value(confidence: float = DEFAULT_CONFIDENCE) -> float:
    """Two-sided standard-normal quantile: 1.96 for 0.95."""
    _check_confidence(confidence)
    return _z_value(confidence)


@functools.cache
def _z_value(confidence: float) -> float:
    # Every floor needs it and a run uses one or two confidence levels: compute each once.
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def _normal_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z, accurate far into the tail."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def _z_test_p(gap: float, se: float) -> float:
    """Two-sided p-value of a z-test of `gap` with standard error `se`."""
    if se <= 0.0:
        return 1.0 if gap == 0 else 0.0
    return min(1.0, 2.0 * _normal_sf(abs(gap) / se))


def se_from_ci95(ci95: tuple[float, float]) -> float:
    """The standard error a 95% interval stands for: its width / (2 × 1.959964)."""
    return (ci95[1] - ci95[0]) / (2.0 * _Z95)


def normal_floor(p_a: float, p_b: float, n_a: int, n_b: int, confidence: float = DEFAULT_CONFIDENCE) -> float:
    """The unpaired normal floor in points for proportions `p_a`, `p_b` (fractions 0–1):
    z_c × sqrt(p_a q_a/n_a + p_b q_b/n_b) × 100 (DESIGN §6)."""
    return 100.0 * z_value(confidence) * math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)


def wilson_interval(p: float, n: int, confidence: float = DEFAULT_CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for a proportion `p` (a fraction, 0–1) observed on `n` items.

    Unlike the normal (Wald) interval it never collapses to zero width at 0 or 1 and
    keeps close to nominal coverage at small n (Wilson 1927; Brown, Cai & DasGupta 2001).
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    z = z_value(confidence)
    p = min(1.0, max(0.0, p))
    z2n = z * z / n
    denom = 1.0 + z2n
    centre = (p + z2n / 2.0) / denom
    half = z * math.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_interval(
    p_a: float, n_a: int, p_b: float, n_b: int, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[float, float]:
    """Newcombe's hybrid score interval for p_a − p_b (fractions; Newcombe 1998, Stat Med
    17:873, method 10): it combines the two Wilson intervals, so it keeps its coverage at
    small n and at scores of 0 or 100%, where the normal interval collapses."""
    lo_a, hi_a = wilson_interval(p_a, n_a, confidence)
    lo_b, hi_b = wilson_interval(p_b, n_b, confidence)
    d = p_a - p_b
    return (
        d - math.sqrt((p_a - lo_a) ** 2 + (hi_b - p_b) ** 2),
        d + math.sqrt((hi_a - p_a) ** 2 + (p_b - lo_b) ** 2),
    )


# --------------------------------------------------------------------------- exact tests


@functools.lru_cache(maxsize=4096)
def _log_factorial(k: int) -> float:
    return math.lgamma(k + 1)


def _log_choose(n: int, k: int) -> float:
    return _log_factorial(n) - _log_factorial(k) - _log_factorial(n - k)


def _hypergeometric(n_a: int, n_b: int, s: int) -> tuple[int, list[float]]:
    """The distribution of successes x among n_a items, given s successes among all
    n_a + n_b: (lowest x, pmf from there)."""
    lo, hi = max(0, s - n_b), min(n_a, s)
    base = _log_choose(n_a + n_b, s)
    pmf = [math.exp(_log_choose(n_a, x) + _log_choose(n_b, s - x) - base) for x in range(lo, hi + 1)]
    return lo, pmf


@dataclass(frozen=True)
class _Margin:
    """The conditional distribution of one table margin in the exact test."""

    lo: int
    cdf: list[float]
    """P(X ≤ lo + i | s), non-decreasing."""
    sf_ascending: list[float]
    """P(X ≥ hi − i | s), non-decreasing (the survival function read from the top)."""


@functools.lru_cache(maxsize=16)
def _margins(n_a: int, n_b: int) -> tuple[_Margin, ...]:
    """Fisher's one-sided p-values of every table with these sizes, by total successes s."""
    result = []
    for s in range(n_a + n_b + 1):
        lo, pmf = _hypergeometric(n_a, n_b, s)
        cdf, total = [], 0.0
        for value in pmf:
            total += value
            cdf.append(min(1.0, total))
        sf, total = [], 0.0
        for value in reversed(pmf):
            total += value
            sf.append(min(1.0, total))
        result.append(_Margin(lo, cdf, sf))
    return tuple(result)


def _binomial_mixture_sup(weights: list[tuple[int, float]], total: int, enough: float = math.inf) -> float:
    """max over π in [0, 1] of Σ_s w_s · Binomial(total, π).pmf(s), or any value of it at
    least `enough` as soon as one is found (a caller that only compares with `enough` needs
    no more).

    This is a Bernstein polynomial with coefficients w_s in [0, 1]: smooth, with features on
    the scale of 1/sqrt(total) in π. A grid finer than that brackets every peak, and
    golden-section search polishes the two highest until π is known to 1e-7, where the
    value is flat to about 1e-13 (scipy's boschloo_exact runs a 32-point global optimiser
    over the same function)."""
    exponents = [(s, math.log(w) + _log_choose(total, s)) for s, w in weights if w > 0]
    if not exponents:
        return 0.0
    at_zero = sum(w for s, w in weights if s == 0)
    at_one = sum(w for s, w in weights if s == total)
    exp, log, log1p = math.exp, math.log, math.log1p

    def value(pi: float) -> float:
        if pi <= 0.0:
            return at_zero
        if pi >= 1.0:
            return at_one
        log_pi, log_rest = log(pi), log1p(-pi)
        return sum(exp(c + s * log_pi + (total - s) * log_rest) for s, c in exponents)

    steps = max(64, int(8 * math.sqrt(total)))
    grid = [i / steps for i in range(steps + 1)]
    values = []
    for pi in grid:
        values.append(value(pi))
        if values[-1] >= enough:
            return values[-1]
    peaks = [
        i
        for i in range(steps + 1)
        if (i == 0 or values[i] >= values[i - 1]) and (i == steps or values[i] >= values[i + 1])
    ]
    peaks.sort(key=lambda i: -values[i])
    best = max(values)
    ratio = (math.sqrt(5.0) - 1.0) / 2.0
    for i in peaks[:2]:
        lo, hi = grid[max(0, i - 1)], grid[min(steps, i + 1)]
        x1, x2 = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        f1, f2 = value(x1), value(x2)
        while hi - lo > 1e-7:
            if f1 < f2:
                lo, x1, f1 = x1, x2, f2
                x2 = lo + ratio * (hi - lo)
                f2 = value(x2)
            else:
                hi, x2, f2 = x2, x1, f1
                x1 = hi - ratio * (hi - lo)
                f1 = value(x1)
        best = max(best, f1, f2)
    return min(1.0, best)


def boschloo_exact_p(x_a: int, n_a: int, x_b: int, n_b: int) -> float:
    """Two-sided p-value of Boschloo's exact unconditional test of x_a/n_a against x_b/n_b.

    Each one-sided p is the largest probability, over the common success rate π, of a table
    whose Fisher one-sided p-value is at most the observed one; the two-sided p is twice the
    smaller of the two (scipy.stats.boschloo_exact's convention). Boschloo's test is exact
    (its size never exceeds α) and uniformly more powerful than Fisher's."""
    return _boschloo(x_a, n_a, x_b, n_b)


def _boschloo_rejects(x_a: int, n_a: int, x_b: int, n_b: int, alpha: float) -> bool:
    """boschloo_exact_p(...) < alpha, stopping each supremum once it reaches α/2."""
    return _boschloo(x_a, n_a, x_b, n_b, enough=alpha / 2.0) < alpha


def _boschloo(x_a: int, n_a: int, x_b: int, n_b: int, enough: float = math.inf) -> float:
    _check_counts(x_a, n_a, x_b, n_b)
    margins = _margins(n_a, n_b)
    observed = margins[x_a + x_b]
    index = x_a - observed.lo
    sides = []
    # The side whose Fisher p-value is smaller decides almost always: try it first.
    order = [("cdf", observed.cdf[index]), ("sf", observed.sf_ascending[len(observed.cdf) - 1 - index])]
    order.sort(key=lambda side: side[1])
    for side, statistic in order:
        limit = statistic * (1.0 + _RELATIVE_TIE)
        weights = []
        for s, margin in enumerate(margins):
            values = margin.cdf if side == "cdf" else margin.sf_ascending
            k = bisect.bisect_right(values, limit)
            if k:
                weights.append((s, values[k - 1]))
        sides.append(_binomial_mixture_sup(weights, n_a + n_b, enough))
        if sides[-1] < enough < math.inf:
            break  # below α/2: the two-sided p is below α whatever the other side gives
    return min(1.0, 2.0 * min(sides))


def fisher_exact_p(x_a: int, n_a: int, x_b: int, n_b: int) -> float:
    """Two-sided p-value of Fisher's exact test: the probability, given the total successes,
    of every table no likelier than the observed one (scipy.stats.fisher_exact's default).

    The hypergeometric terms are walked outwards from the mode and the walk stops once they
    fall below 1e-20 of the mode's: at the tens of thousands of items where this test is
    used, the rest add less than 1e-15 to the p-value."""
    _check_counts(x_a, n_a, x_b, n_b)
    s = x_a + x_b
    lo, hi = max(0, s - n_b), min(n_a, s)
    base = _log_choose(n_a + n_b, s)

    def log_pmf(x: int) -> float:
        return _log_choose(n_a, x) + _log_choose(n_b, s - x) - base

    mode = min(hi, max(lo, int((s + 1) * (n_a + 1) / (n_a + n_b + 2))))
    peak = math.exp(log_pmf(mode))
    limit = math.exp(log_pmf(x_a)) * (1.0 + _RELATIVE_TIE)
    total = peak if peak <= limit else 0.0
    for step in (1, -1):
        x, value = mode, peak
        while lo <= x + step <= hi:
            if step == 1:
                value *= (n_a - x) * (s - x) / ((x + 1) * (n_b - s + x + 1))
            else:
                value *= x * (n_b - s + x) / ((n_a - x + 1) * (s - x + 1))
            x += step
            if value <= limit:
                total += value
            if value < 1e-20 * peak:
                break
    return min(1.0, total)


def min_discordant(confidence: float = DEFAULT_CONFIDENCE) -> int:
    """The fewest discordant items that can make a paired gap meaningful at `confidence`:
    all of them in one direction, exact McNemar p = 2 × 2^−m < α. 6 at 95%, 8 at 99%."""
    alpha = 1.0 - confidence
    m = 1
    while 2.0 * 0.5**m >= alpha:
        m += 1
    return m


def _check_counts(x_a: int, n_a: int, x_b: int, n_b: int) -> None:
    if n_a < 1 or n_b < 1 or not (0 <= x_a <= n_a and 0 <= x_b <= n_b):
        raise ValueError(f"invalid counts {x_a}/{n_a} and {x_b}/{n_b}")


# --------------------------------------------------------------------------- correlations


def correlation_bounds(p_a: float, p_b: float) -> tuple[float, float] | None:
    """The range of the correlation of two Bernoulli variables with success rates `p_a` and
    `p_b` (fractions): the Fréchet bounds max(0, p_a + p_b − 1) ≤ P(both) ≤ min(p_a, p_b),
    turned into correlations. None when either rate is 0 or 1 (a constant correlates with
    nothing, and the paired table is then fixed by the rates alone)."""
    spread = p_a * (1 - p_a) * p_b * (1 - p_b)
    if spread <= 0:
        return None
    sd = math.sqrt(spread)
    low = (max(0.0, p_a + p_b - 1.0) - p_a * p_b) / sd
    high = (min(p_a, p_b) - p_a * p_b) / sd
    return max(-1.0, low), min(1.0, high)


def implied_discordant(p_a: float, p_b: float, n: int, correlation: float) -> tuple[int, int]:
    """The discordant items (only A right, only B right) that scores `p_a`, `p_b`
    (fractions) on the same `n` items with per-item correlation `correlation` imply:
    P(both right) = p_a p_b + ρ·sqrt(p_a q_a p_b q_b), everything rounded to whole items."""
    x_a, x_b = round(p_a * n), round(p_b * n)
    both = p_a * p_b + correlation * math.sqrt(max(0.0, p_a * (1 - p_a) * p_b * (1 - p_b)))
    x_both = min(max(round(both * n), max(0, x_a + x_b - n)), min(x_a, x_b))
    return x_a - x_both, x_b - x_both


# --------------------------------------------------------------------------- verdicts


@dataclass(frozen=True)
class Score:
    """One cited score and what the record says about its uncertainty."""

    value: float
    """In the benchmark's unit: percentage points for proportions."""
    n: int | None = None
    """Items behind this score; overrides the benchmark's `n`."""
    stderr: float | None = None
    """Standard error, in the unit of `value`."""
    ci95: tuple[float, float] | None = None
    """95% confidence interval [lo, hi], in the unit of `value`."""
    normalized: bool = False
    """Leaderboard-normalised: (raw - chance)/(1 - chance), in points."""


@dataclass(frozen=True)
class GapVerdict:
    """Whether the gap `a - b` clears the noise floor, and which test decided it."""

    gap: float
    """a - b, in the unit of the compared scores (normalised points when both are)."""
    floor: float | None
    """The largest |gap| that is still noise at `confidence`; None if unknown."""
    significant: bool | None
    """The test's verdict (p < α, i.e. |gap| > floor); None when nothing can be tested."""
    method: Method
    n_a: int | None
    n_b: int | None
    confidence: float
    detail: str
    """A full sentence on which test was used and how the floor was obtained."""
    benchmark: str = ""
    """Display name used by `describe()`."""
    correlation: float | None = None
    normalized: bool = False
    """True when gap and floor are in leaderboard-normalised points."""
    notes: tuple[str, ...] = field(default=())
    """Caveats worth showing next to the verdict (conversions, suspicious inputs)."""
    p_value: float | None = None
    """The two-sided p-value of the test (None when nothing was tested)."""
    discordant: tuple[int, int] | None = None
    """Paired comparisons: the items only A / only B got right that the correlation implies."""
    from_intervals: bool = False
    """`stderr` method: the standard errors were derived from 95% intervals."""

    @property
    def test(self) -> str:
        """The test's name, e.g. "Boschloo's exact test"."""
        if self.method == "normal" and self.correlation is not None:
            return "paired z-test (normal approximation)"
        return TEST_NAMES[self.method]

    def describe(self) -> str:
        """Message fragment for rules, e.g. "a 3.1-point HumanEval gap; at n=164 the 95%
        noise floor is 10.8 points"."""
        gap_text, floor_text = _format_pair(abs(self.gap), self.floor)
        what = f"{_article(gap_text)} {gap_text}-point "
        what += f"{self.benchmark} gap" if self.benchmark else "gap"
        level = _percent(self.confidence)
        unit = "normalised points" if self.normalized else "points"
        if self.method == "none":
            return f"{what}; no noise floor can be computed ({self.detail.rstrip('.')})"
        if self.method == "stderr":
            where = (
                "with standard errors from the 95% intervals"
                if self.from_intervals
                else "with the stated standard errors"
            )
        elif self.n_a == self.n_b:
            where = f"at n={_count(self.n_a)}"
        else:
            where = f"at n={_count(self.n_a)} and n={_count(self.n_b)}"
        text = f"{what}; {where} the {level} noise floor is {floor_text} {unit}"
        extras = []
        if self.correlation is not None and self.method != "mcnemar":
            extras.append(f"paired, ρ={self.correlation:g}")
        if self.method == "mcnemar" and self.discordant is not None:
            only_a, only_b = self.discordant
            extras.append(
                f"ρ={self.correlation:g} leaves {only_a} vs {only_b} items that only one of the two "
                f"models got right; {self.test}, {format_p_value(self.p_value)}"
            )
        elif self.method != "normal":
            extras.append(f"{self.test}, {format_p_value(self.p_value)}")
        return f"{text} ({'; '.join(extras)})" if extras else text


@dataclass(frozen=True)
class EquivalenceVerdict:
    """Whether the gap `a - b` is small enough to call the two scores equivalent (TOST)."""

    gap: float
    margin: float | None
    """The equivalence margin, in the unit of the gap; None when the policy gives none."""
    equivalent: bool | None
    """True when the 1 − 2α interval of the difference lies inside ±margin; None when it
    cannot be tested (no margin, or no uncertainty)."""
    interval: tuple[float, float] | None
    """The 1 − 2α interval of the difference, in the unit of the gap."""
    p_value: float | None
    """TOST p-value (the larger of the two one-sided p-values); None for the Newcombe
    interval, which decides by inclusion."""
    method: Literal["tost", "newcombe", "none"]
    confidence: float
    detail: str
    normalized: bool = False

    def describe(self) -> str:
        """E.g. "equivalent within ±5 points: the 90% interval of the gap is [−1.2, 3.8],
        TOST p = 0.004"."""
        unit = "normalised points" if self.normalized else "points"
        if self.equivalent is None or self.interval is None or self.margin is None:
            return f"equivalence not testable: {self.detail.rstrip('.')}"
        relation = "equivalent" if self.equivalent else "not shown equivalent"
        level = _percent(1.0 - 2.0 * (1.0 - self.confidence))
        lo, hi = self.interval
        interval = f"[{_signed(lo)}, {_signed(hi)}]"
        text = f"{relation} within ±{_num(self.margin)} {unit}: the {level} interval of the gap is {interval}"
        return text + self._test_text()

    def summary(self) -> str:
        """The interval against the margin, e.g. "90% interval of the gap [−2.8, 3.8] inside
        ±5 points, TOST p = 0.013"."""
        if self.equivalent is None or self.interval is None or self.margin is None:
            return self.detail.rstrip(".")
        unit = "normalised points" if self.normalized else "points"
        level = _percent(1.0 - 2.0 * (1.0 - self.confidence))
        lo, hi = self.interval
        where = "inside" if self.equivalent else "not inside"
        return (
            f"{level} interval of the gap [{_signed(lo)}, {_signed(hi)}] {where} ±{_num(self.margin)} {unit}"
            + self._test_text()
        )

    def _test_text(self) -> str:
        if self.method == "newcombe":
            return " (Newcombe score interval)"
        return f", TOST {format_p_value(self.p_value)}"


@dataclass(frozen=True)
class _Prepared:
    """The inputs of both tests after validation and scale conversion."""

    a: Score
    b: Score
    n_a: int | None
    n_b: int | None
    gap: float
    normalized: bool
    chance: float
    scale: ScaleKind
    notes: list[str]


def _prepare(a: Score, b: Score, n: int | None, scale: ScaleKind, chance: float, confidence: float) -> _Prepared:
    _check_confidence(confidence)
    if not 0.0 <= chance < 1.0:
        raise ValueError(f"chance must be a fraction in [0, 1), got {chance}")
    if n is not None and n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    _check_score(a, "a")
    _check_score(b, "b")
    notes: list[str] = []
    if scale != "proportion" and (a.normalized or b.normalized):
        notes.append("normalisation only applies to proportion scores and was ignored")
        a, b = replace(a, normalized=False), replace(b, normalized=False)
    if a.normalized != b.normalized:
        a, b = _to_raw(a, chance), _to_raw(b, chance)
        notes.append("a normalised score was compared with a raw one, so both are compared on the raw scale")
    return _Prepared(
        a=a,
        b=b,
        n_a=a.n if a.n is not None else n,
        n_b=b.n if b.n is not None else n,
        gap=a.value - b.value,
        normalized=a.normalized and b.normalized,
        chance=chance,
        scale=scale,
        notes=notes,
    )


def gap_verdict(
    a: Score,
    b: Score,
    *,
    benchmark: str = "",
    n: int | None = None,
    scale: ScaleKind = "proportion",
    chance: float = 0.0,
    correlation: float | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
) -> GapVerdict:
    """Decide whether `a.value - b.value` is larger than the benchmark's noise.

    `n` is the benchmark's item count (catalog), used where a score has no `n` of its
    own; `chance` is the catalog's chance level as a fraction; `correlation` is a declared
    paired correlation rho of the two models' per-item scores (None: unpaired).

    Raises `CorrelationError` (a ValueError) for a correlation the two proportions cannot
    have, and ValueError for inputs no record can legitimately produce (confidence outside
    (0, 1), |rho| > 1, n < 1, a negative stderr, a reversed interval, non-finite numbers).
    """
    return _gap_verdict(a, b, benchmark, n, scale, chance, correlation, confidence, with_floor=True)


def _gap_verdict(
    a: Score,
    b: Score,
    benchmark: str,
    n: int | None,
    scale: ScaleKind,
    chance: float,
    correlation: float | None,
    confidence: float,
    *,
    with_floor: bool,
) -> GapVerdict:
    _check_correlation(correlation)
    inputs = _prepare(a, b, n, scale, chance, confidence)
    notes = inputs.notes
    alpha = 1.0 - confidence
    z = z_value(confidence)
    factor = _norm_factor(inputs.chance, inputs.normalized)
    n_a, n_b, gap = inputs.n_a, inputs.n_b, inputs.gap

    def verdict(
        floor: float | None,
        method: Method,
        detail: str,
        *,
        p_value: float | None = None,
        significant: bool | None = None,
        paired: bool = False,
        discordant: tuple[int, int] | None = None,
        from_intervals: bool = False,
    ) -> GapVerdict:
        if significant is None and floor is not None:
            significant = abs(gap) > floor
        return GapVerdict(
            gap=gap,
            floor=floor,
            significant=significant,
            method=method,
            n_a=n_a,
            n_b=n_b,
            confidence=confidence,
            detail=detail,
            benchmark=benchmark,
            correlation=correlation if paired else None,
            normalized=inputs.normalized,
            notes=tuple(notes),
            p_value=p_value,
            discordant=discordant,
            from_intervals=from_intervals,
        )

    proportion = scale == "proportion"
    p_a = _proportion(inputs.a.value, inputs.chance, inputs.normalized, notes) if proportion else 0.0
    p_b = _proportion(inputs.b.value, inputs.chance, inputs.normalized, notes) if proportion else 0.0
    rho = correlation
    paired_n: int | None = None
    if correlation is not None and proportion:
        bounds = correlation_bounds(p_a, p_b)
        if bounds is not None and not bounds[0] - 1e-9 <= correlation <= bounds[1] + 1e-9:
            raise CorrelationError(correlation, bounds[0], bounds[1], p_a, p_b)
        if bounds is None:
            notes.append("a score of 0 or 100% correlates with nothing; the paired table follows from the scores alone")
        if n_a is not None and n_b is not None:
            if n_a == n_b:
                paired_n = n_a
            else:
                rho = None
                notes.append(
                    "a paired correlation needs both scores on the same items; with different n it was ignored"
                )

    def mcnemar() -> GapVerdict:
        assert paired_n is not None and rho is not None
        only_a, only_b = implied_discordant(p_a, p_b, paired_n, rho)
        _note_rounding(inputs.a.value, inputs.b.value, p_a, p_b, paired_n, notes)
        p = mcnemar_exact_p(only_a, only_b)
        floor = 100.0 * _mcnemar_floor(only_a + only_b, paired_n, alpha) * factor if with_floor else None
        fewest = min_discordant(confidence)
        detail = (
            f"with ρ={rho:g} the scores imply {only_a} items only A got right and {only_b} only B "
            f"got right; the exact McNemar test on these discordant items gives {format_p_value(p)} "
            f"(at {_percent(confidence)} no gap resting on fewer than {fewest} discordant items "
            "can be meaningful)."
        )
        return verdict(
            floor, "mcnemar", detail, p_value=p, significant=p < alpha, paired=True, discordant=(only_a, only_b)
        )

    def small_discordant() -> bool:
        if paired_n is None or rho is None:
            return False
        only_a, only_b = implied_discordant(p_a, p_b, paired_n, rho)
        return paired_n < EXACT_BELOW_N or only_a + only_b < SMALL_DISCORDANT

    # 1. Stated uncertainty: the z-test of the difference.
    se_a, se_b = _explicit_se(inputs.a), _explicit_se(inputs.b)
    if se_a is not None or se_b is not None:
        if proportion and small_discordant():
            return mcnemar()

        def fill(score: Score, p: float, se: float | None, count: int | None) -> float | None:
            if se is not None or not proportion or count is None:
                return se
            return 100.0 * math.sqrt(p * (1.0 - p) / count) * factor

        se_a, se_b = fill(inputs.a, p_a, se_a, n_a), fill(inputs.b, p_b, se_b, n_b)
        if se_a is None or se_b is None:
            return verdict(None, "none", _no_floor_reason(scale))
        if proportion and any(0 < se < 0.05 for se in (se_a, se_b)):
            notes.append(
                "a standard error under 0.05 is tiny for a score in percentage points; was it given as a fraction?"
            )
        from_intervals = inputs.a.ci95 is not None or inputs.b.ci95 is not None
        for score in (inputs.a, inputs.b):
            if score.ci95 is not None and score.stderr is None:
                _note_asymmetry(score, notes)
        sd = _paired_sd(se_a, se_b, rho or 0.0)
        floor = z * sd
        p = _z_test_p(gap, sd)
        source = "standard errors from the 95% intervals (width / 3.92)" if from_intervals else "standard errors"
        paired = f", paired with ρ={rho:g}," if rho is not None else ""
        detail = (
            f"the z-test of the difference with {source} {_num(se_a)} and {_num(se_b)}{paired} "
            f"gives {format_p_value(p)}; the {_percent(confidence)} noise floor is {_num(floor)} points."
        )
        return verdict(floor, "stderr", detail, p_value=p, paired=rho is not None, from_intervals=from_intervals)

    # 4. Nothing to test with.
    if not proportion or n_a is None or n_b is None:
        return verdict(None, "none", _no_floor_reason(scale))

    # 2. Paired proportions.
    if paired_n is not None and rho is not None:
        if small_discordant():
            return mcnemar()
        var_a, var_b = p_a * (1 - p_a) / paired_n, p_b * (1 - p_b) / paired_n
        sd = _paired_sd(math.sqrt(var_a), math.sqrt(var_b), rho)
        floor = 100.0 * z * sd * factor
        p = _z_test_p(gap / factor / 100.0, sd)
        detail = (
            f"at n={paired_n:,}, the paired z-test (normal approximation, ρ={rho:g}) gives "
            f"{format_p_value(p)}; the {_percent(confidence)} noise floor is {_num(floor)} points"
            f"{_scaled(inputs)}."
        )
        return verdict(floor, "normal", detail, p_value=p, paired=True)

    # 3. Unpaired proportions.
    counts = (n_a * p_a, n_a * (1 - p_a), n_b * p_b, n_b * (1 - p_b))
    sizes = f"n={n_a:,}" if n_a == n_b else f"n={n_a:,} and n={n_b:,}"
    if min(n_a, n_b) >= EXACT_BELOW_N and min(counts) >= SMALL_COUNT:
        sd = math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
        floor = 100.0 * z * sd * factor
        p = _z_test_p(gap / factor / 100.0, sd)
        detail = (
            f"at {sizes}, the unpaired two-sample z-test (normal approximation) gives "
            f"{format_p_value(p)}; the {_percent(confidence)} noise floor is {_num(floor)} points{_scaled(inputs)}."
        )
        return verdict(floor, "normal", detail, p_value=p)

    method: Method = "boschloo" if max(n_a, n_b) <= BOSCHLOO_MAX_N else "fisher"
    test = boschloo_exact_p if method == "boschloo" else fisher_exact_p

    def rejects(x_1: int, n_1: int, x_2: int, n_2: int) -> bool:
        if method == "boschloo":
            return _boschloo_rejects(x_1, n_1, x_2, n_2, alpha)
        return fisher_exact_p(x_1, n_1, x_2, n_2) < alpha

    x_a, x_b = round(p_a * n_a), round(p_b * n_b)
    _note_rounding(inputs.a.value, inputs.b.value, p_a, p_b, (n_a, n_b), notes)
    if not with_floor:  # min_n's search needs the verdict only
        return verdict(None, method, "", significant=rejects(x_a, n_a, x_b, n_b))
    p = test(x_a, n_a, x_b, n_b)
    floor = 100.0 * _exact_floor(rejects, x_a, n_a, x_b, n_b, gap) * factor
    why = (
        f"fewer than {EXACT_BELOW_N} items"
        if min(n_a, n_b) < EXACT_BELOW_N
        else f"fewer than {SMALL_COUNT:g} successes or failures"
    )
    detail = (
        f"at {sizes} ({why}, so the normal approximation is not trusted), {TEST_NAMES[method]} on "
        f"{x_a}/{n_a} against {x_b}/{n_b} gives {format_p_value(p)}; with the lower score held, "
        f"gaps up to {_num(floor)} points are noise at {_percent(confidence)}{_scaled(inputs)}."
    )
    return verdict(floor, method, detail, p_value=p, significant=p < alpha)


def _exact_floor(
    rejects: Callable[[int, int, int, int], bool],
    x_a: int,
    n_a: int,
    x_b: int,
    n_b: int,
    gap: float,
) -> float:
    """The largest gap (a fraction) that `test` calls noise, holding the lower score's count
    and raising the higher one item by item; both orientations when the gap is zero. The
    tests are symmetric in the two groups and reject more as the higher count rises, so the
    first count they reject is found by bisection."""

    def oriented(x_lo: int, n_lo: int, n_hi: int) -> float:
        start = math.ceil(x_lo * n_hi / n_lo - 1e-9)  # the first count not below the lower score

        def significant(x_hi: int) -> bool:
            return rejects(x_hi, n_hi, x_lo, n_lo)

        if not significant(n_hi):
            return 1.0 - x_lo / n_lo  # no higher score is meaningful: the floor is the whole range
        if significant(start):
            return 0.0
        first = first_true(significant, start, n_hi)
        return (first - 1) / n_hi - x_lo / n_lo

    if gap > 0:
        return oriented(x_b, n_b, n_a)
    if gap < 0:
        return oriented(x_a, n_a, n_b)
    return max(oriented(x_b, n_b, n_a), oriented(x_a, n_a, n_b))


def _mcnemar_floor(discordant: int, n: int, alpha: float) -> float:
    """The largest gap (a fraction of n) that the exact McNemar test calls noise with this
    many discordant items: (b − c)/n at the largest b it does not reject."""
    if discordant == 0:
        return 0.0
    for only_a in range(math.ceil(discordant / 2), discordant + 1):
        if mcnemar_exact_p(only_a, discordant - only_a) < alpha:
            return max(0, 2 * (only_a - 1) - discordant) / n
    return discordant / n


def equivalence_verdict(
    a: Score,
    b: Score,
    margin: float | None,
    *,
    n: int | None = None,
    scale: ScaleKind = "proportion",
    chance: float = 0.0,
    confidence: float = DEFAULT_CONFIDENCE,
) -> EquivalenceVerdict:
    """Two one-sided tests (TOST): are `a` and `b` equivalent within ±`margin` (in the
    unit of the gap) at `confidence`? Each one-sided test is at α = 1 − confidence, so the
    verdict is "the (1 − 2α) interval of the difference lies inside ±margin" (Schuirmann).

    The interval is the z interval from the same standard errors as `gap_verdict` (stated,
    from a ci95, or binomial), or Newcombe's hybrid score interval where `gap_verdict` would
    use an exact test (few items or few successes/failures)."""
    inputs = _prepare(a, b, n, scale, chance, confidence)
    alpha = 1.0 - confidence
    gap = inputs.gap

    def verdict(
        equivalent: bool | None,
        interval: tuple[float, float] | None,
        p_value: float | None,
        method: Literal["tost", "newcombe", "none"],
        detail: str,
    ) -> EquivalenceVerdict:
        return EquivalenceVerdict(
            gap=gap,
            margin=margin,
            equivalent=equivalent,
            interval=interval,
            p_value=p_value,
            method=method,
            confidence=confidence,
            detail=detail,
            normalized=inputs.normalized,
        )

    if margin is None:
        return verdict(None, None, None, "none", "the policy gives no equivalence margin for this benchmark")
    if not (math.isfinite(margin) and margin > 0):
        raise ValueError(f"the equivalence margin must be a positive number, got {margin}")
    proportion = scale == "proportion"
    factor = _norm_factor(inputs.chance, inputs.normalized)
    notes = inputs.notes
    p_a = _proportion(inputs.a.value, inputs.chance, inputs.normalized, notes) if proportion else 0.0
    p_b = _proportion(inputs.b.value, inputs.chance, inputs.normalized, notes) if proportion else 0.0
    n_a, n_b = inputs.n_a, inputs.n_b
    se_a, se_b = _explicit_se(inputs.a), _explicit_se(inputs.b)
    level = _percent(1.0 - 2.0 * alpha)

    if se_a is None and se_b is None:
        if not proportion or n_a is None or n_b is None:
            return verdict(None, None, None, "none", _no_floor_reason(scale))
        counts = (n_a * p_a, n_a * (1 - p_a), n_b * p_b, n_b * (1 - p_b))
        if min(n_a, n_b) < EXACT_BELOW_N or min(counts) < SMALL_COUNT:
            lo, hi = newcombe_interval(p_a, n_a, p_b, n_b, 1.0 - 2.0 * alpha)
            interval = (100.0 * lo * factor, 100.0 * hi * factor)
            equivalent = -margin < interval[0] and interval[1] < margin
            detail = f"the {level} Newcombe score interval of the gap (few items or few successes or failures)"
            return verdict(equivalent, interval, None, "newcombe", detail + ".")
        se = 100.0 * math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b) * factor
        source = "binomial standard errors"
    else:
        if se_a is None and proportion and n_a is not None:
            se_a = 100.0 * math.sqrt(p_a * (1 - p_a) / n_a) * factor
        if se_b is None and proportion and n_b is not None:
            se_b = 100.0 * math.sqrt(p_b * (1 - p_b) / n_b) * factor
        if se_a is None or se_b is None:
            return verdict(None, None, None, "none", _no_floor_reason(scale))
        se = math.hypot(se_a, se_b)
        source = "stated standard errors"
    z_one = NormalDist().inv_cdf(1.0 - alpha)
    interval = (gap - z_one * se, gap + z_one * se)
    if se > 0:
        p = max(_normal_sf((gap + margin) / se), _normal_sf((margin - gap) / se))
    else:
        p = 0.0 if abs(gap) < margin else 1.0
    detail = f"two one-sided z-tests against ±{_num(margin)} with {source} (SE of the gap {_num(se)})"
    return verdict(p < alpha, interval, p, "tost", detail + ".")


def own_evaluation_verdict(
    result_a: float,
    result_b: float,
    n: int,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    correlation: float | None = None,
    label: str = "own-evaluation",
) -> GapVerdict:
    """The own evaluation held to the same standard (DESIGN §6), using its `n`.

    Results are taken as percentages (0–100). A result outside that range means the
    metric is not a proportion (a mean rating, say), and no binomial floor applies.
    """
    _check_confidence(confidence)
    if not (math.isfinite(result_a) and math.isfinite(result_b)):
        raise ValueError("own-evaluation results must be finite numbers")
    outside = [r for r in (result_a, result_b) if not 0.0 <= r <= 100.0]
    if outside:
        return GapVerdict(
            gap=result_a - result_b,
            floor=None,
            significant=None,
            method="none",
            n_a=n,
            n_b=n,
            confidence=confidence,
            detail=f"the result {_num(outside[0])} is not a percentage, so no binomial noise floor applies",
            benchmark=label,
            correlation=correlation,
        )
    return gap_verdict(
        Score(result_a),
        Score(result_b),
        benchmark=label,
        n=n,
        correlation=correlation,
        confidence=confidence,
    )


def min_n_for_gap(
    score_a: float,
    score_b: float,
    confidence: float = DEFAULT_CONFIDENCE,
    *,
    correlation: float | None = None,
    chance: float = 0.0,
    normalized: bool = False,
) -> int | None:
    """The item count n (the same for both scores) at which this gap turns meaningful under
    the test `gap_verdict` would use there (exact tests included); None when the gap is zero
    (no n makes it meaningful).

    Scores are in percentage points (0–100), like every score in a record. Found by
    doubling and bisection: meaningful at the returned n, not at n − 1. With whole-item
    counts an exact test's verdict can flip back and forth for a few n around that point.
    Raises `CorrelationError` for a correlation the two scores cannot have.
    """
    _check_confidence(confidence)
    _check_correlation(correlation)
    if not (math.isfinite(score_a) and math.isfinite(score_b)):
        raise ValueError("scores must be finite numbers")
    if score_a == score_b:
        return None

    def meaningful(count: int) -> bool:
        verdict = _gap_verdict(
            Score(score_a, n=count, normalized=normalized),
            Score(score_b, n=count, normalized=normalized),
            "",
            None,
            "proportion",
            chance,
            correlation,
            confidence,
            with_floor=False,
        )
        return bool(verdict.significant)

    high = 1
    while not meaningful(high):
        if high > 1 << 80:  # the floor shrinks like 1/sqrt(n); this is beyond any benchmark
            return None
        high *= 2
    return high if high == 1 else first_true(meaningful, high // 2, high)


# --------------------------------------------------------------------------- helpers


def _paired_sd(sd_a: float, sd_b: float, rho: float) -> float:
    """sqrt(Var(a - b)) = sqrt(var_a + var_b - 2 rho sd_a sd_b); rho = 0 is the unpaired form.

    With rho near 1 the terms cancel; a remainder below rounding error is treated as 0 so
    the floor cannot pick up noise of the order of 1e-8."""
    total = sd_a * sd_a + sd_b * sd_b
    variance = total - 2.0 * rho * sd_a * sd_b
    return 0.0 if variance <= 1e-12 * total else math.sqrt(variance)


def _explicit_se(score: Score) -> float | None:
    if score.stderr is not None:
        return score.stderr
    if score.ci95 is not None:
        return se_from_ci95(score.ci95)
    return None


def _note_asymmetry(score: Score, notes: list[str]) -> None:
    assert score.ci95 is not None
    below, above = score.value - score.ci95[0], score.ci95[1] - score.value
    if below < 0 or above < 0:
        notes.append(f"the score {_num(score.value)} lies outside its interval")
    elif max(below, above) > 1.5 * min(below, above):
        notes.append(
            f"the interval of {_num(score.value)} is asymmetric (−{_num(below)}/+{_num(above)}); "
            "its width was used as ±1.96 standard errors"
        )


def _note_rounding(
    value_a: float, value_b: float, p_a: float, p_b: float, n: int | tuple[int, int], notes: list[str]
) -> None:
    n_a, n_b = n if isinstance(n, tuple) else (n, n)
    for value, p, count in ((value_a, p_a, n_a), (value_b, p_b, n_b)):
        items = p * count
        if abs(items - round(items)) > 0.05:
            notes.append(
                f"the score {_num(value)} is {items:.2f} of {count:,} items, not a whole number; "
                f"the exact test used {round(items)}"
            )


def _proportion(value: float, chance: float, normalized: bool, notes: list[str]) -> float:
    """The raw proportion (0–1) behind a score in points."""
    p = value / 100.0
    if normalized:
        p = chance + p * (1.0 - chance)
    if not 0.0 <= p <= 1.0:
        notes.append(f"the score {_num(value)} lies outside 0–100 and was clipped")
        p = min(1.0, max(0.0, p))
    return p


def _norm_factor(chance: float, normalized: bool) -> float:
    return 1.0 / (1.0 - chance) if normalized else 1.0


def _scaled(inputs: _Prepared) -> str:
    if inputs.normalized and inputs.chance:
        return f", scaled by 1/(1 − {inputs.chance:g}) for normalised scores"
    return ""


def _to_raw(score: Score, chance: float) -> Score:
    if not score.normalized:
        return score
    keep = 1.0 - chance

    def raw(x: float) -> float:
        return 100.0 * chance + x * keep

    return Score(
        value=raw(score.value),
        n=score.n,
        stderr=None if score.stderr is None else score.stderr * keep,
        ci95=None if score.ci95 is None else (raw(score.ci95[0]), raw(score.ci95[1])),
        normalized=False,
    )


def _no_floor_reason(scale: ScaleKind) -> str:
    if scale == "rating":
        return "ratings carry no item count; give ci95 or stderr for both scores"
    if scale == "score":
        return "judge scores are not proportions; give ci95 or stderr for both scores"
    return "the item count n is unknown; give n, stderr or ci95"


def _check_confidence(confidence: float) -> None:
    if not (math.isfinite(confidence) and 0.0 < confidence < 1.0):
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")


def _check_correlation(correlation: float | None) -> None:
    if correlation is not None and not (math.isfinite(correlation) and -1.0 <= correlation <= 1.0):
        raise ValueError(f"correlation must lie in [-1, 1], got {correlation}")


def _check_score(score: Score, label: str) -> None:
    if not math.isfinite(score.value):
        raise ValueError(f"score {label} is not a finite number")
    if score.n is not None and score.n < 1:
        raise ValueError(f"score {label}: n must be at least 1, got {score.n}")
    if score.stderr is not None and not (math.isfinite(score.stderr) and score.stderr >= 0):
        raise ValueError(f"score {label}: stderr must be a non-negative number")
    if score.ci95 is not None:
        lo, hi = score.ci95
        if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
            raise ValueError(f"score {label}: ci95 must be [lo, hi] with lo <= hi")


def _percent(confidence: float) -> str:
    return f"{confidence * 100:.10g}%"


def _num(x: float) -> str:
    text = f"{x:.1f}" if abs(x) >= 0.995 else f"{x:.2g}"
    return text[:-2] if text.endswith(".0") else text


def _signed(x: float) -> str:
    text = _num(x)
    return "0" if text in ("-0", "-0.0") else text.replace("-", "−")


def format_p_value(p: float | None) -> str:
    """ "p = 0.062", "p = 1", "p < 0.001"."""
    if p is None:
        return "p unknown"
    if p < 0.001:
        return "p < 0.001"
    text = f"{p:.2g}"
    return "p = 1" if text == "1.0" else f"p = {text}"


def _count(n: int | None) -> str:
    return "?" if n is None else f"{n:,}"


def _format_pair(gap: float, floor: float | None) -> tuple[str, str]:
    """Gap and floor with one decimal, or more when that would make them look equal."""
    if floor is None:
        return _num(gap), ""
    for digits in (1, 2, 3, 4):
        g, f = f"{gap:.{digits}f}", f"{floor:.{digits}f}"
        if g != f or gap == floor:
            break
    if digits == 1:
        g, f = _num(gap), _num(floor)
    return g, f


def _article(number_text: str) -> str:
    whole = number_text.split(".")[0].lstrip("-")
    return "an" if whole.startswith("8") or whole in {"11", "18"} else "a"
