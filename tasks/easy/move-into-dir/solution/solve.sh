#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
mv report.txt archive/
