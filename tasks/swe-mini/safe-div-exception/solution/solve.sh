#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/numkit/safe.py" <<'SWERL_EOF'
def safe_div(a, b, default=None):
    """a / b, or default when b is zero."""
    try:
        return a / b
    except ZeroDivisionError:
        return default
SWERL_EOF
