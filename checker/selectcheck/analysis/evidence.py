"""The evidence behind a decision: cited scores resolved through the benchmark catalog, the
task's benchmarks, and the noise verdict of every claim the decision makes.

Shared by SC006, SC201–SC211, SC401 and SC410. Everything is computed from the
`RecordContext` and memoised on it, so SC206, SC207 and SC208 judge the same claims with
the same numbers.

Definitions the rules rely on:

* A score key resolves to a catalog entry through its id or any alias (case-insensitive;
  spaces, `_` and `-` alike). Its *benchmark id* is the entry's id, or the normalised key
  when the catalog does not know it.
* The *task benchmarks* are the benchmarks the policy lists for `task.category`, resolved the
  same way, in the policy's order. Catalog categories are descriptive only: the policy
  decides what counts as evidence for a task.
* A *claim* is one `over` entry of a `benchmark` or `own-evaluation` reason: "the chosen
  model beats X on B". It is `significant` when the chosen model leads by more than the
  noise floor (DESIGN §6), `noise` when it leads by less (or no floor can be computed),
  `invalid` when its `paired_correlation` is impossible for the two scores,
  `contradicted` when X scores higher or equal, and `missing` when a score it needs is not
  in the record.
* A score's item count and standard error are the ones `analysis.sources` resolves: the
  cited results file's (the run's own n and stderr), else the record's, else the catalog's n.
  Messages name the file a number came from. An own-evaluation claim whose two models both
  have per-item files over the same items is judged by the paired test of `compute.paired`.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from selectcheck.analysis.context import RecordContext, candidate_index, chosen_index
from selectcheck.compute import noise
from selectcheck.compute.aliases import AliasIndex, normalize_id

if TYPE_CHECKING:
    from selectcheck.analysis.sources import FileEvidence
    from selectcheck.catalog.benchmarks import BenchmarkEntry
    from selectcheck.compute.paired import PairedVerdict
    from selectcheck.model.policy import TaskPolicy
    from selectcheck.model.record import Reason, Score

__all__ = [
    "OWN_EVALUATION_LABEL",
    "CitedScore",
    "Claim",
    "Outcome",
    "TaskMinimum",
    "benchmark_entry",
    "benchmark_id",
    "benchmark_name",
    "cited_scores",
    "claims",
    "compare",
    "compare_own_evaluation",
    "describe_over",
    "equivalence",
    "equivalence_margin",
    "equivalence_own_evaluation",
    "fmt",
    "fmt_points",
    "human_preference_benchmarks",
    "needed_n",
    "pointer_token",
    "raw_value",
    "score_on",
    "suggest_benchmark",
    "task_benchmarks",
    "task_minimums",
    "task_policy",
]

OWN_EVALUATION_LABEL = "own-evaluation"

Outcome = Literal["significant", "noise", "invalid", "contradicted", "missing", "incomparable"]

COUNT_METHODS: tuple[noise.Method, ...] = ("normal", "boschloo", "fisher", "mcnemar")
"""Verdicts that come from item counts, so more items would change them (`needed_n`)."""


# --------------------------------------------------------------------------- formatting


def pointer_token(token: str) -> str:
    """Escape one JSON-pointer token (RFC 6901): score keys may contain `/` (`cais/mmlu`)."""
    return token.replace("~", "~0").replace("/", "~1")


def fmt(value: float) -> str:
    """A number as a person would write it: 88.4, 50, 1,234.5 (no float noise)."""
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    text = f"{value:,.4f}".rstrip("0").rstrip(".")
    return text


def fmt_points(value: float) -> str:
    """A gap or a distance in points, one decimal: 6.1, 12."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


# --------------------------------------------------------------------------- benchmarks


def benchmark_entry(ctx: RecordContext, name: str) -> BenchmarkEntry | None:
    return ctx.catalog.benchmarks.get(name)


def suggest_benchmark(benchmarks: AliasIndex[BenchmarkEntry], name: str) -> str | None:
    """The catalog id a misspelt benchmark name most likely means, for a "did you mean"
    hint: an id or alias contained in the name (`if-eval-strict` → `ifeval`), else the
    closest id or alias with separators ignored."""
    wanted = _compact(name)
    if not wanted:
        return None
    names: list[tuple[str, str]] = []
    for entry in benchmarks:
        for spelling in (entry.id, *entry.aliases):
            compact = _compact(spelling)
            if compact:
                names.append((compact, entry.id))
    contained = [(len(c), entry_id) for c, entry_id in names if len(c) >= 4 and c in wanted]
    if contained:
        return max(contained)[1]
    best = difflib.get_close_matches(wanted, [c for c, _ in names], n=1, cutoff=0.6)
    if not best:
        return None
    return next(entry_id for c, entry_id in names if c == best[0])


