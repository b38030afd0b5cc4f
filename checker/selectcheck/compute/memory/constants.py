"""Every number the memory estimate takes from outside physics, with where it comes from.

Physics (parameter counts, bytes per element, tensor shapes) needs no constant. What it
cannot give — the CUDA context, library workspaces, the caching allocator's reserve, an
engine's defaults — is defined here once, registered with its unit, its kind and its
provenance, so a reader sees in one place what was measured, what was fitted and what an
engine documents. ``tests/compute/test_memory_constants.py`` holds every number of this module
to a registered provenance.

Kinds:
  * ``measured``: read off a measurement (the H200 runs, a published log);
  * ``fitted``: chosen so the estimate lands in the calibration band on the measured and
    replayed runs (a fitted constant that moves must say why in its provenance);
  * ``default``: an engine's own default setting, as its documentation or source states.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ConstantKind = Literal["measured", "fitted", "default"]


@dataclass(frozen=True)
class Constant:
    """One constant of the memory estimate, with its unit and where it comes from."""

    name: str
    value: float
    unit: str  # bytes | share | tokens | sequences | count
    kind: ConstantKind
    provenance: str


CONSTANTS: dict[str, Constant] = {}


def _define(name: str, value: float, unit: str, kind: ConstantKind, provenance: str) -> float:
    if name in CONSTANTS:
        raise RuntimeError(f"constant {name} defined twice")
    CONSTANTS[name] = Constant(name, value, unit, kind, " ".join(provenance.split()))
    return value


H200_RUNS = "tests/data/vram-h200-transformers.jsonl (H200, PyTorch 2.11, transformers 5.17)"
REPLAYED_RUNS = "tests/data/vram-simulated-h200.jsonl (222 training runs of 13 models replayed)"

# -- every engine on CUDA ------------------------------------------------------------------

CUDA_CONTEXT_BYTES = int(
    _define(
        "CUDA_CONTEXT_BYTES",
        820_000_000,
        "bytes",
        "measured",
        f"""NVML use beyond torch's reserved bytes once cuBLAS and the kernels are loaded:
        0.73-0.82 GB in {H200_RUNS}; the largest is taken.""",
    )
)
TORCH_WORKSPACE_BYTES = int(
    _define(
        "TORCH_WORKSPACE_BYTES",
        200_000_000,
        "bytes",
        "measured",
        f"""cuBLAS/cuBLASLt workspaces and small buffers inside PyTorch's allocator: 34-218 MB
        between the tensors' sum and peak allocated in {H200_RUNS}.""",
    )
)
MULTI_GPU_COMM_BYTES = int(
    _define(
        "MULTI_GPU_COMM_BYTES",
        300_000_000,
        "bytes",
        "fitted",
        """NCCL communicator buffers per GPU when several GPUs work together (NCCL's default
        buffer of 4 MiB per channel and peer, plus its stream memory); not measured here.""",
    )
)

# -- PyTorch caching allocator ----------------------------------------------------------------

ALLOCATOR_RESERVE_INFERENCE = _define(
    "ALLOCATOR_RESERVE_INFERENCE",
    0.30,
    "share",
    "fitted",
    f"""Reserved but unusable memory as a share of (KV cache + activations) in transformers
    inference: prefill interleaves persistent KV blocks with per-layer temporaries and strands
    free blocks; reserved - allocated was 8-31 % of that in {H200_RUNS}.""",
)
ALLOCATOR_RESERVE_TRAINING = _define(
    "ALLOCATOR_RESERVE_TRAINING",
    0.12,
    "share",
    "fitted",
    f"""Reserve as a share of the transient memory in backward: saved activations are
    allocated stack-like, 6-26 % in {H200_RUNS}.""",
)
ALLOCATOR_RESERVE_LOGITS = _define(
    "ALLOCATOR_RESERVE_LOGITS",
    0.2,
    "share",
    "fitted",
    """The loss's fp32 logits come in blocks of several GB (vocabulary x tokens x 4 bytes) that
    rarely find a hole they fit: a larger share of them is reserved.""",
)
STEP_STRANDED_ACTIVATION_SHARE = _define(
    "STEP_STRANDED_ACTIVATION_SHARE",
    0.55,
    "share",
    "fitted",
    f"""At the first optimizer step the states and the step's buffers, all parameter-shaped, go
    into the holes that backward's freed activations left, cut up by the gradients written in
    between; about half of that space cannot take them ({H200_RUNS} and {REPLAYED_RUNS} through
    tools/calibration/caching_allocator.py).""",
)
ALLOCATOR_RESERVE_STEP = _define(
    "ALLOCATOR_RESERVE_STEP",
    0.03,
    "share",
    "fitted",
    f"A small reserve on the optimizer step's own buffers and the next logits ({REPLAYED_RUNS}).",
)

