#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
awk '{print $1}' access.log | sort | uniq -c | sort -rn | head -n 3 | awk '{print $1, $2}' > top3.txt
