#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
sed -i 's#doc/#docs/#' backup.sh
