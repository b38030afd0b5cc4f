"""Measure real GPU memory of LLM architectures (random weights, no download).

A copy of ../shared/tools/vram_probe.py, which measured tests/data/vram-h200-transformers.jsonl,
so that the probe travels with the repository to a GPU machine (tools/calibration/gpu_check.sh).
One addition: PLAN, a JSON object {model: [[inference lengths], [training modes]]}, chooses
what to measure instead of the built-in list. Its models are the built-in ones or any catalog
id or alias (policy/catalog/models.yaml gives the config); a length "b4x8192" is batch 4 of
8,192 tokens and a mode "lora_s8192" trains at 8,192 tokens.

Ground truth for selectcheck's VRAM-fit rule. Each model is built from its
published config.json facts with random weights in bf16, then:
  * inference: generate with HF transformers (sdpa attention, batch 1) at
    several prompt lengths; record torch peak allocated / reserved and the
    device-level used memory from NVML (includes the CUDA context);
  * fine-tuning: one AdamW step (full mixed precision, full bf16, LoRA r=16
    on all linear layers), with and without gradient checkpointing.
Writes one JSON object per line to $OUT/vram.jsonl.  TINY=1 shrinks every
config for a CPU smoke test.
"""

import gc
import json
import os
import sys
import time

import torch

TINY = bool(os.environ.get("TINY"))
OUT = os.environ.get("OUT", "vram_out")
os.makedirs(OUT, exist_ok=True)
DEADLINE = time.time() + float(os.environ.get("BUDGET_S", "420"))
CUDA = torch.cuda.is_available()
DEV = torch.device("cuda" if CUDA else "cpu")

try:
    import pynvml

    pynvml.nvmlInit()
    H = pynvml.nvmlDeviceGetHandleByIndex(0)
    NVML_BASE = pynvml.nvmlDeviceGetMemoryInfo(H).used
except Exception:  # no GPU, or no NVML
    H = None
    NVML_BASE = 0


def nvml_used():
    if H is None:
        return None
    return pynvml.nvmlDeviceGetMemoryInfo(H).used - NVML_BASE


def llama(h, L, nh, kv, inter, vocab, tied, hd=None, **kw):
    d = dict(
        model_type="llama",
        hidden_size=h,
        num_hidden_layers=L,
        num_attention_heads=nh,
        num_key_value_heads=kv,
        intermediate_size=inter,
        vocab_size=vocab,
        tie_word_embeddings=tied,
        max_position_embeddings=131072,
    )
    if hd:
        d["head_dim"] = hd
    d.update(kw)
    return d


MODELS = {
    # name: (config, inference prompt lengths, training modes)
    "llama-3.2-1b": (
        llama(2048, 16, 32, 8, 8192, 128256, True, 64),
        [1024, 8192, 32768, 131072],
        ["full_mixed", "full_mixed_ckpt", "full_bf16", "lora", "lora_ckpt"],
    ),
    "llama-3.1-8b": (llama(4096, 32, 32, 8, 14336, 128256, False), [1024, 8192, 32768, 131072], ["lora", "lora_ckpt"]),
    "qwen2.5-7b": (
        dict(
            model_type="qwen2",
            hidden_size=3584,
            num_hidden_layers=28,
            num_attention_heads=28,
            num_key_value_heads=4,
            intermediate_size=18944,
            vocab_size=152064,
            tie_word_embeddings=False,
            max_position_embeddings=32768,
        ),
        [1024, 8192, 32768],
        [],
    ),
    "phi-3-mini": (
        dict(
            model_type="phi3",
            hidden_size=3072,
            num_hidden_layers=32,
            num_attention_heads=32,
            num_key_value_heads=32,
            intermediate_size=8192,
            vocab_size=32064,
            tie_word_embeddings=False,
            max_position_embeddings=4096,
        ),
        [1024, 4096],
        [],
    ),
    "llama-3.2-3b": (llama(3072, 28, 24, 8, 8192, 128256, True, 128), [1024, 8192, 32768], ["full_mixed_ckpt", "lora"]),
    "mistral-7b-v0.3": (
        dict(
            model_type="mistral",
            hidden_size=4096,
            num_hidden_layers=32,
            num_attention_heads=32,
            num_key_value_heads=8,
            intermediate_size=14336,
            vocab_size=32768,
            tie_word_embeddings=False,
            max_position_embeddings=32768,
            sliding_window=None,
        ),
        [1024, 32768],
        [],
    ),
    "qwen2.5-14b": (
        dict(
            model_type="qwen2",
            hidden_size=5120,
            num_hidden_layers=48,
            num_attention_heads=40,
            num_key_value_heads=8,
            intermediate_size=13824,
            vocab_size=152064,
            tie_word_embeddings=False,
            max_position_embeddings=32768,
        ),
        [1024, 32768],
        [],
    ),
    "gemma-2-9b": (
        dict(
            model_type="gemma2",
            hidden_size=3584,
            num_hidden_layers=42,
            num_attention_heads=16,
            num_key_value_heads=8,
            head_dim=256,
            intermediate_size=14336,
            vocab_size=256000,
            sliding_window=4096,
            query_pre_attn_scalar=256,
            tie_word_embeddings=True,
            max_position_embeddings=8192,
        ),
        [1024, 4096],
        [],
    ),
    "qwen2.5-32b": (
        dict(
            model_type="qwen2",
            hidden_size=5120,
            num_hidden_layers=64,
            num_attention_heads=40,
            num_key_value_heads=8,
            intermediate_size=27648,
            vocab_size=152064,
            tie_word_embeddings=False,
            max_position_embeddings=32768,
        ),
        [1024, 32768],
        [],
    ),
    "mixtral-8x7b": (
        dict(
            model_type="mixtral",
            hidden_size=4096,
            num_hidden_layers=32,
            num_attention_heads=32,
            num_key_value_heads=8,
            intermediate_size=14336,
            vocab_size=32000,
            num_local_experts=8,
            num_experts_per_tok=2,
            tie_word_embeddings=False,
            max_position_embeddings=32768,
        ),
        [1024, 8192],
        [],
    ),
}


