#!/usr/bin/env bash
# Set up this checkout (idempotent, fast when done) and run the test suite. Extra args go to pytest:
#   bash scripts/test.sh                 # everything
#   bash scripts/test.sh tests/preflight -k ports
#   bash scripts/test.sh -m "not integration"   # the fast lane: unit tests only
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
export HARBOR_TELEMETRY=0 LITELLM_LOCAL_MODEL_COST_MAP=True
.venv/bin/ruff check --quiet . || { echo "[test] ERROR: ruff found lint errors (above) — fix them (ruff check --fix .)" >&2; exit 1; }
.venv/bin/ruff format --check --quiet . || { echo "[test] ERROR: files not ruff-formatted (above) — run: .venv/bin/ruff format ." >&2; exit 1; }
set +e
.venv/bin/python -m pytest -q --durations=25 "${@:-tests}"   # the slowest tests, for keeping CI short
rc=$?
set -e
if [ "$rc" = 5 ]; then
  echo "[test] ERROR: pytest collected no tests (exit 5) — a run that tests nothing does not pass; check the path/-k filter" >&2
  exit 1
fi
exit "$rc"
