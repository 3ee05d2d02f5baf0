#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
python3 - <<'SWERL_EOF'
import csv
names = {r['customer_id']: r['name'] for r in csv.DictReader(open('customers.csv'))}
rows = sorted(csv.DictReader(open('orders.csv')), key=lambda r: int(r['order_id']))
with open('report.csv', 'w') as f:
    f.write('order_id,name,amount\n')
    for r in rows:
        f.write(f"{r['order_id']},{names[r['customer_id']]},{r['amount']}\n")
SWERL_EOF
