#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
grep -rn 'TODO: ' src | sed 's/:[^:]*TODO: /:/' | sort -t: -k1,1 -k2,2n > todos.txt
