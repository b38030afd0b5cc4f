"""lm-evaluation-harness results files (`results_<timestamp>.json`) as plain data.

What the harness writes (0.4.x), and what is kept:

- `results`: per task (and per group), metric keys `"<metric>,<filter>"` with their value,
  and `"<metric>_stderr,<filter>"` with the standard error, a number or "N/A" (IFEval's
  instruction-level accuracy has none);
- `n-samples`: per task, `original` (the split's size) and `effective` (what was scored; less
  under `--limit`); groups have none and add up their subtasks (`group_subtasks`);
- `n-shot`, `versions`: per task;
- `date` (a Unix time), `model_name`, `config.model_args` (`pretrained=…`), `config.limit`,
  `lm_eval_version`.

Values stay in the harness's unit (fractions for accuracies); converting them to a record's
percentage points is the caller's business.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from selectcheck.evidence.files import EvidenceError

__all__ = ["LmEvalResults", "MetricResult", "TaskResult", "parse_results", "split_metric"]

_STDERR_SUFFIX = "_stderr"


@dataclass(frozen=True)
class MetricResult:
    """One metric of one lm-evaluation-harness task, with its filter and standard error."""

    metric: str
    """`prompt_level_strict_acc`, `exact_match`, `pass@1`."""
    filter: str
    """`none`, `strict-match`, `create_test`."""
    value: float
    stderr: float | None
    """None when the harness reports "N/A" or nothing."""

    @property
    def key(self) -> str:
        return f"{self.metric},{self.filter}"


@dataclass(frozen=True)
class TaskResult:
    """One task of an lm-evaluation-harness results file."""

    name: str
    metrics: tuple[MetricResult, ...]
    n_original: int | None
    n_effective: int | None
    n_shot: int | None
    version: str | None
    is_group: bool

    def find(self, metric: str, filter: str | None = None) -> list[MetricResult]:
        """The metrics named `metric` (any filter unless `filter` is given)."""
        return [m for m in self.metrics if m.metric == metric and (filter is None or m.filter == filter)]


@dataclass(frozen=True)
class LmEvalResults:
    """An lm-evaluation-harness results file: its tasks and how the run was made."""

    tasks: dict[str, TaskResult]
    model: str | None
    """The model the run names: `pretrained=` of the model args, else `model_name`."""
    date: datetime.date | None
    lm_eval_version: str | None
    limit: float | None
    subtasks: frozenset[str]
    """Tasks that are members of a group in this file."""

    @property
    def top_level(self) -> list[TaskResult]:
        """Tasks and groups that are not part of a group, in file order."""
        return [task for name, task in self.tasks.items() if name not in self.subtasks]


def split_metric(text: str) -> tuple[str, str | None]:
    """`exact_match,strict-match` → ("exact_match", "strict-match"); `pass@1` → ("pass@1", None)."""
    metric, comma, filter = text.strip().partition(",")
    return metric.strip(), (filter.strip() or None) if comma else None


def parse_results(raw: bytes) -> LmEvalResults:
    """Read an lm-eval results file; EvidenceError when it is not one."""
    data = _json_object(raw)
    results = data.get("results")
    if not isinstance(results, dict) or not any(k in data for k in ("n-samples", "versions", "config", "configs")):
        raise EvidenceError(
            "it is not an lm-evaluation-harness results file (no `results` and `n-samples`)",
            "Cite the `results_<timestamp>.json` file that `lm_eval --output_path` wrote.",
        )
    n_samples = _mapping(data.get("n-samples"))
    n_shot = _mapping(data.get("n-shot"))
    versions = _mapping(data.get("versions"))
    group_subtasks = _group_subtasks(data.get("group_subtasks"))
    subtasks = frozenset(name for members in group_subtasks.values() for name in members)

    tasks: dict[str, TaskResult] = {}
    for name, entry in results.items():
        if not isinstance(name, str) or not isinstance(entry, dict):
            continue
        counts = n_samples.get(name)
        original = _count(counts.get("original")) if isinstance(counts, dict) else None
        effective = _count(counts.get("effective")) if isinstance(counts, dict) else None
        is_group = name in group_subtasks
        if is_group and effective is None:
            original, effective = _group_counts(name, group_subtasks, n_samples)
        tasks[name] = TaskResult(
            name=name,
            metrics=_metrics(entry),
            n_original=original,
            n_effective=effective,
            n_shot=_count(n_shot.get(name)),
            version=_version(versions.get(name)),
            is_group=is_group,
        )
    if not tasks:
        raise EvidenceError("it holds no task results", "Cite the results file of a finished run.")
    config = _mapping(data.get("config"))
    limit = config.get("limit")
    version = data.get("lm_eval_version")
    return LmEvalResults(
        tasks=tasks,
        model=_model(data, config),
        date=_date(data.get("date")),
        lm_eval_version=version if isinstance(version, str) else None,
        limit=_float(limit),
        subtasks=subtasks,
    )


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EvidenceError(f"it is not UTF-8 text (byte {exc.start:,})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EvidenceError(
            f"it is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            "Cite the results file exactly as lm-evaluation-harness wrote it.",
        ) from None
    except RecursionError:
        raise EvidenceError("it nests JSON too deeply to read") from None
    if not isinstance(data, dict):
        raise EvidenceError("it is not an lm-evaluation-harness results file (not a JSON object)")
    return data


def _metrics(entry: dict[str, Any]) -> tuple[MetricResult, ...]:
    found: list[MetricResult] = []
    for key, value in entry.items():
        if not isinstance(key, str) or "," not in key or not _is_number(value):
            continue
        metric, filter = split_metric(key)
        if metric.endswith(_STDERR_SUFFIX) or filter is None:
            continue
        stderr = entry.get(f"{metric}{_STDERR_SUFFIX},{filter}")
        found.append(MetricResult(metric, filter, float(value), _float(stderr)))
    return tuple(found)


def _group_subtasks(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        return {}
    return {
        name: [m for m in members if isinstance(m, str)]
        for name, members in value.items()
        if isinstance(name, str) and isinstance(members, list) and members
    }


def _group_counts(
    name: str, groups: dict[str, list[str]], n_samples: dict[str, Any], seen: frozenset[str] = frozenset()
) -> tuple[int | None, int | None]:
    """A group's item counts: the sum over its leaf tasks (None if any is unknown)."""
    original = effective = 0
    for member in groups.get(name, []):
        if member in seen:
            return None, None  # a cycle: the file is inconsistent
        if member in groups:
            o, e = _group_counts(member, groups, n_samples, seen | {name})
        else:
            counts = n_samples.get(member)
            o = _count(counts.get("original")) if isinstance(counts, dict) else None
            e = _count(counts.get("effective")) if isinstance(counts, dict) else None
        if o is None or e is None:
            return None, None
        original += o
        effective += e
    return (original, effective) if effective else (None, None)


def _model(data: dict[str, Any], config: dict[str, Any]) -> str | None:
    args = config.get("model_args")
    if isinstance(args, dict):
        for key in ("pretrained", "model"):
            if isinstance(args.get(key), str) and args[key]:
                return str(args[key])
    elif isinstance(args, str):
        match = re.search(r"(?:^|,)\s*(?:pretrained|model)=([^,]+)", args)
        if match:
            return match.group(1).strip()
    name = data.get("model_name")
    return name if isinstance(name, str) and name else None


def _date(value: Any) -> datetime.date | None:
    if _is_number(value) and 0 < value < 32503680000:  # before year 3000
        return datetime.datetime.fromtimestamp(float(value), tz=datetime.timezone.utc).date()
    return None


def _version(value: Any) -> str | None:
    if _is_number(value):
        return str(value)
    return value if isinstance(value, str) and value and value != "N/A" else None


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    return None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _float(value: Any) -> float | None:
    return float(value) if _is_number(value) else None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