def _compact(name: str) -> str:
    return re.sub(r"[^a-z0-9.+]", "", name.lower())


def benchmark_id(ctx: RecordContext, name: str) -> str:
    """The catalog id a benchmark name resolves to, else the name normalised."""
    entry = benchmark_entry(ctx, name)
    return entry.id if entry is not None else normalize_id(name)


def benchmark_name(ctx: RecordContext, name: str) -> str:
    """The display name (`HumanEval+`), else the name as written."""
    entry = benchmark_entry(ctx, name)
    return entry.name if entry is not None else name


@dataclass(frozen=True)
class CitedScore:
    """One `candidates[i].scores[key]` entry, resolved through the catalog."""

    candidate: int
    model: str
    key: str
    score: Score
    entry: BenchmarkEntry | None
    benchmark_id: str
    name: str

    @property
    def pointer(self) -> str:
        return f"/candidates/{self.candidate}/scores/{pointer_token(self.key)}"

    @property
    def value(self) -> float:
        return self.score.value

    @property
    def aggregate(self) -> bool:
        return self.entry is not None and self.entry.aggregate

    @property
    def saturated(self) -> bool:
        return self.entry is not None and self.entry.saturated


def cited_scores(ctx: RecordContext, index: int) -> tuple[CitedScore, ...]:
    """The scores of candidate `index`, in record order."""

    def compute() -> tuple[CitedScore, ...]:
        candidate = ctx.record.candidates[index]
        result = []
        for key, score in candidate.scores.items():
            entry = benchmark_entry(ctx, key)
            result.append(
                CitedScore(
                    candidate=index,
                    model=candidate.model,
                    key=key,
                    score=score,
                    entry=entry,
                    benchmark_id=entry.id if entry is not None else normalize_id(key),
                    name=entry.name if entry is not None else key,
                )
            )
        return tuple(result)

    return ctx.memo(f"evidence:scores:{index}", compute)


def score_on(ctx: RecordContext, index: int, benchmark: str) -> CitedScore | None:
    """Candidate `index`'s score on `benchmark` (any alias); the first one if it repeats."""
    wanted = benchmark_id(ctx, benchmark)
    for cited in cited_scores(ctx, index):
        if cited.benchmark_id == wanted:
            return cited
    return None


def raw_value(cited: CitedScore) -> float:
    """The score on the benchmark's raw scale: a leaderboard-normalised score is turned back
    with raw = chance + norm × (1 − chance)."""
    entry = cited.entry
    if not cited.score.normalized or entry is None or entry.scale != "proportion":
        return cited.value
    return 100.0 * entry.chance + cited.value * (1.0 - entry.chance)


# --------------------------------------------------------------------------- candidates


# --------------------------------------------------------------------------- the task


def task_policy(ctx: RecordContext) -> TaskPolicy | None:
    """The policy entry of `task.category`; None when the category is unknown (SC007)."""
    return ctx.policy.tasks.get(ctx.record.task.category)


def task_benchmarks(ctx: RecordContext) -> tuple[str, ...] | None:
    """Benchmark ids that count as evidence for the task, in policy order, without repeats;
    None when the category is unknown."""
    task = task_policy(ctx)
    if task is None:
        return None
    ids: list[str] = []
    for name in task.benchmarks:
        resolved = benchmark_id(ctx, name)
        if resolved not in ids:
            ids.append(resolved)
    return tuple(ids)


@dataclass(frozen=True)
class TaskMinimum:
    """A policy minimum for the task's benchmark that the chosen model must reach."""

    benchmark: str
    """As the policy writes it."""
    benchmark_id: str
    name: str
    minimum: float


def task_minimums(ctx: RecordContext) -> tuple[TaskMinimum, ...]:
    task = task_policy(ctx)
    if task is None:
        return ()
    return tuple(
        TaskMinimum(name, benchmark_id(ctx, name), benchmark_name(ctx, name), minimum)
        for name, minimum in task.minimums.items()
    )


