"""SC212 score-disagrees-with-source: a number in the record differs from the evaluation output
it cites, or the cited output cannot back it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from selectcheck.analysis.context import RecordContext
from selectcheck.rules.registry import Finding, rule

if TYPE_CHECKING:
    from selectcheck.analysis.evidence import CitedScore

# Rounding slack on top of the printed precisions: binary floats of decimal text.
_EPSILON = 1e-9


@rule(
    code="SC212",
    name="score-disagrees-with-source",
    severity="error",
    summary="a score differs from the evaluation output it cites, or the cited output cannot back it",
    explanation="""
        A score typed by hand can be mistyped, rounded the wrong way, copied from another
        run or another model. When a score's `source` is a file in the repository,
        selectcheck reads it and holds the record to it:

        - an lm-evaluation-harness results file (`…/results_<timestamp>.json`): the task is
          the first of the benchmark catalog's `lm_eval` tasks that the file holds, and the
          metric the catalog names for it (`ifeval` → `prompt_level_strict_acc,none`,
          `gsm8k` → `exact_match,strict-match`, `humaneval` → `pass@1,create_test`); a
          fragment `#task,metric` (or `#task,metric,filter`) picks another. Fractions become
          percentage points; the run's effective `n` and standard error must match `n` and
          `stderr` when the record states them, and they feed the noise floors (SC206,
          SC207, SC210), with `--limit` runs said in the message;
        - a model card `README.md` with `model-index` (the dataset is matched through the
          catalog's aliases, the metric by the catalog's metric name; `#dataset,metric`
          picks one); a card whose values are all at most 1 is read as fractions;
        - `own_evaluation.samples`: each model's per-item file (lm-eval samples or a JSONL of
          `{"id", "correct"}` / `{"id", "score"}` rows) must give the result the record
          states, cover `own_evaluation.n` items, and cover the same items as the chosen
          model's file.

        A value agrees when it differs by no more than its printed precision: `71.2` stands
        for anything from 71.15 to 71.25 (and a card's `80.2` for 80.15 to 80.25). The
        message gives both numbers, the task and the metric.

        A cited file that is missing, unreadable, larger than the limit, not of a known
        format, without the task or metric, or outside the repository (an absolute path,
        `..`, a symbolic link out) is an SC212 error at the `source` too: evidence that
        cannot be read backs nothing. URLs and other text are citations, never fetched.
    """,
    failing="""
        candidates:
          - model: Qwen/Qwen2.5-7B-Instruct
            scores:
              # an absolute path: selectcheck reads nothing outside the repository
              ifeval: {value: 29.2, source: /home/ana/evals/results_2026-11-29T20-33-18.815259.json}
    """,
    passing="""
        candidates:
          - model: Qwen/Qwen2.5-7B-Instruct
            scores:
              # a URL is a citation, never fetched; a committed results_….json would be read,
              # and its 0.29167 agrees with 29.2 at this precision
              ifeval: {value: 71.2, source: "https://arxiv.org/abs/2412.15115"}
    """,
)
def score_disagrees_with_source(ctx: RecordContext) -> Iterator[Finding]:
    from selectcheck.analysis.evidence import cited_scores

    for index in range(len(ctx.record.candidates)):
        for cited in cited_scores(ctx, index):
            yield from _score_findings(ctx, cited)
    yield from _own_evaluation_findings(ctx)


def _score_findings(ctx: RecordContext, cited: CitedScore) -> Iterator[Finding]:
    from selectcheck.analysis.evidence import fmt
    from selectcheck.analysis.sources import half_unit, names_another_model, resolve_score

    resolved = resolve_score(ctx, cited)
    if resolved.problem is not None:
        yield Finding(resolved.problem.pointer, resolved.problem.message, resolved.problem.help)
        return
    evidence = resolved.evidence
    if evidence is None:
        return
    score = cited.score
    who = f"{cited.model}'s {cited.name}"
    written = ctx.doc.scalar_text(f"{cited.pointer}/value")
    slack = half_unit(written) + evidence.tolerance + _EPSILON
    if abs(score.value - evidence.value) > slack:
        yield Finding(
            f"{cited.pointer}/value",
            f"{who} score {written or fmt(score.value)} differs from {evidence.describe()}",
            f"Copy the value from the file ({fmt(round(evidence.value, 2))}), or cite the file this "
            "score really comes from.",
        )
    elif evidence.normalized and not score.normalized:
        chance = cited.entry.chance if cited.entry is not None else 0.0
        yield Finding(
            f"{cited.pointer}/value",
            f"{who} score {written or fmt(score.value)} is the Open LLM Leaderboard's normalised value "
            f"(rescaled from the {chance:.0%} chance level) in {evidence.file_name}, but the score is "
            "not marked `normalized: true`",
            "Add `normalized: true`, so the noise floor and the minimums read it on the right scale.",
        )
    if score.n is not None and evidence.n is not None and score.n != evidence.n:
        yield Finding(
            f"{cited.pointer}/n",
            f"{who} score states n={score.n:,}, but {evidence.file_name} scored {evidence.n:,} items"
            + (f" of {evidence.n_original:,} (a --limit run)" if evidence.limited else ""),
            "Drop `n` (it is read from the file) or correct it.",
        )
    if score.stderr is not None and evidence.stderr is not None:
        written_se = ctx.doc.scalar_text(f"{cited.pointer}/stderr")
        if abs(score.stderr - evidence.stderr) > half_unit(written_se) + _EPSILON:
            yield Finding(
                f"{cited.pointer}/stderr",
                f"{who} score states stderr {written_se or fmt(score.stderr)}, but {evidence.file_name} "
                f"gives {fmt(round(evidence.stderr, 4))} for {evidence.task}, {evidence.metric}",
                "Drop `stderr` (it is read from the file) or state it in points, as the file gives it.",
            )
    if names_another_model(evidence.model, cited.model):
        yield Finding(
            f"{cited.pointer}/source",
            f"{who} score cites {evidence.file_name}, a run of {evidence.model}, not of {cited.model}",
            "Cite the results file of this candidate's own run.",
        )


def _own_evaluation_findings(ctx: RecordContext) -> Iterator[Finding]:
    from selectcheck.analysis.evidence import fmt, pointer_token
    from selectcheck.analysis.sources import half_unit, own_evaluation_items, results_value

    evaluation = ctx.record.own_evaluation
    if evaluation is None or not evaluation.samples:
        return
    own = own_evaluation_items(ctx)
    for problem in own.problems:
        yield Finding(problem.pointer, problem.message, problem.help)
    for model, items in own.scores.items():
        if model not in evaluation.results:
            yield Finding(
                f"/own_evaluation/samples/{pointer_token(model)}",
                f"the own evaluation has a per-item file for {model} but no result for it",
                f"Add {model}'s result to `own_evaluation.results`, or drop its file.",
                at_key=True,
            )
            continue
        pointer = f"/own_evaluation/results/{pointer_token(model)}"
        stated = evaluation.results[model]
        expected = results_value(items)
        written = ctx.doc.scalar_text(pointer)
        if abs(stated - expected) > half_unit(written) + _EPSILON:
            unit = " points" if items.proportion else ""
            yield Finding(
                pointer,
                f"the own evaluation states {written or fmt(stated)} for {model}, but its per-item file "
                f"gives {fmt(round(expected, 2))}{unit} (mean {items.metric} over {items.n:,} items)",
                f"Copy the result from the items ({fmt(round(expected, 2))}), or cite the right file.",
            )
    counts = {items.n for model, items in own.scores.items() if model not in own.mismatched}
    if len(counts) == 1 and own.scores:
        (count,) = counts
        if count != evaluation.n:
            yield Finding(
                "/own_evaluation/n",
                f"the own evaluation states n={evaluation.n:,}, but its per-item files hold {count:,} items",
                f"Set `n: {count}`, the items both models were scored on.",
            )
