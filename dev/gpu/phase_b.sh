#!/usr/bin/env bash
# On the device, after the last piece arrived: install, convert the model, serve it with vLLM, measure
# tokens/s direct vs gateway vs LiteLLM proxy + gateway. Logs → $OUT (small), summary on stdout.
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
stage vllm; PORT=18000
python3 -m vllm.entrypoints.openai.api_server --model "$MODEL" --served-model-name vllm_model --enforce-eager \
  --max-model-len 4096 --gpu-memory-utilization 0.3 --port $PORT > "$OUT/gpu_vllm.log" 2>&1 &
VP=$!
for i in $(seq 1 120); do curl -sf localhost:$PORT/health >/dev/null && break; kill -0 $VP 2>/dev/null || break; sleep 2; done
curl -sf localhost:$PORT/health >/dev/null || { echo "vLLM did not come up"; tail -30 "$OUT/gpu_vllm.log"; exit 1; }
stage "vllm up"
curl -s localhost:$PORT/v1/completions -H 'content-type: application/json' \
  -d '{"model":"vllm_model","prompt":[1,9690,198],"max_tokens":6,"logprobs":0,"return_token_ids":true}' | head -c 600; echo
stage bench
python3 dev/gpu/bench_serve.py --vllm 127.0.0.1:$PORT --model-dir "$MODEL" --config configs/gpu-1x-smollm2.yaml ${BENCH_ARGS:-} \
  --out "$OUT/gpu_bench.json" 2>&1 | grep -v -i "clean_up_tokenization\|warn" | tee "$OUT/gpu_bench.log"
nvidia-smi --query-gpu=memory.used,memory.total --format=csv,noheader | sed 's/^/gpu memory (vLLM at 0.3): /'
kill $VP; wait $VP 2>/dev/null
stage done
