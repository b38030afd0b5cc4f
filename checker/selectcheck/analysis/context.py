"""What a rule sees: the typed record, where its nodes are, the policy, the catalogs and
the other records of the project. Shared computations (memory estimates, noise floors) are
memoised per record so several rules and the reporters reuse them."""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from selectcheck.catalog import Catalog
from selectcheck.loader import LoadedDocument
from selectcheck.model.policy import Policy
from selectcheck.model.record import Record

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RecordSummary:
    """The few fields cross-record rules need, read from every record of the project."""

    path: str
    id: str | None
    status: str | None
    supersedes: tuple[str, ...]
    superseded_by: str | None


@dataclass(slots=True)
class ProjectIndex:
    """Every record of the run, by id, for the rules that look across records."""

    records: list[RecordSummary] = field(default_factory=list)
    _by_id: dict[str, list[RecordSummary]] | None = None

    def add(self, summary: RecordSummary) -> None:
        self.records.append(summary)
        self._by_id = None

    def by_id(self, record_id: str) -> list[RecordSummary]:
        if self._by_id is None:
            index: dict[str, list[RecordSummary]] = {}
            for summary in self.records:
                if summary.id is not None:
                    index.setdefault(summary.id, []).append(summary)
            self._by_id = index
        return self._by_id.get(record_id, [])


def today() -> datetime.date:
    """`SELECTCHECK_TODAY=YYYY-MM-DD` pins "today" so date rules (waiver expiry, stale
    evidence) give the same answer in every re-run of an old CI job."""
    pinned = os.environ.get("SELECTCHECK_TODAY")
    if pinned:
        try:
            return datetime.date.fromisoformat(pinned)
        except ValueError:
            pass
    return datetime.date.today()


@dataclass(slots=True)
class RunOptions:
    """What a run adds to every record's check: the date, detected GPUs, report needs."""

    today: datetime.date = field(default_factory=today)
    detected_gpus: list[Any] | None = None  # NVML devices with --detect-hardware
    # Keep each workload's memory breakdown for the markdown report's charts; off when no
    # markdown is written, so a 100,000-record run keeps only the diagnostics.
    memory_charts: bool = True
    # Processes that check files at once (`validate --jobs`); runs of fewer than a few hundred
    # files per process stay in one.
    jobs: int = 1


@dataclass(slots=True)
class RecordContext:
    """One record with everything its rules read: model, data, located document, policy, catalogs."""

    record: Record
    data: dict[str, Any]
    doc: LoadedDocument
    path: Path
    display_path: str
    policy: Policy
    catalog: Catalog
    project: ProjectIndex
    root: Path
    options: RunOptions
    _memo: dict[str, Any] = field(default_factory=dict)

    @property
    def today(self) -> datetime.date:
        return self.options.today

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        if key not in self._memo:
            self._memo[key] = compute()
        value: T = self._memo[key]
        return value


def candidate_index(ctx: RecordContext, model: str) -> int | None:
    """The position of `model` among the candidates (the first, if it is listed twice)."""
    return next((i for i, c in enumerate(ctx.record.candidates) if c.model == model), None)


def chosen_index(ctx: RecordContext) -> int | None:
    """The chosen candidate's position; None when it is not a candidate (SC409)."""
    return candidate_index(ctx, ctx.record.decision.chosen)
