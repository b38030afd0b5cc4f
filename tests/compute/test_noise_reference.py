"""Every statistical procedure of `selectcheck.compute.noise` against an independent
implementation (scipy, statsmodels) on a grid of cases: item counts, scores, gaps, margins
and confidence levels. The runtime code may not import either (start-up time of the
pre-commit hook), so these tests are what ties its arithmetic to the reference libraries.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats import proportion as smp
from statsmodels.stats.contingency_tables import mcnemar

from selectcheck.compute import noise
from selectcheck.compute.noise import Score

CONFIDENCES = (0.9, 0.95, 0.99)


def _close_to_boundary(p: float, alpha: float) -> bool:
    return math.isclose(p, alpha, rel_tol=1e-9)


# --------------------------------------------------------------------------- unpaired normal


@pytest.mark.parametrize("confidence", CONFIDENCES)
@pytest.mark.parametrize("n", [100, 164, 541, 1319, 14042])
def test_unpaired_normal_test_matches_statsmodels_wald(n: int, confidence: float) -> None:
    alpha = 1 - confidence
    checked = 0
    for p_a, gap in itertools.product((15, 30, 50, 70, 85, 97), (0.5, 2, 5, 10, 20)):
        p_b = p_a - gap
        verdict = noise.gap_verdict(Score(p_a), Score(p_b), n=n, confidence=confidence)
        if verdict.method != "normal":
            assert min(n * p_a, n * (100 - p_a), n * p_b, n * (100 - p_b)) / 100 < noise.SMALL_COUNT
            continue
        reference = smp.test_proportions_2indep(p_a / 100 * n, n, p_b / 100 * n, n, method="wald", compare="diff")
        assert verdict.p_value == pytest.approx(reference.pvalue, rel=1e-9, abs=1e-300)
        assert verdict.floor == pytest.approx(
            100 * sps.norm.ppf(1 - alpha / 2) * math.sqrt(reference.variance), rel=1e-12
        )
        if not _close_to_boundary(reference.pvalue, alpha):
            assert verdict.significant == (reference.pvalue < alpha)
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize(("n_a", "n_b"), [(164, 500), (1000, 250)])
def test_unpaired_normal_with_different_item_counts(n_a: int, n_b: int) -> None:
    for p_a, p_b in itertools.product((30, 55, 80), (25, 60)):
        verdict = noise.gap_verdict(Score(p_a, n=n_a), Score(p_b, n=n_b))
        reference = smp.test_proportions_2indep(
            p_a / 100 * n_a, n_a, p_b / 100 * n_b, n_b, method="wald", compare="diff"
        )
        assert verdict.method == "normal"
        assert verdict.p_value == pytest.approx(reference.pvalue, rel=1e-9, abs=1e-300)


# --------------------------------------------------------------------------- exact tests


def _counts(n: int) -> list[int]:
    return sorted({0, 1, n // 4, n // 2, (3 * n) // 4, n - 1, n})


@pytest.mark.parametrize(("n_a", "n_b"), [(5, 5), (12, 12), (30, 30), (57, 57), (8, 21), (40, 99)])
def test_boschloo_matches_scipy(n_a: int, n_b: int) -> None:
    for x_a, x_b in itertools.product(_counts(n_a), _counts(n_b)):
        ours = noise.boschloo_exact_p(x_a, n_a, x_b, n_b)
        reference = sps.boschloo_exact([[x_a, x_b], [n_a - x_a, n_b - x_b]]).pvalue
        if math.isnan(reference):  # scipy's convention when a column is empty
            reference = 1.0
        # The p-value is a supremum over the nuisance rate: ours is never below scipy's, and
        # above it only where scipy's 32-point optimiser stops short of the peak.
        assert reference * (1 - 1e-7) <= ours <= reference * (1 + 1e-4), (x_a, n_a, x_b, n_b, ours, reference)


@pytest.mark.parametrize(
    ("n", "confidence"), [(5, 0.9), (5, 0.95), (5, 0.99), (30, 0.9), (30, 0.95), (30, 0.99), (99, 0.95)]
)
def test_small_n_verdict_is_boschloo_at_the_policy_confidence(n: int, confidence: float) -> None:
    alpha = 1 - confidence
    for x_a, x_b in itertools.product(_counts(n), _counts(n)):
        verdict = noise.gap_verdict(Score(100 * x_a / n), Score(100 * x_b / n), n=n, confidence=confidence)
        reference = sps.boschloo_exact([[x_a, x_b], [n - x_a, n - x_b]]).pvalue
        reference = 1.0 if math.isnan(reference) else reference
        assert verdict.method == "boschloo"
        if not _close_to_boundary(reference, alpha):
            assert verdict.significant == (reference < alpha), (x_a, x_b, n, reference)


@pytest.mark.parametrize(("x_a", "n_a", "x_b", "n_b"), [(128, 200, 68, 200), (9, 150, 0, 150)])
def test_boschloo_supremum_against_a_dense_grid(x_a: int, n_a: int, x_b: int, n_b: int) -> None:
    """The supremum over the nuisance rate, checked on 10,001 points with scipy's own
    statistic and binomial probabilities (scipy's 32-point optimiser can miss it by a
    fraction of a percent at these sizes)."""
    x1 = np.arange(n_a + 1)[:, None]
    x2 = np.arange(n_b + 1)[None, :]
    rates = np.linspace(0, 1, 10001)
    sides = []
    for side in ("less", "greater"):
        if side == "less":
            statistic = sps.hypergeom.cdf(x1, n_a + n_b, n_a, x1 + x2)
        else:
            statistic = sps.hypergeom.sf(x1 - 1, n_a + n_b, n_a, x1 + x2)
        region = statistic <= statistic[x_a, x_b] * (1 + 1e-9)
        best = 0.0
        for chunk in np.array_split(rates, 50):
            pa = sps.binom.pmf(np.arange(n_a + 1)[None, :], n_a, chunk[:, None])
            pb = sps.binom.pmf(np.arange(n_b + 1)[None, :], n_b, chunk[:, None])
            best = max(best, float(np.einsum("ki,kj,ij->k", pa, pb, region).max()))
        sides.append(best)
    grid = min(1.0, 2 * min(sides))
    ours = noise.boschloo_exact_p(x_a, n_a, x_b, n_b)
    assert grid * (1 - 1e-9) <= ours <= grid * (1 + 1e-5)


@pytest.mark.parametrize("n", [300, 1000, 14042])
def test_fisher_matches_scipy_where_counts_are_small(n: int) -> None:
    for failures_a, failures_b in itertools.product((0, 1, 3, 7), (0, 2, 9, 25)):
        x_a, x_b = n - failures_a, n - failures_b
        ours = noise.fisher_exact_p(x_a, n, x_b, n)
        reference = sps.fisher_exact([[x_a, x_b], [n - x_a, n - x_b]]).pvalue
        assert ours == pytest.approx(reference, rel=1e-8, abs=1e-14)
        verdict = noise.gap_verdict(Score(100 * x_a / n), Score(100 * x_b / n), n=n)
        assert verdict.method == "fisher"
        assert verdict.significant == (reference < 0.05)


@pytest.mark.parametrize("confidence", CONFIDENCES)
@pytest.mark.parametrize(("a", "b"), [(60, 0), (50, 10), (80, 30), (100, 70), (90, 40), (40, 0), (75, 45)])
def test_small_n_min_n_is_a_threshold_of_scipy_boschloo(a: float, b: float, confidence: float) -> None:
    alpha = 1 - confidence
    n = noise.min_n_for_gap(a, b, confidence)
    assert n is not None

    def reference(count: int) -> float:
        x_a, x_b = round(a / 100 * count), round(b / 100 * count)
        p = sps.boschloo_exact([[x_a, x_b], [count - x_a, count - x_b]]).pvalue
        return 1.0 if math.isnan(p) else float(p)

    assert noise.gap_verdict(Score(a), Score(b), n=n, confidence=confidence).method == "boschloo"
    assert reference(n) < alpha
    if n > 1:
        assert reference(n - 1) >= alpha


def test_exact_regime_keeps_its_size() -> None:
    """Issue 21: the normal floor's exact size reached 0.062 at nominal 0.05 (n=5) and 0.0135
    at nominal 0.01 (n=30). The size of the exact regime, over every table and a grid of the
    common success rate, is now at most nominal."""
    rates = np.linspace(0.005, 0.995, 199)
    for n, alpha in ((5, 0.05), (12, 0.05), (30, 0.01)):
        reject = np.array(
            [[noise.boschloo_exact_p(x_a, n, x_b, n) < alpha for x_b in range(n + 1)] for x_a in range(n + 1)]
        )
        pmf = sps.binom.pmf(np.arange(n + 1)[None, :], n, rates[:, None])
        size = np.einsum("ki,kj,ij->k", pmf, pmf, reject).max()
        assert size <= alpha + 1e-12, (n, alpha, size)


# --------------------------------------------------------------------------- ratings


@pytest.mark.parametrize("confidence", CONFIDENCES)
def test_rating_difference_test_in_both_forms(confidence: float) -> None:
    alpha = 1 - confidence
    for gap, half_a, half_b in itertools.product((0, 2, 5, 8, 12, 20, 35), (3, 5, 8, 15), (4, 5, 11)):
        a, b = 1250.0, 1250.0 - gap
        by_interval = noise.gap_verdict(
            Score(a, ci95=(a - half_a, a + half_a)), Score(b, ci95=(b - half_b, b + half_b)),
            scale="rating", confidence=confidence,
        )  # fmt: skip
        se_a, se_b = half_a / sps.norm.ppf(0.975), half_b / sps.norm.ppf(0.975)
        by_stderr = noise.gap_verdict(
            Score(a, stderr=se_a), Score(b, stderr=se_b), scale="rating", confidence=confidence
        )
        reference = 2 * sps.norm.sf(abs(gap) / math.hypot(se_a, se_b))
        for verdict in (by_interval, by_stderr):
            assert verdict.method == "stderr"
            assert verdict.p_value == pytest.approx(reference, rel=1e-9, abs=1e-300)
            assert verdict.floor == pytest.approx(sps.norm.ppf(1 - alpha / 2) * math.hypot(se_a, se_b), rel=1e-12)
        if not _close_to_boundary(reference, alpha):
            assert by_interval.significant == by_stderr.significant == (reference < alpha)


def test_issue_arena_example_is_one_verdict() -> None:
    # 1250 vs 1242, ±5 intervals; the same uncertainty as stderr 2.55.
    by_interval = noise.gap_verdict(Score(1250, ci95=(1245, 1255)), Score(1242, ci95=(1237, 1247)), scale="rating")
    by_stderr = noise.gap_verdict(Score(1250, stderr=2.55), Score(1242, stderr=2.55), scale="rating")
    assert by_interval.significant is by_stderr.significant is True
    assert by_stderr.p_value == pytest.approx(2 * sps.norm.sf(8 / math.hypot(2.55, 2.55)), rel=1e-9)


# --------------------------------------------------------------------------- equivalence


@pytest.mark.parametrize("confidence", CONFIDENCES)
@pytest.mark.parametrize("n", [30, 100, 164, 500, 1000, 5000])
def test_tost_matches_statsmodels(n: int, confidence: float) -> None:
    alpha = 1 - confidence
    for p_b, gap, margin in itertools.product((20, 50, 80, 96), (0, 1, 2.5, 4), (2, 5, 10)):
        p_a = p_b + gap
        verdict = noise.equivalence_verdict(Score(p_a), Score(p_b), margin, n=n, confidence=confidence)
        assert verdict.interval is not None
        if verdict.method == "tost":
            reference = smp.tost_proportions_2indep(
                p_a / 100 * n, n, p_b / 100 * n, n, -margin / 100, margin / 100, method="wald", compare="diff"
            )
            assert verdict.p_value == pytest.approx(reference.pvalue, rel=1e-9, abs=1e-300)
            if not _close_to_boundary(reference.pvalue, alpha):
                assert verdict.equivalent == (reference.pvalue < alpha)
        else:  # few items or few successes/failures: Newcombe's interval at 1 − 2α
            assert verdict.method == "newcombe"
            lo, hi = smp.confint_proportions_2indep(
                p_a / 100 * n, n, p_b / 100 * n, n, method="newcomb", compare="diff", alpha=2 * alpha
            )
            assert verdict.interval == pytest.approx((100 * lo, 100 * hi), abs=1e-9)
            assert verdict.equivalent == (-margin < 100 * lo and 100 * hi < margin)


@pytest.mark.parametrize("confidence", CONFIDENCES)
def test_tost_with_stated_standard_errors(confidence: float) -> None:
    alpha = 1 - confidence
    for gap, se_a, se_b, margin in itertools.product((0, 3, 9, 18), (2, 4.5), (3, 6), (10, 20, 30)):
        verdict = noise.equivalence_verdict(
            Score(1250, stderr=se_a), Score(1250 - gap, stderr=se_b), margin, scale="rating", confidence=confidence
        )
        se = math.hypot(se_a, se_b)
        reference = max(sps.norm.sf((gap + margin) / se), sps.norm.sf((margin - gap) / se))
        assert verdict.p_value == pytest.approx(reference, rel=1e-9, abs=1e-300)
        assert verdict.equivalent == (reference < alpha)
        z = sps.norm.ppf(1 - alpha)
        assert verdict.interval == pytest.approx((gap - z * se, gap + z * se), rel=1e-12)


def test_issue_tost_example() -> None:
    # SC207's own old example: HumanEval 83.5 vs 84.8 at n=164 with ±5: TOST p = .18.
    verdict = noise.equivalence_verdict(Score(83.5), Score(84.8), 5.0, n=164)
    reference = smp.tost_proportions_2indep(0.835 * 164, 164, 0.848 * 164, 164, -0.05, 0.05, method="wald")
    assert verdict.p_value == pytest.approx(reference.pvalue, rel=1e-9) == pytest.approx(0.179, abs=1e-3)
    assert verdict.equivalent is False


# --------------------------------------------------------------------------- correlations


RATES = (0.05, 0.2, 0.494, 0.5, 0.8, 0.878, 0.884, 0.95)


def _items(successes: int, n: int, start: int = 0) -> np.ndarray:
    vector = np.zeros(n)
    vector[(np.arange(successes) + start) % n] = 1
    return vector


@pytest.mark.parametrize(("p_a", "p_b"), list(itertools.combinations_with_replacement(RATES, 2)))
def test_correlation_bounds_are_the_extreme_pearson_correlations(p_a: float, p_b: float) -> None:
    """The highest correlation puts B's successes inside A's (or the reverse); the lowest
    puts them as far apart as possible. Pearson's r of those item vectors is the bound."""
    n = 1000
    x_a, x_b = round(p_a * n), round(p_b * n)
    highest = sps.pearsonr(_items(x_a, n), _items(x_b, n)).statistic
    lowest = sps.pearsonr(_items(x_a, n), _items(x_b, n, start=n - x_b)).statistic
    bounds = noise.correlation_bounds(x_a / n, x_b / n)
    assert bounds == pytest.approx((lowest, highest), abs=1e-12)


