#!/usr/bin/env bash
# Manage the local dashboard web UI (a background server of ours; pid + log under <output_root>/.swerl/).
#   PORT=8090 bash dashboard/serve.sh <start|status|stop|restart> [--config PATH | --root DIR] [--host ADDR]
# TUNNEL=true also opens a public cloudflared quick tunnel to it (only when asked; needs `cloudflared`).
set -euo pipefail
cd "$(dirname "$0")/.."
cmd=${1:-status}
shift || true
case $cmd in
  start|status|stop|restart) ;;
  *) echo "usage: PORT=8090 bash dashboard/serve.sh <start|status|stop|restart> [options]" >&2; exit 2 ;;
esac
SWERL=.venv/bin/swerl
[ -x "$SWERL" ] || SWERL=$(command -v swerl) || { echo "[dashboard] swerl not installed — run: bash scripts/setup_env.sh" >&2; exit 1; }
"$SWERL" dashboard "$cmd" "$@"
if [ "${TUNNEL:-}" = true ] && { [ "$cmd" = start ] || [ "$cmd" = restart ]; }; then
  if ! command -v cloudflared >/dev/null; then
    echo "[dashboard] TUNNEL=true but cloudflared is not installed — install it, or use: ssh -L ${PORT:-8090}:127.0.0.1:${PORT:-8090} <host>" >&2
    exit 1
  fi
  mkdir -p .swerl
  nohup cloudflared tunnel --no-autoupdate --url "http://127.0.0.1:${PORT:-8090}" > .swerl/dashboard-tunnel.log 2>&1 &
  echo "[dashboard] public tunnel starting (pid $!): its URL appears in .swerl/dashboard-tunnel.log"
fi
