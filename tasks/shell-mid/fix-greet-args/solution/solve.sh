#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
sed -i 's/"\$2"/"$1"/' greet.sh
