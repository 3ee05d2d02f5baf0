#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
awk -F, 'NR == 1 || $2 >= 18' people.csv > adults.csv
