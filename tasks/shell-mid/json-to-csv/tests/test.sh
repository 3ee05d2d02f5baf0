#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
cd "$R/app"
# The hidden check: exit 0 = solved.
check() {
[ -f active_users.csv ] && [ "$(sed 's/[[:space:]]*$//' active_users.csv)" = "$(printf '%s\n' id,name,email 1,Abe,abe@example.com 2,Bo,bo@example.com 3,Cleo,cleo@example.com)" ]
}
ok=0
if check; then ok=1; fi

mkdir -p "$R/logs/verifier"
if [ "$ok" = 1 ]; then echo 1 > "$R/logs/verifier/reward.txt"; else echo 0 > "$R/logs/verifier/reward.txt"; fi