CHECKPOINT_PHASE_OVERLAP = _define(
    "CHECKPOINT_PHASE_OVERLAP",
    0.75,
    "share",
    "fitted",
    f"""With gradient checkpointing, backward first runs the loss (fp32 logits, log-softmax and
    their gradients) and then recomputes the last layer; the peak is the larger phase plus
    this share of the smaller one. It was 1 (the two added up) until published long-context
    QLoRA runs (LLaMA-Factory's Llama-2-7B table, tests/data/memory-published.yaml) came out up
    to 29 % high; below 0.75 the checkpointed full-bf16 runs of {REPLAYED_RUNS} drop under 0.95.""",
)

# -- vLLM ----------------------------------------------------------------------------------------

VLLM_GPU_MEMORY_UTILIZATION = _define(
    "VLLM_GPU_MEMORY_UTILIZATION",
    0.9,
    "share",
    "default",
    "vLLM EngineArgs.gpu_memory_utilization: the share of the card's total memory the engine claims.",
)
VLLM_MAX_NUM_BATCHED_TOKENS = int(
    _define(
        "VLLM_MAX_NUM_BATCHED_TOKENS",
        8192,
        "tokens",
        "default",
        """vLLM V1 with chunked prefill: max_num_batched_tokens of the LLM class and the server on
        data-centre GPUs; the profile run that sizes the activations uses this many tokens.""",
    )
)
VLLM_MAX_NUM_SEQS = int(
    _define(
        "VLLM_MAX_NUM_SEQS",
        256,
        "sequences",
        "default",
        "vLLM's default max_num_seqs; the sampler's profile run holds this many rows of logits.",
    )
)
VLLM_BLOCK_SIZE = int(
    _define(
        "VLLM_BLOCK_SIZE",
        16,
        "tokens",
        "default",
        "vLLM's KV cache block (page) size on CUDA; KV is allocated in whole blocks.",
    )
)
VLLM_CUDA_GRAPH_BYTES = int(
    _define(
        "VLLM_CUDA_GRAPH_BYTES",
        600_000_000,
        "bytes",
        "measured",
        """Memory of vLLM's captured CUDA graphs: 0.25-0.65 GiB reported (kvplan 0.1.1 on an L4;
        vllm-project/vllm PR 21489 logs 0.65 GiB on an H200).""",
    )
)
VLLM_PROFILE_HIDDEN_COPIES = int(
    _define(
        "VLLM_PROFILE_HIDDEN_COPIES",
        3,
        "count",
        "fitted",
        """Hidden-size tensors alive per token beside the widest stage of vLLM's profile forward
        (residual, normed input, layer input). Fitted to vllm-project/vllm issue 10517
        (Llama-3.1-8B, RTX 3090): the activation peak is 2.07 GiB at max_model_len 20,000 and
        2.99 GiB at 29,000, 110.6 KB a token = (3 x 4096 + 3 x 14336) bf16 elements.""",
    )
)
VLLM_SAMPLER_BYTES_PER_LOGIT = int(
    _define(
        "VLLM_SAMPLER_BYTES_PER_LOGIT",
        12,
        "bytes",
        "fitted",
        """Bytes per vocabulary entry and sequence in the sampler's profile run (fp32 logits, their
        softmax and log-softmax). The sampler runs after the forward pass has freed its
        activations, so the profile peak is the larger of the two, not their sum.""",
    )
)
VLLM_NON_TORCH_BYTES = int(
    _define(
        "VLLM_NON_TORCH_BYTES",
        200_000_000,
        "bytes",
        "measured",
        """vLLM's non-torch memory (NCCL, cuBLAS handles outside PyTorch): 0.07 GiB (PR 21489,
        H200) to 0.35 GiB (issue 10517, RTX 3090) in its own logs.""",
    )
)

# -- llama.cpp --------------------------------------------------------------------------------------

LLAMA_CPP_CONTEXT_BYTES = int(
    _define(
        "LLAMA_CPP_CONTEXT_BYTES",
        500_000_000,
        "bytes",
        "fitted",
        """CUDA context of a llama.cpp process, which loads no PyTorch kernels: not measured here;
        set below PyTorch's measured 0.82 GB (CUDA_CONTEXT_BYTES). llama.cpp's own logs list its
        model, KV and compute buffers exactly, and the estimate matches those.""",
    )
)
LLAMA_CPP_WORKSPACE_BYTES = int(
    _define(
        "LLAMA_CPP_WORKSPACE_BYTES",
        100_000_000,
        "bytes",
        "fitted",
        "cuBLAS workspace and ggml's CUDA pool beyond the buffers llama.cpp logs.",
    )
)
LLAMA_CPP_UBATCH = int(
    _define(
        "LLAMA_CPP_UBATCH",
        512,
        "tokens",
        "default",
        "llama.cpp's default physical batch (n_ubatch, -ub): the tokens one compute graph holds.",
    )
)
