#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
tr '[:lower:]' '[:upper:]' < quiet.txt > loud.txt
