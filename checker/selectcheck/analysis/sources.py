"""Where each number comes from: scores read from the evaluation outputs they cite, and own
evaluations from their per-item files.

Resolved once per record and memoised on the `RecordContext`, so every rule sees the same
numbers: SC212 compares the record with the files; SC006, SC206, SC207 and SC210 take a
score's item count and standard error from here (the run's own, when it cites a results
file) instead of knowing about files; the own-evaluation claims take their paired test from
here.

Precedence for a score's `n` and `stderr`: the cited results file (what the run really
scored), then the record's own `n`/`stderr`, then (for `n`) the catalog. When the record
and the file disagree, SC212 says so and the file's numbers are used.

Units: lm-eval writes fractions; a proportion benchmark's score is in points, so file values
and standard errors are multiplied by 100 (and, for a score marked `normalized`, rescaled
from the chance level as the leaderboard does). A model card is read in its own unit, or as
fractions when every value on it is at most 1.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Literal

from selectcheck.analysis.evidence import CitedScore, fmt, pointer_token
from selectcheck.compute.aliases import normalize_id
from selectcheck.compute.paired import PairedVerdict, compare_paired
from selectcheck.evidence.files import (
    MAX_MODEL_CARD_BYTES,
    MAX_RESULTS_BYTES,
    MAX_SAMPLES_BYTES,
    EvidenceError,
    classify_source,
    read_in_repository,
    split_fragment,
)

# The parsers of evidence files are imported where a record cites such a file: most records
# cite none, and a one-record pre-commit run should not pay for them.
if TYPE_CHECKING:
    from selectcheck.analysis.context import RecordContext
    from selectcheck.catalog.benchmarks import BenchmarkEntry
    from selectcheck.compute.aliases import AliasIndex
    from selectcheck.evidence.lm_eval import LmEvalResults, MetricResult, TaskResult
    from selectcheck.evidence.model_card import CardResult, ModelCard
    from selectcheck.evidence.samples import ItemScores

__all__ = [
    "FileEvidence",
    "OwnItems",
    "Problem",
    "ResolvedScore",
    "ScoreSubject",
    "evidence_from_card",
    "evidence_from_results",
    "half_unit",
    "names_another_model",
    "own_evaluation_items",
    "paired_own_evaluation",
    "provenance",
    "read_items",
    "resolve_score",
    "results_value",
]


@dataclass(frozen=True)
class Problem:
    """A cited file that cannot back the number that cites it (reported by SC212)."""

    pointer: str
    message: str
    help: str


@dataclass(frozen=True)
class FileEvidence:
    """What one cited evaluation output says about one score, in the record's unit."""

    kind: Literal["lm-eval", "model-card"]
    path: str
    """Repository-relative, as cited (without the fragment)."""
    task: str
    """The lm-eval task, or the model card's dataset."""
    metric: str
    """`prompt_level_strict_acc,none`, or the card's metric type."""
    value: float
    raw: float
    """The value as the file writes it."""
    tolerance: float
    """Half a unit of the file's own printed precision, in the record's unit (0 for lm-eval's
    full-precision floats)."""
    stderr: float | None = None
    n: int | None = None
    n_original: int | None = None
    n_shot: int | None = None
    version: str | None = None
    date: datetime.date | None = None
    model: str | None = None
    normalized: bool = False
    """The value is leaderboard-normalised: the second Open LLM Leaderboard rescales every
    benchmark that has a chance level, (raw − chance)/(1 − chance)."""

    @property
    def file_name(self) -> str:
        return PurePosixPath(self.path).name

    @property
    def limited(self) -> bool:
        """An lm-eval `--limit` run: fewer items scored than the task has."""
        return self.n is not None and self.n_original is not None and self.n < self.n_original

    @property
    def setting(self) -> str | None:
        """`0-shot, ifeval v4.0`: what a record's `setting` should say about this run."""
        parts = []
        if self.n_shot is not None:
            parts.append(f"{self.n_shot}-shot")
        if self.kind == "lm-eval":
            parts.append(f"{self.task} v{self.version}" if self.version else self.task)
        return ", ".join(parts) or None

    def describe(self) -> str:
        """`29.17 (ifeval, prompt_level_strict_acc,none = 0.29167) in results_….json`."""
        shown = fmt(round(self.value, 4))
        raw = f" = {fmt(round(self.raw, 6))}" if self.raw != self.value else ""
        return f"{shown} ({self.task}, {self.metric}{raw}) in {self.file_name}"


