#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
cat > mathlib.sh <<'SWERL_EOF'
max_of() {
  local m="$1" x
  for x in "$@"; do
    if [ "$x" -gt "$m" ]; then m="$x"; fi
  done
  echo "$m"
}

sum_of() {
  local s=0 x
  for x in "$@"; do
    s=$((s + x))
  done
  echo "$s"
}
SWERL_EOF
