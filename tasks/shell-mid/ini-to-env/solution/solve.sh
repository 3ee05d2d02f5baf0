#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
python3 - <<'SWERL_EOF'
import configparser
c = configparser.ConfigParser()
c.read('settings.ini')
with open('app.env', 'w') as f:
    for s in c.sections():
        for k, v in c[s].items():
            f.write(f'{s.upper()}_{k.upper()}={v}\n')
SWERL_EOF
