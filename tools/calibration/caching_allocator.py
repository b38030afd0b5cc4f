"""A model of PyTorch's native CUDA caching allocator, reduced to what decides reserved bytes.

Used by ``vram_simulate.py`` to turn a recorded sequence of tensor allocations and frees into
``torch.cuda.max_memory_reserved()``. Default settings of PyTorch 2.x (no
``PYTORCH_CUDA_ALLOC_CONF``): requests are rounded up to 512 bytes; requests up to 1 MiB come
from a small pool of 2 MiB segments, larger ones from a large pool (a 20 MiB segment for
requests under 10 MiB, else the request rounded up to 2 MiB); a request takes the smallest free
block that holds it (then the lowest address); the block is split when the rest is over 1 MiB
(large pool) or at least 512 bytes (small pool); a freed block merges with free neighbours in
its segment; segments are never given back (the runs never call ``empty_cache``).
"""

from __future__ import annotations

import bisect

MiB = 1 << 20
SMALL_SIZE = MiB
SMALL_BUFFER = 2 * MiB
LARGE_BUFFER = 20 * MiB
MIN_LARGE_ALLOC = 10 * MiB
ROUND_LARGE = 2 * MiB


class _Block:
    __slots__ = ("addr", "free", "next", "prev", "size", "small")

    def __init__(self, addr: int, size: int, small: bool) -> None:
        self.addr, self.size, self.small, self.free = addr, size, small, True
        self.prev: _Block | None = None
        self.next: _Block | None = None


class CachingAllocator:
    """PyTorch's native CUDA caching allocator, reduced to what decides reserved bytes."""

    def __init__(self) -> None:
        self._free: dict[bool, list[tuple[int, int]]] = {True: [], False: []}
        self._by_addr: dict[tuple[bool, int], _Block] = {}
        self._live: dict[object, _Block] = {}
        self._next_addr = 0
        self.reserved = self.peak_reserved = self.allocated = self.peak_allocated = 0

    @staticmethod
    def _rounded(nbytes: int) -> int:
        return 512 if nbytes < 512 else 512 * ((nbytes + 511) // 512)

    @staticmethod
    def _segment(size: int) -> int:
        if size <= SMALL_SIZE:
            return SMALL_BUFFER
        if size < MIN_LARGE_ALLOC:
            return LARGE_BUFFER
        return ROUND_LARGE * ((size + ROUND_LARGE - 1) // ROUND_LARGE)

    def _insert_free(self, block: _Block) -> None:
        bisect.insort(self._free[block.small], (block.size, block.addr))
        self._by_addr[(block.small, block.addr)] = block

    def _remove_free(self, block: _Block) -> None:
        pool = self._free[block.small]
        del pool[bisect.bisect_left(pool, (block.size, block.addr))]
        del self._by_addr[(block.small, block.addr)]

    def malloc(self, key: object, nbytes: int) -> None:
        size = self._rounded(nbytes)
        small = size <= SMALL_SIZE
        pool = self._free[small]
        i = bisect.bisect_left(pool, (size, -1))
        if i < len(pool):
            block = self._by_addr[(small, pool[i][1])]
            self._remove_free(block)
        else:
            segment = self._segment(size)
            self.reserved += segment
            self.peak_reserved = max(self.peak_reserved, self.reserved)
            block = _Block(self._next_addr, segment, small)
            self._next_addr += segment + (1 << 40)  # segments are never adjacent
        rest = block.size - size
        if (small and rest >= 512) or (not small and rest > SMALL_SIZE):
            tail = _Block(block.addr + size, rest, small)
            tail.prev, tail.next = block, block.next
            if block.next is not None:
                block.next.prev = tail
            block.next, block.size = tail, size
            self._insert_free(tail)
        block.free = False
        self._live[key] = block
        self.allocated += block.size
        self.peak_allocated = max(self.peak_allocated, self.allocated)

    def release(self, key: object) -> None:
        block = self._live.pop(key)
        self.allocated -= block.size
        block.free = True
        before, after = block.prev, block.next
        if before is not None and before.free:
            self._remove_free(before)
            block = self._merge(before, block)
        if after is not None and after.free:
            self._remove_free(after)
            block = self._merge(block, after)
        self._insert_free(block)

    @staticmethod
    def _merge(left: _Block, right: _Block) -> _Block:
        """Fold ``right`` into its neighbour ``left`` (same segment, both free)."""
        left.size += right.size
        left.next = right.next
        if right.next is not None:
            right.next.prev = left
        return left

    def reset_peaks(self) -> None:
        self.peak_reserved, self.peak_allocated = self.reserved, self.allocated
