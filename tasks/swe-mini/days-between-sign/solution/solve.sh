#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/datekit/span.py" <<'SWERL_EOF'
from datetime import date


def days_between(a, b):
    """Number of days between two ISO dates ('2024-01-31'), whichever comes first."""
    return abs((date.fromisoformat(a) - date.fromisoformat(b)).days)
SWERL_EOF
