#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/numkit/clamp.py" <<'SWERL_EOF'
def clamp(x, lo, hi):
    """Limit x to the range [lo, hi]."""
    return max(lo, min(hi, x))
SWERL_EOF
