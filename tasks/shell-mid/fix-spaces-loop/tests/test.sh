#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
cd "$R/app"
# The hidden check: exit 0 = solved.
check() {
d="$(mktemp -d)"
printf 'a\nb\n' > "$d/my notes.txt"
printf 'x\n' > "$d/z.txt"
printf 'y\n' > "$d/skip.md"
[ "$(bash count_lines.sh "$d")" = "$(printf '2 my notes.txt\n1 z.txt')" ]
}
ok=0
if check; then ok=1; fi

mkdir -p "$R/logs/verifier"
if [ "$ok" = 1 ]; then echo 1 > "$R/logs/verifier/reward.txt"; else echo 0 > "$R/logs/verifier/reward.txt"; fi
