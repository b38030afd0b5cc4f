"""The model-selection record, schema_version 1 (DESIGN §2)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from selectcheck.compute.choices import (
    AdapterPrecision,
    Attention,
    Engine,
    KvPrecision,
    Mode,
    Offload,
    Optimizer,
    Parallelism,
    WeightPrecision,
)
from selectcheck.model.base import MAX_ITEMS, Finite, IsoDate, NotBool, SchemaModel

Status = Literal["proposed", "accepted", "rejected", "deprecated", "superseded"]
IntendedUse = Literal["commercial", "internal", "research"]
ReasonKind = Literal["benchmark", "own-evaluation", "license", "hardware", "latency", "cost", "ecosystem", "other"]

RECORD_ID_PATTERN = r"^[A-Z][A-Z0-9]*-[0-9]+$"
RuleCode = Annotated[str, Field(pattern=r"^SC[0-9]{3}$")]
RecordId = Annotated[str, Field(pattern=RECORD_ID_PATTERN)]
NonEmpty = Annotated[str, Field(min_length=1)]


class Task(SchemaModel):
    category: NonEmpty = Field(
        title="Task category",
        description="A task category defined by the policy (for example code, reasoning, "
        "support-bot); it decides which benchmarks count as evidence.",
    )
    description: NonEmpty = Field(title="Description", description="What the model must do, in your words.")
    intended_use: IntendedUse = Field(
        title="Intended use",
        description="How the model will be used: commercial, internal or research. Checked against the license.",
    )
    user_facing: bool = Field(
        default=False,
        title="User facing",
        description="Whether end users see the model's output; user-facing tasks need human-preference "
        "evidence or an own evaluation.",
    )


class Hardware(SchemaModel):
    model_config = SchemaModel.model_config | {"json_schema_extra": lambda schema, cls: _hardware_schema(schema)}

    gpu: NonEmpty | None = Field(
        default=None,
        title="GPU",
        description="A GPU id from the catalog (for example A100-80GB, L4, H100-80GB).",
    )
    vram_gb: Annotated[float, Field(gt=0, le=100_000)] | None = Field(
        default=None,
        title="VRAM (GB)",
        description="Memory per GPU in GB (1e9 bytes), for GPUs the catalog does not know.",
    )
    count: Annotated[int, Field(ge=1, le=1024)] = Field(
        default=1,
        title="GPU count",
        description="GPUs used together; `parallelism` of the workload says how they share the work.",
    )

    @model_validator(mode="after")
    def _gpu_or_vram(self) -> Hardware:
        # The JSON Schema says the same with anyOf (see _hardware_schema).
        if self.gpu is None and self.vram_gb is None:
            raise ValueError("hardware needs `gpu` or `vram_gb`")
        return self


def _hardware_schema(schema: dict[str, Any]) -> None:
    schema["patternProperties"] = {"^x-": {"description": "Your own metadata; ignored by selectcheck."}}
    schema["anyOf"] = [{"required": ["gpu"]}, {"required": ["vram_gb"]}]


class Latency(SchemaModel):
    p95_budget: Annotated[float, Field(gt=0, le=10**9)] = Field(
        title="p95 budget (ms)", description="The 95th-percentile latency the product can afford, in ms."
    )
    p95_measured: Annotated[float, Field(gt=0, le=10**9)] | None = Field(
        default=None,
        title="p95 measured (ms)",
        description="The 95th-percentile latency you measured on this workload, in ms.",
    )


class Workload(SchemaModel):
    name: NonEmpty = Field(title="Name", description="A short name for the workload (fine-tune, serving, …).")
    mode: Mode = Field(
        title="Mode", description="inference, lora, qlora or full-finetune; decides which memory parts apply."
    )
    hardware: Hardware = Field(title="Hardware", description="The GPUs this workload runs on.")
    precision: WeightPrecision = Field(
        title="Weight precision",
        description="How the weights are stored: fp32, bf16, fp16, fp8, int8, int4, nf4, gptq-int4, gptq-int8, "
        "awq-int4, gguf-* (llama.cpp); `mixed` for full fine-tuning with fp32 master weights and bf16 compute; "
        "qlora needs 4-bit base weights (nf4, int4, gptq-int4, awq-int4).",
    )
    context_length: Annotated[int, Field(ge=1, le=10_000_000)] = Field(
        title="Context length",
        description="Tokens per sequence that the workload really uses (prompt plus output, RAG context included).",
    )
    batch_size: Annotated[int, Field(ge=1, le=100_000)] = Field(
        default=1,
        title="Batch size",
        description="Sequences processed at once, per GPU (the per-device micro-batch under data parallelism).",
    )
    engine: Engine = Field(
        default="transformers",
        title="Engine",
        description="transformers, vllm (claims gpu_memory_utilization of the card up front) or llama.cpp.",
    )
    kv_cache_precision: KvPrecision | None = Field(
        default=None,
        title="KV cache precision",
        description="Precision of the KV cache; defaults to bf16 (fp16 for fp16 weights and under llama.cpp).",
    )
    parallelism: Parallelism | None = Field(
        default=None,
        title="Parallelism",
        description="How the GPUs of `hardware.count` share the work: tensor or pipeline (split the model), "
        "ddp (every GPU holds everything), zero-1 (shards optimizer states), zero-2 (+ gradients), zero-3 or "
        "fsdp (+ weights). Default: tensor for inference, ddp for training.",
    )
    offload: Offload | None = Field(
        default=None,
        title="Offload",
        description="Training with ZeRO / FSDP: keep the optimizer (master weights, states, fp32 gradients) or "
        "also the parameters (zero-3, fsdp) in host RAM; the host RAM is reported apart.",
    )
    gradient_checkpointing: bool = Field(
        default=False,
        title="Gradient checkpointing",
        description="Training modes: recompute activations in the backward pass to save memory.",
    )
    optimizer: Optimizer | None = Field(
        default=None,
        title="Optimizer",
        description="Training modes: adamw, adamw-8bit, paged-adamw, paged-adamw-8bit (bitsandbytes) or sgd "
        "(default adamw).",
    )
    lora_rank: Annotated[int, Field(ge=1, le=4096)] | None = Field(
        default=None, title="LoRA rank", description="lora/qlora: the adapter rank (default 16)."
    )
    adapter_precision: AdapterPrecision | None = Field(
        default=None,
        title="Adapter precision",
        description="lora/qlora: dtype of the adapters, their gradients and optimizer states (peft's default "
        "fp32, or bf16).",
    )
    autocast: bool | None = Field(
        default=None,
        title="Autocast",
        description="Training: torch.autocast to bf16 is on (HF Trainer's `bf16: true`): fp32 adapters then save "
        "bf16 inputs. Default false.",
    )
    attention: Attention | None = Field(
        default=None,
        title="Attention",
        description="transformers: sdpa (default), flash (flash-attention 2) or eager (materialises the "
        "tokens × tokens score matrix of every head).",
    )
    gpu_memory_utilization: Annotated[float, Field(gt=0, le=1)] | None = Field(
        default=None,
        title="GPU memory utilization",
        description="vLLM: the share of the card the engine claims (default 0.9).",
    )
    max_model_len: Annotated[int, Field(ge=1, le=10_000_000)] | None = Field(
        default=None,
        title="Max model length",
        description="vLLM: the longest request the engine accepts; its KV cache must hold at least one "
        "(default: context_length).",
    )
    max_num_seqs: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        default=None,
        title="Max sequences",
        description="vLLM: sequences scheduled at once (default 256); the sampler's profile run holds this many "
        "rows of logits.",
    )
    max_num_batched_tokens: Annotated[int, Field(ge=1, le=10_000_000)] | None = Field(
        default=None,
        title="Max batched tokens",
        description="vLLM: tokens in one forward pass (default 8192); sizes the profile run's activations.",
    )
    flash_attention: bool | None = Field(
        default=None,
        title="Flash attention",
        description="llama.cpp: -fa on (default) or off; off holds n_ubatch × context × heads attention scores.",
    )
    n_ubatch: Annotated[int, Field(ge=1, le=1_000_000)] | None = Field(
        default=None,
        title="Micro-batch",
        description="llama.cpp: tokens per compute graph (-ub, default 512).",
    )
    parallel: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        default=None,
        title="Parallel slots",
        description="llama.cpp: server slots (-np), each holding context_length tokens (default: batch_size).",
    )
    gpu_layers: Annotated[int, Field(ge=0, le=100_000)] | None = Field(
        default=None,
        title="GPU layers",
        description="llama.cpp: decoder layers on the GPU (-ngl; default all); the rest, and their KV cache, "
        "stay in host RAM, which is reported apart.",
    )
    latency_ms: Latency | None = Field(
        default=None, title="Latency (ms)", description="Optional latency budget and measurement."
    )


class Score(SchemaModel):
    value: Finite = Field(
        title="Value",
        description="The score in the benchmark's own unit: percentage points (0–100) for accuracy-like "
        "metrics, the rating for Elo-like ones.",
    )
    source: str | None = Field(
        default=None,
        title="Source",
        description="Where the score comes from: a URL to the model card, paper or leaderboard, or a "
        "repository-relative path that selectcheck reads and checks the value against (SC212): an "
        "lm-evaluation-harness results file (`evals/results_2026-11-01T10-00-00.json`, optionally "
        "`#task,metric`) or a model card `README.md` with `model-index`.",
    )
    setting: str | None = Field(
        default=None, title="Setting", description="How it was measured, e.g. '0-shot pass@1', '5-shot'."
    )
    n: Annotated[int, Field(ge=1, le=MAX_ITEMS)] | None = Field(
        default=None,
        title="Items",
        description="Number of scored items, when it differs from the catalog or the benchmark is not in it.",
    )
    stderr: Annotated[float, Field(ge=0, le=MAX_ITEMS)] | None = Field(
        default=None, title="Standard error", description="The reported standard error, in the score's unit."
    )
    ci95: Annotated[list[Finite], Field(min_length=2, max_length=2)] | None = Field(
        default=None,
        title="95% interval",
        description="[low, high] of the 95% confidence interval, for rating-style scores.",
    )
    date: IsoDate | None = Field(
        default=None, title="Date", description="When the score was measured or published (YYYY-MM-DD)."
    )
    normalized: bool = Field(
        default=False,
        title="Normalized",
        description="True when the score is leaderboard-normalised (rescaled from the chance level).",
    )


class ArchitectureSpec(SchemaModel):
    config: NonEmpty | None = Field(
        default=None,
        title="Config file",
        description="Path (relative to the repository root) of the model's Hugging Face config.json.",
    )
    hidden_size: Annotated[int, Field(ge=1, le=1_000_000)] | None = Field(default=None, description="Model width.")
    num_hidden_layers: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        default=None, description="Decoder layers."
    )
    num_attention_heads: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        default=None, description="Query heads."
    )
    num_key_value_heads: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        default=None, description="KV heads (grouped-query attention)."
    )
    head_dim: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        default=None, description="Per-head dimension when it is not hidden_size / num_attention_heads."
    )
    intermediate_size: Annotated[int, Field(ge=1, le=10_000_000)] | None = Field(default=None, description="MLP width.")
    vocab_size: Annotated[int, Field(ge=1, le=100_000_000)] | None = Field(default=None, description="Vocabulary size.")
    tie_word_embeddings: bool | None = Field(
        default=None, description="Whether the LM head shares the embedding matrix."
    )
    max_position_embeddings: Annotated[int, Field(ge=1, le=10**9)] | None = Field(
        default=None, description="Maximum context the model supports."
    )
    sliding_window: Annotated[int, Field(ge=1, le=10**9)] | None = Field(
        default=None, description="Sliding-window size of local-attention layers."
    )
    num_local_experts: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        default=None, description="MoE: experts per layer (all are resident in memory)."
    )
    num_experts_per_tok: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        default=None, description="MoE: experts active per token."
    )


class Candidate(SchemaModel):
    model: NonEmpty = Field(
        title="Model", description="The Hugging Face repo id, e.g. meta-llama/Llama-3.1-8B-Instruct."
    )
    license: NonEmpty = Field(
        title="License",
        description="The license as a Hugging Face license tag or SPDX id/expression; `other` needs license_name.",
    )
    license_name: NonEmpty | None = Field(
        default=None, title="License name", description="The license's name when `license` is `other`."
    )
    parameters: Annotated[float, Field(gt=0, le=10**15)] | None = Field(
        default=None,
        title="Parameters",
        description="Total parameter count (all experts); optional when the catalog knows the model.",
    )
    architecture: ArchitectureSpec | None = Field(
        default=None,
        title="Architecture",
        description="For models the catalog does not know: a local config.json or the fields inline.",
    )
    scores: dict[NonEmpty, Score] = Field(
        default_factory=dict,
        title="Scores",
        description="Benchmark id → cited score. Ids and aliases from the benchmark catalog.",
    )


class Reason(SchemaModel):
    kind: ReasonKind = Field(title="Kind", description="What the reason rests on.")
    benchmark: NonEmpty | None = Field(
        default=None, title="Benchmark", description="kind: benchmark — the benchmark id the claim is about."
    )
    over: list[NonEmpty] = Field(
        default_factory=list,
        title="Over",
        description="The candidates the chosen model is claimed to beat on this reason.",
    )
    paired_correlation: Annotated[float, Field(ge=-1, le=1)] | None = Field(
        default=None,
        title="Paired correlation",
        description="Correlation of per-item results between the models (same items), for the paired noise floor.",
    )
    note: str | None = Field(default=None, title="Note", description="The reason in words.")


class Decision(SchemaModel):
    chosen: NonEmpty = Field(title="Chosen model", description="The model chosen; must be one of the candidates.")
    reasons: Annotated[list[Reason], Field(min_length=1)] = Field(
        title="Reasons", description="Why this model; benchmark and own-evaluation claims are checked."
    )
    summary: str | None = Field(default=None, title="Summary", description="The decision in a few sentences.")


class OwnEvaluation(SchemaModel):
    dataset: NonEmpty = Field(title="Dataset", description="What you evaluated on: your real task's data.")
    n: Annotated[int, Field(ge=1, le=MAX_ITEMS)] = Field(title="Items", description="Number of evaluated items.")
    metric: NonEmpty = Field(title="Metric", description="The metric, in percentage points (0–100).")
    results: dict[NonEmpty, Finite] = Field(
        title="Results", description="Candidate model id → score on your evaluation."
    )
    samples: dict[NonEmpty, NonEmpty] | None = Field(
        default=None,
        title="Per-item results",
        description="Candidate model id → repository-relative per-item file: an lm-evaluation-harness "
        "samples file (`samples_<task>_<timestamp>.jsonl`, optionally `#metric,filter`) or a JSONL of "
        '`{"id": …, "correct": 0|1}` or `{"id": …, "score": number}` rows. When two models have one '
        "on the same items, claims between them are judged with a paired test (McNemar's exact test "
        "for 0/1 scores, a paired t-test otherwise).",
    )
    source: str | None = Field(
        default=None, title="Source", description="Where the evaluation is documented (path or URL)."
    )
    date: IsoDate | None = Field(default=None, title="Date", description="When it was run.")


class Waiver(SchemaModel):
    rule: RuleCode = Field(title="Rule", description="The rule code to silence for this record (not SC0xx).")
    reason: NonEmpty = Field(title="Reason", description="Why the finding does not apply here.")
    approved_by: NonEmpty = Field(title="Approved by", description="Who accepted the risk.")
    expires: IsoDate = Field(title="Expires", description="The waiver stops applying after this date.")


class Record(SchemaModel):
    """A model-selection record: one decision about which LLM to fine-tune or deploy."""

    schema_version: Annotated[Literal[1], NotBool] = Field(
        title="Schema version", description="Always 1 for this format."
    )
    id: RecordId = Field(title="Id", description="Record id such as MSR-0007; matches the file number.")
    title: NonEmpty = Field(title="Title", description="What was decided, in a line.")
    status: Status = Field(title="Status", description="proposed, accepted, rejected, deprecated or superseded.")
    date: IsoDate = Field(title="Date", description="Date of the decision (YYYY-MM-DD).")
    decision_makers: Annotated[list[NonEmpty], Field(min_length=1)] = Field(
        title="Decision makers", description="Who decided (emails or handles)."
    )
    supersedes: list[RecordId] = Field(
        default_factory=list, title="Supersedes", description="Ids of records this one replaces."
    )
    superseded_by: RecordId | None = Field(
        default=None,
        title="Superseded by",
        description="The id of the record that replaces this one; required exactly when status is superseded.",
    )
    task: Task = Field(title="Task", description="What the model is for.")
    workloads: Annotated[list[Workload], Field(min_length=1)] = Field(
        title="Workloads", description="Fine-tuning and serving setups; each is checked for memory fit."
    )
    candidates: Annotated[list[Candidate], Field(min_length=1)] = Field(
        title="Candidates", description="The models considered, with cited scores and licenses."
    )
    decision: Decision = Field(title="Decision", description="The chosen model and the reasons.")
    own_evaluation: OwnEvaluation | None = Field(
        default=None,
        title="Own evaluation",
        description="Your evaluation on your actual task; required for accepted records.",
    )
    waivers: list[Waiver] = Field(
        default_factory=list, title="Waivers", description="Rules silenced for this record, with accountability."
    )

    def candidate(self, model: str) -> Candidate | None:
        for candidate in self.candidates:
            if candidate.model == model:
                return candidate
        return None
