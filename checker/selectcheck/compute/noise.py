"""Noise floors: is a gap between two benchmark scores larger than the benchmark's own noise?

Pure statistics (DESIGN §6): no YAML, no pydantic, no I/O. The rules (SC206, SC207) and
`selectcheck noise` feed in the two scores and what the catalog knows about the benchmark,
and get back a `GapVerdict` whose `describe()` is the message fragment they print.

Scores are in the record's unit: percentage points (0–100) for `proportion` benchmarks,
rating points for `rating` ones (Chatbot Arena), the judge scale for `score` ones
(MT-Bench). `stderr` and `ci95` are in the unit of the score they accompany.

How the floor is found, first match wins:

1. Both scores carry `ci95` -> the intervals must not overlap (Chatbot Arena's own rank
   rule). The floor is the gap at which they would stop overlapping.
2. A score carries `stderr` (or `ci95`, turned into a standard error) -> floor =
   z_c * sqrt(se_a^2 + se_b^2 - 2*rho*se_a*se_b); a proportion score without one gets
   the binomial standard error from its `n`.
3. A proportion benchmark with `n` -> unpaired normal approximation with each score's own
   p: floor = z_c * sqrt(p_a(1-p_a)/n_a + p_b(1-p_b)/n_b) (paired form with a declared
   correlation rho). When the normal approximation is not trustworthy -- fewer than
   `SMALL_COUNT` (10) expected successes or failures for either score, the textbook
   success-failure condition -- Newcombe's hybrid score interval for the difference is
   used instead (see `_newcombe_margin`), and the floor is never allowed below the normal
   one.
4. Otherwise (a rating or judge score with neither `ci95` nor `stderr`, or no `n`) no
   floor can be computed; `significant` is None.

Leaderboard-normalised scores (`normalized=True`, norm = (raw - chance)/(1 - chance)) are
turned back into raw proportions for the variance, and the binomial floor is scaled by
1/(1 - chance) into normalised points. A normalised score compared with a raw one is
converted to the raw scale first.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from statistics import NormalDist
from typing import Literal

__all__ = [
    "DEFAULT_CONFIDENCE",
    "SMALL_COUNT",
    "GapVerdict",
    "Method",
    "ScaleKind",
    "Score",
    "gap_verdict",
    "min_n_for_gap",
    "own_evaluation_verdict",
    "wilson_interval",
    "z_value",
]

DEFAULT_CONFIDENCE = 0.95
"""Policy `confidence` default."""

SMALL_COUNT = 10.0
"""Below this many expected successes (n*p) or failures (n*(1-p)) for either score, the
normal approximation is replaced by Newcombe's score interval (success-failure rule)."""

ScaleKind = Literal["proportion", "rating", "score"]
Method = Literal["normal", "newcombe", "stderr", "ci-overlap", "none"]

_Z95 = NormalDist().inv_cdf(0.975)


def z_value(confidence: float = DEFAULT_CONFIDENCE) -> float:
    """Two-sided standard-normal quantile: 1.96 for 0.95."""
    _check_confidence(confidence)
    return _z_value(confidence)