@dataclass(frozen=True)
class ResolvedScore:
    """A cited score with the n and standard error the noise floor uses, and their origin."""

    cited: CitedScore
    evidence: FileEvidence | None
    problem: Problem | None
    n: int | None
    """File (effective n), else the record's `n`; the catalog's n is the caller's fallback."""
    stderr: float | None

    @property
    def n_from_file(self) -> bool:
        return self.evidence is not None and self.evidence.n is not None

    @property
    def stderr_from_file(self) -> bool:
        return self.evidence is not None and self.evidence.stderr is not None


def resolve_score(ctx: RecordContext, cited: CitedScore) -> ResolvedScore:
    """The score as its cited file states it (memoised per score)."""
    return ctx.memo(f"sources:{cited.pointer}", lambda: _resolve(ctx, cited))


def provenance(ctx: RecordContext, *scores: CitedScore) -> str:
    """Where the n and standard errors of these scores come from, for a message:
    " (Qwen/X: n=40 of 120, a --limit run, and stderr 7.2 from results_….json)"; "" when
    every number is the record's or the catalog's."""
    parts: list[str] = []
    for cited in scores:
        resolved = resolve_score(ctx, cited)
        evidence = resolved.evidence
        if evidence is None or not (resolved.n_from_file or resolved.stderr_from_file):
            continue
        numbers: list[str] = []
        if resolved.n_from_file and evidence.n is not None:
            text = f"n={evidence.n:,}"
            if evidence.limited and evidence.n_original is not None:
                text += f" of {evidence.n_original:,}, a --limit run,"
            numbers.append(text)
        if resolved.stderr_from_file and evidence.stderr is not None:
            numbers.append(f"stderr {fmt(round(evidence.stderr, 2))}")
        parts.append(f"{cited.model}: {' and '.join(numbers)} from {evidence.file_name}")
    return f" ({'; '.join(parts)})" if parts else ""


def names_another_model(named: str | None, model: str) -> bool:
    """A run names a Hub model id (`org/name`) other than `model`. Local paths and names
    without an organisation (`dummy`, a checkpoint folder) say nothing either way."""
    if named is None or named.startswith((".", "/", "~")) or named.count("/") != 1:
        return False
    return named.strip().lower() != model.strip().lower()


def half_unit(written: str | None) -> float:
    """Half a unit in the last written digit: `71.2` → 0.05, `71` → 0.5, `71.20` → 0.005.
    0 when the text is not a plain number (then only an exact match agrees)."""
    if written is None:
        return 0.0
    try:
        exponent = Decimal(written.strip().replace("_", "")).as_tuple().exponent
    except InvalidOperation:
        return 0.0
    if not isinstance(exponent, int):
        return 0.0
    return 0.5 * 10.0**exponent


# --------------------------------------------------------------------------- scores


def _resolve(ctx: RecordContext, cited: CitedScore) -> ResolvedScore:
    score = cited.score
    plain = ResolvedScore(cited, None, None, score.n, score.stderr)
    source = score.source
    if source is None or classify_source(source) in ("url", "text"):
        return plain
    kind = classify_source(source)
    path, fragment = split_fragment(source)
    pointer = f"{cited.pointer}/source"
    limit = MAX_RESULTS_BYTES if kind == "lm-eval" else MAX_MODEL_CARD_BYTES
    subject = ScoreSubject(cited.key, cited.name, cited.entry, score.normalized)
    from selectcheck.evidence.lm_eval import parse_results
    from selectcheck.evidence.model_card import parse_model_card

    try:
        raw = read_in_repository(ctx.root, path, max_bytes=limit)
        if kind == "lm-eval":
            evidence = evidence_from_results(ctx.catalog.benchmarks, subject, path, fragment, parse_results(raw))
        else:
            evidence = evidence_from_card(ctx.catalog.benchmarks, subject, path, fragment, parse_model_card(raw))
    except EvidenceError as error:
        what = "lm-evaluation-harness results file" if kind == "lm-eval" else "model card"
        help = error.help or f"Cite a committed {what}, or a URL."
        problem = Problem(pointer, f"{cited.model}'s {cited.name} score cites {path}, but {error.message}", help)
        return ResolvedScore(cited, None, problem, score.n, score.stderr)
    return ResolvedScore(
        cited,
        evidence,
        None,
        evidence.n if evidence.n is not None else score.n,
        evidence.stderr if evidence.stderr is not None else score.stderr,
    )


