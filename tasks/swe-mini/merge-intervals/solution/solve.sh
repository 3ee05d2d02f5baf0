#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/listkit/intervals.py" <<'SWERL_EOF'
def merge(intervals):
    """Merge overlapping (start, end) intervals, in any input order; result sorted by start."""
    out = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out
SWERL_EOF
