#!/usr/bin/env bash
# Launch one training run (SPEC "Run Training"): bootstrap .venv when missing or stale → close the previous
# run if it died (reap its helpers and sandboxes, close its row) → preflight gate (swerl check; refuses on a
# busy port, a live run, a bad config) → resume the last failed/interrupted run from its checkpoint, or a new
# one → ledger row `running` → scripts/train_1node_cc.sh → on EXIT scripts/archive_run.sh records
# completed | interrupted | failed and writes artifacts/archives/run_NNN/ → prints the row (+ summary).
#   bash scripts/start.sh [--config PATH] [--new] [--set section.key=value …]
#   (--new: never resume; --set: override a config key for this run; background: swerl run; stop: swerl stop)
# Env: SWERL_SKIP_SETUP=1 skips the venv check; SWERL_LAUNCH_LOG=path says stdout already goes there.
set -uo pipefail   # no -e: every way out must reach the archive trap with the real exit code
ORIG_PWD=$(pwd)
cd "$(dirname "$0")/.."
SWERL_LOG_TAG=start
. scripts/lib/log.sh

. scripts/lib/config_arg.sh
NEW_FLAG=() ARGS=() SETS=()
while [ $# -gt 0 ]; do
  case $1 in
    --new) NEW_FLAG=(--new); shift ;;
    --set) [ $# -ge 2 ] || die "--set needs section.key=value"; SETS+=("$2"); shift 2 ;;
    --set=*) SETS+=("${1#*=}"); shift ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
parse_config_arg 2,9 "${ARGS[@]}"
if [ ${#SETS[@]} -gt 0 ]; then   # the trainer and every check see the same overrides (swerl.config.load.SET_ENV)
  SWERL_SET=$(python3 -c 'import json, os, sys; print(json.dumps(json.loads(os.environ.get("SWERL_SET") or "[]") + sys.argv[1:]))' "${SETS[@]}")
  export SWERL_SET
fi

# 1. venv: build when missing; when present, ask setup_env.sh whether its stamp is stale (if it can tell).
if [ "${SWERL_SKIP_SETUP:-0}" != 1 ]; then
  if [ ! -x .venv/bin/python ] || [ ! -x .venv/bin/swerl ]; then
    info ".venv missing — bootstrapping with scripts/setup_env.sh"
    bash scripts/setup_env.sh --config "$CONFIG" || die "setup_env.sh failed — fix the error above, then re-run"
  elif grep -q -- '--check)' scripts/setup_env.sh; then
    if ! bash scripts/setup_env.sh --check --config "$CONFIG" >/dev/null 2>&1; then
      info ".venv is stale — updating with scripts/setup_env.sh"
      bash scripts/setup_env.sh --config "$CONFIG" || die "setup_env.sh failed — fix the error above, then re-run"
    fi
  else
    # setup_env.sh is idempotent: its stamp (pyproject + overrides hash) makes this a no-op unless deps changed.
    bash scripts/setup_env.sh --no-system --no-assets --config "$CONFIG" >/dev/null \
      || die "setup_env.sh failed — run 'bash scripts/setup_env.sh' to see why"
  fi
fi
PY=.venv/bin/python
export HARBOR_TELEMETRY=${HARBOR_TELEMETRY:-0} LITELLM_LOCAL_MODEL_COST_MAP=${LITELLM_LOCAL_MODEL_COST_MAP:-True}

# 2. ledger row `running` + run state (.swerl/run.json); gives run id, exp, output root, launch log.
PRESET_LOG=${SWERL_LAUNCH_LOG:-}
RUN_ENV=$(bash scripts/archive_run.sh start --config "$CONFIG" --pid $$ "${NEW_FLAG[@]}") || die "not launched (cause above)"
eval "$RUN_ENV"
if [ -z "$PRESET_LOG" ] || [ "${SWERL_LAUNCH_TEE:-0}" = 1 ]; then
  # Run by hand / foreground: keep a launch log too (the dashboard reads logs/launch_*.log). tee -i: a
  # Ctrl-C must not kill the tee before the archive lines are written.
  mkdir -p "$(dirname "$SWERL_LAUNCH_LOG")"
  exec > >(tee -i -a "$SWERL_LAUNCH_LOG") 2>&1
fi

# 3. the trainer, as a child — not `exec`: exec would replace this shell and lose the EXIT trap, so no
# run would ever be archived. Job control (set -m) gives it its own process group, because a background
# child of a script ignores SIGINT (bash rule); we forward INT/TERM to that group ourselves.
SIG="" CHILD="" RC=""
forward() {
  SIG=$1
  [ -n "$CHILD" ] && kill -s "$1" -- "-$CHILD" 2>/dev/null
  return 0
}
on_exit() {
  local rc=${RC:-$?}
  trap '' INT TERM HUP   # a second Ctrl-C must not cut the archive short
  if [ -n "${SWERL_RUN_ID:-}" ]; then
    info "exit code $rc${SIG:+ (SIG$SIG)} — archiving $SWERL_RUN_ID"
    bash scripts/archive_run.sh finish --config "$CONFIG" --run-id "$SWERL_RUN_ID" --rc "$rc" --signal "$SIG" \
      || info "archiving failed (see above); the ledger row may still say running"
    if [ "$rc" = 0 ]; then .venv/bin/swerl dashboard summary --config "$CONFIG" || true; fi
  fi
  trap - EXIT
  exit "$rc"
}
trap 'forward INT' INT
trap 'forward TERM' TERM
trap 'forward HUP' HUP   # terminal closed under a foreground run
trap on_exit EXIT

info "run $SWERL_RUN_ID  exp=$SWERL_EXP_NAME  output_root=$SWERL_OUTPUT_ROOT"
info "launch log: $SWERL_LAUNCH_LOG"
set -m
bash scripts/train_1node_cc.sh --config "$CONFIG" < /dev/null &
CHILD=$!
set +m
[ -n "$SIG" ] && kill -s "$SIG" -- "-$CHILD" 2>/dev/null   # a signal that came before $CHILD was known
"$PY" -m swerl.run.hook child --config "$CONFIG" --pid $$ --child "$CHILD" || info "could not record the trainer pid"

while :; do
  wait "$CHILD"; RC=$?
  # >128 with the child still there = `wait` was cut short by a trapped signal: keep waiting for it.
  if [ "$RC" -gt 128 ] && kill -0 "$CHILD" 2>/dev/null; then continue; fi
  break
done
exit "$RC"
