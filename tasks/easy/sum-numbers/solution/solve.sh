#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
awk '{s += $1} END {print s}' nums.txt > sum.txt
