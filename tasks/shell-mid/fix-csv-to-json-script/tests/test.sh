#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
cd "$R/app"
# The hidden check: exit 0 = solved.
check() {
out="$(python3 to_json.py "$R/tests/hidden.csv")" || return 1
python3 -c 'import json, sys; assert json.loads(sys.argv[1]) == [{"name": "zed", "score": 10}, {"name": "amy", "score": 7}]' "$out"
}
ok=0
if check; then ok=1; fi

mkdir -p "$R/logs/verifier"
if [ "$ok" = 1 ]; then echo 1 > "$R/logs/verifier/reward.txt"; else echo 0 > "$R/logs/verifier/reward.txt"; fi
