#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
python3 -c 'import json; print(json.load(open("config.json"))["port"])' > port.txt
