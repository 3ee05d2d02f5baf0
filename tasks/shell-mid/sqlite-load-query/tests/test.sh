#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
cd "$R/app"
# The hidden check: exit 0 = solved.
check() {
python3 -c 'import sqlite3; assert sqlite3.connect("shop.db").execute("select count(*) from orders").fetchone()[0] == 6' 2>/dev/null && [ -f answer.txt ] && [ "$(tr -d "[:space:]" < answer.txt | tr "[:upper:]" "[:lower:]")" = "3" ]
}
ok=0
if check; then ok=1; fi

mkdir -p "$R/logs/verifier"
if [ "$ok" = 1 ]; then echo 1 > "$R/logs/verifier/reward.txt"; else echo 0 > "$R/logs/verifier/reward.txt"; fi
