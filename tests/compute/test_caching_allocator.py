"""The caching-allocator model behind tools/calibration/vram_simulate.py (pure Python, no torch)."""

from __future__ import annotations

import pytest
from tools.calibration.caching_allocator import CachingAllocator

MiB = 1 << 20


@pytest.fixture(scope="module")
def allocator_class() -> type:
    return CachingAllocator


def test_small_requests_round_to_512_bytes_in_2_mib_segments(allocator_class: type) -> None:
    heap = allocator_class()
    heap.malloc("a", 1)
    heap.malloc("b", 513)
    assert heap.allocated == 512 + 1024
    assert heap.reserved == 2 * MiB  # both from one small segment


def test_medium_requests_share_a_20_mib_segment(allocator_class: type) -> None:
    heap = allocator_class()
    heap.malloc("a", 5 * MiB)
    heap.malloc("b", 5 * MiB)
    heap.malloc("c", 5 * MiB)
    assert heap.reserved == 20 * MiB
    heap.malloc("d", 6 * MiB)  # 5 MiB left: a new segment
    assert heap.reserved == 40 * MiB


def test_large_requests_round_to_2_mib_and_are_not_split_below_1_mib(allocator_class: type) -> None:
    heap = allocator_class()
    heap.malloc("a", 11 * MiB)
    assert heap.reserved == 12 * MiB
    assert heap.allocated == 12 * MiB  # the 1 MiB rest stays with the block


def test_freed_neighbours_coalesce(allocator_class: type) -> None:
    heap = allocator_class()
    for key in "abcd":
        heap.malloc(key, 4 * MiB)  # one 20 MiB segment: a b c d + 4 MiB free
    heap.release("b")
    heap.release("c")
    heap.malloc("e", 8 * MiB)  # fits only in the merged b+c hole
    assert heap.reserved == 20 * MiB
    assert heap.peak_reserved == 20 * MiB


def test_fragmented_free_space_needs_a_new_segment(allocator_class: type) -> None:
    heap = allocator_class()
    for key in "abcd":
        heap.malloc(key, 4 * MiB)
    heap.release("a")
    heap.release("c")  # 4 + 4 + 4 MiB free, in three separate holes
    heap.malloc("e", 6 * MiB)
    assert heap.reserved == 40 * MiB
    assert heap.allocated == 2 * 4 * MiB + 6 * MiB


def test_best_fit_takes_the_smallest_block_that_holds_the_request(allocator_class: type) -> None:
    heap = allocator_class()
    heap.malloc("big", 30 * MiB)
    heap.malloc("small", 12 * MiB)
    heap.release("big")
    heap.release("small")
    heap.malloc("x", 11 * MiB)  # takes the 12 MiB segment, leaving the 30 MiB one whole
    heap.malloc("y", 30 * MiB)
    assert heap.reserved == 42 * MiB


def test_peaks_track_the_high_water_mark_and_reset(allocator_class: type) -> None:
    heap = allocator_class()
    heap.malloc("a", 30 * MiB)
    heap.release("a")
    heap.reset_peaks()
    assert heap.peak_allocated == 0 and heap.peak_reserved == 30 * MiB
    heap.malloc("b", 10 * MiB + 1)
    assert heap.peak_allocated == 10 * MiB + 512