def human_preference_benchmarks(ctx: RecordContext) -> tuple[str, ...]:
    ids: list[str] = []
    for name in ctx.policy.human_preference:
        resolved = benchmark_id(ctx, name)
        if resolved not in ids:
            ids.append(resolved)
    return tuple(ids)


# --------------------------------------------------------------------------- noise


def _noise_score(ctx: RecordContext, cited: CitedScore) -> noise.Score:
    """The score with the n and standard error resolved once per record (a cited results
    file's own, else the record's)."""
    from selectcheck.analysis.sources import resolve_score

    score = cited.score
    resolved = resolve_score(ctx, cited)
    ci95 = (score.ci95[0], score.ci95[1]) if score.ci95 is not None else None
    return noise.Score(
        value=score.value,
        n=resolved.n,
        stderr=resolved.stderr,
        ci95=ci95,
        normalized=score.normalized,
    )


def compare(
    ctx: RecordContext,
    a: CitedScore,
    b: CitedScore,
    correlation: float | None = None,
) -> tuple[noise.GapVerdict | None, ValueError | None]:
    """The noise verdict of `a − b` (both on the same benchmark) at the policy's confidence,
    or `(None, why)` when the inputs are not usable (a reversed interval, or a
    `noise.CorrelationError` for a correlation the two scores cannot have)."""
    entry = a.entry or b.entry
    try:
        verdict = noise.gap_verdict(
            _noise_score(ctx, a),
            _noise_score(ctx, b),
            benchmark=a.name,
            n=entry.n if entry is not None else None,
            scale=entry.scale if entry is not None else "proportion",
            chance=entry.chance if entry is not None else 0.0,
            correlation=correlation,
            confidence=ctx.policy.confidence,
        )
    except ValueError as error:
        return None, error
    return verdict, None


def compare_own_evaluation(
    ctx: RecordContext,
    model_a: str,
    model_b: str,
    correlation: float | None = None,
) -> tuple[noise.GapVerdict | None, ValueError | None]:
    """The own evaluation's verdict on `model_a − model_b`; `(None, why)` when a result is
    missing or unusable."""
    evaluation = ctx.record.own_evaluation
    if evaluation is None:
        return None, ValueError("the record has no own_evaluation")
    for model in (model_a, model_b):
        if model not in evaluation.results:
            return None, ValueError(f"the own evaluation has no result for {model}")
    try:
        verdict = noise.own_evaluation_verdict(
            evaluation.results[model_a],
            evaluation.results[model_b],
            evaluation.n,
            confidence=ctx.policy.confidence,
            correlation=correlation,
            label=OWN_EVALUATION_LABEL,
        )
    except ValueError as error:
        return None, error
    return verdict, None


def equivalence_margin(ctx: RecordContext, benchmark: str, scale: str) -> float | None:
    """The policy's equivalence margin for `benchmark` (an id, alias, or
    `OWN_EVALUATION_LABEL`): its `equivalence.margins` entry, else `equivalence.margin` for
    proportion benchmarks; None for a rating or judge benchmark without an entry."""
    policy = ctx.policy.equivalence
    wanted = benchmark_id(ctx, benchmark)
    for name, margin in policy.margins.items():
        if benchmark_id(ctx, name) == wanted:
            return margin
    return policy.margin if scale == "proportion" else None


def equivalence(ctx: RecordContext, a: CitedScore, b: CitedScore) -> noise.EquivalenceVerdict | None:
    """TOST of `a − b` against the policy's margin for the benchmark; None when the inputs are
    not usable."""
    entry = a.entry or b.entry
    scale = entry.scale if entry is not None else "proportion"
    try:
        return noise.equivalence_verdict(
            _noise_score(ctx, a),
            _noise_score(ctx, b),
            equivalence_margin(ctx, a.benchmark_id, scale),
            n=entry.n if entry is not None else None,
            scale=scale,
            chance=entry.chance if entry is not None else 0.0,
            confidence=ctx.policy.confidence,
        )
    except ValueError:
        return None


def equivalence_own_evaluation(ctx: RecordContext, model_a: str, model_b: str) -> noise.EquivalenceVerdict | None:
    """TOST of the own evaluation's `model_a − model_b`; None when a result is missing or is
    not a percentage."""
    evaluation = ctx.record.own_evaluation
    if evaluation is None or model_a not in evaluation.results or model_b not in evaluation.results:
        return None
    a, b = evaluation.results[model_a], evaluation.results[model_b]
    if not (0.0 <= a <= 100.0 and 0.0 <= b <= 100.0):
        return None
    try:
        return noise.equivalence_verdict(
            noise.Score(a),
            noise.Score(b),
            equivalence_margin(ctx, OWN_EVALUATION_LABEL, "proportion"),
            n=evaluation.n,
            confidence=ctx.policy.confidence,
        )
    except ValueError:
        return None


