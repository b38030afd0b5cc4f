"""Noise floors (DESIGN §6): published reference values, each method, and properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from selectcheck.compute.noise import (
    EXACT_BELOW_N,
    SMALL_COUNT,
    SMALL_DISCORDANT,
    CorrelationError,
    GapVerdict,
    Score,
    boschloo_exact_p,
    correlation_bounds,
    equivalence_verdict,
    fisher_exact_p,
    gap_verdict,
    implied_discordant,
    min_discordant,
    min_n_for_gap,
    own_evaluation_verdict,
    wilson_interval,
    z_value,
)
from selectcheck.compute.paired import mcnemar_exact_p


def floor_at(p_a: float, p_b: float, n: int, **kwargs: object) -> float:
    verdict = gap_verdict(Score(p_a), Score(p_b), n=n, **kwargs)  # type: ignore[arg-type]
    assert verdict.floor is not None
    return verdict.floor


# --------------------------------------------------------------------------- reference values

# ../shared/reference/benchmarks.md §2.6 and DESIGN §6: 95%, binary items, CLT.
# (benchmark, n, p in points, unpaired gap needed, paired rho=.5 gap needed, decimals)
REFERENCE = [
    ("HumanEval", 164, 50, 10.8, 7.7, 1),
    ("HumanEval", 164, 80, 8.7, 6.1, 1),
    ("IFEval", 541, 50, 6.0, 4.2, 1),
    ("IFEval", 541, 80, 4.8, 3.4, 1),
    ("GSM8K", 1319, 50, 3.8, 2.7, 1),
    ("GSM8K", 1319, 80, 3.1, 2.2, 1),
    ("MMLU", 14042, 50, 1.17, 0.83, 2),
    ("MMLU", 14042, 80, 0.94, 0.66, 2),
]


@pytest.mark.parametrize(("name", "n", "p", "unpaired", "paired", "decimals"), REFERENCE)
def test_published_reference_floors(name: str, n: int, p: float, unpaired: float, paired: float, decimals: int) -> None:
    verdict = gap_verdict(Score(p), Score(p), benchmark=name, n=n)
    assert verdict.method == "normal"
    assert verdict.floor is not None
    assert round(verdict.floor, decimals) == unpaired
    assert round(floor_at(p, p, n, correlation=0.5), decimals) == paired


def test_design_reference_values_exactly() -> None:
    assert round(floor_at(50, 50, 164), 1) == 10.8
    assert round(floor_at(80, 80, 164), 1) == 8.7
    assert round(floor_at(50, 50, 1319), 1) == 3.8
    assert round(floor_at(50, 50, 14042), 2) == 1.17


def test_z_value() -> None:
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_value(0.99) == pytest.approx(2.575829, abs=1e-6)


def test_each_score_uses_its_own_p() -> None:
    # SE = sqrt(p1(1-p1)/n + p2(1-p2)/n), not a pooled p.
    expected = 100 * z_value() * math.sqrt(0.9 * 0.1 / 500 + 0.6 * 0.4 / 500)
    assert floor_at(90, 60, 500) == pytest.approx(expected)


def test_per_score_n_overrides_catalog_n() -> None:
    verdict = gap_verdict(Score(60, n=257), Score(55), n=500)
    assert (verdict.n_a, verdict.n_b) == (257, 500)
    expected = 100 * z_value() * math.sqrt(0.6 * 0.4 / 257 + 0.55 * 0.45 / 500)
    assert verdict.floor == pytest.approx(expected)
    assert "n=257 and n=500" in verdict.describe()


# --------------------------------------------------------------------------- verdicts and text


def test_humaneval_gap_is_noise_with_message() -> None:
    verdict = gap_verdict(Score(72.6), Score(69.5), benchmark="HumanEval", n=164)
    assert verdict.significant is False
    assert verdict.gap == pytest.approx(3.1)
    text = verdict.describe()
    assert text.startswith("a 3.1-point HumanEval gap; at n=164 the 95% noise floor is ")
    assert text.endswith(" points")
    assert f"{verdict.floor:.1f}" in text


def test_large_gap_is_significant() -> None:
    verdict = gap_verdict(Score(88.4), Score(72.6), benchmark="HumanEval", n=164)
    assert verdict.significant is True
    assert verdict.floor is not None and abs(verdict.gap) > verdict.floor


def test_describe_uses_an_before_eight_and_thousands_separator() -> None:
    text = gap_verdict(Score(58.0), Score(50.0), benchmark="MMLU", n=14042).describe()
    assert text.startswith("an 8-point MMLU gap; at n=14,042 ")


def test_describe_disambiguates_gap_and_floor_that_round_alike() -> None:
    verdict = gap_verdict(Score(51.16), Score(50.0), n=14042)
    gap_text, floor_text = f"{verdict.gap:.2f}", f"{verdict.floor:.2f}"
    assert gap_text != floor_text
    assert gap_text in verdict.describe() and floor_text in verdict.describe()


def test_confidence_is_a_parameter() -> None:
    at95 = floor_at(50, 50, 164)
    at99 = floor_at(50, 50, 164, confidence=0.99)
    assert at99 / at95 == pytest.approx(z_value(0.99) / z_value(0.95))
    text = gap_verdict(Score(60), Score(50), n=164, confidence=0.99).describe()
    assert "the 99% noise floor" in text


def test_gap_equal_to_floor_is_not_meaningful() -> None:
    verdict = gap_verdict(Score(60, stderr=1.0), Score(50, stderr=0.0), n=100)
    # floor = 1.96 * 1.0; a gap must *exceed* the floor.
    exact = gap_verdict(Score(50 + z_value(), stderr=1.0), Score(50, stderr=0.0))
    assert verdict.significant is True
    assert exact.floor == pytest.approx(abs(exact.gap))


# --------------------------------------------------------------------------- stated uncertainty


def test_stated_stderr_is_used() -> None:
    verdict = gap_verdict(Score(70, stderr=2.0), Score(64, stderr=1.5), n=164)
    assert verdict.method == "stderr"
    assert verdict.floor == pytest.approx(z_value() * math.sqrt(2.0**2 + 1.5**2))
    assert verdict.significant is True
    assert "with the stated standard errors" in verdict.describe()


def test_missing_stderr_is_filled_from_n() -> None:
    verdict = gap_verdict(Score(70, stderr=2.0), Score(66), n=164)
    se_b = 100 * math.sqrt(0.66 * 0.34 / 164)
    assert verdict.method == "stderr"
    assert verdict.floor == pytest.approx(z_value() * math.sqrt(4.0 + se_b**2))


def test_single_ci95_becomes_a_standard_error() -> None:
    verdict = gap_verdict(Score(60, ci95=(57.0, 63.0)), Score(55, stderr=1.0), n=500)
    se_a = 6.0 / (2 * z_value())
    assert verdict.method == "stderr"
    assert verdict.floor == pytest.approx(z_value() * math.sqrt(se_a**2 + 1.0))


def test_stderr_given_as_fraction_is_flagged() -> None:
    verdict = gap_verdict(Score(72, stderr=0.035), Score(70, stderr=0.036), n=164)
    assert any("fraction" in note for note in verdict.notes)


# --------------------------------------------------------------------------- arena-style ci95


def test_arena_intervals_and_their_standard_errors_give_one_verdict() -> None:
    """Issue 21: 1250 vs 1242 with ±5 intervals used to be noise (overlap, ≈ a 99.4% test)
    while the same uncertainty as standard errors was meaningful. Both are now the z-test of
    the difference at the policy's confidence."""
    ci = gap_verdict(
        Score(1250, ci95=(1245, 1255)), Score(1242, ci95=(1237, 1247)), benchmark="Chatbot Arena", scale="rating"
    )
    se = 10 / (2 * z_value())
    stated = gap_verdict(Score(1250, stderr=se), Score(1242, stderr=se), benchmark="Chatbot Arena", scale="rating")
    assert ci.method == stated.method == "stderr"
    assert ci.significant is stated.significant is True
    assert ci.floor == pytest.approx(stated.floor) == pytest.approx(z_value() * math.sqrt(2) * se)
    assert ci.p_value == pytest.approx(stated.p_value) == pytest.approx(0.0266, abs=1e-4)
    assert ci.from_intervals and not stated.from_intervals
    assert "with standard errors from the 95% intervals" in ci.describe()
    assert "(z-test of the difference, p = 0.027)" in ci.describe()
    assert "with the stated standard errors" in stated.describe()


