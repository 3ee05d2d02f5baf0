#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
python3 - <<'SWERL_EOF'
import collections, json
c = collections.Counter(json.loads(l)['level'] for l in open('events.jsonl') if l.strip())
open('level_counts.txt', 'w').write(''.join(f'{k} {v}\n' for k, v in sorted(c.items())))
SWERL_EOF
