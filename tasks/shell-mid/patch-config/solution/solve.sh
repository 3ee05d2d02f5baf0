#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
sed -i 's/^port=.*/port=8080/; s/^workers=.*/workers=4/' app.conf
echo log_level=info >> app.conf
