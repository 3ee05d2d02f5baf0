#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
cat > to_json.py <<'SWERL_EOF'
import csv
import json
import sys

rows = []
with open(sys.argv[1], newline="") as f:
    for row in csv.DictReader(f):
        rows.append({"name": row["name"], "score": int(row["score"])})
print(json.dumps(rows))
SWERL_EOF
