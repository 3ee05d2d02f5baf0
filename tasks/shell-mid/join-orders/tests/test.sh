#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
cd "$R/app"
# The hidden check: exit 0 = solved.
check() {
[ -f report.csv ] && [ "$(sed 's/[[:space:]]*$//' report.csv)" = "$(printf '%s\n' order_id,name,amount 2,lin,15 9,ola,4 10,lin,30 11,raj,8)" ]
}
ok=0
if check; then ok=1; fi

mkdir -p "$R/logs/verifier"
if [ "$ok" = 1 ]; then echo 1 > "$R/logs/verifier/reward.txt"; else echo 0 > "$R/logs/verifier/reward.txt"; fi
