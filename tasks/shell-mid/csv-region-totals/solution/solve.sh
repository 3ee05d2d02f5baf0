#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
{ echo region,total; tail -n +2 sales.csv | awk -F, '{s[$1] += $2} END {for (r in s) print r "," s[r]}' | sort; } > totals.csv
