"""Hugging Face model cards: the `model-index` results in a README's YAML front matter.

The Hub's format (hub-docs `modelcard.md`):

    model-index:
    - name: MODEL
      results:
      - task: {type: …, name: …}
        dataset: {type: …, name: …, config: …, split: …, args: {num_few_shot: N}}
        metrics:
        - {type: …, value: …, name: …}
        source: {name: …, url: …}

Values are numbers, or strings such as "73.8%" (read as 73.8 points). Cards disagree on the
unit: some write fractions (0.1768), most percentage points (80.17). A card whose values are
all at most 1 is read as writing fractions (`ModelCard.fractions`).

Third-party cards are messy; an entry without a numeric value is skipped, not an error.
The front matter is parsed by selectcheck's own safe, bounded YAML loader.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from selectcheck.evidence.files import EvidenceError
from selectcheck.loader.yaml_loader import load_text

__all__ = ["CardResult", "ModelCard", "parse_model_card"]

_PERCENT = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*%\s*$")
_PLUS_MINUS = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*(?:±|\+/-)\s*\d+(?:\.\d+)?\s*%?\s*$")
_SHOTS = re.compile(r"\s*\(\s*\d+\s*-?\s*shots?\s*\)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class CardResult:
    """One metric value of one `model-index` result."""

    model_name: str | None
    dataset_type: str | None
    dataset_name: str | None
    metric_type: str | None
    metric_name: str | None
    value: float
    written: str
    """The value as the card writes it (`80.17`, `73.8%`): its precision."""
    percent_sign: bool
    num_few_shot: int | None
    source_name: str | None
    source_url: str | None

    @property
    def open_llm_leaderboard_v2(self) -> bool:
        """Published by the second Open LLM Leaderboard, which rescales every score from the
        benchmark's chance level (the first one did not)."""
        return "open-llm-leaderboard/open_llm_leaderboard" in (self.source_url or "").lower()

    @property
    def dataset_names(self) -> tuple[str, ...]:
        """Names to look the benchmark up by: the dataset name without its "(5-shot)"
        suffix first (it says "MATH Lvl 5" where the type says only "competition_math"),
        then the name as written, then the type."""
        names: list[str] = []
        if self.dataset_name:
            names.append(_SHOTS.sub("", self.dataset_name).strip())
            names.append(self.dataset_name)
        if self.dataset_type:
            names.append(self.dataset_type)
        return tuple(dict.fromkeys(n for n in names if n))

    @property
    def metric_label(self) -> str:
        return self.metric_type or self.metric_name or "value"

    @property
    def dataset_label(self) -> str:
        return self.dataset_name or self.dataset_type or "an unnamed dataset"


@dataclass(frozen=True)
class ModelCard:
    """The scores a model card's `model-index` reports."""

    results: tuple[CardResult, ...]
    fractions: bool
    """Every value without a per-cent sign is at most 1: the card writes fractions."""


def parse_model_card(raw: bytes) -> ModelCard:
    """Read the `model-index` of a README; EvidenceError when it has none."""
    front, first_line = _front_matter(raw)
    doc = load_text(front, "front matter")
    fatal = next((f for f in doc.failures if f.fatal), None)
    if fatal is not None:
        raise EvidenceError(
            f"its front matter is not valid YAML: {fatal.message} (line {fatal.span.line + first_line - 1})"
        )
    data = doc.data
    index = data.get("model-index") if isinstance(data, dict) else None
    if not isinstance(index, list):
        raise EvidenceError(
            "its front matter has no `model-index`",
            "Cite a model card that lists its evaluation results under `model-index`, or cite the results page by URL.",
        )
    results: list[CardResult] = []
    for i, model in enumerate(index):
        if not isinstance(model, dict) or not isinstance(model.get("results"), list):
            continue
        name = _text(model.get("name"))
        for j, result in enumerate(model["results"]):
            if not isinstance(result, dict) or not isinstance(result.get("metrics"), list):
                continue
            dataset = _mapping(result.get("dataset"))
            source = _mapping(result.get("source"))
            args = _mapping(dataset.get("args"))
            shots = args.get("num_few_shot")
            for k, metric in enumerate(result["metrics"]):
                if not isinstance(metric, dict):
                    continue
                pointer = f"/model-index/{i}/results/{j}/metrics/{k}/value"
                parsed = _value(metric.get("value"), doc.scalar_text(pointer))
                if parsed is None:
                    continue
                value, written, percent = parsed
                results.append(
                    CardResult(
                        model_name=name,
                        dataset_type=_text(dataset.get("type")),
                        dataset_name=_text(dataset.get("name")),
                        metric_type=_text(metric.get("type")),
                        metric_name=_text(metric.get("name")),
                        value=value,
                        written=written,
                        percent_sign=percent,
                        num_few_shot=shots if isinstance(shots, int) and not isinstance(shots, bool) else None,
                        source_name=_text(source.get("name")),
                        source_url=_text(source.get("url")),
                    )
                )
    if not results:
        raise EvidenceError(
            "its `model-index` lists no numeric results",
            "Cite a card whose `model-index` gives metric values, or cite the results page by URL.",
        )
    plain = [r.value for r in results if not r.percent_sign]
    return ModelCard(tuple(results), fractions=bool(plain) and max(abs(v) for v in plain) <= 1.0)


def _front_matter(raw: bytes) -> tuple[str, int]:
    """The YAML between the opening `---` line and the next `---` (or `...`) line, and the
    file line it starts on."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EvidenceError(f"it is not UTF-8 text (byte {exc.start:,})") from None
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise EvidenceError(
            "it has no YAML front matter (the first line is not `---`)",
            "Cite the model card's README.md as the Hub stores it, metadata block included.",
        )
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip() in ("---", "..."):
            return "\n".join(lines[1:number]) + "\n", 2
    raise EvidenceError("its front matter is not closed by a `---` line")


def _value(value: Any, written: str | None) -> tuple[float, str, bool] | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            return None
        return float(value), written if written is not None else str(value), False
    if isinstance(value, str):
        for pattern, percent in ((_PERCENT, True), (_PLUS_MINUS, "%" in value)):
            match = pattern.match(value)
            if match:
                return float(match.group(1)), match.group(1), bool(percent)
    return None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        text = str(value).strip()
        return text or None
    return None