@dataclass(frozen=True)
class ScoreSubject:
    """What a file is searched for: a score key, its catalog entry and whether the record
    states it leaderboard-normalised."""

    key: str
    name: str
    entry: BenchmarkEntry | None
    normalized: bool = False


def evidence_from_results(
    benchmarks: AliasIndex[BenchmarkEntry],
    subject: ScoreSubject,
    path: str,
    fragment: str | None,
    results: LmEvalResults,
) -> FileEvidence:
    """What an lm-eval results file says about one score (EvidenceError when it has no
    task or metric for it)."""
    entry = subject.entry
    task, wanted_metric = _pick_task(benchmarks, subject, fragment, results)
    metric = _pick_metric(task, wanted_metric, entry)
    factor, offset = _points(subject, metric.value)
    return FileEvidence(
        kind="lm-eval",
        path=path,
        task=task.name,
        metric=metric.key,
        value=(metric.value * 100.0 - offset) * factor if factor else metric.value,
        raw=metric.value,
        tolerance=0.0,
        stderr=None if metric.stderr is None else (metric.stderr * 100.0 * factor if factor else metric.stderr),
        n=task.n_effective,
        n_original=task.n_original,
        n_shot=task.n_shot,
        version=task.version,
        date=results.date,
        model=results.model,
    )


def _points(subject: ScoreSubject, value: float) -> tuple[float, float]:
    """(factor, offset) turning an lm-eval fraction into the record's points:
    points = (100·v − offset)·factor; factor 0 means "keep the file's value"."""
    entry = subject.entry
    proportion = entry is None or entry.scale == "proportion"
    if not proportion or not 0.0 <= value <= 1.0:
        return 0.0, 0.0
    if subject.normalized and entry is not None and entry.chance:
        return 1.0 / (1.0 - entry.chance), 100.0 * entry.chance
    return 1.0, 0.0


def _pick_task(
    benchmarks: AliasIndex[BenchmarkEntry], subject: ScoreSubject, fragment: str | None, results: LmEvalResults
) -> tuple[TaskResult, str | None]:
    available = ", ".join(results.tasks) or "none"
    if fragment is not None:
        name, _, metric = fragment.partition(",")
        task = results.tasks.get(name.strip())
        if task is None:
            raise EvidenceError(
                f"it has no task {name.strip()!r} (it has {available})",
                "Name one of the file's tasks after `#`: `results_….json#TASK,METRIC`.",
            )
        _same_benchmark(benchmarks, subject, task.name)
        return task, metric.strip() or None
    entry = subject.entry
    if entry is not None:
        order = [normalize_id(m.task) for m in entry.lm_eval]
        matches = [t for name, t in results.tasks.items() if benchmarks.get(name) is entry]
        matches.sort(key=lambda t: order.index(normalize_id(t.name)) if normalize_id(t.name) in order else len(order))
        looked = ", ".join(m.task for m in entry.lm_eval) or entry.id
    else:
        matches = [t for name, t in results.tasks.items() if normalize_id(name) == normalize_id(subject.key)]
        looked = subject.key
    if not matches:
        raise EvidenceError(
            f"it has no task for {subject.name} (looked for {looked}; it has {available})",
            "Cite the results file of the run that scored this benchmark, or name the task after "
            "`#`: `results_….json#TASK,METRIC`.",
        )
    return matches[0], None


def _same_benchmark(benchmarks: AliasIndex[BenchmarkEntry], subject: ScoreSubject, name: str) -> None:
    """A `#task` (or `#dataset`) that the catalog knows as another benchmark cannot back this score."""
    other = benchmarks.get(name)
    if other is not None and subject.entry is not None and other is not subject.entry:
        raise EvidenceError(
            f"its {name} scores {other.name}, not {subject.name}",
            f"Cite the {subject.name} result, or file the score under `{other.id}`.",
        )


