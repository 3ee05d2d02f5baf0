#!/usr/bin/env bash
# Launch one training run (SPEC "Run Training"): build .venv when missing or stale (scripts/setup_env.sh), then
# `exec python -m swerl.run.supervise` (same pid): close a dead previous run → preflight gate → resume or new →
# ledger row → scripts/train_1node_cc.sh → archive, row (+ summary). SWERL_SKIP_SETUP=1: no venv check.
#   bash scripts/start.sh [--config PATH] [--new] [--set section.key=value …]    (options, env: --help)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
case " $* " in *" -h "* | *" --help "*) [ -x "$ROOT/.venv/bin/python" ] && SWERL_SKIP_SETUP=1 ;; esac
if [ "${SWERL_SKIP_SETUP:-0}" != 1 ] && ! bash "$ROOT/scripts/setup_env.sh" --check >/dev/null 2>&1; then
  SWERL_LOG_TAG=start; . "$ROOT/scripts/lib/log.sh"; . "$ROOT/scripts/lib/config_arg.sh"
  CONFIG=$(config_of "$@"); [ -f "$CONFIG" ] || die "config $CONFIG not found — pass --config PATH"
  info ".venv missing or stale — bootstrapping with scripts/setup_env.sh"
  bash "$ROOT/scripts/setup_env.sh" --config "$CONFIG" || die "setup_env.sh failed — fix the error above, then re-run"
fi
exec "$ROOT/.venv/bin/python" -m swerl.run.supervise "$@"
