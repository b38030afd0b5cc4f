"""SC103 context-exceeds-model: `context_length` exceeds the model's maximum context."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.candidates import max_context
from selectcheck.analysis.context import RecordContext, chosen_index
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC103",
    name="context-exceeds-model",
    severity="error",
    summary="context_length exceeds the model's maximum context",
    explanation="""
        `context_length` is the number of tokens a workload really needs per sequence
        (prompt, retrieved context and output). A model trained for a shorter window either
        refuses longer inputs (vLLM stops at `max_model_len`), silently truncates them, or —
        stretched with RoPE scaling it was not trained with — degrades well before the end.
        The memory estimate would also describe a workload that cannot run.

        The maximum comes from the record's own architecture (`max_position_embeddings` of
        its inline fields or local `config.json`) when it gives one, else from the model
        catalog, which keeps the base and instruct variants apart where they differ
        (Qwen2.5-7B: 131,072 tokens; Qwen2.5-7B-Instruct: 32,768 without YaRN). Every
        workload of the chosen model is checked, fine-tuning included.
    """,
    failing="""
        workloads:
          - name: serving
            mode: inference
            hardware: {gpu: H200}
            precision: bf16
            context_length: 200000
        candidates:
          - model: meta-llama/Llama-3.1-8B-Instruct
            license: llama3.1
        decision:
          chosen: meta-llama/Llama-3.1-8B-Instruct   # 131,072 tokens
    """,
    passing="""
        workloads:
          - name: serving
            mode: inference
            hardware: {gpu: H200}
            precision: bf16
            context_length: 131072
        candidates:
          - model: meta-llama/Llama-3.1-8B-Instruct
            license: llama3.1
        decision:
          chosen: meta-llama/Llama-3.1-8B-Instruct
    """,
)
def context_exceeds_model(ctx: RecordContext) -> Iterator[Finding]:

    index = chosen_index(ctx)
    if index is None:
        return
    limit = max_context(ctx, index)
    if limit is None:
        return
    maximum, source = limit
    model = ctx.record.candidates[index].model
    for workload_index, workload in enumerate(ctx.record.workloads):
        if workload.context_length <= maximum:
            continue
        yield Finding(
            f"/workloads/{workload_index}/context_length",
            f"workload {workload.name!r}: context_length {workload.context_length:,} exceeds the "
            f"{maximum:,}-token maximum context of {model} ({source})",
            f"Lower context_length to at most {maximum:,} (retrieve fewer passages, summarise the history, "
            "or split long documents), or choose a model trained for the longer context.",
        )
