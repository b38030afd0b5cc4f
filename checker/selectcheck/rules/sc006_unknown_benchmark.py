"""SC006 unknown-benchmark: a score's benchmark is neither in the catalog nor given `n`."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.analysis.evidence import cited_scores, suggest_benchmark
from selectcheck.analysis.sources import resolve_score
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC006",
    name="unknown-benchmark",
    severity="warning",
    waivable=False,
    summary="a benchmark id is neither in the catalog nor given n, so no noise floor can be computed",
    explanation="""
        Every gap between two scores is judged against the benchmark's noise floor, which
        depends on how many items the benchmark scores (DESIGN §6). The benchmark catalog
        knows the item count of the public benchmarks and resolves their aliases
        case-insensitively (`HumanEval+`, `humaneval_plus` and `humaneval-plus` are one
        benchmark; lm-evaluation-harness task names and Open LLM Leaderboard column names
        work too). A score key that the catalog does not know, and whose score carries no
        `n` (nor a `stderr` or `ci95` to take the noise from), leaves every claim made on it
        unverifiable, and it counts as evidence for no task.

        The finding points at the score key. Fix a typo, use a catalog id, or give `n` (the
        number of scored items) for your own benchmark; an organisation can also add its
        internal eval suites to its benchmark catalog.
    """,
    failing="""
        candidates:
          - model: Qwen/Qwen2.5-7B-Instruct
            license: apache-2.0
            scores:
              if-eval-strict: {value: 71.2, source: "https://arxiv.org/abs/2412.15115"}
    """,
    passing="""
        candidates:
          - model: Qwen/Qwen2.5-7B-Instruct
            license: apache-2.0
            scores:
              ifeval: {value: 71.2, source: "https://arxiv.org/abs/2412.15115"}
              internal-ticket-triage: {value: 64.0, n: 350, source: docs/evals/triage.md}
    """,
)
def unknown_benchmark(ctx: RecordContext) -> Iterator[Finding]:

    for index in range(len(ctx.record.candidates)):
        for cited in cited_scores(ctx, index):
            score = cited.score
            if cited.entry is not None or resolve_score(ctx, cited).n is not None:
                continue  # the catalog, the record or the cited results file gives n
            if score.stderr is not None or score.ci95 is not None:
                continue  # a floor can still be computed from the stated uncertainty
            suggestion = suggest_benchmark(ctx.catalog.benchmarks, cited.key)
            hint = f"Did you mean `{suggestion}`? " if suggestion else ""
            yield Finding(
                cited.pointer,
                f"benchmark {cited.key!r} ({cited.model}) is not in the catalog and its score gives "
                "no n, so no noise floor can be computed and it counts as evidence for no task",
                f"{hint}Use a catalog id or alias, or give `n` (the number of scored items) for your own benchmark.",
                at_key=True,
            )
