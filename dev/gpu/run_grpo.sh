#!/usr/bin/env bash
# On the device: the production path on one GPU, through the real entry point — `swerl train --config` with
# training.engine=verl runs `python -m verl.trainer.main_ppo` (rollout.name=vllm, verl-managed vLLM replica
# found via its Ray actor); each sample = one Harbor trial (swerl-bash agent) whose model calls go LiteLLM
# proxy → swerl gateway → that replica; GRPO update; checkpoint global_step_N/actor.
# What this machine differs in (an overlay of the config, nothing else): no Docker → the local-process
# sandbox (NO isolation — labelled as such), the GGUF-converted model dir. Logs → $OUT (small).
#   bash dev/gpu/run_grpo.sh [CONFIG]     env: GRPO_TIMEOUT=s (default 450), DRY=1 (print the command only)
set -uo pipefail
cd "$(dirname "$0")/../.."
T0=$(date +%s); OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"; BASE=${1:-configs/gpu-1x-smollm2.yaml}
stage() { echo "=== $1 at $(( $(date +%s) - T0 ))s"; }
MODEL=${MODEL:-/tmp/swerl-cache/models/SmolLM2-135M-Instruct}
if [ -z "${DRY:-}" ]; then
  stage install; SKIP_IMPORT_CHECK=1 bash dev/gpu/install.sh > "$OUT/gpu_install.log" 2>&1 || { cat "$OUT/gpu_install.log"; exit 1; }
  grep -E "FAILED|in [0-9]+s" "$OUT/gpu_install.log"
  . dev/gpu/env.sh
  stage model
  if [ ! -f /tmp/swerl-cache/.converted-ok ]; then
    python3 dev/gpu/convert_model.py > "$OUT/gpu_convert.log" 2>&1 || { tail -5 "$OUT/gpu_convert.log"; exit 1; }
    touch /tmp/swerl-cache/.converted-ok
  fi
  grep -E "greedy|top-1" "$OUT/gpu_convert.log" 2>/dev/null
fi
CFG=configs/.gpu-run.yaml   # next to BASE: relative paths (output_root "..", tasks) keep their meaning
python3 - "$BASE" "$CFG" "$MODEL" <<'P' || exit 1
import sys, yaml
d = yaml.safe_load(open(sys.argv[1])); i = d["runtime_info"]["input"]
i["harbor_agent"]["environment_import_path"] = "swerl.rollout.envs.local_process:LocalProcessEnvironment"
i["model"]["model_path"] = sys.argv[3]
d["meta_info"]["description"] += " [sandbox: local process, NO isolation]"
yaml.safe_dump(d, open(sys.argv[2], "w"), sort_keys=False)
P
export SWERL_LOCAL_SANDBOX_DIR=/tmp/sandboxes; mkdir -p $SWERL_LOCAL_SANDBOX_DIR
swerl train --config $CFG --print-command > "$OUT/gpu_grpo_command.txt" || { echo "swerl train --print-command failed"; exit 1; }
tr ' ' '\n' < "$OUT/gpu_grpo_command.txt" | grep -E "rollout.name|adv_estimator|default_agent_loop|total_training_steps|save_freq|gpu_memory|model.path|train_files|attn_impl|served_model_name"
[ -n "${DRY:-}" ] && exit 0
( while sleep 3; do nvidia-smi --query-gpu=timestamp,memory.used,utilization.gpu --format=csv,noheader; done ) > "$OUT/gpu_smi.csv" 2>&1 &
SMI=$!
stage train
timeout "${GRPO_TIMEOUT:-450}" swerl train --config $CFG > "$OUT/gpu_grpo.log" 2>&1; rc=$?
kill $SMI 2>/dev/null
stage "train rc=$rc"
read -r ROOT EXPLOG CK TR <<< "$(python3 -c "
from swerl.config.load import load_config; from swerl.config.paths import RunPaths
p = RunPaths.of(load_config('$CFG')); print(p.root, p.exp_log, p.checkpoints_dir, p.trials_dir)")"
cp "$EXPLOG" "$OUT/gpu_grpo_steps.log" 2>/dev/null; grep -E "^step:" "$EXPLOG" | cut -c1-2000
for k in timing_s/gen timing_s/old_log_prob timing_s/update_actor timing_s/update_weights timing_s/save_checkpoint \
         timing_s/step critic/score/mean critic/score/max critic/advantages/max actor/pg_loss actor/grad_norm \
         response_length/mean training/rollout_probs_diff_mean; do
  grep -oE "(^| )$k:[-0-9.e]+" "$EXPLOG" | tr -d ' ' | tr '\n' ' '; done; echo
echo "peak GPU memory (MiB): $(cut -d, -f2 "$OUT/gpu_smi.csv" | grep -oE '[0-9]+' | sort -n | tail -1) of $(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader)"
echo "checkpoints: $CK"; find "$CK" -maxdepth 3 | sed "s|$CK/||" | sort | head -20
echo "trials: $(find "$TR" -name result.json | wc -l) result.json, $(find "$TR" -name tokens.jsonl | wc -l) tokens.jsonl, $(find "$TR" -name litellm-trajectory.jsonl | wc -l) litellm-trajectory.jsonl"
python3 - "$TR" <<'P'
import json, sys, pathlib, collections
r = collections.defaultdict(list)
for f in pathlib.Path(sys.argv[1]).glob("step_*/*/result.json"):
    try:
        vr = json.loads(f.read_text()).get("verifier_result") or {}
        r[f.parent.parent.name].append((vr.get("rewards") or {}).get("reward"))
    except Exception as e:
        r[f.parent.parent.name].append(f"err {e}")
for s, v in sorted(r.items()):
    print(f"rewards {s}: {v}")
P
f=$(find "$TR" -name tokens.jsonl | head -1); [ -n "$f" ] && { python3 -c "
import json; r=[json.loads(l) for l in open('$f')]; s=r[0]
print('token sample:', '$f'.split('/trials/')[-1], len(r), 'calls; prompt', len(s['prompt_ids']), 'ids; response', len(s['response_ids']), 'ids; logprobs[:4]', [round(x,3) for x in s['response_logprobs'][:4]])"
  head -c 3000 "$f" > "$OUT/gpu_grpo_sample_tokens.jsonl"; }
cp "$ROOT/.swerl/run.json" "$OUT/gpu_run_state.json" 2>/dev/null; cp "$ROOT/.swerl/output.yaml" "$OUT/gpu_output.yaml" 2>/dev/null
grep -E "Error|Traceback|error:" "$OUT/gpu_grpo.log" | grep -v -i "warn" | tail -15
ray stop --force > /dev/null 2>&1
stage done; exit $rc
