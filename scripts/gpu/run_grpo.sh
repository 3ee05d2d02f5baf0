#!/usr/bin/env bash
# On the device: the production path on one GPU — `swerl train` with training.engine=verl renders
# configs/gpu-1x-smollm2.yaml into `python -m verl.trainer.main_ppo` (rollout.name=vllm, verl-managed
# vLLM replica found via its Ray actor); each sample = one Harbor trial (swerl-bash agent) whose model calls
# go LiteLLM proxy → swerl gateway → that replica; GRPO update; checkpoint global_step_N/actor.
# No Docker there: the trials use the local-process sandbox (NO isolation — labelled as such).
# Needs the wheels installed (install.sh; pieces in /tmp/chunks). Logs → $OUT (small), step lines on stdout.
#   bash scripts/gpu/run_grpo.sh [CONFIG] (env: GRPO_TIMEOUT=s, default 480)
set -uo pipefail
cd "$(dirname "$0")/../.."
T0=$(date +%s); OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"; BASE=${1:-configs/gpu-1x-smollm2.yaml}
stage() { echo "=== $1 at $(( $(date +%s) - T0 ))s"; }
stage install; bash scripts/gpu/install.sh > "$OUT/gpu_install.log" 2>&1 || { cat "$OUT/gpu_install.log"; exit 1; }
grep -E "FAILED|in [0-9]+s" "$OUT/gpu_install.log"
. scripts/gpu/env.sh
stage model
if [ ! -f /tmp/swerl-cache/.converted-ok ]; then
  python3 scripts/gpu/convert_model.py > "$OUT/gpu_convert.log" 2>&1 || { tail -5 "$OUT/gpu_convert.log"; exit 1; }
  touch /tmp/swerl-cache/.converted-ok
