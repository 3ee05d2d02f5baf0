#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
cd "$R/app"
# The hidden check: exit 0 = solved.
check() {
[ -f app.conf ] && [ "$(sed 's/[[:space:]]*$//' app.conf)" = "$(printf '%s\n' '# app settings' name=shop port=8080 workers=4 timeout=30 log_level=info)" ]
}
ok=0
if check; then ok=1; fi

mkdir -p "$R/logs/verifier"
if [ "$ok" = 1 ]; then echo 1 > "$R/logs/verifier/reward.txt"; else echo 0 > "$R/logs/verifier/reward.txt"; fi
