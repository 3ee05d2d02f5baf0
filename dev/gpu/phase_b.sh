#!/usr/bin/env bash
# On the device, after the last piece arrived: install, convert the model, serve it with vLLM, measure
# tokens/s direct vs gateway vs LiteLLM proxy + gateway (dev/gpu/serve_bench.sh, BENCH_SETS). Logs → $OUT.
#   bash dev/gpu/phase_b.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
T0=$(date +%s); OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
stage() { echo "=== $1 at $(( $(date +%s) - T0 ))s"; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
stage install; bash dev/gpu/install.sh 2>&1 | tee "$OUT/gpu_install.log" | grep -v "^\s*$"
. dev/gpu/env.sh
stage convert; python3 dev/gpu/convert_model.py 2>&1 | grep -v -i "warn\|clean_up_tokenization" | tee "$OUT/gpu_convert.log"
MODEL=$(tail -1 "$OUT/gpu_convert.log")
[ -f "$MODEL/config.json" ] || { echo "no converted model"; exit 1; }
mkdir -p /tmp/swerl-cache && echo "$MODEL" > /tmp/swerl-cache/.converted-smollm2   # serve_bench.sh reuses it
T0=$T0 MODEL=$MODEL exec bash dev/gpu/serve_bench.sh
