"""Searches over a monotone integer predicate, shared by the noise calculations (the smallest
gap or sample size that is significant) and the shortlist (the longest context that fits)."""

from __future__ import annotations

from collections.abc import Callable


def first_true(predicate: Callable[[int], bool], low: int, high: int) -> int:
    """Bisection: given predicate(low) false and predicate(high) true, an x in (low, high]
    with predicate(x) true and predicate(x − 1) false."""
    while high - low > 1:
        middle = (low + high) // 2
        if predicate(middle):
            high = middle
        else:
            low = middle
    return high
