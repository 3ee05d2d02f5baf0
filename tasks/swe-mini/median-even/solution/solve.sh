#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/stats/median.py" <<'SWERL_EOF'
def median(xs):
    """Median of a non-empty list; the mean of the two middle values when the length is even."""
    s = sorted(xs)
    mid = len(s) // 2
    if len(s) % 2:
        return s[mid]
    return (s[mid - 1] + s[mid]) / 2
SWERL_EOF
