#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
cd "$R/app"
# The hidden check: exit 0 = solved.
check() {
rm -rf backup
echo c > docs/c.txt
bash backup.sh >/dev/null 2>&1 || return 1
[ -f backup/a.txt ] && [ -f backup/b.txt ] && [ -f backup/c.txt ] && [ ! -e backup/notes.md ] \
  && cmp -s docs/a.txt backup/a.txt
}
ok=0
if check; then ok=1; fi

mkdir -p "$R/logs/verifier"
if [ "$ok" = 1 ]; then echo 1 > "$R/logs/verifier/reward.txt"; else echo 0 > "$R/logs/verifier/reward.txt"; fi
