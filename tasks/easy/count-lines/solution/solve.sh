#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
wc -l < data.txt > lines.txt
