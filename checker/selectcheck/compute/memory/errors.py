"""Why the estimator refuses a workload."""

from __future__ import annotations


class MemoryWorkloadError(ValueError):
    """A workload setting is not one the estimator understands; ``key`` names the workload
    key it is about (``precision``, ``engine``, ``hardware``…) where one is to blame."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class ImpossibleWorkload(MemoryWorkloadError):
    """The settings describe something that cannot run at all (training under vLLM, QLoRA on
    16-bit weights, a tensor-parallel degree that does not divide the heads): no memory
    estimate exists. ``key`` is the setting that makes it impossible."""
