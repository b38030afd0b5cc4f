"""Fine-tuning with HF transformers (+ peft for LoRA/QLoRA): the training peak.

Everything autograd saves, per layer and token, for the exact op sequence of a HF decoder
layer (full, autocast ``mixed``, LoRA/QLoRA via peft with fp32 adapters), or only the layer
inputs plus one recomputed layer with gradient checkpointing; plus the fp32 logits of the
loss. Gradients of the trainable parameters; AdamW keeps two states in the parameter dtype
(fp32 for ``mixed``) and its foreach step allocates one more parameter-sized buffer; ``mixed``
adds fp32 master weights (counted under optimizer, as in DeepSpeed and EleutherAI's
accounting, while the weights part is the bf16 compute copy; at the optimizer step only the
master copy is left, and it is the weights part).

The peak is the larger of two moments, and the parts describe that moment: *backward* (every
saved activation, the states, and only the first gradient, the LM head's: backward frees a
layer's activations as it writes that layer's gradients) and the *optimizer step* (all
gradients, the states, the step's buffers, the next iteration's logits, which cannot reuse the
parameter-sized holes the step leaves, and the share of the freed activations' space that the
first step's states could not use). Short sequences and gradient checkpointing peak at the
step, long sequences in backward.
"""

from __future__ import annotations

from selectcheck.compute.architecture import Architecture, linear_parameters, lora_parameters
from selectcheck.compute.memory.constants import (
    ALLOCATOR_RESERVE_LOGITS,
    ALLOCATOR_RESERVE_STEP,
    ALLOCATOR_RESERVE_TRAINING,
    CUDA_CONTEXT_BYTES,
    MULTI_GPU_COMM_BYTES,
    STEP_STRANDED_ACTIVATION_SHARE,
    TORCH_WORKSPACE_BYTES,
)
from selectcheck.compute.memory.estimate import MemoryEstimate, build_estimate
from selectcheck.compute.memory.parts import (
    attention_mask_bytes,
    largest_linear,
    mlp_tokens_width,
    moe_dispatch_bytes,
    value_dim,
)
from selectcheck.compute.memory.precisions import (
    BITSANDBYTES_PRECISIONS,
    NF4_DOUBLE_QUANT_BITS,
    weight_bytes,
)
from selectcheck.compute.memory.workload import MemoryWorkload


def layer_saved_bytes(arch: Architecture, kind: str) -> float:
    """Bytes autograd saves per token in one decoder layer (bf16 compute).

    ``kind``: ``full`` (every weight trainable), ``mixed`` (fp32 weights under bf16
    autocast: fp32 residual stream, one bf16 cast of the input per linear), ``lora`` (frozen
    16-bit base, peft adapters in fp32 that each save an fp32 copy of their input).
    """
    h = arch.hidden_size
    qd, kd, vd, od = arch.q_dim, arch.kv_dim, value_dim(arch), arch.attn_out_dim
    inter = mlp_tokens_width(arch)
    gated = arch.mlp == "gated"
    norms = arch.norms_per_layer
    sdpa = 2 * (qd + kd + vd + od) + 4 * arch.num_attention_heads  # q, k, v, out, logsumexp
    mlp_saved = (8 if gated else 4) * inter  # act input, act out, up (gated), down input
    # A trainable RMSNorm saves its fp32 input and its normalised output for the weight's
    # gradient: bf16 where the norm casts before the weight (x.to(bf16) * w), fp32 where it
    # casts after ((x * w).to(bf16)). A frozen one (LoRA) saves only the fp32 input. q/k
    # norms do the same over the query and key widths.
    norm_saved = 8 if arch.norm_output_fp32 else 6
    qk_width = qd + kd if arch.qk_norm != "none" else 0
    if kind == "full":
        return (norms * h + qk_width) * norm_saved + 2 * h * 2 + sdpa + 2 * od + mlp_saved
    if kind == "mixed":
        n_in_casts = 3 + (2 if gated else 1)
        return (norms * h + qk_width) * 8 + n_in_casts * 2 * h + sdpa + 2 * od + mlp_saved
    # lora: fp32 input copies for q, k, v, o, gate, up, down; base linears save nothing.
    n_h_inputs = 3 + (2 if gated else 1)
    mlp_lora = (6 if gated else 2) * inter + 4 * inter
    return (norms * h + qk_width) * 4 + n_h_inputs * 4 * h + 4 * od + sdpa + mlp_lora


def training_activation_bytes(
    arch: Architecture,
    tokens: int,
    *,
    kind: str,
    gradient_checkpointing: bool,
) -> tuple[int, int]:
    """(activations, logits) bytes at the backward peak of HF transformers training.

    ``tokens`` = batch × sequence length. Without checkpointing every layer's saved tensors
    are alive when the loss backward starts; with it only each layer's input (fp32 under
    autocast) plus one recomputed layer and its backward temporaries (about as large). The
    loss upcasts the logits to fp32 and keeps the log-softmax; its backward adds the
    gradient and the log-softmax gradient: 12 bytes per vocabulary entry and token (14 with
    a final-logit soft cap, whose tanh output is saved too).
    """
    h = arch.hidden_size
    layer = layer_saved_bytes(arch, kind)
    residual_bytes = 4 if kind == "mixed" else 2
    if gradient_checkpointing:
        # Layer inputs, plus the layer being recomputed and its backward temporaries.
        acts = arch.num_hidden_layers * h * residual_bytes + 2 * layer
    else:
        acts = arch.num_hidden_layers * layer
    acts += 8 * h  # embeddings output, final norm
    logits = 12 * arch.vocab_size
    if arch.final_logit_softcapping:
        logits += 2 * arch.vocab_size  # tanh's bf16 output, saved for its backward
    return int(acts * tokens), int(logits * tokens)


