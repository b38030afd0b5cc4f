"""SC412 candidate-mismatch: the candidates list a model twice, or the own evaluation names a
model that is not a candidate."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.analysis.evidence import pointer_token
from selectcheck.compute.aliases import normalize_id
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC412",
    name="candidate-mismatch",
    severity="error",
    summary="a model is listed twice among the candidates, or the own evaluation names a model that is not a candidate",
    explanation="""
        Every comparison a record makes is between its candidates. A model listed twice
        (the same id, or ids that differ only in case or separators) carries two sets of
        scores and licenses, and the rules would judge whichever comes first. An
        `own_evaluation.results` (or `samples`) key that is not a candidate, usually a
        misspelt id, means the comparison the team thinks it made is not there: the
        own-evaluation claims and SC207 silently find no result for the real candidate.

        One finding per repeated candidate, at its `model`, and per unknown key, at the
        key, with the closest candidate id.
    """,
    failing="""
        candidates:
          - model: Qwen/Qwen2.5-7B-Instruct
          - model: microsoft/phi-4
        own_evaluation:
          results:
            Qwen/Qwen2.5-7B-Instruct: 74.0
            microsoft/phi4: 58.5          # not a candidate: phi-4
    """,
    passing="""
        candidates:
          - model: Qwen/Qwen2.5-7B-Instruct
          - model: microsoft/phi-4
        own_evaluation:
          results:
            Qwen/Qwen2.5-7B-Instruct: 74.0
            microsoft/phi-4: 58.5
    """,
)
def candidate_mismatch(ctx: RecordContext) -> Iterator[Finding]:
    models = [c.model for c in ctx.record.candidates]
    first: dict[str, int] = {}
    for index, model in enumerate(models):
        earlier = first.setdefault(normalize_id(model), index)
        if earlier != index:
            yield Finding(
                f"/candidates/{index}/model",
                f"{model!r} is listed twice among the candidates (also candidates[{earlier}])",
                "Keep one entry per model and merge their scores into it.",
            )
    evaluation = ctx.record.own_evaluation
    if evaluation is None:
        return
    for field, keys in (("results", evaluation.results), ("samples", evaluation.samples or {})):
        for key in keys:
            if key in models:
                continue
            close = difflib.get_close_matches(key, models, n=1, cutoff=0.6)
            hint = f"Did you mean `{close[0]}`? " if close else ""
            yield Finding(
                f"/own_evaluation/{field}/{pointer_token(key)}",
                f"own_evaluation.{field} names {key!r}, which is not a candidate ({', '.join(models)})",
                f"{hint}Use the candidate's exact model id, or add the model to `candidates`.",
                at_key=True,
            )
