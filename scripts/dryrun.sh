#!/usr/bin/env bash
# Preflight without side effects: validate config.yaml and the machine, print the Run Configuration Summary.
#   bash scripts/dryrun.sh [--config PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/swerl ]; then
  echo "[rl/dryrun] FAIL: .venv is missing — run 'bash scripts/setup_env.sh' first" >&2
  exit 1
fi
exec .venv/bin/swerl dryrun "$@"
