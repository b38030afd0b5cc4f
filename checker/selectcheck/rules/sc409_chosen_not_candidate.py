"""SC409 chosen-not-candidate: `decision.chosen` is not among the candidates."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC409",
    name="chosen-not-candidate",
    severity="error",
    summary="decision.chosen is not among the candidates",
    explanation="""
        The chosen model must be one of the candidates, because its scores, license and
        memory fit are what the other rules check. A chosen model that is not listed is
        usually a typo in the repo id or a candidate that was renamed; Hugging Face ids are
        compared exactly, as written in `candidates[].model`.
    """,
    failing="""
        candidates:
          - model: Qwen/Qwen2.5-7B-Instruct
        decision:
          chosen: Qwen/Qwen2.5-7B-instruct
    """,
    passing="""
        candidates:
          - model: Qwen/Qwen2.5-7B-Instruct
        decision:
          chosen: Qwen/Qwen2.5-7B-Instruct
    """,
)
def chosen_not_candidate(ctx: RecordContext) -> Iterator[Finding]:
    chosen = ctx.record.decision.chosen
    models = [c.model for c in ctx.record.candidates]
    if chosen in models:
        return
    close = difflib.get_close_matches(chosen, models, n=1, cutoff=0.6)
    hint = f"Did you mean `{close[0]}`? " if close else ""
    yield Finding(
        "/decision/chosen",
        f"the chosen model {chosen!r} is not among the candidates ({', '.join(models)})",
        f"{hint}Add it to `candidates` with its scores and license, or correct the id.",
    )