def _pick_metric(task: TaskResult, wanted: str | None, entry: BenchmarkEntry | None) -> MetricResult:
    from selectcheck.evidence.lm_eval import split_metric

    keys = ", ".join(m.key for m in task.metrics) or "none"
    if wanted is None and entry is not None:
        mapping = next((m for m in entry.lm_eval if normalize_id(m.task) == normalize_id(task.name)), None)
        if mapping is None and entry.lm_eval:
            mapping = entry.lm_eval[0]
        wanted = mapping.metric if mapping is not None else entry.metric
        default = True
    else:
        default = False
    if wanted is not None:
        name, filter = split_metric(wanted)
        found = task.find(name, filter)
        if len(found) == 1:
            return found[0]
        if not found and not default:
            raise EvidenceError(
                f"task {task.name} has no metric {wanted!r} (it has {keys})",
                f"Name one of its metrics after the task: `#{task.name},METRIC,FILTER`.",
            )
        if len(found) > 1:
            raise EvidenceError(
                f"task {task.name} reports {name} under {len(found)} filters ({keys})",
                f"Name the filter: `#{task.name},{found[0].key}`.",
            )
    if len(task.metrics) == 1:
        return task.metrics[0]
    raise EvidenceError(
        f"task {task.name} reports {len(task.metrics)} metrics ({keys}) and the catalog names none "
        "of them for this benchmark",
        f"Name the metric after the path: `#{task.name},{task.metrics[0].key if task.metrics else 'METRIC'}`.",
    )


def evidence_from_card(
    benchmarks: AliasIndex[BenchmarkEntry],
    subject: ScoreSubject,
    path: str,
    fragment: str | None,
    card: ModelCard,
) -> FileEvidence:
    """What a model card's `model-index` says about one score (EvidenceError when it has
    no result, or several, for it)."""
    result = _pick_card_result(benchmarks, subject, fragment, card)
    entry = subject.entry
    proportion = entry is None or entry.scale == "proportion"
    scale = 100.0 if card.fractions and proportion and not result.percent_sign else 1.0
    return FileEvidence(
        kind="model-card",
        path=path,
        task=result.dataset_label,
        metric=result.metric_label,
        value=result.value * scale,
        raw=result.value,
        tolerance=half_unit(result.written) * scale,
        n_shot=result.num_few_shot,
        normalized=result.open_llm_leaderboard_v2 and entry is not None and entry.chance > 0,
    )


def _pick_card_result(
    benchmarks: AliasIndex[BenchmarkEntry], subject: ScoreSubject, fragment: str | None, card: ModelCard
) -> CardResult:
    entry = subject.entry
    wanted_metric: str | None = None
    if fragment is not None:
        dataset, _, wanted = fragment.partition(",")
        wanted_metric = wanted.strip() or None
        matches = [r for r in card.results if normalize_id(dataset) in {normalize_id(n) for n in r.dataset_names}]
        what = repr(dataset.strip())
        _same_benchmark(benchmarks, subject, dataset.strip())
    elif entry is not None:
        matches = [r for r in card.results if any(benchmarks.get(n) is entry for n in r.dataset_names)]
        what = subject.name
    else:
        matches = [r for r in card.results if normalize_id(subject.key) in {normalize_id(n) for n in r.dataset_names}]
        what = subject.key
    if not matches:
        listed = ", ".join(dict.fromkeys(r.dataset_label for r in card.results))
        raise EvidenceError(
            f"its model-index has no result for {what} (it has {listed})",
            "Cite the card that reports this benchmark, or name the dataset after `#`: `README.md#DATASET,METRIC`.",
        )
    from selectcheck.evidence.lm_eval import split_metric

    names = [wanted_metric] if wanted_metric else ([entry.metric] if entry is not None else [])
    names += [split_metric(m.metric)[0] for m in entry.lm_eval] if entry is not None and not wanted_metric else []
    wanted_ids = {normalize_id(n) for n in names}
    exact = [r for r in matches if {normalize_id(r.metric_type or ""), normalize_id(r.metric_name or "")} & wanted_ids]
    if len(exact) == 1:
        return exact[0]
    if wanted_metric is None and len(matches) == 1:
        return matches[0]
    listed = ", ".join(f"{r.dataset_label}: {r.metric_label}" for r in (exact or matches))
    if wanted_metric is not None and not exact:
        raise EvidenceError(f"its model-index has no metric {wanted_metric!r} for {what} (it has {listed})")
    first = (exact or matches)[0]
    raise EvidenceError(
        f"its model-index has {len(exact or matches)} results for {what} ({listed})",
        f"Name the one the score is: `README.md#{first.dataset_type or first.dataset_label},{first.metric_label}`.",
    )


# --------------------------------------------------------------------------- own evaluation


