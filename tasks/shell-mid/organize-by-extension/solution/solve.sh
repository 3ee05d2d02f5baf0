#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
mkdir -p images docs data
mv inbox/*.jpg images/
mv inbox/*.txt docs/
mv inbox/*.csv data/
