#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
cd "$R/app"
# The hidden check: exit 0 = solved.
check() {
[ -f images/cat.jpg ] && [ -f images/dog.jpg ] && [ -f docs/notes.txt ] && [ -f docs/todo.txt ] \
  && [ -f data/sales.csv ] && [ -d inbox ] && [ -z "$(ls -A inbox)" ] && grep -q meow images/cat.jpg
}
ok=0
if check; then ok=1; fi

mkdir -p "$R/logs/verifier"
if [ "$ok" = 1 ]; then echo 1 > "$R/logs/verifier/reward.txt"; else echo 0 > "$R/logs/verifier/reward.txt"; fi
