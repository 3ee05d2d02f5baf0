#!/usr/bin/env bash
# Thin wrapper (SPEC "Run Training"): read config.yaml, export its env (`swerl config env`), run the trainer.
#   bash scripts/train_1node_cc.sh [--config PATH]
# SWERL_TRAIN_CMD replaces `.venv/bin/swerl train` (a stand-in trainer for tests; word-split on purpose).
set -euo pipefail
ORIG_PWD=$(pwd)
cd "$(dirname "$0")/.."
SWERL_LOG_TAG=train_1node_cc
. scripts/lib/log.sh
. scripts/lib/config_arg.sh
parse_config_arg 2,4 "$@"
[ -x .venv/bin/swerl ] || die ".venv is missing — run 'bash scripts/setup_env.sh' (or start via scripts/start.sh)"
export HARBOR_TELEMETRY=${HARBOR_TELEMETRY:-0} LITELLM_LOCAL_MODEL_COST_MAP=${LITELLM_LOCAL_MODEL_COST_MAP:-True}
eval "$(.venv/bin/swerl config env --config "$CONFIG")" || die "could not read $CONFIG (see above)"
exec ${SWERL_TRAIN_CMD:-.venv/bin/swerl train} --config "$CONFIG"