def planned():
    """MODELS, or what the PLAN environment variable asks for (see the module docstring)."""
    plan = os.environ.get("PLAN")
    if not plan:
        return MODELS
    catalog = {}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "policy", "catalog", "models.yaml")
    if os.path.exists(path):
        import yaml

        for entry in yaml.safe_load(open(path, encoding="utf-8"))["models"]:
            for name in [entry["id"], *entry.get("aliases", [])]:
                catalog[name.lower()] = dict(entry["config"])
    chosen = {}
    for name, (lengths, modes) in json.loads(plan).items():
        cfg = MODELS[name][0] if name in MODELS else catalog[name.lower()]
        chosen[name] = (cfg, lengths, modes)
    return chosen


def shrink(cfg):
    c = dict(cfg)
    c.update(
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=min(4, c["num_key_value_heads"]),
        intermediate_size=128,
        vocab_size=512,
    )
    if "head_dim" in c:
        c["head_dim"] = 16
    if "query_pre_attn_scalar" in c:
        c["query_pre_attn_scalar"] = 16
    c.update(pad_token_id=0, bos_token_id=0, eos_token_id=0)
    return c


def emit(rec):
    rec["t"] = round(time.time(), 1)
    line = json.dumps(rec)
    print(line, flush=True)
    with open(os.path.join(OUT, "vram.jsonl"), "a") as f:
        f.write(line + "\n")


def build(cfg_dict, dtype):
    from transformers import AutoConfig, AutoModelForCausalLM

    d = dict(cfg_dict)
    mt = d.pop("model_type")
    old = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        for attn in ("sdpa", "eager"):
            try:
                cfg = AutoConfig.for_model(mt, **d)
                with torch.device(DEV):
                    model = AutoModelForCausalLM.from_config(cfg, attn_implementation=attn)
                break
            except ValueError:
                if attn == "eager":
                    raise
    finally:
        torch.set_default_dtype(old)
    model.attn_used = attn
    return model.to(dtype)


def clear():
    gc.collect()
    if CUDA:
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def mem():
    if not CUDA:
        return dict(peak_alloc=None, peak_reserved=None, nvml=nvml_used())
    torch.cuda.synchronize()
    return dict(
        peak_alloc=torch.cuda.max_memory_allocated(), peak_reserved=torch.cuda.max_memory_reserved(), nvml=nvml_used()
    )


def n_params(model):
    return sum(p.numel() for p in model.parameters())


