#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
cd "$R/app"
# The hidden check: exit 0 = solved.
check() {
[ -f transposed.txt ] && [ "$(sed 's/[[:space:]]*$//' transposed.txt)" = "$(printf '%s\n' '1 5 9' '2 6 10' '3 7 11' '4 8 12')" ]
}
ok=0
if check; then ok=1; fi

mkdir -p "$R/logs/verifier"
if [ "$ok" = 1 ]; then echo 1 > "$R/logs/verifier/reward.txt"; else echo 0 > "$R/logs/verifier/reward.txt"; fi