def test_overlapping_intervals_can_still_be_a_difference() -> None:
    # The intervals overlap by one point, yet the difference is beyond 1.96 of its SE.
    verdict = gap_verdict(Score(1290, ci95=(1284, 1296)), Score(1280, ci95=(1274, 1285)), scale="rating")
    se_a, se_b = 12 / (2 * z_value()), 11 / (2 * z_value())
    assert verdict.floor == pytest.approx(z_value() * math.hypot(se_a, se_b))
    assert verdict.significant is True


def test_interval_confidence_follows_the_policy() -> None:
    # A 95% interval is converted to a standard error, then tested at the policy's level.
    args = (Score(1290, ci95=(1284, 1296)), Score(1280, ci95=(1274, 1285)))
    at95 = gap_verdict(*args, scale="rating")
    at99 = gap_verdict(*args, scale="rating", confidence=0.99)
    assert at99.floor is not None and at95.floor is not None
    assert at99.floor / at95.floor == pytest.approx(z_value(0.99) / z_value(0.95))
    assert at99.significant is False


def test_asymmetric_interval_is_noted() -> None:
    verdict = gap_verdict(Score(1300, ci95=(1285, 1302)), Score(1280, ci95=(1270, 1284)), scale="rating")
    assert verdict.floor == pytest.approx(z_value() * math.hypot(17 / 3.919928, 14 / 3.919928), rel=1e-6)
    assert any("asymmetric" in note for note in verdict.notes)


