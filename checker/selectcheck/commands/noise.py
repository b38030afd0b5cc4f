"""`selectcheck noise BENCHMARK SCORE_A SCORE_B`: is a score gap larger than the benchmark's
noise? Prints the noise floor, the gap, the verdict with the test that decided it, the item
count at which the gap would be meaningful, and whether the two scores are equivalent within
the policy's margin (DESIGN §6, the same computations SC206 and SC207 use).

`selectcheck noise BENCHMARK --samples FILE_A FILE_B` is the paired form: the two models'
per-item files (lm-eval samples or graded JSONL), matched item by item, compared with
McNemar's exact test (0/1 scores) or a paired t-test, next to the unpaired floor at the
same n (the same test an own-evaluation claim with `samples` gets)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from selectcheck.errors import EXIT_CONFIG

if TYPE_CHECKING:
    from selectcheck.catalog.benchmarks import BenchmarkEntry
    from selectcheck.compute.noise import EquivalenceVerdict, GapVerdict
    from selectcheck.compute.paired import PairedVerdict
    from selectcheck.evidence.samples import ItemScores


def _fail(message: str, help: str | None = None) -> NoReturn:
    click.echo(f"selectcheck: error: {message}", err=True)
    if help:
        click.echo(f"  help: {help}", err=True)
    sys.exit(EXIT_CONFIG)


def _num(value: float) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def _points(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@click.command()
@click.argument("benchmark")
@click.argument("score_a", type=float, required=False)
@click.argument("score_b", type=float, required=False)
@click.option(
    "--n",
    "items",
    type=click.IntRange(min=1),
    metavar="N",
    help="Items scored (default: the catalog's count); required for a benchmark the catalog does not know.",
)
@click.option(
    "--confidence",
    type=click.FloatRange(0.5, 1.0, max_open=True),
    metavar="C",
    help="Confidence level of the floor (default: the policy's, 0.95).",
)
@click.option(
    "--correlation",
    type=click.FloatRange(-1.0, 1.0),
    metavar="RHO",
    help="Paired correlation of the two models' per-item results (same items); default unpaired.",
)
@click.option("--normalized", is_flag=True, help="Both scores are leaderboard-normalised (rescaled from chance).")
@click.option(
    "--margin",
    type=click.FloatRange(min=0.0, min_open=True),
    metavar="M",
    help="Equivalence margin for the TOST, in the scores' unit (default: the policy's, as SC207 uses it).",
)
@click.option("--stderr-a", type=click.FloatRange(min=0.0), metavar="SE", help="Standard error of SCORE_A.")
@click.option("--stderr-b", type=click.FloatRange(min=0.0), metavar="SE", help="Standard error of SCORE_B.")
@click.option("--ci95-a", type=(float, float), metavar="LO HI", help="95% interval of SCORE_A (ratings).")
@click.option("--ci95-b", type=(float, float), metavar="LO HI", help="95% interval of SCORE_B (ratings).")
@click.option(
    "--samples",
    type=(str, str),
    metavar="FILE_A FILE_B",
    help="Paired form: the two models' per-item files (lm-eval samples, or JSONL of id/correct or "
    "id/score rows; `FILE#metric,filter` picks a metric) instead of SCORE_A SCORE_B.",
)
@click.option("--policy", type=click.Path(path_type=Path), help="Policy file (default: discovered config).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def noise(
    benchmark: str,
    score_a: float | None,
    score_b: float | None,
    items: int | None,
    confidence: float | None,
    correlation: float | None,
    normalized: bool,
    margin: float | None,
    stderr_a: float | None,
    stderr_b: float | None,
    ci95_a: tuple[float, float] | None,
    ci95_b: tuple[float, float] | None,
    samples: tuple[str, str] | None,
    policy: Path | None,
    fmt: str,
) -> None:
    """The noise floor of BENCHMARK and whether SCORE_A − SCORE_B clears it.

    Scores are in the benchmark's unit: percentage points (0–100) for accuracy-like
    benchmarks, the rating for Chatbot Arena (give --ci95-a/--ci95-b or --stderr-a/--stderr-b:
    both give the same z-test of the difference).

    \b
    Examples:
      selectcheck noise humaneval 72.6 68.9
      selectcheck noise own-eval --samples evals/a.jsonl evals/b.jsonl
    """
    from selectcheck.analysis.evidence import COUNT_METHODS, suggest_benchmark
    from selectcheck.catalog import catalog_for
    from selectcheck.compute import noise as stats
    from selectcheck.errors import ConfigError
    from selectcheck.policy_loader import load_policy

    try:
        loaded = load_policy(policy)
        catalog = catalog_for({"benchmarks": loaded.catalog_files.get("benchmarks", ())})
    except ConfigError as error:
        _fail(str(error))
    if confidence is None:
        confidence = loaded.policy.confidence

    entry = catalog.benchmarks.get(benchmark)
    if samples is not None:
        if score_a is not None:
            _fail("give SCORE_A SCORE_B or --samples FILE_A FILE_B, not both", "The files give the scores.")
        _paired(benchmark, entry, samples, catalog.benchmarks, confidence, fmt)
        return
    if score_a is None or score_b is None:
        _fail(
            "give the two scores, SCORE_A SCORE_B, or their per-item files with --samples FILE_A FILE_B",
            "`selectcheck noise --help` shows the options.",
        )
    has_uncertainty = any(x is not None for x in (stderr_a, stderr_b, ci95_a, ci95_b))
    if entry is None and items is None and not has_uncertainty:
        suggestion = suggest_benchmark(catalog.benchmarks, benchmark)
        hint = f"Did you mean `{suggestion}`? " if suggestion else ""
        _fail(
            f"unknown benchmark {benchmark!r}: its item count is not in the catalog",
            f"{hint}Pass --n ITEMS for your own benchmark; `selectcheck noise --help` shows the options.",
        )
    if entry is not None and entry.aggregate and items is None and not has_uncertainty:
        _fail(
            f"{entry.name} ({entry.id}) averages {len(entry.components)} benchmarks "
            f"({', '.join(entry.components)}) and has no item count, so no noise floor",
            "Compare the models on the component benchmarks that measure your task.",
        )
    scale = entry.scale if entry is not None else "proportion"
    lo, hi = entry.range if entry is not None else (0.0, 100.0)
    for label, value in (("SCORE_A", score_a), ("SCORE_B", score_b)):
        if not lo <= value <= hi:
            name = entry.name if entry is not None else benchmark
            unit = " (percentage points)" if scale == "proportion" else ""
            _fail(
                f"{label} {_num(value)} lies outside {name}'s range [{_num(lo)}, {_num(hi)}]{unit}",
                "Give scores in the benchmark's own unit, as a record would.",
            )

    score_a_in = stats.Score(score_a, stderr=stderr_a, ci95=ci95_a, normalized=normalized)
    score_b_in = stats.Score(score_b, stderr=stderr_b, ci95=ci95_b, normalized=normalized)
    n = items if items is not None else (entry.n if entry is not None else None)
    chance = entry.chance if entry is not None else 0.0
    try:
        verdict = stats.gap_verdict(
            score_a_in,
            score_b_in,
            benchmark=entry.name if entry is not None else benchmark,
            n=n,
            scale=scale,
            chance=chance,
            correlation=correlation,
            confidence=confidence,
        )
    except stats.CorrelationError as error:
        _fail(
            f"--correlation {correlation:g}: {error}",
            "Give the correlation measured on both models' per-item results, or leave it out for the unpaired floor.",
        )
    except ValueError as error:
        _fail(str(error))
    if verdict.method == "none":
        _fail(
            f"no noise floor can be computed: {verdict.detail}",
            "Give --ci95-a and --ci95-b (or --stderr-a and --stderr-b) for ratings and judge "
            "scores, or --n for an accuracy-like benchmark.",
        )

    min_n: int | None = None
    if verdict.method in COUNT_METHODS:
        try:
            min_n = stats.min_n_for_gap(
                score_a,
                score_b,
                confidence,
                correlation=verdict.correlation,
                chance=chance,
                normalized=normalized,
            )
        except ValueError:
            min_n = None

    if margin is None:
        margin = loaded.policy.equivalence.margin if scale == "proportion" else None
        for name, value in loaded.policy.equivalence.margins.items():
            named = catalog.benchmarks.get(name)
            if (named.id if named is not None else name) == (entry.id if entry is not None else benchmark):
                margin = value
    equivalence = stats.equivalence_verdict(
        score_a_in, score_b_in, margin, n=n, scale=scale, chance=chance, confidence=confidence
    )

    if fmt == "json":
        data = _as_json(benchmark, entry, score_a, score_b, verdict, min_n, equivalence)
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(_as_text(benchmark, entry, score_a, score_b, verdict, min_n, equivalence), nl=False)


def _as_json(
    benchmark: str,
    entry: BenchmarkEntry | None,
    score_a: float,
    score_b: float,
    verdict: GapVerdict,
    min_n: int | None,
    equivalence: EquivalenceVerdict,
) -> dict[str, Any]:
    return {
        "benchmark": entry.id if entry is not None else benchmark,
        "name": entry.name if entry is not None else benchmark,
        "known": entry is not None,
        "n": verdict.n_a if verdict.n_a == verdict.n_b else None,
        "n_a": verdict.n_a,
        "n_b": verdict.n_b,
        "confidence": verdict.confidence,
        "score_a": score_a,
        "score_b": score_b,
        "gap": round(verdict.gap, 6),
        "floor": None if verdict.floor is None else round(verdict.floor, 6),
        "significant": verdict.significant,
        "verdict": "meaningful" if verdict.significant else "noise",
        "method": verdict.method,
        "test": verdict.test,
        "p_value": verdict.p_value,
        "correlation": verdict.correlation,
        "discordant": list(verdict.discordant) if verdict.discordant is not None else None,
        "normalized": verdict.normalized,
        "min_n": min_n,
        "equivalence": {
            "margin": equivalence.margin,
            "equivalent": equivalence.equivalent,
            "method": equivalence.method,
            "interval": list(equivalence.interval) if equivalence.interval is not None else None,
            "p_value": equivalence.p_value,
            "summary": equivalence.describe(),
        },
        "summary": verdict.describe(),
        "detail": verdict.detail,
        "notes": list(verdict.notes),
    }


def _as_text(
    benchmark: str,
    entry: BenchmarkEntry | None,
    score_a: float,
    score_b: float,
    verdict: GapVerdict,
    min_n: int | None,
    equivalence: EquivalenceVerdict,
) -> str:
    from selectcheck.analysis.evidence import COUNT_METHODS
    from selectcheck.compute.noise import format_p_value

    level = f"{verdict.confidence * 100:g}%"
    unit = "normalised points" if verdict.normalized else "points"
    if entry is not None:
        head = f"{entry.name} ({entry.id})"
        metric = f", {entry.metric}"
    else:
        head, metric = f"{benchmark} (not in the catalog)", ""
    if verdict.n_a is not None and verdict.n_a == verdict.n_b:
        head += f", n={verdict.n_a:,}"
    elif verdict.n_a is not None or verdict.n_b is not None:
        head += f", n={verdict.n_a or '?'} and {verdict.n_b or '?'}"
    if verdict.method == "normal":
        how = ("paired" if verdict.correlation is not None else "unpaired") + " normal approximation"
        if verdict.correlation is not None:
            how += f", ρ={verdict.correlation:g}"
    else:
        how = f"{verdict.test}, {format_p_value(verdict.p_value)}"
        if verdict.method == "stderr" and verdict.from_intervals:
            how += "; standard errors from the 95% intervals"
        if verdict.method == "mcnemar" and verdict.discordant is not None:
            only_a, only_b = verdict.discordant
            how += f"; ρ={verdict.correlation:g} implies {only_a} vs {only_b} discordant items"
    floor = "unknown" if verdict.floor is None else f"{_points(verdict.floor)} {unit}"
    if verdict.significant:
        conclusion = f"meaningful: the gap exceeds the noise floor at {level}"
    else:
        conclusion = f"noise: the gap is within the noise floor at {level}, a tie"
    rows = [
        ("benchmark", head + metric),
        ("scores", f"A {_num(score_a)}, B {_num(score_b)}"),
        ("gap", f"{_points(abs(verdict.gap))} {unit}" + (" (B ahead)" if verdict.gap < 0 else "")),
        ("noise floor", f"{floor} ({how})"),
        ("verdict", conclusion),
    ]
    if verdict.method in COUNT_METHODS:
        if min_n is None:
            rows.append(("smallest n", "none: a zero gap is never meaningful"))
        else:
            rows.append(("smallest n", f"{min_n:,} items per model would make this gap meaningful"))
    rows.append(("equivalence", equivalence.describe()))
    lines = [f"{label:<12} {value}" for label, value in rows]
    lines.extend(f"{'note':<12} {note}" for note in verdict.notes)
    lines.append(f"{'':<12} {verdict.describe()}")
    return "\n".join(lines) + "\n"


def _paired(
    benchmark: str,
    entry: BenchmarkEntry | None,
    files: tuple[str, str],
    benchmarks: Any,
    confidence: float,
    fmt: str,
) -> None:
    from selectcheck.analysis.sources import read_items, results_value
    from selectcheck.compute import noise as stats
    from selectcheck.compute.paired import compare_paired
    from selectcheck.evidence.files import MAX_SAMPLES_BYTES, EvidenceError, read_local, split_fragment

    items: list[ItemScores] = []
    for given in files:
        path, fragment = split_fragment(given)
        try:
            raw = read_local(Path(path), max_bytes=MAX_SAMPLES_BYTES)
            items.append(read_items(benchmarks, Path(path).name, fragment, raw))
        except EvidenceError as error:
            _fail(f"cannot use {path}: {error.message}", error.help or None)
    a, b = items
    keys_a, values_b = set(a.keys), b.by_key()
    if keys_a != set(values_b):
        only_a, only_b = len(keys_a - set(values_b)), len(set(values_b) - keys_a)
        _fail(
            f"the two files are not the same items: {only_a:,} only in {files[0]}, {only_b:,} only in "
            f"{files[1]} ({len(keys_a & set(values_b)):,} shared)",
            "Score both models on the same items (the same data, split and --limit).",
        )
    try:
        paired = compare_paired(a.values, [values_b[k] for k in a.keys], confidence)
    except ValueError as error:
        _fail(str(error))
    score_a, score_b = results_value(a), results_value(b)
    unpaired: GapVerdict | None = None
    if a.proportion and b.proportion:
        unpaired = stats.own_evaluation_verdict(
            score_a, score_b, paired.n, confidence=confidence, label=entry.name if entry else benchmark
        )
    name = entry.name if entry is not None else benchmark
    if fmt == "json":
        click.echo(json.dumps(_paired_json(benchmark, entry, a, b, paired, unpaired, score_a, score_b), indent=2))
        return
    points = a.proportion and b.proportion
    unit = " points" if points else ""
    level = f"{confidence * 100:g}%"
    gap = score_a - score_b
    if paired.significant:
        conclusion = f"meaningful: the paired test tells the models apart at {level}"
    else:
        conclusion = f"noise: the paired test cannot tell the models apart at {level}, a tie"
    rows = [
        ("benchmark", f"{name} ({entry.id})" if entry is not None else f"{benchmark} (not in the catalog)"),
        ("items", f"{paired.n:,} scored by both, matched item by item ({a.metric})"),
        ("scores", f"A {_num(score_a)}, B {_num(score_b)}"),
        ("gap", f"{_points(abs(gap))}{unit}" + (" (B ahead)" if gap < 0 else "")),
        ("paired test", paired.describe("A", "B")),
    ]
    if paired.interval is not None:
        lo, hi = paired.interval
        rows.append(("interval", f"{level} interval of A − B: [{_num(lo)}, {_num(hi)}]"))
    if unpaired is not None and unpaired.floor is not None:
        verdict = "meaningful" if unpaired.significant else "noise"
        rows.append(("unpaired", f"{unpaired.describe().split('; ', 1)[-1]} ({verdict} without pairing)"))
    rows.append(("verdict", conclusion))
    click.echo("\n".join(f"{label:<12} {value}" for label, value in rows))


def _paired_json(
    benchmark: str,
    entry: BenchmarkEntry | None,
    a: ItemScores,
    b: ItemScores,
    paired: PairedVerdict,
    unpaired: GapVerdict | None,
    score_a: float,
    score_b: float,
) -> dict[str, Any]:
    return {
        "benchmark": entry.id if entry is not None else benchmark,
        "name": entry.name if entry is not None else benchmark,
        "known": entry is not None,
        "paired": True,
        "n": paired.n,
        "metric_a": a.metric,
        "metric_b": b.metric,
        "confidence": paired.confidence,
        "score_a": round(score_a, 6),
        "score_b": round(score_b, 6),
        "gap": round(score_a - score_b, 6),
        "method": paired.method,
        "p_value": paired.p_value,
        "significant": paired.significant,
        "verdict": "meaningful" if paired.significant else "noise",
        "a_only": paired.a_only if paired.method == "mcnemar-exact" else None,
        "b_only": paired.b_only if paired.method == "mcnemar-exact" else None,
        "statistic": paired.statistic,
        "interval": list(paired.interval) if paired.interval is not None else None,
        "unpaired": None
        if unpaired is None
        else {
            "floor": None if unpaired.floor is None else round(unpaired.floor, 6),
            "significant": unpaired.significant,
            "method": unpaired.method,
        },
        "summary": paired.describe("A", "B"),
    }
