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

from dataclasses import dataclass

from selectcheck.compute.architecture import (
    Architecture,
    attention_parameters,
    dense_mlp_parameters,
    embedding_parameters,
    linear_parameters,
    lora_parameters,
    moe_mlp_parameters,
)
from selectcheck.compute.memory.constants import (
    ALLOCATOR_RESERVE_LOGITS,
    ALLOCATOR_RESERVE_STEP,
    ALLOCATOR_RESERVE_TRAINING,
    CHECKPOINT_PHASE_OVERLAP,
    CUDA_CONTEXT_BYTES,
    MULTI_GPU_COMM_BYTES,
    STEP_STRANDED_ACTIVATION_SHARE,
    TORCH_WORKSPACE_BYTES,
)
from selectcheck.compute.memory.estimate import MemoryEstimate, build_estimate
from selectcheck.compute.memory.parallel import Sharding, sharding
from selectcheck.compute.memory.parts import (
    attention_memory,
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

# Bytes per optimizer state element and per trainable parameter, by optimizer: (states, step
# buffers) per trainable parameter, given the parameters' own dtype size.
#   adamw: torch AdamW, two states in the parameter dtype; the foreach step allocates sqrt(v)
#     as one more parameter-sized tensor list.
#   paged-adamw: bitsandbytes' fused 32-bit AdamW: fp32 states whatever the parameter dtype,
#     no step buffers; paged means the driver may evict the states to host RAM under
#     pressure (slow), which the estimate does not count on.
#   adamw-8bit, paged-adamw-8bit: bitsandbytes' blockwise 8-bit states, an fp32 absmax per
#     256 values, fused step.
#   sgd: one momentum state in the parameter dtype.
EIGHT_BIT_STATE = 1 + 4 / 256


def optimizer_bytes(optimizer: str, param_bytes: int) -> tuple[float, float]:
    """(state bytes, step-buffer bytes) per trainable parameter."""
    if optimizer == "adamw":
        return 2.0 * param_bytes, float(param_bytes)
    if optimizer == "paged-adamw":
        return 8.0, 0.0
    if optimizer in ("adamw-8bit", "paged-adamw-8bit"):
        return 2 * EIGHT_BIT_STATE, 0.0
    return float(param_bytes), 0.0  # sgd with momentum


def layer_saved_bytes(
    arch: Architecture, kind: str, *, low_precision_adapter_inputs: bool = False, tensor_parallel: int = 1
) -> float:
    """Bytes autograd saves per token in one decoder layer (bf16 compute).

    ``kind``: ``full`` (every weight trainable), ``mixed`` (fp32 weights under bf16
    autocast: fp32 residual stream, one bf16 cast of the input per linear), ``lora`` (frozen
    16-bit base with peft adapters). peft casts each adapter's input to the adapter's dtype
    unless autocast is on: fp32 adapters without autocast save an fp32 copy of their input per
    adapter (q, k and v each their own); under autocast or with bf16 adapters they all save
    the one bf16 tensor they share (``low_precision_adapter_inputs``). Tensor parallelism
    splits the widths inside attention and the MLP; norms and the residual stay whole.
    """
    h = arch.hidden_size
    tp = tensor_parallel
    qd, kd, vd, od = arch.q_dim / tp, arch.kv_dim / tp, value_dim(arch) / tp, arch.attn_out_dim / tp
    inter = mlp_tokens_width(arch) / tp
    gated = arch.mlp == "gated"
    norms = arch.norms_per_layer
    sdpa = 2 * (qd + kd + vd + od) + 4 * arch.num_attention_heads / tp  # q, k, v, out, logsumexp
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
    # lora: the base linears are frozen and save nothing; the adapters save their inputs.
    mlp_acts = (6 if gated else 2) * inter  # act input, act output, up (gated): bf16
    if low_precision_adapter_inputs:
        # One bf16 attention input (shared by q, k, v), one MLP input (gate, up), o and down.
        adapter_inputs = 2 * h * 2 + 2 * od + 2 * inter
    else:
        # fp32 copies for q, k, v, o, gate, up, down.
        adapter_inputs = (3 + (2 if gated else 1)) * 4 * h + 4 * od + 4 * inter
    return (norms * h + qk_width) * 4 + adapter_inputs + sdpa + mlp_acts


@dataclass(frozen=True)
class TrainingActivations:
    """What autograd holds at the backward peak of HF transformers training, in bytes.

    ``stored``: every layer's saved tensors without gradient checkpointing, only each layer's
    input with it (fp32 under autocast's mixed precision), plus the embeddings output and the
    final norm. ``recompute``: with checkpointing, the layer being recomputed and its backward
    temporaries (about as large again). ``logits``: the loss upcasts the logits to fp32 and
    keeps the log-softmax; its backward adds the gradient and the log-softmax gradient: 12
    bytes per vocabulary entry and token (14 with a final-logit soft cap, whose tanh output is
    saved too).
    """

    stored: int
    recompute: int
    logits: int


def training_activation_bytes(
    arch: Architecture,
    tokens: int,
    *,
    kind: str,
    gradient_checkpointing: bool,
    low_precision_adapter_inputs: bool = False,
    tensor_parallel: int = 1,
) -> TrainingActivations:
    """The activations of ``tokens`` tokens (batch × sequence length). Tensor parallelism
    splits the vocabulary of the logits as well."""
    h = arch.hidden_size
    layer = layer_saved_bytes(
        arch, kind, low_precision_adapter_inputs=low_precision_adapter_inputs, tensor_parallel=tensor_parallel
    )
    residual_bytes = 4 if kind == "mixed" else 2
    stored: float
    recompute: float
    if gradient_checkpointing:
        stored, recompute = arch.num_hidden_layers * h * residual_bytes, 2 * layer
    else:
        stored, recompute = arch.num_hidden_layers * layer, 0.0
    stored += 8 * h  # embeddings output, final norm
    logits = 12 * arch.vocab_size
    if arch.final_logit_softcapping:
        logits += 2 * arch.vocab_size  # tanh's bf16 output, saved for its backward
    return TrainingActivations(int(stored * tokens), int(recompute * tokens), int(logits * tokens / tensor_parallel))


@dataclass(frozen=True)
class ModelStates:
    """The training state of one GPU (bytes) and what lives in host RAM instead (all GPUs)."""

    weights: float  # the weights used in forward and backward (compute dtype; base + adapters)
    master: float  # fp32 master weights (mixed precision)
    gradients: float
    states: float  # optimizer states
    step_buffers: float  # the optimizer step's temporaries
    gathered: float  # zero-3 / fsdp: one gathered layer and the prefetched next
    host: float  # host RAM of every GPU's process together (offload)
    first_gradient: float  # the LM head's gradient, the first backward writes (full training)


def gathered_parameters(arch: Architecture) -> int:
    """Parameters ZeRO-3 / FSDP hold gathered at once: the decoder layer being computed and
    the prefetched next one, or the root unit (embeddings and output head, gathered for the
    whole step) and one layer, whichever is more."""
    layer = attention_parameters(arch) + arch.norms_per_layer * arch.hidden_size
    layer += moe_mlp_parameters(arch) if arch.is_moe else dense_mlp_parameters(arch)
    return max(2 * layer, embedding_parameters(arch) + layer)


def model_states(
    *,
    trainable: int,
    frozen_weight_bytes: float,
    param_bytes: int,
    mixed: bool,
    optimizer: str,
    strategy: Sharding,
    offload: str | None,
    gathered: int,
    lm_head: int,
) -> ModelStates:
    """Weights, gradients and optimizer state per GPU under a strategy, and the host RAM that
    offloading needs (all GPUs' processes together).

    ``frozen_weight_bytes``: bytes of weights nobody trains (the LoRA base); the ``trainable``
    parameters are kept in ``param_bytes`` (the bf16 compute copy under ``mixed``, whose fp32
    master copy is counted apart). ``gathered``: parameters ZeRO-3 / FSDP hold gathered at
    once (see :func:`gathered_parameters`); ``lm_head``: parameters of the output head, whose
    gradient backward writes first.

    Offloading the optimizer moves the master weights, the states and an fp32 copy of the
    gradients to host RAM and runs the step on the CPU: the GPU reduces gradients bucket by
    bucket and keeps none between steps. Offloading the parameters moves the weights too, so
    a GPU keeps only the layers it has gathered. (DeepSpeed's own accounting, 18 bytes a
    parameter: deepspeed/runtime/zero/stage3.py, estimate_zero3_model_states_mem_needs.)
    """
    weight_bytes = frozen_weight_bytes + trainable * param_bytes
    master = trainable * 4.0 if mixed else 0.0
    grad_bytes = 4 if mixed else param_bytes
    states, step = optimizer_bytes(optimizer, 4 if mixed else param_bytes)
    states *= trainable
    step *= trainable
    grads = trainable * float(grad_bytes)
    host = 0.0
    if offload is not None:
        host += master + states + trainable * 4.0
        master = states = step = grads = 0.0
    gathered_bytes = gathered * (2 if mixed else param_bytes) if strategy.gathers_layers else 0.0
    gpu_weights = weight_bytes * strategy.weights
    if offload == "parameters":
        host += weight_bytes
        gpu_weights = 0.0
    return ModelStates(
        weights=gpu_weights,
        master=master * strategy.optimizer,
        gradients=grads * strategy.gradients,
        states=states * strategy.optimizer,
        step_buffers=step * strategy.optimizer,
        gathered=gathered_bytes,
        host=host,
        first_gradient=lm_head * grad_bytes * (strategy.weights if strategy.splits_heads else 1.0),
    )


def estimate(workload: MemoryWorkload, arch: Architecture, params: int, exact_arch: bool) -> MemoryEstimate:
    n = workload.gpu_count
    mode = workload.mode
    precision = workload.precision
    tokens = workload.context_length * workload.batch_size
    ckpt = workload.gradient_checkpointing
    strategy = sharding(workload.resolved_parallelism, n)
    tensor_parallel = n if workload.resolved_parallelism == "tensor" else 1
    details: dict[str, float] = {}

    if mode == "full-finetune":
        kind = "mixed" if precision == "mixed" else "full"
        # Parameter dtype of weights, gradients and optimizer states (mixed: the bf16 compute
        # copy; the fp32 master copy is apart).
        param_bytes = 2 if precision == "mixed" else (4 if precision == "fp32" else 2)
        trainable = params
        frozen = 0.0
        low_precision_inputs = False
    else:
        kind = "lora"
        if mode == "qlora" and precision == "nf4":
            bits = NF4_DOUBLE_QUANT_BITS  # QLoRA's double quantisation
            quantised = linear_parameters(arch) if exact_arch else params
            frozen = quantised * bits / 8 + (params - quantised) * 2
        else:
            frozen = weight_bytes(arch if exact_arch else None, params, precision)
        trainable = lora_parameters(arch, workload.lora_rank)
        param_bytes = 4 if workload.adapter_precision == "fp32" else 2
        details["adapters"] = trainable * param_bytes
        low_precision_inputs = workload.autocast or workload.adapter_precision != "fp32"
    details["trainable_parameters"] = trainable
    states = model_states(
        trainable=trainable,
        frozen_weight_bytes=frozen,
        param_bytes=param_bytes,
        mixed=kind == "mixed",
        optimizer=workload.optimizer,
        strategy=strategy,
        offload=workload.offload,
        gathered=gathered_parameters(arch),
        lm_head=arch.vocab_size * arch.hidden_size,
    )

    acts = training_activation_bytes(
        arch,
        tokens,
        kind=kind,
        gradient_checkpointing=ckpt,
        low_precision_adapter_inputs=low_precision_inputs,
        tensor_parallel=tensor_parallel,
    )
    logits = acts.logits
    scores, mask = attention_memory(
        arch,
        workload.attention,
        workload.context_length,
        workload.batch_size,
        training=True,
        gradient_checkpointing=ckpt,
        tensor_parallel=tensor_parallel,
    )
    if ckpt:
        # Backward first runs the loss (its fp32 logits and log-softmax), then recomputes the
        # last layer: the two phases mostly follow each other, so the larger one plus the
        # part of the smaller one still alive is the peak.
        recompute = acts.recompute + mask + scores
        activations = acts.stored + max(recompute, logits) + CHECKPOINT_PHASE_OVERLAP * min(recompute, logits)
        logits_alive = logits if logits >= recompute else 0
    else:
        activations = acts.stored + mask + scores + logits
        logits_alive = logits
    details["logits"] = logits_alive
    details["attention_mask"] = mask
    details["attention_scores"] = scores

    weights = states.weights + states.gathered
    master, grads, opt_states, step_temp = states.master, states.gradients, states.states, states.step_buffers
    # The gradient that backward produces first: the LM head's (tied or not), for full training;
    # with the optimizer offloaded it exists only until its bucket goes to the host.
    if mode == "full-finetune":
        grad_first = states.first_gradient if workload.offload else min(grads, states.first_gradient)
    else:
        grad_first = grads

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
    backward_moment = weights + master + opt_states + activations + grad_first
    backward_reserve = (
        ALLOCATOR_RESERVE_TRAINING * (activations - logits_alive) + ALLOCATOR_RESERVE_LOGITS * logits_alive
    )
    step_weights = 0.0 if kind == "mixed" and workload.offload is None else weights
    step_moment = step_weights + master + opt_states + grads + step_temp + logits
    step_reserve = ALLOCATOR_RESERVE_STEP * (step_temp + logits) + STEP_STRANDED_ACTIVATION_SHARE * (
        activations - logits_alive
    )
    at_step = step_moment + step_reserve > backward_moment + backward_reserve
    parts_acts: float
    details["master_weights"] = master
    details["optimizer_states"] = opt_states
    details["gathered_layers"] = states.gathered
    if at_step:
        # Under autocast only the fp32 master copy is left at the step: it is the weights then.
        parts_weights, parts_acts, parts_grads = step_weights + master, logits, grads
        optimizer = opt_states + step_temp
        reserve = step_reserve
        details["optimizer_step_buffers"] = step_temp
        details["attention_mask"] = details["attention_scores"] = 0  # only the logits are left then
        details["logits"] = logits
    else:
        parts_weights, parts_acts, parts_grads = weights, activations, grad_first
        optimizer = master + opt_states
        reserve = backward_reserve
        details["optimizer_step_buffers"] = 0

    workspace = TORCH_WORKSPACE_BYTES + moe_dispatch_bytes(arch, 2)
    if precision in BITSANDBYTES_PRECISIONS:
        workspace += largest_linear(arch) * 2 * 2  # dequantised weight in fwd and bwd
    comm = MULTI_GPU_COMM_BYTES if n > 1 else 0
    return build_estimate(
        workload,
        params,
        {"weights": parts_weights, "activations": parts_acts, "gradients": parts_grads, "optimizer": optimizer},
        {
            "cuda_context": CUDA_CONTEXT_BYTES,
            "workspace": workspace,
            "allocator_reserve": reserve,
            "multi_gpu_communication": comm,
        },
        details,
        "optimizer step" if at_step else "backward",
        host_bytes=states.host,
    )
