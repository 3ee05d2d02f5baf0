#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
cd "$R/app"
# The hidden check: exit 0 = solved.
check() {
[ -f app.env ] && [ "$(sed 's/[[:space:]]*$//' app.env)" = "$(printf '%s\n' DB_HOST=localhost DB_PORT=5432 CACHE_TTL=60 CACHE_BACKEND=redis)" ]
}
ok=0
if check; then ok=1; fi

mkdir -p "$R/logs/verifier"
if [ "$ok" = 1 ]; then echo 1 > "$R/logs/verifier/reward.txt"; else echo 0 > "$R/logs/verifier/reward.txt"; fi
