"""Paired comparisons: two models scored on the same items, compared item by item.

Pure statistics (DESIGN §6, §10): no YAML, no files, no catalogs. The own-evaluation rules
and `selectcheck noise --samples` pass the two models' per-item scores, already matched by
item, and get back a `PairedVerdict`.

Why pairing matters: when two models answer the same items, most of the item-to-item
variation is shared (both get the easy items right and the hard ones wrong). The unpaired
noise floor treats the two scores as independent samples and charges that shared variation
twice; a paired test looks only at the items on which the models differ, so the same gap on
the same n is often decisive where the unpaired floor calls it a tie.

- 0/1 scores (correct or not): McNemar's exact test. Only discordant items count: `a_only`
  items that A got right and B wrong, `b_only` the reverse. Under "no difference" each
  discordant item is a fair coin, so the two-sided p-value is
  min(1, 2 · P(X ≤ min(a_only, b_only))) with X ~ Binomial(a_only + b_only, 1/2) — the
  definition statsmodels' `mcnemar(exact=True)` uses.
- Continuous scores (a grade, a BLEU, a judge score): the paired t-test on the per-item
  differences d = a − b, t = mean(d) / (sd(d)/√n) with n − 1 degrees of freedom (scipy's
  `ttest_rel`), and the t interval of the mean difference.

A gap is significant when p < 1 − confidence (0.05 at the policy's default 0.95).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "PairedMethod",
    "PairedVerdict",
    "compare_paired",
    "is_binary",
    "mcnemar_exact_p",
    "paired_t",
    "student_t_ppf",
    "student_t_sf",
]

PairedMethod = Literal["mcnemar-exact", "paired-t"]

_MAX_ITERATIONS = 100_000


@dataclass(frozen=True)
class PairedVerdict:
    """The paired comparison of A and B on the same `n` items."""

    method: PairedMethod
    n: int
    """Items both models were scored on."""
    mean_a: float
    mean_b: float
    """Mean per-item score (a fraction for 0/1 scores)."""
    p_value: float
    """Two-sided p-value of "A and B are equally good on these items"."""
    confidence: float
    a_only: int = 0
    """McNemar: items A got right and B wrong."""
    b_only: int = 0
    """McNemar: items B got right and A wrong."""
    statistic: float | None = None
    """Paired t: the t statistic."""
    interval: tuple[float, float] | None = None
    """Paired t: the interval of mean_a − mean_b at `confidence`."""

    @property
    def difference(self) -> float:
        return self.mean_a - self.mean_b

    @property
    def alpha(self) -> float:
        return 1.0 - self.confidence

    @property
    def significant(self) -> bool:
        return self.p_value < self.alpha

    def describe(self, name_a: str = "A", name_b: str = "B") -> str:
        """How the test decided, as a message fragment: "paired on 400 items, McNemar's exact
        test (31 items only A got right, 12 only B): p = 0.0052, under 0.05"."""
        relation = "under" if self.significant else "not under"
        verdict = f"p = {format_p(self.p_value)}, {relation} {self.alpha:.2g}"
        if self.method == "mcnemar-exact":
            return (
                f"paired on {self.n:,} items, McNemar's exact test ({self.a_only:,} "
                f"{_items(self.a_only)} only {name_a} got right, {self.b_only:,} only {name_b}): {verdict}"
            )
        assert self.statistic is not None
        return f"paired on {self.n:,} items, paired t-test (t = {self.statistic:.2f}, df = {self.n - 1:,}): {verdict}"


def format_p(p: float) -> str:
    """A p-value as a reader wants it: 0.043, 0.0052, < 0.0001."""
    if p < 1e-4:
        return "< 0.0001"
    return f"{p:.2g}" if p < 0.01 else f"{p:.3f}".rstrip("0").rstrip(".") or "0"


def _items(count: int) -> str:
    return "item" if count == 1 else "items"


def is_binary(values: Sequence[float]) -> bool:
    """True when every value is 0 or 1 (a correct/incorrect grade)."""
    return all(v == 0.0 or v == 1.0 for v in values)