def test_ratings_without_interval_have_no_floor() -> None:
    verdict = gap_verdict(Score(1290), Score(1280), benchmark="Chatbot Arena", scale="rating")
    assert verdict.method == "none"
    assert verdict.significant is None and verdict.floor is None
    assert "no noise floor can be computed" in verdict.describe()


def test_judge_score_scale_ignores_n() -> None:
    verdict = gap_verdict(Score(8.1), Score(7.6), benchmark="MT-Bench", scale="score", n=80)
    assert verdict.method == "none" and verdict.significant is None
    assert "not proportions" in verdict.detail


def test_rating_with_one_interval_only_has_no_floor() -> None:
    verdict = gap_verdict(Score(1290, ci95=(1284, 1296)), Score(1280), scale="rating")
    assert verdict.method == "none"


def test_proportion_without_n_has_no_floor() -> None:
    verdict = gap_verdict(Score(70), Score(60))
    assert verdict.method == "none"
    assert "n is unknown" in verdict.detail


# --------------------------------------------------------------------------- paired form


@pytest.mark.parametrize("rho", [0.1, 0.3, 0.5, 0.7, 0.8])
def test_paired_floor_smaller_than_unpaired_for_positive_rho(rho: float) -> None:
    unpaired = floor_at(72, 65, 164)
    verdict = gap_verdict(Score(72), Score(65), n=164, correlation=rho)
    assert verdict.floor is not None and verdict.floor < unpaired
    only_a, only_b = implied_discordant(0.72, 0.65, 164, rho)
    if only_a + only_b >= SMALL_DISCORDANT:
        assert verdict.method == "normal"
        var_a, var_b = 0.72 * 0.28 / 164, 0.65 * 0.35 / 164
        expected = 100 * z_value() * math.sqrt(var_a + var_b - 2 * rho * math.sqrt(var_a * var_b))
        assert verdict.floor == pytest.approx(expected)
    else:  # rho 0.7 and 0.8 leave fewer than 25 items that only one model got right
        assert verdict.method == "mcnemar" and verdict.discordant == (only_a, only_b)
        assert verdict.p_value == pytest.approx(mcnemar_exact_p(only_a, only_b))


