#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/stats/cumsum.py" <<'SWERL_EOF'
def running_total(xs):
    """[1, 2, 3] -> [1, 3, 6]."""
    out, acc = [], 0
    for x in xs:
        acc += x
        out.append(acc)
    return out
SWERL_EOF