@functools.cache
def _z_value(confidence: float) -> float:
    # Every floor needs it and a run uses one or two confidence levels: compute each once.
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def wilson_interval(
    p: float, n: int, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[float, float]:
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
    """Whether the gap `a - b` clears the noise floor, and how that was decided."""

    gap: float
    """a - b, in the unit of the compared scores (normalised points when both are)."""
    floor: float | None
    """The smallest |gap| that would be a difference at `confidence`; None if unknown."""
    significant: bool | None
    """|gap| > floor; None when no floor can be computed."""
    method: Method
    n_a: int | None
    n_b: int | None
    confidence: float
    detail: str
    """A full sentence on how the floor was obtained."""
    benchmark: str = ""
    """Display name used by `describe()`."""
    correlation: float | None = None
    normalized: bool = False
    """True when gap and floor are in leaderboard-normalised points."""
    intervals: tuple[tuple[float, float], tuple[float, float]] | None = None
    """For `ci-overlap`: the two intervals compared (a's, b's)."""
    notes: tuple[str, ...] = field(default=())
    """Caveats worth showing next to the verdict (conversions, suspicious inputs)."""

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
        if self.method == "ci-overlap":
            assert self.intervals is not None
            (la, ha), (lb, hb) = self.intervals
            relation = "do not overlap" if self.significant else "overlap"
            return (
                f"{what}; the {level} intervals [{_num(la)}, {_num(ha)}] and "
                f"[{_num(lb)}, {_num(hb)}] {relation}"
            )
        if self.method == "stderr":
            where = "with the stated standard errors"
        elif self.n_a == self.n_b:
            where = f"at n={_count(self.n_a)}"
        else:
            where = f"at n={_count(self.n_a)} and n={_count(self.n_b)}"
        text = f"{what}; {where} the {level} noise floor is {floor_text} {unit}"
        extras = []
        if self.method == "newcombe":
            extras.append("Newcombe score interval for small n")
        if self.correlation:
            extras.append(f"paired, ρ={self.correlation:g}")
        return f"{text} ({'; '.join(extras)})" if extras else text


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

    Raises ValueError for inputs no record can legitimately produce (confidence outside
    (0, 1), |rho| > 1, n < 1, a negative stderr, a reversed interval, non-finite numbers).
    """
    _check_confidence(confidence)
    _check_correlation(correlation)
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
        notes.append(
            "a normalised score was compared with a raw one, so both are compared on the raw scale"
        )
    normalized = a.normalized and b.normalized
    rho = correlation if correlation is not None else 0.0
    n_a = a.n if a.n is not None else n
    n_b = b.n if b.n is not None else n
    gap = a.value - b.value

    def verdict(
        floor: float | None,
        method: Method,
        detail: str,
        intervals: tuple[tuple[float, float], tuple[float, float]] | None = None,
    ) -> GapVerdict:
        return GapVerdict(
            gap=gap,
            floor=floor,
            significant=None if floor is None else abs(gap) > floor,
            method=method,
            n_a=n_a,
            n_b=n_b,
            confidence=confidence,
            detail=detail,
            benchmark=benchmark,
            correlation=correlation,
            normalized=normalized,
            intervals=intervals,
            notes=tuple(notes),
        )

    # 1. Both intervals given: they must not overlap (Chatbot Arena's rank rule).
    if a.ci95 is not None and b.ci95 is not None:
        if correlation:
            notes.append("the interval-overlap rule ignores the declared correlation")
        floor, intervals, detail = _overlap(a, a.ci95, b, b.ci95, confidence, notes)
        return verdict(floor, "ci-overlap", detail, intervals)

    z = z_value(confidence)
    se_a, se_b = _explicit_se(a), _explicit_se(b)

    # 3. Binomial noise from the item counts.
    if se_a is None and se_b is None:
        if scale != "proportion" or n_a is None or n_b is None:
            return verdict(None, "none", _no_floor_reason(scale))
        floor, method, detail = _binomial(
            a.value, b.value, n_a, n_b, confidence, rho, chance, normalized, correlation, notes
        )
        return verdict(floor, method, detail)

    # 2. Stated standard errors; a proportion score without one gets the binomial one.
    def fill(score: Score, se: float | None, count: int | None) -> float | None:
        if se is not None or scale != "proportion" or count is None:
            return se
        p = _proportion(score.value, chance, normalized, notes)
        return 100.0 * math.sqrt(p * (1.0 - p) / count) * _norm_factor(chance, normalized)

    se_a, se_b = fill(a, se_a, n_a), fill(b, se_b, n_b)
    if se_a is None or se_b is None:
        return verdict(None, "none", _no_floor_reason(scale))
    if scale == "proportion" and any(0 < se < 0.05 for se in (se_a, se_b)):
        notes.append(
            "a standard error under 0.05 is tiny for a score in percentage points; "
            "was it given as a fraction?"
        )
    floor = z * _paired_sd(se_a, se_b, rho)
    paired = f", paired with ρ={rho:g}," if correlation else ""
    detail = (
        f"standard errors {_num(se_a)} and {_num(se_b)}{paired} give a "
        f"{_percent(confidence)} noise floor of {_num(floor)} points."
    )
    return verdict(floor, "stderr", detail)


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
            detail=(
                f"the result {_num(outside[0])} is not a percentage, so no binomial noise "
                "floor applies"
            ),
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
    """The smallest item count n (the same for both scores) at which this gap would clear
    the noise floor; None when the gap is zero (no n makes it meaningful).

    Scores are in percentage points (0–100), like every score in a record. Uses exactly
    the rule of `gap_verdict`, small-n interval included.
    """
    _check_confidence(confidence)
    _check_correlation(correlation)
    if not (math.isfinite(score_a) and math.isfinite(score_b)):
        raise ValueError("scores must be finite numbers")
    if score_a == score_b:
        return None

    def meaningful(count: int) -> bool:
        verdict = gap_verdict(
            Score(score_a, n=count, normalized=normalized),
            Score(score_b, n=count, normalized=normalized),
            chance=chance,
            correlation=correlation,
            confidence=confidence,
        )
        return bool(verdict.significant)

    high = 1
    while not meaningful(high):
        if high > 1 << 80:  # the floor shrinks like 1/sqrt(n); this is beyond any benchmark
            return None
        high *= 2
    low = high // 2  # not meaningful (or 0)
    while high - low > 1:
        mid = (low + high) // 2
        if meaningful(mid):
            high = mid
        else:
            low = mid
    return high


# --------------------------------------------------------------------------- methods


def _binomial(
    value_a: float,
    value_b: float,
    n_a: int,
    n_b: int,
    confidence: float,
    rho: float,
    chance: float,
    normalized: bool,
    correlation: float | None,
    notes: list[str],
) -> tuple[float, Method, str]:
    z = z_value(confidence)
    p_a = _proportion(value_a, chance, normalized, notes)
    p_b = _proportion(value_b, chance, normalized, notes)
    var_a = p_a * (1.0 - p_a) / n_a
    var_b = p_b * (1.0 - p_b) / n_b
    normal = z * _paired_sd(math.sqrt(var_a), math.sqrt(var_b), rho)
    counts = (n_a * p_a, n_a * (1.0 - p_a), n_b * p_b, n_b * (1.0 - p_b))
    method: Method
    if min(counts) < SMALL_COUNT:
        margin = max(normal, _newcombe_margin(p_a, p_b, n_a, n_b, confidence, rho))
        method = "newcombe"
    else:
        margin = normal
        method = "normal"
    floor = 100.0 * margin * _norm_factor(chance, normalized)
    if correlation and n_a != n_b:
        notes.append("a paired correlation was declared for scores with different n")
    sizes = f"n={n_a:,}" if n_a == n_b else f"n={n_a:,} and n={n_b:,}"
    paired = f"paired, ρ={rho:g}" if correlation else "unpaired"
    if method == "normal":
        how = f"the normal approximation ({paired})"
    else:
        how = (
            f"Newcombe's hybrid score interval ({paired}; fewer than {SMALL_COUNT:g} "
            "expected successes or failures, so the normal approximation is not trusted, "
            "and the floor is kept at least as wide as it)"
        )
    scaled = (
        f", scaled by 1/(1 − {chance:g}) for normalised scores" if normalized and chance else ""
    )
    detail = (
        f"at {sizes}, {how} gives a {_percent(confidence)} noise floor of "
        f"{_num(floor)} points{scaled}."
    )
    return floor, method, detail


def _newcombe_margin(
    p_a: float, p_b: float, n_a: int, n_b: int, confidence: float, rho: float
) -> float:
    """Half-width, on the side towards zero, of Newcombe's hybrid score interval for
    p_high - p_low (Newcombe 1998, Stat Med 17:873, method 10; its paired form, Stat Med
    17:2635, subtracts 2*rho*d_high*d_low under the root).

    It combines the Wilson intervals of the two proportions: the distance from the higher
    score down to its lower Wilson bound and from the lower score up to its upper Wilson
    bound. Wilson bounds stay away from 0 and 1, so a 0/30 or 30/30 AIME score still
    carries noise, which the normal approximation (zero variance at p = 0 or 1) denies.
    """

    def oriented(p_hi: float, n_hi: int, p_lo: float, n_lo: int) -> float:
        lo_hi, _ = wilson_interval(p_hi, n_hi, confidence)
        _, up_lo = wilson_interval(p_lo, n_lo, confidence)
        d_hi = max(0.0, p_hi - lo_hi)
        d_lo = max(0.0, up_lo - p_lo)
        return _paired_sd(d_hi, d_lo, rho)

    if p_a > p_b:
        return oriented(p_a, n_a, p_b, n_b)
    if p_b > p_a:
        return oriented(p_b, n_b, p_a, n_a)
    return max(oriented(p_a, n_a, p_b, n_b), oriented(p_b, n_b, p_a, n_a))


def _overlap(
    a: Score,
    ci_a: tuple[float, float],
    b: Score,
    ci_b: tuple[float, float],
    confidence: float,
    notes: list[str],
) -> tuple[float, tuple[tuple[float, float], tuple[float, float]], str]:
    """Floor = the gap at which the two intervals would stop overlapping: the higher
    score's distance down to its lower bound plus the lower score's up to its upper bound.
    `|gap| > floor` is exactly "the intervals do not overlap"; touching intervals overlap."""
    stretch = z_value(confidence) / _Z95
    if abs(stretch - 1.0) > 1e-12:
        notes.append(
            f"the 95% intervals were rescaled to {_percent(confidence)} assuming normality"
        )

    def widths(score: Score, ci: tuple[float, float]) -> tuple[float, float]:
        below, above = score.value - ci[0], ci[1] - score.value
        if below < 0 or above < 0:
            notes.append(f"the score {_num(score.value)} lies outside its interval")
        return max(0.0, below) * stretch, max(0.0, above) * stretch

    below_a, above_a = widths(a, ci_a)
    below_b, above_b = widths(b, ci_b)
    interval_a = (a.value - below_a, a.value + above_a)
    interval_b = (b.value - below_b, b.value + above_b)
    if a.value > b.value:
        floor = below_a + above_b
    elif b.value > a.value:
        floor = below_b + above_a
    else:
        floor = max(below_a + above_b, below_b + above_a)
    relation = (
        "do not overlap"
        if abs(a.value - b.value) > floor
        else "overlap, so the scores are not distinguishable"
    )
    detail = (
        f"the {_percent(confidence)} intervals [{_num(interval_a[0])}, "
        f"{_num(interval_a[1])}] and [{_num(interval_b[0])}, {_num(interval_b[1])}] "
        f"{relation}."
    )
    return floor, (interval_a, interval_b), detail


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
        return (score.ci95[1] - score.ci95[0]) / (2.0 * _Z95)
    return None


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
