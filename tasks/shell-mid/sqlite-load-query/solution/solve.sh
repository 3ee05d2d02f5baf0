#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
python3 - <<'SWERL_EOF'
import sqlite3
db = sqlite3.connect('shop.db')
db.executescript(open('schema.sql').read())
db.commit()
n = db.execute('select count(*) from orders where total > 100').fetchone()[0]
open('answer.txt', 'w').write(f'{n}\n')
SWERL_EOF