fi
grep -E "greedy|top-1" "$OUT/gpu_convert.log" 2>/dev/null
# this machine's config: the local-process sandbox instead of Docker, the converted model dir, a task index
# in the repo root (index rows hold task paths relative to the parquet; the agent loop resolves them from cwd)
MODEL=/tmp/swerl-cache/models/SmolLM2-135M-Instruct
swerl tasks index tasks/easy -o gpu_train.parquet | tail -1
python3 -c "
import os, pandas as pd; d = pd.read_parquet('gpu_train.parquet')
d['extra_info'] = [{**e, 'harbor_task_path': os.path.abspath(e['harbor_task_path'])} for e in d['extra_info']]
d['agent_name'] = 'swerl_harbor_gpu'  # verl reads this column as the AGENT LOOP name ('' → not registered)
d.to_parquet('gpu_train.parquet')"  # absolute task paths: Ray workers need not share our cwd
CFG=configs/.gpu-run.yaml
python3 - "$BASE" "$CFG" "$MODEL" <<'P'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1])); i = d["runtime_info"]["input"]
i["harbor_agent"]["environment_import_path"] = "swerl.rollout.envs.local_process:LocalProcessEnvironment"
i["model"]["model_path"] = sys.argv[3]
i["data"]["train_index"] = "../gpu_train.parquet"
d["meta_info"]["description"] += " [sandbox: local process, NO isolation]"
yaml.safe_dump(d, open(sys.argv[2], "w"), sort_keys=False)
P
export SWERL_LOCAL_SANDBOX_DIR=/tmp/sandboxes; mkdir -p $SWERL_LOCAL_SANDBOX_DIR
stage command
CMD=$(swerl train --config $CFG --print-command) || { echo "swerl train --print-command failed"; exit 1; }
# verl's vLLM serves the model under its PATH unless prometheus.served_model_name is set (vllm_async_server.py);
# swerl's VLLMEngine asks for served_model_name → 404 "model does not exist" without it
SERVED=$(python3 -c "import yaml; print(yaml.safe_load(open('$CFG'))['runtime_info']['input']['model']['served_model_name'])")
# what this machine needs beyond the rendered command: no flash-attn wheel here → sdpa, no rmpad; log-prob
# micro batches (only keys the command lacks: hydra refuses a key given twice)
EXTRA=""
for kv in actor_rollout_ref.model.use_remove_padding=False +actor_rollout_ref.model.override_config.attn_implementation=sdpa \
          actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=4 actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu=4 \
          actor_rollout_ref.rollout.prometheus.enable=True actor_rollout_ref.rollout.prometheus.served_model_name=$SERVED actor_rollout_ref.rollout.disable_log_stats=False; do
  k=${kv%%=*}; k=${k#+}; case " $CMD " in *" $k="*|*" +$k="*) ;; *) EXTRA="$EXTRA $kv" ;; esac
done
# glue until the owner's agent loop sets min/max_global_steps (scripts/gpu/gpu_agent_loop.py says why)
printf -- '- name: swerl_harbor_gpu\n  _target_: gpu_agent_loop.SwerlHarborGpuAgentLoop\n' > /tmp/gpu_agent_loops.yaml
CMD=$(echo "$CMD" | sed -e 's|agent.default_agent_loop=swerl_harbor |agent.default_agent_loop=swerl_harbor_gpu |' \
      -e 's|agent.agent_loop_config_path=[^ ]*|agent.agent_loop_config_path=/tmp/gpu_agent_loops.yaml|')
export PYTHONPATH="$PYTHONPATH:$(pwd)/scripts/gpu"
echo "$CMD$EXTRA" > "$OUT/gpu_grpo_command.txt"
echo "$CMD$EXTRA" | tr ' ' '\n' | grep -E "rollout.name|adv_estimator|default_agent_loop|total_training_steps|save_freq|gpu_memory|model.path|train_files|attn_impl"
export SWERL_CONFIG=$(realpath $CFG) SWERL_EXP=$(python3 -c "import yaml; print(yaml.safe_load(open('$CFG'))['runtime_info']['input']['experiment']['exp_name'])")
( while sleep 3; do nvidia-smi --query-gpu=timestamp,memory.used,utilization.gpu --format=csv,noheader; done ) > "$OUT/gpu_smi.csv" 2>&1 &
SMI=$!
stage train
timeout "${GRPO_TIMEOUT:-480}" bash -c "$CMD$EXTRA" > "$OUT/gpu_grpo.log" 2>&1; rc=$?
kill $SMI 2>/dev/null
stage "train rc=$rc"
grep -E "step:[0-9]+ " "$OUT/gpu_grpo.log" | tee "$OUT/gpu_grpo_steps.log" | cut -c1-3000
for k in timing_s/gen timing_s/agent timing_s/trial timing_s/reward timing_s/old_log_prob timing_s/update_actor \
         timing_s/update_weights timing_s/step critic/score/mean response_length/mean training/rollout_probs_diff_mean; do
  grep -oE "$k[a-z_]*:[-0-9.e]+" "$OUT/gpu_grpo_steps.log" | tr '\n' ' '; done; echo
echo "peak GPU memory (MiB): $(cut -d, -f2 "$OUT/gpu_smi.csv" | grep -oE '[0-9]+' | sort -n | tail -1) of $(nvidia-smi --query-gpu=memory.total --format=csv,noheader)"
ROOT=$(python3 -c "from swerl.config.load import load_config; from swerl.config.paths import RunPaths; c=load_config('$CFG'); p=RunPaths.of(c); print(p.root, p.checkpoints_dir, p.trials_dir)")
read -r _ CK TR <<< "$ROOT"
echo "checkpoints: $CK"; find "$CK" -maxdepth 3 | sed "s|$CK/||" | sort | head -30
echo "trials: $(find "$TR" -name result.json | wc -l) result.json, $(find "$TR" -name tokens.jsonl | wc -l) tokens.jsonl, $(find "$TR" -name litellm-trajectory.jsonl | wc -l) litellm-trajectory.jsonl"
f=$(find "$TR" -name tokens.jsonl | head -1); [ -n "$f" ] && python3 -c "
import json,sys; r=[json.loads(l) for l in open('$f')]; s=r[0]
print('token sample:', '$f'.split('/trials/')[-1], len(r), 'calls; prompt', len(s['prompt_ids']), 'ids; response', len(s['response_ids']), 'ids; logprobs[:4]', [round(x,3) for x in s['response_logprobs'][:4]])"
grep -E "Error|Traceback|error:" "$OUT/gpu_grpo.log" | grep -v -i "warn" | tail -15
# one archive (≤ 8 files come back): the run's logs + the first trial dir of each step
tar -czf "$OUT/gpu_run_artifacts.tgz" -C "$(dirname "$(dirname "$(dirname "$CK")")")" logs \
  $(cd "$(dirname "$(dirname "$(dirname "$CK")")")" && for d in trials/*/*/step_*; do ls -d "$d"/* | head -1; done) 2>/dev/null; ls "$OUT"
ray stop --force > /dev/null 2>&1
stage done; exit $rc
