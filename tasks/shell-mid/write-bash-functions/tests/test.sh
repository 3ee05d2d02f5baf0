#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
cd "$R/app"
# The hidden check: exit 0 = solved.
check() {
[ -f mathlib.sh ] || return 1
source ./mathlib.sh >/dev/null 2>&1 || return 1
[ "$(max_of 3 9 -2)" = 9 ] && [ "$(max_of -5 -7)" = -5 ] && [ "$(sum_of 1 2 3 4)" = 10 ] \
  && [ "$(sum_of -3 3 7)" = 7 ]
}
ok=0
if check; then ok=1; fi

mkdir -p "$R/logs/verifier"
if [ "$ok" = 1 ]; then echo 1 > "$R/logs/verifier/reward.txt"; else echo 0 > "$R/logs/verifier/reward.txt"; fi
