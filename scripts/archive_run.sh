#!/usr/bin/env bash
# The run ledger (artifacts/index.yaml) and archives (artifacts/archives/run_NNN/); start.sh calls it:
#   bash scripts/archive_run.sh start  --config C --pid P            → `export` lines, row status running
#   bash scripts/archive_run.sh finish --config C --run-id run_NNN --rc N [--signal INT]
# Same as `swerl archive start|finish`, without loading the other layers (fast, and safe mid-build).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
exec "$ROOT/.venv/bin/python" -m swerl.run.hook "$@"
