#!/usr/bin/env bash
# On the device, once install.sh + convert_model.py ran (phase_b.sh, or run_grpo.sh before it): serve the
# converted model with vLLM (enforce-eager, 0.3 of the GPU) and run dev/gpu/bench_serve.py once per argument set
# in BENCH_SETS (';'-separated, e.g. "--levels 32,512;--levels 512 --stagger-sec 4 --rounds 4") → $OUT/gpu_bench_N.*
#   bash dev/gpu/serve_bench.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
T0=${T0:-$(date +%s)}; OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
stage() { echo "=== $1 at $(( $(date +%s) - T0 ))s"; }
. dev/gpu/env.sh
MODEL=${MODEL:-$(cat /tmp/swerl-cache/.converted-smollm2 2>/dev/null || tail -1 "$OUT/gpu_convert.log" 2>/dev/null)}
[ -f "$MODEL/config.json" ] || { echo "no converted model (run phase_b.sh or run_grpo.sh first)"; exit 1; }
ray stop --force > /dev/null 2>&1   # a finished training run's Ray must not hold the GPU
stage vllm; PORT=18000
python3 -m vllm.entrypoints.openai.api_server --model "$MODEL" --served-model-name vllm_model --enforce-eager \
  --max-model-len 4096 --gpu-memory-utilization 0.3 --port $PORT > "$OUT/gpu_vllm.log" 2>&1 &
VP=$!
for i in $(seq 1 120); do curl -sf localhost:$PORT/health >/dev/null && break; kill -0 $VP 2>/dev/null || break; sleep 2; done
curl -sf localhost:$PORT/health >/dev/null || { echo "vLLM did not come up"; tail -30 "$OUT/gpu_vllm.log"; exit 1; }
stage "vllm up"
curl -s localhost:$PORT/v1/completions -H 'content-type: application/json' \
  -d '{"model":"vllm_model","prompt":[1,9690,198],"max_tokens":6,"logprobs":0,"return_token_ids":true}' | head -c 300; echo
n=0
IFS=';' read -ra SETS <<< "${BENCH_SETS:-${BENCH_ARGS:-}}"
[ ${#SETS[@]} -eq 0 ] && SETS=("")
for args in "${SETS[@]}"; do
  stage "bench $n: $args"
  # shellcheck disable=SC2086  # the set is a list of flags
  PYTHONUNBUFFERED=1 python3 dev/gpu/bench_serve.py --vllm 127.0.0.1:$PORT --model-dir "$MODEL" --config configs/gpu-1x-smollm2.yaml $args \
    --out "$OUT/gpu_bench_$n.json" 2>&1 | grep --line-buffered -v -i "clean_up_tokenization\|warn" | tee "$OUT/gpu_bench_$n.log"
  n=$((n + 1))
done
nvidia-smi --query-gpu=memory.used,memory.total --format=csv,noheader | sed 's/^/gpu memory (vLLM at 0.3): /'
kill $VP; wait $VP 2>/dev/null
stage done
