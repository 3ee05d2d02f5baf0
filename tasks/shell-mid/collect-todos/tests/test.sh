#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
cd "$R/app"
# The hidden check: exit 0 = solved.
check() {
[ -f todos.txt ] && [ "$(sed 's/[[:space:]]*$//' todos.txt)" = "$(printf '%s\n' 'src/app.py:2:handle errors' 'src/app.py:5:log the result' 'src/util/io.py:3:close it')" ]
}
ok=0
if check; then ok=1; fi

mkdir -p "$R/logs/verifier"
if [ "$ok" = 1 ]; then echo 1 > "$R/logs/verifier/reward.txt"; else echo 0 > "$R/logs/verifier/reward.txt"; fi
