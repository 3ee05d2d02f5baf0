#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
cd "$R/app"
ok=0
if [ -d a/b/c ]; then ok=1; fi

mkdir -p "$R/logs/verifier"
if [ "$ok" = 1 ]; then echo 1 > "$R/logs/verifier/reward.txt"; else echo 0 > "$R/logs/verifier/reward.txt"; fi