def estimate(workload: MemoryWorkload, arch: Architecture, params: int, exact_arch: bool) -> MemoryEstimate:
    n = workload.gpu_count
    mode = workload.mode
    precision = workload.precision
    tokens = workload.context_length * workload.batch_size
    ckpt = workload.gradient_checkpointing
    details: dict[str, float] = {}
    weights: float
    master: float
    grads: float
    states: float
    step_temp: float

    if mode == "full-finetune":
        kind = "mixed" if precision == "mixed" else "full"
        # Parameter dtype of weights, gradients and optimizer states.
        param_bytes = 4 if precision in ("mixed", "fp32") else 2
        trainable = params
        weights = params * (2 if precision == "mixed" else param_bytes)
        master = params * 4 if precision == "mixed" else 0
        grads = trainable * param_bytes
        state_bytes = param_bytes
    else:
        kind = "lora"
        base = workload.base_precision
        if mode == "qlora" and base == "nf4":
            bits = NF4_DOUBLE_QUANT_BITS  # QLoRA's double quantisation
            quantised = linear_parameters(arch) if exact_arch else params
            base_weights = quantised * bits / 8 + (params - quantised) * 2
        else:
            base_weights = weight_bytes(arch if exact_arch else None, params, base)
        trainable = lora_parameters(arch, workload.lora_rank)
        param_bytes = 4  # peft keeps adapters (and so their gradients and states) in fp32
        adapters = trainable * param_bytes
        weights = base_weights + adapters
        details["adapters"] = adapters
        master = 0
        grads = trainable * 4
        state_bytes = 4
    details["trainable_parameters"] = trainable

    if workload.optimizer == "adamw":
        states = 2 * trainable * state_bytes
        step_temp = trainable * state_bytes  # foreach step: sqrt(v) as a new tensor list
    elif workload.optimizer == "adamw-8bit":
        states = 2 * trainable * (1 + 4 / 256)  # bitsandbytes 8-bit, fp32 absmax per 256
        step_temp = 0
    else:  # sgd with momentum
        states = trainable * state_bytes
        step_temp = 0

    acts, logits = training_activation_bytes(arch, tokens, kind=kind, gradient_checkpointing=ckpt)
    mask = attention_mask_bytes(
        arch, workload.context_length, workload.batch_size, training=True, gradient_checkpointing=ckpt
    )
    activations = acts + logits + mask
    details["logits"] = logits
    details["attention_mask"] = mask

    # Shard weights, gradients and optimizer across GPUs (tensor parallel / FSDP); each GPU
    # keeps its own activations (conservative).
    weights /= n
    master /= n
    grads /= n
    states /= n
    step_temp /= n
    # The gradient that backward produces first: the LM head's (tied or not), for full training.
    grad_first = min(grads, arch.vocab_size * arch.hidden_size * param_bytes / n) if mode == "full-finetune" else grads

    # Two moments compete for the peak (from the H200 runs, and from replaying runs' tensor
    # allocations through a model of PyTorch's caching allocator: tools/calibration/):
    #   backward: every saved activation is alive and the first gradient appears. Backward
    #     frees a layer's activations as it writes that layer's gradients, so the two parts
    #     never add up in full.
    #   optimizer step: all gradients, the states and the step's buffers. The first step puts
    #     the new states and buffers into the holes that backward's freed activations left,
    #     and part of that space cannot take them (the stranded share, in the reserve); from
    #     the second iteration on, the next logits need fresh memory as well. Under autocast
    #     the bf16 weight copies are gone by then.
    backward_moment = weights + master + states + activations + grad_first
    backward_reserve = ALLOCATOR_RESERVE_TRAINING * (activations - logits) + ALLOCATOR_RESERVE_LOGITS * logits
    step_weights = 0.0 if precision == "mixed" else weights
    step_moment = step_weights + master + states + grads + step_temp + logits
    step_reserve = ALLOCATOR_RESERVE_STEP * (step_temp + logits) + STEP_STRANDED_ACTIVATION_SHARE * (
        activations - logits
    )
    at_step = step_moment + step_reserve > backward_moment + backward_reserve
    details["master_weights"] = master
    details["optimizer_states"] = states
    if at_step:
        # Under autocast only the fp32 master copy is left at the step: it is the weights then.
        parts_weights, parts_acts, parts_grads = step_weights + master, logits, grads
        optimizer = states + step_temp
        reserve = step_reserve
        details["optimizer_step_buffers"] = step_temp
        details["attention_mask"] = 0  # the activations part holds only the logits then
    else:
        parts_weights, parts_acts, parts_grads = weights, activations, grad_first
        optimizer = master + states
        reserve = backward_reserve
        details["optimizer_step_buffers"] = 0

    workspace = TORCH_WORKSPACE_BYTES + moe_dispatch_bytes(arch, 2)
    if mode == "qlora" or workload.base_precision in BITSANDBYTES_PRECISIONS:
        workspace += largest_linear(arch) * 2 * 2  # dequantised weight in fwd and bwd
    comm = MULTI_GPU_COMM_BYTES if n > 1 else 0
    overhead = CUDA_CONTEXT_BYTES + workspace + reserve + comm
    details.update(
        cuda_context=CUDA_CONTEXT_BYTES,
        workspace=workspace,
        allocator_reserve=reserve,
        multi_gpu_communication=comm,
    )
    return build_estimate(
        workload,
        params,
        {
            "weights": parts_weights,
            "activations": parts_acts,
            "gradients": parts_grads,
            "optimizer": optimizer,
            "overhead": overhead,
        },
        details,
        "optimizer step" if at_step else "backward",
    )
