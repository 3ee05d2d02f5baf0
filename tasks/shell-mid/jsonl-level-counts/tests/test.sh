#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
cd "$R/app"
# The hidden check: exit 0 = solved.
check() {
[ -f level_counts.txt ] && [ "$(sed 's/[[:space:]]*$//' level_counts.txt)" = "$(printf '%s\n' 'debug 1' 'error 2' 'info 5' 'warn 2')" ]
}
ok=0
if check; then ok=1; fi

mkdir -p "$R/logs/verifier"
if [ "$ok" = 1 ]; then echo 1 > "$R/logs/verifier/reward.txt"; else echo 0 > "$R/logs/verifier/reward.txt"; fi