def compare_paired(a: Sequence[float], b: Sequence[float], confidence: float = 0.95) -> PairedVerdict:
    """The paired test of A − B on matched items: McNemar's exact test when both sides are
    0/1 scores, the paired t-test otherwise.

    Raises ValueError when the inputs cannot be compared (different lengths, no items,
    non-finite values, a confidence outside (0, 1), one item for a t-test)."""
    if not (math.isfinite(confidence) and 0.0 < confidence < 1.0):
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    if len(a) != len(b):
        raise ValueError(f"paired scores need the same items: {len(a)} against {len(b)}")
    if not a:
        raise ValueError("there are no items to compare")
    if not all(math.isfinite(v) for v in (*a, *b)):
        raise ValueError("per-item scores must be finite numbers")
    if is_binary(a) and is_binary(b):
        a_only = sum(1 for x, y in zip(a, b, strict=True) if x == 1.0 and y == 0.0)
        b_only = sum(1 for x, y in zip(a, b, strict=True) if x == 0.0 and y == 1.0)
        return PairedVerdict(
            method="mcnemar-exact",
            n=len(a),
            mean_a=sum(a) / len(a),
            mean_b=sum(b) / len(b),
            p_value=mcnemar_exact_p(a_only, b_only),
            confidence=confidence,
            a_only=a_only,
            b_only=b_only,
        )
    statistic, p_value, interval = paired_t(a, b, confidence)
    return PairedVerdict(
        method="paired-t",
        n=len(a),
        mean_a=sum(a) / len(a),
        mean_b=sum(b) / len(b),
        p_value=p_value,
        confidence=confidence,
        statistic=statistic,
        interval=interval,
    )


def mcnemar_exact_p(a_only: int, b_only: int) -> float:
    """Two-sided exact McNemar p-value from the discordant counts."""
    if a_only < 0 or b_only < 0:
        raise ValueError("discordant counts cannot be negative")
    total = a_only + b_only
    if total == 0:
        return 1.0
    return min(1.0, 2.0 * _binomial_half_cdf(min(a_only, b_only), total))


def _binomial_half_cdf(k: int, n: int) -> float:
    """P(X ≤ k) for X ~ Binomial(n, 1/2), summed in log space so that n in the millions
    neither overflows nor loses the small tail."""
    log_norm = math.lgamma(n + 1) - n * math.log(2.0)
    logs = [log_norm - math.lgamma(i + 1) - math.lgamma(n - i + 1) for i in range(k + 1)]
    top = max(logs)
    return min(1.0, math.exp(top) * math.fsum(math.exp(x - top) for x in logs))


def paired_t(
    a: Sequence[float], b: Sequence[float], confidence: float = 0.95
) -> tuple[float, float, tuple[float, float]]:
    """(t, two-sided p, interval of the mean difference) of the paired t-test."""
    n = len(a)
    if n != len(b):
        raise ValueError(f"paired scores need the same items: {n} against {len(b)}")
    if n < 2:
        raise ValueError("a paired t-test needs at least two items")
    differences = [x - y for x, y in zip(a, b, strict=True)]
    mean = math.fsum(differences) / n
    variance = math.fsum((d - mean) ** 2 for d in differences) / (n - 1)
    sd = math.sqrt(variance)
    df = n - 1
    if sd == 0.0:
        # Every item differs by the same amount: no noise at all around the difference.
        if mean == 0.0:
            return 0.0, 1.0, (0.0, 0.0)
        return math.copysign(math.inf, mean), 0.0, (mean, mean)
    se = sd / math.sqrt(n)
    statistic = mean / se
    p_value = min(1.0, 2.0 * student_t_sf(abs(statistic), df))
    half = student_t_ppf(0.5 + confidence / 2.0, df) * se
    return statistic, p_value, (mean - half, mean + half)


def student_t_sf(t: float, df: float) -> float:
    """P(T > t) for Student's t with `df` degrees of freedom."""
    if df <= 0:
        raise ValueError(f"degrees of freedom must be positive, got {df}")
    if math.isinf(t):
        return 0.0 if t > 0 else 1.0
    x = df / (df + t * t)
    tail = 0.5 * _regularized_beta(x, df / 2.0, 0.5)
    return tail if t >= 0 else 1.0 - tail


def student_t_ppf(q: float, df: float) -> float:
    """The t value with P(T ≤ t) = q (the quantile), by bisection on `student_t_sf`."""
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must lie strictly between 0 and 1, got {q}")
    if q < 0.5:
        return -student_t_ppf(1.0 - q, df)
    if q == 0.5:
        return 0.0
    tail = 1.0 - q
    low, high = 0.0, 1.0
    while student_t_sf(high, df) > tail:
        low, high = high, high * 2.0
    for _ in range(200):
        mid = (low + high) / 2.0
        if student_t_sf(mid, df) > tail:
            low = mid
        else:
            high = mid
        if high - low <= 1e-15 * high:
            break
    return (low + high) / 2.0


def _regularized_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b), the regularised incomplete beta function, by its continued fraction
    (Lentz's method; Numerical Recipes §6.4), using the symmetry I_x(a,b) = 1 − I_{1−x}(b,a)
    where the fraction converges fastest."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_fraction(x, a, b) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(1.0 - x, b, a) / b


def _beta_fraction(x: float, a: float, b: float) -> float:
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, _MAX_ITERATIONS):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((a + m2 - 1.0) * (a + m2)),
            -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            step = c * d
            result *= step
        if abs(step - 1.0) < 1e-15:
            return result
    raise ArithmeticError("the incomplete beta continued fraction did not converge")
