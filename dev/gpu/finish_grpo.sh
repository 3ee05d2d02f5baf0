#!/usr/bin/env bash
# On the device: wait for the run dev/gpu/run_grpo.sh started in the background (up to WAIT s, default 540),
# then summarise it into $OUT (steps, timings, rewards, rollout/* metrics, process samples, checkpoints).
# Still running at the deadline: copies the logs so far and exits 3 — call it again (the machine stays warm 30 s).
#   bash dev/gpu/finish_grpo.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
. dev/gpu/env.sh 2>/dev/null || true
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"; W=/tmp/gpu_run
# a fresh machine (the warm one was released between calls) has no run: say so now, not after WAIT seconds
[ -f $W/t0 ] || { echo "no run on this machine ($W/t0 missing): the warm machine was released — start again with run_grpo.sh"; exit 4; }
. $W/t0; CFG=$(cat $W/cfg)
[ -s $W/set ] && export SWERL_SET="$(cat $W/set)"   # a later call lacks the run's env: its paths come from these
[ -f "$CFG" ] || cp $W/cfg.yaml "$CFG"   # each call's repo copy is this machine's tree: the overlay is not in it
stage() { echo "=== $1 at $(( $(date +%s) - T0 ))s"; }
END=$(( $(date +%s) + ${WAIT:-540} ))
while [ ! -f $W/rc ] && [ "$(date +%s)" -lt "$END" ]; do sleep 5; done
cp $W/gpu_grpo.log $W/procs.log $W/top.log $W/gpu_smi.csv "$OUT/" 2>/dev/null
if [ ! -f $W/rc ]; then
  stage "still running"; grep -E "^step:|\(TaskRunner.*step:" $W/gpu_grpo.log | cut -c1-300 | tail -3; tail -3 $W/procs.log; exit 3
fi
rc=$(cat $W/rc); kill $(cat $W/smi.pid $W/procs.pid) 2>/dev/null
stage "train rc=$rc"
awk '$1 ~ /^[0-9]+$/ {for(i=2;i<=NF;i++){if(split($i,a,"=")!=2)continue;if(a[2]+0>m[a[1]])m[a[1]]=a[2]+0}} END{for(k in m)printf "peak %s: %s\n",k,m[k]}' $W/procs.log | sort
read -r ROOT EXPLOG CK TR <<< "$(python3 -c "
from swerl.config.load import load_config; from swerl.config.paths import RunPaths
p = RunPaths.of(load_config('$CFG')); print(p.root, p.exp_log, p.checkpoints_dir, p.trials_dir)")"
cp "$EXPLOG" "$OUT/gpu_grpo_steps.log" 2>/dev/null; grep -E "^step:" "$EXPLOG" | cut -c1-2000
for k in timing_s/gen timing_s/old_log_prob timing_s/update_actor timing_s/update_weights timing_s/save_checkpoint \
         timing_s/step critic/score/mean critic/score/max critic/advantages/max actor/pg_loss actor/grad_norm \
         response_length/mean training/rollout_probs_diff_mean rollout/trials rollout/masked rollout/tail_killed \
         rollout/peak_concurrent rollout/trial_s_p50 rollout/trial_s_p95 rollout/wall_s rollout/reward_mean \
         rollout/loop_lag_ms_p50 rollout/loop_lag_ms_max rollout/stack_rss_gb rollout/trial_hosts_rss_gb rollout/partial; do
  grep -oE "(^| )$k:[-0-9.e]+" "$EXPLOG" | tr -d ' ' | tr '\n' ' '; done; echo
grep -oE "rollout/phase_s_p(50|95)/[a-z_]+:[-0-9.e]+" "$EXPLOG" | tr '\n' ' '; echo   # where the trials' time went
echo "peak GPU memory (MiB): $(cut -d, -f2 "$W/gpu_smi.csv" | grep -oE '[0-9]+' | sort -n | tail -1) of $(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader)"
echo "checkpoints: $CK"; find "$CK" -maxdepth 3 | sed "s|$CK/||" | sort | head -20
echo "trials: $(find "$TR" -name result.json | wc -l) result.json, $(find "$TR" -name tokens.jsonl | wc -l) tokens.jsonl, $(find "$TR" -name litellm-trajectory.jsonl | wc -l) litellm-trajectory.jsonl"
# outcomes per step, and the evidence of what went wrong: up to 3 trials per mask reason (their small files)
python3 - "$TR" "$OUT/masked_trials.tgz" <<'P'
import json, sys, pathlib, tarfile, collections
root = pathlib.Path(sys.argv[1])
r, picked = collections.defaultdict(collections.Counter), collections.defaultdict(list)
for f in sorted(root.glob("step_*/*/outcome.json")):
    o = json.loads(f.read_text())
    r[f.parent.parent.name][o["mask_reason"] or f"reward={o['reward']}"] += 1
    if o["mask_reason"] and len(picked[o["mask_reason"]]) < 3:
        picked[o["mask_reason"]].append(f.parent)
for s, v in sorted(r.items()):
    print(f"outcomes {s}: {sum(v.values())} trials {dict(sorted(v.items()))}")
if picked:
    with tarfile.open(sys.argv[2], "w:gz") as t:
        for d in (d for dirs in picked.values() for d in dirs):
            for x in d.rglob("*"):
                if x.is_file() and x.stat().st_size < 256_000:
                    t.add(x, arcname=str(x.relative_to(root)))
    print("masked trials packed:", {k: [d.name for d in v] for k, v in picked.items()})
P
# what held the trials' event loop (≥ 1 s late): the stack sampler's top stacks per step (swerl.rollout.stalls)
python3 -c "
from swerl.config.load import load_config; from swerl.config.paths import RunPaths
from swerl.train.verl_engine.node_stack import step_records
for step, bodies in sorted(step_records(RunPaths.of(load_config('$CFG')).state_dir).items()):
    for b in bodies:
        top = sorted((b.get('stalls') or {}).items(), key=lambda kv: -kv[1])[:3]
        print(f'stalls step {step}:', sum((b.get('stalls') or {}).values()), 'stack(s);', top or 'none')
" 2>&1 | cut -c1-700
f=$(find "$TR" -name tokens.jsonl | head -1); [ -n "$f" ] && { python3 -c "
import json; r=[json.loads(l) for l in open('$f')]; s=r[0]
print('token sample:', '$f'.split('/trials/')[-1], len(r), 'calls; prompt', len(s['prompt_ids']), 'ids; response', len(s['response_ids']), 'ids; logprobs[:4]', [round(x,3) for x in s['response_logprobs'][:4]])"
  head -c 3000 "$f" > "$OUT/gpu_grpo_sample_tokens.jsonl"; }
cp "$ROOT/.swerl/run.json" "$OUT/gpu_run_state.json" 2>/dev/null; cp "$ROOT/.swerl/output.yaml" "$OUT/gpu_output.yaml" 2>/dev/null
grep -E "Error|Traceback|error:" "$W/gpu_grpo.log" | grep -v -i "warn" | tail -15
ray stop --force > /dev/null 2>&1
stage done; exit $rc
