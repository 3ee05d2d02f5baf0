#!/usr/bin/env bash
# Remove leftovers of OUR finished runs (SPEC "clean.sh"): processes recorded in .swerl/run.json whose start
# time still matches, generated proxy configs, stale run state, /tmp/ray only if our run started Ray,
# containers labelled swerl.run=<exp>. Keeps checkpoints and wandb. Refuses while our run is live.
#   bash scripts/clean.sh [--config PATH] [--logs] [--trials] [--pods] [--containers] [--dry-run] [--nodes]
# --nodes (multi-node runs, on the head while the Ray cluster is up): every other node first, then this one.
# GPU processes of others are only killed with RL_CLEAN_FORCE_GPU_KILL=1.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
if [ ! -x "$ROOT/.venv/bin/swerl" ]; then
  echo "[clean] ERROR: .venv is missing — run 'bash scripts/setup_env.sh' first" >&2
  exit 1
fi
exec "$ROOT/.venv/bin/swerl" clean "$@"