def test_impossible_correlation_is_rejected() -> None:
    """Issue 21: `noise humaneval 50 49.4 --correlation 1` gave a 0.00055-point floor, and
    `paired_correlation: 1` silenced SC206 for HumanEval 88.4 vs 87.8. Two pass/fail
    variables at 50% and 49.4% correlate at most 0.988; at 88.4% and 87.8% at most 0.972."""
    assert (correlation_bounds(0.5, 0.494) or (0.0, 0.0))[1] == pytest.approx(0.98807, abs=1e-5)
    with pytest.raises(CorrelationError):
        gap_verdict(Score(50), Score(49.4), n=164, correlation=1.0)
    low, high = correlation_bounds(0.884, 0.878) or (0.0, 0.0)
    assert high == pytest.approx(0.97179, abs=1e-5) and low == pytest.approx(-0.13503, abs=1e-5)
    with pytest.raises(CorrelationError) as raised:
        gap_verdict(Score(88.4), Score(87.8), n=164, correlation=1.0)
    assert raised.value.high == pytest.approx(high) and "0.972" in str(raised.value)
    with pytest.raises(CorrelationError):
        gap_verdict(Score(88.4), Score(87.8), n=164, correlation=low - 0.01)
    with pytest.raises(CorrelationError):  # stated standard errors do not escape the check
        gap_verdict(Score(88.4, stderr=2.5), Score(87.8, stderr=2.5), n=164, correlation=1.0)
    with pytest.raises(CorrelationError):
        min_n_for_gap(50, 49.4, correlation=1.0)


def test_largest_feasible_correlation_cannot_make_one_item_meaningful() -> None:
    # At the highest feasible ρ the 0.6-point gap is one item only A got right: McNemar p = 1.
    _, high = correlation_bounds(0.884, 0.878) or (0.0, 0.0)
    verdict = gap_verdict(Score(88.4), Score(87.8), benchmark="HumanEval", n=164, correlation=high)
    assert verdict.method == "mcnemar" and verdict.discordant == (1, 0)
    assert verdict.p_value == 1.0 and verdict.significant is False
    assert "exact McNemar test, p = 1" in verdict.describe()
    stated = gap_verdict(Score(88.4, stderr=2.5), Score(87.8, stderr=2.5), n=164, correlation=high)
    assert stated.method == "mcnemar" and stated.significant is False


@pytest.mark.parametrize(("confidence", "fewest"), [(0.9, 5), (0.95, 6), (0.99, 8), (0.999, 11)])
def test_fewest_discordant_items_that_can_be_meaningful(confidence: float, fewest: int) -> None:
    assert min_discordant(confidence) == fewest
    alpha = 1 - confidence
    assert mcnemar_exact_p(fewest, 0) < alpha <= mcnemar_exact_p(fewest - 1, 0)


def test_no_correlation_makes_a_handful_of_items_meaningful() -> None:
    # Every feasible correlation for every gap of at most 5 items out of 500 stays noise.
    for items in range(1, 6):
        p_a, p_b = 0.70 + items / 500, 0.70
        low, high = correlation_bounds(p_a, p_b) or (0.0, 0.0)
        for step in range(21):
            rho = low + (high - low) * step / 20
            assert gap_verdict(Score(100 * p_a), Score(100 * p_b), n=500, correlation=rho).significant is False


def test_paired_form_with_stated_stderr() -> None:
    verdict = gap_verdict(Score(70, stderr=2.0), Score(66, stderr=1.5), correlation=0.5)
    assert verdict.floor == pytest.approx(z_value() * math.sqrt(4 + 2.25 - 2 * 0.5 * 2 * 1.5))
    assert "paired, ρ=0.5" in verdict.describe()


def test_negative_correlation_widens_the_floor() -> None:
    assert floor_at(72, 65, 164, correlation=-0.3) > floor_at(72, 65, 164)


def test_zero_correlation_equals_unpaired() -> None:
    assert floor_at(72, 65, 164, correlation=0.0) == pytest.approx(floor_at(72, 65, 164))


# --------------------------------------------------------------------------- normalised scores


