#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
cd "$R/app"
# The hidden check: exit 0 = solved.
check() {
[ -f top3.txt ] && [ "$(sed 's/[[:space:]]*$//' top3.txt)" = "$(printf '%s\n' '7 10.0.0.7' '5 192.168.1.20' '4 10.0.0.3')" ]
}
ok=0
if check; then ok=1; fi

mkdir -p "$R/logs/verifier"
if [ "$ok" = 1 ]; then echo 1 > "$R/logs/verifier/reward.txt"; else echo 0 > "$R/logs/verifier/reward.txt"; fi
