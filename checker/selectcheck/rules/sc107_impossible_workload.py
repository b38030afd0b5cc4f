"""SC107 impossible-workload: a workload whose settings cannot run at all, on any card."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.candidates import resolve_architecture, workload_impossibilities
from selectcheck.analysis.context import RecordContext, chosen_index
from selectcheck.compute.memory.feasibility import tensor_parallel_problem
from selectcheck.rules.memory_advice import raw_workload
from selectcheck.rules.registry import Finding, rule

# What to do instead, by kind of impossibility (compute/memory/feasibility.py names them).
_HELP = {
    "training-engine": "Fine-tune with `engine: transformers` (HF Trainer, peft, DeepSpeed); serve the result with "
    "vLLM or llama.cpp in a separate inference workload.",
    "llama-cpp-weights": "Give the GGUF type the model is served in (for example gguf-q4_k_m, made with llama.cpp's "
    "convert_hf_to_gguf.py and llama-quantize), or serve these weights with vllm or transformers.",
    "gguf-training": "Fine-tune the Hugging Face weights (bf16, or nf4 with qlora) and convert the result to GGUF "
    "for serving.",
    "qlora-base": "Use `precision: nf4` (QLoRA's bitsandbytes 4-bit) or another 4-bit base, or `mode: lora` to train "
    "adapters on 16-bit weights.",
    "full-finetune-precision": "Use `precision: mixed` (fp32 master weights, bf16 compute) or bf16 to train every "
    "weight, or lora/qlora to keep a quantised base frozen.",
    "mixed-precision": "Use bf16 (or a quantised precision): mixed is full fine-tuning's fp32-master recipe.",
    "inference-sharding": "Use `parallelism: tensor` (the default) or pipeline to split the model over the GPUs, or "
    "ddp for independent replicas.",
    "inference-offload": "Remove `offload`; for a model larger than the card, quantise it, add GPUs, or use "
    "llama.cpp with `gpu_layers`.",
    "parameter-offload": "Use `parallelism: zero-3` or fsdp with `offload: parameters`, or offload only the optimizer.",
    "bf16-capability": "Use `precision: fp16` (vLLM's `--dtype half`), or a card with compute capability 8.0 or "
    "newer (A10, A100, L4, H100).",
    "fp8-capability": "Use fp16, int8 or a 4-bit GPTQ/AWQ checkpoint on this card, or a card with compute capability "
    "7.5 or newer.",
    "fp8-dequantised": "Serve the fp8 checkpoint with vLLM (weight-only FP8 on compute capability 7.5 and up), "
    "declare `precision: bf16` if transformers is the engine, or use a card with FP8 (L4, H100, H200).",
    "optimizer-offload": "Set `parallelism` to zero-1, zero-2, zero-3 or fsdp (DeepSpeed / FSDP), which can keep "
    "the optimizer in host RAM.",
}


@rule(
    code="SC107",
    name="impossible-workload",
    severity="error",
    summary="a workload's settings cannot run at all: mode, engine, precision and GPU split that do not exist",
    explanation="""
        Some workloads cannot run on any card, so there is no memory to estimate and the
        record describes something the team will never deploy. The finding points at the
        setting that makes the workload impossible:

        - training (`lora`, `qlora`, `full-finetune`) under `vllm` or `llama.cpp`, which are
          inference engines;
        - `llama.cpp` with weights that are not GGUF, and GGUF weights fine-tuned with
          `transformers` (it dequantises GGUF on load and cannot train it);
        - `qlora` without 4-bit base weights (nf4, int4, gptq-int4, awq-int4), `full-finetune`
          with quantised weights, and `precision: mixed` outside full fine-tuning;
        - a tensor-parallel degree (`hardware.count` with `parallelism: tensor`, the
          inference default) that does not divide the chosen model's attention heads and KV
          heads, as vLLM and transformers require (vLLM refuses TP=3 for a 28-head model;
          with fewer KV heads than GPUs each KV head must be replicated on a whole number of
          them);
        - more pipeline stages than the model has layers;
        - a weight precision the card cannot compute in: bf16 under vLLM below compute
          capability 8.0 (T4, V100: vLLM refuses to start), fp8 under transformers on a card
          without FP8 tensor cores (below 8.9, such as the A100: the checkpoint is dequantised
          to bf16, twice the memory) and fp8 under vLLM below 7.5 (vLLM runs FP8 weight-only
          on Turing and Ampere). The GPU catalog's `bf16`, `fp8` and `compute_capability` say
          what each card has;
        - a training-state sharding (`zero-1`, `zero-2`, `zero-3`, `fsdp`) for inference,
          `offload` outside training, parameter offload without `zero-3`/`fsdp`, and optimizer
          offload without ZeRO or FSDP.

        The memory rules (SC101, SC102) say nothing about such a workload.
    """,
    failing="""
        workloads:
          - name: serving
            mode: inference
            engine: vllm
            hardware: {gpu: L4, count: 3}    # 28 heads, 4 KV heads: not over 3 GPUs
            precision: bf16
            context_length: 8192
        candidates:
          - model: Qwen/Qwen2.5-7B-Instruct
            license: apache-2.0
        decision:
          chosen: Qwen/Qwen2.5-7B-Instruct
    """,
    passing="""
        workloads:
          - name: serving
            mode: inference
            engine: vllm
            hardware: {gpu: L4, count: 2}
            precision: bf16
            context_length: 8192
        candidates:
          - model: Qwen/Qwen2.5-7B-Instruct
            license: apache-2.0
        decision:
          chosen: Qwen/Qwen2.5-7B-Instruct
    """,
)
def impossible_workload(ctx: RecordContext) -> Iterator[Finding]:
    chosen = chosen_index(ctx)
    architecture = resolve_architecture(ctx, chosen).architecture if chosen is not None else None
    for index, workload in enumerate(ctx.record.workloads):
        gpu = ctx.catalog.gpus.get(workload.hardware.gpu) if workload.hardware.gpu else None
        problems = workload_impossibilities(workload, architecture, gpu)
        given = raw_workload(ctx, index)
        for problem in problems:
            pointer = f"/workloads/{index}/{problem.key}"
            if problem.key == "hardware":
                hardware = given.get("hardware")
                if isinstance(hardware, dict) and "count" in hardware:
                    pointer += "/count"
            elif problem.key not in given:
                pointer = f"/workloads/{index}"
            if problem.code == "tensor-parallel-heads" and architecture is not None:
                degrees = [
                    d
                    for d in range(1, 17)
                    if tensor_parallel_problem(architecture.num_attention_heads, architecture.num_key_value_heads, d)
                    is None
                ]
                help = (
                    f"Use a tensor-parallel degree the model's heads allow ({', '.join(map(str, degrees))}), or "
                    "`parallelism: pipeline` (whole layers per GPU)."
                )
            elif problem.code == "pipeline-layers" and architecture is not None:
                help = f"Use at most {architecture.num_hidden_layers} pipeline stages, or tensor parallelism."
            else:
                help = _HELP.get(problem.code, "")
            yield Finding(pointer, f"workload {workload.name!r} cannot run: {problem.message}", help)