@pytest.mark.parametrize(("chance", "n"), [(0.25, 448), (0.1, 12032), (0.5, 1267)])
def test_normalised_floor_is_scaled_by_one_over_one_minus_chance(chance: float, n: int) -> None:
    norm_a, norm_b = 30.0, 24.0
    raw_a = 100 * chance + norm_a * (1 - chance)
    raw_b = 100 * chance + norm_b * (1 - chance)
    raw = floor_at(raw_a, raw_b, n)
    verdict = gap_verdict(Score(norm_a, normalized=True), Score(norm_b, normalized=True), n=n, chance=chance)
    assert verdict.normalized is True
    assert verdict.floor == pytest.approx(raw / (1 - chance))
    assert verdict.gap == pytest.approx(6.0)
    # The verdict is the same on either scale: the gap scales by the same factor.
    assert verdict.significant == (abs(raw_a - raw_b) > raw)
    assert "normalised points" in verdict.describe()


def test_gpqa_normalised_factor() -> None:
    raw = floor_at(43.75, 43.75, 448)  # normalised 25 -> raw 43.75 at chance .25
    norm = gap_verdict(Score(25, normalized=True), Score(25, normalized=True), n=448, chance=0.25)
    assert norm.floor == pytest.approx(raw * 4 / 3)


def test_normalised_with_zero_chance_is_unchanged() -> None:
    plain = floor_at(40, 35, 1324)
    norm = gap_verdict(Score(40, normalized=True), Score(35, normalized=True), n=1324)
    assert norm.floor == pytest.approx(plain)


def test_mixed_normalised_and_raw_are_compared_raw() -> None:
    verdict = gap_verdict(Score(20, normalized=True), Score(45), n=448, chance=0.25)  # normalised 20 -> raw 40
    assert verdict.normalized is False
    assert verdict.gap == pytest.approx(40 - 45)
    assert any("raw scale" in note for note in verdict.notes)


# --------------------------------------------------------------------------- small n


def test_small_n_uses_an_exact_test() -> None:
    """Issue 21: the normal (and Newcombe) floor called 3/5 against 0/5 meaningful; the exact
    tests do not (Fisher p = .167, Boschloo p = .062)."""
    verdict = gap_verdict(Score(60), Score(0), benchmark="AIME 2024", n=5)
    assert verdict.method == "boschloo"
    assert verdict.p_value == pytest.approx(0.0618, abs=1e-4)
    assert verdict.significant is False
    assert fisher_exact_p(3, 5, 0, 5) == pytest.approx(1 / 6)
    assert "Boschloo's exact test, p = 0.062" in verdict.describe()
    # The lattice floor: 3 items are noise, 4 would not be.
    assert verdict.floor == pytest.approx(60)
    assert gap_verdict(Score(80), Score(0), n=5).significant is True


def test_small_n_switches_method_by_item_count_and_success_failure_rule() -> None:
    assert EXACT_BELOW_N == 100 and SMALL_COUNT == 10
    # AIME: 30 problems, always exact.
    assert gap_verdict(Score(50), Score(40), n=30).method == "boschloo"
    assert gap_verdict(Score(50), Score(40), n=99).method == "boschloo"
    assert gap_verdict(Score(50), Score(40), n=100).method == "normal"
    # Large n but a score at the ceiling: 0 failures. Beyond 200 items Fisher's test.
    assert gap_verdict(Score(100), Score(97), n=150).method == "boschloo"
    assert gap_verdict(Score(100), Score(99), n=5000).method == "fisher"
    assert gap_verdict(Score(99.9), Score(99.0), n=5000).method == "fisher"
    assert gap_verdict(Score(99.7), Score(99.0), n=5000).method == "normal"  # 15 failures


def test_small_n_keeps_noise_at_the_boundaries() -> None:
    # 0/30 against 3/30: the normal approximation gives model A zero variance.
    pb = 0.1
    normal = 100 * z_value() * math.sqrt(pb * (1 - pb) / 30)
    verdict = gap_verdict(Score(0), Score(10), benchmark="AIME 2024", n=30)
    assert verdict.method == "boschloo"
    assert verdict.floor is not None and verdict.floor > normal
    assert verdict.significant is False
    # Both at 0: the normal floor is 0, which would call any gap real.
    assert floor_at(0, 0, 30) > 5