def inference(name, cfg, lengths):
    clear()
    model = build(cfg, torch.bfloat16).eval()
    weights = sum(p.numel() * p.element_size() for p in model.parameters())
    base = mem()
    emit(
        dict(
            kind="weights",
            model=name,
            params=n_params(model),
            weight_bytes=weights,
            attn=getattr(model, "attn_used", None),
            **base,
        )
    )
    vocab = cfg["vocab_size"]
    for L in lengths:
        if time.time() > DEADLINE:
            emit(dict(kind="skipped", model=name, reason="deadline", ctx=L))
            break
        B = 1
        if isinstance(L, str):
            B, L = (int(x) for x in L[1:].split("x"))
        if TINY:
            L = min(L, 64)
        clear()
        ids = torch.randint(0, vocab, (B, L), device=DEV)
        t0 = time.time()
        try:
            with torch.inference_mode():
                model.generate(
                    ids,
                    attention_mask=torch.ones_like(ids),
                    max_new_tokens=8,
                    min_new_tokens=8,
                    do_sample=False,
                    pad_token_id=0,
                )
            emit(dict(kind="infer", model=name, ctx=L, batch=B, new_tokens=8, secs=round(time.time() - t0, 2), **mem()))
        except torch.cuda.OutOfMemoryError as e:
            emit(dict(kind="infer_oom", model=name, ctx=L, err=str(e)[:300]))
        except Exception as e:  # noqa: BLE001
            emit(dict(kind="infer_error", model=name, ctx=L, err=repr(e)[:300]))
        del ids
    del model
    clear()


def train(name, cfg, mode, seq=2048):
    from torch.optim import AdamW

    clear()
    if "_s" in mode:
        mode, seq = mode.split("_s")[0], int(mode.split("_s")[1])
    ckpt = mode.endswith("_ckpt")
    base_mode = mode.replace("_ckpt", "")
    if TINY:
        seq = 32
    t0 = time.time()
    try:
        if base_mode == "full_mixed":
            model = build(cfg, torch.float32)
        else:
            model = build(cfg, torch.bfloat16)
        if base_mode == "lora":
            from peft import LoraConfig, get_peft_model

            model = get_peft_model(
                model, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", lora_dropout=0.0)
            )
        if ckpt:
            model.gradient_checkpointing_enable()
            if base_mode == "lora":
                model.enable_input_require_grads()
        model.config.use_cache = False
        model.train()
        params = [p for p in model.parameters() if p.requires_grad]
        trainable = sum(p.numel() for p in params)
        opt = AdamW(params, lr=1e-5)
        clear()
        for _ in range(2):
            ids = torch.randint(0, cfg["vocab_size"], (1, seq), device=DEV)
            with torch.autocast(DEV.type, dtype=torch.bfloat16, enabled=base_mode == "full_mixed"):
                loss = model(input_ids=ids, labels=ids).loss
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
        emit(
            dict(
                kind="train",
                model=name,
                mode=mode,
                seq=seq,
                batch=1,
                trainable=trainable,
                secs=round(time.time() - t0, 2),
                **mem(),
            )
        )
    except torch.cuda.OutOfMemoryError as e:
        emit(dict(kind="train_oom", model=name, mode=mode, seq=seq, err=str(e)[:300]))
    except Exception as e:  # noqa: BLE001
        emit(dict(kind="train_error", model=name, mode=mode, seq=seq, err=repr(e)[:300]))
    finally:
        model = opt = None
        clear()


def main():
    import transformers

    info = dict(
        kind="env",
        torch=torch.__version__,
        transformers=transformers.__version__,
        cuda=CUDA,
        device=torch.cuda.get_device_name(0) if CUDA else "cpu",
        nvml_base=NVML_BASE,
    )
    if CUDA:
        torch.zeros(1, device=DEV)
        torch.cuda.synchronize()
        info["cuda_context_bytes"] = nvml_used() - torch.cuda.memory_reserved()
        if H is not None:
            info["total_bytes"] = pynvml.nvmlDeviceGetMemoryInfo(H).total
    emit(info)
    only = sys.argv[1:]
    for name, (cfg, lengths, modes) in planned().items():
        if only and name not in only:
            continue
        if time.time() > DEADLINE:
            emit(dict(kind="skipped", model=name, reason="deadline"))
            continue
        if TINY:
            cfg = shrink(cfg)
        try:
            inference(name, cfg, lengths)
        except Exception as e:  # noqa: BLE001
            emit(dict(kind="model_error", model=name, err=repr(e)[:300]))
            clear()
        for mode in modes:
            if time.time() > DEADLINE:
                break
            train(name, cfg, mode)


if __name__ == "__main__":
    main()