def describe_over(verdict: noise.GapVerdict, other: str) -> str:
    """`verdict.describe()` naming whom the gap is over: "a 3.1-point HumanEval gap over X;
    at n=164 the 95% noise floor is 10.1 points"."""
    text = verdict.describe()
    return text.replace(" gap;", f" gap over {other};", 1)


def needed_n(
    verdict: noise.GapVerdict,
    value_a: float,
    value_b: float,
    *,
    chance: float = 0.0,
    normalized: bool = False,
) -> int | None:
    """The item count at which this gap would clear the floor, for verdicts that come from
    item counts (`COUNT_METHODS`); None otherwise."""
    if verdict.method not in COUNT_METHODS:
        return None
    try:
        return noise.min_n_for_gap(
            value_a,
            value_b,
            verdict.confidence,
            correlation=verdict.correlation,
            chance=chance,
            normalized=normalized,
        )
    except ValueError:
        return None


# --------------------------------------------------------------------------- claims


@dataclass(frozen=True)
class Claim:
    """One `over` entry of a `benchmark` or `own-evaluation` reason, judged."""

    reason_index: int
    reason: Reason
    over: str
    outcome: Outcome
    message: str
    help: str
    verdict: noise.GapVerdict | None = None
    paired: PairedVerdict | None = None
    """The paired test, for own-evaluation claims with per-item files for both models."""
    field: str = ""
    """The key of the reason the finding is about (`paired_correlation`); empty for the
    reason itself."""

    @property
    def pointer(self) -> str:
        base = f"/decision/reasons/{self.reason_index}"
        return f"{base}/{self.field}" if self.field else base


class _Maker(Protocol):
    def __call__(
        self,
        outcome: Outcome,
        message: str,
        help: str,
        verdict: noise.GapVerdict | None = None,
        field: str = "",
    ) -> Claim: ...


def claims(ctx: RecordContext) -> tuple[Claim, ...]:
    """Every claim of the decision, judged once per record (SC206, SC207, SC208)."""
    return ctx.memo("evidence:claims", lambda: tuple(_judge_claims(ctx)))


def _judge_claims(ctx: RecordContext) -> list[Claim]:
    chosen = ctx.record.decision.chosen
    chosen_at = chosen_index(ctx)
    result: list[Claim] = []
    for index, reason in enumerate(ctx.record.decision.reasons):
        for other in dict.fromkeys(reason.over):  # a repeated `over` entry is one claim
            if reason.kind == "benchmark":
                if chosen_at is None:
                    continue  # SC409 reports it; there are no scores to compare
                result.append(_benchmark_claim(ctx, index, reason, chosen, chosen_at, other))
            elif reason.kind == "own-evaluation":
                result.append(_own_evaluation_claim(ctx, index, reason, chosen, other))
    return result


def _file_setting(evidence: FileEvidence | None) -> str | None:
    return evidence.setting if evidence is not None else None


def _setting_key(setting: str | None) -> str:
    """Settings that differ only in case, spaces and separators are the same setting."""
    return re.sub(r"[\s_\-,;()]+", "", (setting or "").lower())


def _noise_help(verdict: noise.GapVerdict, needed: int | None, paired: bool) -> str:
    if verdict.method == "none":
        return (
            "Give `ci95` or `stderr` for both scores (or `n` for an accuracy-like score) so the "
            "gap can be judged, or drop the claim."
        )
    if verdict.method == "mcnemar":
        parts = ["A gap that a handful of items produce is a tie whatever the correlation: drop or reword the claim"]
    elif verdict.method == "stderr":
        parts = [
            "A gap inside the noise floor is a tie: drop or reword the claim",
            "or narrow the uncertainty (more items, or more votes for a rating)",
        ]
    else:
        parts = ["A gap inside the noise floor is a tie: drop or reword the claim"]
        if not paired:
            parts.append(
                "give `paired_correlation` if both models were scored on the same items (the paired floor is lower)"
            )
    if needed is not None:
        parts.append(f"or measure on more items (this gap needs n ≥ {needed:,})")
    return ", ".join(parts) + "."