def test_aime_gap_of_ten_points_is_noise() -> None:
    verdict = gap_verdict(Score(73.3), Score(63.3), benchmark="AIME 2025", n=30)
    assert verdict.significant is False
    assert verdict.floor is not None and verdict.floor > 20


def test_scores_off_the_item_grid_are_rounded_with_a_note() -> None:
    verdict = gap_verdict(Score(72.6), Score(40.0), n=30)  # 21.78 of 30 items
    assert verdict.p_value == pytest.approx(boschloo_exact_p(22, 30, 12, 30))
    assert any("21.78 of 30 items" in note for note in verdict.notes)


def test_exact_floor_is_the_largest_gap_still_noise() -> None:
    # On the item grid, significance is exactly "the gap exceeds the floor".
    for low in (0, 5, 12, 20):
        floor = gap_verdict(Score(100 * low / 25), Score(100 * low / 25), n=25).floor
        assert floor is not None
        for high in range(low, 26):
            gap = 100 * (high - low) / 25
            significant = boschloo_exact_p(high, 25, low, 25) < 0.05
            assert significant == (gap > floor + 1e-9), (low, high)


def test_wilson_interval() -> None:
    lo, hi = wilson_interval(0.5, 30)
    assert (lo, hi) == (pytest.approx(0.3315, abs=1e-4), pytest.approx(0.6685, abs=1e-4))
    lo0, hi0 = wilson_interval(0.0, 30)
    assert lo0 == 0 and hi0 == pytest.approx(0.1135, abs=1e-4)


# --------------------------------------------------------------------------- min n and own eval


def test_min_n_for_gap_matches_the_verdict() -> None:
    n = min_n_for_gap(72.6, 69.5)
    assert n is not None
    assert gap_verdict(Score(72.6), Score(69.5), n=n).significant is True
    assert gap_verdict(Score(72.6), Score(69.5), n=n - 1).significant is False
    # The closed form z^2 (p1q1 + p2q2) / gap^2 for the normal approximation.
    closed = z_value() ** 2 * (0.726 * 0.274 + 0.695 * 0.305) / 0.031**2
    assert n == math.ceil(closed) or n == math.ceil(closed) + 1


def test_min_n_for_reference_gap() -> None:
    # A 10.8-point gap around 50% needs about HumanEval's 164 items.
    n = min_n_for_gap(55.4, 44.6)
    assert n is not None and 160 <= n <= 170


def test_min_n_for_gap_edge_cases() -> None:
    assert min_n_for_gap(50, 50) is None
    assert min_n_for_gap(100, 0) == min_n_for_gap(0, 100)
    small = min_n_for_gap(40, 20, correlation=0.5)
    assert small is not None and small < (min_n_for_gap(40, 20) or 0)
    assert (min_n_for_gap(60, 50, 0.99) or 0) > (min_n_for_gap(60, 50, 0.95) or 0)


def test_own_evaluation_held_to_the_same_standard() -> None:
    verdict = own_evaluation_verdict(71.5, 64.0, 400)
    assert verdict.significant is True
    assert verdict.describe().startswith("a 7.5-point own-evaluation gap; at n=400 ")
    noise = own_evaluation_verdict(71.5, 68.0, 100)
    assert noise.significant is False
    same = gap_verdict(Score(71.5), Score(68.0), n=100)
    assert noise.floor == same.floor