@dataclass(frozen=True)
class OwnItems:
    """The own evaluation's per-item files, read."""

    scores: dict[str, ItemScores]
    """Model → its per-item scores, for every file that could be read."""
    problems: tuple[Problem, ...]
    reference: str | None
    """The model whose items the others are compared with (the chosen model's, if it has a file)."""
    mismatched: frozenset[str]
    """Models whose file covers other items than the reference's."""


def own_evaluation_items(ctx: RecordContext) -> OwnItems:
    return ctx.memo("sources:own-evaluation", lambda: _own_items(ctx))


def _own_items(ctx: RecordContext) -> OwnItems:
    evaluation = ctx.record.own_evaluation
    if evaluation is None or not evaluation.samples:
        return OwnItems({}, (), None, frozenset())
    scores: dict[str, ItemScores] = {}
    problems: list[Problem] = []
    for model, source in evaluation.samples.items():
        pointer = f"/own_evaluation/samples/{pointer_token(model)}"
        path, fragment = split_fragment(source)
        try:
            raw = read_in_repository(ctx.root, path, max_bytes=MAX_SAMPLES_BYTES)
            scores[model] = read_items(ctx.catalog.benchmarks, path, fragment, raw)
        except EvidenceError as error:
            problems.append(
                Problem(
                    pointer,
                    f"the per-item file of {model}, {path}, cannot be used: {error.message}",
                    error.help or "Cite a committed lm-eval samples file or a JSONL of graded items.",
                )
            )
    chosen = ctx.record.decision.chosen
    reference = chosen if chosen in scores else next(iter(scores), None)
    mismatched: set[str] = set()
    if reference is not None:
        keys = set(scores[reference].keys)
        for model, items in scores.items():
            if model == reference:
                continue
            other = set(items.keys)
            if other == keys:
                continue
            mismatched.add(model)
            only_ref, only_other = len(keys - other), len(other - keys)
            problems.append(
                Problem(
                    f"/own_evaluation/samples/{pointer_token(model)}",
                    f"the per-item files of {reference} and {model} are not the same items: "
                    f"{only_ref:,} only in {reference}'s, {only_other:,} only in {model}'s "
                    f"({len(keys & other):,} shared)",
                    "Score every model on the same items (the same data, split and --limit), so the "
                    "comparison can be paired item by item.",
                )
            )
    return OwnItems(scores, tuple(problems), reference, frozenset(mismatched))


def read_items(benchmarks: AliasIndex[BenchmarkEntry], path: str, fragment: str | None, raw: bytes) -> ItemScores:
    """Per-item scores from a file's bytes. `#metric[,filter]` picks the metric; without it,
    an lm-eval samples file of a catalog benchmark (`samples_ifeval_….jsonl`) is read with
    the catalog's headline metric, and any other file must have only one."""
    from selectcheck.evidence.lm_eval import split_metric
    from selectcheck.evidence.samples import parse_samples, samples_task

    if fragment is not None:
        metric, filter = split_metric(fragment)
        return parse_samples(raw, metric=metric, filter=filter)
    task = samples_task(PurePosixPath(path).name)
    entry = benchmarks.get(task) if task else None
    if entry is not None and entry.lm_eval:
        mapping = next((m for m in entry.lm_eval if normalize_id(m.task) == normalize_id(task or "")), entry.lm_eval[0])
        metric, filter = split_metric(mapping.metric)
        try:
            return parse_samples(raw, metric=metric, filter=filter)
        except EvidenceError:
            pass  # the catalog's headline metric is not in this file: say what the file offers
    return parse_samples(raw)


def results_value(items: ItemScores) -> float:
    """The own-evaluation result the items stand for: the mean in points (0–100) when every
    per-item score is a fraction or a 0/1 grade, else the plain mean."""
    return 100.0 * items.mean if items.proportion else items.mean


def paired_own_evaluation(ctx: RecordContext, model_a: str, model_b: str) -> PairedVerdict | None:
    """The paired test of A against B on the own evaluation's items; None unless both have a
    readable per-item file over the same items."""
    own = own_evaluation_items(ctx)
    a, b = own.scores.get(model_a), own.scores.get(model_b)
    if a is None or b is None or model_a in own.mismatched or model_b in own.mismatched:
        return None
    b_values = b.by_key()
    if set(b_values) != set(a.keys):
        return None

    def compute() -> PairedVerdict | None:
        try:
            return compare_paired(a.values, [b_values[k] for k in a.keys], ctx.policy.confidence)
        except ValueError:
            return None

    return ctx.memo(f"sources:paired:{model_a}\x00{model_b}", compute)
