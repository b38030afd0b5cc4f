"""Per-item scores: an lm-evaluation-harness samples file, or a JSONL of graded items.

Two formats, told apart by the first row:

- lm-eval `samples_<task>_<timestamp>.jsonl` (`--log_samples`): one row per item and filter,
  with `doc_id`, `doc_hash`, `filter`, `metrics` (the names) and each metric's value (a
  number or true/false; IFEval's instruction-level metrics are lists and are not per-item
  scores). An item is known by `doc_id` and `doc_hash` together, so two runs over different
  data never pair up by position alone.
- Your own grades: rows `{"id": …, "correct": 0 | 1 | true | false}` or
  `{"id": …, "score": number}`; other keys are ignored.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Literal

from selectcheck.evidence.files import EvidenceError

__all__ = ["ItemScores", "parse_samples", "samples_task"]

SampleFormat = Literal["lm-eval", "jsonl"]

_SAMPLES_NAME = re.compile(r"^samples_(.+)_\d{4}-\d{2}-\d{2}T[\d.:-]+\.jsonl$")


@dataclass(frozen=True)
class ItemScores:
    """One model's score on each item, in file order."""

    keys: tuple[str, ...]
    values: tuple[float, ...]
    metric: str
    """What was read: an lm-eval metric (`acc`, `exact_match,strict-match`), `correct` or `score`."""
    format: SampleFormat

    @property
    def n(self) -> int:
        return len(self.keys)

    @property
    def mean(self) -> float:
        return math.fsum(self.values) / len(self.values)

    @property
    def proportion(self) -> bool:
        """Every score lies in [0, 1], so the mean is a fraction a record states in points."""
        return all(0.0 <= v <= 1.0 for v in self.values)

    def by_key(self) -> dict[str, float]:
        return dict(zip(self.keys, self.values, strict=True))


def samples_task(file_name: str) -> str | None:
    """The task of an lm-eval samples file name: `samples_ifeval_2026-11-01T10-00-00.1.jsonl` → `ifeval`."""
    match = _SAMPLES_NAME.match(file_name)
    return match.group(1) if match else None


def parse_samples(raw: bytes, *, metric: str | None = None, filter: str | None = None) -> ItemScores:
    """Read per-item scores. `metric` and `filter` choose among an lm-eval file's metrics and
    filters; they may be left out when the file has only one of each."""
    rows = list(_rows(raw))
    if not rows:
        raise EvidenceError("it holds no items", "Cite the per-item file of a finished evaluation.")
    first = rows[0][1]
    if "doc_id" in first:
        return _lm_eval_scores(rows, metric, filter)
    if "id" in first:
        if metric is not None or filter is not None:
            raise EvidenceError(
                "a JSONL of graded items has no metrics or filters to choose from",
                "Drop the `#…` part of the path.",
            )
        return _graded_scores(rows)
    raise EvidenceError(
        "line 1 is neither an lm-eval sample (no `doc_id`) nor a graded item (no `id`)",
        'Cite an lm-eval samples file (`--log_samples`) or a JSONL of {"id": …, "correct": 0|1} rows.',
    )


def _rows(raw: bytes) -> list[tuple[int, dict[str, Any]]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EvidenceError(f"it is not UTF-8 text (byte {exc.start:,})") from None
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            raise EvidenceError(
                f"line {number} is not valid JSON: {reason}", "Write one JSON object per line."
            ) from None
        if not isinstance(row, dict):
            raise EvidenceError(f"line {number} is not a JSON object", "Write one JSON object per line.")
        rows.append((number, row))
    return rows


def _lm_eval_scores(rows: list[tuple[int, dict[str, Any]]], metric: str | None, filter: str | None) -> ItemScores:
    filters = list(dict.fromkeys(str(row.get("filter", "none")) for _, row in rows))
    if filter is None:
        if len(filters) > 1:
            raise EvidenceError(
                f"it holds {len(filters)} filters ({', '.join(filters)}), so the per-item score is ambiguous",
                f"Name the metric and filter after the path: `…jsonl#{metric or 'METRIC'},{filters[0]}`.",
            )
        filter = filters[0]
    elif filter not in filters:
        raise EvidenceError(f"it has no filter {filter!r}; it has {', '.join(filters)}")
    chosen = [(number, row) for number, row in rows if str(row.get("filter", "none")) == filter]
    scalar = _scalar_metrics(chosen[0][1])
    if metric is None:
        if len(scalar) != 1:
            listed = ", ".join(scalar) or "none"
            raise EvidenceError(
                f"it has {len(scalar)} per-item metrics ({listed}), so the per-item score is ambiguous",
                f"Name one after the path: `…jsonl#{scalar[0] if scalar else 'METRIC'}`.",
            )
        metric = scalar[0]
    elif metric not in scalar:
        raise EvidenceError(
            f"it has no per-item metric {metric!r}; it has {', '.join(scalar) or 'none'}",
            "Name one of the file's metrics after the path.",
        )
    keys: list[str] = []
    values: list[float] = []
    seen: dict[str, int] = {}
    for number, row in chosen:
        doc_id = row.get("doc_id")
        if isinstance(doc_id, bool) or not isinstance(doc_id, (int, str)):
            raise EvidenceError(f"line {number} has no usable `doc_id`")
        doc_hash = row.get("doc_hash")
        key = f"{doc_id}:{doc_hash}" if isinstance(doc_hash, str) and doc_hash else str(doc_id)
        if key in seen:
            raise EvidenceError(f"line {number} repeats the item of line {seen[key]} (doc_id {doc_id})")
        seen[key] = number
        value = _number(row.get(metric))
        if value is None:
            raise EvidenceError(f"line {number} has no numeric {metric!r}")
        keys.append(key)
        values.append(value)
    label = metric if len(filters) == 1 and filter == "none" else f"{metric},{filter}"
    return ItemScores(tuple(keys), tuple(values), label, "lm-eval")


def _scalar_metrics(row: dict[str, Any]) -> list[str]:
    names = row.get("metrics")
    candidates = [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
    return [name for name in candidates if _number(row.get(name)) is not None]


def _graded_scores(rows: list[tuple[int, dict[str, Any]]]) -> ItemScores:
    field = "correct" if "correct" in rows[0][1] else "score"
    keys: list[str] = []
    values: list[float] = []
    seen: dict[str, int] = {}
    for number, row in rows:
        item = row.get("id")
        if isinstance(item, bool) or not isinstance(item, (int, str)) or item == "":
            raise EvidenceError(f'line {number} has no usable "id" (a string or an integer)')
        key = str(item)
        if key in seen:
            raise EvidenceError(f"line {number} repeats the id {item!r} of line {seen[key]}")
        seen[key] = number
        if field not in row:
            other = "score" if field == "correct" else "correct"
            hint = f' (it has "{other}"; one file uses one)' if other in row else ""
            raise EvidenceError(f'line {number} has no "{field}"{hint}')
        value = _number(row[field])
        if value is None or (field == "correct" and value not in (0.0, 1.0)):
            wanted = "0, 1, true or false" if field == "correct" else "a finite number"
            raise EvidenceError(f'line {number}: "{field}" must be {wanted}, not {row[field]!r}')
        keys.append(key)
        values.append(value)
    return ItemScores(tuple(keys), tuple(values), field, "jsonl")


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    return None
