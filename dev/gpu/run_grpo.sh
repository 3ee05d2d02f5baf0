#!/usr/bin/env bash
# On the device: the production path on one GPU, through the real entry point — `swerl train --config` with
# training.engine=verl runs `python -m verl.trainer.main_ppo` (rollout.name=vllm, verl-managed vLLM replica
# found via its Ray actor); each sample = one Harbor trial (swerl-bash agent) whose model calls go LiteLLM
# proxy → swerl gateway → that replica; GRPO update; checkpoint global_step_N/actor.
# What this machine differs in (an overlay of the config, nothing else): no Docker → the local-process
# sandbox (NO isolation — labelled as such), the GGUF-converted model dir. Logs → $OUT (small).
#   bash dev/gpu/run_grpo.sh [CONFIG]     env: GRPO_TIMEOUT=s (default 450), DRY=1 (print the command only),
#   ALIAS=… (default: the config's model_path), MODEL=dir (skip the conversion), TINY_MOE=dir (build a random
#   Qwen3-MoE there with the model's tokenizer and train it: the veomni proof)
set -uo pipefail
cd "$(dirname "$0")/../.."
T0=$(date +%s); OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"; BASE=${1:-configs/gpu-1x-smollm2.yaml}
stage() { echo "=== $1 at $(( $(date +%s) - T0 ))s"; }
# the model alias of the base config (smollm2, or a qwen2.5-coder alias whose GGUF the pieces carried)
ALIAS=${ALIAS:-$(sed -n 's/^ *model_path: *\([^ #]*\).*/\1/p' "$BASE" | head -1)}
if [ -z "${DRY:-}" ]; then
  stage install; SKIP_IMPORT_CHECK=1 bash dev/gpu/install.sh > "$OUT/gpu_install.log" 2>&1 || { cat "$OUT/gpu_install.log"; exit 1; }
  grep -E "FAILED|in [0-9]+s" "$OUT/gpu_install.log"
  . dev/gpu/env.sh
  stage "model $ALIAS"
  if [ ! -s "/tmp/swerl-cache/.converted-$ALIAS" ]; then
    python3 dev/gpu/convert_model.py "$ALIAS" > "$OUT/gpu_convert.log" 2>&1 || { tail -5 "$OUT/gpu_convert.log"; exit 1; }
    tail -1 "$OUT/gpu_convert.log" > "/tmp/swerl-cache/.converted-$ALIAS"
  fi
  grep -E "greedy|top-1" "$OUT/gpu_convert.log" 2>/dev/null
fi
MODEL=${MODEL:-$(cat "/tmp/swerl-cache/.converted-$ALIAS" 2>/dev/null || echo /tmp/swerl-cache/models/SmolLM2-135M-Instruct)}
if [ -n "${TINY_MOE:-}" ] && [ -z "${DRY:-}" ]; then  # the veomni proof: a random Qwen3-MoE with the policy's tokenizer
  stage "tiny MoE → $TINY_MOE"; python3 dev/gpu/tiny_moe.py --tokenizer "$MODEL" --out "$TINY_MOE" 2>&1 | tail -1 || exit 1
  MODEL=$TINY_MOE
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
# the run goes on in the background on the (warm) machine: a call lasts at most 10 min, a run may take longer.
# dev/gpu/finish_grpo.sh waits for it (in this call or the next), samples processes, then summarises into $OUT.
W=/tmp/gpu_run; rm -rf $W; mkdir -p $W; echo "$CFG" > $W/cfg; cp "$CFG" $W/cfg.yaml  # a later call's repo copy lacks it
printf '%s' "${SWERL_SET:-}" > $W/set   # the run's overrides (exp_name → its log, trial and checkpoint paths) for finish_grpo.sh
# the samplers run in their own session, like the run: the device ends a call's process group with the call
setsid nohup bash -c 'while sleep 3; do nvidia-smi --query-gpu=timestamp,memory.used,utilization.gpu --format=csv,noheader; done' \
  > $W/gpu_smi.csv 2>&1 < /dev/null & echo $! > $W/smi.pid
# host health next to the stack: a step that slows everything down (load, disk, leftover processes, mounts) shows here
setsid nohup bash -c 'while sleep 2; do
    printf "%s stacks=%s hosts=%s proxies=%s sandboxes=%s stack_rss_kb=%s load1=%s procs=%s mounts=%s tmp_free_mb=%s\n" "$(date +%s)" \
      "$(pgrep -f "[r]ay::NodeStack" | wc -l)" "$(pgrep -f "[r]ay::TrialHost" | wc -l)" "$(pgrep -f "[s]werl.serve.proxy.launch" | wc -l)" \
      "$(ls /tmp/sandboxes 2>/dev/null | wc -l)" \
      "$(for p in $(pgrep -f "[r]ay::NodeStack"); do awk "/VmRSS/{print \$2}" /proc/$p/status; done | awk "{s+=\$1} END{print s+0}")" \
      "$(cut -d" " -f1 /proc/loadavg)" "$(ls -d /proc/[0-9]* | wc -l)" "$(wc -l < /proc/self/mountinfo)" \
      "$(df -Pm /tmp | awk "NR==2{print \$4}")"
  done' > $W/procs.log 2>&1 < /dev/null & echo $! > $W/procs.pid
# what uses the CPU (every 15 s, top 12 by %CPU): a step that slows down names its culprit here
setsid nohup bash -c 'while sleep 15; do echo "--- $(date +%s) load $(cut -d" " -f1-3 /proc/loadavg)";
    ps -eo pid,ppid,pcpu,rss,etimes,args --sort=-pcpu | head -13 | cut -c1-220; done' > $W/top.log 2>&1 < /dev/null &
echo $! >> $W/procs.pid
stage train
setsid nohup bash -c "timeout ${GRPO_TIMEOUT:-1500} swerl train --config $CFG > $W/gpu_grpo.log 2>&1; echo \$? > $W/rc" < /dev/null > /dev/null 2>&1 &
echo "T0=$T0" > $W/t0
exec env WAIT="${WAIT:-420}" bash dev/gpu/finish_grpo.sh   # setup took ~90 s of this call: keep WAIT + 90 under the call limit
