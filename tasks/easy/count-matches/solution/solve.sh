#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
grep -c apple fruit.txt > apple_count.txt
