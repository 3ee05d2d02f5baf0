# Shared helpers for scripts/*.sh: step lines with timings. Source it; it defines functions only.
_SWERL_T0=${_SWERL_T0:-$(date +%s.%N)}

_elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1fs", b - a }'; }

# step "label" cmd args…  → prints "[tag] label …", runs the command in this shell (so `set -e` aborts on
# the first failing line inside it — an `if cmd` wrapper would silently disable errexit), then "ok (1.2s)".
# A failure is reported with the step's name by _swerl_on_exit, if the script installs it: trap _swerl_on_exit EXIT
# (not installed here: sourcing a helper must not replace the caller's own EXIT trap).
_SWERL_STEP=""
step() {
  local label=$1; shift
  local t0; t0=$(date +%s.%N)
  _SWERL_STEP=$label
  printf '[%s] %s …\n' "${SWERL_LOG_TAG:-setup}" "$label"
  "$@"
  _SWERL_STEP=""
  printf '[%s]   ok: %s (%s)\n' "${SWERL_LOG_TAG:-setup}" "$label" "$(_elapsed "$t0")"
}
_swerl_on_exit() {
  local rc=$?
  if [ "$rc" != 0 ] && [ -n "$_SWERL_STEP" ]; then
    printf '[%s] FAILED during "%s" (exit %s) — the lines above say why\n' "${SWERL_LOG_TAG:-setup}" "$_SWERL_STEP" "$rc" >&2
  fi
}

info() { printf '[%s]   %s\n' "${SWERL_LOG_TAG:-setup}" "$*"; }
skip() { printf '[%s]   skipped: %s\n' "${SWERL_LOG_TAG:-setup}" "$*"; }
die()  { printf '[%s] ERROR: %s\n' "${SWERL_LOG_TAG:-setup}" "$*" >&2; exit 1; }