def _impossible_correlation(make: _Maker, gap: float, name: str, other: str, error: noise.CorrelationError) -> Claim:
    return make(
        "invalid",
        f"the claim of a {fmt_points(gap)}-point {name} gap over {other} declares a paired "
        f"correlation of {error.correlation:g}, {error.why}",
        "Give the correlation measured on both models' per-item results (or remove "
        "`paired_correlation` for the unpaired floor); an impossible correlation can make any "
        "gap look meaningful.",
        None,
        "paired_correlation",
    )


def _benchmark_claim(ctx: RecordContext, index: int, reason: Reason, chosen: str, chosen_at: int, other: str) -> Claim:
    def make(
        outcome: Outcome, message: str, help: str, verdict: noise.GapVerdict | None = None, field: str = ""
    ) -> Claim:
        return Claim(index, reason, other, outcome, message, help, verdict, field=field)

    if reason.benchmark is None:
        return make(
            "missing",
            f"a `benchmark` reason names no benchmark, so its claim over {other} cannot be checked",
            "Add `benchmark:` with the id of the benchmark the chosen model wins on.",
        )
    name = benchmark_name(ctx, reason.benchmark)
    claim = f"the reason claims {chosen} beats {other} on {name}"
    other_at = candidate_index(ctx, other)
    if other_at is None:
        return make(
            "missing",
            f"{claim}, but {other} is not among the candidates",
            "List every model a reason compares against in `candidates`, with its scores.",
        )
    a = score_on(ctx, chosen_at, reason.benchmark)
    b = score_on(ctx, other_at, reason.benchmark)
    for model, cited in ((chosen, a), (other, b)):
        if cited is None:
            return make(
                "missing",
                f"{claim}, but {model} has no {name} score",
                f"Cite {model}'s {name} score (with its source), or drop the claim.",
            )
    assert a is not None and b is not None
    from selectcheck.analysis.sources import provenance, resolve_score

    settings = [cited.score.setting or _file_setting(resolve_score(ctx, cited).evidence) for cited in (a, b)]
    if all(settings) and _setting_key(settings[0]) != _setting_key(settings[1]):
        return make(
            "incomparable",
            f"{claim}, but the two {name} scores were measured differently: {settings[0]!r} for {chosen}, "
            f"{settings[1]!r} for {other}",
            "Compare scores measured the same way (the same shots and metric, e.g. both 0-shot pass@1): "
            "cite matching sources, or run both models yourself, or drop the claim.",
        )
    origin = provenance(ctx, a, b)
    verdict, problem = compare(ctx, a, b, reason.paired_correlation)
    gap = verdict.gap if verdict is not None else a.value - b.value
    if gap <= 0:
        return _contradicted(make, claim, other, a.value, b.value, verdict)
    entry = a.entry or b.entry
    if entry is not None and entry.aggregate:
        components = ", ".join(entry.components)
        return make(
            "noise",
            f"decision rests on a {fmt_points(gap)}-point {name} gap over {other}; an average of "
            f"{len(entry.components)} benchmarks ({components}) has no item count, so no noise "
            "floor can be computed",
            "Leaderboards are filters, not verdicts: compare the candidates on the benchmarks "
            "that measure your task, or on your own evaluation.",
            verdict,
        )
    if isinstance(problem, noise.CorrelationError):
        return _impossible_correlation(make, gap, name, other, problem)
    if verdict is None:
        return make(
            "noise",
            f"decision rests on a {fmt_points(gap)}-point {name} gap over {other}, but no noise "
            f"floor can be computed: {problem}",
            "Fix the score's `stderr`/`ci95`/`n` so the gap can be judged.",
        )
    if verdict.significant:
        return make("significant", f"{claim}: {describe_over(verdict, other)}{origin}", "", verdict)
    needed = needed_n(
        verdict,
        a.value,
        b.value,
        chance=entry.chance if entry is not None else 0.0,
        normalized=a.score.normalized and b.score.normalized,
    )
    return make(
        "noise",
        f"decision rests on {describe_over(verdict, other)}{origin}",
        _noise_help(verdict, needed, reason.paired_correlation is not None),
        verdict,
    )


