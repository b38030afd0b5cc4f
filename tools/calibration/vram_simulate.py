"""Replay the H200 probe's workloads without a GPU, to test the estimate where nobody measured.

The calibration data (tests/data/vram-h200-transformers.jsonl) covers 35 points. To check that
the estimate's physics carries over to other models, batch sizes and sequence lengths, this
script runs the *real* PyTorch and HF transformers code of each workload on the ``meta``
device (shapes only, no memory, no arithmetic) and records every tensor allocation and free
in order, with exact lifetimes (the same reference counting and autograd graph as on a GPU).
It then replays that sequence through a model of PyTorch's CUDA caching allocator to get
what ``torch.cuda.max_memory_reserved()`` would report, and adds the CUDA context measured on
the H200 to get the NVML figure the estimate is compared with.

What is emulated, because the meta device would otherwise differ from CUDA:
  * SDPA takes CUDA's kernels: flash attention (native GQA) without a mask, memory-efficient
    attention with an additive mask when there is one (no tokens² scores in either).
  * ``torch.autocast`` to bf16 (full_mixed): a torch-function mode above autograd, like the
    real autocast, with its weight-cast cache; checkpointed layers recompute under it.
  * Data-dependent checks (is the attention mask all ones?) answer "no padding".
  * Gemma 2 runs with SDPA, as transformers 5.17 (the H200 run) allowed; newer releases
    insist on eager attention for it.
Caching allocator model (PyTorch's native allocator, default settings): requests rounded to
512 B; a small pool (≤ 1 MiB, 2 MiB segments) and a large pool (20 MiB segments under 10 MiB,
else rounded to 2 MiB); best fit by size then address; a block is split when the rest is
> 1 MiB (large) or ≥ 512 B (small); free neighbours coalesce; segments are never released.

``validate`` replays every measured point and prints simulated against measured peak
allocated and reserved bytes (the README has the table). ``grid`` simulates a grid of
workloads and writes probe-format rows (``"source": "simulated"``) for
tests/data/vram-simulated-h200.jsonl. Needs torch, transformers and peft (not project
dependencies)::

    pip install torch transformers peft pyyaml
    python tools/calibration/vram_simulate.py validate
    python tools/calibration/vram_simulate.py grid --kind infer llama-3.2-1b qwen3-8b > rows.jsonl
    python tools/calibration/vram_simulate.py params > tests/data/hf-parameter-counts.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
import yaml
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

sys.path.insert(0, str(Path(__file__).resolve().parent))
from caching_allocator import CachingAllocator

REPO = Path(__file__).resolve().parents[2]
MEASURED = REPO / "tests" / "data" / "vram-h200-transformers.jsonl"
PROBE_CONFIGS = REPO / "tests" / "fixtures" / "configs"
CATALOG = REPO / "policy" / "catalog" / "models.yaml"
META = torch.device("meta")
H200_TOTAL_BYTES = 150_754_820_096
# On the H200, NVML use minus torch's peak reserved was 0.81-0.82 GB once cuBLAS and the
# kernels were loaded (CUDA context and library memory outside the caching allocator).
CUDA_CONTEXT_BYTES = 815_000_000
# Measured peak reserved minus the replay's, median over the measured points: cuBLAS and
# cuBLASLt workspaces, which come from the caching allocator but not from tensors.
CUBLAS_WORKSPACE_BYTES = 60_000_000

# -- recording tensor lifetimes on the meta device ----------------------------------------


class AllocationRecorder(TorchDispatchMode):
    """Records every new tensor storage and its free, in order, below autograd."""

    def __init__(self) -> None:
        super().__init__()
        self._live: dict[int, int] = {}
        self.resident: list[tuple[int, int]] = []  # storages that existed before (weights)
        self.events: list[tuple[int, int | None]] = []  # (storage, bytes) or (storage, None) = free
        self.current = self.peak = 0

    def already_resident(self, module: torch.nn.Module) -> AllocationRecorder:
        for tensor in [*module.parameters(), *module.buffers()]:
            storage = tensor.untyped_storage()
            if storage._cdata not in self._live:
                self.resident.append((storage._cdata, storage.nbytes()))
                self._live[storage._cdata] = 0
        return self

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        if func is torch.ops.aten._local_scalar_dense.default and args[0].device.type == "meta":
            # Data-dependent checks (all-ones masks, packed sequences): answer "no padding".
            return True if args[0].dtype == torch.bool else 0
        out = func(*args, **(kwargs or {}))
        for tensor in tree_leaves(out):
            if isinstance(tensor, torch.Tensor):
                storage = tensor.untyped_storage()
                key = storage._cdata
                if key not in self._live:
                    nbytes = storage.nbytes()
                    self._live[key] = nbytes
                    self.events.append((key, nbytes))
                    self.current += nbytes
                    self.peak = max(self.peak, self.current)
                    weakref.finalize(storage, self._freed, key)
        return out

    def _freed(self, key: int) -> None:
        self.current -= self._live.pop(key)
        self.events.append((key, None))

    def replay(self) -> CachingAllocator:
        allocator = CachingAllocator()
        for key, nbytes in self.resident:
            allocator.malloc(("resident", key), nbytes)
        allocator.reset_peaks()
        live: set[int] = set()
        for key, nbytes in self.events:
            if nbytes is None:
                if key in live:
                    allocator.release(key)
                    live.discard(key)
            else:
                allocator.malloc(key, nbytes)
                live.add(key)
        return allocator


# -- CUDA behaviour the meta device lacks -------------------------------------------------

_LOWER_PRECISION_OPS = {"linear", "matmul", "__matmul__", "__rmatmul__", "bmm", "mm", "addmm", "baddbmm", "addbmm"}
_FP32_OPS = {
    "softmax", "log_softmax", "cross_entropy", "nll_loss", "exp", "rsqrt", "pow", "__pow__", "__rpow__",
    "log", "sum", "layer_norm", "cumsum", "cumprod", "reciprocal", "log1p", "expm1", "norm", "mse_loss",
}  # fmt: skip
_AUTOCAST_STACK: list[EmulatedAutocast] = []


class EmulatedAutocast(TorchFunctionMode):
    """CUDA autocast to bf16 (its op lists), above autograd like the real one, so casts are
    recorded and may be saved for backward; leaf casts are cached for the region."""

    def __init__(self, cache: bool = True) -> None:
        super().__init__()
        self._cache: dict[int, torch.Tensor] = {}
        self._use_cache = cache

    def cast(self, value: Any, dtype: torch.dtype) -> Any:
        if not isinstance(value, torch.Tensor) or not value.is_floating_point():
            return value
        if value.dtype in (dtype, torch.float64):
            return value
        if self._use_cache and dtype == torch.bfloat16 and value.is_leaf and value.requires_grad:
            if id(value) not in self._cache:
                self._cache[id(value)] = value.to(dtype)
            return self._cache[id(value)]
        return value.to(dtype)

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        if name in _LOWER_PRECISION_OPS:
            args = [self.cast(a, torch.bfloat16) for a in args]
            kwargs = {k: self.cast(v, torch.bfloat16) for k, v in kwargs.items()}
        elif name in _FP32_OPS:
            args = [self.cast(a, torch.float32) for a in args]
        return func(*args, **kwargs)

    def __enter__(self) -> EmulatedAutocast:
        _AUTOCAST_STACK.append(self)
        super().__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        _AUTOCAST_STACK.pop()
        self._cache.clear()
        super().__exit__(*exc)


_meta_sdpa_fallback = F.scaled_dot_product_attention


def cuda_sdpa(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    attn_mask: torch.Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> torch.Tensor:
    """SDPA as CUDA dispatches it: the flash kernel without a mask, the memory-efficient
    kernel with an additive 16-bit mask otherwise (the math kernel would keep tokens²)."""
    if q.device.type != "meta":
        return _meta_sdpa_fallback(
            q, k, v, attn_mask=attn_mask, dropout_p=dropout_p, is_causal=is_causal, scale=scale, enable_gqa=enable_gqa
        )
    if _AUTOCAST_STACK:
        q, k, v = (_AUTOCAST_STACK[-1].cast(x, torch.bfloat16) for x in (q, k, v))
        if attn_mask is not None and attn_mask.is_floating_point():
            attn_mask = attn_mask.to(torch.bfloat16)
    if attn_mask is None and q.shape[-1] <= 256:
        return torch.ops.aten._scaled_dot_product_flash_attention(q, k, v, dropout_p, is_causal, False, scale=scale)[0]
    if k.shape[1] != q.shape[1]:
        k = k.repeat_interleave(q.shape[1] // k.shape[1], dim=1)
        v = v.repeat_interleave(q.shape[1] // v.shape[1], dim=1)
    if attn_mask is not None and attn_mask.dtype == torch.bool:
        attn_mask = torch.zeros_like(attn_mask, dtype=q.dtype).masked_fill_(~attn_mask, float("-inf"))
    if attn_mask is not None:
        attn_mask = attn_mask.expand(q.shape[0], q.shape[1], q.shape[2], k.shape[2])
    needs_grad = torch.is_grad_enabled() and any(x.requires_grad for x in (q, k, v))
    return torch.ops.aten._scaled_dot_product_efficient_attention(
        q, k, v, attn_mask, needs_grad, dropout_p, is_causal, scale=scale
    )[0]


def _install_cuda_behaviour() -> None:
    F.scaled_dot_product_attention = cuda_sdpa
    from transformers.models.gemma2 import modeling_gemma2

    modeling_gemma2.Gemma2PreTrainedModel._supports_sdpa = True  # as in transformers 5.17


# -- the probe's workloads ----------------------------------------------------------------


def build(config: dict[str, Any], dtype: torch.dtype) -> Any:
    from transformers import AutoConfig, AutoModelForCausalLM

    values = dict(config)
    model_type = values.pop("model_type")
    if model_type == "gemma2":
        values["attn_logit_softcapping"] = None  # SDPA ignores it; memory is the same
    hf_config = AutoConfig.for_model(model_type, **values)
    default = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with META:
            model = AutoModelForCausalLM.from_config(hf_config, attn_implementation="sdpa")
    finally:
        torch.set_default_dtype(default)
    return model.to(dtype)


def _resident_bytes(model: Any) -> int:
    return sum(t.numel() * t.element_size() for t in [*model.parameters(), *model.buffers()])


def simulate_inference(config: dict[str, Any], prompt: int, batch: int = 1, new_tokens: int = 8) -> dict[str, int]:
    """``generate`` as the probe runs it: greedy, KV cache on, logits of the last position."""
    from transformers import DynamicCache

    model = build(config, torch.bfloat16).eval()
    with torch.inference_mode(), AllocationRecorder().already_resident(model) as recorder:
        ids = torch.zeros(batch, prompt, dtype=torch.long, device=META)
        cache = DynamicCache(config=model.config)
        token = _greedy(model(input_ids=ids, past_key_values=cache, use_cache=True, logits_to_keep=1))
        for step in range(new_tokens - 1):
            position = prompt + step
            token = _greedy(
                model(
                    input_ids=token,
                    past_key_values=cache,
                    use_cache=True,
                    logits_to_keep=1,
                    position_ids=torch.full((batch, 1), position, dtype=torch.long, device=META),
                    cache_position=torch.tensor([position], device=META),
                )
            )
    return _result(model, recorder)


def _greedy(out: Any) -> torch.Tensor:
    """generate's greedy step: an fp32 copy of the last position's logits, then argmax."""
    scores = out.logits[:, -1, :].to(copy=True, dtype=torch.float32)
    return scores.argmax(-1, keepdim=True)


def simulate_training(config: dict[str, Any], mode: str, seq: int) -> dict[str, int]:
    """Two AdamW steps at batch 1 as the probe runs them (``full_mixed``, ``full_bf16``,
    ``lora`` with r=16 on all linear layers; ``_ckpt`` = gradient checkpointing)."""
    from torch.optim import AdamW

    checkpointing = mode.endswith("_ckpt")
    base_mode = mode.removesuffix("_ckpt")
    mixed = base_mode == "full_mixed"
    model = build(config, torch.float32 if mixed else torch.bfloat16)
    if base_mode == "lora":
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", lora_dropout=0.0))
    if checkpointing:
        model.gradient_checkpointing_enable(
            gradient_checkpointing_kwargs={"use_reentrant": False, "preserve_rng_state": False}
        )
        if base_mode == "lora":
            model.enable_input_require_grads()
        if mixed:
            _recompute_under_autocast(model)
    model.config.use_cache = False
    model.train()
    optimizer = AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5, foreach=True)
    with AllocationRecorder().already_resident(model) as recorder:
        for _ in range(2):
            ids = torch.zeros(1, seq, dtype=torch.long, device=META)
            with EmulatedAutocast() if mixed else contextlib.nullcontext():
                loss = model(input_ids=ids, labels=ids).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            del loss
    return _result(model, recorder)


def _recompute_under_autocast(model: Any) -> None:
    """torch.utils.checkpoint re-enters the forward's autocast state for each recomputed
    layer (a fresh cast cache per layer); do the same for the emulated autocast."""

    def under_autocast(function: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            with EmulatedAutocast(cache=False):
                return function(*args, **kwargs)

        return run

    for module in model.modules():
        original = getattr(module, "_gradient_checkpointing_func", None)
        if original is not None:

            def wrapped(function: Callable[..., Any], *args: Any, _original: Any = original, **kwargs: Any) -> Any:
                return _original(under_autocast(function), *args, **kwargs)

            module._gradient_checkpointing_func = wrapped


def _result(model: Any, recorder: AllocationRecorder) -> dict[str, int]:
    allocator = recorder.replay()
    resident = _resident_bytes(model)
    reserved = allocator.peak_reserved + CUBLAS_WORKSPACE_BYTES
    return {
        "peak_alloc": resident + recorder.peak,
        "peak_reserved": reserved,
        "nvml": reserved + CUDA_CONTEXT_BYTES,
    }


def simulate(row: dict[str, Any], config: dict[str, Any]) -> dict[str, int]:
    if row["kind"] == "infer":
        return simulate_inference(config, row["ctx"], row.get("batch", 1), row.get("new_tokens", 8))
    return simulate_training(config, row["mode"], row["seq"])


# -- commands -----------------------------------------------------------------------------


def _catalog_models() -> dict[str, tuple[dict[str, Any], int]]:
    """Config and maximum context of every catalog model (by id and alias) and probe config."""
    models: dict[str, tuple[dict[str, Any], int]] = {}
    for entry in yaml.safe_load(CATALOG.read_text(encoding="utf-8"))["models"]:
        for name in [entry["id"], *entry.get("aliases", [])]:
            models[name.lower()] = (entry["config"], entry["max_context"])
    for path in PROBE_CONFIGS.glob("*.json"):  # the configs the H200 run used, where it ran them
        config = json.loads(path.read_text(encoding="utf-8"))
        known = models.get(path.stem)
        models[path.stem] = (config, known[1] if known else config.get("max_position_embeddings") or 131072)
    return models


def validate(models: list[str]) -> None:
    rows = [json.loads(line) for line in MEASURED.read_text(encoding="utf-8").splitlines() if line.strip()]
    print(
        "| model | workload | peak allocated: measured / replayed (GB) | ratio "
        "| peak reserved: measured / replayed (GB) | ratio |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for row in rows:
        if row["kind"] not in ("infer", "train") or (models and row["model"] not in models):
            continue
        config = json.loads((PROBE_CONFIGS / f"{row['model']}.json").read_text(encoding="utf-8"))
        sim = simulate(row, config)
        if row["kind"] == "infer":
            what = f"inference {row['ctx']:,} × {row['batch']}"
        else:
            what = f"{row['mode']} {row['seq']:,}"
        alloc, reserved = row["peak_alloc"], row["peak_reserved"]
        print(
            f"| {row['model']} | {what} | {alloc / 1e9:.2f} / {sim['peak_alloc'] / 1e9:.2f} | "
            f"{sim['peak_alloc'] / alloc:.3f} | {row['peak_reserved'] / 1e9:.2f} / {sim['peak_reserved'] / 1e9:.2f} | "
            f"{sim['peak_reserved'] / reserved:.3f} |",
            flush=True,
        )


def grid_rows(kind: str, model: str, max_context: int) -> Iterator[dict[str, Any]]:
    if kind == "infer":
        shapes = [(512, 1), (2048, 1), (8192, 1), (32768, 1), (131072, 1), (2048, 8), (8192, 4), (1024, 32)]
        for ctx, batch in shapes:
            if ctx <= max_context:
                yield {"kind": "infer", "model": model, "ctx": ctx, "batch": batch, "new_tokens": 8}
        return
    if kind == "mixed":
        modes = ["full_mixed", "full_mixed_ckpt"]
    else:
        modes = ["lora", "lora_ckpt", "full_bf16", "full_bf16_ckpt"]
    for mode in modes:
        for seq in (512, 2048, 8192) if kind == "mixed" else (512, 4096, 8192):
            if seq <= max_context:
                yield {"kind": "train", "model": model, "mode": mode, "seq": seq, "batch": 1}


def grid(kind: str, models: list[str]) -> None:
    known = _catalog_models()
    for model in models:
        config, max_context = known[model.lower()]
        for row in grid_rows(kind, model, max_context):
            started = time.monotonic()
            try:
                sim = simulate(row, config)
            except Exception as error:
                print(f"{model} {row}: {error!r}"[:300], file=sys.stderr)
                continue
            if sim["nvml"] > H200_TOTAL_BYTES:
                continue  # would not fit the H200 the data comes from
            row.update(sim, source="simulated", config=config, secs=round(time.monotonic() - started, 1))
            print(json.dumps(row), flush=True)


def parameter_counts() -> None:
    """transformers' own parameter count of every catalog model (built on the meta device)."""
    from transformers import AutoConfig, AutoModelForCausalLM

    counts: dict[str, int] = {}
    for entry in yaml.safe_load(CATALOG.read_text(encoding="utf-8"))["models"]:
        values = dict(entry["config"])
        hf_config = AutoConfig.for_model(values.pop("model_type"), **values)
        with META:
            model = AutoModelForCausalLM.from_config(hf_config)
        counts[entry["id"]] = sum(p.numel() for p in model.parameters())
    import transformers

    print(json.dumps({"transformers": transformers.__version__, "parameters": counts}, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    validate_parser = sub.add_parser("validate", help="replay the measured points and compare")
    validate_parser.add_argument("models", nargs="*", help="only these models (default: all)")
    grid_parser = sub.add_parser("grid", help="simulate a grid of workloads (JSON lines on stdout)")
    grid_parser.add_argument("--kind", choices=["infer", "train", "mixed"], required=True)
    grid_parser.add_argument("models", nargs="+")
    sub.add_parser("params", help="transformers' parameter count of every catalog model (JSON)")
    args = parser.parse_args()
    _install_cuda_behaviour()
    if args.command == "validate":
        validate(args.models)
    elif args.command == "params":
        parameter_counts()
    else:
        grid(args.kind, args.models)


if __name__ == "__main__":
    main()