@pytest.mark.parametrize(("p_a", "p_b"), [(0.72, 0.65), (0.5, 0.494), (0.884, 0.878), (0.3, 0.6)])
def test_implied_table_has_the_declared_correlation(p_a: float, p_b: float) -> None:
    n = 2000
    low, high = noise.correlation_bounds(p_a, p_b) or (0.0, 0.0)
    for rho in np.linspace(low, high, 9):
        only_a, only_b = noise.implied_discordant(p_a, p_b, n, float(rho))
        both = round(p_a * n) - only_a
        a = np.concatenate([np.ones(both), np.ones(only_a), np.zeros(only_b), np.zeros(n - both - only_a - only_b)])
        b = np.concatenate([np.ones(both), np.zeros(only_a), np.ones(only_b), np.zeros(n - both - only_a - only_b)])
        sd = math.sqrt(p_a * (1 - p_a) * p_b * (1 - p_b))
        assert sps.pearsonr(a, b).statistic == pytest.approx(rho, abs=0.5 / n / sd + 1e-9)


def test_infeasible_correlations_are_rejected_on_a_grid() -> None:
    for p_a, p_b in itertools.product(RATES, RATES):
        low, high = noise.correlation_bounds(p_a, p_b) or (0.0, 0.0)
        for rho in (low - 0.01, high + 0.01):
            if -1 <= rho <= 1:
                with pytest.raises(noise.CorrelationError):
                    noise.gap_verdict(Score(100 * p_a), Score(100 * p_b), n=500, correlation=rho)
        noise.gap_verdict(Score(100 * p_a), Score(100 * p_b), n=500, correlation=high)  # feasible: no error


@pytest.mark.parametrize("confidence", CONFIDENCES)
def test_paired_verdict_is_mcnemar_on_the_implied_table(confidence: float) -> None:
    alpha = 1 - confidence
    for n, (p_a, p_b) in itertools.product((30, 164, 541), ((0.884, 0.878), (0.72, 0.65), (0.5, 0.45))):
        low, high = noise.correlation_bounds(p_a, p_b) or (0.0, 0.0)
        for rho in (high, high - 0.02, high - 0.1, 0.5 * (low + high)):
            verdict = noise.gap_verdict(Score(100 * p_a), Score(100 * p_b), n=n, correlation=rho, confidence=confidence)
            only_a, only_b = noise.implied_discordant(p_a, p_b, n, rho)
            if verdict.method == "mcnemar":
                reference = mcnemar([[0, only_a], [only_b, 0]], exact=True).pvalue
                assert verdict.p_value == pytest.approx(reference, rel=1e-12)
                assert verdict.significant == (reference < alpha)
            else:
                assert verdict.method == "normal" and only_a + only_b >= noise.SMALL_DISCORDANT and n >= 100
