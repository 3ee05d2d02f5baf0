#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
python3 - <<'SWERL_EOF'
import csv, json
rows = [dict(r, qty=int(r['qty'])) for r in csv.DictReader(open('inventory.csv', newline=''))]
json.dump(rows, open('inventory.json', 'w'))
SWERL_EOF
