#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
cd "$R/app"
ok=0
if grep -qx "HELLO WORLD" loud.txt; then ok=1; fi

mkdir -p "$R/logs/verifier"
if [ "$ok" = 1 ]; then echo 1 > "$R/logs/verifier/reward.txt"; else echo 0 > "$R/logs/verifier/reward.txt"; fi