def test_own_evaluation_non_percentage_has_no_floor() -> None:
    rating = own_evaluation_verdict(1250.0, 1200.0, 400)
    assert rating.method == "none" and rating.significant is None


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "kwargs",
    [
        {"confidence": 1.0},
        {"confidence": 0.0},
        {"confidence": float("nan")},
        {"correlation": 1.5},
        {"n": 0},
        {"chance": 1.0},
    ],
)
def test_invalid_parameters_raise(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        gap_verdict(Score(60), Score(50), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "score",
    [
        Score(float("nan")),
        Score(60, n=0),
        Score(60, stderr=-1.0),
        Score(60, ci95=(65.0, 55.0)),
    ],
)
def test_invalid_scores_raise(score: Score) -> None:
    with pytest.raises(ValueError):
        gap_verdict(score, Score(50), n=100)


def test_out_of_range_proportion_is_clipped_with_a_note() -> None:
    verdict = gap_verdict(Score(104), Score(90), n=164)
    assert verdict.floor is not None and math.isfinite(verdict.floor)
    assert any("outside 0–100" in note for note in verdict.notes)


# --------------------------------------------------------------------------- properties

points = st.floats(min_value=0, max_value=100, allow_nan=False)
counts = st.integers(min_value=1, max_value=200_000)
# A declared correlation as a position inside the range the two scores allow (None: unpaired).
positions = st.one_of(st.none(), st.floats(min_value=0, max_value=1, allow_nan=False))
chances = st.sampled_from([0.0, 0.1, 0.25, 0.2917, 1 / 3, 0.5])
levels = st.sampled_from([0.8, 0.9, 0.95, 0.99, 0.999])


def feasible(a: float, b: float, position: float | None, chance: float = 0.0, norm: bool = False) -> float | None:
    """The correlation at `position` (0 = lowest, 1 = highest) of the range that scores `a`
    and `b` (points) allow; 0 where a score is 0 or 100% (any value is then irrelevant)."""
    if position is None:
        return None

    def raw(x: float) -> float:
        return min(1.0, max(0.0, chance + x / 100 * (1 - chance) if norm else x / 100))

    bounds = correlation_bounds(raw(a), raw(b))
    if bounds is None:
        return 0.0
    low, high = bounds
    return low + (high - low) * position


def _verdict(
    a: float,
    b: float,
    n_a: int,
    n_b: int,
    position: float | None,
    chance: float,
    norm: bool,
    confidence: float = 0.95,
) -> GapVerdict:
    return gap_verdict(
        Score(a, n=n_a, normalized=norm),
        Score(b, n=n_b, normalized=norm),
        chance=chance,
        correlation=feasible(a, b, position, chance, norm),
        confidence=confidence,
    )


@settings(max_examples=400, deadline=None)
@given(points, points, counts, counts, positions, chances, st.booleans(), levels)
def test_floor_is_symmetric_in_a_and_b(
    a: float,
    b: float,
    n_a: int,
    n_b: int,
    position: float | None,
    chance: float,
    norm: bool,
    confidence: float,
) -> None:
    ab = _verdict(a, b, n_a, n_b, position, chance, norm, confidence)
    ba = _verdict(b, a, n_b, n_a, position, chance, norm, confidence)
    assert ab.floor is not None and ba.floor is not None
    assert ab.floor == pytest.approx(ba.floor, rel=1e-9, abs=1e-12)
    assert ab.gap == -ba.gap
    assert ab.significant == ba.significant
    assert ab.method == ba.method


@settings(max_examples=400, deadline=None)
@given(points, points, counts, counts, positions, chances, st.booleans(), levels)
def test_floor_is_never_negative_or_nan(
    a: float,
    b: float,
    n_a: int,
    n_b: int,
    position: float | None,
    chance: float,
    norm: bool,
    confidence: float,
) -> None:
    verdict = _verdict(a, b, n_a, n_b, position, chance, norm, confidence)
    assert verdict.floor is not None
    assert math.isfinite(verdict.floor) and verdict.floor >= 0
    assert verdict.significant is not None
    assert verdict.p_value is not None and 0 <= verdict.p_value <= 1
    assert verdict.significant == (verdict.p_value < 1 - confidence) or verdict.method == "normal"
    assert verdict.describe()


@settings(max_examples=300, deadline=None)
@given(
    points,
    points,
    st.integers(min_value=1, max_value=50_000),
    st.integers(min_value=1, max_value=50_000),
    positions,
    chances,
    st.booleans(),
)
def test_normal_floor_is_monotone_decreasing_in_n(
    a: float, b: float, n1: int, n2: int, position: float | None, chance: float, norm: bool
) -> None:
    # Where the normal approximation decides at both sizes; on the exact tests' item grid the
    # floor steps with the rounding of the scores to whole items.
    small, large = sorted((n1, n2))
    at_small = _verdict(a, b, small, small, position, chance, norm)
    at_large = _verdict(a, b, large, large, position, chance, norm)
    assume(at_small.method == at_large.method == "normal")
    assert at_small.floor is not None and at_large.floor is not None
    assert at_large.floor <= at_small.floor + 1e-9


@settings(max_examples=200, deadline=None)
@given(points, st.integers(min_value=1, max_value=60), st.integers(min_value=1, max_value=60), levels)
def test_exact_verdict_is_the_gap_against_the_floor_on_the_item_grid(
    a: float, k: int, n: int, confidence: float
) -> None:
    x_a, x_b = round(a / 100 * n), min(k, n)
    verdict = gap_verdict(Score(100 * x_a / n), Score(100 * x_b / n), n=n, confidence=confidence)
    assert verdict.method == "boschloo" and verdict.floor is not None
    assert verdict.significant == (abs(verdict.gap) > verdict.floor + 1e-9)


@settings(max_examples=200, deadline=None)
@given(
    points,
    points,
    st.floats(min_value=0, max_value=50, allow_nan=False),
    st.floats(min_value=0, max_value=50, allow_nan=False),
    positions,
)
def test_stderr_floor_is_symmetric_and_finite(
    a: float, b: float, se_a: float, se_b: float, position: float | None
) -> None:
    rho = feasible(a, b, position)
    ab = gap_verdict(Score(a, stderr=se_a), Score(b, stderr=se_b), correlation=rho)
    ba = gap_verdict(Score(b, stderr=se_b), Score(a, stderr=se_a), correlation=rho)
    assert ab.floor is not None and ba.floor is not None
    assert ab.floor == pytest.approx(ba.floor) and ab.floor >= 0 and math.isfinite(ab.floor)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=800, max_value=1600, allow_nan=False),
    st.floats(min_value=800, max_value=1600, allow_nan=False),
    st.floats(min_value=0.1, max_value=30, allow_nan=False),
    st.floats(min_value=0.1, max_value=30, allow_nan=False),
    levels,
)
def test_an_interval_and_its_standard_error_give_one_verdict(
    a: float, b: float, half_a: float, half_b: float, confidence: float
) -> None:
    by_interval = gap_verdict(
        Score(a, ci95=(a - half_a, a + half_a)), Score(b, ci95=(b - half_b, b + half_b)),
        scale="rating", confidence=confidence,
    )  # fmt: skip
    by_stderr = gap_verdict(
        Score(a, stderr=half_a / z_value()), Score(b, stderr=half_b / z_value()),
        scale="rating", confidence=confidence,
    )  # fmt: skip
    assert by_interval.floor == pytest.approx(by_stderr.floor, rel=1e-12)
    assert by_interval.p_value == pytest.approx(by_stderr.p_value, rel=1e-9, abs=1e-300)
    if not math.isclose(abs(a - b), by_stderr.floor or 0.0, rel_tol=1e-9):
        assert by_interval.significant == by_stderr.significant


@settings(max_examples=60, deadline=None)
@given(points, points, positions)
def test_min_n_is_the_threshold(a: float, b: float, position: float | None) -> None:
    rho = feasible(a, b, position)
    n = min_n_for_gap(a, b, correlation=rho)
    if a == b:
        assert n is None
        return
    if n is None:  # only for absurdly tiny gaps
        assert abs(a - b) < 1e-9
        return
    assert gap_verdict(Score(a), Score(b), n=n, correlation=rho).significant is True
    if n > 1:
        assert gap_verdict(Score(a), Score(b), n=n - 1, correlation=rho).significant is False


@settings(max_examples=200, deadline=None)
@given(points, points, st.integers(min_value=1, max_value=20_000), st.floats(min_value=0.5, max_value=20), levels)
def test_equivalence_and_difference_never_both_hold_beyond_the_margin(
    a: float, b: float, n: int, margin: float, confidence: float
) -> None:
    equivalence = equivalence_verdict(Score(a), Score(b), margin, n=n, confidence=confidence)
    assert equivalence.interval is not None and equivalence.equivalent is not None
    lo, hi = equivalence.interval
    assert lo <= a - b <= hi
    if equivalence.equivalent:
        assert abs(a - b) < margin
        assert -margin < lo and hi < margin
