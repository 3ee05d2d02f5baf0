#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
python3 - <<'SWERL_EOF'
import json
us = sorted((u for u in json.load(open('users.json')) if u['active']), key=lambda u: u['id'])
with open('active_users.csv', 'w') as f:
    f.write('id,name,email\n')
    for u in us:
        f.write(f"{u['id']},{u['name']},{u['email']}\n")
SWERL_EOF
