"""SC101 vram-exceeded: a workload's estimated peak memory exceeds usable VRAM."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.candidates import chosen_fits, record_workload_memory
from selectcheck.analysis.context import RecordContext, chosen_index
from selectcheck.compute.units import format_gb
from selectcheck.rules.memory_advice import (
    approximation_note,
    budget_phrase,
    fix_help,
    largest_part_phrase,
    vllm_findings,
    vllm_pool_note,
)
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC101",
    name="vram-exceeded",
    severity="error",
    options=("vram.headroom",),
    summary="a workload's estimated peak memory exceeds usable VRAM (total × (1 − policy headroom))",
    explanation="""
        Infrastructure comes first: a model that does not fit the GPUs you really have, at
        the context length and batch size you really need, is not a candidate, however well
        it scores. For every workload of the chosen model selectcheck estimates the peak
        memory on one GPU as a sum of parts, each reported: weights (parameters × bits of
        the precision, quantisation scales included), KV cache (2 × layers × KV heads × head
        dim × tokens × batch, with GQA, sliding windows and MLA where the engine honours
        them), activations (the prefill peak for inference; stored activations and logits
        for training, with or without gradient checkpointing), gradients, optimizer state
        and master weights (training), and runtime overhead (CUDA context, library
        workspaces, allocator reserve). Training peaks either in backward (all saved
        activations) or at the optimizer step (all gradients and the step's buffers), and
        the parts describe whichever moment is larger. With `count > 1` the workload's
        `parallelism` decides what each GPU holds: tensor or pipeline parallelism split the
        weights and KV cache; ddp (the training default) replicates everything; zero-1, zero-2
        and zero-3/fsdp shard optimizer states, then gradients, then weights; the overhead
        repeats on each GPU. Offloaded optimizer state and weights are host RAM, not GPU
        memory.

        The estimate is compared with the usable memory of one card: the total NVML reports
        × (1 − `vram.headroom` of the policy, default 0.05). Under `engine: vllm` the budget
        is the `gpu_memory_utilization` share (default 0.9) vLLM claims up front: what the
        weights, the profile run's activations (`max_num_batched_tokens`, `max_num_seqs`) and
        non-torch memory leave of it is the KV cache pool, which must hold the KV cache of
        `context_length × batch_size` tokens. vLLM itself refuses to start when the pool
        cannot hold one request of `max_model_len` tokens, and runs out of memory when the
        rest of the card cannot take the CUDA context and CUDA graphs; both are reported, at
        `max_model_len` and `gpu_memory_utilization`.

        The message names the estimate, the usable memory and the largest part; the help
        names the cheapest change that the estimator confirms fits (gradient checkpointing,
        an 8-bit optimizer, an fp8 KV cache, a smaller batch, quantised weights or
        LoRA/QLoRA, a shorter context), and a bigger catalog GPU or more GPUs of the same
        card. Run `selectcheck estimate MODEL …` to see the whole breakdown.

        A workload that cannot run at all (training under vLLM, QLoRA on 16-bit weights, a
        tensor-parallel degree that does not divide the heads) is SC107's, not this rule's.
    """,
    failing="""
        workloads:
          - name: serving
            mode: inference
            hardware: {gpu: L4}          # 24 GB
            precision: bf16
            context_length: 32768
            batch_size: 8
        candidates:
          - model: meta-llama/Llama-3.1-8B-Instruct
            license: llama3.1
        decision:
          chosen: meta-llama/Llama-3.1-8B-Instruct
    """,
    passing="""
        workloads:
          - name: serving
            mode: inference
            engine: vllm
            hardware: {gpu: L4}
            precision: awq-int4
            kv_cache_precision: fp8
            context_length: 32768
            batch_size: 4
        candidates:
          - model: meta-llama/Llama-3.1-8B-Instruct
            license: llama3.1
        decision:
          chosen: meta-llama/Llama-3.1-8B-Instruct
    """,
)
def vram_exceeded(ctx: RecordContext) -> Iterator[Finding]:
    record_workload_memory(ctx)
    candidate = chosen_index(ctx)
    if candidate is None:
        return  # SC409
    headroom = ctx.policy.vram.headroom
    for index, fit in chosen_fits(ctx):
        workload = ctx.record.workloads[index]
        if fit.impossible:
            continue  # SC107 says why it cannot run at all
        if fit.error is not None:
            yield Finding(
                _setting_pointer(ctx, index, fit.error),
                f"workload {workload.name!r}: memory cannot be estimated: {fit.error}",
                "Correct the workload's settings so they describe something that can run; "
                "`selectcheck estimate --help` lists the combinations.",
            )
            continue
        estimate, card, budget = fit.estimate, fit.card, fit.budget_bytes
        if estimate is None or card is None or budget is None or fit.fits:
            continue
        if fit.vllm is not None:
            yield from vllm_findings(ctx, index, fit)
            if estimate.total_bytes <= budget:
                continue
        message = (
            f"workload {workload.name!r}: estimated peak {format_gb(estimate.total_bytes)} per GPU exceeds the "
            f"{budget_phrase(ctx, workload, card, budget)}; {largest_part_phrase(estimate)}"
            f"{approximation_note(estimate)}{vllm_pool_note(workload, fit.vllm) if fit.vllm else ''}"
        )
        goal = f"the {format_gb(budget)} budget"
        yield Finding(
            f"/workloads/{index}/hardware",
            message,
            fix_help(ctx, candidate, index, budget, headroom, goal=goal),
        )


def _setting_pointer(ctx: RecordContext, index: int, error: str) -> str:
    """The workload key an estimator refusal is about (its messages start with the key, or
    name the engine; the rest are about the precision), where the record has it."""
    base = f"/workloads/{index}"
    workloads = ctx.data.get("workloads")
    data = workloads[index] if isinstance(workloads, list) and isinstance(workloads[index], dict) else {}
    first = error.split(" ", 1)[0]
    if first == "gpu_count":
        return f"{base}/hardware"
    for key in (first, "engine" if "inference engine" in error else "", "precision", "mode"):
        if key and key in data:
            return f"{base}/{key}"
    return base