def _own_evaluation_claim(ctx: RecordContext, index: int, reason: Reason, chosen: str, other: str) -> Claim:
    def make(
        outcome: Outcome, message: str, help: str, verdict: noise.GapVerdict | None = None, field: str = ""
    ) -> Claim:
        return Claim(index, reason, other, outcome, message, help, verdict, field=field)

    claim = f"the reason claims {chosen} beats {other} on the own evaluation"
    evaluation = ctx.record.own_evaluation
    if evaluation is None:
        return make(
            "missing",
            f"{claim}, but the record has no own_evaluation",
            "Add `own_evaluation` with dataset, n, metric and a result per candidate.",
        )
    for model in (chosen, other):
        if model not in evaluation.results:
            return make(
                "missing",
                f"{claim}, but the own evaluation has no result for {model}",
                f"Add {model}'s result to `own_evaluation.results`, or drop the claim.",
            )
    a, b = evaluation.results[chosen], evaluation.results[other]
    verdict, problem = compare_own_evaluation(ctx, chosen, other, reason.paired_correlation)
    if a - b <= 0:
        return _contradicted(make, claim, other, a, b, verdict)
    from selectcheck.analysis.sources import paired_own_evaluation

    paired = paired_own_evaluation(ctx, chosen, other)
    if paired is not None:  # per-item files replace any declared correlation
        return _paired_claim(index, reason, claim, chosen, other, a - b, paired, _unpaired_on_items(ctx, paired))
    if isinstance(problem, noise.CorrelationError):
        return _impossible_correlation(make, a - b, "own-evaluation", other, problem)
    if verdict is None:
        return make(
            "noise",
            f"decision rests on a {fmt_points(a - b)}-point own-evaluation gap over {other}, "
            f"but no noise floor can be computed: {problem}",
            "Report the own evaluation's results in percentage points (0–100).",
        )
    if verdict.significant:
        return make("significant", f"{claim}: {describe_over(verdict, other)}", "", verdict)
    if verdict.method == "none":
        help = "Report the own evaluation's results in percentage points (0–100)."
    else:
        help = _noise_help(verdict, needed_n(verdict, a, b), reason.paired_correlation is not None)
    return make("noise", f"decision rests on {describe_over(verdict, other)}", help, verdict)


def _unpaired_on_items(ctx: RecordContext, paired: PairedVerdict) -> noise.GapVerdict | None:
    """The unpaired verdict on the same items, for comparison: what the floor would say if
    the per-item files were not there."""
    if not (0.0 <= paired.mean_a <= 1.0 and 0.0 <= paired.mean_b <= 1.0):
        return None
    try:
        return noise.own_evaluation_verdict(
            100.0 * paired.mean_a,
            100.0 * paired.mean_b,
            paired.n,
            confidence=ctx.policy.confidence,
            label=OWN_EVALUATION_LABEL,
        )
    except ValueError:
        return None


def _paired_claim(
    index: int,
    reason: Reason,
    claim: str,
    chosen: str,
    other: str,
    gap: float,
    paired: PairedVerdict,
    unpaired: noise.GapVerdict | None,
) -> Claim:
    """An own-evaluation claim judged item by item. The message gives the paired test and,
    for comparison, the unpaired floor at the same n."""
    text = f"a {fmt_points(gap)}-point own-evaluation gap over {other}; {paired.describe(chosen, other)}"
    if unpaired is not None and unpaired.floor is not None:
        # The unpaired verdict's own wording after the gap: "at n=400 the 95% noise floor is 6.4 points".
        floor = unpaired.describe().split("; ", 1)[-1]
        relation = "clears" if unpaired.significant else "does not clear"
        text += f" (unpaired, {floor}, which the gap {relation})"
    if paired.significant and paired.difference > 0:
        return Claim(index, reason, other, "significant", f"{claim}: {text}", "", unpaired, paired)
    if paired.difference <= 0:
        text += f"; on the per-item files {other} does at least as well"
    return Claim(
        index,
        reason,
        other,
        "noise",
        f"decision rests on {text}",
        "A gap the paired test cannot tell from chance is a tie: drop or reword the claim, or "
        "evaluate both models on more items.",
        unpaired,
        paired,
    )


def _contradicted(make: _Maker, claim: str, other: str, a: float, b: float, verdict: noise.GapVerdict | None) -> Claim:
    if a == b:
        message = f"{claim}, but both score {fmt(a)}"
    else:
        message = f"{claim}, but {other} scores higher: {fmt(b)} against {fmt(a)}"
        if verdict is not None:
            message += f" ({verdict.describe()})"
    return make(
        "contradicted",
        message,
        "Correct the scores or the claim; a reason must agree with the evidence it cites.",
        verdict,
    )
