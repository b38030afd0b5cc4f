#!/usr/bin/env bash
# Issue 3's real-GPU checks in one run on a GPU machine (about 6 minutes on an H200):
#   1. `selectcheck hardware` against the real driver, and tests/test_hardware.py, whose
#      test_real_nvml runs only where NVML finds a GPU;
#   2. fresh measurements with tools/calibration/vram_probe.py of what the H200 data lacks
#      (batches above 1, Gemma past its sliding window, Gemma-3, Qwen3, training at other
#      lengths), next to selectcheck's estimate of each.
# Here first: bash tools/calibration/gpu_wheels.sh. Then, with the device tool:
#   run(command="bash tools/calibration/gpu_check.sh", carry=[".whl"], kind="nvidia-h200", timeout_s=560)
# What comes back in $OUT: hardware.txt, hardware-tests.txt, vram.jsonl (append its infer and
# train rows to tests/data/vram-h200-transformers.jsonl), accuracy.md and estimate.txt.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-gpu_out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH="/tmp/site:$PWD/checker:$PWD"
else
  export PYTHONPATH="$PWD/checker:$PWD"
fi

echo "== selectcheck hardware"
python3 -m selectcheck hardware 2>&1 | tee "$OUT/hardware.txt"
python3 -m selectcheck hardware --format json >>"$OUT/hardware.txt" 2>&1

echo "== tests/test_hardware.py"
python3 -m pytest -q -p no:cacheprovider -rs tests/test_hardware.py 2>&1 | tee "$OUT/hardware-tests.txt" | tail -n 5

echo "== vram_probe.py"
default_plan='{
  "llama-3.1-8b": [["b4x8192", "b16x2048"], ["lora_s8192", "lora_ckpt_s8192"]],
  "gemma-2-9b": [[8192, "b4x4096"], []],
  "llama-3.2-1b": [["b32x1024"], ["full_bf16_s8192", "full_bf16_ckpt_s8192", "full_mixed_s4096"]],
  "gemma-3-4b": [[32768], ["lora_ckpt_s4096"]],
  "qwen3-8b": [[32768, "b8x4096"], ["lora"]]
}'
OUT="$OUT" BUDGET_S="${BUDGET_S:-330}" PLAN="${PLAN:-$default_plan}" python3 tools/calibration/vram_probe.py >"$OUT/probe.log" 2>&1
grep -c '"kind"' "$OUT/vram.jsonl" || true

echo "== estimate / measured"
python3 tools/calibration/vram_accuracy.py --data "$OUT/vram.jsonl" | tee "$OUT/accuracy.md"
python3 -m selectcheck estimate meta-llama/Llama-3.1-8B-Instruct --context 8200 --batch 4 --gpu H200 2>&1 | tee "$OUT/estimate.txt"
grep '"ctx": 8192, "batch": 4' "$OUT/vram.jsonl" | grep llama-3.1-8b >>"$OUT/estimate.txt" || true
