#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
cd "$R/app"
# The hidden check: exit 0 = solved.
check() {
bash require.sh require.sh || return 1
if bash require.sh /nonexistent/file 2>/dev/null; then return 1; fi
[ "$(bash require.sh nope 2>&1 >/dev/null)" = "missing: nope" ]
}
ok=0
if check; then ok=1; fi

mkdir -p "$R/logs/verifier"
if [ "$ok" = 1 ]; then echo 1 > "$R/logs/verifier/reward.txt"; else echo 0 > "$R/logs/verifier/reward.txt"; fi
