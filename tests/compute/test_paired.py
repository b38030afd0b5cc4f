"""Paired tests (compute/paired.py) against statsmodels and scipy on a grid, on the real
lm-evaluation-harness samples, and their properties."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar

from selectcheck.compute.paired import (
    compare_paired,
    format_p,
    is_binary,
    mcnemar_exact_p,
    paired_t,
    student_t_ppf,
    student_t_sf,
)

LM_EVAL = Path(__file__).resolve().parents[1] / "data" / "lm-eval"

# --------------------------------------------------------------------------- McNemar


DISCORDANT = [(b, c) for b in (0, 1, 2, 3, 5, 8, 13, 21, 40, 77) for c in (0, 1, 4, 9, 16, 30, 60, 100)]


@pytest.mark.parametrize(("a_only", "b_only"), DISCORDANT)
def test_mcnemar_exact_matches_statsmodels(a_only: int, b_only: int) -> None:
    table = [[57, a_only], [b_only, 12]]  # the concordant cells do not enter the exact test
    expected = mcnemar(table, exact=True).pvalue
    assert mcnemar_exact_p(a_only, b_only) == pytest.approx(expected, rel=1e-10, abs=1e-300)


@pytest.mark.parametrize(("a_only", "b_only"), [(1000, 900), (5000, 5100), (25_000, 24_000)])
def test_mcnemar_exact_stays_exact_for_large_counts(a_only: int, b_only: int) -> None:
    expected = min(1.0, 2 * stats.binom.cdf(min(a_only, b_only), a_only + b_only, 0.5))
    assert mcnemar_exact_p(a_only, b_only) == pytest.approx(expected, rel=1e-8)


def test_mcnemar_edge_cases() -> None:
    assert mcnemar_exact_p(0, 0) == 1.0  # the models never disagree: no evidence either way
    assert mcnemar_exact_p(7, 7) == 1.0
    assert mcnemar_exact_p(6, 0) == pytest.approx(2 * 0.5**6)
    with pytest.raises(ValueError):
        mcnemar_exact_p(-1, 3)


# --------------------------------------------------------------------------- Student's t


@pytest.mark.parametrize("df", [1, 2, 3, 5, 10, 29, 30, 100, 1000, 100_000])
@pytest.mark.parametrize("t", [0.0, 0.05, 0.5, 1.0, 1.96, 2.5, 4.0, 10.0, 50.0])
def test_student_t_tail_matches_scipy(t: float, df: int) -> None:
    expected = stats.t.sf(t, df)
    assert student_t_sf(t, df) == pytest.approx(expected, rel=1e-9, abs=1e-300)
    assert student_t_sf(-t, df) == pytest.approx(1.0 - expected, rel=1e-9)


@pytest.mark.parametrize("df", [1, 2, 4, 9, 30, 120, 10_000])
@pytest.mark.parametrize("q", [0.5, 0.6, 0.9, 0.95, 0.975, 0.995, 0.9995, 0.025])
def test_student_t_quantile_matches_scipy(q: float, df: int) -> None:
    assert student_t_ppf(q, df) == pytest.approx(stats.t.ppf(q, df), rel=1e-9, abs=1e-12)


def _paired_sample(seed: int, n: int, shift: float, noise: float) -> tuple[list[float], list[float]]:
    rng = random.Random(seed)
    a = [rng.uniform(0, 10) for _ in range(n)]
    b = [x + rng.gauss(shift, noise) for x in a]
    return a, b


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("n", "shift", "noise"), [(2, 0.3, 1.0), (8, 0.5, 1.0), (40, 0.2, 1.0), (500, 0.05, 2.0)])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_paired_t_matches_scipy(seed: int, n: int, shift: float, noise: float, confidence: float) -> None:
    a, b = _paired_sample(seed, n, shift, noise)
    statistic, p_value, (low, high) = paired_t(a, b, confidence)
    expected = stats.ttest_rel(a, b)
    interval = expected.confidence_interval(confidence)
    assert statistic == pytest.approx(expected.statistic, rel=1e-9)
    assert p_value == pytest.approx(expected.pvalue, rel=1e-8)
    assert (low, high) == (pytest.approx(interval.low, rel=1e-8), pytest.approx(interval.high, rel=1e-8))


def test_paired_t_without_variance() -> None:
    assert paired_t([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == (0.0, 1.0, (0.0, 0.0))
    statistic, p_value, interval = paired_t([2.0, 3.0, 4.0], [1.0, 2.0, 3.0])
    assert statistic == math.inf and p_value == 0.0 and interval == (1.0, 1.0)
    with pytest.raises(ValueError, match="at least two"):
        paired_t([1.0], [0.5])


# --------------------------------------------------------------------------- the verdict


def test_binary_scores_get_mcnemar_and_others_the_t_test() -> None:
    binary = compare_paired([1, 1, 0, 1, 0, 1], [0, 1, 0, 0, 0, 1])
    assert binary.method == "mcnemar-exact" and (binary.a_only, binary.b_only) == (2, 0)
    assert binary.mean_a == pytest.approx(4 / 6) and binary.difference == pytest.approx(2 / 6)
    graded = compare_paired([0.5, 1.0, 0.25, 1.0], [0.25, 1.0, 0.0, 0.5])
    assert graded.method == "paired-t" and graded.interval is not None
    assert is_binary([0.0, 1.0, 1.0]) and not is_binary([0.0, 0.5])


def test_significance_is_p_under_one_minus_confidence() -> None:
    verdict = compare_paired([1] * 21 + [0] * 6 + [1] * 10, [0] * 21 + [1] * 6 + [1] * 10)
    assert verdict.p_value == pytest.approx(mcnemar([[10, 21], [6, 0]], exact=True).pvalue)
    assert verdict.p_value < 0.01
    assert verdict.significant and verdict.alpha == pytest.approx(0.05)
    strict = compare_paired([1] * 21 + [0] * 6, [0] * 21 + [1] * 6, confidence=0.999)
    assert not strict.significant
    assert "21 items only A got right, 6 only B" in verdict.describe()
    assert "p = 0.0059, under 0.05" in verdict.describe()


@pytest.mark.parametrize(
    ("a", "b", "match"),
    [([], [], "no items"), ([1.0], [1.0, 0.0], "same items"), ([math.nan], [1.0], "finite")],
)
def test_unusable_inputs_are_value_errors(a: list[float], b: list[float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        compare_paired(a, b)
    with pytest.raises(ValueError, match="confidence"):
        compare_paired([1.0, 0.0], [0.0, 1.0], confidence=1.0)


def test_p_values_read_like_a_person_writes_them() -> None:
    assert format_p(0.0432) == "0.043"
    assert format_p(0.00588) == "0.0059"
    assert format_p(0.00001) == "< 0.0001"
    assert format_p(1.0) == "1"
    assert format_p(0.5) == "0.5"


def _real_samples(folder: str, metric: str) -> dict[str, float]:
    (path,) = (LM_EVAL / folder).glob("samples_sc_arith_mc_*.jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {f"{r['doc_id']}:{r['doc_hash']}": float(r[metric]) for r in rows}


def test_mcnemar_on_the_real_lm_eval_samples() -> None:
    """Two dummy-model runs with different seeds over the same 120 questions: the exact test
    on their per-item `acc` equals statsmodels' on the same 2×2 table."""
    a, b = _real_samples("dummy-seed1234", "acc"), _real_samples("dummy-seed4321", "acc")
    assert set(a) == set(b) and len(a) == 120
    keys = sorted(a)
    verdict = compare_paired([a[k] for k in keys], [b[k] for k in keys])
    table = [[0, 0], [0, 0]]
    for k in keys:
        table[1 - int(a[k])][1 - int(b[k])] += 1
    assert (verdict.a_only, verdict.b_only) == (table[0][1], table[1][0])
    assert verdict.p_value == pytest.approx(mcnemar(table, exact=True).pvalue, rel=1e-10)
    assert verdict.mean_a == pytest.approx(0.30833333, rel=1e-6)  # the results file's acc
    assert verdict.mean_b == pytest.approx(0.20833333, rel=1e-6)
    assert not verdict.significant  # two random guessers are not told apart


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, 1.0]), st.sampled_from([0.0, 1.0])), min_size=1, max_size=300))
def test_mcnemar_is_symmetric_and_a_probability(pairs: list[tuple[float, float]]) -> None:
    a = [x for x, _ in pairs]
    b = [y for _, y in pairs]
    forward, backward = compare_paired(a, b), compare_paired(b, a)
    assert 0.0 <= forward.p_value <= 1.0
    assert forward.p_value == backward.p_value
    assert forward.difference == pytest.approx(-backward.difference)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-100, 100, allow_nan=False), st.floats(-100, 100, allow_nan=False)),
        min_size=2,
        max_size=60,
    )
)
def test_paired_t_is_a_probability_and_symmetric(pairs: list[tuple[float, float]]) -> None:
    a = [x for x, _ in pairs]
    b = [y for _, y in pairs]
    forward, backward = compare_paired(a, b), compare_paired(b, a)
    assert 0.0 <= forward.p_value <= 1.0
    assert forward.p_value == pytest.approx(backward.p_value, rel=1e-9, abs=1e-12)
